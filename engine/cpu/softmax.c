/*
 * SOFTMAX reference. The input is viewed as [outer, len, inner]:
 *  - LEGACY = 0: len = dims[AXIS], inner = product of the dims after it
 *    (normalize along one axis, opset >= 13);
 *  - LEGACY = 1: len = product of dims AXIS..rank-1, inner = 1 (the dims
 *    from AXIS on flattened, opset < 13).
 * For each (outer, inner) line: m = max, e_k = expf(x_k - m),
 * s = f32 sum of e_k in increasing k, y_k = e_k / s.
 */
#include <math.h>

#include "cpu/cpu.h"

void rfx_cpu_softmax(const rfx_cpu_args *a)
{
	const rfx_tensor *xt = a->in_t[0];
	const uint32_t axis = (uint32_t)a->layer->i[RFX_SOFTMAX_AXIS];
	const int legacy = a->layer->i[RFX_SOFTMAX_LEGACY] != 0;
	uint64_t outer = 1, len = 1, inner = 1;

	for (uint32_t d = 0; d < xt->rank; d++) {
		if (d < axis)
			outer *= xt->dims[d];
		else if (d == axis || legacy)
			len *= xt->dims[d];
		else
			inner *= xt->dims[d];
	}
	for (uint64_t o = 0; o < outer; o++) {
		for (uint64_t in = 0; in < inner; in++) {
			const float *x = a->in[0] + o * len * inner + in;
			float *y = a->out + o * len * inner + in;
			float m = x[0], s = 0.0f;

			for (uint64_t k = 1; k < len; k++)
				if (x[k * inner] > m)
					m = x[k * inner];
			for (uint64_t k = 0; k < len; k++) {
				y[k * inner] = expf(x[k * inner] - m);
				s += y[k * inner];
			}
			for (uint64_t k = 0; k < len; k++)
				y[k * inner] /= s;
		}
	}
}
