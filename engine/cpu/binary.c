/*
 * BINARY reference: y = act(a OP b) elementwise with numpy broadcasting.
 * Shapes are aligned at their last dimension; a dimension of 1 (or a
 * missing leading one) repeats. Each element is one f32 operation.
 */
#include "cpu/cpu.h"

/* Strides of t in the output's index space padded on the left to
 * RFX_MAX_RANK dims (t right-aligned); 0 where t repeats. */
static void broadcast_strides(const rfx_tensor *t, int64_t st[RFX_MAX_RANK])
{
	int64_t s = 1;

	for (int d = RFX_MAX_RANK - 1; d >= 0; d--) {
		/* output dim d corresponds to t's dim d - (6 - t->rank) */
		int td = d - (RFX_MAX_RANK - (int)t->rank);
		uint32_t n = td >= 0 ? t->dims[td] : 1;
		st[d] = n == 1 ? 0 : s;
		s *= n;
	}
}

static float apply(rfx_binary_kind k, float x, float y)
{
	switch (k) {
	case RFX_BINARY_ADD: return x + y;
	case RFX_BINARY_SUB: return x - y;
	case RFX_BINARY_MUL: return x * y;
	case RFX_BINARY_DIV: return x / y;
	case RFX_BINARY_COUNT_: break;
	}
	return 0.0f;
}

void rfx_cpu_binary(const rfx_cpu_args *a)
{
	const rfx_layer *l = a->layer;
	const rfx_tensor *yt = a->out_t;
	const rfx_binary_kind kind = (rfx_binary_kind)l->i[RFX_BINARY_KIND];
	const rfx_act act = (rfx_act)l->i[RFX_BINARY_ACT];
	const float *x = a->in[0], *z = a->in[1];
	int64_t sa[RFX_MAX_RANK], sb[RFX_MAX_RANK], n[RFX_MAX_RANK];
	float *y = a->out;

	broadcast_strides(a->in_t[0], sa);
	broadcast_strides(a->in_t[1], sb);
	for (int d = 0; d < RFX_MAX_RANK; d++) {
		int td = d - (RFX_MAX_RANK - (int)yt->rank);
		n[d] = td >= 0 ? yt->dims[td] : 1;
	}
	for (int64_t i0 = 0; i0 < n[0]; i0++)
	for (int64_t i1 = 0; i1 < n[1]; i1++)
	for (int64_t i2 = 0; i2 < n[2]; i2++)
	for (int64_t i3 = 0; i3 < n[3]; i3++)
	for (int64_t i4 = 0; i4 < n[4]; i4++) {
		const int64_t oa = i0 * sa[0] + i1 * sa[1] + i2 * sa[2] +
				   i3 * sa[3] + i4 * sa[4];
		const int64_t ob = i0 * sb[0] + i1 * sb[1] + i2 * sb[2] +
				   i3 * sb[3] + i4 * sb[4];
		for (int64_t i5 = 0; i5 < n[5]; i5++)
			*y++ = apply(kind, x[oa + i5 * sa[5]], z[ob + i5 * sb[5]]);
	}
	rfx_cpu_act_n(a->out, rfx_tensor_elements(yt), act, l->f[0], l->f[1]);
}

/* One int8 element (graph/quant.h): ADD/SUB sum the inputs rescaled to
 * s_y / T, MUL requantizes the product of the differences. */
static int8_t apply_i8(rfx_binary_kind k, int32_t x, int32_t z,
                       const rfx_quant_layer *q)
{
	int32_t v;

	if (k == RFX_BINARY_MUL) {
		v = rfx_requantize(x * z, q->in_rq[0].m, q->in_rq[0].shift);
	} else {
		v = rfx_quant_sat_add(
			rfx_requantize(x, q->in_rq[0].m, q->in_rq[0].shift),
			rfx_requantize(k == RFX_BINARY_SUB ? -z : z, q->in_rq[1].m,
				       q->in_rq[1].shift));
		v = rfx_requantize(v, q->sum_rq.m, q->sum_rq.shift);
	}
	return rfx_cpu_i8_out(v, q);
}

void rfx_cpu_binary_i8(const rfx_cpu_args *a)
{
	const rfx_tensor *yt = a->out_t;
	const rfx_quant_layer *q = a->q;
	const rfx_binary_kind kind = (rfx_binary_kind)a->layer->i[RFX_BINARY_KIND];
	const int8_t *x = a->in_raw[0], *z = a->in_raw[1];
	const int32_t zx = q->in_zp[0], zz = q->in_zp[1];
	int64_t sa[RFX_MAX_RANK], sb[RFX_MAX_RANK], n[RFX_MAX_RANK];
	int8_t *y = a->out_raw;

	broadcast_strides(a->in_t[0], sa);
	broadcast_strides(a->in_t[1], sb);
	for (int d = 0; d < RFX_MAX_RANK; d++) {
		int td = d - (RFX_MAX_RANK - (int)yt->rank);
		n[d] = td >= 0 ? yt->dims[td] : 1;
	}
	for (int64_t i0 = 0; i0 < n[0]; i0++)
	for (int64_t i1 = 0; i1 < n[1]; i1++)
	for (int64_t i2 = 0; i2 < n[2]; i2++)
	for (int64_t i3 = 0; i3 < n[3]; i3++)
	for (int64_t i4 = 0; i4 < n[4]; i4++) {
		const int64_t oa = i0 * sa[0] + i1 * sa[1] + i2 * sa[2] +
				   i3 * sa[3] + i4 * sa[4];
		const int64_t ob = i0 * sb[0] + i1 * sb[1] + i2 * sb[2] +
				   i3 * sb[3] + i4 * sb[4];
		for (int64_t i5 = 0; i5 < n[5]; i5++)
			*y++ = apply_i8(kind, x[oa + i5 * sa[5]] - zx,
					z[ob + i5 * sb[5]] - zz, q);
	}
}
