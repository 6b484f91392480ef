/* Global average/max pooling → shaders/global_pool.comp (float) and
 * shaders/global_pool_i8.comp: one invocation per plane, or for planes of
 * GLOBAL_POOL_WIDE values and more a workgroup of 64 per plane (its loops
 * run a 64th of the plane). */
#include <stdio.h>

#include "vk/ops.h"

#define GLOBAL_POOL_WIDE 2048u

/* The grid and loop count; the push constant "wide" follows the others. */
static rfx_status grid(rfx_vk_dispatch *d, uint32_t nc, uint32_t hw,
                       char *err, size_t errlen)
{
	int wide = hw >= GLOBAL_POOL_WIDE;

	rfx_vk_push_u(d, (uint32_t)wide);
	if (!wide) {
		d->loops = (uint64_t)hw + 1;
		return rfx_vk_groups_1d(d, nc, err, errlen);
	}
	d->loops = (hw + 63) / 64 + 1 + 7; /* its share, then the tree */
	d->local[0] = 64;
	d->local[1] = 1;
	d->groups[0] = nc < RFX_VK_MAX_GROUPS ? nc : RFX_VK_MAX_GROUPS;
	d->groups[1] = (nc + RFX_VK_MAX_GROUPS - 1) / RFX_VK_MAX_GROUPS;
	d->groups[2] = 1;
	if (d->groups[1] > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "%u planes exceed one dispatch", nc);
		return RFX_E_UNSUPPORTED;
	}
	return RFX_OK;
}

rfx_status rfx_vk_op_global_pool(const rfx_graph *g, const rfx_layer *l,
                                 rfx_vk_dispatch *d, uint32_t *n, char *err,
                                 size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint32_t nc = x->dims[0] * x->dims[1], hw = x->dims[2] * x->dims[3];
	rfx_status st = rfx_vk_variant(d, g, l, "global_pool", t, 2, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_push(d, (uint32_t[]){nc, hw, (uint32_t)l->i[RFX_GPOOL_KIND]}, 3);
	*n = 1;
	return grid(d, nc, hw, err, errlen);
}

/* int8 → shaders/global_pool_i8.comp. */
rfx_status rfx_vk_op_global_pool_i8(const rfx_graph *g, const rfx_layer *l,
                                    const rfx_quant_layer *q,
                                    const rfx_vk_caps *caps,
                                    rfx_vk_dispatch *d, uint32_t *n,
                                    char *err, size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint32_t nc = x->dims[0] * x->dims[1], hw = x->dims[2] * x->dims[3];

	snprintf(d->shader, sizeof(d->shader), "global_pool_i8");
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_push(d, (uint32_t[]){nc, hw, (uint32_t)l->i[RFX_GPOOL_KIND],
				    (uint32_t)q->in_zp[0], (uint32_t)q->out_zp}, 5);
	rfx_vk_push_rq(d, q->in_rq[0]);
	*n = 1;
	return grid(d, nc, hw, err, errlen);
}
