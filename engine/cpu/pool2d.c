/*
 * POOL2D reference. x [N,C,H,W]; y [N,C,OH,OW] (OH, OW from the shape
 * rule, floor or ceil mode). The window of output (oh, ow) covers input
 * rows oh*sH - pT + ky*dH (ky < kH) and columns ow*sW - pL + kx*dW:
 *
 *  - MAX: the largest value among the window cells inside the input;
 *    padded cells never win. (-inf if no cell is inside: the shape rule's
 *    padding limits make that impossible for valid layers.)
 *  - AVG: the f32 sum of the window cells inside the input, in row-major
 *    window order, divided by a count: with COUNT_INCLUDE_PAD, the window
 *    cells inside the padded input [-pT, H + pB) x [-pL, W + pR) (so a
 *    window that ceil mode lets run past the padding is clipped to it);
 *    otherwise the cells inside the input itself. (0 if that count is 0.)
 */
#include <math.h>

#include "cpu/cpu.h"

/* How many of start + k*dil (k < kernel) lie in [lo, hi). */
static int64_t count_in(int64_t start, int64_t kernel, int64_t dil,
                        int64_t lo, int64_t hi)
{
	int64_t n = 0;

	for (int64_t k = 0; k < kernel; k++) {
		int64_t p = start + k * dil;
		n += p >= lo && p < hi;
	}
	return n;
}

void rfx_cpu_pool2d(const rfx_cpu_args *a)
{
	const rfx_layer *l = a->layer;
	const rfx_tensor *xt = a->in_t[0], *yt = a->out_t;
	const int64_t NC = (int64_t)xt->dims[0] * xt->dims[1];
	const int64_t H = xt->dims[2], W = xt->dims[3];
	const int64_t OH = yt->dims[2], OW = yt->dims[3];
	const int64_t KH = l->i[RFX_POOL_KERNEL_H], KW = l->i[RFX_POOL_KERNEL_W];
	const int64_t sH = l->i[RFX_POOL_STRIDE_H], sW = l->i[RFX_POOL_STRIDE_W];
	const int64_t pT = l->i[RFX_POOL_PAD_T], pL = l->i[RFX_POOL_PAD_L];
	const int64_t pB = l->i[RFX_POOL_PAD_B], pR = l->i[RFX_POOL_PAD_R];
	const int64_t dH = l->i[RFX_POOL_DIL_H] > 0 ? l->i[RFX_POOL_DIL_H] : 1;
	const int64_t dW = l->i[RFX_POOL_DIL_W] > 0 ? l->i[RFX_POOL_DIL_W] : 1;
	const int is_max = l->i[RFX_POOL_KIND] == RFX_POOL_MAX;
	const int include_pad = l->i[RFX_POOL_COUNT_INCLUDE_PAD] != 0;

	for (int64_t nc = 0; nc < NC; nc++) {
		const float *xp = a->in[0] + nc * H * W;
		float *y = a->out + nc * OH * OW;

		for (int64_t oh = 0; oh < OH; oh++) {
			const int64_t h0 = oh * sH - pT;
			for (int64_t ow = 0; ow < OW; ow++) {
				const int64_t w0 = ow * sW - pL;
				float best = -INFINITY, sum = 0.0f;
				int found = 0;

				for (int64_t ky = 0; ky < KH; ky++) {
					const int64_t iy = h0 + ky * dH;
					if (iy < 0 || iy >= H)
						continue;
					for (int64_t kx = 0; kx < KW; kx++) {
						const int64_t ix = w0 + kx * dW;
						float v;
						if (ix < 0 || ix >= W)
							continue;
						v = xp[iy * W + ix];
						if (!found || v > best)
							best = v;
						found = 1;
						sum += v;
					}
				}
				if (is_max) {
					y[oh * OW + ow] = best;
				} else {
					int64_t cnt = include_pad
						? count_in(h0, KH, dH, -pT, H + pB) *
						  count_in(w0, KW, dW, -pL, W + pR)
						: count_in(h0, KH, dH, 0, H) *
						  count_in(w0, KW, dW, 0, W);
					y[oh * OW + ow] = cnt ? sum / (float)cnt : 0.0f;
				}
			}
		}
	}
}

/*
 * POOL2D at I8 (graph/quant.h), with the same windows and counts as the
 * float code: MAX takes the largest (x - z_x) inside the input; AVG sums
 * (x - z_x) in int32 and divides by the count rounding half away from zero
 * (z_y when the count is 0); then y = out(R(v; s_x / s_y)).
 */
void rfx_cpu_pool2d_i8(const rfx_cpu_args *a)
{
	const rfx_layer *l = a->layer;
	const rfx_quant_layer *q = a->q;
	const rfx_tensor *xt = a->in_t[0], *yt = a->out_t;
	const int64_t NC = (int64_t)xt->dims[0] * xt->dims[1];
	const int64_t H = xt->dims[2], W = xt->dims[3];
	const int64_t OH = yt->dims[2], OW = yt->dims[3];
	const int64_t KH = l->i[RFX_POOL_KERNEL_H], KW = l->i[RFX_POOL_KERNEL_W];
	const int64_t sH = l->i[RFX_POOL_STRIDE_H], sW = l->i[RFX_POOL_STRIDE_W];
	const int64_t pT = l->i[RFX_POOL_PAD_T], pL = l->i[RFX_POOL_PAD_L];
	const int64_t pB = l->i[RFX_POOL_PAD_B], pR = l->i[RFX_POOL_PAD_R];
	const int64_t dH = l->i[RFX_POOL_DIL_H] > 0 ? l->i[RFX_POOL_DIL_H] : 1;
	const int64_t dW = l->i[RFX_POOL_DIL_W] > 0 ? l->i[RFX_POOL_DIL_W] : 1;
	const int is_max = l->i[RFX_POOL_KIND] == RFX_POOL_MAX;
	const int include_pad = l->i[RFX_POOL_COUNT_INCLUDE_PAD] != 0;
	const int32_t zx = q->in_zp[0];

	for (int64_t nc = 0; nc < NC; nc++) {
		const int8_t *xp = (const int8_t *)a->in_raw[0] + nc * H * W;
		int8_t *y = (int8_t *)a->out_raw + nc * OH * OW;

		for (int64_t oh = 0; oh < OH; oh++) {
			const int64_t h0 = oh * sH - pT;
			for (int64_t ow = 0; ow < OW; ow++) {
				const int64_t w0 = ow * sW - pL;
				int32_t best = 0, sum = 0, v;
				int found = 0;

				for (int64_t ky = 0; ky < KH; ky++) {
					const int64_t iy = h0 + ky * dH;
					if (iy < 0 || iy >= H)
						continue;
					for (int64_t kx = 0; kx < KW; kx++) {
						const int64_t ix = w0 + kx * dW;
						int32_t e;
						if (ix < 0 || ix >= W)
							continue;
						e = xp[iy * W + ix] - zx;
						if (!found || e > best)
							best = e;
						found = 1;
						sum += e;
					}
				}
				if (is_max) {
					v = best;
				} else {
					int64_t cnt = include_pad
						? count_in(h0, KH, dH, -pT, H + pB) *
						  count_in(w0, KW, dW, -pL, W + pR)
						: count_in(h0, KH, dH, 0, H) *
						  count_in(w0, KW, dW, 0, W);
					v = cnt ? rfx_quant_round_div(sum, (int32_t)cnt) : 0;
				}
				y[oh * OW + ow] = rfx_cpu_i8_out(
					rfx_requantize(v, q->in_rq[0].m, q->in_rq[0].shift), q);
			}
		}
	}
}
