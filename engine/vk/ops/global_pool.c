/* Global average/max pooling → shaders/global_pool.comp. */
#include <stdio.h>

#include "vk/ops.h"

rfx_status rfx_vk_op_global_pool(const rfx_graph *g, const rfx_layer *l,
                                 rfx_vk_dispatch *d, uint32_t *n, char *err,
                                 size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint32_t nc = x->dims[0] * x->dims[1];
	rfx_status st = rfx_vk_variant(d, g, l, "global_pool", t, 2, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_push(d, (uint32_t[]){nc, x->dims[2] * x->dims[3],
				    (uint32_t)l->i[RFX_GPOOL_KIND]}, 3);
	*n = 1;
	return rfx_vk_groups_1d(d, nc, err, errlen);
}

/* int8 → shaders/global_pool_i8.comp: one invocation per plane. */
rfx_status rfx_vk_op_global_pool_i8(const rfx_graph *g, const rfx_layer *l,
                                    const rfx_quant_layer *q,
                                    const rfx_vk_caps *caps,
                                    rfx_vk_dispatch *d, uint32_t *n,
                                    char *err, size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint32_t nc = x->dims[0] * x->dims[1];

	snprintf(d->shader, sizeof(d->shader), "global_pool_i8");
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_push(d, (uint32_t[]){nc, x->dims[2] * x->dims[3],
				    (uint32_t)l->i[RFX_GPOOL_KIND],
				    (uint32_t)q->in_zp[0], (uint32_t)q->out_zp}, 5);
	rfx_vk_push_rq(d, q->in_rq[0]);
	*n = 1;
	return rfx_vk_groups_1d(d, nc, err, errlen);
}
