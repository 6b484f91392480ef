/* CONCAT: inputs of equal rank and equal dims except AXIS; the output's
 * AXIS dim is their sum. */
#include "graph/ops/ops.h"

rfx_status rfx_infer_concat(const rfx_graph *g, const rfx_layer *l,
                            rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x0;
	uint64_t dims[RFX_MAX_RANK];
	uint32_t axis;
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 1, RFX_MAX_LAYER_INPUTS, err, errlen)))
		return st;
	x0 = rfx_op_in(g, l, 0);
	if ((st = rfx_op_check_act_input(l, x0, "input 0", -1, err, errlen)))
		return st;
	if (x0->rank < 1)
		return rfx_op_fail(err, errlen, "concat: inputs are scalars");
	if ((st = rfx_op_check_range(l, RFX_CONCAT_AXIS, "axis", 0, x0->rank - 1, err, errlen)) ||
	    (st = rfx_op_check_unused(l, RFX_CONCAT_AXIS + 1, 0, err, errlen)))
		return st;
	axis = (uint32_t)l->i[RFX_CONCAT_AXIS];
	for (uint32_t d = 0; d < x0->rank; d++)
		dims[d] = x0->dims[d];
	for (uint32_t k = 1; k < l->n_inputs; k++) {
		const rfx_tensor *x = rfx_op_in(g, l, k);

		if ((st = rfx_op_check_act_input(l, x, "input", (int)x0->rank, err, errlen)))
			return st;
		for (uint32_t d = 0; d < x0->rank; d++) {
			if (d == axis)
				continue;
			if (x->dims[d] != x0->dims[d])
				return rfx_op_fail(err, errlen,
						   "concat: input %u dim %u is %u, input 0 has %u",
						   k, d, x->dims[d], x0->dims[d]);
		}
		dims[axis] += x->dims[axis]; /* <= 64 * 2^32: no overflow */
	}
	return rfx_op_set_shape(l, out, x0->rank, dims, err, errlen);
}
