/* PAD: constant padding, y.dims[d] = begin[d] + x.dims[d] + end[d]; begins
 * in i[0..rank-1], ends in i[rank..2*rank-1], the value in f[0]. */
#include "graph/ops/ops.h"

rfx_status rfx_infer_pad(const rfx_graph *g, const rfx_layer *l,
                         rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x;
	uint64_t dims[RFX_MAX_RANK];
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 1, 1, err, errlen)))
		return st;
	x = rfx_op_in(g, l, 0);
	if ((st = rfx_op_check_act_input(l, x, "input", -1, err, errlen)) ||
	    (st = rfx_op_check_unused(l, 2 * x->rank, 1, err, errlen)))
		return st;
	for (uint32_t k = 0; k < 2 * x->rank; k++)
		if ((st = rfx_op_check_range(l, k, k < x->rank ? "begin pad" : "end pad",
					     0, RFX_MAX_DIM, err, errlen)))
			return st;
	for (uint32_t d = 0; d < x->rank; d++)
		dims[d] = (uint64_t)x->dims[d] + (uint64_t)l->i[d] +
			  (uint64_t)l->i[x->rank + d];
	return rfx_op_set_shape(l, out, x->rank, dims, err, errlen);
}
