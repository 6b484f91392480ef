/*
 * Concurrency: four threads, each with its own session of one shared model,
 * run many inferences at once; every answer is checked against the CPU
 * reference, and repeated runs of one input must be bit-identical. Run on
 * the Vulkan backend and on the CPU backend; sessions are created and
 * destroyed inside the threads, concurrently, too.
 *
 * Runs per thread: 500 by default; RFX_CONCURRENCY_RUNS=10000 for the
 * issue's full count. Under ThreadSanitizer (the point of this test):
 *
 *     meson setup build-tsan -Db_sanitize=thread -Db_lundef=false
 *     meson test -C build-tsan concurrency
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "format/rfx_format.h"
#include "graph/builder.h"

#define THREADS 4
#define SALTS 3   /* distinct inputs per thread */
#define CLASSES 10

static uint32_t seed;

static uint32_t rand_const(rfx_builder *b, const char *name, uint32_t rank,
                           const uint32_t *dims, float scale)
{
	uint64_t n = 1;
	for (uint32_t k = 0; k < rank; k++)
		n *= dims[k];
	float *v = malloc(n * sizeof(float));
	ck_assert_ptr_nonnull(v);
	for (uint64_t i = 0; i < n; i++)
		v[i] = test_randf(&seed, -scale, scale);
	uint32_t t = rfx_builder_const(b, name, RFX_DTYPE_F32, rank, dims, v);
	free(v);
	return t;
}

static uint32_t conv(rfx_builder *b, uint32_t x, uint32_t cin, uint32_t cout,
                     const char *name, int stride)
{
	char wn[32], bn[32], yn[32];
	uint32_t wd[4] = {cout, cin, 3, 3}, bd[1] = {cout};

	snprintf(wn, sizeof(wn), "%s.w", name);
	snprintf(bn, sizeof(bn), "%s.b", name);
	snprintf(yn, sizeof(yn), "%s.y", name);
	uint32_t w = rand_const(b, wn, 4, wd, 1.0f / sqrtf((float)cin * 9));
	uint32_t bias = rand_const(b, bn, 1, bd, 0.1f);
	uint32_t y = rfx_builder_tensor(b, yn, RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(b, RFX_OP_CONV2D, name,
					 (uint32_t[]){x, w, bias}, 3, y);
	l->i[RFX_CONV_STRIDE_H] = l->i[RFX_CONV_STRIDE_W] = stride;
	l->i[RFX_CONV_PAD_T] = l->i[RFX_CONV_PAD_L] = 1;
	l->i[RFX_CONV_PAD_B] = l->i[RFX_CONV_PAD_R] = 1;
	l->i[RFX_CONV_DIL_H] = l->i[RFX_CONV_DIL_W] = 1;
	l->i[RFX_CONV_GROUP] = 1;
	l->i[RFX_CONV_ACT] = RFX_ACT_RELU;
	ck_assert_int_eq(rfx_builder_infer(b, l), RFX_OK);
	return y;
}

/* 16x16x3 -> conv(8, stride 2) -> conv(8) -> global average pool -> fc(10)
 * -> softmax, as .rfx bytes: small, so thousands of runs stay quick. */
static void *make_model(size_t *nbytes)
{
	rfx_builder b;
	rfx_graph g;
	char err[256];
	void *bytes = NULL;
	uint32_t xd[4] = {1, 3, 16, 16}, width = 8;

	seed = 3;
	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "image", RFX_DTYPE_F32, 4, xd);
	uint32_t y = conv(&b, x, 3, width, "conv0", 2);
	y = conv(&b, y, width, width, "conv1", 1);
	uint32_t gp = rfx_builder_tensor(&b, "gap", RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_GLOBAL_POOL, "gap", &y, 1, gp);
	l->i[RFX_GPOOL_KIND] = RFX_POOL_AVG;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	uint32_t fd[2] = {1, width};
	uint32_t flat = rfx_builder_tensor(&b, "flat", RFX_DTYPE_F32, 2, fd);
	l = rfx_builder_layer(&b, RFX_OP_RESHAPE, "flatten", &gp, 1, flat);
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	uint32_t wd[2] = {CLASSES, width}, bd[1] = {CLASSES};
	uint32_t w = rand_const(&b, "fc.w", 2, wd, 1.0f);
	uint32_t bias = rand_const(&b, "fc.b", 1, bd, 0.1f);
	uint32_t logits = rfx_builder_tensor(&b, "logits", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_FC, "fc", (uint32_t[]){flat, w, bias}, 3, logits);
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	uint32_t prob = rfx_builder_tensor(&b, "prob", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_SOFTMAX, "softmax", &logits, 1, prob);
	l->i[RFX_SOFTMAX_AXIS] = 1;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	rfx_builder_output(&b, prob);
	ck_assert_msg(rfx_builder_finish(&b, &g, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_msg(rfx_format_write(&g, &bytes, nbytes, err, sizeof(err)) == RFX_OK,
		      "%s", err);
	rfx_graph_finish(&g);
	return bytes;
}

/* Input `salt`, uniform in [0, 1]. */
static int fill_input(rfx_session *s, uint32_t salt)
{
	rfx_tensor_info info;
	float *in = rfx_session_input(s, 0, &info);
	uint32_t st = 1000 + salt;

	if (!in)
		return -1;
	for (size_t i = 0; i < info.size_bytes / sizeof(float); i++)
		in[i] = test_randf(&st, 0.0f, 1.0f);
	return 0;
}

/* The CPU reference's answers for salts 0 .. THREADS * SALTS - 1, each
 * from a fresh context: independent of the shared model under test. */
static void cpu_answers(const void *bytes, size_t n,
                        float want[THREADS * SALTS][CLASSES])
{
	rfx_context *cpu = test_context(RFX_BACKEND_CPU);
	rfx_model *m;
	rfx_session *s;

	ck_assert_int_eq(rfx_model_load_memory(cpu, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	for (uint32_t k = 0; k < THREADS * SALTS; k++) {
		ck_assert_int_eq(fill_input(s, k), 0);
		ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
		memcpy(want[k], rfx_session_output(s, 0, NULL), sizeof(want[k]));
	}
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	test_context_done(cpu);
}

struct worker {
	rfx_model *model;
	uint32_t id;
	uint32_t runs;
	const float (*want)[CLASSES];
	/* results, read by the main thread after join */
	int failures;
	int nondeterministic;
	char first_error[256];
};

static void note_failure(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_failure(struct worker *w, const char *fmt, ...)
{
	if (w->failures++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->first_error, sizeof(w->first_error), fmt, ap);
		va_end(ap);
	}
}

/* Softmax outputs in [0, 1]: the Vulkan kernels sum the same fp32 terms in
 * another order (3x3x8 = 72-term dot products, an 8x8 average, 8-term fc),
 * a few ulp on the logits; 1e-5 absolute + 1e-4 relative covers that with
 * margin, while a wrong input, a stale or another session's output is off
 * by ~1e-2 or more. */
static int close_enough(const float *got, const float *want)
{
	for (int i = 0; i < CLASSES; i++)
		if (!(fabsf(got[i] - want[i]) <= 1e-5f + 1e-4f * fabsf(want[i])))
			return 0;
	return 1;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	rfx_session *s = NULL;
	float first[SALTS][CLASSES];
	rfx_status st;

	/* Sessions of the shared model created concurrently. */
	if ((st = rfx_session_create(w->model, NULL, &s)) != RFX_OK) {
		note_failure(w, "session_create: %s", rfx_status_str(st));
		return NULL;
	}
	for (uint32_t r = 0; r < w->runs; r++) {
		uint32_t k = r % SALTS, salt = w->id * SALTS + k;
		if (fill_input(s, salt) != 0) {
			note_failure(w, "run %u: no input", r);
			break;
		}
		if ((st = rfx_session_run(s, UINT64_MAX)) != RFX_OK) {
			note_failure(w, "run %u: %s", r, rfx_status_str(st));
			continue;
		}
		const float *out = rfx_session_output(s, 0, NULL);
		if (!out) {
			note_failure(w, "run %u: no output", r);
			continue;
		}
		if (!close_enough(out, w->want[salt]))
			note_failure(w, "run %u (input %u): class 0 %g, CPU reference %g",
			     r, salt, out[0], w->want[salt][0]);
		if (r < SALTS)
			memcpy(first[k], out, sizeof(first[k]));
		else if (memcmp(first[k], out, sizeof(first[k])) != 0)
			w->nondeterministic++;
	}
	rfx_session_destroy(s);
	return NULL;
}

static uint32_t runs_per_thread(void)
{
	const char *e = getenv("RFX_CONCURRENCY_RUNS");
	long v = e ? strtol(e, NULL, 10) : 0;
	return v > 0 ? (uint32_t)v : 500;
}

static void run_threads(rfx_backend backend)
{
	rfx_context *ctx = test_context(backend);
	float want[THREADS * SALTS][CLASSES];
	struct worker w[THREADS];
	pthread_t th[THREADS];
	rfx_model *m;
	size_t n;
	void *bytes = make_model(&n);

	cpu_answers(bytes, n, want);
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	for (uint32_t i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].model = m;
		w[i].id = i;
		w[i].runs = runs_per_thread();
		w[i].want = (const float (*)[CLASSES])want;
		ck_assert_int_eq(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (uint32_t i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_msg(w[i].failures == 0, "thread %u: %d of %u runs failed; first: %s",
			      i, w[i].failures, w[i].runs, w[i].first_error);
		ck_assert_msg(w[i].nondeterministic == 0,
			      "thread %u: %d runs not bit-identical to the first of their input",
			      i, w[i].nondeterministic);
	}
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}

START_TEST(test_vulkan)
{
	run_threads(RFX_BACKEND_VULKAN);
}
END_TEST

START_TEST(test_cpu)
{
	run_threads(RFX_BACKEND_CPU);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("concurrency");
	TCase *tc = tcase_create("vulkan");
	tcase_add_test(tc, test_vulkan);
	tcase_set_timeout(tc, 1800);
	suite_add_tcase(s, tc);
	tc = tcase_create("cpu");
	tcase_add_test(tc, test_cpu);
	tcase_set_timeout(tc, 1800);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
