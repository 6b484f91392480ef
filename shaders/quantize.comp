#version 450
// QUANTIZE: float (X fp32 or fp16) -> int8 with rfx_quantize_value()
// (engine/cpu/quantize.c): y = clamp(round_even(x * inv_scale) + zp).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint n;
	float inv_scale;
	int zp;
} p;

void main()
{
	uint i = LINEAR_ID;
	if (i >= p.n)
		return;
	y[i] = int8_t(quantize_value(float(x[i]), p.inv_scale, p.zp));
}
