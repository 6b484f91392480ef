/*
 * rfx-classify --camera against a camera in user space
 * (test_classify_fake_v4l2.c, preloaded): the V4L2 calls in a valid order,
 * the frame size chosen from the device's list, YUYV frames classified with
 * the BT.601 colours, MJPEG frames without Huffman tables decoded, and
 * every frame up to the last one accounted for: classified, skipped as
 * stale to keep up, or lost by the driver (a gap in the sequence numbers).
 * This runs the camera code end to end; a real camera and driver it is
 * not (see README).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stb_image.h>
#include <stb_image_write.h>

#include "check_util.h"
#include "format/rfx_format.h"
#include "graph/builder.h"
#include "test_classify.h"
#include "test_classify_util.h"

static char dir[512];

/* [1,3,8,8] (pixel / 255) -> channel means -> logits = 4 * means: the
 * probabilities are a softmax of the frame's mean colour. */
static void write_model(void)
{
	const uint32_t in_dims[4] = {1, 3, 8, 8}, flat[2] = {1, 3};
	const uint32_t wd[2] = {3, 3}, bd[1] = {3};
	const float w[9] = {4, 0, 0, 0, 4, 0, 0, 0, 4}, b[3] = {0, 0, 0};
	const float mean[4] = {0, 0, 0, 0}, std[4] = {1, 1, 1, 1};
	char path[700], err[256];
	rfx_builder bl;
	rfx_graph g;

	rfx_builder_init(&bl);
	uint32_t x = rfx_builder_input(&bl, "x", RFX_DTYPE_F32, 4, in_dims);
	uint32_t p = rfx_builder_tensor(&bl, "p", RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&bl, RFX_OP_GLOBAL_POOL, "pool", &x, 1, p);
	if (l)
		l->i[RFX_GPOOL_KIND] = RFX_POOL_AVG;
	rfx_builder_infer(&bl, l);
	uint32_t f = rfx_builder_tensor(&bl, "f", RFX_DTYPE_F32, 2, flat);
	rfx_builder_infer(&bl, rfx_builder_layer(&bl, RFX_OP_RESHAPE, "flat", &p, 1, f));
	uint32_t ins[3] = {f, rfx_builder_const(&bl, "w", RFX_DTYPE_F32, 2, wd, w),
			   rfx_builder_const(&bl, "b", RFX_DTYPE_F32, 1, bd, b)};
	uint32_t y = rfx_builder_tensor(&bl, "y", RFX_DTYPE_F32, 0, NULL);
	rfx_builder_infer(&bl, rfx_builder_layer(&bl, RFX_OP_FC, "fc", ins, 3, y));
	rfx_builder_output(&bl, y);
	rfx_builder_set_labels(&bl, "red\ngreen\nblue\n");
	rfx_builder_set_preprocess(&bl, 1.0f / 255.0f, mean, std, 8, 8);
	ck_assert_msg(rfx_builder_finish(&bl, &g, err, sizeof(err)) == RFX_OK, "%s", err);
	snprintf(path, sizeof(path), "%s/rgb.rfx", dir);
	ck_assert_msg(rfx_format_write_file(&g, path, err, sizeof(err)) == RFX_OK, "%s", err);
	rfx_graph_finish(&g);
}

static void expected(double r, double g, double b, double p[3])
{
	double z[3] = {4 * r / 255, 4 * g / 255, 4 * b / 255}, s = 0;
	for (int i = 0; i < 3; i++)
		s += exp(z[i]);
	for (int i = 0; i < 3; i++)
		p[i] = exp(z[i]) / s;
}

struct cam_run {
	int rc, n;
	jval *lines[32];
	char *err;
	long long last_seq;
};

static struct cam_run run_camera(const char *env, const char *args)
{
	struct cam_run r;
	char cmd[4096], path[700];

	memset(&r, 0, sizeof(r));
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && env LD_PRELOAD='%s/tests/libfake_v4l2.so' "
		 "FAKE_V4L2_LOG=fake.log %s '%s/tools/classify/rfx-classify' rgb.rfx "
		 "--camera /dev/fake-video0 --json %s >out.json 2>err.txt",
		 dir, getenv("TEST_BUILD"), env, getenv("TEST_BUILD"), args);
	r.rc = cls_test_sh(cmd);
	snprintf(path, sizeof(path), "%s/err.txt", dir);
	r.err = cls_test_read(path);
	snprintf(path, sizeof(path), "%s/out.json", dir);
	char *out = cls_test_read(path);
	r.n = cls_test_json_lines(out, r.lines, 32);
	free(out);
	snprintf(path, sizeof(path), "%s/fake.log", dir);
	char *log = cls_test_read(path);
	r.last_seq = atoll(log);
	free(log);
	return r;
}

static void cam_free(struct cam_run *r)
{
	for (int i = 0; i < r->n; i++)
		json_free(r->lines[i]);
	free(r->err);
}

/* Every frame classified with probabilities p; returns the summary. */
static const jval *check_frames(const struct cam_run *r, int frames,
                                const double p[3], double tol)
{
	ck_assert_msg(r->rc == 0, "exit %d: %s", r->rc, r->err);
	ck_assert_int_eq(r->n, frames + 1);
	for (int i = 0; i < frames; i++) {
		const jval *top = json_get(r->lines[i], "top");
		ck_assert(top && top->n == 3);
		for (size_t k = 0; k < 3; k++) {
			int c = (int)cls_test_num(json_at(top, k), "class");
			double got = cls_test_num(json_at(top, k), "p");
			ck_assert_msg(fabs(got - p[c]) <= tol, "frame %d: p[%d] %.6f, "
				      "expected %.6f", i, c, got, p[c]);
		}
	}
	const jval *s = json_get(r->lines[frames], "summary");
	ck_assert_double_eq(cls_test_num(s, "frames"), frames);
	ck_assert_double_eq(cls_test_num(s, "ok"), frames);
	ck_assert_double_eq(cls_test_num(s, "validation_messages"), 0);
	return s;
}

START_TEST(test_camera_yuyv)
{
	/* Y U V = 120 90 200, the colour of the YUYV stream test. */
	double Y = 120 - 16.0, U = 90 - 128.0, V = 200 - 128.0, p[3];
	double rgb[3] = {1.164 * Y + 1.596 * V, 1.164 * Y - 0.392 * U - 0.813 * V,
			 1.164 * Y + 2.017 * U};
	for (int i = 0; i < 3; i++)
		rgb[i] = rgb[i] < 0 ? 0 : rgb[i] > 255 ? 255 : rgb[i];
	expected(rgb[0], rgb[1], rgb[2], p);

	/* One frame per poll: only the driver's own losses are dropped. The
	 * 8x8 input is covered best by 160x120 of the device's three sizes. */
	struct cam_run r = run_camera("FAKE_V4L2_FORMATS=yuyv,mjpeg FAKE_V4L2_YUV=120,90,200",
				      "--frames 9 -k 3");
	const jval *s = check_frames(&r, 9, p, 1e-4);
	ck_assert_ptr_nonnull(strstr(json_get(s, "source")->str, "160x120 YUYV"));
	ck_assert_double_eq(cls_test_num(s, "frames") + cls_test_num(s, "dropped"),
			    r.last_seq + 1);
	ck_assert_double_eq(cls_test_num(s, "dropped"), 2); /* seq 3 and 8 lost */
	cam_free(&r);

	/* Two frames per poll: the older one is skipped, and still every
	 * sequence number up to the last is accounted for. */
	r = run_camera("FAKE_V4L2_YUV=120,90,200 FAKE_V4L2_BURST=2",
		       "--frames 7 -k 3 --camera-size 320x240");
	s = check_frames(&r, 7, p, 1e-4);
	ck_assert_ptr_nonnull(strstr(json_get(s, "source")->str, "320x240 YUYV"));
	ck_assert_double_ge(cls_test_num(s, "dropped"), 7);
	ck_assert_double_eq(cls_test_num(s, "frames") + cls_test_num(s, "dropped"),
			    r.last_seq + 1);
	cam_free(&r);
}
END_TEST

static void mem_put(void *ctx, void *data, int size)
{
	FILE *f = ctx;
	ck_assert_uint_eq(fwrite(data, 1, (size_t)size, f), (size_t)size);
}

START_TEST(test_camera_mjpeg_without_tables)
{
	/* A 160x120 JPEG of one colour, its DHT segments removed as many
	 * cameras send it; expected: the colour of the complete JPEG. */
	uint8_t px[160 * 120 * 3];
	char path[700];
	for (int i = 0; i < 160 * 120; i++) {
		px[i * 3] = 40;
		px[i * 3 + 1] = 180;
		px[i * 3 + 2] = 90;
	}
	snprintf(path, sizeof(path), "%s/full.jpg", dir);
	ck_assert(stbi_write_jpg(path, 160, 120, 3, px, 100));
	int w, h, c;
	uint8_t *dec = stbi_load(path, &w, &h, &c, 3);
	ck_assert_ptr_nonnull(dec);
	double p[3];
	expected(dec[0], dec[1], dec[2], p);
	stbi_image_free(dec);

	char *j = NULL;
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	size_t n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	j = malloc(n);
	ck_assert_uint_eq(fread(j, 1, n, f), n);
	fclose(f);
	snprintf(path, sizeof(path), "%s/bare.jpg", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	size_t pos = 2, stripped = 0;
	mem_put(f, j, 2);
	while (pos + 4 <= n && (uint8_t)j[pos + 1] != 0xda) {
		size_t len = 2 + ((size_t)(uint8_t)j[pos + 2] << 8 | (uint8_t)j[pos + 3]);
		if ((uint8_t)j[pos + 1] != 0xc4)
			mem_put(f, j + pos, (int)len);
		else
			stripped++;
		pos += len;
	}
	mem_put(f, j + pos, (int)(n - pos));
	fclose(f);
	free(j);
	ck_assert_uint_gt(stripped, 0);

	char env[900];
	snprintf(env, sizeof(env), "FAKE_V4L2_FORMATS=mjpeg FAKE_V4L2_JPEG='%s'", path);
	struct cam_run r = run_camera(env, "--frames 5 -k 3");
	const jval *s = check_frames(&r, 5, p, 1e-4);
	ck_assert_ptr_nonnull(strstr(json_get(s, "source")->str, "160x120 MJPG"));
	cam_free(&r);
}
END_TEST

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/test_classify_camera_%d",
		 getenv("TEST_BUILD"), (int)getpid());
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	write_model();
}

static void teardown(void)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

TCase *classify_camera_tcase(void)
{
	TCase *tc = tcase_create("camera");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	/* The simulated camera is an LD_PRELOAD library, which a sanitized
	 * rfx-classify refuses to start with (the sanitizer's runtime must be
	 * loaded first); the plain build runs these. */
	tcase_add_test(tc, test_camera_yuyv);
	tcase_add_test(tc, test_camera_mjpeg_without_tables);
#else
	(void)test_camera_yuyv;
	(void)test_camera_mjpeg_without_tables;
#endif
	return tc;
}
