/*
 * FC reference. x [..., K], w [N, K], b [N]; y [..., N]:
 *
 *   y[r, j] = act(b[j] + sum_k w[j, k] * x[r, k])
 *
 * for every row r of x's leading dimensions; the sum runs in f32 from the
 * bias, in increasing k.
 */
#include "cpu/cpu.h"

void rfx_cpu_fc(const rfx_cpu_args *a)
{
	const rfx_tensor *xt = a->in_t[0], *wt = a->in_t[1];
	const float *x = a->in[0], *w = a->in[1], *bias = a->in[2];
	const uint64_t K = wt->dims[1], N = wt->dims[0];
	const uint64_t rows = rfx_tensor_elements(xt) / K;
	const rfx_act act = (rfx_act)a->layer->i[RFX_FC_ACT];

	for (uint64_t r = 0; r < rows; r++) {
		const float *xr = x + r * K;
		float *y = a->out + r * N;

		for (uint64_t j = 0; j < N; j++) {
			const float *wr = w + j * K;
			float acc = bias[j];
			for (uint64_t k = 0; k < K; k++)
				acc += wr[k] * xr[k];
			y[j] = acc;
		}
		rfx_cpu_act_n(y, N, act, a->layer->f[0], a->layer->f[1]);
	}
}

/*
 * FC at I8 (graph/quant.h): acc = bias_q[j] + sum_k (x[r,k] - z_x) * w[j,k]
 * in wrapping int32, then y = out(R(acc; s_x s_w[j] / s_y)).
 */
void rfx_cpu_fc_i8(const rfx_cpu_args *a)
{
	const rfx_tensor *xt = a->in_t[0], *wt = a->in_t[1];
	const rfx_quant_layer *q = a->q;
	const int8_t *x = a->in_raw[0], *w = a->in_raw[1];
	int8_t *y = a->out_raw;
	const uint64_t K = wt->dims[1], N = wt->dims[0];
	const uint64_t rows = rfx_tensor_elements(xt) / K;
	const int32_t zx = q->in_zp[0];

	for (uint64_t r = 0; r < rows; r++) {
		const int8_t *xr = x + r * K;
		for (uint64_t j = 0; j < N; j++) {
			const int8_t *wr = w + j * K;
			uint32_t acc = (uint32_t)q->bias[j];
			for (uint64_t k = 0; k < K; k++)
				acc += (uint32_t)((xr[k] - zx) * wr[k]);
			y[r * N + j] = rfx_cpu_i8_out(rfx_requantize((int32_t)acc,
				q->ch_rq[j].m, q->ch_rq[j].shift), q);
		}
	}
}
