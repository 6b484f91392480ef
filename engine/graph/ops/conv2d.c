/*
 * CONV2D: y[N,M,OH,OW] = act(conv(x[N,C,H,W], w[M,C/group,kH,kW]) + b[M]
 *                            (+ r[N,M,OH,OW]))
 * OH = (H + pad_t + pad_b - (dil_h*(kH-1)+1)) / stride_h + 1, likewise OW.
 */
#include "graph/ops/ops.h"

rfx_status rfx_infer_conv2d(const rfx_graph *g, const rfx_layer *l,
                            rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x, *w, *b;
	uint64_t C, M, group, kh, kw, ekh, ekw, hp, wp, oh, ow;
	const int32_t *a = l->i;
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 3, 4, err, errlen)))
		return st;
	x = rfx_op_in(g, l, 0);
	w = rfx_op_in(g, l, 1);
	b = rfx_op_in(g, l, 2);
	if ((st = rfx_op_check_act_input(l, x, "input", 4, err, errlen)))
		return st;
	if ((st = rfx_op_check_weights(l, w, b, err, errlen)))
		return st;
	if (w->rank != 4)
		return rfx_op_fail(err, errlen,
				   "conv2d: weight has rank %u, expected 4 [M,C/group,kH,kW]",
				   w->rank);
	if (b->rank != 1 || b->dims[0] != w->dims[0])
		return rfx_op_fail(err, errlen,
				   "conv2d: bias shape is not [%u] (output channels)",
				   w->dims[0]);
	if ((st = rfx_op_check_range(l, RFX_CONV_STRIDE_H, "stride_h", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_CONV_STRIDE_W, "stride_w", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_CONV_PAD_T, "pad_t", 0, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_CONV_PAD_L, "pad_l", 0, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_CONV_PAD_B, "pad_b", 0, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_CONV_PAD_R, "pad_r", 0, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_CONV_DIL_H, "dilation_h", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_CONV_DIL_W, "dilation_w", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_CONV_GROUP, "group", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_act(l, RFX_CONV_ACT, err, errlen)) ||
	    (st = rfx_op_check_unused(l, RFX_CONV_ACT + 1, 2, err, errlen)))
		return st;

	C = x->dims[1];
	M = w->dims[0];
	group = (uint64_t)a[RFX_CONV_GROUP];
	kh = w->dims[2];
	kw = w->dims[3];
	if (C % group != 0)
		return rfx_op_fail(err, errlen,
				   "conv2d: group %llu does not divide input channels %llu",
				   (unsigned long long)group, (unsigned long long)C);
	if (M % group != 0)
		return rfx_op_fail(err, errlen,
				   "conv2d: group %llu does not divide output channels %llu",
				   (unsigned long long)group, (unsigned long long)M);
	if ((uint64_t)w->dims[1] * group != C)
		return rfx_op_fail(err, errlen,
				   "conv2d: weight has %u input channels per group, input has %llu channels in %llu groups",
				   w->dims[1], (unsigned long long)C,
				   (unsigned long long)group);
	if (kh < 1 || kw < 1)
		return rfx_op_fail(err, errlen, "conv2d: kernel dim of 0");

	ekh = (uint64_t)a[RFX_CONV_DIL_H] * (kh - 1) + 1;
	ekw = (uint64_t)a[RFX_CONV_DIL_W] * (kw - 1) + 1;
	hp = (uint64_t)x->dims[2] + (uint64_t)a[RFX_CONV_PAD_T] + (uint64_t)a[RFX_CONV_PAD_B];
	wp = (uint64_t)x->dims[3] + (uint64_t)a[RFX_CONV_PAD_L] + (uint64_t)a[RFX_CONV_PAD_R];
	if (hp < ekh || wp < ekw)
		return rfx_op_fail(err, errlen,
				   "conv2d: kernel extent %llux%llu exceeds padded input %llux%llu",
				   (unsigned long long)ekh, (unsigned long long)ekw,
				   (unsigned long long)hp, (unsigned long long)wp);
	oh = (hp - ekh) / (uint64_t)a[RFX_CONV_STRIDE_H] + 1;
	ow = (wp - ekw) / (uint64_t)a[RFX_CONV_STRIDE_W] + 1;

	if (l->n_inputs == 4) {
		const rfx_tensor *r = rfx_op_in(g, l, 3);

		if ((st = rfx_op_check_act_input(l, r, "residual", 4, err, errlen)))
			return st;
		if (r->dims[0] != x->dims[0] || r->dims[1] != M ||
		    r->dims[2] != oh || r->dims[3] != ow)
			return rfx_op_fail(err, errlen,
					   "conv2d: residual is [%u,%u,%u,%u], output is [%u,%llu,%llu,%llu]",
					   r->dims[0], r->dims[1], r->dims[2], r->dims[3],
					   x->dims[0], (unsigned long long)M,
					   (unsigned long long)oh, (unsigned long long)ow);
	}
	{
		uint64_t dims[4] = {x->dims[0], M, oh, ow};
		return rfx_op_set_shape(l, out, 4, dims, err, errlen);
	}
}
