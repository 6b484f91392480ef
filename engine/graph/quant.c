/* int8 arithmetic: the definitions documented in quant.h. */
#include <float.h>
#include <math.h>

#include "graph/quant.h"

int rfx_quant_multiplier(double real, int32_t *m, int32_t *shift)
{
	int e;
	double q;
	long long mant;

	*m = 0;
	*shift = 31;
	if (isnan(real) || real < 0.0 || real >= 1073741824.0 /* 2^30 */)
		return -1;
	if (real == 0.0)
		return 0;
	q = frexp(real, &e); /* real = q * 2^e, q in [0.5, 1) */
	mant = llround(q * 2147483648.0);
	if (mant == 2147483648LL) {
		mant /= 2;
		e++;
	}
	if (31 - e > 62)
		return 0; /* real < 2^-32: rounds every int32 to 0 */
	if (31 - e < 1)
		return -1; /* cannot happen below 2^30; kept as a guard */
	*m = (int32_t)mant;
	*shift = 31 - e;
	return 0;
}

/* floor(v / 2^n) without relying on >> of a negative value. */
static int64_t floor_shift(int64_t v, int n)
{
	if (v >= 0)
		return v >> n;
	return -(int64_t)(((uint64_t)(-(v + 1)) >> n) + 1);
}

int32_t rfx_requantize(int32_t acc, int32_t m, int32_t shift)
{
	int64_t p = (int64_t)acc * m; /* |p| < 2^62 */
	int64_t r = floor_shift(p + ((int64_t)1 << (shift - 1)) - (p < 0), shift);

	if (r > INT32_MAX)
		return INT32_MAX;
	if (r < INT32_MIN)
		return INT32_MIN;
	return (int32_t)r;
}

int32_t rfx_requantize_real(int32_t acc, double real)
{
	int32_t m, s;

	rfx_quant_multiplier(real, &m, &s);
	return rfx_requantize(acc, m, s);
}

float rfx_quant_inv_scale(float scale)
{
	return (float)(1.0 / (double)scale);
}

int8_t rfx_quantize_value(float x, float inv_scale, int32_t zp)
{
	volatile float prod = x * inv_scale; /* one rounding, no contraction */
	float v = prod, fl, half;
	int32_t r;

	if (isnan(v))
		v = 0.0f;
	if (v < -256.0f)
		v = -256.0f;
	if (v > 256.0f)
		v = 256.0f;
	fl = floorf(v);
	half = fl + 0.5f; /* exact for |fl| <= 256 */
	r = (int32_t)fl;
	if (v > half || (v == half && (r & 1)))
		r++;
	r += zp;
	return (int8_t)(r < RFX_QUANT_MIN ? RFX_QUANT_MIN :
			r > RFX_QUANT_MAX ? RFX_QUANT_MAX : r);
}

float rfx_dequantize_value(int32_t q, float scale, int32_t zp)
{
	volatile float prod = (float)(q - zp) * scale;

	return prod;
}

int32_t rfx_quant_round_div(int32_t sum, int32_t count)
{
	uint32_t mag = sum < 0 ? 0u - (uint32_t)sum : (uint32_t)sum;
	uint32_t qt = (mag + (uint32_t)count / 2u) / (uint32_t)count;

	return sum < 0 ? -(int32_t)qt : (int32_t)qt;
}

int32_t rfx_quant_sat_add(int32_t a, int32_t b)
{
	int64_t s = (int64_t)a + b;

	if (s > INT32_MAX)
		return INT32_MAX;
	if (s < INT32_MIN)
		return INT32_MIN;
	return (int32_t)s;
}

/* Round half to even for a double (host only). */
static double round_even(double v)
{
	double fl = floor(v), d = v - fl;

	if (d > 0.5 || (d == 0.5 && fmod(fl, 2.0) != 0.0))
		return fl + 1.0;
	return fl;
}

void rfx_quant_range(float lo, float hi, float *scale, int32_t *zp)
{
	double l, h, s, z;

	if (isnan(lo) || isnan(hi)) {
		*scale = 1.0f;
		*zp = 0;
		return;
	}
	l = lo < 0.0f ? lo : 0.0;
	h = hi > 0.0f ? hi : 0.0;
	if (!(h - l > 0.0)) {
		*scale = 1.0f;
		*zp = 0;
		return;
	}
	if (isinf(l))
		l = -FLT_MAX;
	if (isinf(h))
		h = FLT_MAX;
	s = (h - l) / 255.0;
	*scale = (float)s;
	if (!(*scale >= FLT_MIN))
		*scale = FLT_MIN;
	z = -128.0 + round_even(-l / (double)*scale);
	*zp = z < -128.0 ? -128 : z > 127.0 ? 127 : (int32_t)z;
}

float rfx_quant_weights(const float *w, uint64_t n, int8_t *q)
{
	float amax = 0.0f, scale, inv;

	for (uint64_t i = 0; i < n; i++) {
		float a = fabsf(w[i]);
		if (isfinite(a) && a > amax)
			amax = a;
	}
	scale = amax / (float)RFX_QUANT_WEIGHT_MAX;
	if (!(scale > 0.0f)) {
		for (uint64_t i = 0; i < n; i++)
			q[i] = 0;
		return 0.0f;
	}
	inv = rfx_quant_inv_scale(scale);
	for (uint64_t i = 0; i < n; i++) {
		int8_t v = isfinite(w[i]) ? rfx_quantize_value(w[i], inv, 0) : 0;
		q[i] = v < -RFX_QUANT_WEIGHT_MAX ? -RFX_QUANT_WEIGHT_MAX : v;
	}
	return scale;
}

void rfx_quant_weights_per_channel(const float *w, uint32_t channels,
                                   uint64_t per_channel, int8_t *q,
                                   float *scales)
{
	for (uint32_t c = 0; c < channels; c++)
		scales[c] = rfx_quant_weights(w + c * per_channel, per_channel,
					      q + c * per_channel);
}

int32_t rfx_quant_bias(float b, float x_scale, float w_scale)
{
	double den = (double)x_scale * (double)w_scale, v;

	if (den == 0.0 || isnan(b) || isnan(den))
		return 0;
	v = (double)b / den;
	if (v >= 2147483647.0)
		return INT32_MAX;
	if (v <= -2147483648.0)
		return INT32_MIN;
	return (int32_t)llround(v);
}
