#version 450
// Mean over a set of axes: one invocation per output element, which loops
// over the reduced coordinates. CPU reference: engine/cpu/reduce_mean.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint n;          // output elements
	uint count;      // elements reduced into each output
	uint mask;       // bit d: input dim d is reduced
	uint dims[6];    // input dims (unused: 1, never reduced)
} p;

void main()
{
	uint i = LINEAR_ID;
	if (i >= p.n)
		return;
	// The kept coordinates from i (kept dims in order), as an input offset.
	uint base = 0u, stride = 1u, r = i;
	uint strides[6];
	for (int d = 5; d >= 0; d--) {
		strides[d] = stride;
		if ((p.mask & (1u << d)) == 0u) {
			base += (r % p.dims[d]) * stride;
			r /= p.dims[d];
		}
		stride *= p.dims[d];
	}
	float acc = 0.0;
	for (uint k = 0; k < p.count; k++) {
		uint off = base, q = k;
		for (int d = 5; d >= 0; d--) {
			if ((p.mask & (1u << d)) != 0u) {
				off += (q % p.dims[d]) * strides[d];
				q /= p.dims[d];
			}
		}
		acc += float(x[off]);
	}
	y[i] = Y_T(acc / float(p.count));
}
