#version 450
// Winograd F(4x4, 3x3), step 1 of 3 (engine/vk/ops/conv2d_wino.c): the
// input transform. The output is cut into 4x4 tiles; tile t reads the 6x6
// input patch d at (4*ty - PT, 4*tx - PL) (zeros outside the input) and
// computes V = B^T d B, 36 values xi = 6*i + j, with
//   B^T = [4  0 -5  0 1 0;  0 -4 -4  1 1 0;  0  4 -4 -1 1 0;
//          0 -2 -1  2 1 0;  0  2 -1 -2 1 0;  0  4  0 -5 0 1].
// One invocation per (channel, tile); V goes to the scratch buffer as
// [36][C4][T][4] floats (the vec4 texels conv_wino_gemm.comp reads, 4
// channels each; the caller zeroes nothing: a missing channel's lane is
// written with zeros by the invocation of that channel, which exists for
// every c < 4*C4). X through a uniform texel buffer (R32F or R16F view).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform samplerBuffer x;
layout(std430, binding = 1) writeonly buffer Vb { float v[]; };

layout(push_constant) uniform P {
	uint C, H, W;
	uint PT, PL;
	uint TW, T;     // tiles per row, tiles per image
	uint C4, NT;    // channel blocks, tiles of the batch (N * T)
} p;

void main()
{
	uint id = LINEAR_ID;
	if (id >= 4u * p.C4 * p.NT)
		return;
	uint t = id % p.NT, c = id / p.NT;
	uint n = t / p.T, tt = t % p.T;
	int iy0 = int(4u * (tt / p.TW)) - int(p.PT);
	int ix0 = int(4u * (tt % p.TW)) - int(p.PL);
	bool real = c < p.C;
	int base = int((n * p.C + min(c, p.C - 1u)) * p.H * p.W);
	float d[36];
	for (int r = 0; r < 6; r++) {
		int iy = iy0 + r;
		for (int k = 0; k < 6; k++) {
			int ix = ix0 + k;
			bool in_ = real && iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W);
			float xv = texelFetch(x, in_ ? base + iy * int(p.W) + ix : 0).r;
			d[6 * r + k] = in_ ? xv : 0.0;
		}
	}
	float b[36]; // B^T d: rows
	for (int k = 0; k < 6; k++) {
		float d0 = d[k], d1 = d[6 + k], d2 = d[12 + k], d3 = d[18 + k];
		float d4 = d[24 + k], d5 = d[30 + k];
		b[k] = 4.0 * d0 - 5.0 * d2 + d4;
		b[6 + k] = -4.0 * d1 - 4.0 * d2 + d3 + d4;
		b[12 + k] = 4.0 * d1 - 4.0 * d2 - d3 + d4;
		b[18 + k] = -2.0 * d1 - d2 + 2.0 * d3 + d4;
		b[24 + k] = 2.0 * d1 - d2 - 2.0 * d3 + d4;
		b[30 + k] = 4.0 * d1 - 5.0 * d3 + d5;
	}
	uint c4 = c / 4u, j = c % 4u;
	for (int r = 0; r < 6; r++) { // (B^T d) B: columns
		float b0 = b[6 * r], b1 = b[6 * r + 1], b2 = b[6 * r + 2];
		float b3 = b[6 * r + 3], b4 = b[6 * r + 4], b5 = b[6 * r + 5];
		float o[6];
		o[0] = 4.0 * b0 - 5.0 * b2 + b4;
		o[1] = -4.0 * b1 - 4.0 * b2 + b3 + b4;
		o[2] = 4.0 * b1 - 4.0 * b2 - b3 + b4;
		o[3] = -2.0 * b1 - b2 + 2.0 * b3 + b4;
		o[4] = 2.0 * b1 - b2 - 2.0 * b3 + b4;
		o[5] = 4.0 * b1 - 5.0 * b3 + b5;
		for (uint k = 0; k < 6u; k++) {
			uint xi = 6u * uint(r) + k;
			v[((xi * p.C4 + c4) * p.NT + t) * 4u + j] = o[k];
		}
	}
}
