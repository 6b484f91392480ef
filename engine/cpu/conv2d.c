/*
 * CONV2D reference. x [N,C,H,W], w [M, C/G, kH, kW], b [M], optional
 * residual r [N,M,OH,OW]; y [N,M,OH,OW]:
 *
 *   y[n,m,oh,ow] = act(b[m] + sum_{c,ky,kx} w[m,c,ky,kx] *
 *                       x[n, g*C/G + c, oh*sH - pT + ky*dH, ow*sW - pL + kx*dW]
 *                       + r[n,m,oh,ow])
 *
 * with g = m / (M/G) and out-of-range input cells contributing nothing.
 * The sum runs in f32, starting from the bias, over c, then ky, then kx;
 * for each tap the whole output plane is updated (contiguous inner loop).
 */
#include "cpu/cpu.h"

/* The output positions o in [lo, hi) whose input o*stride + off lies in
 * [0, size). */
static void valid_range(int64_t off, int64_t stride, int64_t size, int64_t n,
                        int64_t *lo, int64_t *hi)
{
	*lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
	*hi = size - off <= 0 ? 0 : (size - off + stride - 1) / stride;
	if (*hi > n)
		*hi = n;
	if (*lo > *hi)
		*lo = *hi;
}

void rfx_cpu_conv2d(const rfx_cpu_args *a)
{
	const rfx_layer *l = a->layer;
	const rfx_tensor *xt = a->in_t[0], *wt = a->in_t[1], *yt = a->out_t;
	const float *x = a->in[0], *w = a->in[1], *bias = a->in[2];
	const float *res = a->n_in > 3 ? a->in[3] : NULL;
	const int64_t N = xt->dims[0], C = xt->dims[1], H = xt->dims[2],
		      W = xt->dims[3];
	const int64_t M = yt->dims[1], OH = yt->dims[2], OW = yt->dims[3];
	const int64_t KH = wt->dims[2], KW = wt->dims[3];
	const int64_t sH = l->i[RFX_CONV_STRIDE_H], sW = l->i[RFX_CONV_STRIDE_W];
	const int64_t pT = l->i[RFX_CONV_PAD_T], pL = l->i[RFX_CONV_PAD_L];
	const int64_t dH = l->i[RFX_CONV_DIL_H], dW = l->i[RFX_CONV_DIL_W];
	const int64_t G = l->i[RFX_CONV_GROUP] > 0 ? l->i[RFX_CONV_GROUP] : 1;
	const int64_t CG = C / G, MG = M / G, plane = OH * OW;
	/* A 1x1, stride-1, unpadded conv maps planes onto planes. */
	const int pointwise = KH == 1 && KW == 1 && sH == 1 && sW == 1 &&
			      pT == 0 && pL == 0 && OH == H && OW == W;

	for (int64_t n = 0; n < N; n++) {
		for (int64_t m = 0; m < M; m++) {
			float *y = a->out + (n * M + m) * plane;
			const int64_t g = m / MG;

			for (int64_t p = 0; p < plane; p++)
				y[p] = bias[m];
			for (int64_t c = 0; c < CG; c++) {
				const float *xp = x + (n * C + g * CG + c) * H * W;
				const float *wk = w + (m * CG + c) * KH * KW;

				if (pointwise) {
					const float wv = wk[0];
					for (int64_t p = 0; p < plane; p++)
						y[p] += wv * xp[p];
					continue;
				}
				for (int64_t ky = 0; ky < KH; ky++) {
					int64_t oh0, oh1;
					valid_range(ky * dH - pT, sH, H, OH, &oh0, &oh1);
					for (int64_t kx = 0; kx < KW; kx++) {
						const float wv = wk[ky * KW + kx];
						const int64_t offx = kx * dW - pL;
						int64_t ow0, ow1;
						valid_range(offx, sW, W, OW, &ow0, &ow1);
						for (int64_t oh = oh0; oh < oh1; oh++) {
							const float *xr = xp + (oh * sH + ky * dH - pT) * W;
							float *yr = y + oh * OW;
							if (sW == 1) {
								for (int64_t ow = ow0; ow < ow1; ow++)
									yr[ow] += wv * xr[ow + offx];
							} else {
								for (int64_t ow = ow0; ow < ow1; ow++)
									yr[ow] += wv * xr[ow * sW + offx];
							}
						}
					}
				}
			}
			if (res) {
				const float *r = res + (n * M + m) * plane;
				for (int64_t p = 0; p < plane; p++)
					y[p] += r[p];
			}
			rfx_cpu_act_n(y, (uint64_t)plane,
				      (rfx_act)l->i[RFX_CONV_ACT], l->f[0],
				      l->f[1]);
		}
	}
}
