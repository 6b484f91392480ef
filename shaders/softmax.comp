#version 450
// Softmax over `len` elements spaced `inner` apart: the input viewed as
// [outer, len, inner]; one invocation per (outer, inner) row. Subtracting the
// row maximum keeps exp() finite. CPU reference: engine/cpu/softmax.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint outer, len, inner;
} p;

void main()
{
	uint i = LINEAR_ID;
	if (i >= p.outer * p.inner)
		return;
	uint base = (i / p.inner) * p.len * p.inner + i % p.inner;
	float m = -1.0 / 0.0;
	for (uint k = 0; k < p.len; k++)
		m = max(m, float(x[base + k * p.inner]));
	float s = 0.0;
	for (uint k = 0; k < p.len; k++)
		s += exp(float(x[base + k * p.inner]) - m);
	for (uint k = 0; k < p.len; k++)
		y[base + k * p.inner] = Y_T(exp(float(x[base + k * p.inner]) - m) / s);
}
