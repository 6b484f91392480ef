/* The converter's summary numbers, measured on the final graph. */
#include <stdlib.h>

#include "convert/convert.h"

void rfx_convert_measure(const rfx_graph *g, rfx_convert_stats *s)
{
	uint32_t *last = NULL;
	uint64_t live = 0;

	s->params = s->weight_bytes = s->macs = 0;
	s->peak_activation_bytes = 0;
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		if (!(g->tensors[t].flags & RFX_TENSOR_CONST))
			continue;
		s->params += rfx_tensor_elements(&g->tensors[t]);
		s->weight_bytes += rfx_tensor_bytes(&g->tensors[t]);
	}
	for (uint32_t k = 0; k < g->n_layers; k++) {
		const rfx_layer *l = &g->layers[k];
		const rfx_tensor *y = &g->tensors[l->outputs[0]];
		if ((l->op == RFX_OP_CONV2D || l->op == RFX_OP_FC) &&
		    l->n_inputs > 1) {
			const rfx_tensor *w = &g->tensors[l->inputs[1]];
			/* one MAC per weight element of an output's row */
			uint64_t per = rfx_tensor_elements(w) / w->dims[0];
			s->macs += rfx_tensor_elements(y) * per;
		}
	}

	/* Peak: inputs live from the start, outputs to the end, any other
	 * activation from its layer to its last reader. */
	last = calloc(g->n_tensors + 1, sizeof(*last));
	if (!last)
		return;
	for (uint32_t k = 0; k < g->n_layers; k++)
		for (uint32_t j = 0; j < g->layers[k].n_inputs; j++)
			last[g->layers[k].inputs[j]] = k + 1;
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if (g->tensors[t].flags & RFX_TENSOR_INPUT)
			live += rfx_tensor_bytes(&g->tensors[t]);
	s->peak_activation_bytes = live;
	for (uint32_t k = 0; k < g->n_layers; k++) {
		const rfx_layer *l = &g->layers[k];
		live += rfx_tensor_bytes(&g->tensors[l->outputs[0]]);
		if (live > s->peak_activation_bytes)
			s->peak_activation_bytes = live;
		for (uint32_t t = 0; t < g->n_tensors; t++) {
			const rfx_tensor *x = &g->tensors[t];
			if (last[t] == k + 1 &&
			    !(x->flags & (RFX_TENSOR_CONST | RFX_TENSOR_OUTPUT)))
				live -= rfx_tensor_bytes(x);
		}
	}
	free(last);
}
