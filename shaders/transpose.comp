#version 450
// y = x with dims permuted: for each output element, the input offset is
// sum(coord[d] * stride_in[perm[d]]), given here as per-output-dim strides.
// CPU reference: engine/cpu/transpose.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint n;
	uint dims[6];   // output dims, innermost last (unused: 1)
	uint sx[6];     // input stride for each output dim
} p;

void main()
{
	uint i = LINEAR_ID;
	if (i >= p.n)
		return;
	uint ix = 0u, r = i;
	for (int d = 5; d >= 0; d--) {
		ix += (r % p.dims[d]) * p.sx[d];
		r /= p.dims[d];
	}
	y[i] = Y_T(float(x[ix]));
}
