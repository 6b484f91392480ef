#version 450
// Raw camera frame -> model input tensor (NCHW, one image): bilinear
// resize with the fit chosen on the host, colour conversion, scale, mean,
// std. The formula and its parameters: engine/core/frame.h; the CPU
// reference: engine/core/frame.c. `precise` keeps the driver from fusing
// multiply-adds, so both compute the same roundings.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

// The frame's bytes, read as 32-bit words (no 8-bit storage needed).
layout(std430, binding = 0) readonly buffer Fb { uint frame[]; };
layout(std430, binding = 1) readonly buffer Pb {
	uint format, src_w, src_h, stride;
	float x0, y0, sx, sy;
	int ox0, oy0, ow, oh;
	uint dst_w, dst_h, channels, bgr;
	float scale;
	uint enabled;
	float pad1, pad2;
	vec4 mean;
	vec4 inv_std;
} p;
layout(std430, binding = 2) writeonly buffer Yb { Y_T y[]; };

#define PIXEL_RGB24 1u
#define PIXEL_BGR24 2u
#define PIXEL_GRAY8 3u
#define PIXEL_YUYV 4u
#define PIXEL_RGBA32 5u

float byte_at(uint o)
{
	return float((frame[o >> 2] >> ((o & 3u) * 8u)) & 0xffu);
}

vec3 fetch(uint x, uint yy)
{
	uint row = yy * p.stride;
	if (p.format == PIXEL_RGB24 || p.format == PIXEL_RGBA32) {
		uint o = row + x * (p.format == PIXEL_RGB24 ? 3u : 4u);
		return vec3(byte_at(o), byte_at(o + 1u), byte_at(o + 2u));
	}
	if (p.format == PIXEL_BGR24) {
		uint o = row + x * 3u;
		return vec3(byte_at(o + 2u), byte_at(o + 1u), byte_at(o));
	}
	if (p.format == PIXEL_GRAY8) {
		float g = byte_at(row + x);
		return vec3(g);
	}
	uint pair = row + (x & ~1u) * 2u;
	precise float Y = byte_at(pair + ((x & 1u) != 0u ? 2u : 0u)) - 16.0;
	precise float U = byte_at(pair + 1u) - 128.0;
	precise float V = byte_at(pair + 3u) - 128.0;
	precise float r = 1.164 * Y + 1.596 * V;
	precise float g = 1.164 * Y - 0.392 * U - 0.813 * V;
	precise float b = 1.164 * Y + 2.017 * U;
	return clamp(vec3(r, g, b), 0.0, 255.0);
}

void main()
{
	uint dx = gl_GlobalInvocationID.x, dy = gl_GlobalInvocationID.y;
	if (p.enabled == 0u || dx >= p.dst_w || dy >= p.dst_h)
		return;
	vec3 rgb = vec3(0.0);
	int rx = int(dx) - p.ox0, ry = int(dy) - p.oy0;
	if (rx >= 0 && ry >= 0 && rx < p.ow && ry < p.oh) {
		precise float fx = p.x0 + (float(rx) + 0.5) * p.sx - 0.5;
		precise float fy = p.y0 + (float(ry) + 0.5) * p.sy - 0.5;
		fx = min(max(fx, 0.0), float(p.src_w - 1u));
		fy = min(max(fy, 0.0), float(p.src_h - 1u));
		uint x0 = uint(fx), y0 = uint(fy);
		uint x1 = x0 + 1u < p.src_w ? x0 + 1u : x0;
		uint y1 = y0 + 1u < p.src_h ? y0 + 1u : y0;
		precise float ax = fx - float(x0);
		precise float ay = fy - float(y0);
		vec3 a = fetch(x0, y0), b = fetch(x1, y0);
		vec3 c = fetch(x0, y1), d = fetch(x1, y1);
		precise vec3 top = a + (b - a) * ax;
		precise vec3 bot = c + (d - c) * ax;
		precise vec3 v = top + (bot - top) * ay;
		rgb = v;
	}
	uint o = dy * p.dst_w + dx;
	if (p.channels == 1u) {
		precise float luma = 0.299 * rgb.r + 0.587 * rgb.g + 0.114 * rgb.b;
		float v = p.format == PIXEL_GRAY8 ? rgb.r : luma;
		precise float n = (v * p.scale - p.mean[0]) * p.inv_std[0];
		y[o] = Y_T(n);
		return;
	}
	uint plane = p.dst_w * p.dst_h;
	for (uint c = 0u; c < 3u; c++) {
		float v = rgb[p.bgr != 0u ? 2u - c : c];
		precise float n = (v * p.scale - p.mean[c]) * p.inv_std[c];
		y[c * plane + o] = Y_T(n);
	}
}
