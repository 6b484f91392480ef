/*
 * POOL2D: max or average over a window. Output size per axis, with padded
 * length P = H + pad_t + pad_b and extent E = dil*(k-1)+1:
 *   floor mode: (P - E) / s + 1
 *   ceil mode:  ceil((P - E) / s) + 1, minus one if that last window would
 *               start at or past H + pad_t (inside the end padding), as in
 *               PyTorch and onnxruntime.
 * Each pad must be less than E, so every window touches the real input.
 */
#include "graph/ops/ops.h"

static rfx_status axis_size(const rfx_layer *l, const char *axis, uint64_t in,
                            uint64_t k, uint64_t s, uint64_t pb, uint64_t pe,
                            uint64_t dil, int ceil_mode, uint64_t *out,
                            char *err, size_t errlen)
{
	uint64_t ext = dil * (k - 1) + 1, p = in + pb + pe, n;

	if (pb >= ext || pe >= ext)
		return rfx_op_fail(err, errlen,
				   "pool2d: %s pads %llu,%llu must be less than the kernel extent %llu",
				   axis, (unsigned long long)pb,
				   (unsigned long long)pe, (unsigned long long)ext);
	if (p < ext)
		return rfx_op_fail(err, errlen,
				   "pool2d: kernel extent %llu exceeds padded input %s %llu",
				   (unsigned long long)ext, axis, (unsigned long long)p);
	if (ceil_mode) {
		n = (p - ext + s - 1) / s + 1;
		if ((n - 1) * s >= in + pb)
			n--;
	} else {
		n = (p - ext) / s + 1;
	}
	*out = n;
	return RFX_OK;
}

rfx_status rfx_infer_pool2d(const rfx_graph *g, const rfx_layer *l,
                            rfx_tensor *out, char *err, size_t errlen)
{
	const rfx_tensor *x;
	const int32_t *a = l->i;
	uint64_t dims[4];
	rfx_status st;

	if ((st = rfx_op_check_inputs(l, 1, 1, err, errlen)))
		return st;
	x = rfx_op_in(g, l, 0);
	if ((st = rfx_op_check_act_input(l, x, "input", 4, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_KIND, "kind", RFX_POOL_MAX, RFX_POOL_AVG, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_KERNEL_H, "kernel_h", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_KERNEL_W, "kernel_w", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_STRIDE_H, "stride_h", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_STRIDE_W, "stride_w", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_PAD_T, "pad_t", 0, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_PAD_L, "pad_l", 0, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_PAD_B, "pad_b", 0, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_PAD_R, "pad_r", 0, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_flag(l, RFX_POOL_CEIL_MODE, "ceil_mode", err, errlen)) ||
	    (st = rfx_op_check_flag(l, RFX_POOL_COUNT_INCLUDE_PAD, "count_include_pad", err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_DIL_H, "dilation_h", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_range(l, RFX_POOL_DIL_W, "dilation_w", 1, RFX_MAX_DIM, err, errlen)) ||
	    (st = rfx_op_check_unused(l, RFX_POOL_DIL_W + 1, 0, err, errlen)))
		return st;
	dims[0] = x->dims[0];
	dims[1] = x->dims[1];
	if ((st = axis_size(l, "height", x->dims[2], (uint64_t)a[RFX_POOL_KERNEL_H],
			    (uint64_t)a[RFX_POOL_STRIDE_H], (uint64_t)a[RFX_POOL_PAD_T],
			    (uint64_t)a[RFX_POOL_PAD_B], (uint64_t)a[RFX_POOL_DIL_H],
			    a[RFX_POOL_CEIL_MODE], &dims[2], err, errlen)) ||
	    (st = axis_size(l, "width", x->dims[3], (uint64_t)a[RFX_POOL_KERNEL_W],
			    (uint64_t)a[RFX_POOL_STRIDE_W], (uint64_t)a[RFX_POOL_PAD_L],
			    (uint64_t)a[RFX_POOL_PAD_R], (uint64_t)a[RFX_POOL_DIL_W],
			    a[RFX_POOL_CEIL_MODE], &dims[3], err, errlen)))
		return st;
	return rfx_op_set_shape(l, out, 4, dims, err, errlen);
}
