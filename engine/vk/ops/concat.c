/* Concat → one shaders/copy.comp dispatch per input, each writing its
 * slice of the output; slices are disjoint, so no barrier between them. */
#include <stdio.h>

#include "vk/ops.h"

rfx_status rfx_vk_op_concat(const rfx_graph *g, const rfx_layer *l,
                            rfx_vk_dispatch *d, uint32_t *n, char *err,
                            size_t errlen)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t axis = (uint32_t)l->i[RFX_CONCAT_AXIS];
	uint64_t outer = 1, after = 1, offset = 0;
	size_t es = rfx_dtype_size(y->dtype);

	for (uint32_t k = 0; k < axis; k++)
		outer *= y->dims[k];
	for (uint32_t k = axis + 1; k < y->rank; k++)
		after *= y->dims[k];
	if (outer > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': concat with %llu outer rows",
			 l->name, (unsigned long long)outer);
		return RFX_E_UNSUPPORTED;
	}
	for (uint32_t i = 0; i < l->n_inputs; i++) {
		uint32_t t[2] = {l->inputs[i], l->outputs[0]};
		uint64_t inner = g->tensors[t[0]].dims[axis] * after;
		rfx_status st = rfx_vk_variant(&d[i], g, l, "copy", t, 2, err, errlen);
		if (st != RFX_OK)
			return st;
		rfx_vk_bind(&d[i], g, t, 2);
		if (outer == 1) { /* a contiguous slice: track it exactly */
			d[i].write_offset = offset * es;
			d[i].write_bytes = inner * es;
		}
		rfx_vk_push(&d[i], (uint32_t[]){(uint32_t)outer, (uint32_t)inner,
			    y->dims[axis] * (uint32_t)after, (uint32_t)offset}, 4);
		st = rfx_vk_groups_1d(&d[i], inner, err, errlen);
		if (st != RFX_OK)
			return st;
		d[i].groups[2] = (uint32_t)outer;
		offset += inner;
	}
	*n = l->n_inputs;
	return RFX_OK;
}

/* int8 → one shaders/rescale_i8.comp dispatch per input, each rescaling
 * its slice to the output's scale. */
rfx_status rfx_vk_op_concat_i8(const rfx_graph *g, const rfx_layer *l,
                               const rfx_quant_layer *q,
                               const rfx_vk_caps *caps, rfx_vk_dispatch *d,
                               uint32_t *n, char *err, size_t errlen)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t axis = (uint32_t)l->i[RFX_CONCAT_AXIS];
	uint64_t outer = 1, after = 1, offset = 0;

	for (uint32_t k = 0; k < axis; k++)
		outer *= y->dims[k];
	for (uint32_t k = axis + 1; k < y->rank; k++)
		after *= y->dims[k];
	if (outer > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': concat with %llu outer rows",
			 l->name, (unsigned long long)outer);
		return RFX_E_UNSUPPORTED;
	}
	for (uint32_t i = 0; i < l->n_inputs; i++) {
		uint32_t t[2] = {l->inputs[i], l->outputs[0]};
		uint64_t inner = g->tensors[t[0]].dims[axis] * after;
		rfx_status st;

		snprintf(d[i].shader, sizeof(d[i].shader), "rescale_i8");
		rfx_vk_bind(&d[i], g, t, 2);
		if (outer == 1) { /* a contiguous slice: track it exactly */
			d[i].write_offset = offset;
			d[i].write_bytes = inner;
		}
		rfx_vk_push(&d[i], (uint32_t[]){(uint32_t)outer, (uint32_t)inner,
			    y->dims[axis] * (uint32_t)after, (uint32_t)offset,
			    (uint32_t)q->in_zp[i], (uint32_t)q->out_zp}, 6);
		rfx_vk_push_rq(&d[i], q->in_rq[i]);
		rfx_vk_push(&d[i], (uint32_t[]){(uint32_t)q->lo, (uint32_t)q->hi}, 2);
		st = rfx_vk_groups_1d(&d[i], inner, err, errlen);
		if (st != RFX_OK)
			return st;
		d[i].groups[2] = (uint32_t)outer;
		offset += inner;
	}
	*n = l->n_inputs;
	return RFX_OK;
}
