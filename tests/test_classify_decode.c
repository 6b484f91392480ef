/*
 * rfx-classify in-process: image decoding and its refusals, the standard
 * Huffman tables for camera MJPEG (the part of the camera path that runs
 * without a camera), the host box filter for huge images, top-K, the
 * probability detection and the percentiles. References: images written by
 * stb_image_write from known pixels, numbers worked out by hand.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
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

/* The marker after the scan whose SOS is at `sos`. */
static size_t scan_end(const struct mem *j, size_t sos)
{
	size_t p = sos + 2 + ((size_t)j->p[sos + 2] << 8 | j->p[sos + 3]);

	for (; p + 1 < j->n; p++)
		if (j->p[p] == 0xff && j->p[p + 1] != 0 &&
		    (j->p[p + 1] < 0xd0 || j->p[p + 1] > 0xd7))
			return p;
	ck_abort_msg("no marker after the scan at %zu", sos);
	return 0;
}

/* Offset of the n-th SOS marker (FF DA) of a JPEG, walking segments and
 * skipping each scan's entropy-coded data. */
static size_t nth_sos(const struct mem *j, int nth)
{
	size_t p = 2;

	for (;;) {
		ck_assert(p + 4 <= j->n && j->p[p] == 0xff);
		uint8_t m = j->p[p + 1];
		size_t len = 2 + ((size_t)j->p[p + 2] << 8 | j->p[p + 3]);
		if (m == 0xda) {
			if (nth-- == 0)
				return p;
			p = scan_end(j, p);
			continue;
		}
		p += len;
	}
}

static struct mem copy_mem(const struct mem *m)
{
	struct mem c = {malloc(m->n), m->n};
	ck_assert_ptr_nonnull(c.p);
	memcpy(c.p, m->p, m->n);
	return c;
}

/* A progressive JPEG (Pillow, 9x9 RGB: a DC scan on DC tables 0/1, AC
 * scans each with its own DHT), from the fuzz corpus. */
static struct mem progressive_jpeg(void)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/../fuzz/corpus/frame/jpeg_prog",
		 getenv("TEST_DATA"));
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "%s", path);
	struct mem m = {malloc(4096), 0};
	ck_assert_ptr_nonnull(m.p);
	ck_assert_int_eq(fgetc(f), 0x31); /* the fuzz target's option byte */
	m.n = fread(m.p, 1, 4096, f);
	fclose(f);
	ck_assert_uint_gt(m.n, 100);
	return m;
}

static void expect_refused(const struct mem *m, const char *what, const char *msg)
{
	cls_frame f = decode(m, 3);
	ck_assert_msg(f.status != RFX_OK, "%s: accepted", what);
	ck_assert_msg(strstr(f.err, msg), "%s: '%s' does not say '%s'", what, f.err, msg);
}

START_TEST(test_decode_undefined_huffman_table)
{
	/* Debian's stb_image (2.27) decodes a scan on a Huffman table no DHT
	 * defined from uninitialized memory, without checking the symbol
	 * index it computes: refused by name before stb sees it. */
	uint8_t *rgb = random_pixels(16, 16, 3, 51);
	struct mem full = encode('j', rgb, 16, 16, 3); /* DC/AC tables 0, 1 */
	size_t sos = nth_sos(&full, 0);
	struct mem bad = copy_mem(&full);

	ck_assert_uint_eq(full.p[sos + 4], 3); /* Y Cb Cr: selectors 00 11 11 */
	bad.p[sos + 8] = 0x22;
	expect_refused(&bad, "Cb on DC 2", "Huffman table DC 2, which no DHT defines");
	bad.p[sos + 8] = 0x13;
	expect_refused(&bad, "Cb on AC 3", "Huffman table AC 3, which no DHT defines");
	bad.p[sos + 8] = 0x11;
	cls_frame f = decode(&bad, 3);
	ck_assert_int_eq(f.status, RFX_OK);
	cls_frame_finish(&f);

	/* No DHT at all, and a DHT only inside an APP1 segment (which stb
	 * skips by its length). */
	struct mem bare = strip_dht(&full);
	expect_refused(&bare, "no DHT", "Huffman table DC 0, which no DHT defines");
	size_t dht = 2;
	while (full.p[dht + 1] != 0xc4)
		dht += 2 + ((size_t)full.p[dht + 2] << 8 | full.p[dht + 3]);
	size_t dht_len = 2 + ((size_t)full.p[dht + 2] << 8 | full.p[dht + 3]);
	struct mem hidden = {malloc(bare.n + 4 + dht_len), 0};
	ck_assert_ptr_nonnull(hidden.p);
	memcpy(hidden.p, bare.p, 2);
	hidden.p[2] = 0xff;
	hidden.p[3] = 0xe1;
	hidden.p[4] = (uint8_t)((dht_len + 2) >> 8);
	hidden.p[5] = (uint8_t)(dht_len + 2);
	memcpy(hidden.p + 6, full.p + dht, dht_len);
	memcpy(hidden.p + 6 + dht_len, bare.p + 2, bare.n - 2);
	hidden.n = bare.n + 4 + dht_len;
	expect_refused(&hidden, "DHT in APP1", "Huffman table DC 0, which no DHT defines");

	/* Progressive: a first DC scan needs no AC table (none is defined
	 * yet there), an AC scan does. */
	struct mem prog = progressive_jpeg();
	f = decode(&prog, 3);
	ck_assert_msg(f.status == RFX_OK, "%s", f.err);
	ck_assert_uint_eq(f.w, 9);
	cls_frame_finish(&f);
	size_t ac = nth_sos(&prog, 1);
	ck_assert_uint_ne(prog.p[ac + 7], 0); /* Ss: an AC scan */
	prog.p[ac + 6] = 0x03;
	expect_refused(&prog, "progressive AC 3", "Huffman table AC 3, which no DHT defines");

	free(prog.p);
	free(hidden.p);
	free(bare.p);
	free(bad.p);
	free(full.p);
	free(rgb);
}
END_TEST

/* Leaves freed heap chunks of many sizes (stb_image's decoder state is
 * about 18 KB) filled with a byte. */
static void dirty_heap(uint8_t byte)
{
	void *chunks[258];

	for (int i = 0; i < 258; i++) {
		size_t n = i < 256 ? 64 + 16 * (size_t)i : (size_t)32768 << (i - 256);
		chunks[i] = malloc(n);
		ck_assert_ptr_nonnull(chunks[i]);
		memset(chunks[i], byte, n);
	}
	for (int i = 0; i < 258; i++)
		free(chunks[i]);
}

START_TEST(test_decode_undefined_quant_table)
{
	/* Y on quantization table 3, which no DQT defines: stb_image 2.27
	 * takes the table from memory it never set. rfx-classify's stb
	 * allocates zeroed memory: every coefficient dequantizes to 0, the
	 * image is flat mid-gray, whatever the heap held before. */
	uint8_t *rgb = random_pixels(16, 16, 3, 61);
	struct mem jpg = encode('j', rgb, 16, 16, 3);
	size_t sof = 2;

	while (jpg.p[sof + 1] != 0xc0)
		sof += 2 + ((size_t)jpg.p[sof + 2] << 8 | jpg.p[sof + 3]);
	ck_assert_uint_eq(jpg.p[sof + 12], 0); /* Y's table */
	jpg.p[sof + 12] = 3;
	mallopt(M_PERTURB, 0); /* meson's MALLOC_PERTURB_ would fill both alike */
	for (int k = 0; k < 2; k++) {
		dirty_heap(k ? 0x6c : 0x11);
		cls_frame f = decode(&jpg, 1);
		ck_assert_msg(f.status == RFX_OK, "%s", f.err);
		for (int i = 0; i < 16 * 16; i++)
			ck_assert_msg(f.px[i] == 128, "heap 0x%x: pixel %d is %d",
				      k ? 0x6c : 0x11, i, f.px[i]);
		cls_frame_finish(&f);
	}
	free(jpg.p);
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

START_TEST(test_decode_image_sizes)
{
	/* 1x1 decodes (PNG and BMP exactly); 0x0 is refused by name. */
	const uint8_t px[3] = {200, 100, 50};
	const char kinds[3] = {'p', 'b', 'j'};
	for (int k = 0; k < 3; k++) {
		struct mem m = encode(kinds[k], px, 1, 1, 3);
		cls_frame f = decode(&m, 3);
		ck_assert_msg(f.status == RFX_OK, "1x1 '%c': %s", kinds[k], f.err);
		ck_assert_uint_eq(f.w, 1);
		ck_assert_uint_eq(f.h, 1);
		if (kinds[k] != 'j')
			ck_assert_mem_eq(f.px, px, 3);
		cls_frame_finish(&f);
		if (kinds[k] == 'p') {
			memset(m.p + 16, 0, 8); /* IHDR width and height */
			expect_refused(&m, "0x0 PNG", "zero-sized image (0x0)");
		} else if (kinds[k] == 'b') {
			memset(m.p + 18, 0, 8); /* BITMAPINFOHEADER width, height */
			expect_refused(&m, "0x0 BMP", "zero-sized image (0x0)");
		}
		free(m.p);
	}

	/* At the side limit, and long and thin: 16384x1 is box-shrunk to
	 * 4096x1 (each pixel the mean of 4), 1x5000 to 1x2500; one more
	 * pixel than the limit is refused from the header. */
	const uint32_t dims[2][2] = {{16384, 1}, {1, 5000}};
	for (int k = 0; k < 2; k++) {
		uint32_t w = dims[k][0], h = dims[k][1], n = w * h, s = n / (n > 5000 ? 4 : 2);
		uint8_t *g = random_pixels(w, h, 1, 71 + (uint32_t)k);
		struct mem m = encode('p', g, (int)w, (int)h, 1);
		cls_frame f = decode(&m, 1);
		ck_assert_msg(f.status == RFX_OK, "%ux%u: %s", w, h, f.err);
		ck_assert_uint_eq(f.w * f.h, s);
		ck_assert_uint_eq(w > h ? f.h : f.w, 1);
		for (uint32_t i = 0; i < s; i++) {
			uint32_t per = n / s, sum = 0;
			for (uint32_t j = 0; j < per; j++)
				sum += g[i * per + j];
			ck_assert_uint_eq(f.px[i], (sum + per / 2) / per);
		}
		cls_frame_finish(&f);
		free(m.p);
		free(g);
	}
	uint8_t *row = random_pixels(16385, 1, 1, 73);
	struct mem wide = encode('p', row, 16385, 1, 1);
	expect_refused(&wide, "16385x1", "too large: 16385x1 pixels (at most 16384 per side)");
	free(wide.p);
	free(row);
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
	tcase_add_test(tc, test_decode_undefined_huffman_table);
	tcase_add_test(tc, test_decode_undefined_quant_table);
	tcase_add_test(tc, test_decode_image_sizes);
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
