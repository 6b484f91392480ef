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

#include "vk_test_util.h"

#define THREADS 4
#define SALTS 3   /* distinct inputs per thread */
#define CLASSES 10 /* test_conv_net's */

/* 16x16x3 -> conv(8, stride 2) -> conv(8) -> global average pool -> fc(10)
 * -> softmax (test_conv_net), as .rfx bytes: small, so thousands of runs
 * stay quick. */
static void *make_model(size_t *nbytes)
{
	rfx_builder b;
	uint32_t seed = 3;

	test_conv_net(&b, 16, 8, 2, &seed);
	return test_model_bytes(&b, nbytes);
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
