#version 450
// Fully connected through uniform texel buffers: one invocation computes 8
// outputs (two vec4 of the packed weights [ceil(N/8)*2][K][4], packed once
// at session creation) of one row. The sum runs in the reference's order
// (bias, then k), as engine/cpu/fc.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform samplerBuffer x;    // R
layout(binding = 1) uniform samplerBuffer w;    // packed, RGBA
layout(binding = 2) uniform samplerBuffer bias; // R, fp32
layout(std430, binding = 3) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint rows, K, N;
	uint act;
	float a0, a1;
	uint nb;      // ceil(N / 8)
} p;

#include "activation.glsl"

void main()
{
	uint id = LINEAR_ID;
	if (id >= p.nb * p.rows)
		return;
	uint jb = id % p.nb, r = id / p.nb;
	int w0 = int(2u * jb * p.K), w1 = int((2u * jb + 1u) * p.K);
	vec4 acc0, acc1;
	for (uint j = 0; j < 4; j++) {
		acc0[j] = texelFetch(bias, int(min(8u * jb + j, p.N - 1u))).r;
		acc1[j] = texelFetch(bias, int(min(8u * jb + 4u + j, p.N - 1u))).r;
	}
	int xb = int(r * p.K);
	for (uint k = 0; k < p.K; k++) {
		float xv = texelFetch(x, xb + int(k)).r;
		acc0 += texelFetch(w, w0 + int(k)) * xv;
		acc1 += texelFetch(w, w1 + int(k)) * xv;
	}
	for (uint j = 0; j < 4; j++) {
		uint j0 = 8u * jb + j, j1 = j0 + 4u;
		if (j0 < p.N)
			y[r * p.N + j0] = Y_T(apply_act(acc0[j], p.act, p.a0, p.a1));
		if (j1 < p.N)
			y[r * p.N + j1] = Y_T(apply_act(acc1[j], p.act, p.a0, p.a1));
	}
}
