#version 450
// Max or average pooling over a window, NCHW. Rules (graph.h): padded cells
// never win a max; an average divides by the cells inside the padded input
// when count_include_pad, else by the cells inside the real input; windows
// are clipped to the padded input. CPU reference: engine/cpu/pool2d.c.
// One invocation computes QX outputs along a row.
// TB ("pool2d_tb"): X read through a uniform texel buffer (R32F or R16F
// view) instead of a storage buffer, the fast path on some drivers, and 4
// outputs per invocation.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

#ifdef TB
#define QX 4u
layout(binding = 0) uniform samplerBuffer xt;
#define LOAD(i) texelFetch(xt, int(i)).r
#else
#define QX 1u
layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
#define LOAD(i) float(x[i])
#endif
layout(std430, binding = 1) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint H, W, OH, OW;
	uint KH, KW, SH, SW, PT, PL, PB, PR, DH, DW;
	uint kind;              // 0 max, 1 average
	uint count_include_pad;
} p;

// Max: no counts, so no early exits (divergent loops cost more than the
// few cells past the padded edge, which lie outside the input and never
// win anyway).
void max_pool(uint base, int y0, int x0, out float m[QX])
{
	for (uint q = 0; q < QX; q++)
		m[q] = -1.0 / 0.0;
	for (uint ky = 0; ky < p.KH; ky++) {
		int iy = y0 + int(ky * p.DH);
		bool row = iy >= 0 && iy < int(p.H);
		for (uint kx = 0; kx < p.KW; kx++) {
			for (uint q = 0; q < QX; q++) {
				int ix = x0 + int(q * p.SW + kx * p.DW);
				bool in_ = row && ix >= 0 && ix < int(p.W);
				float v = LOAD(in_ ? base + uint(iy) * p.W + uint(ix) : base);
				m[q] = in_ ? max(m[q], v) : m[q];
			}
		}
	}
}

float average_pool(uint base, int y0, int x0)
{
	int hp = int(p.H + p.PB), wp = int(p.W + p.PR); // padded extent end
	float acc = 0.0;
	uint inside = 0u, padded = 0u;
	for (uint ky = 0; ky < p.KH; ky++) {
		int iy = y0 + int(ky * p.DH);
		if (iy >= hp)
			break;
		for (uint kx = 0; kx < p.KW; kx++) {
			int ix = x0 + int(kx * p.DW);
			if (ix >= wp)
				break;
			padded++;
			if (iy < 0 || ix < 0 || iy >= int(p.H) || ix >= int(p.W))
				continue;
			acc += LOAD(base + uint(iy) * p.W + uint(ix));
			inside++;
		}
	}
	uint d = p.count_include_pad != 0u ? padded : inside;
	return d > 0u ? acc / float(d) : 0.0;
}

void main()
{
	uint ox = gl_GlobalInvocationID.x * QX, oy = gl_GlobalInvocationID.y;
	uint nc = gl_GlobalInvocationID.z;
	if (ox >= p.OW || oy >= p.OH)
		return;
	int y0 = int(oy * p.SH) - int(p.PT), x0 = int(ox * p.SW) - int(p.PL);
	uint base = nc * p.H * p.W, o = (nc * p.OH + oy) * p.OW + ox;
	float m[QX];
	if (p.kind == 0u) {
		max_pool(base, y0, x0, m);
	} else {
		for (uint q = 0; q < QX; q++)
			m[q] = average_pool(base, y0, x0 + int(q * p.SW));
	}
	for (uint q = 0; q < QX; q++)
		if (ox + q < p.OW)
			y[o + q] = Y_T(m[q]);
}
