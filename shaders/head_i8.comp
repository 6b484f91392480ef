#version 450
// An int8 classifier head in one dispatch (engine/vk/ops/head.c): the
// integers of global_pool_i8.comp, then of fc_i8.comp, which are those of
// engine/cpu/global_pool.c and engine/cpu/fc.c (rfx_cpu_global_pool_i8,
// rfx_cpu_fc_i8), so the result is the CPU reference's, byte for byte.
// Each workgroup pools the K planes of its row into shared memory, as the
// int8 values the pool would have stored (requantized to the pooled
// tensor's scale and clamped); then each invocation computes 4 outputs.
// Inputs come through texel buffers (storage-buffer loads cost 25-35
// times as much on lavapipe); the wrapping int32 sums are exact in any
// order, so reading 4 weights at a time changes no bit.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(binding = 0) uniform isamplerBuffer x;      // R8I: the pool's input
layout(binding = 1) uniform isamplerBuffer w;      // [N][K]: RGBA8I if k4, else R8I
layout(binding = 2) uniform isamplerBuffer params; // RGBA32I, one per output
layout(std430, binding = 3) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint rows, K, N, HW;
	uint kind;       // 0 max, 1 average
	int pool_zx;     // the pool's input zero point
	int pool_m, pool_n; // its rescale to the pooled tensor's scale
	int zp;          // the pooled tensor's zero point (the FC's z_x)
	int zy, lo, hi;  // the FC's output zero point and clamp
	uint k4;         // K % 4 == 0: w read 4 of one row at a time
} p;

// The largest K a head takes (engine/vk/plan.h: RFX_PLAN_HEAD_MAX_K).
#define MAX_K 4096u
shared int xs[MAX_K];

#define OUTS 8u

int pool_plane(uint plane)
{
	int base = int(plane * p.HW);
	int v = texelFetch(x, base).r - p.pool_zx;
	if (p.kind == 0u) {
		for (uint k = 1; k < p.HW; k++)
			v = max(v, texelFetch(x, base + int(k)).r - p.pool_zx);
	} else {
		for (uint k = 1; k < p.HW; k++)
			v += texelFetch(x, base + int(k)).r - p.pool_zx;
		v = round_div(v, p.HW);
	}
	return quant_out(requant(v, p.pool_m, p.pool_n), p.zp, -128, 127);
}

void main()
{
	uint lid = gl_LocalInvocationID.x, n = gl_WorkGroupSize.x;
	uint r = gl_WorkGroupID.y;

	for (uint k = lid; k < p.K; k += n)
		xs[k] = pool_plane(r * p.K + k) - p.zp;
	barrier();
	for (uint i = 0; i < OUTS; i++) {
		uint j = (gl_WorkGroupID.x * OUTS + i) * n + lid;
		if (j >= p.N)
			return;
		ivec4 pj = texelFetch(params, int(j));
		int acc = pj.x;
		if (p.k4 != 0u) {
			int wb = int(j * (p.K / 4u));
			for (uint q = 0; q < p.K / 4u; q++) {
				ivec4 wv = texelFetch(w, wb + int(q));
				acc += xs[4u * q] * wv.x + xs[4u * q + 1u] * wv.y +
				       xs[4u * q + 2u] * wv.z + xs[4u * q + 3u] * wv.w;
			}
		} else {
			int wb = int(j * p.K);
			for (uint k = 0; k < p.K; k++)
				acc += xs[k] * texelFetch(w, wb + int(k)).r;
		}
		int v = requant(acc, pj.z, pj.w);
		y[r * p.N + j] = int8_t(quant_out(v, p.zy, p.lo, p.hi));
	}
}
