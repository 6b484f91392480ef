#version 450
// DEQUANTIZE: int8 -> float, y = (float)(x - zp) * scale, one fp32
// multiply (engine/cpu/dequantize.c). -DY_F16: the product is rounded to
// fp16 by the bit manipulation of engine/graph/half.c (round to nearest
// even), not by a conversion whose rounding a device may choose, and
// stored as its 16 bits.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { int8_t x[]; };
#ifdef Y_F16
layout(std430, binding = 1) writeonly buffer Yb { uint16_t y[]; };
#else
layout(std430, binding = 1) writeonly buffer Yb { float y[]; };
#endif

layout(push_constant) uniform P {
	uint n;
	float scale;
	int zp;
} p;

#ifdef Y_F16
// rfx_f32_to_f16()
uint f32_to_f16(float f)
{
	uint u = floatBitsToUint(f);
	uint sign = (u >> 16) & 0x8000u, e8 = (u >> 23) & 0xffu, mant = u & 0x7fffffu;
	if (e8 == 0xffu)
		return sign | 0x7c00u | (mant != 0u ? 0x200u | (mant >> 13) : 0u);
	int e = int(e8) - 127 + 15;
	if (e >= 31)
		return sign | 0x7c00u;
	if (e >= 1) {
		uint h = (uint(e) << 10) | (mant >> 13), rem = mant & 0x1fffu;
		if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0u))
			h++;
		return sign | h;
	}
	uint shift = uint(14 - e);
	if (shift >= 32u)
		return sign;
	uint full = mant | 0x800000u, m = full >> shift;
	uint rem = full & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);
	if (rem > halfway || (rem == halfway && (m & 1u) != 0u))
		m++;
	return sign | m;
}
#endif

void main()
{
	uint i = LINEAR_ID;
	if (i >= p.n)
		return;
	precise float v = float(int(x[i]) - p.zp) * p.scale;
#ifdef Y_F16
	y[i] = uint16_t(f32_to_f16(v));
#else
	y[i] = v;
#endif
}
