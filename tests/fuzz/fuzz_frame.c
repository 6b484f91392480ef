/*
 * fuzz_frame.c — the frame path of rfx-classify: bytes as an image file
 * (cls_decode_image), a camera's MJPEG frame (cls_decode_mjpeg, which
 * inserts the standard Huffman tables), or a raw frame; whatever decodes
 * goes through the host conversions (cls_frame_to_rgb) and the engine's
 * CPU preprocessing reference (rfx_frame_params_make +
 * rfx_frame_preprocess) into a small model input, with every fit.
 *
 * Input layout: byte 0 selects the path and the options:
 *   bits 0-1: 0 image 1 channel, 1 image 3 channels, 2 MJPEG 3 channels,
 *             3 raw frame;
 *   bits 2-3: fit (stretch, center crop, letterbox; 3 = stretch);
 *   bits 4-5: model channels 1 or 3, colour rgb/bgr.
 * A raw frame then has w, h (1..64), the format (1..5) and extra stride
 * bytes, then the pixels (inputs too short for their frame are skipped,
 * as the stream source reports them as cut short before this point).
 * The rest is the image or the pixels.
 *
 * Resource guard: images whose header claims more than FUZZ_MAX_PIXELS
 * (as claimed_pixels() reads it) are not decoded (the decoder accepts up to 16384 x 16384, 805 MB of RGB;
 * tests/test_classify_decode.c covers the limits themselves).
 */
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "core/frame.h"
#include "fuzz.h"

#define FUZZ_MAX_PIXELS (1u << 20)

static void preprocess(const cls_frame *f, uint8_t opt)
{
	static float out[3 * 17 * 23];
	rfx_preprocess pp;
	rfx_frame_params p;

	memset(&pp, 0, sizeof(pp));
	memcpy(pp.color, opt & 0x20 ? "bgr" : "rgb", 4);
	pp.channels = opt & 0x10 ? 3 : 1;
	pp.width = 23;
	pp.height = 17;
	pp.scale = 1.0f / 255;
	for (int c = 0; c < 4; c++) {
		pp.mean[c] = 0.5f;
		pp.std[c] = 0.25f;
	}
	rfx_frame_fit fit = (rfx_frame_fit)((opt >> 2) & 3);
	if (fit > RFX_FIT_LETTERBOX)
		fit = RFX_FIT_STRETCH;
	if (rfx_frame_params_make(&pp, f->format, fit, f->w, f->h, f->stride,
				  &p) != RFX_OK)
		return;
	rfx_frame_preprocess(&p, f->px, out);
	uint8_t *rgb = cls_frame_to_rgb(f);
	free(rgb);
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* The largest w * h the header claims (PNG IHDR, BMP info header, any JPEG
 * SOF seen by scanning for FF Cx): a harness-side guard, deliberately not
 * stb_image's own stbi_info(), which parses Huffman tables and is exposed to
 * the same bugs as decoding. */
static uint64_t claimed_pixels(const uint8_t *d, size_t n)
{
	uint64_t most = 0;

	if (n >= 24 && d[0] == 0x89 && d[1] == 'P')
		return ((uint64_t)be16(d + 16) << 16 | be16(d + 18)) *
		       ((uint64_t)be16(d + 20) << 16 | be16(d + 22));
	if (n >= 26 && d[0] == 'B' && d[1] == 'M') {
		uint64_t w = (uint64_t)d[18] | (uint64_t)d[19] << 8 |
			     (uint64_t)d[20] << 16 | (uint64_t)d[21] << 24;
		uint64_t h = (uint64_t)d[22] | (uint64_t)d[23] << 8 |
			     (uint64_t)d[24] << 16 | (uint64_t)d[25] << 24;
		int32_t sh = (int32_t)(uint32_t)h;
		h = sh < 0 ? (uint64_t)(-(int64_t)sh) : h;
		if (w > 0xffffffffu / 2)
			w = 0xffffffffu;
		return w * h;
	}
	for (size_t p = 0; p + 9 <= n; p++) {
		uint8_t m = d[p + 1];
		if (d[p] == 0xff && m >= 0xc0 && m <= 0xcf && m != 0xc4 &&
		    m != 0xc8 && m != 0xcc) {
			uint64_t px = (uint64_t)be16(d + p + 5) * be16(d + p + 7);
			most = px > most ? px : most;
		}
	}
	return most;
}

static void raw_frame(const uint8_t *d, size_t n, uint8_t opt)
{
	cls_frame f;

	if (n < 4)
		return;
	memset(&f, 0, sizeof(f));
	f.w = d[0] % 64 + 1;
	f.h = d[1] % 64 + 1;
	f.format = (rfx_pixel_format)(d[2] % 5 + 1);
	f.stride = f.w * cls_pixel_bytes(f.format) + d[3] % 8;
	d += 4;
	n -= 4;
	if ((size_t)f.stride * f.h > n)
		return;
	/* An exact-size copy, so reading past the frame is caught. */
	f.px = malloc((size_t)f.stride * f.h);
	if (!f.px)
		return;
	memcpy(f.px, d, (size_t)f.stride * f.h);
	preprocess(&f, opt);
	cls_frame_finish(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cls_frame f;
	rfx_status st;

	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	data++;
	size--;
	if ((opt & 3) == 3) {
		raw_frame(data, size, opt);
		return 0;
	}
	if (claimed_pixels(data, size) > FUZZ_MAX_PIXELS)
		return 0;
	memset(&f, 0, sizeof(f));
	if ((opt & 3) == 2)
		st = cls_decode_mjpeg(data, size, 3, &f);
	else
		st = cls_decode_image(data, size, (opt & 3) == 0 ? 1 : 3, &f);
	if (st == RFX_OK)
		preprocess(&f, opt);
	else if (f.px)
		abort(); /* a failed frame must not hold pixels */
	cls_frame_finish(&f);
	return 0;
}
