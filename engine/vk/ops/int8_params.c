/* The int8 parameter blocks of layers (ops.h): the per-channel integers of
 * int8 CONV2D and FC, derived by graph/quant_layer.c like the CPU
 * reference's, laid out for shaders/conv2d_i8.comp and fc_i8.comp. */
#include <stdio.h>

#include "vk/ops.h"

uint32_t rfx_vk_layer_params_binding(const rfx_graph *g, const rfx_layer *l)
{
	return g->n_tensors + RFX_VK_EXTRA_LAYER_PARAMS + (uint32_t)(l - g->layers);
}

rfx_status rfx_vk_layer_params(const rfx_graph *g, const rfx_layer *l,
                               int32_t *words, uint64_t *n_words, char *err,
                               size_t errlen)
{
	rfx_quant_layer q;
	rfx_status st;

	*n_words = 0;
	if (l->precision != RFX_DTYPE_I8 ||
	    (l->op != RFX_OP_CONV2D && l->op != RFX_OP_FC))
		return RFX_OK;
	st = rfx_quant_layer_init(g, l, &q, err, errlen);
	if (st != RFX_OK)
		return st;
	*n_words = 4ull * q.channels;
	for (uint32_t c = 0; words && c < q.channels; c++) {
		words[4 * c] = q.bias[c];
		words[4 * c + 1] = rfx_quant_wrap_add(
			q.bias[c], (int32_t)(0u - (uint32_t)q.in_zp[0] * (uint32_t)q.w_sum[c]));
		words[4 * c + 2] = q.ch_rq[c].m;
		words[4 * c + 3] = q.ch_rq[c].shift;
	}
	rfx_quant_layer_finish(&q);
	return RFX_OK;
}
