/* Softmax → shaders/softmax.comp over the input viewed as [outer, len,
 * inner]: LEGACY flattens every dim from the axis on into len. */
#include "vk/ops.h"

rfx_status rfx_vk_op_softmax(const rfx_graph *g, const rfx_layer *l,
                             rfx_vk_dispatch *d, uint32_t *n, char *err,
                             size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	int32_t axis = l->i[RFX_SOFTMAX_AXIS];
	uint64_t outer = 1, len = 1, inner = 1;
	rfx_status st = rfx_vk_variant(d, g, l, "softmax", t, 2, err, errlen);

	if (st != RFX_OK)
		return st;
	if (axis < 0)
		axis += (int32_t)x->rank;
	for (uint32_t k = 0; k < x->rank; k++) {
		if ((int32_t)k < axis)
			outer *= x->dims[k];
		else if ((int32_t)k == axis || l->i[RFX_SOFTMAX_LEGACY])
			len *= x->dims[k];
		else
			inner *= x->dims[k];
	}
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_push(d, (uint32_t[]){(uint32_t)outer, (uint32_t)len, (uint32_t)inner}, 3);
	d->loops = 3 * (len + 1); /* max, sum, write */
	*n = 1;
	return rfx_vk_groups_1d(d, outer * inner, err, errlen);
}
