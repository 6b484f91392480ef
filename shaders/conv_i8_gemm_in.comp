#version 450
// int8 1x1 convolution as a GEMM (engine/vk/ops/conv2d_wino.c, tile 1),
// step 1 of 3: the pixels the stride keeps, x - z_x as floats (exact
// integers of at most 255 in magnitude), 4 channels per vec4, into the
// scratch buffer as [C4][NT] (missing channels zero): the V layout of
// conv_wino_gemm.comp with one transformed position. X through an R8I
// view. Steps 2 and 3: conv_wino_gemm.comp -DEXACT, conv_i8_gemm_out.comp.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform isamplerBuffer x;
layout(std430, binding = 1) writeonly buffer Vb { vec4 v[]; };

layout(push_constant) uniform P {
	uint C, H, W;
	uint PT, PL;    // 0: a 1x1 layer with padding is not served
	uint TW, T;     // output width, output pixels per image
	uint C4, NT;    // channel blocks, output pixels of the batch
	int zx;         // X's zero point
	uint SH, SW;
} p;

void main()
{
	uint id = LINEAR_ID;
	if (id >= p.C4 * p.NT)
		return;
	uint t = id % p.NT, c4 = id / p.NT;
	uint n = t / p.T, tt = t % p.T;
	uint iy = (tt / p.TW) * p.SH, ix = (tt % p.TW) * p.SW;
	vec4 d = vec4(0.0);
	for (uint j = 0; j < 4u; j++) {
		uint c = 4u * c4 + j;
		if (c < p.C)
			d[j] = float(texelFetch(x, int(((n * p.C + c) * p.H + iy) * p.W + ix)).r - p.zx);
	}
	v[c4 * p.NT + t] = d;
}
