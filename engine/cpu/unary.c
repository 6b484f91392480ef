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
