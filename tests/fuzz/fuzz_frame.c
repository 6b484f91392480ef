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
 * Resource guard: images whose header claims more than FUZZ_MAX_PIXELS are
 * not decoded (the decoder accepts up to 16384 x 16384, 805 MB of RGB;
 * tests/test_classify_decode.c covers the limits themselves).
 */
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

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
	int w, h, n;

	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	data++;
	size--;
	if ((opt & 3) == 3) {
		raw_frame(data, size, opt);
		return 0;
	}
	if (size > 0 && size < (1u << 30) &&
	    stbi_info_from_memory(data, (int)size, &w, &h, &n) &&
	    (uint64_t)w * (uint64_t)h > FUZZ_MAX_PIXELS)
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
