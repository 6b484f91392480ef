#version 450
// Winograd F(4x4, 3x3), step 3 of 3: the output transform. One invocation
// per (4 output channels, tile) reads the tile's 36 values m of
// conv_wino_gemm.comp and writes the 4x4 outputs Y = A^T m A,
//   A^T = [1 1 1 1 1 0;  0 1 -1 2 -2 0;  0 1 1 4 4 0;  0 1 -1 8 -8 1],
// then the bias, the residual and the activation as every conv kernel
// does (pixels past the output's edge are not written).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform samplerBuffer mt;   // M, RGBA32F (scratch)
layout(binding = 1) uniform samplerBuffer bias; // R, fp32
layout(binding = 2) uniform samplerBuffer res;  // R
layout(std430, binding = 3) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint M, OH, OW;
	uint TW, T, NT;
	uint nq, nq4;  // quads in M's layout; quads holding output channels
	uint m_off;    // first texel of M in the scratch buffer
	uint act;
	float a0, a1;
	uint has_res;
} p;

#include "activation.glsl"

void main()
{
	uint id = LINEAR_ID;
	if (id >= p.nq4 * p.NT)
		return;
	uint t = id % p.NT, q = id / p.NT;
	uint n = t / p.T, tt = t % p.T;
	uint oy = 4u * (tt / p.TW), ox = 4u * (tt % p.TW);
	vec4 a[24]; // A^T s: rows
	for (uint k = 0; k < 6u; k++) {
		vec4 s0 = texelFetch(mt, int(p.m_off + (k * p.nq + q) * p.NT + t));
		vec4 s1 = texelFetch(mt, int(p.m_off + ((6u + k) * p.nq + q) * p.NT + t));
		vec4 s2 = texelFetch(mt, int(p.m_off + ((12u + k) * p.nq + q) * p.NT + t));
		vec4 s3 = texelFetch(mt, int(p.m_off + ((18u + k) * p.nq + q) * p.NT + t));
		vec4 s4 = texelFetch(mt, int(p.m_off + ((24u + k) * p.nq + q) * p.NT + t));
		vec4 s5 = texelFetch(mt, int(p.m_off + ((30u + k) * p.nq + q) * p.NT + t));
		a[k] = s0 + s1 + s2 + s3 + s4;
		a[6u + k] = s1 - s2 + 2.0 * (s3 - s4);
		a[12u + k] = s1 + s2 + 4.0 * (s3 + s4);
		a[18u + k] = s1 - s2 + 8.0 * (s3 - s4) + s5;
	}
	vec4 b;
	for (uint j = 0; j < 4u; j++)
		b[j] = texelFetch(bias, int(min(4u * q + j, p.M - 1u))).r;
	for (uint r = 0; r < 4u; r++) {
		vec4 a0 = a[6u * r], a1 = a[6u * r + 1u], a2 = a[6u * r + 2u];
		vec4 a3 = a[6u * r + 3u], a4 = a[6u * r + 4u], a5 = a[6u * r + 5u];
		vec4 o[4];
		o[0] = a0 + a1 + a2 + a3 + a4 + b;
		o[1] = a1 - a2 + 2.0 * (a3 - a4) + b;
		o[2] = a1 + a2 + 4.0 * (a3 + a4) + b;
		o[3] = a1 - a2 + 8.0 * (a3 - a4) + a5 + b;
		uint yy = oy + r;
		if (yy >= p.OH)
			break;
		for (uint j = 0; j < 4u; j++) {
			uint c = 4u * q + j;
			if (c >= p.M)
				break;
			for (uint k = 0; k < 4u; k++) {
				uint xx = ox + k;
				if (xx >= p.OW)
					break;
				uint idx = ((n * p.M + c) * p.OH + yy) * p.OW + xx;
				float val = o[k][j];
				if (p.has_res != 0u)
					val += texelFetch(res, int(idx)).r;
				y[idx] = Y_T(apply_act(val, p.act, p.a0, p.a1));
			}
		}
	}
}
