#version 450
// Elementwise activation y = act(x): the standalone form of the activations
// that conv/fc/binary kernels fuse. Shared definitions in activation.glsl.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint n;     // elements
	uint act;   // rfx_act
	float a0;   // activation parameters f[0], f[1]
	float a1;
} p;

#include "activation.glsl"

void main()
{
	uint i = LINEAR_ID;
	if (i < p.n)
		y[i] = Y_T(apply_act(float(x[i]), p.act, p.a0, p.a1));
}
