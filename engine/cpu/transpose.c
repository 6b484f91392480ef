/*
 * TRANSPOSE reference: y[j0..jr-1] = x[i] with i[perm[d]] = j[d], so
 * y.dims[d] = x.dims[perm[d]]. Walks y in order; each output dimension
 * steps x by the stride of the input dimension it came from.
 */
#include "cpu/cpu.h"

void rfx_cpu_transpose(const rfx_cpu_args *a)
{
	const rfx_tensor *xt = a->in_t[0], *yt = a->out_t;
	const int r = (int)yt->rank, pad = RFX_MAX_RANK - r;
	int64_t xs[RFX_MAX_RANK], st[RFX_MAX_RANK], n[RFX_MAX_RANK], s = 1;
	const float *x = a->in[0];
	float *y = a->out;

	for (int d = (int)xt->rank - 1; d >= 0; d--) {
		xs[d] = s;
		s *= xt->dims[d];
	}
	for (int d = 0; d < RFX_MAX_RANK; d++) {
		n[d] = d < pad ? 1 : yt->dims[d - pad];
		st[d] = d < pad ? 0 : xs[a->layer->i[d - pad]];
	}
	for (int64_t j0 = 0; j0 < n[0]; j0++)
	for (int64_t j1 = 0; j1 < n[1]; j1++)
	for (int64_t j2 = 0; j2 < n[2]; j2++)
	for (int64_t j3 = 0; j3 < n[3]; j3++)
	for (int64_t j4 = 0; j4 < n[4]; j4++) {
		const int64_t o = j0 * st[0] + j1 * st[1] + j2 * st[2] +
				  j3 * st[3] + j4 * st[4];
		for (int64_t j5 = 0; j5 < n[5]; j5++)
			*y++ = x[o + j5 * st[5]];
	}
}

/* TRANSPOSE at I8: the same walk over bytes. */
void rfx_cpu_transpose_i8(const rfx_cpu_args *a)
{
	const rfx_tensor *xt = a->in_t[0], *yt = a->out_t;
	const int r = (int)yt->rank, pad = RFX_MAX_RANK - r;
	int64_t xs[RFX_MAX_RANK], st[RFX_MAX_RANK], n[RFX_MAX_RANK], s = 1;
	const int8_t *x = a->in_raw[0];
	int8_t *y = a->out_raw;

	for (int d = (int)xt->rank - 1; d >= 0; d--) {
		xs[d] = s;
		s *= xt->dims[d];
	}
	for (int d = 0; d < RFX_MAX_RANK; d++) {
		n[d] = d < pad ? 1 : yt->dims[d - pad];
		st[d] = d < pad ? 0 : xs[a->layer->i[d - pad]];
	}
	for (int64_t j0 = 0; j0 < n[0]; j0++)
	for (int64_t j1 = 0; j1 < n[1]; j1++)
	for (int64_t j2 = 0; j2 < n[2]; j2++)
	for (int64_t j3 = 0; j3 < n[3]; j3++)
	for (int64_t j4 = 0; j4 < n[4]; j4++) {
		const int64_t o = j0 * st[0] + j1 * st[1] + j2 * st[2] +
				  j3 * st[3] + j4 * st[4];
		for (int64_t j5 = 0; j5 < n[5]; j5++)
			*y++ = x[o + j5 * st[5]];
	}
}
