#version 450
// Max or average pooling, NCHW, 8 outputs of a row per invocation
// ("pool2d_row_tb", engine/vk/ops/pool2d.c): the rules and the CPU
// reference are pool2d.comp's (float) and pool2d_i8.comp's (I8: int8, the
// arithmetic of rfx_cpu_pool2d_i8). The 8 windows of a row overlap (3x3
// stride 2: 17 columns for 8 outputs, not 72 cells), so each input row of
// them is fetched once, 4 consecutive values per texel (an RGBA view of X:
// its element count is a multiple of 4), into the registers v[]; the
// window's width, stride and dilation along x are specialization
// constants, so every index into v[] is a constant once the pipeline is
// built (row4.glsl).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#ifdef I8
#include "int8.glsl"
#endif

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;
layout(constant_id = 2) const uint KW = 3u;
layout(constant_id = 3) const uint SW = 2u;
layout(constant_id = 4) const uint DW = 1u;

#define QX 8u
// Input columns the 8 windows cover.
const uint SPAN = (QX - 1u) * SW + (KW - 1u) * DW + 1u;

#ifdef I8
layout(binding = 0) uniform isamplerBuffer x; // RGBA8I
layout(std430, binding = 1) writeonly buffer Yb { int8_t y[]; };
#define VEC ivec4
#define VAL int
#else
layout(binding = 0) uniform samplerBuffer x;  // RGBA32F or RGBA16F
layout(std430, binding = 1) writeonly buffer Yb { Y_T y[]; };
#define VEC vec4
#define VAL float
#endif

layout(push_constant) uniform P {
	uint H, W, OH, OW;
	uint KH, SH, DH;
	uint PT, PL, PB, PR;
	uint kind;              // 0 max, 1 average
	uint include_pad;
	int qmax;               // X's last texel
	uint blocks;            // 8-output blocks per output row
	uint count;             // invocations: planes * OH * blocks
#ifdef I8
	int zx, zy, m, n;
#endif
} p;

#define ROW4_T VAL
#define ROW4_VEC VEC
#define ROW4_SPAN SPAN
#define ROW4_TEXEL(q) texelFetch(x, q)
#include "row4.glsl"

#include "pool_cells.glsl"

void main()
{
	// One block per invocation, linear over the planes' rows: no idle
	// lanes where a row has few blocks or a plane few rows.
	uint id = LINEAR_ID;
	if (id >= p.count)
		return;
	uint ox = (id % p.blocks) * QX, r = id / p.blocks;
	uint oy = r % p.OH, nc = r / p.OH;
	int y0 = int(oy * p.SH) - int(p.PT), x0 = int(ox * SW) - int(p.PL);
	int base = int(nc * p.H * p.W);
	bool col[SPAN];
	for (uint i = 0u; i < SPAN; i++)
		col[i] = x0 + int(i) >= 0 && x0 + int(i) < int(p.W);
#ifdef I8
	int best[QX], sum[QX];
	for (uint q = 0u; q < QX; q++) {
		best[q] = -1 << 30; // below any x - z_x: "no cell yet"
		sum[q] = 0;
	}
#else
	// The float average's divisor counts the cells of the padded input
	// (include_pad) or of the real one, in pool2d.comp's order: ky, kx.
	float m[QX];
	for (uint q = 0u; q < QX; q++)
		m[q] = p.kind == 0u ? -1.0 / 0.0 : 0.0;
#endif
	for (uint ky = 0u; ky < p.KH; ky++) {
		int iy = y0 + int(ky * p.DH);
		if (iy < 0 || iy >= int(p.H))
			continue;
		VAL v[SPAN];
		row4(base + iy * int(p.W) + x0, p.qmax, v);
		for (uint q = 0u; q < QX; q++) {
			for (uint kx = 0u; kx < KW; kx++) {
				uint i = q * SW + kx * DW;
#ifdef I8
				int e = v[i] - p.zx;
				best[q] = col[i] ? max(best[q], e) : best[q];
				sum[q] += col[i] ? e : 0;
#else
				if (p.kind == 0u)
					m[q] = col[i] ? max(m[q], v[i]) : m[q];
				else
					m[q] += col[i] ? v[i] : 0.0;
#endif
			}
		}
	}
	uint o = (nc * p.OH + oy) * p.OW + ox;
	for (uint q = 0u; q < QX; q++) {
		if (ox + q >= p.OW)
			break;
		int xq = x0 + int(q * SW);
#ifdef I8
		int v = best[q] == (-1 << 30) ? 0 : best[q];
		if (p.kind != 0u) {
			int cnt = pool_cells(y0, xq, p.KH, p.DH, KW, DW);
			v = cnt > 0 ? round_div(sum[q], uint(cnt)) : 0;
		}
		y[o + q] = int8_t(quant_out(requant(v, p.m, p.n), p.zy, -128, 127));
#else
		float r = m[q];
		if (p.kind != 0u) {
			// pool2d.comp's windows stop at the padded extent's end.
			int d = pool_cells(y0, xq, p.KH, p.DH, KW, DW);
			r = d > 0 ? r / float(d) : 0.0;
		}
		y[o + q] = Y_T(r);
#endif
	}
}
