/* Reshape → a plain copy (shaders/copy.comp), when the memory plan could not
 * make it a view of its input (engine/vk/plan.c). */
#include <stdio.h>

#include "vk/ops.h"

rfx_status rfx_vk_op_reshape(const rfx_graph *g, const rfx_layer *l,
                             rfx_vk_dispatch *d, uint32_t *n, char *err,
                             size_t errlen)
{
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint64_t count = rfx_tensor_elements(&g->tensors[t[1]]);
	rfx_status st = rfx_vk_variant(d, g, l, "copy", t, 2, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_push(d, (uint32_t[]){1, (uint32_t)count, (uint32_t)count, 0}, 4);
	*n = 1;
	return rfx_vk_groups_1d(d, count, err, errlen);
}

/* int8 → shaders/rescale_i8.comp with the identity rescale (the output
 * keeps the input's scale and zero point). */
rfx_status rfx_vk_op_reshape_i8(const rfx_graph *g, const rfx_layer *l,
                                const rfx_quant_layer *q,
                                const rfx_vk_caps *caps, rfx_vk_dispatch *d,
                                uint32_t *n, char *err, size_t errlen)
{
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint64_t count = rfx_tensor_elements(&g->tensors[t[1]]);
	const int32_t zp = q->in_zp[0];

	snprintf(d->shader, sizeof(d->shader), "rescale_i8");
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_push(d, (uint32_t[]){1, (uint32_t)count, (uint32_t)count, 0,
				    (uint32_t)zp, (uint32_t)zp}, 6);
	rfx_vk_push_rq(d, (rfx_requant){1 << 30, 30}); /* x 1, exactly */
	rfx_vk_push(d, (uint32_t[]){(uint32_t)RFX_QUANT_MIN, RFX_QUANT_MAX}, 2);
	*n = 1;
	return rfx_vk_groups_1d(d, count, err, errlen);
}
