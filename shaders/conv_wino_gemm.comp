#version 450
// Winograd F(2x2, 3x3) and F(4x4, 3x3), step 2 of 3: for each of the 16
// (or 36) transformed positions xi, M_xi = U_xi V_xi, a [Mc x C] by [C x T] matrix product
// (Mc output channels, C input channels, T tiles). U = G g G^T was computed
// once per layer at session creation (engine/vk/ops/conv2d_wino.c) and
// packed [nxi][ceil(Mc/8)*2][C4*4] vec4 (4 output channels of one input
// channel per texel). One invocation: 8 output channels x 8 tiles of one
// xi, per 4 input channels 8 U + 8 V fetches for 256 multiply-adds (the
// register block of conv_tb.comp's C4 kernel), here for 2.25x (F(2x2)) or
// 4x (F(4x4)) fewer multiply-adds than a direct 3x3 convolution needs.
// M goes to the scratch buffer after V: [nxi][ceil(Mc/8)*2][T] vec4 (4
// output channels per texel), the layout conv_wino_out.comp and
// conv_wino4_out.comp read.
//
// With -DEXACT (the int8 Winograd, engine/vk/ops/conv2d_wino.c) U and V
// hold integers and M is their integer product, exact modulo 2^32 (it may
// wrap: the output transform is linear, so A^T M A still gives 4 times the
// sum exactly, which the host keeps inside int32): the fp32 sums run
// over ck channel blocks at a time, few enough that no partial sum passes
// 2^24 (the host bounds it from the weights and the input's zero point),
// so each is exact, and join int32 sums between blocks; M is stored as
// int32.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

#define TB 8

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform samplerBuffer v;  // V, RGBA32F (scratch)
layout(binding = 1) uniform samplerBuffer u;  // U, RGBA32F (packed weights)
#ifdef EXACT
layout(std430, binding = 2) writeonly buffer Mb { ivec4 m[]; }; // scratch
#else
layout(std430, binding = 2) writeonly buffer Mb { vec4 m[]; }; // scratch
#endif

layout(push_constant) uniform P {
	uint C4, NT;
	uint nq;      // quads of output channels: ceil(Mc / 8) * 2
	uint nmb;     // blocks of 8 output channels
	uint ntb;     // blocks of TB tiles
	uint m_off;   // first vec4 of M in the scratch buffer
	uint nxi;     // transformed positions: 16 for F(2x2, 3x3), 36 for F(4x4)
#ifdef EXACT
	uint ck;      // channel blocks per exact fp32 sum
#endif
} p;

void main()
{
	uint id = LINEAR_ID;
	if (id >= p.nxi * p.nmb * p.ntb)
		return;
	uint tb = id % p.ntb, r = id / p.ntb;
	uint mb = r % p.nmb, xi = r / p.nmb;
	uint t0 = tb * TB;
	int vrow = int(xi * p.C4 * p.NT);
	int tmax = int(p.NT) - 1;
	int w0 = int((xi * p.nq + 2u * mb) * p.C4 * 4u);
	int w1 = w0 + int(p.C4 * 4u);
	vec4 acc0[TB], acc1[TB];
	for (uint i = 0; i < TB; i++) {
		acc0[i] = vec4(0.0);
		acc1[i] = vec4(0.0);
	}
#ifdef EXACT
	ivec4 s0[TB], s1[TB];
	for (uint i = 0; i < TB; i++) {
		s0[i] = ivec4(0);
		s1[i] = ivec4(0);
	}
	uint ck = p.ck;
#else
	uint ck = p.C4;
#endif
	for (uint c0 = 0; c0 < p.C4; c0 += ck) {
		uint c1 = min(c0 + ck, p.C4);
		for (uint c4 = c0; c4 < c1; c4++) {
			vec4 wa[4], wb[4];
			for (uint j = 0; j < 4u; j++) {
				wa[j] = texelFetch(u, w0 + int(4u * c4 + j));
				wb[j] = texelFetch(u, w1 + int(4u * c4 + j));
			}
			for (uint i = 0; i < TB; i++) {
				vec4 xv = texelFetch(v, vrow + min(int(t0 + i), tmax));
				acc0[i] += wa[0] * xv.x + wa[1] * xv.y + wa[2] * xv.z + wa[3] * xv.w;
				acc1[i] += wb[0] * xv.x + wb[1] * xv.y + wb[2] * xv.z + wb[3] * xv.w;
			}
			vrow += int(p.NT);
		}
#ifdef EXACT
		for (uint i = 0; i < TB; i++) {
			s0[i] += ivec4(acc0[i]);
			s1[i] += ivec4(acc1[i]);
			acc0[i] = vec4(0.0);
			acc1[i] = vec4(0.0);
		}
#endif
	}
	uint o0 = p.m_off + (xi * p.nq + 2u * mb) * p.NT, o1 = o0 + p.NT;
	for (uint i = 0; i < TB; i++) {
		if (t0 + i >= p.NT)
			break;
#ifdef EXACT
		m[o0 + t0 + i] = s0[i];
		m[o1 + t0 + i] = s1[i];
#else
		m[o0 + t0 + i] = acc0[i];
		m[o1 + t0 + i] = acc1[i];
#endif
	}
}
