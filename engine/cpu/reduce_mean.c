/*
 * REDUCE_MEAN reference: the mean over the input dims in the AXES bitmask
 * (bit d = dim d). Each output element is the f32 sum of its input
 * elements in increasing input index order, divided by their count. With
 * KEEPDIMS = 0 the reduced dims are removed from the shape, which does not
 * change the row-major order of the output.
 */
#include "cpu/cpu.h"

void rfx_cpu_reduce_mean(const rfx_cpu_args *a)
{
	const rfx_tensor *xt = a->in_t[0];
	const uint32_t axes = (uint32_t)a->layer->i[RFX_REDUCE_AXES];
	const int r = (int)xt->rank, pad = RFX_MAX_RANK - r;
	int64_t n[RFX_MAX_RANK], os[RFX_MAX_RANK], s = 1, count = 1;
	const uint64_t total = rfx_tensor_elements(a->out_t);
	const float *x = a->in[0];
	float *y = a->out;

	/* Input dims left-padded to 6; output strides 0 on reduced dims. */
	for (int d = RFX_MAX_RANK - 1; d >= 0; d--) {
		const int reduced = d >= pad && (axes >> (d - pad) & 1u);
		n[d] = d < pad ? 1 : xt->dims[d - pad];
		os[d] = reduced ? 0 : s;
		if (reduced)
			count *= n[d];
		else
			s *= n[d];
	}
	for (uint64_t e = 0; e < total; e++)
		y[e] = 0.0f;
	for (int64_t i0 = 0; i0 < n[0]; i0++)
	for (int64_t i1 = 0; i1 < n[1]; i1++)
	for (int64_t i2 = 0; i2 < n[2]; i2++)
	for (int64_t i3 = 0; i3 < n[3]; i3++)
	for (int64_t i4 = 0; i4 < n[4]; i4++) {
		float *yo = y + i0 * os[0] + i1 * os[1] + i2 * os[2] +
			    i3 * os[3] + i4 * os[4];
		for (int64_t i5 = 0; i5 < n[5]; i5++)
			yo[i5 * os[5]] += *x++;
	}
	for (uint64_t e = 0; e < total; e++)
		y[e] /= (float)count;
}
