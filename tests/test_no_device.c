/* With no Vulkan driver (the loader pointed at an empty driver list), a
 * Vulkan context is a named status, not a crash, and the CPU backend works. */
#include <stdlib.h>

#include "check_util.h"

START_TEST(test_no_driver)
{
	rfx_context *ctx = NULL;
	rfx_device_info devs[4];
	uint32_t n = 99;

	ck_assert_ptr_nonnull(getenv("VK_DRIVER_FILES"));
	ck_assert_int_eq(rfx_context_create(NULL, &ctx), RFX_E_NO_DEVICE);
	ck_assert_ptr_null(ctx);
	ck_assert_int_eq(rfx_device_list(NULL, devs, 4, &n), RFX_E_NO_DEVICE);
	ck_assert_uint_eq(n, 0);

	rfx_context_options opt;
	rfx_context_options_default(&opt);
	opt.backend = RFX_BACKEND_CPU;
	ck_assert_int_eq(rfx_context_create(&opt, &ctx), RFX_OK);
	rfx_context_destroy(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("no_device");
	TCase *tc = tcase_create("no_driver");

	tcase_add_test(tc, test_no_driver);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
