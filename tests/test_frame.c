/*
 * Frame input: raw camera bytes turned into the model's input inside the
 * session. The CPU reference (engine/core/frame.c) against hand-worked
 * values, then the Vulkan kernel (shaders/preprocess.comp) against the CPU
 * reference for every pixel format, fit and several sizes.
 *
 * Tolerance GPU vs CPU: both evaluate the same fp32 expressions in the same
 * order and the kernel forbids multiply-add fusion (`precise`), so results
 * agree to the last bit on a conforming driver; we allow 1e-5 absolute on
 * values of magnitude <= ~3 (a few ulp) for drivers whose float-to-int or
 * clamp differ in rounding at exact halves.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "core/frame.h"
#include "format/rfx_format.h"
#include "graph/builder.h"

static rfx_preprocess plain(uint32_t c, uint32_t w, uint32_t h)
{
	rfx_preprocess pp;

	memset(&pp, 0, sizeof(pp));
	snprintf(pp.color, sizeof(pp.color), "rgb");
	pp.scale = 1.0f;
	for (int k = 0; k < 4; k++)
		pp.std[k] = 1.0f;
	pp.channels = c;
	pp.width = w;
	pp.height = h;
	return pp;
}

START_TEST(test_reference_identity_and_downscale)
{
	rfx_preprocess pp = plain(3, 4, 2);
	rfx_frame_params p;
	uint8_t img[2 * 4 * 3];
	float out[3 * 4 * 2];

	for (int i = 0; i < (int)sizeof(img); i++)
		img[i] = (uint8_t)(i * 7);
	/* Same size: every output is its pixel. */
	ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_RGB24, RFX_FIT_STRETCH,
					       4, 2, 0, &p), RFX_OK);
	rfx_frame_preprocess(&p, img, out);
	for (int y = 0; y < 2; y++)
		for (int x = 0; x < 4; x++)
			for (int c = 0; c < 3; c++)
				ck_assert_float_eq(out[c * 8 + y * 4 + x],
						   img[(y * 4 + x) * 3 + c]);
	/* 4x2 gray -> 2x1: half-pixel centres land between 2x2 blocks, so
	 * each output is the block's mean. */
	uint8_t g[8] = {10, 20, 30, 40, 50, 60, 70, 80};
	float o2[2];
	pp = plain(1, 2, 1);
	ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_GRAY8, RFX_FIT_STRETCH,
					       4, 2, 0, &p), RFX_OK);
	rfx_frame_preprocess(&p, g, o2);
	ck_assert_float_eq_tol(o2[0], (10 + 20 + 50 + 60) / 4.0f, 1e-5f);
	ck_assert_float_eq_tol(o2[1], (30 + 40 + 70 + 80) / 4.0f, 1e-5f);
	/* A 1x1 frame: stretched or cropped, every output is its pixel;
	 * letterboxed into 4x2, the centre 2x2 is, the sides are black. */
	float o3[8];
	pp = plain(1, 4, 2);
	for (int fit = RFX_FIT_STRETCH; fit <= RFX_FIT_LETTERBOX; fit++) {
		ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_GRAY8,
						       (rfx_frame_fit)fit, 1, 1, 0, &p), RFX_OK);
		rfx_frame_preprocess(&p, g + 6, o3);
		for (int i = 0; i < 8; i++)
			ck_assert_float_eq_tol(o3[i], fit == RFX_FIT_LETTERBOX &&
					       (i % 4 == 0 || i % 4 == 3) ? 0.0f : 70.0f, 1e-5f);
	}
	/* 0 wide or high: refused. */
	ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_GRAY8, RFX_FIT_STRETCH,
					       0, 0, 0, &p), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_GRAY8, RFX_FIT_STRETCH,
					       4, 0, 0, &p), RFX_E_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_reference_colour_and_normalize)
{
	rfx_preprocess pp = plain(3, 1, 1);
	rfx_frame_params p;
	float out[3];

	/* BGR frame into a BGR model: channel order survives; normalize. */
	uint8_t bgr[3] = {200, 100, 50};
	snprintf(pp.color, sizeof(pp.color), "bgr");
	pp.scale = 1.0f / 255.0f;
	pp.mean[0] = 0.5f, pp.mean[1] = 0.25f, pp.mean[2] = 0.0f;
	pp.std[0] = 0.5f, pp.std[1] = 0.25f, pp.std[2] = 2.0f;
	ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_BGR24, RFX_FIT_STRETCH,
					       1, 1, 0, &p), RFX_OK);
	rfx_frame_preprocess(&p, bgr, out);
	ck_assert_float_eq_tol(out[0], (200 / 255.0f - 0.5f) / 0.5f, 1e-6f);
	ck_assert_float_eq_tol(out[1], (100 / 255.0f - 0.25f) / 0.25f, 1e-6f);
	ck_assert_float_eq_tol(out[2], (50 / 255.0f - 0.0f) / 2.0f, 1e-6f);

	/* YUYV: Y=235 U=V=128 is white; Y=16 is black (BT.601 limited). */
	uint8_t yuyv[4] = {235, 128, 16, 128};
	float o2[3 * 2];
	pp = plain(3, 2, 1);
	ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_YUYV, RFX_FIT_STRETCH,
					       2, 1, 0, &p), RFX_OK);
	rfx_frame_preprocess(&p, yuyv, o2);
	for (int c = 0; c < 3; c++) {
		ck_assert_float_eq_tol(o2[c * 2 + 0], 255.0f, 0.5f);
		ck_assert_float_eq_tol(o2[c * 2 + 1], 0.0f, 1e-6f);
	}
	/* Odd YUYV widths and short strides are refused. */
	ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_YUYV, RFX_FIT_STRETCH,
					       3, 1, 0, &p), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_RGB24, RFX_FIT_STRETCH,
					       4, 1, 11, &p), RFX_E_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_reference_fits)
{
	rfx_preprocess pp = plain(1, 4, 4);
	rfx_frame_params p;
	uint8_t img[8 * 4];
	float out[16];

	for (int i = 0; i < 32; i++)
		img[i] = (uint8_t)(100 + i % 8); /* value = 100 + x */
	/* 8x4 into 4x4, centre crop: the middle 4x4 columns (x = 2..5). */
	ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_GRAY8,
					       RFX_FIT_CENTER_CROP, 8, 4, 0, &p), RFX_OK);
	rfx_frame_preprocess(&p, img, out);
	for (int x = 0; x < 4; x++)
		ck_assert_float_eq_tol(out[x], 102.0f + x, 1e-5f);
	/* Letterbox: 8x4 into 4x4 covers rows 1..2; rows 0 and 3 are black. */
	ck_assert_int_eq(rfx_frame_params_make(&pp, RFX_PIXEL_GRAY8,
					       RFX_FIT_LETTERBOX, 8, 4, 0, &p), RFX_OK);
	rfx_frame_preprocess(&p, img, out);
	for (int x = 0; x < 4; x++) {
		ck_assert_float_eq(out[0 * 4 + x], 0.0f);
		ck_assert_float_eq(out[3 * 4 + x], 0.0f);
		ck_assert_float_eq_tol(out[1 * 4 + x], 100.5f + 2 * x, 1e-4f);
	}
}
END_TEST

/* A model whose output is its input: x -> unary(none) -> y. */
static void *identity_model(uint32_t c, uint32_t w, uint32_t h, rfx_dtype dt,
                            const char *color, size_t *n)
{
	rfx_builder b;
	rfx_graph g;
	char err[256];
	void *bytes;
	uint32_t d[4] = {1, c, h, w};
	float mean[4] = {0.4f, 0.5f, 0.6f, 0}, std[4] = {0.2f, 0.25f, 0.3f, 1};

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", dt, 4, d);
	uint32_t y = rfx_builder_tensor(&b, "y", dt, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_UNARY, "id", &x, 1, y);
	l->precision = dt;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	rfx_builder_output(&b, y);
	rfx_builder_set_color(&b, color);
	rfx_builder_set_preprocess(&b, 1.0f / 255.0f, mean, std, w, h);
	ck_assert_msg(rfx_builder_finish(&b, &g, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_msg(rfx_format_write(&g, &bytes, n, err, sizeof(err)) == RFX_OK, "%s", err);
	rfx_graph_finish(&g);
	return bytes;
}

static float as_float(const void *p, rfx_dtype dt, size_t i);

static float as_float(const void *p, rfx_dtype dt, size_t i)
{
	if (dt == RFX_DTYPE_F16) {
		uint16_t h = ((const uint16_t *)p)[i];
		/* fp16 -> fp32, exact */
		uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 31, m = h & 1023;
		float v = e == 0 ? ldexpf((float)m, -24) :
			  ldexpf((float)(m | 1024), (int)e - 25);
		return sign ? -v : v;
	}
	return ((const float *)p)[i];
}

static void run_frames(rfx_context *vk, rfx_context *cpu, uint32_t c, rfx_dtype dt,
                       const char *color)
{
	static const rfx_pixel_format fmts[] = {RFX_PIXEL_RGB24, RFX_PIXEL_BGR24,
		RFX_PIXEL_GRAY8, RFX_PIXEL_YUYV, RFX_PIXEL_RGBA32};
	static const uint32_t sizes[][2] = {{64, 48}, {17, 9}, {30, 40}, {8, 8}, {1, 1}};
	/* (YUYV frames have even widths: 17 becomes 18 there, 1 becomes 2.) */
	uint32_t W = 20, H = 14, seed = 77;
	size_t n;
	void *bytes = identity_model(c, W, H, dt, color, &n);
	rfx_model *mv, *mc;

	ck_assert_int_eq(rfx_model_load_memory(vk, bytes, n, &mv), RFX_OK);
	ck_assert_int_eq(rfx_model_load_memory(cpu, bytes, n, &mc), RFX_OK);
	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
		for (int fit = RFX_FIT_STRETCH; fit <= RFX_FIT_LETTERBOX; fit++) {
			rfx_session_options o;
			rfx_session *sv, *sc;
			rfx_session_options_default(&o);
			o.frame_format = fmts[f];
			o.frame_fit = (rfx_frame_fit)fit;
			o.frame_max_width = 64;
			o.frame_max_height = 48;
			ck_assert_int_eq(rfx_session_create(mv, &o, &sv), RFX_OK);
			ck_assert_int_eq(rfx_session_create(mc, &o, &sc), RFX_OK);
			for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
				size_t cap_v, cap_c;
				uint8_t *fv = rfx_session_frame(sv, &cap_v);
				uint8_t *fc = rfx_session_frame(sc, &cap_c);
				ck_assert_ptr_nonnull(fv);
				ck_assert_uint_eq(cap_v, cap_c);
				for (size_t i = 0; i < cap_v; i++)
					fv[i] = fc[i] = (uint8_t)(test_rand(&seed) >> 24);
				uint32_t fw = sizes[k][0] + (fmts[f] == RFX_PIXEL_YUYV ? sizes[k][0] & 1 : 0);
				ck_assert_int_eq(rfx_session_set_frame(sv, fw, sizes[k][1], 0), RFX_OK);
				ck_assert_int_eq(rfx_session_set_frame(sc, fw, sizes[k][1], 0), RFX_OK);
				ck_assert_int_eq(rfx_session_run(sv, UINT64_MAX), RFX_OK);
				ck_assert_int_eq(rfx_session_run(sc, UINT64_MAX), RFX_OK);
				const void *yv = rfx_session_output(sv, 0, NULL);
				const void *yc = rfx_session_output(sc, 0, NULL);
				for (size_t i = 0; i < (size_t)c * W * H; i++) {
					float a = as_float(yv, dt, i), b = as_float(yc, dt, i);
					ck_assert_msg(fabsf(a - b) <= 1e-5f + (dt == RFX_DTYPE_F16 ? 2e-3f * fabsf(b) : 0),
						      "format %d fit %d %ux%u C%u element %zu: vulkan %g cpu %g",
						      (int)fmts[f], fit, sizes[k][0], sizes[k][1], c, i, a, b);
				}
			}
			rfx_session_destroy(sv);
			rfx_session_destroy(sc);
		}
	rfx_model_destroy(mv);
	rfx_model_destroy(mc);
	free(bytes);
}

START_TEST(test_vulkan_matches_reference)
{
	rfx_context *vk = test_context(RFX_BACKEND_VULKAN);
	rfx_context *cpu = test_context(RFX_BACKEND_CPU);

	run_frames(vk, cpu, 3, RFX_DTYPE_F32, "rgb");
	run_frames(vk, cpu, 3, RFX_DTYPE_F32, "bgr");
	run_frames(vk, cpu, 1, RFX_DTYPE_F32, "rgb");
	run_frames(vk, cpu, 3, RFX_DTYPE_F16, "rgb");
	test_context_done(cpu);
	test_context_done(vk);
}
END_TEST

START_TEST(test_frame_api_errors)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	size_t n;
	void *bytes = identity_model(3, 8, 8, RFX_DTYPE_F32, "rgb", &n);
	rfx_model *m;
	rfx_session *s;
	rfx_session_options o;

	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	/* No frame input: no frame buffer. */
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	ck_assert_ptr_null(rfx_session_frame(s, NULL));
	ck_assert_int_eq(rfx_session_set_frame(s, 8, 8, 0), RFX_E_INVALID_ARGUMENT);
	rfx_session_destroy(s);
	/* Bad options. */
	rfx_session_options_default(&o);
	o.frame_format = RFX_PIXEL_RGB24;
	ck_assert_int_eq(rfx_session_create(m, &o, &s), RFX_E_INVALID_ARGUMENT);
	o.frame_max_width = 100000;
	o.frame_max_height = 10;
	ck_assert_int_eq(rfx_session_create(m, &o, &s), RFX_E_INVALID_ARGUMENT);
	o.frame_format = RFX_PIXEL_YUYV;
	o.frame_max_width = 16;
	o.frame_max_height = 16;
	ck_assert_int_eq(rfx_session_create(m, &o, &s), RFX_OK);
	ck_assert_int_eq(rfx_session_set_frame(s, 17, 4, 0), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_set_frame(s, 0, 0, 0), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_set_frame(s, 8, 0, 0), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_set_frame(s, 15, 4, 0), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_set_frame(s, 8, 4, 10), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_set_frame(s, 8, 4, 64), RFX_OK);
	ck_assert_int_eq(rfx_session_submit(s), RFX_OK);
	ck_assert_int_eq(rfx_session_set_frame(s, 8, 4, 0), RFX_E_BUSY);
	ck_assert_int_eq(rfx_session_wait(s, UINT64_MAX), RFX_OK);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("frame");
	TCase *ref = tcase_create("reference");
	TCase *vk = tcase_create("vulkan");

	tcase_add_test(ref, test_reference_identity_and_downscale);
	tcase_add_test(ref, test_reference_colour_and_normalize);
	tcase_add_test(ref, test_reference_fits);
	tcase_add_test(vk, test_vulkan_matches_reference);
	tcase_add_test(vk, test_frame_api_errors);
	tcase_set_timeout(vk, 600);
	suite_add_tcase(s, ref);
	suite_add_tcase(s, vk);
	return run_suite(s);
}
