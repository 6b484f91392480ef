/* Constant padding → shaders/pad.comp. */
#include "vk/ops.h"

static rfx_status pad(const rfx_graph *g, const rfx_layer *l, float value,
                      rfx_vk_dispatch *d, uint32_t *n, char *err,
                      size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint32_t dims[6], in_dims[6], begin[6] = {0};
	uint32_t pad = 6 - x->rank;
	rfx_status st = rfx_vk_variant(d, g, l, "pad", t, 2, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 2);
	rfx_vk_dims6(y, dims);
	rfx_vk_dims6(x, in_dims);
	for (uint32_t k = 0; k < x->rank; k++)
		begin[pad + k] = (uint32_t)l->i[k];
	rfx_vk_push_u(d, (uint32_t)rfx_tensor_elements(y));
	rfx_vk_push_f(d, value);
	rfx_vk_push(d, dims, 6);
	rfx_vk_push(d, in_dims, 6);
	rfx_vk_push(d, begin, 6);
	*n = 1;
	return rfx_vk_groups_1d(d, rfx_tensor_elements(y), err, errlen);
}

rfx_status rfx_vk_op_pad(const rfx_graph *g, const rfx_layer *l,
                         rfx_vk_dispatch *d, uint32_t *n, char *err,
                         size_t errlen)
{
	return pad(g, l, l->f[0], d, n, err, errlen);
}

/* int8 → pad.comp with int8_t storage ("pad_bb"); the padding is Q(f0),
 * which passes through the shader's float exactly. */
rfx_status rfx_vk_op_pad_i8(const rfx_graph *g, const rfx_layer *l,
                            const rfx_quant_layer *q, const rfx_vk_caps *caps,
                            rfx_vk_dispatch *d, uint32_t *n, char *err,
                            size_t errlen)
{
	return pad(g, l, (float)q->pad_value, d, n, err, errlen);
}
