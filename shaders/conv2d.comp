#version 450
// 2-D convolution, NCHW, any stride/padding/dilation/groups (depthwise is
// group == C), bias, optional residual added before the fused activation.
// One invocation computes one output pixel for OCB output channels of one
// group. CPU reference: engine/cpu/conv2d.c; shape rule:
// engine/graph/ops/conv2d.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

#define OCB 4

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) readonly buffer Wb { W_T w[]; };
layout(std430, binding = 2) readonly buffer Bb { float bias[]; };
layout(std430, binding = 3) readonly buffer Rb { R_T res[]; };
layout(std430, binding = 4) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint C, H, W;       // input channels and size
	uint M, OH, OW;     // output channels and size
	uint KH, KW;
	uint SH, SW, PT, PL, DH, DW;
	uint group;
	uint act;
	float a0, a1;
	uint has_res;
	uint blocks;        // ceil((M / group) / OCB): channel blocks per group
} p;

#include "activation.glsl"

void main()
{
	uint ox = gl_GlobalInvocationID.x, oy = gl_GlobalInvocationID.y;
	uint z = gl_GlobalInvocationID.z;       // (n, group, block)
	if (ox >= p.OW || oy >= p.OH)
		return;
	uint mpg = p.M / p.group, cpg = p.C / p.group;
	uint blk = z % p.blocks, g = (z / p.blocks) % p.group;
	uint n = z / (p.blocks * p.group);
	uint oc0 = g * mpg + blk * OCB;
	uint noc = min(OCB, mpg - blk * OCB);

	float acc[OCB];
	for (uint j = 0; j < OCB; j++)
		acc[j] = j < noc ? bias[oc0 + j] : 0.0;

	int iy0 = int(oy * p.SH) - int(p.PT), ix0 = int(ox * p.SW) - int(p.PL);
	uint ksz = p.KH * p.KW;
	for (uint ic = 0; ic < cpg; ic++) {
		uint xbase = (n * p.C + g * cpg + ic) * p.H * p.W;
		uint wbase = (oc0 * cpg + ic) * ksz;
		for (uint ky = 0; ky < p.KH; ky++) {
			int iy = iy0 + int(ky * p.DH);
			if (iy < 0 || iy >= int(p.H))
				continue;
			for (uint kx = 0; kx < p.KW; kx++) {
				int ix = ix0 + int(kx * p.DW);
				if (ix < 0 || ix >= int(p.W))
					continue;
				float xv = float(x[xbase + uint(iy) * p.W + uint(ix)]);
				uint wi = wbase + ky * p.KW + kx;
				for (uint j = 0; j < OCB; j++)
					if (j < noc)
						acc[j] += xv * float(w[wi + j * cpg * ksz]);
			}
		}
	}
	for (uint j = 0; j < noc; j++) {
		uint o = ((n * p.M + oc0 + j) * p.OH + oy) * p.OW + ox;
		float v = acc[j];
		if (p.has_res != 0u)
			v += float(res[o]);
		y[o] = Y_T(apply_act(v, p.act, p.a0, p.a1));
	}
}
