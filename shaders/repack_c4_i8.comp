#version 450
// int8 NCHW -> channels packed by 4: [N][ceil(C/4)][H*W] words of 4 int8
// (channel 4k+j in byte j; a missing channel holds the zero point, so it
// adds nothing to a sum of (x - z_x) * w), the layout conv_i8_c4_tb.comp
// reads through an RGBA8I view. One invocation per output word.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform isamplerBuffer x; // R8I
layout(std430, binding = 1) writeonly buffer Yb { uint y[]; };

layout(push_constant) uniform P {
	uint C, HW, C4, total; // total = N * C4 * HW
	int zx;
} p;

void main()
{
	uint id = LINEAR_ID;
	if (id >= p.total)
		return;
	uint hw = id % p.HW, nc = id / p.HW;
	uint c4 = nc % p.C4, n = nc / p.C4;
	uint v = 0u;
	for (uint j = 0; j < 4u; j++) {
		uint c = 4u * c4 + j;
		int b = c < p.C ? texelFetch(x, int((n * p.C + c) * p.HW + hw)).r : p.zx;
		v |= uint(b & 0xff) << (8u * j);
	}
	y[id] = v;
}
