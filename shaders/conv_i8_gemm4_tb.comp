#version 450
// int8 1x1 convolution, stride 1, no padding, in one dispatch: X (NCHW
// int8, N*C*H*W % 4 == 0) read through an RGBA8I view, 4 consecutive
// pixels of a channel per fetch, as conv_tb.comp's GEMM XV4 reads fp32;
// the weights packed once per session as fp32 quads [ceil(M/8)*2][C][4]
// (the packing of conv_gemm4_tb, integers). One invocation: 8 output
// channels x PB pixels. (x - z_x) * w in fp32 FMAs, one product per sum
// per channel: 512 products of at most 255 * 128 stay below 2^24, so the
// sums are exact integers and join the int32 sums every 512 channels.
// Then the int8 end of conv_i8_store.glsl: bit for bit engine/cpu/conv2d.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

#define PB 8

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform isamplerBuffer x;   // RGBA8I: 4 pixels
layout(binding = 1) uniform samplerBuffer w;    // packed quads, RGBA32F
layout(binding = 2) uniform isamplerBuffer prm; // RGBA32I, one per channel
layout(binding = 3) uniform isamplerBuffer res; // R8I
layout(std430, binding = 4) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint C, H, W;
	uint M, OH, OW;
	uint KH, KW;
	uint SH, SW, PT, PL, DH, DW;
	uint npb, nmb;
	int zx, zy, lo, hi;
	uint has_res;
	int zr, rm, rn;   // residual -> sum scale
	int sm, sn;       // sum scale -> output
} p;

#include "conv_i8_store.glsl"

// Texel q of X minus the zero point, as floats (exact), for pixels8.glsl.
#define TEXEL(q) vec4(texelFetch(x, q) - ivec4(p.zx))
#include "pixels8.glsl"

void main()
{
	uint id = LINEAR_ID, n = gl_WorkGroupID.z;
	if (id >= p.npb * p.nmb)
		return;
	uint pb = id % p.npb, mb = id / p.npb;
	uint HW = p.OH * p.OW, p0 = pb * PB;
	int w0 = int(2u * mb * p.C), w1 = int((2u * mb + 1u) * p.C);
	vec4 f0[PB], f1[PB];
	ivec4 acc0[PB], acc1[PB];
	for (uint i = 0; i < PB; i++) {
		f0[i] = f1[i] = vec4(0.0);
		acc0[i] = acc1[i] = ivec4(0);
	}
	uint e = (n * p.C) * HW + p0;
	int qmax = int(gl_NumWorkGroups.z * p.C * HW / 4u) - 1;
	for (uint c = 0; c < p.C; c++) {
		vec4 wa = texelFetch(w, w0 + int(c)), wb = texelFetch(w, w1 + int(c));
		vec4 xv[2];
		pixels8(e, qmax, xv);
		for (uint i = 0; i < PB / 4; i++) {
			for (uint k = 0; k < 4; k++) {
				f0[4 * i + k] += wa * xv[i][k];
				f1[4 * i + k] += wb * xv[i][k];
			}
		}
		if ((c & 511u) == 511u) {
			for (uint i = 0; i < PB; i++) {
				acc0[i] += ivec4(f0[i]);
				acc1[i] += ivec4(f1[i]);
				f0[i] = f1[i] = vec4(0.0);
			}
		}
		e += HW;
	}
	for (uint i = 0; i < PB; i++) {
		acc0[i] += ivec4(f0[i]);
		acc1[i] += ivec4(f1[i]);
	}
	for (uint j = 0; j < 8u; j++) {
		uint m = 8u * mb + j;
		if (m >= p.M)
			break;
		ivec4 pr = texelFetch(prm, int(m));
		for (uint i = 0; i < PB; i++)
			if (p0 + i < HW)
				store(n, m, p0 + i, pr.x + (j < 4u ? acc0[i][j] : acc1[i][j - 4u]), pr);
	}
}
