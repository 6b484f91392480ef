/*
 * Work per layer, for the achieved-throughput columns of --per-layer.
 *
 * MACs (multiply-accumulates) as rfx-inspect counts them: conv2d, every
 * output value takes (C/group) kH kW products; fc, K products. Ops: 2 MACs
 * for conv2d and fc (a multiply and an add; the bias and fused activation
 * are not counted), otherwise one op per element the layer visits: the
 * window of each pooled output, the input of a global pool or mean, the
 * output of an elementwise layer (quantize and dequantize included),
 * three per element for softmax (max, exp-and-sum, divide); reshape,
 * transpose, concat and pad move data and count no ops. For int8 layers the ops are integer ops (GOP/s, not
 * GFLOP/s). Bytes: every input tensor read once (weights included) plus the
 * output written once: a lower bound on the memory traffic.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

void bench_layer_work(const rfx_graph *g, const rfx_layer *l, bench_work *out)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	double out_elems = (double)rfx_tensor_elements(y);

	memset(out, 0, sizeof(*out));
	out->integer = l->precision == RFX_DTYPE_I8;
	for (uint32_t k = 0; k < l->n_inputs; k++)
		out->bytes += (double)rfx_tensor_bytes(&g->tensors[l->inputs[k]]);
	out->bytes += (double)rfx_tensor_bytes(y);
	switch (l->op) {
	case RFX_OP_CONV2D: {
		const rfx_tensor *w = &g->tensors[l->inputs[1]];

		out->macs = rfx_tensor_elements(y) * w->dims[1] * w->dims[2] *
			    w->dims[3];
		out->ops = 2.0 * (double)out->macs;
		break;
	}
	case RFX_OP_FC:
		out->macs = rfx_tensor_elements(y) * g->tensors[l->inputs[1]].dims[1];
		out->ops = 2.0 * (double)out->macs;
		break;
	case RFX_OP_POOL2D:
		out->ops = out_elems * (double)l->i[RFX_POOL_KERNEL_H] *
			   (double)l->i[RFX_POOL_KERNEL_W];
		break;
	case RFX_OP_GLOBAL_POOL:
	case RFX_OP_REDUCE_MEAN:
		out->ops = (double)rfx_tensor_elements(x);
		break;
	case RFX_OP_BINARY:
	case RFX_OP_UNARY:
	case RFX_OP_QUANTIZE:
	case RFX_OP_DEQUANTIZE:
		out->ops = out_elems;
		break;
	case RFX_OP_SOFTMAX:
		out->ops = 3.0 * out_elems;
		break;
	default:
		break;
	}
}

static int act_of(const rfx_layer *l)
{
	switch (l->op) {
	case RFX_OP_CONV2D:
		return l->i[RFX_CONV_ACT];
	case RFX_OP_FC:
		return l->i[RFX_FC_ACT];
	case RFX_OP_BINARY:
		return l->i[RFX_BINARY_ACT];
	case RFX_OP_UNARY:
		return l->i[RFX_UNARY_ACT];
	default:
		return RFX_ACT_NONE;
	}
}

void bench_layer_op(const rfx_layer *l, char *buf, size_t len)
{
	static const char *binary[] = {"add", "sub", "mul", "div"};
	const char *op = rfx_op_name(l->op);
	int act = act_of(l);

	if (l->op == RFX_OP_UNARY) {
		snprintf(buf, len, "%s", rfx_act_name((rfx_act)act));
		return;
	}
	if (l->op == RFX_OP_BINARY && l->i[RFX_BINARY_KIND] >= 0 &&
	    l->i[RFX_BINARY_KIND] < RFX_BINARY_COUNT_)
		snprintf(buf, len, "%s", binary[l->i[RFX_BINARY_KIND]]);
	else if (l->op == RFX_OP_POOL2D)
		snprintf(buf, len, "%spool", l->i[RFX_POOL_KIND] == RFX_POOL_MAX ? "max" : "avg");
	else if (l->op == RFX_OP_GLOBAL_POOL)
		snprintf(buf, len, "global_%spool",
			 l->i[RFX_GPOOL_KIND] == RFX_POOL_MAX ? "max" : "avg");
	else
		snprintf(buf, len, "%s", op);
	if (act != RFX_ACT_NONE) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "+%s", rfx_act_name((rfx_act)act));
	}
}

const char *bench_precision_name(rfx_dtype dt)
{
	switch (dt) {
	case RFX_DTYPE_F32:
		return "fp32";
	case RFX_DTYPE_F16:
		return "fp16";
	case RFX_DTYPE_I8:
		return "int8";
	default:
		return rfx_dtype_name(dt);
	}
}

const char *bench_model_precision(const rfx_graph *g)
{
	rfx_dtype first;

	if (g->n_layers == 0)
		return "none";
	first = g->layers[0].precision;
	for (uint32_t i = 1; i < g->n_layers; i++)
		if (g->layers[i].precision != first)
			return "mixed";
	return bench_precision_name(first);
}
