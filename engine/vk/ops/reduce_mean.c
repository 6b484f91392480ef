/* ReduceMean → shaders/reduce_mean.comp: the axes as a bitmask over the
 * input dims right-aligned to 6. */
#include "vk/ops.h"

rfx_status rfx_vk_op_reduce_mean(const rfx_graph *g, const rfx_layer *l,
                                 rfx_vk_dispatch *d, uint32_t *n, char *err,
                                 size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint32_t dims[6], mask = 0, pad = 6 - x->rank;
	uint64_t count = 1;
	rfx_status st = rfx_vk_variant(d, g, l, "reduce_mean", t, 2, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_dims6(x, dims);
	for (uint32_t k = 0; k < x->rank; k++)
		if ((uint32_t)l->i[RFX_REDUCE_AXES] & (1u << k)) {
			mask |= 1u << (pad + k);
			count *= x->dims[k];
		}
	rfx_vk_push(d, (uint32_t[]){(uint32_t)rfx_tensor_elements(y),
				    (uint32_t)count, mask}, 3);
	rfx_vk_push(d, dims, 6);
	/* Its first dims loop stays a loop (7 passes; measured), the one
	 * inside the count is unrolled. */
	d->loops = count + 1 + 7 + RFX_VK_LOOP_EXTRA;
	*n = 1;
	return rfx_vk_groups_1d(d, rfx_tensor_elements(y), err, errlen);
}
