#version 450
// Global average or max pooling over H x W: one invocation per (n, c).
// CPU reference: engine/cpu/global_pool.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint NC, HW;
	uint kind; // 0 max, 1 average
} p;

void main()
{
	uint i = LINEAR_ID;
	if (i >= p.NC)
		return;
	uint base = i * p.HW;
	float acc = p.kind == 0u ? -1.0 / 0.0 : 0.0;
	for (uint k = 0; k < p.HW; k++) {
		float v = float(x[base + k]);
		acc = p.kind == 0u ? max(acc, v) : acc + v;
	}
	if (p.kind != 0u)
		acc /= float(p.HW);
	y[i] = Y_T(acc);
}
