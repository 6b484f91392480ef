/* QUANTIZE reference: y = Q(x) = rfx_quantize_value(x, 1/s_y, z_y) on the
 * f32 view of an F32 or F16 input (graph/quant.h). */
#include "cpu/cpu.h"

void rfx_cpu_quantize(const rfx_cpu_args *a)
{
	const uint64_t n = rfx_tensor_elements(a->out_t);
	const float inv = a->q->inv_scale;
	const int32_t zp = a->q->out_zp;
	int8_t *y = a->out_raw;

	for (uint64_t e = 0; e < n; e++)
		y[e] = rfx_quantize_value(a->in[0][e], inv, zp);
}
