/* RESHAPE reference: the same elements in the same row-major order. */
#include <string.h>

#include "cpu/cpu.h"

void rfx_cpu_reshape(const rfx_cpu_args *a)
{
	memcpy(a->out, a->in[0],
	       (size_t)rfx_tensor_elements(a->out_t) * sizeof(float));
}

/* RESHAPE at I8: the bytes (the scale and zero point are the input's). */
void rfx_cpu_reshape_i8(const rfx_cpu_args *a)
{
	memcpy(a->out_raw, a->in_raw[0], (size_t)rfx_tensor_elements(a->out_t));
}
