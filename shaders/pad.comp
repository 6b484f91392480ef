#version 450
// Constant padding: y[c] = x[c - begin] inside, value outside.
// CPU reference: engine/cpu/pad.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint n;
	float value;
	uint dims[6];    // output dims (unused: 1)
	uint in_dims[6];
	uint begin[6];
} p;

void main()
{
	uint i = LINEAR_ID;
	if (i >= p.n)
		return;
	uint ix = 0u, stride = 1u, r = i;
	bool inside = true;
	for (int d = 5; d >= 0; d--) {
		uint c = r % p.dims[d];
		r /= p.dims[d];
		if (c < p.begin[d] || c - p.begin[d] >= p.in_dims[d])
			inside = false;
		else
			ix += (c - p.begin[d]) * stride;
		stride *= p.in_dims[d];
	}
	y[i] = Y_T(inside ? float(x[ix]) : p.value);
}
