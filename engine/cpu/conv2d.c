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

/*
 * CONV2D at I8 (graph/quant.h): per output channel m, one int32 plane
 *
 *   acc = bias_q[m] + sum_{c,ky,kx} (x - z_x) * w[m,c,ky,kx]
 *
 * over the taps inside the input, wrapping (computed in uint32), in the
 * same loop order as the float code; then each pixel is requantized to
 * the output (or, with a residual, to the sum scale, added to the
 * rescaled residual and brought to the output scale) and clamped.
 */
void rfx_cpu_conv2d_i8(const rfx_cpu_args *a)
{
	const rfx_layer *l = a->layer;
	const rfx_quant_layer *q = a->q;
	const rfx_tensor *xt = a->in_t[0], *wt = a->in_t[1], *yt = a->out_t;
	const int8_t *x = a->in_raw[0], *w = a->in_raw[1];
	const int8_t *res = a->n_in > 3 ? a->in_raw[3] : NULL;
	int8_t *yq = a->out_raw;
	uint32_t *acc = (uint32_t *)a->acc;
	const int64_t N = xt->dims[0], C = xt->dims[1], H = xt->dims[2],
		      W = xt->dims[3];
	const int64_t M = yt->dims[1], OH = yt->dims[2], OW = yt->dims[3];
	const int64_t KH = wt->dims[2], KW = wt->dims[3];
	const int64_t sH = l->i[RFX_CONV_STRIDE_H], sW = l->i[RFX_CONV_STRIDE_W];
	const int64_t pT = l->i[RFX_CONV_PAD_T], pL = l->i[RFX_CONV_PAD_L];
	const int64_t dH = l->i[RFX_CONV_DIL_H], dW = l->i[RFX_CONV_DIL_W];
	const int64_t G = l->i[RFX_CONV_GROUP] > 0 ? l->i[RFX_CONV_GROUP] : 1;
	const int64_t CG = C / G, MG = M / G, plane = OH * OW;
	const int32_t zx = q->in_zp[0];

	for (int64_t n = 0; n < N; n++) {
		for (int64_t m = 0; m < M; m++) {
			const int64_t g = m / MG;
			const rfx_requant rq = q->ch_rq[m];
			int8_t *y = yq + (n * M + m) * plane;

			for (int64_t p = 0; p < plane; p++)
				acc[p] = (uint32_t)q->bias[m];
			for (int64_t c = 0; c < CG; c++) {
				const int8_t *xp = x + (n * C + g * CG + c) * H * W;
				const int8_t *wk = w + (m * CG + c) * KH * KW;

				for (int64_t ky = 0; ky < KH; ky++) {
					int64_t oh0, oh1;
					valid_range(ky * dH - pT, sH, H, OH, &oh0, &oh1);
					for (int64_t kx = 0; kx < KW; kx++) {
						const int32_t wv = wk[ky * KW + kx];
						const int64_t offx = kx * dW - pL;
						int64_t ow0, ow1;
						if (wv == 0)
							continue; /* adds 0 */
						valid_range(offx, sW, W, OW, &ow0, &ow1);
						for (int64_t oh = oh0; oh < oh1; oh++) {
							const int8_t *xr = xp + (oh * sH + ky * dH - pT) * W;
							uint32_t *ar = acc + oh * OW;
							for (int64_t ow = ow0; ow < ow1; ow++)
								ar[ow] += (uint32_t)((xr[ow * sW + offx] - zx) * wv);
						}
					}
				}
			}
			if (!res) {
				for (int64_t p = 0; p < plane; p++)
					y[p] = rfx_cpu_i8_out(rfx_requantize((int32_t)acc[p], rq.m,
									       rq.shift), q);
				continue;
			}
			const int8_t *r = res + (n * M + m) * plane;
			for (int64_t p = 0; p < plane; p++) {
				int32_t t = rfx_quant_sat_add(
					rfx_requantize((int32_t)acc[p], rq.m, rq.shift),
					rfx_requantize(r[p] - q->in_zp[3], q->in_rq[3].m,
						       q->in_rq[3].shift));
				y[p] = rfx_cpu_i8_out(rfx_requantize(t, q->sum_rq.m,
								     q->sum_rq.shift), q);
			}
		}
	}
}
