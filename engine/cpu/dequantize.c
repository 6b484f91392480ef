/* DEQUANTIZE reference: y = D(x) = (float)(x - z_x) * s_x, one fp32
 * multiply (graph/quant.h); an F16 output is rounded by the executor. */
#include "cpu/cpu.h"

void rfx_cpu_dequantize(const rfx_cpu_args *a)
{
	const uint64_t n = rfx_tensor_elements(a->out_t);
	const float scale = a->q->scale;
	const int32_t zp = a->q->in_zp[0];
	const int8_t *x = a->in_raw[0];

	for (uint64_t e = 0; e < n; e++)
		a->out[e] = rfx_dequantize_value(x[e], scale, zp);
}
