/* Fully connected → shaders/fc.comp: one invocation per output. */
#include <stdio.h>

#include "vk/ops.h"

rfx_status rfx_vk_op_fc(const rfx_graph *g, const rfx_layer *l,
                        rfx_vk_dispatch *d, uint32_t *n, char *err,
                        size_t errlen)
{
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[4] = {l->inputs[0], l->inputs[1], l->inputs[2], l->outputs[0]};
	uint32_t N = w->dims[0], K = w->dims[1];
	uint64_t rows = rfx_tensor_elements(y) / (N ? N : 1);
	rfx_status st;

	if (g->tensors[l->inputs[2]].dtype != RFX_DTYPE_F32) {
		snprintf(err, errlen, "layer '%s': fc bias must be fp32", l->name);
		return RFX_E_UNSUPPORTED;
	}
	st = rfx_vk_variant(d, g, l, "fc", (uint32_t[]){t[0], t[1], t[3]}, 3,
			    err, errlen);
	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 4);
	rfx_vk_push(d, (uint32_t[]){(uint32_t)rows, K, N,
				    (uint32_t)l->i[RFX_FC_ACT]}, 4);
	rfx_vk_push_f(d, l->f[0]);
	rfx_vk_push_f(d, l->f[1]);
	d->loops = (uint64_t)K + 1;
	d->local[0] = 64;
	d->local[1] = 1;
	d->groups[0] = (N + 63) / 64;
	d->groups[1] = (uint32_t)rows;
	d->groups[2] = 1;
	if (rows > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': fc with %llu rows", l->name,
			 (unsigned long long)rows);
		return RFX_E_UNSUPPORTED;
	}
	*n = 1;
	return RFX_OK;
}

/* int8 → shaders/fc_i8.comp (fc_i8_dot with the packed dot product): one
 * invocation per output; per-feature integers at binding 2. */
rfx_status rfx_vk_op_fc_i8(const rfx_graph *g, const rfx_layer *l,
                           const rfx_quant_layer *q, const rfx_vk_caps *caps,
                           rfx_vk_dispatch *d, uint32_t *n, char *err,
                           size_t errlen)
{
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[4] = {l->inputs[0], l->inputs[1],
			 rfx_vk_layer_params_binding(g, l), l->outputs[0]};
	uint32_t N = w->dims[0], K = w->dims[1];
	uint64_t rows = rfx_tensor_elements(y) / (N ? N : 1);

	snprintf(d->shader, sizeof(d->shader), "%s",
		 caps->int_dot ? "fc_i8_dot" : "fc_i8");
	rfx_vk_bind(d, g, t, 4);
	rfx_vk_push(d, (uint32_t[]){(uint32_t)rows, K, N, (uint32_t)q->in_zp[0],
				    (uint32_t)q->out_zp, (uint32_t)q->lo,
				    (uint32_t)q->hi}, 7);
	d->loops = (uint64_t)K + 1; /* the dot product's path: K / 4 + 1 */
	d->local[0] = 64;
	d->local[1] = 1;
	d->groups[0] = (N + 63) / 64;
	d->groups[1] = (uint32_t)rows;
	d->groups[2] = 1;
	if (rows > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': fc with %llu rows", l->name,
			 (unsigned long long)rows);
		return RFX_E_UNSUPPORTED;
	}
	*n = 1;
	return RFX_OK;
}
