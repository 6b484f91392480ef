#version 450
// Convolution reading every input through uniform texel buffers
// (texelFetch), register-blocked: one invocation computes 8 output channels
// (two vec4 of the packed weights) x PB output pixels, keeping 8 x PB sums
// in registers. Storage buffers are the slow path on some drivers (lavapipe
// scalarizes each load); texel fetches go through the sampler path.
//
// Weights are packed once at session creation (engine/vk/ops/conv2d_tb.c):
// [ceil(M/8)*2][C*KH*KW][4], four output channels per texel, zero padded.
// The sum runs in the reference's order (bias, then input channel, ky, kx),
// so only FMA contraction separates it from engine/cpu/conv2d.c.
//
// Defines: GEMM (1x1, stride 1, no padding: pixels are columns of X);
// XV4 (with GEMM: X read a vec4 of pixels at a time, N*C*H*W % 4 == 0);
// DEPTHWISE (depthwise: group == C, one output channel x PB pixels, weights in
// their own layout [M][KH][KW]);
// C4 (any KxK, group 1: X packed by shaders/repack_c4.comp as
// [N][ceil(C/4)][H*W] vec4, so each fetch of a pixel brings 4 input
// channels: per kernel tap and 4 channels, 8 weight + 8 pixel fetches
// for 256 FMA, where the direct kernel needs 2 + 8 for 64. Its sum runs
// channel block, ky, kx, then the 4 channels: another order than the
// reference's, within the fp32 tolerance of the tests);
// DW3 (depthwise 3x3, dilation 1, stride DW3 in both directions: row
// windows, below; with XV4 read 4 pixels per texel);
// DW_C4 (depthwise with one output channel per input channel, X packed by
// 4 as for C4: 4 channels x PB pixels per invocation, each pixel fetch
// serving 4 channels; the sum keeps the reference's order, ky then kx).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

#define PB 8

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform samplerBuffer x;    // X, R (RGBA with XV4, C4)
layout(binding = 1) uniform samplerBuffer w;    // packed, RGBA (R with DEPTHWISE)
layout(binding = 2) uniform samplerBuffer bias; // R, fp32
layout(binding = 3) uniform samplerBuffer res;  // R
layout(std430, binding = 4) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint C, H, W;
	uint M, OH, OW;
	uint KH, KW;
	uint SH, SW, PT, PL, DH, DW;
	uint act;
	float a0, a1;
	uint has_res;
	uint npb;     // pixel blocks: ceil(OH * OW / PB)
	uint nmb;     // channel blocks: ceil(M / 8) (DEPTHWISE: M)
} p;

#include "activation.glsl"

#define TEXEL(q) texelFetch(x, q)
#include "pixels8.glsl"

void store(uint n, uint m, uint px, float v)
{
	uint o = (n * p.M + m) * p.OH * p.OW + px;
	if (p.has_res != 0u)
		v += texelFetch(res, int(o)).r;
	y[o] = Y_T(apply_act(v, p.act, p.a0, p.a1));
}

#ifdef DW_C4
void main()
{
	uint id = LINEAR_ID, n = gl_WorkGroupID.z;
	if (id >= p.npb * p.nmb)
		return;
	uint pb = id % p.npb, cb = id / p.npb;
	uint HW = p.OH * p.OW, p0 = pb * PB;
	int iy0[PB], ix0[PB];
	vec4 acc[PB];
	vec4 b;
	int wrow[4];
	for (uint j = 0; j < 4u; j++) {
		uint m = min(4u * cb + j, p.M - 1u);
		b[j] = texelFetch(bias, int(m)).r;
		wrow[j] = int(m * p.KH * p.KW);
	}
	for (uint i = 0; i < PB; i++) {
		uint px = min(p0 + i, HW - 1u);
		iy0[i] = int((px / p.OW) * p.SH) - int(p.PT);
		ix0[i] = int((px % p.OW) * p.SW) - int(p.PL);
		acc[i] = b;
	}
	int xbase = int((n * p.nmb + cb) * p.H * p.W);
	for (uint ky = 0; ky < p.KH; ky++) {
		for (uint kx = 0; kx < p.KW; kx++) {
			int tap = int(ky * p.KW + kx);
			vec4 wv = vec4(texelFetch(w, wrow[0] + tap).r, texelFetch(w, wrow[1] + tap).r,
				       texelFetch(w, wrow[2] + tap).r, texelFetch(w, wrow[3] + tap).r);
			for (uint i = 0; i < PB; i++) {
				int iy = iy0[i] + int(ky * p.DH), ix = ix0[i] + int(kx * p.DW);
				bool in_ = iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W);
				vec4 xv = texelFetch(x, in_ ? xbase + iy * int(p.W) + ix : 0);
				if (in_)
					acc[i] += wv * xv;
			}
		}
	}
	for (uint i = 0; i < PB; i++) {
		if (p0 + i >= HW)
			break;
		for (uint j = 0; j < 4u; j++)
			if (4u * cb + j < p.M)
				store(n, 4u * cb + j, p0 + i, acc[i][j]);
	}
}
#elif defined(DW3)
// Depthwise 3x3, dilation 1, stride DW3 (1 or 2, compile time): one output
// channel x PB outputs of one row per invocation; each input row's window
// ((PB - 1) * DW3 + 3 pixels) is fetched once and serves the 3 taps of
// every output, (PB - 1) * DW3 + 3 fetches per row instead of 3 * PB.
// With XV4 ("conv_dw3v4_tb") each row window is read 4 pixels per texel
// (row4.glsl): 4 or 5 fetches per row instead of 10 or 17.
#define WIN ((PB - 1) * DW3 + 3)
#ifdef XV4
#define ROW4_T float
#define ROW4_VEC vec4
#define ROW4_SPAN WIN
#define ROW4_TEXEL(q) texelFetch(x, q)
#include "row4.glsl"
#endif
void main()
{
	uint id = LINEAR_ID, n = gl_WorkGroupID.z;
	uint bpr = (p.OW + PB - 1) / PB; // blocks per output row
	if (id >= bpr * p.OH * p.M)
		return;
	uint bx = id % bpr, r = id / bpr;
	uint oy = r % p.OH, m = r / p.OH;
	uint ox0 = bx * PB, c = m / (p.M / p.C);
	float b = texelFetch(bias, int(m)).r;
	float acc[PB];
	for (uint i = 0; i < PB; i++)
		acc[i] = b;
	int xbase = int((n * p.C + c) * p.H * p.W);
	int ix0 = int(ox0 * DW3) - int(p.PL);
#ifdef XV4
	int qmax = int(gl_NumWorkGroups.z * p.C * p.H * p.W / 4u) - 1;
#endif
	for (uint ky = 0; ky < 3u; ky++) {
		int iy = int(oy * DW3 + ky) - int(p.PT);
		bool row = iy >= 0 && iy < int(p.H);
		int rbase = xbase + iy * int(p.W);
		float win[WIN];
#ifdef XV4
		row4(rbase + ix0, qmax, win);
		for (int k = 0; k < WIN; k++) {
			int ix = ix0 + k;
			win[k] = row && ix >= 0 && ix < int(p.W) ? win[k] : 0.0;
		}
#else
		for (int k = 0; k < WIN; k++) {
			int ix = ix0 + k;
			bool in_ = row && ix >= 0 && ix < int(p.W);
			float xv = texelFetch(x, in_ ? rbase + ix : 0).r;
			win[k] = in_ ? xv : 0.0;
		}
#endif
		int wrow = int((m * 3u + ky) * 3u);
		float w0 = texelFetch(w, wrow).r, w1 = texelFetch(w, wrow + 1).r;
		float w2 = texelFetch(w, wrow + 2).r;
		for (uint i = 0; i < PB; i++) {
			acc[i] += w0 * win[i * DW3];
			acc[i] += w1 * win[i * DW3 + 1u];
			acc[i] += w2 * win[i * DW3 + 2u];
		}
	}
	for (uint i = 0; i < PB; i++)
		if (ox0 + i < p.OW)
			store(n, m, oy * p.OW + ox0 + i, acc[i]);
}
#elif defined(DEPTHWISE)
void main()
{
	uint id = LINEAR_ID, n = gl_WorkGroupID.z;
	if (id >= p.npb * p.nmb)
		return;
	uint pb = id % p.npb, m = id / p.npb;
	uint HW = p.OH * p.OW, p0 = pb * PB;
	uint mult = p.M / p.C, c = m / mult;
	int iy0[PB], ix0[PB];
	float acc[PB];
	float b = texelFetch(bias, int(m)).r;
	for (uint i = 0; i < PB; i++) {
		uint px = min(p0 + i, HW - 1u);
		iy0[i] = int((px / p.OW) * p.SH) - int(p.PT);
		ix0[i] = int((px % p.OW) * p.SW) - int(p.PL);
		acc[i] = b;
	}
	int xbase = int((n * p.C + c) * p.H * p.W);
	int wbase = int(m * p.KH * p.KW);
	for (uint ky = 0; ky < p.KH; ky++) {
		for (uint kx = 0; kx < p.KW; kx++) {
			float wv = texelFetch(w, wbase + int(ky * p.KW + kx)).r;
			for (uint i = 0; i < PB; i++) {
				int iy = iy0[i] + int(ky * p.DH), ix = ix0[i] + int(kx * p.DW);
				bool in_ = iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W);
				float xv = texelFetch(x, in_ ? xbase + iy * int(p.W) + ix : 0).r;
				if (in_)
					acc[i] += wv * xv;
			}
		}
	}
	for (uint i = 0; i < PB; i++)
		if (p0 + i < HW)
			store(n, m, p0 + i, acc[i]);
}
#else
void main()
{
	uint id = LINEAR_ID, n = gl_WorkGroupID.z;
	if (id >= p.npb * p.nmb)
		return;
	uint pb = id % p.npb, mb = id / p.npb;
	uint HW = p.OH * p.OW, p0 = pb * PB;
	uint K = p.C * p.KH * p.KW;
	int w0 = int(2u * mb * K), w1 = int((2u * mb + 1u) * K);
	vec4 b0, b1;
	for (uint j = 0; j < 4; j++) {
		uint m0 = min(8u * mb + j, p.M - 1u), m1 = min(8u * mb + 4u + j, p.M - 1u);
		b0[j] = texelFetch(bias, int(m0)).r;
		b1[j] = texelFetch(bias, int(m1)).r;
	}
	vec4 acc0[PB], acc1[PB];
	for (uint i = 0; i < PB; i++) {
		acc0[i] = b0;
		acc1[i] = b1;
	}
#ifdef GEMM
	// X is [C][H*W]: pixels are consecutive.
#ifdef XV4
	// X seen as vec4 texels of 4 consecutive floats (pixels8.glsl).
	uint e = (n * p.C) * HW + p0;
	int qmax = int(gl_NumWorkGroups.z * p.C * HW / 4u) - 1;
	for (uint c = 0; c < p.C; c++) {
		vec4 wa = texelFetch(w, w0 + int(c)), wb = texelFetch(w, w1 + int(c));
		vec4 xv[2];
		pixels8(e, qmax, xv);
		for (uint i = 0; i < PB / 4; i++) {
			for (uint k = 0; k < 4; k++) {
				acc0[4 * i + k] += wa * xv[i][k];
				acc1[4 * i + k] += wb * xv[i][k];
			}
		}
		e += HW;
	}
#else
	int xb = int(n * p.C * HW);
	int pix[PB];
	for (uint i = 0; i < PB; i++)
		pix[i] = int(min(p0 + i, HW - 1u));
	for (uint c = 0; c < p.C; c++) {
		vec4 wa = texelFetch(w, w0 + int(c)), wb = texelFetch(w, w1 + int(c));
		for (uint i = 0; i < PB; i++) {
			float xv = texelFetch(x, xb + pix[i]).r;
			acc0[i] += wa * xv;
			acc1[i] += wb * xv;
		}
		xb += int(HW);
	}
#endif
#elif defined(C4)
	int iy0[PB], ix0[PB];
	for (uint i = 0; i < PB; i++) {
		uint px = min(p0 + i, HW - 1u);
		iy0[i] = int((px / p.OW) * p.SH) - int(p.PT);
		ix0[i] = int((px % p.OW) * p.SW) - int(p.PL);
	}
	uint C4n = (p.C + 3u) / 4u, KK = p.KH * p.KW;
	int xbase = int(n * C4n * p.H * p.W);
	for (uint c4 = 0; c4 < C4n; c4++) {
		// Weight rows of the 4 channels (a missing channel repeats the
		// last one: its activations are zero).
		int kc[4];
		for (uint j = 0; j < 4u; j++)
			kc[j] = int(min(4u * c4 + j, p.C - 1u) * KK);
		for (uint ky = 0; ky < p.KH; ky++) {
			for (uint kx = 0; kx < p.KW; kx++) {
				int tap = int(ky * p.KW + kx);
				vec4 wa[4], wb[4];
				for (uint j = 0; j < 4u; j++) {
					wa[j] = texelFetch(w, w0 + kc[j] + tap);
					wb[j] = texelFetch(w, w1 + kc[j] + tap);
				}
				for (uint i = 0; i < PB; i++) {
					int iy = iy0[i] + int(ky * p.DH), ix = ix0[i] + int(kx * p.DW);
					bool in_ = iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W);
					vec4 xv = texelFetch(x, in_ ? xbase + iy * int(p.W) + ix : 0);
					if (!in_)
						xv = vec4(0.0);
					acc0[i] += wa[0] * xv.x + wa[1] * xv.y + wa[2] * xv.z + wa[3] * xv.w;
					acc1[i] += wb[0] * xv.x + wb[1] * xv.y + wb[2] * xv.z + wb[3] * xv.w;
				}
			}
		}
		xbase += int(p.H * p.W);
	}
#else
	int iy0[PB], ix0[PB];
	for (uint i = 0; i < PB; i++) {
		uint px = min(p0 + i, HW - 1u);
		iy0[i] = int((px / p.OW) * p.SH) - int(p.PT);
		ix0[i] = int((px % p.OW) * p.SW) - int(p.PL);
	}
	int xbase = int(n * p.C * p.H * p.W);
	int kk = 0;
	for (uint c = 0; c < p.C; c++) {
		for (uint ky = 0; ky < p.KH; ky++) {
			for (uint kx = 0; kx < p.KW; kx++) {
				vec4 wa = texelFetch(w, w0 + kk), wb = texelFetch(w, w1 + kk);
				kk++;
				for (uint i = 0; i < PB; i++) {
					int iy = iy0[i] + int(ky * p.DH), ix = ix0[i] + int(kx * p.DW);
					bool in_ = iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W);
					float xv = texelFetch(x, in_ ? xbase + iy * int(p.W) + ix : 0).r;
					if (in_) {
						acc0[i] += wa * xv;
						acc1[i] += wb * xv;
					}
				}
			}
		}
		xbase += int(p.H * p.W);
	}
#endif
	for (uint i = 0; i < PB; i++) {
		if (p0 + i >= HW)
			break;
		for (uint j = 0; j < 4; j++) {
			if (8u * mb + j < p.M)
				store(n, 8u * mb + j, p0 + i, acc0[i][j]);
			if (8u * mb + 4u + j < p.M)
				store(n, 8u * mb + 4u + j, p0 + i, acc1[i][j]);
		}
	}
}
#endif
