/*
 * CONCAT reference: inputs joined along AXIS in input order. Viewed as
 * [outer, dims[axis] * inner], each input contributes a contiguous run per
 * outer index.
 */
#include <string.h>

#include "cpu/cpu.h"

void rfx_cpu_concat(const rfx_cpu_args *a)
{
	const rfx_tensor *yt = a->out_t;
	const uint32_t axis = (uint32_t)a->layer->i[RFX_CONCAT_AXIS];
	uint64_t outer = 1, inner = 1, row = 0, at = 0;
	float *y = a->out;

	for (uint32_t d = 0; d < axis; d++)
		outer *= yt->dims[d];
	for (uint32_t d = axis + 1; d < yt->rank; d++)
		inner *= yt->dims[d];
	for (uint32_t k = 0; k < a->n_in; k++)
		row += a->in_t[k]->dims[axis] * inner;
	for (uint32_t k = 0; k < a->n_in; k++) {
		const uint64_t run = a->in_t[k]->dims[axis] * inner;
		for (uint64_t o = 0; o < outer; o++)
			memcpy(y + o * row + at, a->in[k] + o * run,
			       (size_t)run * sizeof(float));
		at += run;
	}
}

/* CONCAT at I8: the same runs, each element of input k rescaled:
 * y = out(R(x - z_k; s_k / s_y)). */
void rfx_cpu_concat_i8(const rfx_cpu_args *a)
{
	const rfx_tensor *yt = a->out_t;
	const rfx_quant_layer *q = a->q;
	const uint32_t axis = (uint32_t)a->layer->i[RFX_CONCAT_AXIS];
	uint64_t outer = 1, inner = 1, row = 0, at = 0;
	int8_t *y = a->out_raw;

	for (uint32_t d = 0; d < axis; d++)
		outer *= yt->dims[d];
	for (uint32_t d = axis + 1; d < yt->rank; d++)
		inner *= yt->dims[d];
	for (uint32_t k = 0; k < a->n_in; k++)
		row += a->in_t[k]->dims[axis] * inner;
	for (uint32_t k = 0; k < a->n_in; k++) {
		const uint64_t run = a->in_t[k]->dims[axis] * inner;
		const int8_t *x = a->in_raw[k];
		const rfx_requant rq = q->in_rq[k];
		for (uint64_t o = 0; o < outer; o++)
			for (uint64_t e = 0; e < run; e++)
				y[o * row + at + e] = rfx_cpu_i8_out(
					rfx_requantize(x[o * run + e] - q->in_zp[k],
						       rq.m, rq.shift), q);
		at += run;
	}
}
