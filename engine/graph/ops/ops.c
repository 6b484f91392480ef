/* rfx_layer_infer(): the checks every op shares, then the op's own rule. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "graph/ops/ops.h"

static const rfx_infer_fn infer_table[RFX_OP_COUNT_] = {
	[RFX_OP_CONV2D] = rfx_infer_conv2d,
	[RFX_OP_FC] = rfx_infer_fc,
	[RFX_OP_POOL2D] = rfx_infer_pool2d,
	[RFX_OP_GLOBAL_POOL] = rfx_infer_global_pool,
	[RFX_OP_BINARY] = rfx_infer_binary,
	[RFX_OP_UNARY] = rfx_infer_unary,
	[RFX_OP_CONCAT] = rfx_infer_concat,
	[RFX_OP_RESHAPE] = rfx_infer_reshape,
	[RFX_OP_TRANSPOSE] = rfx_infer_transpose,
	[RFX_OP_PAD] = rfx_infer_pad,
	[RFX_OP_SOFTMAX] = rfx_infer_softmax,
	[RFX_OP_REDUCE_MEAN] = rfx_infer_reduce_mean,
	[RFX_OP_QUANTIZE] = rfx_infer_quantize,
	[RFX_OP_DEQUANTIZE] = rfx_infer_dequantize,
};

rfx_status rfx_op_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return RFX_E_FORMAT;
}

const rfx_tensor *rfx_op_in(const rfx_graph *g, const rfx_layer *l,
                            uint32_t k)
{
	return &g->tensors[l->inputs[k]];
}

rfx_status rfx_layer_infer(const rfx_graph *g, const rfx_layer *l,
                           rfx_tensor *out, char *err, size_t errlen)
{
	rfx_tensor t;
	rfx_status st;

	if (!g || !l || !out)
		return rfx_op_fail(err, errlen, "layer: NULL argument");
	if ((uint32_t)l->op >= RFX_OP_COUNT_ || !infer_table[l->op])
		return rfx_op_fail(err, errlen, "layer: unknown op %u",
				   (unsigned)l->op);
	if (l->precision != RFX_DTYPE_F32 && l->precision != RFX_DTYPE_F16 &&
	    l->precision != RFX_DTYPE_I8)
		return rfx_op_fail(err, errlen,
				   "%s: precision %u is not f32, f16 or i8",
				   rfx_op_name(l->op), (unsigned)l->precision);
	if (l->n_outputs != 1 || !l->outputs)
		return rfx_op_fail(err, errlen, "%s: %u outputs, expected 1",
				   rfx_op_name(l->op), l->n_outputs);
	if (l->n_inputs > RFX_MAX_LAYER_INPUTS || (l->n_inputs && !l->inputs))
		return rfx_op_fail(err, errlen, "%s: %u inputs, at most %u",
				   rfx_op_name(l->op), l->n_inputs,
				   RFX_MAX_LAYER_INPUTS);
	for (uint32_t k = 0; k < l->n_inputs; k++)
		if (l->inputs[k] >= g->n_tensors)
			return rfx_op_fail(err, errlen,
					   "%s: input %u names tensor %u of %u",
					   rfx_op_name(l->op), k, l->inputs[k],
					   g->n_tensors);
	if (l->outputs[0] >= g->n_tensors)
		return rfx_op_fail(err, errlen, "%s: output names tensor %u of %u",
				   rfx_op_name(l->op), l->outputs[0], g->n_tensors);
	for (uint32_t k = 0; k < RFX_LAYER_FATTRS; k++)
		if (isnan(l->f[k]))
			return rfx_op_fail(err, errlen, "%s: f[%u] is NaN",
					   rfx_op_name(l->op), k);

	memset(&t, 0, sizeof(t));
	t.dtype = l->precision;
	t.channel_scales = UINT32_MAX;
	for (uint32_t d = 0; d < RFX_MAX_RANK; d++)
		t.dims[d] = 1;
	st = infer_table[l->op](g, l, &t, err, errlen);
	if (st != RFX_OK)
		return st;
	*out = t;
	return RFX_OK;
}

rfx_status rfx_op_check_inputs(const rfx_layer *l, uint32_t min, uint32_t max,
                               char *err, size_t errlen)
{
	if (l->n_inputs < min || l->n_inputs > max) {
		if (min == max)
			return rfx_op_fail(err, errlen,
					   "%s: %u inputs, expected %u",
					   rfx_op_name(l->op), l->n_inputs, min);
		return rfx_op_fail(err, errlen,
				   "%s: %u inputs, expected %u to %u",
				   rfx_op_name(l->op), l->n_inputs, min, max);
	}
	return RFX_OK;
}

rfx_status rfx_op_check_act_input(const rfx_layer *l, const rfx_tensor *t,
                                  const char *what, int rank, char *err,
                                  size_t errlen)
{
	if (t->dtype != RFX_DTYPE_F32 && t->dtype != RFX_DTYPE_F16 &&
	    t->dtype != RFX_DTYPE_I8)
		return rfx_op_fail(err, errlen,
				   "%s: %s '%s' has dtype %s, expected f32, f16 or i8",
				   rfx_op_name(l->op), what, t->name ? t->name : "",
				   rfx_dtype_name(t->dtype));
	if (t->rank > RFX_MAX_RANK)
		return rfx_op_fail(err, errlen, "%s: %s has rank %u > %u",
				   rfx_op_name(l->op), what, t->rank, RFX_MAX_RANK);
	if (rank >= 0 && t->rank != (uint32_t)rank)
		return rfx_op_fail(err, errlen, "%s: %s has rank %u, expected %d",
				   rfx_op_name(l->op), what, t->rank, rank);
	return RFX_OK;
}

rfx_status rfx_op_check_weights(const rfx_layer *l, const rfx_tensor *w,
                                const rfx_tensor *b, char *err,
                                size_t errlen)
{
	const char *op = rfx_op_name(l->op);
	int w_ok, b_ok;

	if (!(w->flags & RFX_TENSOR_CONST))
		return rfx_op_fail(err, errlen, "%s: weight '%s' is not a constant",
				   op, w->name ? w->name : "");
	if (!(b->flags & RFX_TENSOR_CONST))
		return rfx_op_fail(err, errlen, "%s: bias '%s' is not a constant",
				   op, b->name ? b->name : "");
	switch (l->precision) {
	case RFX_DTYPE_F32:
		w_ok = w->dtype == RFX_DTYPE_F32;
		b_ok = b->dtype == RFX_DTYPE_F32;
		break;
	case RFX_DTYPE_F16:
		w_ok = w->dtype == RFX_DTYPE_F16 || w->dtype == RFX_DTYPE_F32;
		b_ok = b->dtype == RFX_DTYPE_F16 || b->dtype == RFX_DTYPE_F32;
		break;
	default: /* I8 */
		w_ok = w->dtype == RFX_DTYPE_I8;
		b_ok = b->dtype == RFX_DTYPE_I32 || b->dtype == RFX_DTYPE_F32;
		break;
	}
	if (!w_ok)
		return rfx_op_fail(err, errlen,
				   "%s: weight dtype %s does not fit precision %s",
				   op, rfx_dtype_name(w->dtype),
				   rfx_dtype_name(l->precision));
	if (!b_ok)
		return rfx_op_fail(err, errlen,
				   "%s: bias dtype %s does not fit precision %s",
				   op, rfx_dtype_name(b->dtype),
				   rfx_dtype_name(l->precision));
	return RFX_OK;
}

rfx_status rfx_op_check_act(const rfx_layer *l, uint32_t slot, char *err,
                            size_t errlen)
{
	const char *op = rfx_op_name(l->op);
	int32_t act = l->i[slot];
	int used; /* parameters the activation reads */

	if (act < 0 || act >= RFX_ACT_COUNT_)
		return rfx_op_fail(err, errlen, "%s: activation %d out of range",
				   op, (int)act);
	switch ((rfx_act)act) {
	case RFX_ACT_CLIP:
		if (!(l->f[0] <= l->f[1]))
			return rfx_op_fail(err, errlen,
					   "%s: clip min %g greater than max %g",
					   op, (double)l->f[0], (double)l->f[1]);
		used = 2;
		break;
	case RFX_ACT_LEAKY_RELU:
		if (!isfinite(l->f[0]))
			return rfx_op_fail(err, errlen,
					   "%s: leaky_relu slope %g not finite",
					   op, (double)l->f[0]);
		used = 1;
		break;
	case RFX_ACT_HARD_SIGMOID:
		if (!isfinite(l->f[0]) || !isfinite(l->f[1]))
			return rfx_op_fail(err, errlen,
					   "%s: hard_sigmoid alpha/beta not finite",
					   op);
		used = 2;
		break;
	default:
		used = 0;
		break;
	}
	for (int k = used; k < RFX_LAYER_FATTRS; k++)
		if (l->f[k] != 0.0f)
			return rfx_op_fail(err, errlen,
					   "%s: unused attribute f[%d] is %g, must be 0 "
					   "(activation %s)", op, k, (double)l->f[k],
					   rfx_act_name((rfx_act)act));
	return RFX_OK;
}

rfx_status rfx_op_check_unused(const rfx_layer *l, uint32_t first_i,
                               uint32_t first_f, char *err, size_t errlen)
{
	for (uint32_t k = first_i; k < RFX_LAYER_IATTRS; k++)
		if (l->i[k] != 0)
			return rfx_op_fail(err, errlen,
					   "%s: unused attribute i[%u] is %d, must be 0",
					   rfx_op_name(l->op), k, (int)l->i[k]);
	for (uint32_t k = first_f; k < RFX_LAYER_FATTRS; k++)
		if (l->f[k] != 0.0f)
			return rfx_op_fail(err, errlen,
					   "%s: unused attribute f[%u] is %g, must be 0",
					   rfx_op_name(l->op), k, (double)l->f[k]);
	return RFX_OK;
}

rfx_status rfx_op_check_flag(const rfx_layer *l, uint32_t slot,
                             const char *what, char *err, size_t errlen)
{
	return rfx_op_check_range(l, slot, what, 0, 1, err, errlen);
}

rfx_status rfx_op_check_range(const rfx_layer *l, uint32_t slot,
                              const char *what, int64_t lo, int64_t hi,
                              char *err, size_t errlen)
{
	int64_t v = l->i[slot];

	if (v < lo || v > hi)
		return rfx_op_fail(err, errlen, "%s: %s %lld out of range %lld..%lld",
				   rfx_op_name(l->op), what, (long long)v,
				   (long long)lo, (long long)hi);
	return RFX_OK;
}

rfx_status rfx_op_set_shape(const rfx_layer *l, rfx_tensor *out,
                            uint32_t rank, const uint64_t *dims, char *err,
                            size_t errlen)
{
	uint64_t n = 1;

	if (rank > RFX_MAX_RANK)
		return rfx_op_fail(err, errlen, "%s: output rank %u > %u",
				   rfx_op_name(l->op), rank, RFX_MAX_RANK);
	for (uint32_t d = 0; d < rank; d++) {
		if (dims[d] < 1 || dims[d] > RFX_MAX_DIM)
			return rfx_op_fail(err, errlen,
					   "%s: output dim %u is %llu, outside 1..%u",
					   rfx_op_name(l->op), d,
					   (unsigned long long)dims[d], RFX_MAX_DIM);
		n *= dims[d]; /* <= 2^24 * 2^31 before the check below */
		if (n > RFX_MAX_ELEMENTS)
			return rfx_op_fail(err, errlen,
					   "%s: output has more than %llu elements",
					   rfx_op_name(l->op),
					   (unsigned long long)RFX_MAX_ELEMENTS);
	}
	out->rank = rank;
	for (uint32_t d = 0; d < RFX_MAX_RANK; d++)
		out->dims[d] = d < rank ? (uint32_t)dims[d] : 1;
	return RFX_OK;
}
