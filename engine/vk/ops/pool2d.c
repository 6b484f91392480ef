/* Max/average pooling → shaders/pool2d.comp: one invocation per output. */
#include <stdio.h>

#include "vk/ops.h"

rfx_status rfx_vk_op_pool2d(const rfx_graph *g, const rfx_layer *l,
                            rfx_vk_dispatch *d, uint32_t *n, char *err,
                            size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint64_t nc = (uint64_t)y->dims[0] * y->dims[1];
	rfx_status st = rfx_vk_variant(d, g, l, "pool2d", t, 2, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 2);
	uint32_t pc[] = {
		x->dims[2], x->dims[3], y->dims[2], y->dims[3],
		(uint32_t)l->i[RFX_POOL_KERNEL_H], (uint32_t)l->i[RFX_POOL_KERNEL_W],
		(uint32_t)l->i[RFX_POOL_STRIDE_H], (uint32_t)l->i[RFX_POOL_STRIDE_W],
		(uint32_t)l->i[RFX_POOL_PAD_T], (uint32_t)l->i[RFX_POOL_PAD_L],
		(uint32_t)l->i[RFX_POOL_PAD_B], (uint32_t)l->i[RFX_POOL_PAD_R],
		(uint32_t)(l->i[RFX_POOL_DIL_H] ? l->i[RFX_POOL_DIL_H] : 1),
		(uint32_t)(l->i[RFX_POOL_DIL_W] ? l->i[RFX_POOL_DIL_W] : 1),
		(uint32_t)l->i[RFX_POOL_KIND],
		(uint32_t)l->i[RFX_POOL_COUNT_INCLUDE_PAD],
	};
	rfx_vk_push(d, pc, sizeof(pc) / 4);
	d->local[0] = 8;
	d->local[1] = 8;
	d->groups[0] = (y->dims[3] + 7) / 8;
	d->groups[1] = (y->dims[2] + 7) / 8;
	d->groups[2] = (uint32_t)nc;
	if (nc > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': pooling over %llu planes",
			 l->name, (unsigned long long)nc);
		return RFX_E_UNSUPPORTED;
	}
	*n = 1;
	return RFX_OK;
}

/* The "pool2d_tb" variant: the same kernel reading X through a uniform
 * texel buffer, 4 outputs of a row per invocation (shaders/pool2d.comp
 * with TB). */
rfx_status rfx_vk_op_pool2d_tb(const rfx_graph *g, const rfx_layer *l,
                               rfx_vk_dispatch *d, uint32_t *n, char *err,
                               size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	rfx_status st = rfx_vk_op_pool2d(g, l, d, n, err, errlen);

	if (st != RFX_OK)
		return st;
	snprintf(d->shader, sizeof(d->shader), "pool2d_tb_%c",
		 y->dtype == RFX_DTYPE_F16 ? 'h' : 'f');
	d->view[0] = rfx_vk_view_r(x->dtype);
	d->groups[0] = (y->dims[3] + 31) / 32; /* 4 outputs per invocation */
	return RFX_OK;
}

/* int8 → shaders/pool2d_i8.comp: the same grid; X through a storage
 * buffer, or with tb an R8I texel view ("pool2d_i8_tb"). */
static rfx_status pool2d_i8(const rfx_graph *g, const rfx_layer *l,
                            const rfx_quant_layer *q, int tb,
                            rfx_vk_dispatch *d, uint32_t *n, char *err,
                            size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint64_t nc = (uint64_t)y->dims[0] * y->dims[1];

	snprintf(d->shader, sizeof(d->shader), tb ? "pool2d_i8_tb" : "pool2d_i8");
	rfx_vk_bind(d, g, t, 2);
	if (tb)
		d->view[0] = RFX_VK_VIEW_R8I;
	uint32_t pc[] = {
		x->dims[2], x->dims[3], y->dims[2], y->dims[3],
		(uint32_t)l->i[RFX_POOL_KERNEL_H], (uint32_t)l->i[RFX_POOL_KERNEL_W],
		(uint32_t)l->i[RFX_POOL_STRIDE_H], (uint32_t)l->i[RFX_POOL_STRIDE_W],
		(uint32_t)l->i[RFX_POOL_PAD_T], (uint32_t)l->i[RFX_POOL_PAD_L],
		(uint32_t)l->i[RFX_POOL_PAD_B], (uint32_t)l->i[RFX_POOL_PAD_R],
		(uint32_t)(l->i[RFX_POOL_DIL_H] ? l->i[RFX_POOL_DIL_H] : 1),
		(uint32_t)(l->i[RFX_POOL_DIL_W] ? l->i[RFX_POOL_DIL_W] : 1),
		(uint32_t)l->i[RFX_POOL_KIND],
		(uint32_t)l->i[RFX_POOL_COUNT_INCLUDE_PAD],
		(uint32_t)q->in_zp[0], (uint32_t)q->out_zp,
	};
	rfx_vk_push(d, pc, sizeof(pc) / 4);
	rfx_vk_push_rq(d, q->in_rq[0]);
	d->local[0] = 8;
	d->local[1] = 8;
	d->groups[0] = (y->dims[3] + 7) / 8;
	d->groups[1] = (y->dims[2] + 7) / 8;
	d->groups[2] = (uint32_t)nc;
	if (nc > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': pooling over %llu planes",
			 l->name, (unsigned long long)nc);
		return RFX_E_UNSUPPORTED;
	}
	*n = 1;
	return RFX_OK;
}

rfx_status rfx_vk_op_pool2d_i8(const rfx_graph *g, const rfx_layer *l,
                               const rfx_quant_layer *q,
                               const rfx_vk_caps *caps, rfx_vk_dispatch *d,
                               uint32_t *n, char *err, size_t errlen)
{
	return pool2d_i8(g, l, q, 0, d, n, err, errlen);
}

rfx_status rfx_vk_op_pool2d_i8_tb(const rfx_graph *g, const rfx_layer *l,
                                  rfx_vk_dispatch *d, uint32_t *n, char *err,
                                  size_t errlen)
{
	rfx_quant_layer q;
	rfx_status st = rfx_quant_layer_init(g, l, &q, err, errlen);

	if (st != RFX_OK)
		return st;
	st = pool2d_i8(g, l, &q, 1, d, n, err, errlen);
	rfx_quant_layer_finish(&q);
	return st;
}
