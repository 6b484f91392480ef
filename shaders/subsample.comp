#version 450
// Every SH-th row and SW-th column of X (NCHW) into a dense NCHW copy: the
// pixels a 1x1 convolution with stride (SH, SW) and no padding reads, so
// that conv_tb.comp's GEMM kernel can take them as a pointwise product
// (conv_gemm4s_tb, engine/vk/ops/conv2d_tb.c). X through a uniform texel
// buffer (R32F or R16F view); the copy is fp32. 4 outputs per invocation.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(binding = 0) uniform samplerBuffer x;
layout(std430, binding = 1) writeonly buffer Yb { float y[]; };

layout(push_constant) uniform P {
	uint H, W, OH, OW, SH, SW;
	uint total; // N * C * OH * OW
} p;

void main()
{
	uint id0 = 4u * LINEAR_ID;
	for (uint k = 0; k < 4u; k++) {
		uint id = id0 + k;
		if (id >= p.total)
			return;
		uint ox = id % p.OW, r = id / p.OW;
		uint oy = r % p.OH, nc = r / p.OH;
		y[id] = texelFetch(x, int((nc * p.H + oy * p.SH) * p.W + ox * p.SW)).r;
	}
}
