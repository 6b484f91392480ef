#version 450
// Strided block copy, the one kernel behind Concat (one dispatch per input,
// each writing its slice), Reshape and dtype changes: viewing the input as
// [outer, inner] it writes y[o * out_inner + offset + i] = x[o * inner + i].
// i spans the (x, y) workgroups, o the z ones.
// CPU reference: engine/cpu/concat.c, engine/cpu/reshape.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint outer, inner, out_inner, offset;
} p;

void main()
{
	uint i = LINEAR_ID, o = gl_GlobalInvocationID.z;
	if (i >= p.inner || o >= p.outer)
		return;
	y[o * p.out_inner + p.offset + i] = Y_T(float(x[o * p.inner + i]));
}
