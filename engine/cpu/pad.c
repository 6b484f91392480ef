/*
 * PAD reference: y.dims[d] = x.dims[d] + begin[d] + end[d] (begin = i[d],
 * end = i[rank + d], all >= 0); y is f[0] everywhere except the block at
 * offset begin, which is x.
 */
#include <string.h>

#include "cpu/cpu.h"

void rfx_cpu_pad(const rfx_cpu_args *a)
{
	const rfx_tensor *xt = a->in_t[0], *yt = a->out_t;
	const int r = (int)xt->rank, pad = RFX_MAX_RANK - r;
	int64_t n[RFX_MAX_RANK], ys[RFX_MAX_RANK], b[RFX_MAX_RANK], s = 1;
	const uint64_t total = rfx_tensor_elements(yt);
	const float *x = a->in[0];
	float *y = a->out;

	for (uint64_t e = 0; e < total; e++)
		y[e] = a->layer->f[0];
	/* Input dims, output strides and begins, left-padded to 6 dims. */
	for (int d = RFX_MAX_RANK - 1; d >= 0; d--) {
		n[d] = d < pad ? 1 : xt->dims[d - pad];
		b[d] = d < pad ? 0 : a->layer->i[d - pad];
		ys[d] = s;
		s *= d < pad ? 1 : yt->dims[d - pad];
	}
	for (int64_t i0 = 0; i0 < n[0]; i0++)
	for (int64_t i1 = 0; i1 < n[1]; i1++)
	for (int64_t i2 = 0; i2 < n[2]; i2++)
	for (int64_t i3 = 0; i3 < n[3]; i3++)
	for (int64_t i4 = 0; i4 < n[4]; i4++) {
		const int64_t o = (i0 + b[0]) * ys[0] + (i1 + b[1]) * ys[1] +
				  (i2 + b[2]) * ys[2] + (i3 + b[3]) * ys[3] +
				  (i4 + b[4]) * ys[4] + b[5];
		memcpy(y + o, x, (size_t)n[5] * sizeof(float));
		x += n[5];
	}
}

/* PAD at I8: the padding is Q(f0) with the output's scale and zero point
 * (the input's too); the block at offset begin is x's bytes. */
void rfx_cpu_pad_i8(const rfx_cpu_args *a)
{
	const rfx_tensor *xt = a->in_t[0], *yt = a->out_t;
	const int r = (int)xt->rank, pad = RFX_MAX_RANK - r;
	int64_t n[RFX_MAX_RANK], ys[RFX_MAX_RANK], b[RFX_MAX_RANK], s = 1;
	const int8_t *x = a->in_raw[0];
	int8_t *y = a->out_raw;

	memset(y, (int8_t)a->q->pad_value, (size_t)rfx_tensor_elements(yt));
	for (int d = RFX_MAX_RANK - 1; d >= 0; d--) {
		n[d] = d < pad ? 1 : xt->dims[d - pad];
		b[d] = d < pad ? 0 : a->layer->i[d - pad];
		ys[d] = s;
		s *= d < pad ? 1 : yt->dims[d - pad];
	}
	for (int64_t i0 = 0; i0 < n[0]; i0++)
	for (int64_t i1 = 0; i1 < n[1]; i1++)
	for (int64_t i2 = 0; i2 < n[2]; i2++)
	for (int64_t i3 = 0; i3 < n[3]; i3++)
	for (int64_t i4 = 0; i4 < n[4]; i4++) {
		const int64_t o = (i0 + b[0]) * ys[0] + (i1 + b[1]) * ys[1] +
				  (i2 + b[2]) * ys[2] + (i3 + b[3]) * ys[3] +
				  (i4 + b[4]) * ys[4] + b[5];
		memcpy(y + o, x, (size_t)n[5]);
		x += n[5];
	}
}
