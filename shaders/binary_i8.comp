#version 450
// int8 elementwise add/sub/mul with broadcasting, the arithmetic of
// engine/cpu/binary.c (rfx_cpu_binary_i8); indexing as binary.comp.
// ADD/SUB: each input rescaled to s_y / 2^16, summed (saturating), brought
// to s_y; MUL: the product of the differences requantized once.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { int8_t a[]; };
layout(std430, binding = 1) readonly buffer Bb { int8_t b[]; };
layout(std430, binding = 2) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint n;
	uint kind;          // rfx_binary_kind: 0 add, 1 sub, 2 mul
	int za, zb, zy, lo, hi;
	int am, an, bm, bn; // ADD/SUB: a, b -> sum scale; MUL: am, an only
	int sm, sn;         // sum scale -> output
	uint dims[6];
	uint sa[6];
	uint sb[6];
} p;

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
	int va = int(a[ia]) - p.za, vb = int(b[ib]) - p.zb, v;
	if (p.kind == 2u) {
		v = requant(va * vb, p.am, p.an);
	} else {
		v = sat_add(requant(va, p.am, p.an),
			    requant(p.kind == 1u ? -vb : vb, p.bm, p.bn));
		v = requant(v, p.sm, p.sn);
	}
	y[i] = int8_t(quant_out(v, p.zy, p.lo, p.hi));
}
