#version 450
// Winograd F(2x2, 3x3), step 1 of 3 (engine/vk/ops/conv2d_wino.c): the
// input transform. The output is cut into 2x2 tiles; tile t reads the 4x4
// input patch d at (2*ty - PT, 2*tx - PL) (zeros outside the input) and
// computes V = B^T d B, 16 values xi = 4*i + j, with
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   (additions only).
// One invocation per (4 channels, tile); V goes to the scratch buffer as
// [16][C4][T] vec4 (4 channels per texel, missing channels zero), the
// layout conv_wino_gemm.comp reads. X through a uniform texel buffer (R32F
// or R16F view): one kernel serves fp32 and fp16. With -DI8 X is int8 (R8I
// view) and d holds x - z_x, zero outside the input as in the int8 sum of
// engine/cpu/conv2d.c: integers of at most 255 in magnitude, so V's are
// exact integers of at most 4 * 255 in fp32.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

#ifdef I8
layout(binding = 0) uniform isamplerBuffer x;
#else
layout(binding = 0) uniform samplerBuffer x;
#endif
layout(std430, binding = 1) writeonly buffer Vb { vec4 v[]; };

layout(push_constant) uniform P {
	uint C, H, W;
	uint PT, PL;
	uint TW, T;     // tiles per row, tiles per image
	uint C4, NT;    // channel blocks, tiles of the batch (N * T)
#ifdef I8
	int zx;         // X's zero point
#endif
} p;

void main()
{
	uint id = LINEAR_ID;
	if (id >= p.C4 * p.NT)
		return;
	uint t = id % p.NT, c4 = id / p.NT;
	uint n = t / p.T, tt = t % p.T;
	int iy0 = int(2u * (tt / p.TW)) - int(p.PT);
	int ix0 = int(2u * (tt % p.TW)) - int(p.PL);
	vec4 V[16];
	for (uint j = 0; j < 4u; j++) {
		uint c = min(4u * c4 + j, p.C - 1u);
		bool real = 4u * c4 + j < p.C;
		int base = int((n * p.C + c) * p.H * p.W);
		float d[16];
		for (int r = 0; r < 4; r++) {
			int iy = iy0 + r;
			for (int k = 0; k < 4; k++) {
				int ix = ix0 + k;
				bool in_ = real && iy >= 0 && iy < int(p.H) &&
					   ix >= 0 && ix < int(p.W);
#ifdef I8
				float xv = float(texelFetch(x, in_ ? base + iy * int(p.W) + ix : 0).r - p.zx);
#else
				float xv = texelFetch(x, in_ ? base + iy * int(p.W) + ix : 0).r;
#endif
				d[4 * r + k] = in_ ? xv : 0.0;
			}
		}
		float b[16]; // B^T d: rows
		for (int k = 0; k < 4; k++) {
			b[k] = d[k] - d[8 + k];
			b[4 + k] = d[4 + k] + d[8 + k];
			b[8 + k] = d[8 + k] - d[4 + k];
			b[12 + k] = d[4 + k] - d[12 + k];
		}
		for (int r = 0; r < 4; r++) { // (B^T d) B: columns
			V[4 * r][j] = b[4 * r] - b[4 * r + 2];
			V[4 * r + 1][j] = b[4 * r + 1] + b[4 * r + 2];
			V[4 * r + 2][j] = b[4 * r + 2] - b[4 * r + 1];
			V[4 * r + 3][j] = b[4 * r + 1] - b[4 * r + 3];
		}
	}
	for (uint xi = 0; xi < 16u; xi++)
		v[(xi * p.C4 + c4) * p.NT + t] = V[xi];
}
