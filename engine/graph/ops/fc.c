/* FC: y[..., N] = act(x[..., K] . w[N, K]^T + b[N]). */
#include "graph/ops/ops.h"

rfx_status rfx_infer_fc(const rfx_graph *g, const rfx_layer *l,
                        rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x, *w, *b;
	uint64_t dims[RFX_MAX_RANK];
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 3, 3, err, errlen)))
		return st;
	x = rfx_op_in(g, l, 0);
	w = rfx_op_in(g, l, 1);
	b = rfx_op_in(g, l, 2);
	if ((st = rfx_op_check_act_input(l, x, "input", -1, err, errlen)) ||
	    (st = rfx_op_check_weights(l, w, b, err, errlen)) ||
	    (st = rfx_op_check_act(l, RFX_FC_ACT, err, errlen)) ||
	    (st = rfx_op_check_unused(l, RFX_FC_ACT + 1, 2, err, errlen)))
		return st;
	if (x->rank < 1)
		return rfx_op_fail(err, errlen, "fc: input is a scalar, expected [..., K]");
	if (w->rank != 2)
		return rfx_op_fail(err, errlen,
				   "fc: weight has rank %u, expected 2 [N,K]", w->rank);
	if (w->dims[1] != x->dims[x->rank - 1])
		return rfx_op_fail(err, errlen,
				   "fc: weight K %u differs from input's last dim %u",
				   w->dims[1], x->dims[x->rank - 1]);
	if (b->rank != 1 || b->dims[0] != w->dims[0])
		return rfx_op_fail(err, errlen,
				   "fc: bias shape is not [%u] (output features)",
				   w->dims[0]);
	for (uint32_t d = 0; d + 1 < x->rank; d++)
		dims[d] = x->dims[d];
	dims[x->rank - 1] = w->dims[0];
	return rfx_op_set_shape(l, out, x->rank, dims, err, errlen);
}
