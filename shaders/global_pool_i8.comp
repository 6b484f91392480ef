#version 450
// int8 global max/average pooling, the arithmetic of
// engine/cpu/global_pool.c (rfx_cpu_global_pool_i8): one invocation per
// plane; the average rounds half away from zero; then R(v; s_x / s_y).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { int8_t x[]; };
layout(std430, binding = 1) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint nc, hw, kind;
	int zx, zy, m, n;
} p;

void main()
{
	uint i = LINEAR_ID;
	if (i >= p.nc)
		return;
	uint base = i * p.hw;
	int v = int(x[base]) - p.zx;
	if (p.kind == 0u) {
		for (uint k = 1; k < p.hw; k++)
			v = max(v, int(x[base + k]) - p.zx);
	} else {
		for (uint k = 1; k < p.hw; k++)
			v += int(x[base + k]) - p.zx;
		v = round_div(v, p.hw);
	}
	y[i] = int8_t(quant_out(requant(v, p.m, p.n), p.zy, -128, 127));
}
