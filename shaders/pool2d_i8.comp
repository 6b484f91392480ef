#version 450
// int8 max/average pooling, the arithmetic of engine/cpu/pool2d.c
// (rfx_cpu_pool2d_i8): one invocation per output, windows and counts as in
// pool2d.comp; the average is the int32 sum of (x - z_x) divided by the
// count rounding half away from zero; then R(v; s_x / s_y) and the clamp.
// TB ("pool2d_i8_tb"): X read through a uniform texel buffer (R8I view)
// instead of a storage buffer ("pool2d_i8_sb").
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "int8.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

#ifdef TB
layout(binding = 0) uniform isamplerBuffer x;
#define X_AT(i) texelFetch(x, int(i)).r
#else
layout(std430, binding = 0) readonly buffer Xb { int8_t x[]; };
#define X_AT(i) int(x[i])
#endif
layout(std430, binding = 1) writeonly buffer Yb { int8_t y[]; };

layout(push_constant) uniform P {
	uint H, W, OH, OW;
	uint KH, KW, SH, SW;
	uint PT, PL, PB, PR;
	uint DH, DW;
	uint kind;          // 0 max, 1 average
	uint include_pad;
	int zx, zy, m, n;
} p;

#include "pool_cells.glsl"

void main()
{
	uint ox = gl_GlobalInvocationID.x, oy = gl_GlobalInvocationID.y;
	uint nc = gl_GlobalInvocationID.z;
	if (ox >= p.OW || oy >= p.OH)
		return;
	int h0 = int(oy * p.SH) - int(p.PT), w0 = int(ox * p.SW) - int(p.PL);
	uint base = nc * p.H * p.W;
	int best = 0, sum = 0;
	bool found = false;
	for (uint ky = 0; ky < p.KH; ky++) {
		int iy = h0 + int(ky * p.DH);
		if (iy < 0 || iy >= int(p.H))
			continue;
		for (uint kx = 0; kx < p.KW; kx++) {
			int ix = w0 + int(kx * p.DW);
			if (ix < 0 || ix >= int(p.W))
				continue;
			int e = X_AT(base + uint(iy) * p.W + uint(ix)) - p.zx;
			if (!found || e > best)
				best = e;
			found = true;
			sum += e;
		}
	}
	int v = best;
	if (p.kind != 0u) {
		int cnt = pool_cells(h0, w0, p.KH, p.DH, p.KW, p.DW);
		v = cnt > 0 ? round_div(sum, uint(cnt)) : 0;
	}
	y[(nc * p.OH + oy) * p.OW + ox] =
		int8_t(quant_out(requant(v, p.m, p.n), p.zy, -128, 127));
}
