/*
 * rfx-classify's run in-process, with sources written here: frames as fast
 * as the source can make them, every fifth one damaged (all must be
 * reported, in order, and the damaged ones must not stop the run), on both
 * backends; a source that skips frames as a camera does to keep up (the
 * run must report its count); and the camera source's refusals of devices
 * that are not cameras.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "classify.h"
#include "format/rfx_format.h"
#include "graph/builder.h"
#include "test_classify.h"

static char model_path[600];

/* [1,3,8,8] -> global average -> [1,3,1,1]: any frame classifies. */
static void write_pool_model(void)
{
	const uint32_t dims[4] = {1, 3, 8, 8};
	const float mean[4] = {0, 0, 0, 0}, std[4] = {1, 1, 1, 1};
	char err[256];
	rfx_builder b;
	rfx_graph g;

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, dims);
	uint32_t y = rfx_builder_tensor(&b, "y", RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_GLOBAL_POOL, "pool", &x, 1, y);
	if (l)
		l->i[RFX_GPOOL_KIND] = RFX_POOL_AVG;
	rfx_builder_infer(&b, l);
	rfx_builder_output(&b, y);
	rfx_builder_set_labels(&b, "r\ng\nb\n");
	rfx_builder_set_preprocess(&b, 1.0f / 255.0f, mean, std, 8, 8);
	ck_assert_msg(rfx_builder_finish(&b, &g, err, sizeof(err)) == RFX_OK, "%s", err);
	snprintf(model_path, sizeof(model_path), "%s/test_classify_pool_%d.rfx",
		 getenv("TEST_BUILD"), (int)getpid());
	ck_assert_msg(rfx_format_write_file(&g, model_path, err, sizeof(err)) == RFX_OK,
		      "%s", err);
	rfx_graph_finish(&g);
}

struct fake {
	cls_source base;
	uint64_t made, limit;
	int skip; /* like a camera taking the newest frame: skip every third */
};

static int fake_next(cls_source *src, cls_frame *f, char *err, size_t errlen)
{
	struct fake *fk = (struct fake *)src;

	if (fk->made == fk->limit)
		return 0;
	if (fk->skip && fk->made % 3 == 2) {
		fk->made++;
		src->dropped++;
		if (fk->made == fk->limit)
			return 0;
	}
	memset(f, 0, sizeof(*f));
	f->index = fk->made;
	snprintf(f->name, sizeof(f->name), "fake#%llu", (unsigned long long)fk->made);
	f->w = 32;
	f->h = 24;
	f->stride = 32 * 3;
	f->format = RFX_PIXEL_RGB24;
	f->px = malloc(32 * 24 * 3);
	ck_assert_ptr_nonnull(f->px);
	memset(f->px, (int)(fk->made * 7 % 256), 32 * 24 * 3);
	/* Every fifth frame arrives damaged, as a camera's can. */
	if (fk->made % 5 == 4)
		cls_frame_fail(f, RFX_E_IO, "damaged");
	fk->made++;
	return 1;
}

static void fake_init(struct fake *fk, int skip, uint64_t limit)
{
	memset(fk, 0, sizeof(*fk));
	fk->base.next = fake_next;
	fk->skip = skip;
	fk->base.max_w = 32;
	fk->base.max_h = 24;
	fk->base.format = RFX_PIXEL_RGB24;
	snprintf(fk->base.desc, sizeof(fk->base.desc), "fake source");
	fk->limit = limit;
}

static void run_fake(rfx_backend backend, int skip, cls_counts *c)
{
	cls_options o;
	cls_engine e;
	struct fake fk;
	char err[512];

	memset(&o, 0, sizeof(o));
	o.model_path = model_path;
	o.backend = backend;
	o.device_index = -1;
	o.fit = RFX_FIT_CENTER_CROP;
	o.crop_ratio = 1.0;
	o.top_k = 2;
	o.quiet = 1;
	ck_assert_msg(cls_engine_open(&o, &e, err, sizeof(err)) == RFX_OK, "%s", err);
	fake_init(&fk, skip, 200);
	/* Failed frames make the exit status 1. */
	ck_assert_int_eq(cls_run(&o, &e, &fk.base, c), 1);
	ck_assert_uint_eq(rfx_context_validation_count(e.ctx), 0);
	cls_engine_close(&e);
	ck_assert_uint_eq(fk.made, 200);
}

START_TEST(test_skipping_source_accounted)
{
	cls_counts c;

	/* Frames 2, 5, 8, ... skipped by the source: 66 of 200. Of the 134
	 * delivered, those with index % 5 == 4 arrive damaged. */
	run_fake(RFX_BACKEND_VULKAN, 1, &c);
	uint64_t damaged = 0;
	for (uint64_t i = 0; i < 200; i++)
		damaged += i % 3 != 2 && i % 5 == 4;
	ck_assert_uint_eq(c.dropped, 66);
	ck_assert_uint_eq(c.frames, 134);
	ck_assert_uint_eq(c.failed, damaged);
	ck_assert_uint_eq(c.ok, 134 - damaged);
}
END_TEST

START_TEST(test_every_frame_reported)
{
	cls_counts c;

	run_fake(RFX_BACKEND_VULKAN, 0, &c);
	ck_assert_uint_eq(c.dropped, 0);
	ck_assert_uint_eq(c.frames, 200);
	ck_assert_uint_eq(c.ok, 160);
	ck_assert_uint_eq(c.failed, 40);
	run_fake(RFX_BACKEND_CPU, 0, &c);
	ck_assert_uint_eq(c.frames, 200);
	ck_assert_uint_eq(c.ok, 160);
}
END_TEST

START_TEST(test_camera_refusals)
{
	cls_source *src = NULL;
	char err[512];

	/* Not there, not a device, not a V4L2 device. */
	ck_assert_int_ne(cls_source_v4l2("/nonexistent/video9", NULL, 224, 224, 0, 0,
					 3, &src, err, sizeof(err)), RFX_OK);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_int_ne(cls_source_v4l2("/dev/null", NULL, 224, 224, 0, 0, 3, &src,
					 err, sizeof(err)), RFX_OK);
	ck_assert_ptr_nonnull(strstr(err, "not a V4L2 device"));
	ck_assert_ptr_null(src);
}
END_TEST

static void setup(void)
{
	write_pool_model();
}

static void teardown(void)
{
	unlink(model_path);
}

TCase *classify_pipeline_tcase(void)
{
	TCase *tc = tcase_create("pipeline");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_every_frame_reported);
	tcase_add_test(tc, test_skipping_source_accounted);
	tcase_add_test(tc, test_camera_refusals);
	return tc;
}
