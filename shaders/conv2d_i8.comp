#version 450
// int8 2-D convolution, NCHW, any stride/padding/dilation/groups, with the
// arithmetic of engine/cpu/conv2d.c (rfx_cpu_conv2d_i8). One invocation
// computes one output pixel for OCB output channels of one group, like
// conv2d.comp. Per channel c, params[4c..4c+3] = bias_q, bias_q - z_x *
// sum(w[c]), multiplier, shift (engine/vk/ops/int8_params.c).
//
// Default: acc = bias_q + sum (x - z_x) * w over the taps inside the input.
// -DDOT: the reduction (ic, ky, kx) is taken 4 taps at a time as packed
// words and OpSDot: acc = (bias_q - z_x sum w) + sum x * w with x = z_x
// at padded taps, which is the same integer modulo 2^32 (both wrap).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

#define OCB 4

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { int8_t x[]; };
layout(std430, binding = 1) readonly buffer Wb { int8_t w[]; };
layout(std430, binding = 1) readonly buffer Ww { uint w4[]; };
layout(std430, binding = 2) readonly buffer Pb { int params[]; };
layout(std430, binding = 3) readonly buffer Rb { int8_t res[]; };
layout(std430, binding = 4) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint C, H, W;
	uint M, OH, OW;
	uint KH, KW;
	uint SH, SW, PT, PL, DH, DW;
	uint group;
	uint blocks;
	int zx, zy, lo, hi;
	uint has_res;
	int zr, rm, rn;   // residual -> sum scale
	int sm, sn;       // sum scale -> output
} p;

void main()
{
	uint ox = gl_GlobalInvocationID.x, oy = gl_GlobalInvocationID.y;
	uint z = gl_GlobalInvocationID.z;
	if (ox >= p.OW || oy >= p.OH)
		return;
	uint mpg = p.M / p.group, cpg = p.C / p.group;
	uint blk = z % p.blocks, g = (z / p.blocks) % p.group;
	uint n = z / (p.blocks * p.group);
	uint oc0 = g * mpg + blk * OCB;
	uint noc = min(OCB, mpg - blk * OCB);
	uint ksz = p.KH * p.KW;
	int iy0 = int(oy * p.SH) - int(p.PT), ix0 = int(ox * p.SW) - int(p.PL);
	uint xg = (n * p.C + g * cpg) * p.H * p.W; // this group's first plane

	int acc[OCB];
#ifndef DOT
	for (uint j = 0; j < OCB; j++)
		acc[j] = j < noc ? params[(oc0 + j) * 4u] : 0;
	for (uint ic = 0; ic < cpg; ic++) {
		uint xbase = xg + ic * p.H * p.W;
		uint wbase = (oc0 * cpg + ic) * ksz;
		for (uint ky = 0; ky < p.KH; ky++) {
			int iy = iy0 + int(ky * p.DH);
			if (iy < 0 || iy >= int(p.H))
				continue;
			for (uint kx = 0; kx < p.KW; kx++) {
				int ix = ix0 + int(kx * p.DW);
				if (ix < 0 || ix >= int(p.W))
					continue;
				int xv = int(x[xbase + uint(iy) * p.W + uint(ix)]) - p.zx;
				uint wi = wbase + ky * p.KW + kx;
				for (uint j = 0; j < OCB; j++)
					if (j < noc)
						acc[j] += xv * int(w[wi + j * cpg * ksz]);
			}
		}
	}
#else
	uint R = cpg * ksz;              // reduction length per channel
	bool aligned = (R & 3u) == 0u;   // weight rows start on words
	for (uint j = 0; j < OCB; j++)
		acc[j] = j < noc ? params[(oc0 + j) * 4u + 1u] : 0;
	uint ic = 0, ky = 0, kx = 0;     // the tap of reduction index r
	for (uint r0 = 0; r0 < R; r0 += 4u) {
		int8_t xs[4];
		for (uint t = 0; t < 4u; t++) {
			int8_t v = int8_t(p.zx);
			if (r0 + t < R) {
				int iy = iy0 + int(ky * p.DH), ix = ix0 + int(kx * p.DW);
				if (iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W))
					v = x[xg + ic * p.H * p.W + uint(iy) * p.W + uint(ix)];
				if (++kx == p.KW) {
					kx = 0;
					if (++ky == p.KH) {
						ky = 0;
						ic++;
					}
				}
			}
			xs[t] = v;
		}
		uint xp = pack32(i8vec4(xs[0], xs[1], xs[2], xs[3]));
		for (uint j = 0; j < OCB; j++) {
			if (j >= noc)
				break;
			uint wb = (oc0 + j) * R + r0;
			uint wp;
			if (aligned) {
				wp = w4[wb >> 2];
			} else {
				int8_t ws[4];
				for (uint t = 0; t < 4u; t++)
					ws[t] = r0 + t < R ? w[wb + t] : int8_t(0);
				wp = pack32(i8vec4(ws[0], ws[1], ws[2], ws[3]));
			}
			acc[j] += DOT4(xp, wp);
		}
	}
#endif
	for (uint j = 0; j < noc; j++) {
		uint c = oc0 + j;
		uint o = ((n * p.M + c) * p.OH + oy) * p.OW + ox;
		int v = requant(acc[j], params[c * 4u + 2u], params[c * 4u + 3u]);
		if (p.has_res != 0u) {
			v = sat_add(v, requant(int(res[o]) - p.zr, p.rm, p.rn));
			v = requant(v, p.sm, p.sn);
		}
		y[o] = int8_t(quant_out(v, p.zy, p.lo, p.hi));
	}
}
