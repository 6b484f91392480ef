/* BINARY: y = act(a OP b) with numpy broadcasting: shapes are aligned on
 * their last dims; each pair of dims is equal or one of them is 1. */
#include "graph/ops/ops.h"

rfx_status rfx_infer_binary(const rfx_graph *g, const rfx_layer *l,
                            rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *a, *b;
	uint64_t dims[RFX_MAX_RANK];
	uint32_t rank;
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 2, 2, err, errlen)))
		return st;
	a = rfx_op_in(g, l, 0);
	b = rfx_op_in(g, l, 1);
	if ((st = rfx_op_check_act_input(l, a, "input a", -1, err, errlen)) ||
	    (st = rfx_op_check_act_input(l, b, "input b", -1, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_BINARY_KIND, "kind", 0, RFX_BINARY_COUNT_ - 1, err, errlen)) ||
	    (st = rfx_op_check_act(l, RFX_BINARY_ACT, err, errlen)) ||
	    (st = rfx_op_check_unused(l, RFX_BINARY_ACT + 1, 2, err, errlen)))
		return st;
	rank = a->rank > b->rank ? a->rank : b->rank;
	for (uint32_t d = 0; d < rank; d++) {
		/* d counts from the last dim; a missing dim is 1. */
		uint32_t da = d < a->rank ? a->dims[a->rank - 1 - d] : 1;
		uint32_t db = d < b->rank ? b->dims[b->rank - 1 - d] : 1;

		if (da != db && da != 1 && db != 1)
			return rfx_op_fail(err, errlen,
					   "binary: dims %u and %u do not broadcast (axis %u from the end)",
					   da, db, d);
		dims[rank - 1 - d] = da == 1 ? db : da;
	}
	return rfx_op_set_shape(l, out, rank, dims, err, errlen);
}
