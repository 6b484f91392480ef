/* A classifier head in one dispatch → shaders/head.comp: GLOBAL_POOL ->
 * [RESHAPE] -> FC, as engine/vk/plan.c fused them, recorded at the FC.
 * Every input is read through a texel buffer. */
#include <stdio.h>

#include "vk/ops.h"

/* Invocations per workgroup; each computes 8 outputs. */
#define HEAD_LOCAL 64u

static uint8_t view_rgba(rfx_dtype dt)
{
	return dt == RFX_DTYPE_F16 ? RFX_VK_VIEW_RGBA16F : RFX_VK_VIEW_RGBA32F;
}

rfx_status rfx_vk_op_head(const rfx_graph *g, uint32_t first, uint32_t last,
                          const uint32_t *fused_into, rfx_vk_dispatch *d,
                          char *err, size_t errlen)
{
	const rfx_layer *pool = &g->layers[first], *fc = &g->layers[last];
	rfx_status st;

	if (pool->op != RFX_OP_GLOBAL_POOL || fc->op != RFX_OP_FC ||
	    fused_into[first] != last) {
		snprintf(err, errlen, "layer '%s': no classifier head ends here",
			 fc->name);
		return RFX_E_UNSUPPORTED;
	}
	const rfx_tensor *x = &g->tensors[pool->inputs[0]];
	const rfx_tensor *pooled = &g->tensors[pool->outputs[0]];
	const rfx_tensor *w = &g->tensors[fc->inputs[1]];
	uint32_t N = w->dims[0], K = w->dims[1];
	uint32_t rows = (uint32_t)(rfx_tensor_elements(pooled) / K);
	uint32_t t[4] = {pool->inputs[0], fc->inputs[1], fc->inputs[2],
			 fc->outputs[0]};
	int k4 = K % 4 == 0;

	st = rfx_vk_variant(d, g, fc, "head", &t[3], 1, err, errlen);
	if (st != RFX_OK)
		return st;
	snprintf(d->variant, sizeof(d->variant), "head");
	rfx_vk_bind(d, g, t, 4);
	d->view[0] = rfx_vk_view_r(x->dtype);
	d->view[1] = k4 ? view_rgba(w->dtype) : rfx_vk_view_r(w->dtype);
	d->view[2] = RFX_VK_VIEW_R32F;
	d->view[3] = RFX_VK_VIEW_STORAGE;
	rfx_vk_push(d, (uint32_t[]){rows, K, N, x->dims[2] * x->dims[3],
				    (uint32_t)pool->i[RFX_GPOOL_KIND],
				    (uint32_t)fc->i[RFX_FC_ACT]}, 6);
	rfx_vk_push_f(d, fc->f[0]);
	rfx_vk_push_f(d, fc->f[1]);
	rfx_vk_push(d, (uint32_t[]){(uint32_t)k4,
				    pooled->dtype == RFX_DTYPE_F16}, 2);
	d->local[0] = HEAD_LOCAL;
	d->local[1] = 1;
	d->groups[0] = ((N + 7) / 8 + HEAD_LOCAL - 1) / HEAD_LOCAL;
	d->groups[1] = rows;
	d->groups[2] = 1;
	if (rows > RFX_VK_MAX_GROUPS || d->groups[0] > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': a head of %u rows, %u outputs",
			 fc->name, rows, N);
		return RFX_E_UNSUPPORTED;
	}
	return RFX_OK;
}
