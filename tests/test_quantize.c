/*
 * int8 in the converter: calibration statistics and ranges, calibration
 * images (this file); the quantization pass on built graphs
 * (test_quantize_pass.c); committed ONNX models, QDQ import, mixed
 * precision, the command line and Vulkan (test_quantize_models.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "convert/calibrate.h"
#include "convert/images.h"
#include "cpu/cpu.h"
#include "graph/quant.h"
#include "npy.h"
#include "test_quantize.h"

/* ---- shared helpers ---- */

static rfx_status random_sample(void *user, uint32_t k, const rfx_graph *g,
                                float *dst, char *err, size_t errlen)
{
	const tq_random *r = user;
	uint32_t state = r->seed * 2654435761u + k * 40503u + 1u;
	uint64_t n = rfx_tensor_elements(&g->tensors[g->inputs[0]]);

	(void)err;
	(void)errlen;
	for (uint64_t e = 0; e < n; e++)
		dst[e] = test_randf(&state, r->lo, r->hi);
	return RFX_OK;
}

void tq_random_source(tq_random *r, uint32_t count, rfx_sample_source *out)
{
	out->count = count;
	out->get = random_sample;
	out->user = r;
}

uint32_t tq_tensor(const rfx_graph *g, const char *name)
{
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if (strcmp(g->tensors[t].name, name) == 0)
			return t;
	ck_abort_msg("no tensor '%s'", name);
	return 0;
}

const rfx_layer *tq_producer(const rfx_graph *g, uint32_t t)
{
	for (uint32_t k = 0; k < g->n_layers; k++)
		if (g->layers[k].outputs[0] == t)
			return &g->layers[k];
	return NULL;
}

uint32_t tq_count_op(const rfx_graph *g, rfx_op op)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < g->n_layers; k++)
		n += g->layers[k].op == op;
	return n;
}

float *tq_run_cpu(const rfx_graph *g, const float *x, uint64_t *n)
{
	rfx_cpu_session *s = NULL;
	char err[256] = "";
	rfx_status st = rfx_cpu_session_create(g, &s, err, sizeof(err));

	ck_assert_msg(st == RFX_OK, "cpu session: %s", err);
	const rfx_tensor *in = &g->tensors[g->inputs[0]];
	const rfx_tensor *out = &g->tensors[g->outputs[0]];
	ck_assert_int_eq(in->dtype, RFX_DTYPE_F32);
	ck_assert_int_eq(out->dtype, RFX_DTYPE_F32);
	memcpy(rfx_cpu_session_tensor(s, g->inputs[0]), x,
	       (size_t)rfx_tensor_bytes(in));
	rfx_cpu_session_run(s);
	*n = rfx_tensor_elements(out);
	float *y = malloc((size_t)rfx_tensor_bytes(out));
	ck_assert_ptr_nonnull(y);
	memcpy(y, rfx_cpu_session_tensor(s, g->outputs[0]),
	       (size_t)rfx_tensor_bytes(out));
	rfx_cpu_session_destroy(s);
	return y;
}

double tq_sqnr(const float *a, const float *b, uint64_t n)
{
	double xx = 0, ee = 0;

	for (uint64_t k = 0; k < n; k++) {
		xx += (double)a[k] * a[k];
		ee += ((double)a[k] - b[k]) * ((double)a[k] - b[k]);
	}
	return ee == 0 ? INFINITY : 10.0 * log10(xx / ee);
}

/* ---- calibration ---- */

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/* Feeds v (n values) through both passes, in chunks as a graph would. */
static void observe(rfx_calib_stat *s, const float *v, uint64_t n)
{
	rfx_calib_stat_init(s);
	for (uint64_t k = 0; k < n; k += 1000)
		rfx_calib_stat_minmax(s, v + k, n - k < 1000 ? n - k : 1000);
	ck_assert_int_eq(rfx_calib_stat_begin_hist(s), RFX_OK);
	for (uint64_t k = 0; k < n; k += 1000)
		rfx_calib_stat_hist(s, v + k, n - k < 1000 ? n - k : 1000);
}

START_TEST(test_method_parse)
{
	rfx_calib_method m;
	char buf[32];

	ck_assert_int_eq(rfx_calib_method_parse("minmax", &m), 0);
	ck_assert_int_eq(m.kind, RFX_CALIB_MINMAX);
	ck_assert_int_eq(rfx_calib_method_parse("percentile", &m), 0);
	ck_assert_int_eq(m.kind, RFX_CALIB_PERCENTILE);
	ck_assert(m.percentile == 99.99);
	ck_assert_int_eq(rfx_calib_method_parse("percentile=99.9", &m), 0);
	ck_assert(m.percentile == 99.9);
	ck_assert_str_eq(rfx_calib_method_str(&m, buf, sizeof(buf)),
			 "percentile(99.9)");
	ck_assert_int_eq(rfx_calib_method_parse("entropy", &m), 0);
	ck_assert_int_eq(m.kind, RFX_CALIB_ENTROPY);
	const char *bad[] = {"", "max", "percentile=", "percentile=50",
			     "percentile=100.5", "percentile=9x", "percentile99",
			     "entropy=1"};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		ck_assert_msg(rfx_calib_method_parse(bad[k], &m) == -1,
			      "'%s' accepted", bad[k]);
}
END_TEST

/*
 * A skewed, non-negative distribution (a post-ReLU activation): 200000
 * exponential(1) values plus 8 outliers at 60. Independent references
 * come from sorting the values.
 *  - minmax is [min, 60] exactly;
 *  - percentile(99.99) is the sorted value at rank 0.9999 n (the outliers
 *    are 0.004% of the values, so it lies in the exponential's body,
 *    near ln(10^4) = 9.2), within one histogram bin (60 / 2048): the
 *    histogram only knows values to a bin;
 *  - entropy clips the outliers (T < 60) but keeps the body's bulk:
 *    T is above the 99th percentile (4.6). Its lower end stays min.
 */
START_TEST(test_skewed)
{
	const uint64_t n = 200008;
	float *v = malloc(n * sizeof(*v)), *sorted = malloc(n * sizeof(*v));
	uint32_t state = 12345;
	rfx_calib_stat s;
	rfx_calib_method mm = {RFX_CALIB_MINMAX, 0};
	rfx_calib_method pc = {RFX_CALIB_PERCENTILE, 99.99};
	rfx_calib_method en = {RFX_CALIB_ENTROPY, 0};
	float lo[3], hi[3];

	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(sorted);
	for (uint64_t k = 0; k < n - 8; k++) {
		float u = test_randf(&state, 1e-7f, 1.0f);
		v[k] = -logf(u);
	}
	for (uint64_t k = n - 8; k < n; k++)
		v[k] = 60.0f;
	/* Shuffle the outliers in. */
	for (uint64_t k = 0; k < 8; k++) {
		uint64_t j = test_rand(&state) % n;
		float t = v[j];
		v[j] = v[n - 1 - k];
		v[n - 1 - k] = t;
	}
	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_float);
	observe(&s, v, n);
	ck_assert_uint_eq(s.count, n);
	rfx_calib_stat_range(&s, &mm, &lo[0], &hi[0]);
	rfx_calib_stat_range(&s, &pc, &lo[1], &hi[1]);
	rfx_calib_stat_range(&s, &en, &lo[2], &hi[2]);
	ck_assert(lo[0] == sorted[0] && hi[0] == 60.0f);
	double bin = 60.0 / RFX_CALIB_BINS;
	float p_hi = sorted[(uint64_t)(0.9999 * n)];
	float p_lo = sorted[(uint64_t)(0.0001 * n)];
	ck_assert_msg(fabs(hi[1] - p_hi) <= bin, "percentile hi %g, sorted %g",
		      hi[1], p_hi);
	ck_assert_msg(fabs(lo[1] - p_lo) <= bin && lo[1] >= lo[0],
		      "percentile lo %g, sorted %g", lo[1], p_lo);
	ck_assert_msg(hi[2] < 60.0f && hi[2] > sorted[(uint64_t)(0.99 * n)],
		      "entropy hi %g", hi[2]);
	ck_assert(lo[2] == lo[0]);
	/* Three different answers. */
	ck_assert(hi[0] != hi[1] && hi[1] != hi[2] && hi[0] != hi[2]);
	rfx_calib_stat_finish(&s);
	free(v);
	free(sorted);
}
END_TEST

/*
 * A long-tailed signed distribution (Cauchy: x = tan(pi (u - 1/2)),
 * clipped at +-1e4 to stay finite): entropy's range lies inside
 * minmax's and is much narrower; percentile's too.
 */
START_TEST(test_long_tail)
{
	const uint64_t n = 100000;
	float *v = malloc(n * sizeof(*v));
	uint32_t state = 777;
	rfx_calib_stat s;
	rfx_calib_method mm = {RFX_CALIB_MINMAX, 0};
	rfx_calib_method pc = {RFX_CALIB_PERCENTILE, 99.9};
	rfx_calib_method en = {RFX_CALIB_ENTROPY, 0};
	float lo[3], hi[3];

	ck_assert_ptr_nonnull(v);
	for (uint64_t k = 0; k < n; k++) {
		double u = test_randf(&state, 0.0f, 1.0f);
		double x = tan(M_PI * (u - 0.5));
		v[k] = (float)fmax(-1e4, fmin(1e4, x));
	}
	observe(&s, v, n);
	rfx_calib_stat_range(&s, &mm, &lo[0], &hi[0]);
	rfx_calib_stat_range(&s, &pc, &lo[1], &hi[1]);
	rfx_calib_stat_range(&s, &en, &lo[2], &hi[2]);
	ck_assert(lo[0] < -100 && hi[0] > 100);
	ck_assert_msg(lo[2] >= lo[0] && hi[2] <= hi[0] &&
		      hi[2] - lo[2] < 0.5 * (hi[0] - lo[0]),
		      "entropy [%g, %g] vs minmax [%g, %g]", lo[2], hi[2],
		      lo[0], hi[0]);
	ck_assert(lo[1] >= lo[0] && hi[1] <= hi[0] && lo[1] < 0 && hi[1] > 0);
	ck_assert(hi[1] - lo[1] < hi[0] - lo[0]);
	rfx_calib_stat_finish(&s);
	free(v);
}
END_TEST

/* A histogram that is flat up to its end: any clipping loses mass, and
 * the whole range reproduces it exactly (KL 0), so T is every bin. */
START_TEST(test_entropy_flat)
{
	uint64_t h[RFX_CALIB_BINS];

	for (uint32_t k = 0; k < RFX_CALIB_BINS; k++)
		h[k] = 100;
	ck_assert(rfx_calib_entropy_threshold(h, RFX_CALIB_BINS, 128) ==
		  RFX_CALIB_BINS);
	ck_assert(rfx_calib_entropy_threshold(h, RFX_CALIB_BINS, 255) ==
		  RFX_CALIB_BINS);
	/* Fewer bins than levels: nothing to merge. */
	ck_assert(rfx_calib_entropy_threshold(h, 100, 128) == 100);
}
END_TEST

/* NaN and infinities are ignored; an all-zero tensor gives [0, 0], which
 * quant.h turns into scale 1, zero point 0. */
START_TEST(test_degenerate)
{
	float v[6] = {NAN, 1.0f, -2.0f, INFINITY, -INFINITY, 0.5f};
	float z[4] = {0, 0, 0, 0};
	rfx_calib_method en = {RFX_CALIB_ENTROPY, 0};
	rfx_calib_stat s;
	float lo, hi, scale;
	int32_t zp;

	observe(&s, v, 6);
	ck_assert_uint_eq(s.count, 3);
	ck_assert_uint_eq(s.nonfinite, 3);
	ck_assert(s.min == -2.0f && s.max == 1.0f);
	rfx_calib_stat_finish(&s);
	observe(&s, z, 4);
	rfx_calib_stat_range(&s, &en, &lo, &hi);
	ck_assert(lo == 0 && hi == 0);
	rfx_quant_range(lo, hi, &scale, &zp);
	ck_assert(scale == 1.0f && zp == 0);
	rfx_calib_stat_finish(&s);
	rfx_calib_stat_init(&s);
	rfx_calib_stat_range(&s, &en, &lo, &hi); /* nothing seen */
	ck_assert(lo == 0 && hi == 0);
}
END_TEST

/* ---- images ---- */

static rfx_meta plain_meta(void)
{
	rfx_meta m;

	memset(&m, 0, sizeof(m));
	m.color = "rgb";
	m.scale = 1.0f;
	for (int c = 0; c < 4; c++)
		m.std[c] = 1.0f;
	return m;
}

/* Same size: only scale, mean, std and the channel order act. */
START_TEST(test_preprocess_normalize)
{
	const uint8_t px[2 * 1 * 3] = {10, 20, 30, 200, 100, 0};
	rfx_meta m = plain_meta();
	float y[6];

	m.scale = 1.0f / 255.0f;
	m.mean[0] = 0.5f, m.mean[1] = 0.25f, m.mean[2] = 0.0f;
	m.std[0] = 0.5f, m.std[1] = 2.0f, m.std[2] = 0.25f;
	rfx_image_preprocess(px, 2, 1, &m, 3, 1, 2, y);
	/* planar: y[c * 2 + x] */
	ck_assert_float_eq_tol(y[0], (10 / 255.0f - 0.5f) / 0.5f, 1e-6);
	ck_assert_float_eq_tol(y[1], (200 / 255.0f - 0.5f) / 0.5f, 1e-6);
	ck_assert_float_eq_tol(y[2], (20 / 255.0f - 0.25f) / 2.0f, 1e-6);
	ck_assert_float_eq_tol(y[5], 0.0f, 1e-6);
	m.color = "bgr"; /* model channel 0 is the file's blue */
	m.scale = 1.0f;
	memset(m.mean, 0, sizeof(m.mean));
	for (int c = 0; c < 4; c++)
		m.std[c] = 1.0f;
	rfx_image_preprocess(px, 2, 1, &m, 3, 1, 2, y);
	ck_assert(y[0] == 30 && y[1] == 0 && y[2] == 20 && y[3] == 100 &&
		  y[4] == 10 && y[5] == 200);
}
END_TEST

/* Bilinear with pixel centres aligned, by hand: 2 -> 4 samples at source
 * x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1); 4 -> 2 at
 * 0.5 and 2.5, the means of the pairs. */
START_TEST(test_preprocess_resize)
{
	const uint8_t up[2] = {0, 100}, down[4] = {0, 10, 50, 90};
	const uint8_t sq[4] = {0, 100, 200, 40}; /* 2x2 */
	rfx_meta m = plain_meta();
	float y[16];

	rfx_image_preprocess(up, 2, 1, &m, 1, 1, 4, y);
	ck_assert(y[0] == 0 && y[1] == 25 && y[2] == 75 && y[3] == 100);
	rfx_image_preprocess(down, 4, 1, &m, 1, 1, 2, y);
	ck_assert(y[0] == 5 && y[1] == 70);
	/* 2x2 -> 3x3: the centre samples (0.5, 0.5), the mean of all four. */
	rfx_image_preprocess(sq, 2, 2, &m, 1, 3, 3, y);
	ck_assert_float_eq_tol(y[4], 85.0f, 1e-5);
	ck_assert(y[0] == 0 && y[2] == 100 && y[6] == 200 && y[8] == 40);
	ck_assert_float_eq_tol(y[1], 50.0f, 1e-5);  /* (0 + 100) / 2 */
	ck_assert_float_eq_tol(y[3], 100.0f, 1e-5); /* (0 + 200) / 2 */
}
END_TEST

static const char *data_dir(void)
{
	const char *d = getenv("TEST_DATA");

	ck_assert_msg(d != NULL, "TEST_DATA is not set");
	return d;
}

START_TEST(test_image_list)
{
	char dir[1024], err[512] = "";
	rfx_image_list l;

	snprintf(dir, sizeof(dir), "%s/calib", data_dir());
	ck_assert_int_eq(rfx_image_list_dir(dir, 0, &l, err, sizeof(err)),
			 RFX_OK);
	ck_assert_uint_eq(l.count, 10); /* 8 .png, 1 .bmp, 1 .jpg */
	for (uint32_t k = 1; k < l.count; k++)
		ck_assert(strcmp(l.paths[k - 1], l.paths[k]) < 0);
	ck_assert(strstr(l.paths[3], "img03.bmp") != NULL);
	rfx_image_list_finish(&l);
	ck_assert_int_eq(rfx_image_list_dir(dir, 3, &l, err, sizeof(err)),
			 RFX_OK);
	ck_assert_uint_eq(l.count, 3);
	ck_assert(strstr(l.paths[2], "img02.png") != NULL);
	rfx_image_list_finish(&l);
	snprintf(dir, sizeof(dir), "%s/qdq", data_dir()); /* no images */
	ck_assert_int_eq(rfx_image_list_dir(dir, 0, &l, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	ck_assert(strstr(err, "no .jpg") != NULL);
	ck_assert_int_eq(rfx_image_list_dir("/nonexistent/dir", 0, &l, err,
					    sizeof(err)), RFX_E_IO);
	ck_assert_ptr_null(l.paths);
}
END_TEST

/*
 * Decoding plus preprocessing against gen_calib.py's own numpy
 * implementation of the same steps, from PIL's decoding of the same
 * lossless files (calib_ref/<name>.npy, [C, H, W]): the RGB PNG and BMP
 * into a 3 x 20 x 16 input with ImageNet's mean/std, the grayscale PNG
 * into 1 x 20 x 16. Tolerance 1e-4: float32 here, float64 there, values
 * of magnitude < 3.
 */
START_TEST(test_image_load)
{
	static const struct { const char *name; uint32_t c; } cases[] = {
		{"img00.png", 3}, {"img03.bmp", 3}, {"img09.png", 1},
	};
	rfx_meta m = plain_meta();
	char path[1024], err[512] = "";

	m.scale = 1.0f / 255.0f;
	m.mean[0] = 0.485f, m.mean[1] = 0.456f, m.mean[2] = 0.406f;
	m.std[0] = 0.229f, m.std[1] = 0.224f, m.std[2] = 0.225f;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint32_t c = cases[k].c;
		float *y = malloc(c * 20 * 16 * sizeof(float));
		rfx_npy ref;
		if (c == 1) {
			m.mean[0] = 0.5f;
			m.std[0] = 0.25f;
		}
		snprintf(path, sizeof(path), "%s/calib/%s", data_dir(),
			 cases[k].name);
		ck_assert_int_eq(rfx_image_load_input(path, &m, c, 20, 16, y,
						      err, sizeof(err)), RFX_OK);
		snprintf(path, sizeof(path), "%s/calib_ref/%s.npy", data_dir(),
			 cases[k].name);
		ck_assert_int_eq(rfx_npy_read_file(path, &ref, err, sizeof(err)),
				 RFX_OK);
		ck_assert_uint_eq(ref.count, c * 20 * 16);
		for (uint64_t e = 0; e < ref.count; e++)
			ck_assert_msg(fabsf(y[e] - ref.data[e]) < 1e-4f,
				      "%s[%llu]: %g, numpy %g", cases[k].name,
				      (unsigned long long)e, y[e], ref.data[e]);
		rfx_npy_finish(&ref);
		free(y);
	}
	/* The JPEG decodes (its exact pixels are the decoder's business). */
	float y3[3 * 8 * 8];
	snprintf(path, sizeof(path), "%s/calib/img06.jpg", data_dir());
	ck_assert_int_eq(rfx_image_load_input(path, &m, 3, 8, 8, y3, err,
					      sizeof(err)), RFX_OK);
	/* Not an image; 2 channels. */
	snprintf(path, sizeof(path), "%s/qdq/qdq.onnx", data_dir());
	ck_assert_int_eq(rfx_image_load_input(path, &m, 3, 8, 8, y3, err,
					      sizeof(err)), RFX_E_IO);
	snprintf(path, sizeof(path), "%s/calib/img00.png", data_dir());
	ck_assert_int_eq(rfx_image_load_input(path, &m, 2, 8, 8, y3, err,
					      sizeof(err)), RFX_E_UNSUPPORTED);
}
END_TEST

static Suite *quantize_suite(void)
{
	Suite *s = suite_create("quantize");
	TCase *tc = tcase_create("calibration");

	tcase_add_test(tc, test_method_parse);
	tcase_add_test(tc, test_skewed);
	tcase_add_test(tc, test_long_tail);
	tcase_add_test(tc, test_entropy_flat);
	tcase_add_test(tc, test_degenerate);
	suite_add_tcase(s, tc);
	tc = tcase_create("images");
	tcase_add_test(tc, test_preprocess_normalize);
	tcase_add_test(tc, test_preprocess_resize);
	tcase_add_test(tc, test_image_list);
	tcase_add_test(tc, test_image_load);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tq_pass_case());
	suite_add_tcase(s, tq_models_case());
	suite_add_tcase(s, tq_cli_case());
	suite_add_tcase(s, tq_vulkan_case());
	return s;
}

int main(void)
{
	return run_suite(quantize_suite());
}
