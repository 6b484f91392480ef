#version 450
// Fully connected: y[r, j] = act(sum_k x[r, k] * w[j, k] + b[j]).
// CPU reference: engine/cpu/fc.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) readonly buffer Wb { W_T w[]; };
layout(std430, binding = 2) readonly buffer Bb { float bias[]; };
layout(std430, binding = 3) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint rows, K, N;
	uint act;
	float a0, a1;
} p;

#include "activation.glsl"

void main()
{
	uint j = gl_GlobalInvocationID.x, r = gl_GlobalInvocationID.y;
	if (j >= p.N || r >= p.rows)
		return;
	float acc = bias[j];
	uint xb = r * p.K, wb = j * p.K;
	for (uint k = 0; k < p.K; k++)
		acc += float(x[xb + k]) * float(w[wb + k]);
	y[r * p.N + j] = Y_T(apply_act(acc, p.act, p.a0, p.a1));
}
