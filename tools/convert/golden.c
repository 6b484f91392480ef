/* The golden pair: the CPU reference's answer to a seeded random input,
 * stored in the model so a device can check itself at session creation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "cpu/cpu.h"

rfx_status rfx_convert_golden(const rfx_graph *g, uint32_t seed,
                              void **in_bytes, uint64_t *in_size,
                              void **out_bytes, uint64_t *out_size, char *err,
                              size_t errlen)
{
	rfx_cpu_session *s = NULL;
	uint32_t x = seed ? seed : 1;
	rfx_status st;

	if (g->n_inputs < 1 || g->n_outputs < 1)
		return RFX_E_INVALID_ARGUMENT;
	const rfx_tensor *in = &g->tensors[g->inputs[0]];
	const rfx_tensor *out = &g->tensors[g->outputs[0]];
	if (in->dtype != RFX_DTYPE_F32 || out->dtype != RFX_DTYPE_F32) {
		snprintf(err, errlen, "golden: input and output must be f32");
		return RFX_E_UNSUPPORTED;
	}
	if ((st = rfx_cpu_session_create(g, &s, err, errlen)))
		return st;
	/* Every input gets seeded values in [-1, 1] (xorshift32). */
	for (uint32_t k = 0; k < g->n_inputs; k++) {
		float *d = rfx_cpu_session_tensor(s, g->inputs[k]);
		uint64_t n = rfx_tensor_elements(&g->tensors[g->inputs[k]]);
		for (uint64_t e = 0; d && e < n; e++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			d[e] = (float)(x >> 8) / 8388608.0f - 1.0f;
		}
	}
	rfx_cpu_session_run(s);
	*in_size = rfx_tensor_bytes(in);
	*out_size = rfx_tensor_bytes(out);
	*in_bytes = malloc((size_t)*in_size);
	*out_bytes = malloc((size_t)*out_size);
	if (!*in_bytes || !*out_bytes) {
		rfx_cpu_session_destroy(s);
		free(*in_bytes);
		free(*out_bytes);
		*in_bytes = *out_bytes = NULL;
		snprintf(err, errlen, "golden: out of memory");
		return RFX_E_OUT_OF_MEMORY;
	}
	memcpy(*in_bytes, rfx_cpu_session_tensor(s, g->inputs[0]),
	       (size_t)*in_size);
	memcpy(*out_bytes, rfx_cpu_session_tensor(s, g->outputs[0]),
	       (size_t)*out_size);
	rfx_cpu_session_destroy(s);
	return RFX_OK;
}
