/* TRANSPOSE: y.dims[d] = x.dims[perm[d]], perm in i[0..rank-1]. */
#include "graph/ops/ops.h"

rfx_status rfx_infer_transpose(const rfx_graph *g, const rfx_layer *l,
                               rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x;
	uint64_t dims[RFX_MAX_RANK];
	uint32_t seen = 0;
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 1, 1, err, errlen)))
		return st;
	x = rfx_op_in(g, l, 0);
	if ((st = rfx_op_check_act_input(l, x, "input", -1, err, errlen)) ||
	    (st = rfx_op_check_unused(l, x->rank, 0, err, errlen)))
		return st;
	for (uint32_t d = 0; d < x->rank; d++) {
		int32_t p = l->i[d];

		if (p < 0 || (uint32_t)p >= x->rank || (seen & (1u << p)))
			return rfx_op_fail(err, errlen,
					   "transpose: perm[%u] = %d: not a permutation of 0..%u",
					   d, (int)p, x->rank - 1);
		seen |= 1u << p;
		dims[d] = x->dims[p];
	}
	return rfx_op_set_shape(l, out, x->rank, dims, err, errlen);
}
