#version 450
// int8 convolution (group 1, any KxK, stride, padding, dilation) reading
// every input through uniform texel buffers, 4 input channels per fetch:
// X packed by shaders/repack_c4_i8.comp as [N][ceil(C/4)][H*W] words of 4
// int8 (an RGBA8I view), the weights packed once per session as
// [ceil(M/8)][ceil(C/4)][KH*KW][8][4] int8 (engine/vk/ops/conv2d_tb.c;
// missing channels zero). One invocation computes 8 output channels x PB
// pixels in int32: per kernel tap and 4 channels, 8 weight + 8 pixel
// fetches for 256 multiply-adds, done as fp32 FMAs over up to 128 taps
// (exact: see below) and added to the int32 sums between. The layer's parameter block
// (engine/vk/ops/int8_params.c) is read as one RGBA32I texel per channel:
// bias_q, -, multiplier, shift. The integers are those of
// engine/cpu/conv2d.c (rfx_cpu_conv2d_i8): acc = bias_q + sum over the taps
// inside the input of (x - z_x) * w in wrapping int32, so the order of the
// sum cannot change them; then the requantization of conv2d_i8.comp.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

#define PB 8

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform isamplerBuffer x;   // packed by 4, RGBA8I
layout(binding = 1) uniform isamplerBuffer w;   // packed, RGBA8I
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

void main()
{
	uint id = LINEAR_ID, n = gl_WorkGroupID.z;
	if (id >= p.npb * p.nmb)
		return;
	uint pb = id % p.npb, mb = id / p.npb;
	uint HW = p.OH * p.OW, p0 = pb * PB;
	uint C4n = (p.C + 3u) / 4u, KK = p.KH * p.KW;
	ivec4 b0, b1;
	for (uint j = 0; j < 4u; j++) {
		b0[j] = texelFetch(prm, int(min(8u * mb + j, p.M - 1u))).x;
		b1[j] = texelFetch(prm, int(min(8u * mb + 4u + j, p.M - 1u))).x;
	}
	ivec4 acc0[PB], acc1[PB];
	int iy0[PB], ix0[PB];
	for (uint i = 0; i < PB; i++) {
		uint px = min(p0 + i, HW - 1u);
		iy0[i] = int((px / p.OW) * p.SH) - int(p.PT);
		ix0[i] = int((px % p.OW) * p.SW) - int(p.PL);
		acc0[i] = b0;
		acc1[i] = b1;
	}
	int xbase = int(n * C4n * p.H * p.W);
	int wt = int(mb * C4n * KK * 8u);
	// The multiply-adds run in fp32 FMAs: products of at most 255 * 128,
	// 4 per tap, so over at most 128 taps (kernel rows, then channel
	// blocks) every partial sum is an integer below 2^24 and exact; the
	// sums join the int32 ones before a row would pass that (a 1x1
	// layer's every 128 channel blocks, a 3x3's every 42 rows).
	vec4 f0[PB], f1[PB];
	for (uint i = 0; i < PB; i++) {
		f0[i] = vec4(0.0);
		f1[i] = vec4(0.0);
	}
	uint taps = 0u; // in f0, f1
	for (uint c4 = 0; c4 < C4n; c4++) {
		for (uint ky = 0; ky < p.KH; ky++) {
			if (taps + p.KW > 128u) {
				for (uint i = 0; i < PB; i++) {
					acc0[i] += ivec4(f0[i]);
					acc1[i] += ivec4(f1[i]);
					f0[i] = vec4(0.0);
					f1[i] = vec4(0.0);
				}
				taps = 0u;
			}
			for (uint kx = 0; kx < p.KW; kx++) {
				vec4 wv[8];
				for (uint j = 0; j < 8u; j++)
					wv[j] = vec4(texelFetch(w, wt + int(j)));
				wt += 8;
				for (uint i = 0; i < PB; i++) {
					int iy = iy0[i] + int(ky * p.DH), ix = ix0[i] + int(kx * p.DW);
					bool in_ = iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W);
					vec4 xv = vec4(texelFetch(x, in_ ? xbase + iy * int(p.W) + ix : 0) - ivec4(p.zx));
					if (!in_)
						xv = vec4(0.0);
					f0[i] += vec4(dot(wv[0], xv), dot(wv[1], xv), dot(wv[2], xv), dot(wv[3], xv));
					f1[i] += vec4(dot(wv[4], xv), dot(wv[5], xv), dot(wv[6], xv), dot(wv[7], xv));
				}
			}
			taps += p.KW;
		}
		xbase += int(p.H * p.W);
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
				store(n, m, p0 + i, j < 4u ? acc0[i][j] : acc1[i][j - 4u], pr);
	}
}
