#version 450
// int8 depthwise convolution (group == C, M = C * multiplier, any KxK,
// stride, padding, dilation) reading every input through uniform texel
// buffers (R8I views of X, the weights [M][KH][KW] and the residual; the
// parameter block as one RGBA32I texel per channel, as conv_i8_c4_tb.comp
// reads it). One invocation: one output channel x PB consecutive pixels of
// an output row, each weight fetched once for the PB pixels. A depthwise
// sum has only KH*KW terms: plain int32 arithmetic, the integers of
// engine/cpu/conv2d.c (acc = bias_q + sum over the taps inside the input
// of (x - z_x) * w, wrapping), then the int8 end of conv_i8_store.glsl.
// DW3 (3x3, dilation 1, stride DW3 both ways, 1 or 2 at compile time):
// each input row's window of (PB - 1) * DW3 + 3 pixels is fetched once
// for the 3 taps of the PB outputs, as conv_tb.comp's DW3 does; with XV4
// ("conv_i8_dw3v4_tb", X an RGBA8I view) 4 pixels per texel (row4.glsl).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

#define PB 8

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform isamplerBuffer x;   // R8I
layout(binding = 1) uniform isamplerBuffer w;   // R8I, [M][KH][KW]
layout(binding = 2) uniform isamplerBuffer prm; // RGBA32I, one per channel
layout(binding = 3) uniform isamplerBuffer res; // R8I
layout(std430, binding = 4) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint C, H, W;
	uint M, OH, OW;
	uint KH, KW;
	uint SH, SW, PT, PL, DH, DW;
	uint nrb;         // blocks of PB pixels per output row
	int zx, zy, lo, hi;
	uint has_res;
	int zr, rm, rn;   // residual -> sum scale
	int sm, sn;       // sum scale -> output
} p;

#include "conv_i8_store.glsl"

#ifdef DW3
#define WIN ((PB - 1) * DW3 + 3)
#ifdef XV4
#define ROW4_T int
#define ROW4_VEC ivec4
#define ROW4_SPAN WIN
#define ROW4_TEXEL(q) texelFetch(x, q)
#include "row4.glsl"
#endif
#endif

void main()
{
	uint id = LINEAR_ID, n = gl_WorkGroupID.z;
	uint rows = p.OH * p.nrb;
	if (id >= rows * p.M)
		return;
	uint m = id / rows, r = id % rows;
	uint oy = r / p.nrb, ox0 = (r % p.nrb) * PB;
	uint c = m / (p.M / p.C);
	int acc[PB];
	ivec4 pr = texelFetch(prm, int(m));
	for (uint i = 0; i < PB; i++)
		acc[i] = pr.x;
	int xbase = int((n * p.C + c) * p.H * p.W);
	int wrow = int(m * p.KH * p.KW);
#ifdef DW3
	int ix0 = int(ox0 * DW3) - int(p.PL);
#ifdef XV4
	int qmax = int(gl_NumWorkGroups.z * p.C * p.H * p.W / 4u) - 1;
#endif
	for (uint ky = 0; ky < 3u; ky++) {
		int iy = int(oy * DW3 + ky) - int(p.PT);
		if (iy < 0 || iy >= int(p.H))
			continue;
		int win[WIN];
#ifdef XV4
		row4(xbase + iy * int(p.W) + ix0, qmax, win);
		for (int k = 0; k < WIN; k++) {
			int ix = ix0 + k;
			win[k] = ix >= 0 && ix < int(p.W) ? win[k] - p.zx : 0;
		}
#else
		for (int k = 0; k < WIN; k++) {
			int ix = ix0 + k;
			bool in_ = ix >= 0 && ix < int(p.W);
			int xv = texelFetch(x, in_ ? xbase + iy * int(p.W) + ix : 0).r - p.zx;
			win[k] = in_ ? xv : 0;
		}
#endif
		int wk = wrow + int(ky * 3u);
		int w0 = texelFetch(w, wk).r, w1 = texelFetch(w, wk + 1).r;
		int w2 = texelFetch(w, wk + 2).r;
		for (uint i = 0; i < PB; i++)
			acc[i] += w0 * win[i * DW3] + w1 * win[i * DW3 + 1u] +
				  w2 * win[i * DW3 + 2u];
	}
#else
	for (uint ky = 0; ky < p.KH; ky++) {
		int iy = int(oy * p.SH + ky * p.DH) - int(p.PT);
		if (iy < 0 || iy >= int(p.H))
			continue;
		for (uint kx = 0; kx < p.KW; kx++) {
			int wv = texelFetch(w, wrow + int(ky * p.KW + kx)).r;
			for (uint i = 0; i < PB; i++) {
				int ix = int((ox0 + i) * p.SW + kx * p.DW) - int(p.PL);
				bool in_ = ix >= 0 && ix < int(p.W);
				int xv = texelFetch(x, in_ ? xbase + iy * int(p.W) + ix : 0).r - p.zx;
				acc[i] += in_ ? xv * wv : 0;
			}
		}
	}
#endif
	for (uint i = 0; i < PB; i++)
		if (ox0 + i < p.OW)
			store(n, m, oy * p.OW + ox0 + i, acc[i], pr);
}
