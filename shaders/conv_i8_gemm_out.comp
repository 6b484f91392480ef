#version 450
// int8 1x1 convolution as a GEMM, step 3 of 3: M (int32, the exact sums of
// conv_wino_gemm.comp -DEXACT, 4 output channels per texel) plus bias_q,
// then the int8 end of conv_i8_store.glsl. One invocation per (4 output
// channels, PB output pixels): each channel's parameters fetched once.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

#define PB 8

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform isamplerBuffer mt;  // M, RGBA32I (scratch)
layout(binding = 1) uniform isamplerBuffer prm; // RGBA32I, one per channel
layout(binding = 2) uniform isamplerBuffer res; // R8I
layout(std430, binding = 3) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint M, OH, OW;
	uint TW, T, NT;   // output width, pixels per image, pixels of the batch
	uint nq, nq4;     // quads in M's layout; quads holding output channels
	uint m_off;       // first texel of M in the scratch buffer
	int zy, lo, hi;
	uint has_res;
	int zr, rm, rn;   // residual -> sum scale
	int sm, sn;       // sum scale -> output
} p;

#include "conv_i8_store.glsl"

void main()
{
	uint id = LINEAR_ID, ntb = (p.NT + PB - 1u) / PB;
	if (id >= p.nq4 * ntb)
		return;
	uint t0 = (id % ntb) * PB, q = id / ntb;
	ivec4 s[PB];
	for (uint i = 0; i < PB; i++)
		s[i] = texelFetch(mt, int(p.m_off + q * p.NT + min(t0 + i, p.NT - 1u)));
	for (uint j = 0; j < 4u; j++) {
		uint c = 4u * q + j;
		if (c >= p.M)
			break;
		ivec4 pr = texelFetch(prm, int(c));
		for (uint i = 0; i < PB; i++) {
			uint t = t0 + i;
			if (t < p.NT)
				store(t / p.T, c, t % p.T, pr.x + s[i][j], pr);
		}
	}
}
