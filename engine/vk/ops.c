/* The op table and what the per-op files share. */
#include <stdio.h>
#include <string.h>

#include "vk/ops.h"

static const rfx_vk_op_fn op_fns[RFX_OP_COUNT_] = {
	[RFX_OP_CONV2D] = rfx_vk_op_conv2d,
	[RFX_OP_FC] = rfx_vk_op_fc,
	[RFX_OP_POOL2D] = rfx_vk_op_pool2d,
	[RFX_OP_GLOBAL_POOL] = rfx_vk_op_global_pool,
	[RFX_OP_BINARY] = rfx_vk_op_binary,
	[RFX_OP_UNARY] = rfx_vk_op_unary,
	[RFX_OP_CONCAT] = rfx_vk_op_concat,
	[RFX_OP_RESHAPE] = rfx_vk_op_reshape,
	[RFX_OP_TRANSPOSE] = rfx_vk_op_transpose,
	[RFX_OP_PAD] = rfx_vk_op_pad,
	[RFX_OP_SOFTMAX] = rfx_vk_op_softmax,
	[RFX_OP_REDUCE_MEAN] = rfx_vk_op_reduce_mean,
};

/* int8 layers (graph/quant_layer.h: precision I8, QUANTIZE, DEQUANTIZE). */
static const rfx_vk_op_i8_fn op_fns_i8[RFX_OP_COUNT_] = {
	[RFX_OP_CONV2D] = rfx_vk_op_conv2d_i8,
	[RFX_OP_FC] = rfx_vk_op_fc_i8,
	[RFX_OP_POOL2D] = rfx_vk_op_pool2d_i8,
	[RFX_OP_GLOBAL_POOL] = rfx_vk_op_global_pool_i8,
	[RFX_OP_BINARY] = rfx_vk_op_binary_i8,
	[RFX_OP_UNARY] = rfx_vk_op_unary_i8,
	[RFX_OP_CONCAT] = rfx_vk_op_concat_i8,
	[RFX_OP_RESHAPE] = rfx_vk_op_reshape_i8,
	[RFX_OP_TRANSPOSE] = rfx_vk_op_transpose_i8,
	[RFX_OP_PAD] = rfx_vk_op_pad_i8,
	[RFX_OP_QUANTIZE] = rfx_vk_op_quantize,
	[RFX_OP_DEQUANTIZE] = rfx_vk_op_dequantize,
};

static rfx_status layer_i8(const rfx_graph *g, const rfx_layer *l,
                           const rfx_vk_caps *caps, rfx_vk_dispatch *d,
                           uint32_t *n, char *err, size_t errlen)
{
	rfx_quant_layer q;
	rfx_status st;

	if (!op_fns_i8[l->op]) {
		snprintf(err, errlen, "layer '%s': %s has no int8 kernel",
			 l->name ? l->name : "?", rfx_op_name(l->op));
		return RFX_E_UNSUPPORTED;
	}
	if (!caps->int8) {
		snprintf(err, errlen, "layer '%s' (%s): this device has no int8 "
			 "storage buffers or int8 shader arithmetic",
			 l->name ? l->name : "?", rfx_op_name(l->op));
		return RFX_E_UNSUPPORTED;
	}
	st = rfx_quant_layer_init(g, l, &q, err, errlen);
	if (st == RFX_OK)
		st = op_fns_i8[l->op](g, l, &q, caps, d, n, err, errlen);
	rfx_quant_layer_finish(&q);
	return st;
}

rfx_status rfx_vk_layer_dispatches(const rfx_graph *g, const rfx_layer *l,
                                   const rfx_vk_caps *caps,
                                   rfx_vk_dispatch *d, uint32_t *n, char *err,
                                   size_t errlen)
{
	rfx_quant_layer q;
	rfx_status st;

	*n = 0;
	if ((unsigned)l->op >= RFX_OP_COUNT_) {
		snprintf(err, errlen, "layer '%s': op %d has no Vulkan kernel",
			 l->name ? l->name : "?", (int)l->op);
		return RFX_E_UNSUPPORTED;
	}
	if (rfx_quant_layer_is_int8(l))
		return layer_i8(g, l, caps, d, n, err, errlen);
	if (!op_fns[l->op]) {
		snprintf(err, errlen, "layer '%s': op %d has no Vulkan kernel",
			 l->name ? l->name : "?", (int)l->op);
		return RFX_E_UNSUPPORTED;
	}
	/* A float layer must not read int8 (the check is shared). */
	st = rfx_quant_layer_init(g, l, &q, err, errlen);
	rfx_quant_layer_finish(&q);
	if (st != RFX_OK)
		return st;
	return op_fns[l->op](g, l, d, n, err, errlen);
}

rfx_status rfx_vk_variant(rfx_vk_dispatch *d, const rfx_graph *g,
                          const rfx_layer *l, const char *base,
                          const uint32_t *tensors, uint32_t n, char *err,
                          size_t errlen)
{
	char letters[8];

	for (uint32_t i = 0; i < n && i < sizeof(letters) - 1; i++) {
		const rfx_tensor *t = &g->tensors[tensors[i]];
		if (t->dtype == RFX_DTYPE_F32)
			letters[i] = 'f';
		else if (t->dtype == RFX_DTYPE_F16)
			letters[i] = 'h';
		else if (t->dtype == RFX_DTYPE_I8)
			letters[i] = 'b';
		else {
			snprintf(err, errlen, "layer '%s' (%s): tensor '%s' has "
				 "dtype %s, which the Vulkan kernels do not serve",
				 l->name ? l->name : "?", rfx_op_name(l->op),
				 t->name, rfx_dtype_name(t->dtype));
			return RFX_E_UNSUPPORTED;
		}
		letters[i + 1] = '\0';
	}
	snprintf(d->shader, sizeof(d->shader), "%s_%s", base, letters);
	return RFX_OK;
}

void rfx_vk_bind(rfx_vk_dispatch *d, const rfx_graph *g, const uint32_t *tensors,
                 uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		d->tensor[i] = tensors[i];
	d->n_bindings = n;
	d->out_binding = n - 1;
	d->write_offset = 0;
	d->write_bytes = rfx_tensor_bytes(&g->tensors[tensors[n - 1]]);
}

rfx_status rfx_vk_groups_1d(rfx_vk_dispatch *d, uint64_t count, char *err,
                            size_t errlen)
{
	uint64_t groups = (count + 63) / 64;

	d->local[0] = 64;
	d->local[1] = 1;
	d->groups[0] = (uint32_t)(groups < RFX_VK_MAX_GROUPS ? groups : RFX_VK_MAX_GROUPS);
	d->groups[1] = (uint32_t)((groups + RFX_VK_MAX_GROUPS - 1) / RFX_VK_MAX_GROUPS);
	d->groups[2] = 1;
	if (d->groups[0] == 0)
		d->groups[0] = d->groups[1] = 1;
	if (d->groups[1] > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "%llu elements exceed one dispatch",
			 (unsigned long long)count);
		return RFX_E_UNSUPPORTED;
	}
	return RFX_OK;
}

void rfx_vk_dims6(const rfx_tensor *t, uint32_t out[6])
{
	uint32_t pad = 6 - t->rank;

	for (uint32_t d = 0; d < 6; d++)
		out[d] = d < pad ? 1 : t->dims[d - pad];
}

void rfx_vk_push(rfx_vk_dispatch *d, const uint32_t *w, uint32_t n)
{
	for (uint32_t i = 0; i < n && d->push_size / 4 < RFX_VK_PUSH_WORDS; i++)
		d->push[d->push_size / 4] = w[i], d->push_size += 4;
}

void rfx_vk_push_u(rfx_vk_dispatch *d, uint32_t v)
{
	rfx_vk_push(d, &v, 1);
}

void rfx_vk_push_conv_geometry(rfx_vk_dispatch *d, const rfx_graph *g,
                               const rfx_layer *l)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t pc[] = {
		x->dims[1], x->dims[2], x->dims[3],
		y->dims[1], y->dims[2], y->dims[3],
		w->dims[2], w->dims[3],
		(uint32_t)l->i[RFX_CONV_STRIDE_H], (uint32_t)l->i[RFX_CONV_STRIDE_W],
		(uint32_t)l->i[RFX_CONV_PAD_T], (uint32_t)l->i[RFX_CONV_PAD_L],
		(uint32_t)l->i[RFX_CONV_DIL_H], (uint32_t)l->i[RFX_CONV_DIL_W],
	};

	rfx_vk_push(d, pc, sizeof(pc) / 4);
}

void rfx_vk_push_rq(rfx_vk_dispatch *d, rfx_requant rq)
{
	rfx_vk_push(d, (uint32_t[]){(uint32_t)rq.m, (uint32_t)rq.shift}, 2);
}

void rfx_vk_push_f(rfx_vk_dispatch *d, float v)
{
	uint32_t w;

	memcpy(&w, &v, 4);
	rfx_vk_push(d, &w, 1);
}
