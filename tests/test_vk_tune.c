/*
 * Kernel tuning (engine/vk/tune.c): a session measures each layer's kernel
 * variants, stores the choice next to its pipeline cache, and the next
 * session reads it instead of measuring; a hand-written tuning file is
 * obeyed, a damaged or foreign one is measured over, RFX_TUNE_OFF and
 * RFX_TUNE_ALWAYS do what they say, and whatever was chosen computes what
 * the CPU reference computes. The model is tests/data/convert/mobile_op14
 * (depthwise and pointwise convolutions, a classifier: every layer kind
 * that has variants), converted in-process.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "convert/convert.h"
#include "core/model.h"
#include "format/rfx_format.h"
#include "vk/ops.h"
#include "vk/session_priv.h"
#include "vk/vk_session.h"

static void *rfx_bytes;
static size_t rfx_size;
static float *want;      /* the CPU reference's output 0 */
static uint64_t want_n;
static float *input;
static uint64_t input_n;
static char dir[64];
static char cache[128];

static void *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *p = malloc((size_t)n);
	ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return p;
}

/* Converts the model once, and runs it on the CPU backend for the answer. */
static void setup_model(void)
{
	char path[512], err[512];
	size_t size;
	rfx_graph g;
	uint32_t seed = 7;

	snprintf(path, sizeof(path), "%s/convert/mobile_op14.onnx",
		 getenv("TEST_DATA"));
	void *onnx = read_all(path, &size);
	ck_assert_int_eq(rfx_convert_onnx(onnx, size, NULL, &g, NULL, err,
					  sizeof(err)), RFX_OK);
	free(onnx);
	ck_assert_int_eq(rfx_format_write(&g, &rfx_bytes, &rfx_size, err,
					  sizeof(err)), RFX_OK);
	rfx_graph_finish(&g);

	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	rfx_model *m;
	rfx_session *s;
	rfx_tensor_info in, out;
	ck_assert_int_eq(rfx_model_load_memory(ctx, rfx_bytes, rfx_size, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	float *x = rfx_session_input(s, 0, &in);
	input_n = in.size_bytes / sizeof(float);
	input = malloc(in.size_bytes);
	for (uint64_t k = 0; k < input_n; k++)
		x[k] = input[k] = test_randf(&seed, -1.0f, 1.0f);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	const float *y = rfx_session_output(s, 0, &out);
	want_n = out.size_bytes / sizeof(float);
	want = malloc(out.size_bytes);
	memcpy(want, y, out.size_bytes);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	test_context_done(ctx);
}

static void teardown_model(void)
{
	free(rfx_bytes);
	free(want);
	free(input);
}

static rfx_context *ctx;
static rfx_model *model;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rfx-tune-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cache, sizeof(cache), "%s/pipelines.bin", dir);
	ctx = test_context(RFX_BACKEND_VULKAN);
	ck_assert_int_eq(rfx_model_load_memory(ctx, rfx_bytes, rfx_size, &model),
			 RFX_OK);
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[400];

	rfx_model_destroy(model);
	test_context_done(ctx);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* The tuning file the session uses (pipeline cache path + model id). */
static void tune_path(char *out, size_t len)
{
	snprintf(out, len, "%s.%016llx.tune", cache,
		 (unsigned long long)model->id);
}

static rfx_session *make(rfx_tune_mode mode, uint32_t budget_ms, int tuned)
{
	rfx_session_options o;
	rfx_session *s = NULL;

	rfx_session_options_default(&o);
	o.pipeline_cache_path = cache;
	o.tune = mode;
	o.tune_budget_ms = budget_ms;
	ck_assert_int_eq(rfx_session_create(model, &o, &s), RFX_OK);
	ck_assert_int_eq(rfx_vk_session_tuned(s), tuned);
	return s;
}

/* Runs s and compares with the CPU reference (fp32 variants differ from
 * it only by FMA contraction: test_vk_variants.c's bound). */
static void check_output(rfx_session *s)
{
	memcpy(rfx_session_input(s, 0, NULL), input, input_n * sizeof(float));
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	const float *y = rfx_session_output(s, 0, NULL);
	for (uint64_t k = 0; k < want_n; k++)
		ck_assert_msg(fabsf(y[k] - want[k]) <= 1e-5f + 1e-4f * fabsf(want[k]),
			      "output %llu: %.9g, cpu %.9g", (unsigned long long)k,
			      y[k], want[k]);
}

/* Layers with a choice, and for each the candidates this session had. */
static uint32_t choices(const rfx_session *s)
{
	uint32_t n = 0;

	for (uint32_t l = 0; l < model->graph.n_layers; l++)
		n += s->vk->cands[l].n > 1;
	return n;
}

static int is_candidate(const rfx_session *s, uint32_t l, const char *v)
{
	for (uint32_t i = 0; i < s->vk->cands[l].n; i++)
		if (strcmp(s->vk->cands[l].name[i], v) == 0)
			return 1;
	return 0;
}

START_TEST(test_measure_then_cached)
{
	char path[256], v[64][24];
	rfx_session *s = make(RFX_TUNE_AUTO, 600000, 1);

	ck_assert_uint_ge(choices(s), 3);
	ck_assert_uint_le(model->graph.n_layers, 64);
	for (uint32_t l = 0; l < model->graph.n_layers; l++) {
		snprintf(v[l], sizeof(v[l]), "%s", rfx_vk_session_layer_variant(s, l));
		if (s->vk->cands[l].n > 1)
			ck_assert_msg(is_candidate(s, l, v[l]), "layer %u: %s", l, v[l]);
	}
	check_output(s);
	rfx_session_destroy(s);
	tune_path(path, sizeof(path));
	ck_assert_int_eq(access(path, R_OK), 0);

	/* The next session reads the file: same choice, nothing measured. */
	s = make(RFX_TUNE_AUTO, 600000, 2);
	for (uint32_t l = 0; l < model->graph.n_layers; l++)
		ck_assert_str_eq(rfx_vk_session_layer_variant(s, l), v[l]);
	check_output(s);
	rfx_session_destroy(s);

	/* ALWAYS measures again although the file is there. */
	s = make(RFX_TUNE_ALWAYS, 600000, 1);
	check_output(s);
	rfx_session_destroy(s);
}
END_TEST

/* A tuning file written by hand: every layer with a choice takes its last
 * candidate (the storage-buffer kernel, never the default first), and the
 * session obeys. A variant the layer does not offer is ignored. */
START_TEST(test_file_is_obeyed)
{
	char path[256], hdr[256];
	rfx_session *s = make(RFX_TUNE_AUTO, 600000, 1);
	const rfx_graph *g = &model->graph;
	FILE *f;

	rfx_session_destroy(s);
	tune_path(path, sizeof(path));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(hdr, sizeof(hdr), f));
	fclose(f);
	s = make(RFX_TUNE_OFF, 0, 0);
	f = fopen(path, "w");
	fputs(hdr, f);
	uint32_t first = UINT32_MAX;
	for (uint32_t l = 0; l < g->n_layers; l++) {
		const struct layer_cands *c = &s->vk->cands[l];
		if (c->n < 2)
			continue;
		if (first == UINT32_MAX) {
			first = l;
			fprintf(f, "%u not_a_kernel\n", l);
		} else {
			fprintf(f, "%u %s\n", l, c->name[c->n - 1]);
		}
	}
	fclose(f);
	rfx_session *t = make(RFX_TUNE_AUTO, 600000, 2);
	for (uint32_t l = 0; l < g->n_layers; l++) {
		const struct layer_cands *c = &s->vk->cands[l];
		if (c->n < 2)
			continue;
		ck_assert_str_eq(rfx_vk_session_layer_variant(t, l),
				 l == first ? c->name[0] : c->name[c->n - 1]);
	}
	check_output(t);
	rfx_session_destroy(t);
	rfx_session_destroy(s);
}
END_TEST

/* Damaged or foreign tuning files are measured over and rewritten: a
 * file written by a library with other candidate kernels (the header's
 * "kernels" hash) too. */
START_TEST(test_damaged_file)
{
	static const char *const bad[] = {
		"",
		"garbage\n",
		"reflex-tune 1 device 0000:0000 driver 00000000 model 0 layers 1\n",
		NULL, /* the right header, then a bad line (below) */
		"kernels", /* the right header but for its kernels hash */
	};
	char path[256], hdr[256];
	FILE *f;

	rfx_session_destroy(make(RFX_TUNE_AUTO, 600000, 1));
	tune_path(path, sizeof(path));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(hdr, sizeof(hdr), f));
	fclose(f);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		f = fopen(path, "w");
		if (bad[k] && strcmp(bad[k], "kernels") == 0) {
			char *h = strstr(hdr, " kernels ");
			ck_assert_ptr_nonnull(h);
			fprintf(f, "%.*s kernels 0123456789abcdef\n", (int)(h - hdr), hdr);
		} else if (bad[k]) {
			fputs(bad[k], f);
		} else {
			fprintf(f, "%s99999 conv2d_sb\n", hdr);
		}
		fclose(f);
		rfx_session *s = make(RFX_TUNE_AUTO, 600000, 1);
		check_output(s);
		rfx_session_destroy(s);
		rfx_session_destroy(make(RFX_TUNE_AUTO, 600000, 2));
	}
}
END_TEST

/* Off: the default order and no file. A budget too small for one round:
 * still a working session. No pipeline cache: measured, nowhere stored. */
START_TEST(test_off_budget_and_no_cache)
{
	char path[256];
	rfx_session *s = make(RFX_TUNE_OFF, 600000, 0);

	for (uint32_t l = 0; l < model->graph.n_layers; l++)
		if (s->vk->cands[l].n > 1)
			ck_assert_str_eq(rfx_vk_session_layer_variant(s, l),
					 s->vk->cands[l].name[0]);
	rfx_session_destroy(s);
	tune_path(path, sizeof(path));
	ck_assert_int_ne(access(path, F_OK), 0);

	s = make(RFX_TUNE_AUTO, 1, 1);
	check_output(s);
	rfx_session_destroy(s);

	rfx_session_options o;
	rfx_session_options_default(&o);
	o.no_pipeline_cache = 1;
	o.tune_budget_ms = 600000;
	ck_assert_int_eq(rfx_session_create(model, &o, &s), RFX_OK);
	ck_assert_int_eq(rfx_vk_session_tuned(s), 1);
	check_output(s);
	rfx_session_destroy(s);
}
END_TEST

/* An int8 model is tuned like a float one: its convolutions have several
 * int8 kernels (tests/data/qdq/qdq.onnx: a QDQ model, int8 without
 * calibration images). Before, the tuner asked for candidates on a
 * device without int8 texel buffers and never measured int8 models. (A
 * device without int8 texel buffers has no choice to measure: skipped.) */
START_TEST(test_int8_model_is_tuned)
{
	char path[512], err[512];
	size_t size;
	void *bytes;
	size_t n;
	rfx_graph g;
	rfx_convert_options opt;
	rfx_model *m;
	rfx_session *s;
	rfx_session_options o;
	uint32_t with_choice = 0;
	rfx_vk_caps caps = rfx_vk_device_caps(ctx);

	if (!caps.int8 || !caps.texel_i8) /* no int8 kernel choice here */
		return;

	snprintf(path, sizeof(path), "%s/qdq/qdq.onnx", getenv("TEST_DATA"));
	void *onnx = read_all(path, &size);
	rfx_convert_options_default(&opt);
	opt.precision = RFX_DTYPE_I8;
	ck_assert_int_eq(rfx_convert_onnx(onnx, size, &opt, &g, NULL, err,
					  sizeof(err)), RFX_OK);
	free(onnx);
	ck_assert_int_eq(rfx_format_write(&g, &bytes, &n, err, sizeof(err)), RFX_OK);
	rfx_graph_finish(&g);
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	rfx_session_options_default(&o);
	o.pipeline_cache_path = cache;
	o.tune = RFX_TUNE_AUTO;
	o.tune_budget_ms = 600000;
	ck_assert_int_eq(rfx_session_create(m, &o, &s), RFX_OK);
	for (uint32_t l = 0; l < m->graph.n_layers; l++)
		with_choice += m->graph.layers[l].precision == RFX_DTYPE_I8 &&
			       s->vk->cands[l].n > 1;
	ck_assert_uint_gt(with_choice, 0);
	ck_assert_int_eq(rfx_vk_session_tuned(s), 1);
	rfx_session_destroy(s);
	/* The file is this model's now; with the packed dot product turned
	 * off the kernels are other code under the same names: measured
	 * again, where the device has the dot product to turn off. */
	ck_assert_int_eq(rfx_session_create(m, &o, &s), RFX_OK);
	ck_assert_int_eq(rfx_vk_session_tuned(s), 2);
	rfx_session_destroy(s);
	setenv("RFX_NO_INT_DOT", "1", 1);
	ck_assert_int_eq(rfx_session_create(m, &o, &s), RFX_OK);
	ck_assert_int_eq(rfx_vk_session_tuned(s), (caps.int_dot ? 1 : 2));
	unsetenv("RFX_NO_INT_DOT");
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("vk_tune");
	TCase *tc = tcase_create("tune");

	tcase_add_unchecked_fixture(tc, setup_model, teardown_model);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_measure_then_cached);
	tcase_add_test(tc, test_file_is_obeyed);
	tcase_add_test(tc, test_damaged_file);
	tcase_add_test(tc, test_off_budget_and_no_cache);
	tcase_add_test(tc, test_int8_model_is_tuned);
	suite_add_tcase(su, tc);
	return run_suite(su);
}
