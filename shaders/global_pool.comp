#version 450
// Global average or max pooling over H x W: one invocation per (n, c), or
// with wide (planes of GLOBAL_POOL_WIDE values and more) one workgroup per
// plane, each of its invocations reducing every 64th value, then a tree in
// shared memory (no invocation loops once per value: lavapipe ends loops
// after 65535 iterations, and a large plane is work for many lanes).
// CPU reference: engine/cpu/global_pool.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint NC, HW;
	uint kind; // 0 max, 1 average
	uint wide; // a workgroup of 64 per plane
} p;

float combine(float a, float b)
{
	return p.kind == 0u ? max(a, b) : a + b;
}

#define PR_T float
#define PR_VALUE(i) float(x[i])
#include "plane_reduce.glsl"

void main()
{
	float acc = p.kind == 0u ? -1.0 / 0.0 : 0.0;
	if (p.wide != 0u) {
		uint plane;
		float r = reduce_plane(p.NC, p.HW, acc, plane);
		if (gl_LocalInvocationID.x == 0u && plane < p.NC)
			y[plane] = Y_T(p.kind == 0u ? r : r / float(p.HW));
		return;
	}
	uint i = LINEAR_ID;
	if (i >= p.NC)
		return;
	uint base = i * p.HW;
	for (uint k = 0; k < p.HW; k++)
		acc = combine(acc, float(x[base + k]));
	if (p.kind != 0u)
		acc /= float(p.HW);
	y[i] = Y_T(acc);
}
