/* Dequantize → shaders/dequantize.comp (output fp32 or fp16). */
#include <stdio.h>

#include "vk/ops.h"

rfx_status rfx_vk_op_dequantize(const rfx_graph *g, const rfx_layer *l,
                                const rfx_quant_layer *q,
                                const rfx_vk_caps *caps, rfx_vk_dispatch *d,
                                uint32_t *n, char *err, size_t errlen)
{
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint64_t count = rfx_tensor_elements(&g->tensors[t[1]]);
	rfx_status st = rfx_vk_variant(d, g, l, "dequantize", &t[1], 1, err,
				       errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_push_u(d, (uint32_t)count);
	rfx_vk_push_f(d, q->scale);
	rfx_vk_push_u(d, (uint32_t)q->in_zp[0]);
	*n = 1;
	return rfx_vk_groups_1d(d, count, err, errlen);
}
