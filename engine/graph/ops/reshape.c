/* RESHAPE: a copy to the shape recorded on the output tensor, which must
 * hold as many elements as the input. */
#include "graph/ops/ops.h"

rfx_status rfx_infer_reshape(const rfx_graph *g, const rfx_layer *l,
                             rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x, *y;
	uint64_t dims[RFX_MAX_RANK];
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 1, 1, err, errlen)))
		return st;
	x = rfx_op_in(g, l, 0);
	y = &g->tensors[l->outputs[0]];
	if ((st = rfx_op_check_act_input(l, x, "input", -1, err, errlen)) ||
	    (st = rfx_op_check_unused(l, 0, 0, err, errlen)))
		return st;
	if (y->rank > RFX_MAX_RANK)
		return rfx_op_fail(err, errlen, "reshape: target rank %u > %u",
				   y->rank, RFX_MAX_RANK);
	for (uint32_t d = 0; d < y->rank; d++)
		dims[d] = y->dims[d];
	if ((st = rfx_op_set_shape(l, out, y->rank, dims, err, errlen)))
		return st;
	if (rfx_tensor_elements(out) != rfx_tensor_elements(x))
		return rfx_op_fail(err, errlen,
				   "reshape: target holds %llu elements, input %llu",
				   (unsigned long long)rfx_tensor_elements(out),
				   (unsigned long long)rfx_tensor_elements(x));
	return RFX_OK;
}
