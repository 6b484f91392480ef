/* Frame input: the host-side mapping and the CPU reference (see frame.h for
 * the formula; shaders/preprocess.comp computes the same). */
#include <math.h>
#include <string.h>

#include "core/frame.h"

uint32_t rfx_pixel_bytes(rfx_pixel_format f)
{
	switch (f) {
	case RFX_PIXEL_RGB24:
	case RFX_PIXEL_BGR24: return 3;
	case RFX_PIXEL_GRAY8: return 1;
	case RFX_PIXEL_YUYV: return 2;
	case RFX_PIXEL_RGBA32: return 4;
	default: return 0;
	}
}

rfx_status rfx_frame_params_make(const rfx_preprocess *pp, rfx_pixel_format f,
                                 rfx_frame_fit fit, uint32_t src_w,
                                 uint32_t src_h, uint32_t stride,
                                 rfx_frame_params *out)
{
	uint32_t bpp = rfx_pixel_bytes(f);
	double dw = pp->width, dh = pp->height;

	memset(out, 0, sizeof(*out));
	if (!bpp || src_w == 0 || src_h == 0 || pp->width == 0 ||
	    pp->height == 0 || (f == RFX_PIXEL_YUYV && (src_w & 1)))
		return RFX_E_INVALID_ARGUMENT;
	if (stride == 0)
		stride = src_w * bpp;
	if (stride < src_w * bpp)
		return RFX_E_INVALID_ARGUMENT;
	out->format = (uint32_t)f;
	out->src_w = src_w;
	out->src_h = src_h;
	out->stride = stride;
	out->dst_w = pp->width;
	out->dst_h = pp->height;
	out->channels = pp->channels;
	out->bgr = strcmp(pp->color, "bgr") == 0;
	out->scale = pp->scale;
	out->enabled = 1;
	for (int c = 0; c < 4; c++) {
		out->mean[c] = pp->mean[c];
		out->inv_std[c] = pp->std[c] != 0 ? 1.0f / pp->std[c] : 1.0f;
	}
	/* Whole output covered, whole source shown: stretch. */
	out->ox0 = out->oy0 = 0;
	out->ow = (int32_t)pp->width;
	out->oh = (int32_t)pp->height;
	out->x0 = out->y0 = 0;
	out->sx = (float)(src_w / dw);
	out->sy = (float)(src_h / dh);
	if (fit == RFX_FIT_CENTER_CROP) {
		double s = fmax(dw / src_w, dh / src_h); /* cover */
		double cw = dw / s, ch = dh / s;
		out->x0 = (float)((src_w - cw) / 2);
		out->y0 = (float)((src_h - ch) / 2);
		out->sx = (float)(cw / dw);
		out->sy = (float)(ch / dh);
	} else if (fit == RFX_FIT_LETTERBOX) {
		double s = fmin(dw / src_w, dh / src_h); /* fit inside */
		int32_t ow = (int32_t)lround(src_w * s), oh = (int32_t)lround(src_h * s);
		ow = ow < 1 ? 1 : ow;
		oh = oh < 1 ? 1 : oh;
		out->ow = ow;
		out->oh = oh;
		out->ox0 = ((int32_t)pp->width - ow) / 2;
		out->oy0 = ((int32_t)pp->height - oh) / 2;
		out->sx = (float)((double)src_w / ow);
		out->sy = (float)((double)src_h / oh);
	}
	return RFX_OK;
}

static float clamp255(float v)
{
	return v < 0 ? 0 : v > 255 ? 255 : v;
}

/* One source pixel as R, G, B in 0..255. */
static void fetch(const rfx_frame_params *p, const uint8_t *f, uint32_t x,
                  uint32_t y, float rgb[3])
{
	const uint8_t *row = f + (size_t)y * p->stride;

	switch (p->format) {
	case RFX_PIXEL_RGB24:
	case RFX_PIXEL_RGBA32: {
		const uint8_t *px = row + (size_t)x * rfx_pixel_bytes(p->format);
		rgb[0] = px[0], rgb[1] = px[1], rgb[2] = px[2];
		break;
	}
	case RFX_PIXEL_BGR24: {
		const uint8_t *px = row + (size_t)x * 3;
		rgb[0] = px[2], rgb[1] = px[1], rgb[2] = px[0];
		break;
	}
	case RFX_PIXEL_GRAY8:
		rgb[0] = rgb[1] = rgb[2] = row[x];
		break;
	default: { /* YUYV */
		const uint8_t *pair = row + (size_t)(x & ~1u) * 2;
		float Y = (float)pair[(x & 1) ? 2 : 0] - 16.0f;
		float U = (float)pair[1] - 128.0f, V = (float)pair[3] - 128.0f;
		rgb[0] = clamp255(1.164f * Y + 1.596f * V);
		rgb[1] = clamp255(1.164f * Y - 0.392f * U - 0.813f * V);
		rgb[2] = clamp255(1.164f * Y + 2.017f * U);
		break;
	}
	}
}

void rfx_frame_preprocess(const rfx_frame_params *p, const uint8_t *frame,
                          float *out)
{
	size_t plane = (size_t)p->dst_w * p->dst_h;

	for (uint32_t dy = 0; dy < p->dst_h; dy++)
		for (uint32_t dx = 0; dx < p->dst_w; dx++) {
			float rgb[3] = {0, 0, 0};
			int32_t rx = (int32_t)dx - p->ox0, ry = (int32_t)dy - p->oy0;
			if (rx >= 0 && ry >= 0 && rx < p->ow && ry < p->oh) {
				float fx = p->x0 + ((float)rx + 0.5f) * p->sx - 0.5f;
				float fy = p->y0 + ((float)ry + 0.5f) * p->sy - 0.5f;
				fx = fminf(fmaxf(fx, 0.0f), (float)(p->src_w - 1));
				fy = fminf(fmaxf(fy, 0.0f), (float)(p->src_h - 1));
				uint32_t x0 = (uint32_t)fx, y0 = (uint32_t)fy;
				uint32_t x1 = x0 + 1 < p->src_w ? x0 + 1 : x0;
				uint32_t y1 = y0 + 1 < p->src_h ? y0 + 1 : y0;
				float ax = fx - (float)x0, ay = fy - (float)y0;
				float a[3], b[3], c[3], d[3];
				fetch(p, frame, x0, y0, a);
				fetch(p, frame, x1, y0, b);
				fetch(p, frame, x0, y1, c);
				fetch(p, frame, x1, y1, d);
				for (int k = 0; k < 3; k++) {
					float top = a[k] + (b[k] - a[k]) * ax;
					float bot = c[k] + (d[k] - c[k]) * ax;
					rgb[k] = top + (bot - top) * ay;
				}
			}
			size_t o = (size_t)dy * p->dst_w + dx;
			if (p->channels == 1) {
				float v = p->format == RFX_PIXEL_GRAY8 ? rgb[0] :
					  0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
				out[o] = (v * p->scale - p->mean[0]) * p->inv_std[0];
				continue;
			}
			for (uint32_t c = 0; c < 3; c++) {
				float v = rgb[p->bgr ? 2 - c : c];
				out[c * plane + o] = (v * p->scale - p->mean[c]) * p->inv_std[c];
			}
		}
}
