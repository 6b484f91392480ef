#version 450
// int8 strided block copy with a rescale and a clamp: y[o * out_inner +
// offset + i] = out(R(x[o * inner + i] - z_x; m, n)). Behind int8 UNARY
// (relu/clip as the clamp), CONCAT (one dispatch per input) and RESHAPE
// copies: engine/cpu/unary.c, concat.c, reshape.c (the *_i8 functions).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { int8_t x[]; };
layout(std430, binding = 1) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint outer, inner, out_inner, offset;
	int zx, zy, m, n, lo, hi;
} p;

void main()
{
	uint i = LINEAR_ID, o = gl_GlobalInvocationID.z;
	if (i >= p.inner || o >= p.outer)
		return;
	int v = requant(int(x[o * p.inner + i]) - p.zx, p.m, p.n);
	y[o * p.out_inner + p.offset + i] = int8_t(quant_out(v, p.zy, p.lo, p.hi));
}
