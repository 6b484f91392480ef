/* fp16 <-> fp32 by bit manipulation (see half.h). */
#include <string.h>

#include "graph/half.h"

uint16_t rfx_f32_to_f16(float f)
{
	uint32_t x, sign, exp, mant, full, shift, rem, halfway, m;
	int e;

	memcpy(&x, &f, sizeof(x));
	sign = (x >> 16) & 0x8000u;
	exp = (x >> 23) & 0xffu;
	mant = x & 0x7fffffu;

	if (exp == 0xffu) /* inf, or NaN kept quiet and non-zero */
		return (uint16_t)(sign | 0x7c00u |
				  (mant ? 0x200u | (mant >> 13) : 0u));
	e = (int)exp - 127 + 15;
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00u);
	if (e >= 1) {
		/* Normal: drop 13 mantissa bits, round to nearest even. A
		 * carry out of the mantissa bumps the exponent, which is right
		 * (and gives inf from the largest binade). */
		uint32_t h = ((uint32_t)e << 10) | (mant >> 13);
		rem = mant & 0x1fffu;
		if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
			h++;
		return (uint16_t)(sign | h);
	}
	/* Subnormal result, in units of 2^-24: the float is
	 * full * 2^(exp - 150) = full * 2^(e - 14) units, e <= 0. */
	shift = (uint32_t)(14 - e);
	if (shift >= 32)
		return (uint16_t)sign;
	full = mant | 0x800000u;
	m = full >> shift;
	rem = full & ((1u << shift) - 1u);
	halfway = 1u << (shift - 1);
	if (rem > halfway || (rem == halfway && (m & 1u)))
		m++; /* 1024 is the smallest normal: the encoding carries over */
	return (uint16_t)(sign | m);
}

float rfx_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	uint32_t exp = (h >> 10) & 0x1fu;
	uint32_t mant = h & 0x3ffu;
	uint32_t x;
	float f;

	if (exp == 0) {
		/* Zero or subnormal: mant * 2^-24, exact in a float. */
		f = (float)mant * 0x1p-24f;
		return sign ? -f : f;
	}
	if (exp == 31)
		x = sign | 0x7f800000u | (mant << 13);
	else
		x = sign | ((exp + 112u) << 23) | (mant << 13);
	memcpy(&f, &x, sizeof(f));
	return f;
}

float rfx_round_f16(float f)
{
	return rfx_f16_to_f32(rfx_f32_to_f16(f));
}

void rfx_f32_to_f16_n(uint16_t *dst, const float *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = rfx_f32_to_f16(src[i]);
}

void rfx_f16_to_f32_n(float *dst, const uint16_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = rfx_f16_to_f32(src[i]);
}
