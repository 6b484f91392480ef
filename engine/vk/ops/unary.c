/* Standalone activation → shaders/unary.comp. */
#include <stdio.h>

#include "vk/ops.h"

rfx_status rfx_vk_op_unary(const rfx_graph *g, const rfx_layer *l,
                           rfx_vk_dispatch *d, uint32_t *n, char *err,
                           size_t errlen)
{
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint64_t count = rfx_tensor_elements(&g->tensors[t[1]]);
	rfx_status st = rfx_vk_variant(d, g, l, "unary", t, 2, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_push(d, (uint32_t[]){(uint32_t)count, (uint32_t)l->i[RFX_UNARY_ACT]}, 2);
	rfx_vk_push_f(d, l->f[0]);
	rfx_vk_push_f(d, l->f[1]);
	*n = 1;
	return rfx_vk_groups_1d(d, count, err, errlen);
}

/* int8 (none/relu/clip) → shaders/rescale_i8.comp: a rescale whose clamp
 * is the activation. */
rfx_status rfx_vk_op_unary_i8(const rfx_graph *g, const rfx_layer *l,
                              const rfx_quant_layer *q,
                              const rfx_vk_caps *caps, rfx_vk_dispatch *d,
                              uint32_t *n, char *err, size_t errlen)
{
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint64_t count = rfx_tensor_elements(&g->tensors[t[1]]);

	snprintf(d->shader, sizeof(d->shader), "rescale_i8");
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_push(d, (uint32_t[]){1, (uint32_t)count, (uint32_t)count, 0,
				    (uint32_t)q->in_zp[0], (uint32_t)q->out_zp}, 6);
	rfx_vk_push_rq(d, q->in_rq[0]);
	rfx_vk_push(d, (uint32_t[]){(uint32_t)q->lo, (uint32_t)q->hi}, 2);
	*n = 1;
	return rfx_vk_groups_1d(d, count, err, errlen);
}
