#version 450
// Elementwise a (op) b with numpy broadcasting up to rank 6, then the fused
// activation. Broadcasting is expressed as strides: a stride of 0 repeats;
// the host merges dims that are contiguous in a, b and y alike, so an
// index takes `rank` divisions, not 6. CPU reference: engine/cpu/binary.c.
// (Reading a and b through texel buffers measured no faster here: an
// elementwise layer's time is its index arithmetic and its store.)
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
	uint rank;       // dims used: the last `rank` (the others are 1)
} p;

#include "activation.glsl"

#define RUN 8 // consecutive outputs per invocation

// Where output i reads a and b, and its innermost coordinate.
void locate(uint i, out uint ia, out uint ib, out uint c5)
{
	uint r = i;
	ia = ib = 0u;
	c5 = r % p.dims[5];
	for (int d = 5; d >= 6 - int(p.rank); d--) {
		uint c = r % p.dims[d];
		r /= p.dims[d];
		ia += c * p.sa[d];
		ib += c * p.sb[d];
	}
}

// RUN consecutive outputs: their indices advance by the innermost
// strides, so the divisions (slow: no vector integer division on CPU
// drivers) run once per run and at the rare innermost wrap.
void main()
{
	uint i0 = LINEAR_ID * RUN;
	if (i0 >= p.n)
		return;
	uint ia, ib, c5;
	locate(i0, ia, ib, c5);
	for (uint k = 0; k < RUN; k++) {
		uint i = i0 + k;
		if (i >= p.n)
			break;
		float u = float(a[ia]), v = float(b[ib]), o;
		switch (p.kind) {
		case 0u: o = u + v; break;
		case 1u: o = u - v; break;
		case 2u: o = u * v; break;
		default: o = u / v; break;
		}
		y[i] = Y_T(apply_act(o, p.act, p.a0, p.a1));
		if (++c5 == p.dims[5]) {
			locate(i + 1u, ia, ib, c5);
		} else {
			ia += p.sa[5];
			ib += p.sb[5];
		}
	}
}
