/* UNARY: y = act(x), same shape (ACT_NONE is a copy, or a dtype change). */
#include "graph/ops/ops.h"

rfx_status rfx_infer_unary(const rfx_graph *g, const rfx_layer *l,
                           rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x;
	uint64_t dims[RFX_MAX_RANK];
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 1, 1, err, errlen)))
		return st;
	x = rfx_op_in(g, l, 0);
	if ((st = rfx_op_check_act_input(l, x, "input", -1, err, errlen)) ||
	    (st = rfx_op_check_act(l, RFX_UNARY_ACT, err, errlen)) ||
	    (st = rfx_op_check_unused(l, RFX_UNARY_ACT + 1, 2, err, errlen)))
		return st;
	for (uint32_t d = 0; d < x->rank; d++)
		dims[d] = x->dims[d];
	return rfx_op_set_shape(l, out, x->rank, dims, err, errlen);
}
