#version 450
// Winograd F(2x2, 3x3), step 3 of 3: the output transform. One invocation
// per (4 output channels, tile) reads the tile's 16 values m of
// conv_wino_gemm.comp and writes the 2x2 outputs Y = A^T m A,
//   A^T = [1 1 1 0; 0 1 -1 -1],
// then the bias, the residual and the activation as every conv kernel
// does (pixels past the output's edge are not written).
//
// With -DI8 (the int8 Winograd) m holds int32 (conv_wino_gemm.comp
// -DEXACT) and the weights were transformed by 2G instead of G (4U,
// integers): Y = A^T m A is 4 times the int8 convolution's sum, exact in
// wrapping int32 because the host takes only layers where 4 times the sum
// cannot pass 2^31 (engine/vk/ops/conv2d_wino.c), so Y >> 2 is that sum,
// and the int8 end of conv_i8_store.glsl follows.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#ifdef I8
#include "int8.glsl"
#endif

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

#ifdef I8
#define VEC ivec4
layout(binding = 0) uniform isamplerBuffer mt;  // M, RGBA32I (scratch)
layout(binding = 1) uniform isamplerBuffer prm; // RGBA32I, one per channel
layout(binding = 2) uniform isamplerBuffer res; // R8I
layout(std430, binding = 3) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint M, OH, OW;
	uint TW, T, NT;
	uint nq, nq4;
	uint m_off;
	int zy, lo, hi;
	uint has_res;
	int zr, rm, rn;   // residual -> sum scale
	int sm, sn;       // sum scale -> output
} p;

#include "conv_i8_store.glsl"
#else
#define VEC vec4
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
#endif

void main()
{
	uint id = LINEAR_ID;
	if (id >= p.nq4 * p.NT)
		return;
	uint t = id % p.NT, q = id / p.NT;
	uint n = t / p.T, tt = t % p.T;
	uint oy = 2u * (tt / p.TW), ox = 2u * (tt % p.TW);
	VEC s[16];
	for (uint xi = 0; xi < 16u; xi++)
		s[xi] = texelFetch(mt, int(p.m_off + (xi * p.nq + q) * p.NT + t));
	VEC a[8]; // A^T s: rows
	for (uint k = 0; k < 4u; k++) {
		a[k] = s[k] + s[4u + k] + s[8u + k];
		a[4u + k] = s[4u + k] - s[8u + k] - s[12u + k];
	}
	VEC o[4]; // (A^T s) A: 2x2 outputs, row-major
	for (uint r = 0; r < 2u; r++) {
		o[2u * r] = a[4u * r] + a[4u * r + 1u] + a[4u * r + 2u];
		o[2u * r + 1u] = a[4u * r + 1u] - a[4u * r + 2u] - a[4u * r + 3u];
	}
	for (uint j = 0; j < 4u; j++) {
		uint c = 4u * q + j;
		if (c >= p.M)
			break;
#ifdef I8
		ivec4 pr = texelFetch(prm, int(c));
		for (uint k = 0; k < 4u; k++) {
			uint yy = oy + k / 2u, xx = ox + k % 2u;
			if (yy < p.OH && xx < p.OW)
				store(n, c, yy * p.OW + xx, pr.x + (o[k][j] >> 2), pr);
		}
#else
		float b = texelFetch(bias, int(c)).r;
		for (uint k = 0; k < 4u; k++) {
			uint yy = oy + k / 2u, xx = ox + k % 2u;
			if (yy >= p.OH || xx >= p.OW)
				continue;
			uint idx = ((n * p.M + c) * p.OH + yy) * p.OW + xx;
			float val = o[k][j] + b;
			if (p.has_res != 0u)
				val += texelFetch(res, int(idx)).r;
			y[idx] = Y_T(apply_act(val, p.act, p.a0, p.a1));
		}
#endif
	}
}
