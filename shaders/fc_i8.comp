#version 450
// int8 fully connected, the arithmetic of engine/cpu/fc.c (rfx_cpu_fc_i8):
// one invocation per output (row r, feature j). params as conv2d_i8.comp.
// -DDOT: 4 k at a time as packed words and OpSDot, from the bias with
// z_x * sum(w) taken off (exact modulo 2^32, like the default path).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { int8_t x[]; };
layout(std430, binding = 0) readonly buffer Xw { uint x4[]; };
layout(std430, binding = 1) readonly buffer Wb { int8_t w[]; };
layout(std430, binding = 1) readonly buffer Ww { uint w4[]; };
layout(std430, binding = 2) readonly buffer Pb { int params[]; };
layout(std430, binding = 3) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint rows, K, N;
	int zx, zy, lo, hi;
} p;

void main()
{
	uint j = gl_GlobalInvocationID.x, r = gl_WorkGroupID.y;
	if (j >= p.N || r >= p.rows)
		return;
	uint xb = r * p.K, wb = j * p.K;
#ifndef DOT
	int acc = params[j * 4u];
	for (uint k = 0; k < p.K; k++)
		acc += (int(x[xb + k]) - p.zx) * int(w[wb + k]);
#else
	int acc = params[j * 4u + 1u];
	if ((p.K & 3u) == 0u) {
		for (uint k = 0; k < p.K; k += 4u)
			acc += DOT4(x4[(xb + k) >> 2], w4[(wb + k) >> 2]);
	} else {
		for (uint k = 0; k < p.K; k += 4u) {
			int8_t xs[4], ws[4];
			for (uint t = 0; t < 4u; t++) {
				bool in_row = k + t < p.K;
				xs[t] = in_row ? x[xb + k + t] : int8_t(0);
				ws[t] = in_row ? w[wb + k + t] : int8_t(0);
			}
			acc += DOT4(pack32(i8vec4(xs[0], xs[1], xs[2], xs[3])),
				    pack32(i8vec4(ws[0], ws[1], ws[2], ws[3])));
		}
	}
#endif
	int v = requant(acc, params[j * 4u + 2u], params[j * 4u + 3u]);
	y[r * p.N + j] = int8_t(quant_out(v, p.zy, p.lo, p.hi));
}
