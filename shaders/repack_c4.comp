#version 450
// NCHW -> channels packed by 4 ([N][ceil(C/4)][H*W] vec4, missing channels
// zero), the layout conv_tb.comp's C4 kernel reads: one texel fetch then
// brings 4 input channels of a pixel. X is read through a uniform texel
// buffer (R32F or R16F view), so one kernel serves fp32 and fp16; the packed
// copy is always fp32. One invocation per output vec4.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform samplerBuffer x;
layout(std430, binding = 1) writeonly buffer Yb { vec4 y[]; };

layout(push_constant) uniform P {
	uint C, HW, C4, total; // total = N * C4 * HW
} p;

void main()
{
	uint id = LINEAR_ID;
	if (id >= p.total)
		return;
	uint hw = id % p.HW, nc = id / p.HW;
	uint c4 = nc % p.C4, n = nc / p.C4;
	vec4 v = vec4(0.0);
	for (uint j = 0; j < 4u; j++) {
		uint c = 4u * c4 + j;
		if (c < p.C)
			v[j] = texelFetch(x, int((n * p.C + c) * p.HW + hw)).r;
	}
	y[id] = v;
}
