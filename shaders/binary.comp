#version 450
// Elementwise a (op) b with numpy broadcasting up to rank 6, then the fused
// activation. Broadcasting is expressed as strides: a stride of 0 repeats.
// CPU reference: engine/cpu/binary.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Ab { X_T a[]; };
layout(std430, binding = 1) readonly buffer Bb { B_T b[]; };
layout(std430, binding = 2) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint n;
	uint kind, act;
	float a0, a1;
	uint dims[6];    // output dims, innermost last
	uint sa[6];      // a's element stride per output dim (0: broadcast)
	uint sb[6];
} p;

#include "activation.glsl"

void main()
{
	uint i = LINEAR_ID;
	if (i >= p.n)
		return;
	uint ia = 0u, ib = 0u, r = i;
	for (int d = 5; d >= 0; d--) {
		uint c = r % p.dims[d];
		r /= p.dims[d];
		ia += c * p.sa[d];
		ib += c * p.sb[d];
	}
	float u = float(a[ia]), v = float(b[ib]), o;
	switch (p.kind) {
	case 0u: o = u + v; break;
	case 1u: o = u - v; break;
	case 2u: o = u * v; break;
	default: o = u / v; break;
	}
	y[i] = Y_T(apply_act(o, p.act, p.a0, p.a1));
}
