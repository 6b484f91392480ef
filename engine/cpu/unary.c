/* UNARY reference: y = act(x), elementwise (activation.c). */
#include <string.h>

#include "cpu/cpu.h"

void rfx_cpu_unary(const rfx_cpu_args *a)
{
	const uint64_t n = rfx_tensor_elements(a->out_t);

	memcpy(a->out, a->in[0], (size_t)n * sizeof(float));
	rfx_cpu_act_n(a->out, n, (rfx_act)a->layer->i[RFX_UNARY_ACT],
		      a->layer->f[0], a->layer->f[1]);
}

/* UNARY at I8 (NONE, RELU, CLIP): y = out(R(x - z_x; s_x / s_y)), the
 * activation being the clamp bounds. */
void rfx_cpu_unary_i8(const rfx_cpu_args *a)
{
	const uint64_t n = rfx_tensor_elements(a->out_t);
	const rfx_quant_layer *q = a->q;
	const int8_t *x = a->in_raw[0];
	int8_t *y = a->out_raw;

	for (uint64_t e = 0; e < n; e++)
		y[e] = rfx_cpu_i8_out(rfx_requantize(x[e] - q->in_zp[0], q->in_rq[0].m,
						     q->in_rq[0].shift), q);
}
