/* Transpose → shaders/transpose.comp: per output dim, the input stride. */
#include "vk/ops.h"

rfx_status rfx_vk_op_transpose(const rfx_graph *g, const rfx_layer *l,
                               rfx_vk_dispatch *d, uint32_t *n, char *err,
                               size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint32_t dims[6], sx[6] = {0}, in_stride[RFX_MAX_RANK], stride = 1;
	uint32_t pad = 6 - y->rank;
	rfx_status st = rfx_vk_variant(d, g, l, "transpose", t, 2, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 2);
	for (int k = (int)x->rank - 1; k >= 0; k--) {
		in_stride[k] = stride;
		stride *= x->dims[k];
	}
	rfx_vk_dims6(y, dims);
	for (uint32_t k = 0; k < y->rank; k++)
		sx[pad + k] = in_stride[l->i[k]];
	rfx_vk_push_u(d, (uint32_t)rfx_tensor_elements(y));
	rfx_vk_push(d, dims, 6);
	rfx_vk_push(d, sx, 6);
	*n = 1;
	return rfx_vk_groups_1d(d, rfx_tensor_elements(y), err, errlen);
}

/* int8 → transpose.comp with int8_t storage ("transpose_bb"): the bytes
 * move, the scale and zero point are the input's. */
rfx_status rfx_vk_op_transpose_i8(const rfx_graph *g, const rfx_layer *l,
                                  const rfx_quant_layer *q,
                                  const rfx_vk_caps *caps, rfx_vk_dispatch *d,
                                  uint32_t *n, char *err, size_t errlen)
{
	return rfx_vk_op_transpose(g, l, d, n, err, errlen);
}
