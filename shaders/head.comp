#version 450
// A classifier head in one dispatch (engine/vk/ops/head.c): global average
// or max pooling of x [planes, HW] -> [rows, K] (a Reshape between them is
// only a view), then a fully connected layer of N outputs with its
// activation. Each workgroup pools the K planes of its row into shared
// memory (every workgroup of a row pools them again: cheaper here than a
// second dispatch), then each invocation computes 8 outputs.
//
// The arithmetic is the unfused layers', in their order: the pool as
// engine/cpu/global_pool.c, rounded to the pooled tensor's storage type,
// and the sum from the bias in increasing k as engine/cpu/fc.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(binding = 0) uniform samplerBuffer x;    // R: the pool's input
layout(binding = 1) uniform samplerBuffer w;    // [N][K]: RGBA if k4, else R
layout(binding = 2) uniform samplerBuffer bias; // R, fp32
layout(std430, binding = 3) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint rows, K, N, HW;
	uint kind;     // 0 max, 1 average
	uint act;
	float a0, a1;
	uint k4;       // K % 4 == 0: w read a vec4 of one row at a time
	uint round16;  // the pooled tensor is fp16
} p;

#include "activation.glsl"

// The largest K a head takes (engine/vk/plan.h: RFX_PLAN_HEAD_MAX_K).
#define MAX_K 4096u
shared float xs[MAX_K];

float pool_plane(uint plane)
{
	int base = int(plane * p.HW);
	float acc = p.kind == 0u ? -1.0 / 0.0 : 0.0;
	for (uint k = 0; k < p.HW; k++) {
		float v = texelFetch(x, base + int(k)).r;
		acc = p.kind == 0u ? max(acc, v) : acc + v;
	}
	if (p.kind != 0u)
		acc /= float(p.HW);
	if (p.round16 != 0u)
		acc = unpackHalf2x16(packHalf2x16(vec2(acc, 0.0))).x;
	return acc;
}

// Outputs 8 jb .. 8 jb + 7 of row r.
void fc_block(uint r, uint jb)
{
	float acc[8];
	uint j0 = 8u * jb;
	for (uint i = 0; i < 8u; i++)
		acc[i] = texelFetch(bias, int(min(j0 + i, p.N - 1u))).r;
	if (p.k4 != 0u) {
		uint k4n = p.K / 4u;
		for (uint q = 0; q < k4n; q++) {
			vec4 xv = vec4(xs[4u * q], xs[4u * q + 1u], xs[4u * q + 2u],
				       xs[4u * q + 3u]);
			for (uint i = 0; i < 8u; i++) {
				vec4 wv = texelFetch(w, int(min(j0 + i, p.N - 1u) * k4n + q));
				acc[i] += wv.x * xv.x;
				acc[i] += wv.y * xv.y;
				acc[i] += wv.z * xv.z;
				acc[i] += wv.w * xv.w;
			}
		}
	} else {
		for (uint k = 0; k < p.K; k++)
			for (uint i = 0; i < 8u; i++)
				acc[i] += texelFetch(w, int(min(j0 + i, p.N - 1u) * p.K + k)).r *
					  xs[k];
	}
	for (uint i = 0; i < 8u; i++)
		if (j0 + i < p.N)
			y[r * p.N + j0 + i] = Y_T(apply_act(acc[i], p.act, p.a0, p.a1));
}

void main()
{
	uint lid = gl_LocalInvocationID.x, n = gl_WorkGroupSize.x;
	uint r = gl_WorkGroupID.y, nb = (p.N + 7u) / 8u;

	for (uint k = lid; k < p.K; k += n)
		xs[k] = pool_plane(r * p.K + k);
	barrier();
	uint jb = gl_WorkGroupID.x * n + lid;
	if (jb < nb)
		fc_block(r, jb);
}
