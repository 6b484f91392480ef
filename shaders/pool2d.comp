#version 450
// Max or average pooling over a window, NCHW. Rules (graph.h): padded cells
// never win a max; an average divides by the cells inside the padded input
// when count_include_pad, else by the cells inside the real input; windows
// are clipped to the padded input. CPU reference: engine/cpu/pool2d.c.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Xb { X_T x[]; };
layout(std430, binding = 1) writeonly buffer Yb { Y_T y[]; };

layout(push_constant) uniform P {
	uint H, W, OH, OW;
	uint KH, KW, SH, SW, PT, PL, PB, PR, DH, DW;
	uint kind;              // 0 max, 1 average
	uint count_include_pad;
} p;

void main()
{
	uint ox = gl_GlobalInvocationID.x, oy = gl_GlobalInvocationID.y;
	uint nc = gl_GlobalInvocationID.z;
	if (ox >= p.OW || oy >= p.OH)
		return;
	int y0 = int(oy * p.SH) - int(p.PT), x0 = int(ox * p.SW) - int(p.PL);
	int hp = int(p.H + p.PB), wp = int(p.W + p.PR); // padded extent end
	uint base = nc * p.H * p.W;
	float acc = p.kind == 0u ? -1.0 / 0.0 : 0.0;
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
			float v = float(x[base + uint(iy) * p.W + uint(ix)]);
			inside++;
			acc = p.kind == 0u ? max(acc, v) : acc + v;
		}
	}
	if (p.kind != 0u) {
		uint d = p.count_include_pad != 0u ? padded : inside;
		acc = d > 0u ? acc / float(d) : 0.0;
	}
	y[(nc * p.OH + oy) * p.OW + ox] = Y_T(acc);
}
