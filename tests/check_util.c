#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"

int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void add_test_cases(Suite *s, const test_case *cases, size_t n, SFun setup,
                    SFun teardown, double timeout)
{
	for (size_t i = 0; i < n; i++) {
		TCase *tc = tcase_create(cases[i].name);

		if (setup || teardown)
			tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].test);
		tcase_set_timeout(tc, timeout);
		suite_add_tcase(s, tc);
	}
}

static int validation_on;

static void log_stderr(rfx_log_level level, const char *msg, void *user)
{
	static const char *names[] = {"error", "warning", "info", "debug"};

	(void)user;
	if (strcmp(msg, "validation layer enabled") == 0)
		validation_on = 1;
	if (level <= RFX_LOG_WARNING)
		fprintf(stderr, "reflex %s: %s\n", names[level], msg);
}

rfx_context *test_context(rfx_backend backend)
{
	rfx_context_options opt;
	rfx_context *ctx = NULL;
	rfx_status st;

	rfx_context_options_default(&opt);
	opt.backend = backend;
	opt.validation = 1;
	opt.log = log_stderr;
	opt.log_level = RFX_LOG_INFO;
	validation_on = 0;
	st = rfx_context_create(&opt, &ctx);
	ck_assert_msg(st == RFX_OK, "rfx_context_create: %s", rfx_status_str(st));
	if (backend == RFX_BACKEND_VULKAN)
		ck_assert_msg(validation_on,
			      "the Khronos validation layer is not installed");
	return ctx;
}

void test_context_done(rfx_context *ctx)
{
	uint32_t n = rfx_context_validation_count(ctx);

	rfx_context_destroy(ctx);
	ck_assert_msg(n == 0, "%u validation messages (see stderr)", n);
}

uint32_t test_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

float test_randf(uint32_t *s, float lo, float hi)
{
	return lo + (hi - lo) * (float)(test_rand(s) >> 8) / 16777216.0f;
}
