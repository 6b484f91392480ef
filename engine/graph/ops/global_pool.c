/* GLOBAL_POOL: y[N,C,1,1] = max or mean of x[N,C,H,W] over H and W. */
#include "graph/ops/ops.h"

rfx_status rfx_infer_global_pool(const rfx_graph *g, const rfx_layer *l,
                                 rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x;
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 1, 1, err, errlen)))
		return st;
	x = rfx_op_in(g, l, 0);
	if ((st = rfx_op_check_act_input(l, x, "input", 4, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_GPOOL_KIND, "kind", RFX_POOL_MAX, RFX_POOL_AVG, err, errlen)) ||
	    (st = rfx_op_check_unused(l, RFX_GPOOL_KIND + 1, 0, err, errlen)))
		return st;
	{
		uint64_t dims[4] = {x->dims[0], x->dims[1], 1, 1};
		return rfx_op_set_shape(l, out, 4, dims, err, errlen);
	}
}
