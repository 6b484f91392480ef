/* Shared by every Check suite: one main, and contexts that fail the test on
 * any validation-layer warning or error. */
#ifndef RFX_TEST_CHECK_UTIL_H
#define RFX_TEST_CHECK_UTIL_H

#include <check.h>

#include "reflex.h"

/* Runs the suite, prints Check's summary, returns the process exit code. */
int run_suite(Suite *s);

/* One test and the name of the TCase it runs in. */
typedef struct test_case {
	const char *name;
	const TTest *test;
} test_case;

/* Adds each of cases[0, n) to s in a TCase of its own, with the checked
 * fixture (setup and teardown may be NULL) and timeout (seconds). */
void add_test_cases(Suite *s, const test_case *cases, size_t n, SFun setup,
                    SFun teardown, double timeout);

/* A context on `backend` with validation on (for Vulkan) and the log on
 * stderr; fails the test if creation fails or the validation layer is
 * missing. */
rfx_context *test_context(rfx_backend backend);
/* Asserts that the context saw no validation message, then destroys it. */
void test_context_done(rfx_context *ctx);

/* Deterministic pseudo-random numbers (xorshift), for fixed-seed tests. */
uint32_t test_rand(uint32_t *state);
float test_randf(uint32_t *state, float lo, float hi);

#endif
