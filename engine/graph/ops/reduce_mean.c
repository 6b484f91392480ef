/* REDUCE_MEAN: mean over the dims in the AXES bitmask; those dims become 1
 * (KEEPDIMS) or disappear. */
#include "graph/ops/ops.h"

rfx_status rfx_infer_reduce_mean(const rfx_graph *g, const rfx_layer *l,
                                 rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x;
	uint64_t dims[RFX_MAX_RANK];
	uint32_t axes, rank = 0;
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 1, 1, err, errlen)))
		return st;
	x = rfx_op_in(g, l, 0);
	if ((st = rfx_op_check_act_input(l, x, "input", -1, err, errlen)) ||
	    (st = rfx_op_check_flag(l, RFX_REDUCE_KEEPDIMS, "keepdims", err, errlen)) ||
	    (st = rfx_op_check_unused(l, RFX_REDUCE_KEEPDIMS + 1, 0, err, errlen)))
		return st;
	if (x->rank < 1)
		return rfx_op_fail(err, errlen, "reduce_mean: input is a scalar");
	axes = (uint32_t)l->i[RFX_REDUCE_AXES];
	if (axes == 0 || (axes >> x->rank) != 0)
		return rfx_op_fail(err, errlen,
				   "reduce_mean: axes mask 0x%x names no dim or a dim beyond rank %u",
				   axes, x->rank);
	for (uint32_t d = 0; d < x->rank; d++) {
		if (axes & (1u << d)) {
			if (l->i[RFX_REDUCE_KEEPDIMS])
				dims[rank++] = 1;
		} else {
			dims[rank++] = x->dims[d];
		}
	}
	return rfx_op_set_shape(l, out, rank, dims, err, errlen);
}
