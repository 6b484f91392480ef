/* DEQUANTIZE: y = D(x) (graph/quant.h), x I8, y F32 or F16 (the
 * precision); same shape, no attributes. */
#include "graph/ops/ops.h"

rfx_status rfx_infer_dequantize(const rfx_graph *g, const rfx_layer *l,
                                rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x;
	uint64_t dims[RFX_MAX_RANK];
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 1, 1, err, errlen)))
		return st;
	x = rfx_op_in(g, l, 0);
	if ((st = rfx_op_check_act_input(l, x, "input", -1, err, errlen)) ||
	    (st = rfx_op_check_unused(l, 0, 0, err, errlen)))
		return st;
	if (x->dtype != RFX_DTYPE_I8)
		return rfx_op_fail(err, errlen, "dequantize: input has dtype %s, expected i8",
				   rfx_dtype_name(x->dtype));
	if (l->precision != RFX_DTYPE_F32 && l->precision != RFX_DTYPE_F16)
		return rfx_op_fail(err, errlen, "dequantize: precision %s, expected f32 or f16",
				   rfx_dtype_name(l->precision));
	for (uint32_t d = 0; d < x->rank; d++)
		dims[d] = x->dims[d];
	return rfx_op_set_shape(l, out, x->rank, dims, err, errlen);
}
