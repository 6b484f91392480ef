#version 450
// int8 global max/average pooling, the arithmetic of
// engine/cpu/global_pool.c (rfx_cpu_global_pool_i8): one invocation per
// plane, or a workgroup per plane as in global_pool.comp; the average
// rounds half away from zero; then R(v; s_x / s_y).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { int8_t x[]; };
layout(std430, binding = 1) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint nc, hw, kind;
	int zx, zy, m, n;
	uint wide; // a workgroup of 64 per plane (global_pool.comp)
} p;

int combine(int a, int b)
{
	return p.kind == 0u ? max(a, b) : a + b;
}

#define PR_T int
#define PR_VALUE(i) (int(x[i]) - p.zx)
#include "plane_reduce.glsl"

void store(uint i, int v)
{
	if (p.kind != 0u)
		v = round_div(v, p.hw);
	y[i] = int8_t(quant_out(requant(v, p.m, p.n), p.zy, -128, 127));
}

void main()
{
	// x - z_x >= -255: below it is "no value yet" for the max.
	int acc = p.kind == 0u ? -256 : 0;
	if (p.wide != 0u) {
		uint plane;
		int r = reduce_plane(p.nc, p.hw, acc, plane);
		if (gl_LocalInvocationID.x == 0u && plane < p.nc)
			store(plane, r);
		return;
	}
	uint i = LINEAR_ID;
	if (i >= p.nc)
		return;
	uint base = i * p.hw;
	for (uint k = 0; k < p.hw; k++)
		acc = combine(acc, int(x[base + k]) - p.zx);
	store(i, acc);
}
