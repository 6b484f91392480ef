/*
 * rfx-classify in-process: image decoding and its refusals, the standard
 * Huffman tables for camera MJPEG (the part of the camera path that runs
 * without a camera), the host box filter for huge images, top-K, the
 * probability detection and the percentiles. References: images written by
 * stb_image_write from known pixels, numbers worked out by hand.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image_write.h>

#include "check_util.h"
#include "classify.h"
#include "test_classify.h"

struct mem {
	uint8_t *p;
	size_t n;
};

static void mem_put(void *ctx, void *data, int size)
{
	struct mem *m = ctx;
	m->p = realloc(m->p, m->n + (size_t)size);
	ck_assert_ptr_nonnull(m->p);
	memcpy(m->p + m->n, data, (size_t)size);
	m->n += (size_t)size;
}

static uint8_t *random_pixels(uint32_t w, uint32_t h, uint32_t c, uint32_t seed)
{
	uint8_t *px = malloc((size_t)w * h * c);
	ck_assert_ptr_nonnull(px);
	for (size_t i = 0; i < (size_t)w * h * c; i++)
		px[i] = (uint8_t)(test_rand(&seed) >> 24);
	return px;
}

static struct mem encode(char kind, const uint8_t *px, int w, int h, int c)
{
	struct mem m = {NULL, 0};
	int ok = kind == 'p' ? stbi_write_png_to_func(mem_put, &m, w, h, c, px, w * c) :
		 kind == 'b' ? stbi_write_bmp_to_func(mem_put, &m, w, h, c, px) :
			       stbi_write_jpg_to_func(mem_put, &m, w, h, c, px, 100);
	ck_assert_int_ne(ok, 0);
	return m;
}

static cls_frame decode(const struct mem *m, int channels)
{
	cls_frame f;
	memset(&f, 0, sizeof(f));
	cls_decode_image(m->p, m->n, channels, &f);
	return f;
}

START_TEST(test_decode_lossless)
{
	/* PNG and BMP carry the pixels exactly, in RGB and gray. */
	uint8_t *rgb = random_pixels(13, 7, 3, 11), *gray = random_pixels(13, 7, 1, 12);
	struct mem png = encode('p', rgb, 13, 7, 3), bmp = encode('b', rgb, 13, 7, 3);
	struct mem gpng = encode('p', gray, 13, 7, 1);
	cls_frame a = decode(&png, 3), b = decode(&bmp, 3), g = decode(&gpng, 1);

	ck_assert_int_eq(a.status, RFX_OK);
	ck_assert_int_eq(b.status, RFX_OK);
	ck_assert_int_eq(g.status, RFX_OK);
	ck_assert_uint_eq(a.w, 13);
	ck_assert_uint_eq(a.h, 7);
	ck_assert_uint_eq(a.stride, 39);
	ck_assert_int_eq(a.format, RFX_PIXEL_RGB24);
	ck_assert_int_eq(g.format, RFX_PIXEL_GRAY8);
	ck_assert_mem_eq(a.px, rgb, 13 * 7 * 3);
	ck_assert_mem_eq(b.px, rgb, 13 * 7 * 3);
	ck_assert_mem_eq(g.px, gray, 13 * 7);
	cls_frame_finish(&a);
	cls_frame_finish(&b);
	cls_frame_finish(&g);
	free(png.p);
	free(bmp.p);
	free(gpng.p);
	free(rgb);
	free(gray);
}
END_TEST

/* Removes every DHT segment before the first scan. */
static struct mem strip_dht(const struct mem *j)
{
	struct mem o = {malloc(j->n), 0};
	size_t p = 2;

	ck_assert_ptr_nonnull(o.p);
	memcpy(o.p, j->p, 2);
	o.n = 2;
	for (;;) {
		ck_assert(p + 4 <= j->n && j->p[p] == 0xff);
		uint8_t m = j->p[p + 1];
		size_t len = 2 + ((size_t)j->p[p + 2] << 8 | j->p[p + 3]);
		if (m == 0xda) /* SOS: copy the rest */
			break;
		if (m != 0xc4) {
			memcpy(o.p + o.n, j->p + p, len);
			o.n += len;
		}
		p += len;
	}
	memcpy(o.p + o.n, j->p + p, j->n - p);
	o.n += j->n - p;
	return o;
}

START_TEST(test_mjpeg_standard_tables)
{
	/* stb_image_write codes with the Annex K tables: without its DHT
	 * segments the JPEG is what many cameras send, and with the tables
	 * put back it must decode to exactly the original's pixels. */
	uint8_t *rgb = random_pixels(40, 24, 3, 21);
	struct mem full = encode('j', rgb, 40, 24, 3);
	struct mem bare = strip_dht(&full);
	cls_frame ref = decode(&full, 3), f, g;

	ck_assert_int_eq(ref.status, RFX_OK);
	ck_assert(cls_jpeg_has_dht(full.p, full.n));
	ck_assert(!cls_jpeg_has_dht(bare.p, bare.n));
	ck_assert_uint_lt(bare.n, full.n);
	g = decode(&bare, 3);
	ck_assert_int_ne(g.status, RFX_OK); /* stb alone cannot */
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(cls_decode_mjpeg(bare.p, bare.n, 3, &f), RFX_OK);
	ck_assert_uint_eq(f.w, 40);
	ck_assert_uint_eq(f.h, 24);
	ck_assert_mem_eq(f.px, ref.px, 40 * 24 * 3);
	cls_frame_finish(&f);
	/* A JPEG with its tables goes through unchanged. */
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(cls_decode_mjpeg(full.p, full.n, 1, &f), RFX_OK);
	ck_assert_int_eq(f.format, RFX_PIXEL_GRAY8);
	cls_frame_finish(&f);
	cls_frame_finish(&ref);
	cls_frame_finish(&g);
	free(full.p);
	free(bare.p);
	free(rgb);
}
END_TEST

struct bad_case {
	const char *what;
	struct mem m;
	const char *msg;
};

START_TEST(test_decode_refusals)
{
	uint8_t *rgb = random_pixels(16, 12, 3, 31);
	struct mem png = encode('p', rgb, 16, 12, 3), jpg = encode('j', rgb, 16, 12, 3);
	struct mem bmp = encode('b', rgb, 16, 12, 3);
	struct bad_case cases[8];
	int n = 0;
	static uint8_t text[] = "label,x\n1,2\n";

	cases[n++] = (struct bad_case){"empty", {text, 0}, "empty file"};
	cases[n++] = (struct bad_case){"text", {text, sizeof(text) - 1}, "not a JPEG, PNG or BMP"};
	cases[n++] = (struct bad_case){"png/2", {png.p, png.n / 2}, "truncated PNG"};
	cases[n++] = (struct bad_case){"png-4", {png.p, png.n - 4}, "truncated PNG"};
	cases[n++] = (struct bad_case){"jpeg/2", {jpg.p, jpg.n / 2}, "truncated JPEG"};
	cases[n++] = (struct bad_case){"bmp-1", {bmp.p, bmp.n - 1}, "truncated BMP"};

	/* Sizes in the header: 100000 x 100000, and 0 x 12. */
	uint8_t *huge = malloc(png.n), *zero = malloc(png.n);
	ck_assert(huge && zero);
	memcpy(huge, png.p, png.n);
	memcpy(zero, png.p, png.n);
	const uint8_t big[4] = {0x00, 0x01, 0x86, 0xa0}; /* 100000 */
	memcpy(huge + 16, big, 4);
	memcpy(huge + 20, big, 4);
	memset(zero + 16, 0, 4);
	cases[n++] = (struct bad_case){"huge", {huge, png.n}, "too large: 100000x100000"};
	cases[n++] = (struct bad_case){"zero", {zero, png.n}, "zero-sized"};

	for (int i = 0; i < n; i++) {
		cls_frame f = decode(&cases[i].m, 3);
		ck_assert_msg(f.status != RFX_OK, "%s: accepted", cases[i].what);
		ck_assert_ptr_null(f.px);
		ck_assert_msg(strstr(f.err, cases[i].msg), "%s: '%s' does not say '%s'",
			      cases[i].what, f.err, cases[i].msg);
	}
	/* The intact files decode (the refusals are about the damage). */
	cls_frame ok[3] = {decode(&png, 3), decode(&jpg, 3), decode(&bmp, 3)};
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(ok[i].status, RFX_OK);
		cls_frame_finish(&ok[i]);
	}
	free(huge);
	free(zero);
	free(png.p);
	free(jpg.p);
	free(bmp.p);
	free(rgb);
}
END_TEST

START_TEST(test_decode_box_shrink)
{
	/* 4100 wide is over CLS_MAX_FRAME_SIDE: halved by 2x2 averages,
	 * rounded half up. */
	const uint32_t w = 4100, h = 6;
	uint8_t *g = random_pixels(w, h, 1, 41);
	struct mem png = encode('p', g, (int)w, (int)h, 1);
	cls_frame f = decode(&png, 1);

	ck_assert_int_eq(f.status, RFX_OK);
	ck_assert_uint_eq(f.w, w / 2);
	ck_assert_uint_eq(f.h, h / 2);
	for (uint32_t y = 0; y < h / 2; y++)
		for (uint32_t x = 0; x < w / 2; x++) {
			unsigned s = g[(2 * y) * w + 2 * x] + g[(2 * y) * w + 2 * x + 1] +
				     g[(2 * y + 1) * w + 2 * x] + g[(2 * y + 1) * w + 2 * x + 1];
			ck_assert_uint_eq(f.px[y * f.stride + x], (s + 2) / 4);
		}
	cls_frame_finish(&f);
	free(png.p);
	free(g);
}
END_TEST

START_TEST(test_top_k)
{
	const float p[6] = {0.1f, 0.3f, 0.05f, 0.3f, 0.2f, 0.05f};
	cls_class top[6];

	/* Largest first; equal values keep index order. */
	ck_assert_uint_eq(cls_top_k(p, 6, 4, top), 4);
	const uint32_t want[4] = {1, 3, 4, 0};
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(top[i].index, want[i]);
	ck_assert_uint_eq(cls_top_k(p, 6, 10, top), 6);
	ck_assert_uint_eq(top[4].index, 2);
	ck_assert_uint_eq(top[5].index, 5);
	ck_assert_uint_eq(cls_top_k(p, 6, 0, top), 0);
	const float q[3] = {NAN, -1.0f, 2.0f};
	ck_assert_uint_eq(cls_top_k(q, 3, 3, top), 3);
	ck_assert_uint_eq(top[0].index, 2);
	ck_assert_uint_eq(top[1].index, 1);
}
END_TEST

START_TEST(test_probabilities)
{
	float probs[3] = {0.2f, 0.5f, 0.3f};
	float logits[3] = {1.0f, 2.0f, 0.0f};
	float in01[3] = {0.2f, 0.2f, 0.2f}; /* in [0, 1] but sums to 0.6 */
	float nan3[3] = {NAN, 0.5f, 0.5f};

	ck_assert_int_eq(cls_probabilities(probs, 3), 0);
	ck_assert_float_eq(probs[1], 0.5f);
	ck_assert_int_eq(cls_probabilities(logits, 3), 1);
	double z = exp(1.0) + exp(2.0) + 1.0;
	ck_assert_double_eq_tol(logits[0], exp(1.0) / z, 1e-7);
	ck_assert_double_eq_tol(logits[1], exp(2.0) / z, 1e-7);
	ck_assert_double_eq_tol(logits[2], 1.0 / z, 1e-7);
	ck_assert_int_eq(cls_probabilities(in01, 3), 1);
	ck_assert_double_eq_tol(in01[0], 1.0 / 3, 1e-7);
	ck_assert_int_eq(cls_probabilities(nan3, 3), 1);
}
END_TEST

START_TEST(test_percentile)
{
	/* Type 7: h = (n - 1) q, interpolate between the neighbours. */
	const double v[5] = {1, 2, 4, 8, 16};
	ck_assert_double_eq(cls_percentile(v, 5, 0.5), 4);
	ck_assert_double_eq(cls_percentile(v, 5, 0.0), 1);
	ck_assert_double_eq(cls_percentile(v, 5, 1.0), 16);
	ck_assert_double_eq_tol(cls_percentile(v, 5, 0.99), 8 + 0.96 * 8, 1e-12);
	ck_assert_double_eq_tol(cls_percentile(v, 5, 0.3), 2 + 0.2 * 2, 1e-12);
	ck_assert_double_eq(cls_percentile(v, 1, 0.99), 1);
}
END_TEST

TCase *classify_decode_tcase(void)
{
	TCase *tc = tcase_create("decode");
	tcase_add_test(tc, test_decode_lossless);
	tcase_add_test(tc, test_mjpeg_standard_tables);
	tcase_add_test(tc, test_decode_refusals);
	tcase_add_test(tc, test_decode_box_shrink);
	return tc;
}

TCase *classify_report_tcase(void)
{
	TCase *tc = tcase_create("report");
	tcase_add_test(tc, test_top_k);
	tcase_add_test(tc, test_probabilities);
	tcase_add_test(tc, test_percentile);
	return tc;
}
