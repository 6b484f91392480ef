/*
 * GLOBAL_POOL reference. x [N,C,H,W]; y [N,C,1,1]: the largest value of
 * each plane (MAX), or its f32 sum in row-major order divided by H*W (AVG).
 */
#include "cpu/cpu.h"

void rfx_cpu_global_pool(const rfx_cpu_args *a)
{
	const rfx_tensor *xt = a->in_t[0];
	const uint64_t NC = (uint64_t)xt->dims[0] * xt->dims[1];
	const uint64_t HW = (uint64_t)xt->dims[2] * xt->dims[3];
	const int is_max = a->layer->i[RFX_GPOOL_KIND] == RFX_POOL_MAX;

	for (uint64_t nc = 0; nc < NC; nc++) {
		const float *xp = a->in[0] + nc * HW;
		float acc = xp[0];

		if (is_max) {
			for (uint64_t p = 1; p < HW; p++)
				if (xp[p] > acc)
					acc = xp[p];
			a->out[nc] = acc;
		} else {
			for (uint64_t p = 1; p < HW; p++)
				acc += xp[p];
			a->out[nc] = acc / (float)HW;
		}
	}
}

/* GLOBAL_POOL at I8 (graph/quant.h): the largest (x - z_x) of each plane,
 * or its int32 sum divided by H*W rounding half away from zero; then
 * y = out(R(v; s_x / s_y)). */
void rfx_cpu_global_pool_i8(const rfx_cpu_args *a)
{
	const rfx_tensor *xt = a->in_t[0];
	const rfx_quant_layer *q = a->q;
	const uint64_t NC = (uint64_t)xt->dims[0] * xt->dims[1];
	const uint64_t HW = (uint64_t)xt->dims[2] * xt->dims[3];
	const int is_max = a->layer->i[RFX_GPOOL_KIND] == RFX_POOL_MAX;
	const int32_t zx = q->in_zp[0];
	int8_t *y = a->out_raw;

	for (uint64_t nc = 0; nc < NC; nc++) {
		const int8_t *xp = (const int8_t *)a->in_raw[0] + nc * HW;
		int32_t v = xp[0] - zx;

		if (is_max) {
			for (uint64_t p = 1; p < HW; p++)
				if (xp[p] - zx > v)
					v = xp[p] - zx;
		} else {
			for (uint64_t p = 1; p < HW; p++)
				v += xp[p] - zx;
			v = rfx_quant_round_div(v, (int32_t)HW);
		}
		y[nc] = rfx_cpu_i8_out(rfx_requantize(v, q->in_rq[0].m,
						      q->in_rq[0].shift), q);
	}
}
