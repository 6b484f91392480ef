/*
 * The .rfx format: round trips and canonical bytes, the atomic file write,
 * then the model API on top of it. Truncated, corrupted and hostile files
 * are test_format_hostile.c's.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "core/model.h"
#include "format/rfx_format.h"
#include "test_format_util.h"

/* ------------------------------------------------------------------ */
/* Round trip */

START_TEST(crc32_matches_zlib)
{
	ck_assert_uint_eq(rfx_crc32(0, "123456789", 9), 0xCBF43926u);
	ck_assert_uint_eq(rfx_crc32(0, "", 0), 0);
	/* Streaming equals one shot, across the 8-byte fast path. */
	{
		static const char text[] = "The quick brown fox jumps over the lazy dog";
		uint32_t one = rfx_crc32(0, text, sizeof(text) - 1);
		uint32_t two = rfx_crc32(rfx_crc32(0, text, 13), text + 13,
					 sizeof(text) - 1 - 13);

		ck_assert_uint_eq(one, 0x414FA339u);
		ck_assert_uint_eq(two, one);
	}
}
END_TEST

START_TEST(roundtrip_fields_and_bytes)
{
	tg *b = classifier();
	void *b1, *b2;
	size_t s1, s2;
	char err[256];
	rfx_graph g;

	ck_assert_msg(rfx_format_write(&b->g, &b1, &s1, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_uint_eq((uintptr_t)b1 % 64, 0);
	ck_assert_msg(rfx_format_read(b1, s1, &g, err, sizeof(err)) == RFX_OK, "%s", err);

	ck_assert_uint_eq(g.n_tensors, b->g.n_tensors);
	ck_assert_uint_eq(g.n_layers, b->g.n_layers);
	ck_assert_uint_eq(g.n_inputs, 1);
	ck_assert_uint_eq(g.n_outputs, 1);
	ck_assert_uint_eq(g.inputs[0], b->g.inputs[0]);
	ck_assert_uint_eq(g.outputs[0], b->g.outputs[0]);
	for (uint32_t i = 0; i < g.n_tensors; i++) {
		const rfx_tensor *x = &g.tensors[i], *y = &b->g.tensors[i];

		ck_assert_str_eq(x->name, y->name);
		ck_assert_int_eq(x->dtype, y->dtype);
		ck_assert_uint_eq(x->flags, y->flags);
		ck_assert_uint_eq(x->rank, y->rank);
		ck_assert_mem_eq(x->dims, y->dims, sizeof(x->dims));
		ck_assert_uint_eq(x->channel_scales, UINT32_MAX);
		ck_assert_uint_eq(x->size, y->size);
		if (x->flags & RFX_TENSOR_CONST) {
			ck_assert_uint_eq((uintptr_t)x->data % 64, 0);
			ck_assert_mem_eq(x->data, y->data, x->size);
		} else {
			ck_assert_ptr_null(x->data);
		}
	}
	for (uint32_t i = 0; i < g.n_layers; i++) {
		const rfx_layer *x = &g.layers[i], *y = &b->g.layers[i];

		ck_assert_int_eq(x->op, y->op);
		ck_assert_int_eq(x->precision, y->precision);
		ck_assert_str_eq(x->name, y->name);
		ck_assert_uint_eq(x->n_inputs, y->n_inputs);
		ck_assert_uint_eq(x->n_outputs, 1);
		ck_assert_mem_eq(x->inputs, y->inputs, x->n_inputs * 4);
		ck_assert_uint_eq(x->outputs[0], y->outputs[0]);
		ck_assert_mem_eq(x->i, y->i, sizeof(x->i));
		ck_assert_mem_eq(x->f, y->f, sizeof(x->f));
	}
	ck_assert_str_eq(g.meta.labels, b->g.meta.labels);
	ck_assert_uint_eq(g.meta.n_labels, 10);
	ck_assert_str_eq(g.meta.color, "bgr");
	ck_assert_str_eq(g.meta.layout, "NCHW");
	ck_assert_float_eq(g.meta.scale, 1.0f / 255.0f);
	ck_assert_mem_eq(g.meta.mean, b->g.meta.mean, sizeof(g.meta.mean));
	ck_assert_mem_eq(g.meta.std, b->g.meta.std, sizeof(g.meta.std));
	ck_assert_uint_eq(g.meta.input_w, 8);
	ck_assert_uint_eq(g.meta.input_h, 8);
	ck_assert_str_eq(g.meta.converter, "rfx-convert test");
	ck_assert_str_eq(g.meta.source_name, "classifier.onnx");
	ck_assert_uint_eq(g.meta.source_hash, 0x0123456789abcdefull);
	ck_assert_uint_eq(g.meta.golden_input_size, 3 * 8 * 8 * 4);
	ck_assert_uint_eq(g.meta.golden_output_size, 10 * 4);
	ck_assert_mem_eq(g.meta.golden_input, b->g.meta.golden_input, 3 * 8 * 8 * 4);
	ck_assert_mem_eq(g.meta.golden_output, b->g.meta.golden_output, 40);

	/* Written again from what was read: the same bytes. */
	ck_assert_msg(rfx_format_write(&g, &b2, &s2, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_uint_eq(s1, s2);
	ck_assert_mem_eq(b1, b2, s1);
	rfx_graph_finish(&g);
	free(b2);
	/* And the same graph twice: the same bytes. */
	ck_assert_int_eq(rfx_format_write(&b->g, &b2, &s2, err, sizeof(err)), RFX_OK);
	ck_assert_uint_eq(s1, s2);
	ck_assert_mem_eq(b1, b2, s1);
	free(b2);
	free(b1);
	free(b);
}
END_TEST

START_TEST(roundtrip_minimal_metadata)
{
	tg *b = classifier();
	void *b1, *b2;
	size_t s1, s2;
	char err[256];
	rfx_graph g;

	memset(&b->g.meta, 0, sizeof(b->g.meta));
	ck_assert_msg(rfx_format_write(&b->g, &b1, &s1, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_int_eq(rfx_format_read(b1, s1, &g, err, sizeof(err)), RFX_OK);
	ck_assert_ptr_null(g.meta.labels);
	ck_assert_ptr_null(g.meta.color);
	ck_assert_ptr_null(g.meta.golden_input);
	ck_assert_float_eq(g.meta.scale, 0);
	ck_assert_int_eq(rfx_format_write(&g, &b2, &s2, err, sizeof(err)), RFX_OK);
	ck_assert_uint_eq(s1, s2);
	ck_assert_mem_eq(b1, b2, s1);
	rfx_graph_finish(&g);
	free(b1);
	free(b2);
	free(b);
}
END_TEST

static uint32_t version_of(const void *bytes)
{
	const unsigned char *p = (const unsigned char *)bytes + RFX_HDR_VERSION;

	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A file is written with the lowest version that holds it: version 1
 * unless a layer uses swish (version 2), and the reader refuses a version
 * that does not match what the layers need, either way. The version is in
 * the header, outside the CRC, so patching it tests only this check. */
START_TEST(version_is_the_lowest_that_holds_the_graph)
{
	tg *b = classifier();
	void *b1, *b2;
	size_t s1, s2;
	char err[256];
	rfx_graph g;

	ck_assert_msg(rfx_format_write(&b->g, &b1, &s1, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_uint_eq(version_of(b1), 1);
	wr32((unsigned char *)b1 + RFX_HDR_VERSION, 2);
	ck_assert_int_eq(rfx_format_read(b1, s1, &g, err, sizeof(err)), RFX_E_FORMAT);
	ck_assert_msg(strstr(err, "format version 2, but nothing in the file needs more than 1"),
		      "%s", err);
	free(b1);

	ck_assert_int_eq(b->l[0].op, RFX_OP_CONV2D);
	b->l[0].i[RFX_CONV_ACT] = RFX_ACT_SWISH;
	ck_assert_msg(rfx_format_write(&b->g, &b1, &s1, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_uint_eq(version_of(b1), 2);
	ck_assert_int_eq(rfx_format_read(b1, s1, &g, err, sizeof(err)), RFX_OK);
	ck_assert_int_eq(g.layers[0].i[RFX_CONV_ACT], RFX_ACT_SWISH);
	ck_assert_int_eq(rfx_format_write(&g, &b2, &s2, err, sizeof(err)), RFX_OK);
	ck_assert_uint_eq(s1, s2);
	ck_assert_mem_eq(b1, b2, s1);
	rfx_graph_finish(&g);
	free(b2);
	wr32((unsigned char *)b1 + RFX_HDR_VERSION, 1);
	ck_assert_int_eq(rfx_format_read(b1, s1, &g, err, sizeof(err)), RFX_E_FORMAT);
	ck_assert_msg(strstr(err, "activation swish needs format version 2, the file says 1"),
		      "%s", err);
	wr32((unsigned char *)b1 + RFX_HDR_VERSION, RFX_FORMAT_VERSION + 1);
	ck_assert_int_eq(rfx_format_read(b1, s1, &g, err, sizeof(err)), RFX_E_UNSUPPORTED);
	free(b1);
	free(b);
}
END_TEST

START_TEST(writer_refuses_bad_graphs)
{
	tg *b = classifier();
	void *bytes = NULL;
	size_t size;
	char err[256] = "";

	ck_assert_int_eq(rfx_format_write(NULL, &bytes, &size, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_format_write(&b->g, NULL, &size, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	/* A constant whose data does not match its shape. */
	b->t[1].size -= 4;
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	ck_assert_ptr_nonnull(strstr(err, "conv.w"));
	b->t[1].size += 4;
	/* A bad attribute is the reader's verdict, passed on. */
	b->l[0].i[RFX_CONV_GROUP] = 2;
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_FORMAT);
	ck_assert_msg(strstr(err, "group 2 does not divide input channels 3"), "%s", err);
	b->l[0].i[RFX_CONV_GROUP] = 1;
	/* Labels that disagree with their count. */
	b->g.meta.n_labels = 9;
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	b->g.meta.n_labels = 10;
	/* A tensor without a name, or with an empty one. */
	b->t[4].name = NULL;
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	b->t[4].name = "";
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_FORMAT);
	ck_assert_msg(strstr(err, "empty name"), "%s", err);
	b->t[4].name = b->names[4];
	/* A golden input of the wrong size. */
	b->g.meta.golden_input_size -= 4;
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_FORMAT);
	ck_assert_msg(strstr(err, "golden"), "%s", err);
	ck_assert_ptr_null(bytes);
	free(b);
}
END_TEST

START_TEST(write_file_atomic)
{
	tg *b = classifier();
	char dir[] = "/tmp/rfx_fmt_XXXXXX", path[64], err[256];
	void *mem, *disk;
	size_t ms, ds;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.rfx", dir);
	ck_assert_msg(rfx_format_write_file(&b->g, path, err, sizeof(err)) == RFX_OK, "%s", err);
	/* Overwrite in place: still atomic, still the same bytes. */
	ck_assert_msg(rfx_format_write_file(&b->g, path, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_int_eq(rfx_format_write(&b->g, &mem, &ms, err, sizeof(err)), RFX_OK);
	ck_assert_int_eq(rfx_file_read(path, 1 << 20, &disk, &ds, err, sizeof(err)), RFX_OK);
	ck_assert_uint_eq((uintptr_t)disk % 64, 0);
	ck_assert_uint_eq(ms, ds);
	ck_assert_mem_eq(mem, disk, ms);
	free(disk);
	/* Too large for the limit: an I/O error naming the path. */
	ck_assert_int_eq(rfx_file_read(path, 16, &disk, &ds, err, sizeof(err)), RFX_E_IO);
	ck_assert_ptr_nonnull(strstr(err, path));
	/* A directory that does not exist. */
	snprintf(path, sizeof(path), "%s/no/such/dir.rfx", dir);
	ck_assert_int_eq(rfx_format_write_file(&b->g, path, err, sizeof(err)), RFX_E_IO);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	snprintf(path, sizeof(path), "%s/m.rfx", dir);
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0); /* no temporary file left behind */
	free(mem);
	free(b);
}
END_TEST


/* ------------------------------------------------------------------ */
/* Model API */

START_TEST(model_load_memory_cpu)
{
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	size_t size;
	unsigned char *b = classifier_bytes(&size);
	rfx_model *m = NULL;
	rfx_tensor_info info;
	rfx_preprocess pp;

	ck_assert_int_eq(rfx_model_load_memory(ctx, b, size, &m), RFX_OK);
	free(b); /* the model keeps its own copy */
	ck_assert_uint_eq(rfx_model_input_count(m), 1);
	ck_assert_uint_eq(rfx_model_output_count(m), 1);
	ck_assert_int_eq(rfx_model_input_info(m, 0, &info), RFX_OK);
	ck_assert_str_eq(info.name, "x");
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
	ck_assert_uint_eq(info.rank, 4);
	ck_assert_uint_eq(info.dims[1], 3);
	ck_assert_uint_eq(info.size_bytes, 3 * 8 * 8 * 4);
	ck_assert_int_eq(rfx_model_output_info(m, 0, &info), RFX_OK);
	ck_assert_str_eq(info.name, "prob");
	ck_assert_uint_eq(info.rank, 2);
	ck_assert_uint_eq(info.dims[1], 10);
	ck_assert_uint_eq(info.size_bytes, 40);
	ck_assert_int_eq(rfx_model_input_info(m, 1, &info), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_output_info(m, 0, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_preprocess(m, &pp), RFX_OK);
	ck_assert_str_eq(pp.color, "bgr");
	ck_assert_float_eq(pp.scale, 1.0f / 255.0f);
	ck_assert_float_eq(pp.mean[1], 0.456f);
	ck_assert_float_eq(pp.std[2], 0.225f);
	ck_assert_uint_eq(pp.channels, 3);
	ck_assert_uint_eq(pp.width, 8);
	ck_assert_uint_eq(pp.height, 8);
	ck_assert_uint_eq(rfx_model_label_count(m), 10);
	ck_assert_str_eq(rfx_model_label(m, 0), "zero");
	ck_assert_str_eq(rfx_model_label(m, 9), "nine");
	ck_assert_ptr_null(rfx_model_label(m, 10));
	ck_assert_ptr_null(rfx_model_label(NULL, 0));
	ck_assert_uint_eq(rfx_model_label_count(NULL), 0);

	/* Live sessions: destroy refuses (and says so) instead of freeing. */
	atomic_store(&m->sessions, 1);
	rfx_model_destroy(m);
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(ctx), "sessions"));
	ck_assert_uint_eq(rfx_model_label_count(m), 10); /* still alive */
	atomic_store(&m->sessions, 0);
	rfx_model_destroy(m);
	rfx_model_destroy(NULL);
	test_context_done(ctx);
}
END_TEST

START_TEST(model_defaults_without_metadata)
{
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	tg *b = classifier();
	void *bytes;
	size_t size;
	rfx_model *m;
	rfx_preprocess pp;

	memset(&b->g.meta, 0, sizeof(b->g.meta));
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, NULL, 0), RFX_OK);
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, size, &m), RFX_OK);
	ck_assert_int_eq(rfx_model_preprocess(m, &pp), RFX_OK);
	ck_assert_str_eq(pp.color, "rgb");
	ck_assert_float_eq(pp.scale, 1.0f);
	ck_assert_float_eq(pp.mean[0], 0.0f);
	ck_assert_float_eq(pp.std[0], 1.0f);
	ck_assert_uint_eq(pp.width, 8);
	ck_assert_uint_eq(rfx_model_label_count(m), 0);
	ck_assert_ptr_null(rfx_model_label(m, 0));
	rfx_model_destroy(m);
	free(bytes);
	free(b);
	test_context_done(ctx);
}
END_TEST

START_TEST(model_load_file_cpu)
{
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	tg *b = classifier();
	char dir[] = "/tmp/rfx_model_XXXXXX", path[64], err[256];
	rfx_model *m = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.rfx", dir);
	ck_assert_msg(rfx_format_write_file(&b->g, path, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_int_eq(rfx_model_load_file(ctx, path, &m), RFX_OK);
	ck_assert_uint_eq(rfx_model_label_count(m), 10);
	rfx_model_destroy(m);
	unlink(path);

	/* Missing: RFX_E_IO naming the path and the reason. */
	m = NULL;
	ck_assert_int_eq(rfx_model_load_file(ctx, path, &m), RFX_E_IO);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(ctx), path));
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(ctx), "No such file"));
	/* A directory is not a model. */
	ck_assert_int_eq(rfx_model_load_file(ctx, dir, &m), RFX_E_IO);
	ck_assert_int_eq(rmdir(dir), 0);
	test_context_done(ctx);
	free(b);
}
END_TEST

START_TEST(model_bad_arguments_and_files)
{
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	size_t size;
	unsigned char *b = classifier_bytes(&size);
	rfx_model *m = NULL;

	ck_assert_int_eq(rfx_model_load_file(NULL, "x.rfx", &m), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_load_file(ctx, NULL, &m), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_load_file(ctx, "x.rfx", NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_load_memory(NULL, b, size, &m), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_load_memory(ctx, NULL, size, &m), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_load_memory(ctx, b, size, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_uint_eq(rfx_model_input_count(NULL), 0);
	ck_assert_int_eq(rfx_model_preprocess(NULL, NULL), RFX_E_INVALID_ARGUMENT);
	/* Unaligned caller memory is fine: the model copies it. */
	{
		unsigned char *odd = malloc(size + 3);

		memcpy(odd + 3, b, size);
		ck_assert_int_eq(rfx_model_load_memory(ctx, odd + 3, size, &m), RFX_OK);
		rfx_model_destroy(m);
		free(odd);
	}
	/* Corrupt: the last error names the failed check. */
	b[size - 1] ^= 1;
	m = NULL;
	ck_assert_int_eq(rfx_model_load_memory(ctx, b, size, &m), RFX_E_FORMAT);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(ctx), "CRC"));
	b[size - 1] ^= 1;
	wr32(b + RFX_HDR_VERSION, 9);
	ck_assert_int_eq(rfx_model_load_memory(ctx, b, size, &m), RFX_E_UNSUPPORTED);
	ck_assert_int_eq(rfx_model_load_memory(ctx, b, 0, &m), RFX_E_FORMAT);
	free(b);
	test_context_done(ctx);
}
END_TEST

START_TEST(model_load_vulkan)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	size_t size;
	unsigned char *b = classifier_bytes(&size);
	rfx_model *m = NULL;

	ck_assert_msg(rfx_model_load_memory(ctx, b, size, &m) == RFX_OK, "%s",
		      rfx_context_last_error(ctx));
	ck_assert_ptr_nonnull(m->vk);
	ck_assert_uint_eq(rfx_model_label_count(m), 10);
	rfx_model_destroy(m);
	free(b);
	test_context_done(ctx);
}
END_TEST

static Suite *format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_add_test(tc, crc32_matches_zlib);
	tcase_add_test(tc, roundtrip_fields_and_bytes);
	tcase_add_test(tc, roundtrip_minimal_metadata);
	tcase_add_test(tc, version_is_the_lowest_that_holds_the_graph);
	tcase_add_test(tc, writer_refuses_bad_graphs);
	tcase_add_test(tc, write_file_atomic);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_add_test(tc, model_load_memory_cpu);
	tcase_add_test(tc, model_defaults_without_metadata);
	tcase_add_test(tc, model_load_file_cpu);
	tcase_add_test(tc, model_bad_arguments_and_files);
	tcase_add_test(tc, model_load_vulkan);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(format_suite());
}
