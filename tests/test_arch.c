/*
 * The six standard architectures (reduced torchvision models committed in
 * tests/data/arch/, made by gen_arch.py): converted in-process, run on the
 * CPU reference and compared with PyTorch's output; then run on Vulkan and
 * compared with the CPU reference, in fp32 and in fp16.
 *
 * Tolerances, relative to the largest |output| (the logits' scale):
 *  - CPU fp32 vs PyTorch: 1e-4, as the issue asks (sums in another order
 *    and BatchNorm folded into the weights change the last bits only);
 *  - Vulkan fp32 vs CPU fp32: 1e-4 (same order of sums; FMA contraction
 *    and libm-vs-driver exp/tanh differ by ulps per layer);
 *  - Vulkan fp16 vs CPU fp16: 2e-2 — both round every activation to fp16
 *    (2^-11 relative), and a one-ulp difference in one layer (an FMA, a
 *    rounding mode) is carried through 20-50 layers;
 *  - CPU fp16 vs PyTorch fp32: 5e-2, the cost of fp16 storage itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "convert/convert.h"
#include "format/rfx_format.h"
#include "npy.h"

static const char *const models[] = {
	"mobilenet_v2", "resnet18", "squeezenet1_1", "shufflenet_v2_x1_0",
	"mobilenet_v3_small", "efficientnet_b0",
};

static void *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *p = NULL;
	long n;

	ck_assert_msg(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n);
	ck_assert(fread(p, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return p;
}

/* The model as .rfx bytes at a precision. */
static void *convert(const char *name, rfx_dtype precision, size_t *n)
{
	char path[1024], err[512];
	size_t size;
	rfx_convert_options opt;
	rfx_graph g;
	void *bytes;

	snprintf(path, sizeof(path), "%s/arch/%s.onnx", getenv("TEST_DATA"), name);
	void *onnx = read_all(path, &size);
	rfx_convert_options_default(&opt);
	opt.precision = precision;
	opt.source_name = name;
	ck_assert_msg(rfx_convert_onnx(onnx, size, &opt, &g, NULL, err,
				       sizeof(err)) == RFX_OK, "%s: %s", name, err);
	ck_assert_msg(rfx_format_write(&g, &bytes, n, err, sizeof(err)) == RFX_OK,
		      "%s: %s", name, err);
	rfx_graph_finish(&g);
	free(onnx);
	return bytes;
}

/* Runs the model on ctx with the committed input; copies output 0. */
static void run(rfx_context *ctx, const void *bytes, size_t n, const rfx_npy *in,
                float *out, size_t out_n, const char *what)
{
	rfx_model *m;
	rfx_session *s;
	rfx_tensor_info info;

	ck_assert_msg(rfx_model_load_memory(ctx, bytes, n, &m) == RFX_OK, "%s: %s",
		      what, rfx_context_last_error(ctx));
	ck_assert_msg(rfx_session_create(m, NULL, &s) == RFX_OK, "%s: %s", what,
		      rfx_context_last_error(ctx));
	float *x = rfx_session_input(s, 0, &info);
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
	ck_assert_uint_eq(info.size_bytes, in->count * sizeof(float));
	memcpy(x, in->data, info.size_bytes);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	const float *y = rfx_session_output(s, 0, &info);
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
	ck_assert_uint_eq(info.size_bytes, out_n * sizeof(float));
	memcpy(out, y, info.size_bytes);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
}

static void compare(const float *got, const float *want, size_t n, double tol,
                    const char *what)
{
	double scale = 0, worst = 0;

	for (size_t i = 0; i < n; i++)
		scale = fmax(scale, fabs(want[i]));
	ck_assert_msg(scale > 1e-6, "%s: the reference output vanishes (%g)", what, scale);
	for (size_t i = 0; i < n; i++)
		worst = fmax(worst, fabs((double)got[i] - want[i]) / scale);
	fprintf(stderr, "%s: max error %.3g of max |output| %.3g\n", what, worst, scale);
	ck_assert_msg(worst <= tol, "%s: relative error %g > %g", what, worst, tol);
}

START_TEST(test_architecture)
{
	const char *name = models[_i];
	char path[1024], err[256], what[128];
	rfx_npy in, want;
	size_t n32, n16;
	rfx_context *cpu = test_context(RFX_BACKEND_CPU);
	rfx_context *vk = test_context(RFX_BACKEND_VULKAN);

	snprintf(path, sizeof(path), "%s/arch/%s.input.npy", getenv("TEST_DATA"), name);
	ck_assert_msg(rfx_npy_read_file(path, &in, err, sizeof(err)) == RFX_OK, "%s", err);
	snprintf(path, sizeof(path), "%s/arch/%s.output.npy", getenv("TEST_DATA"), name);
	ck_assert_msg(rfx_npy_read_file(path, &want, err, sizeof(err)) == RFX_OK, "%s", err);
	size_t n = want.count;
	float *c32 = calloc(n, 4), *v32 = calloc(n, 4), *c16 = calloc(n, 4), *v16 = calloc(n, 4);

	void *b32 = convert(name, RFX_DTYPE_F32, &n32);
	void *b16 = convert(name, RFX_DTYPE_F16, &n16);
	snprintf(what, sizeof(what), "%s cpu fp32 vs pytorch", name);
	run(cpu, b32, n32, &in, c32, n, what);
	compare(c32, want.data, n, 1e-4, what);
	snprintf(what, sizeof(what), "%s vulkan fp32 vs cpu", name);
	run(vk, b32, n32, &in, v32, n, what);
	compare(v32, c32, n, 1e-4, what);
	snprintf(what, sizeof(what), "%s cpu fp16 vs pytorch", name);
	run(cpu, b16, n16, &in, c16, n, what);
	compare(c16, want.data, n, 5e-2, what);
	snprintf(what, sizeof(what), "%s vulkan fp16 vs cpu fp16", name);
	run(vk, b16, n16, &in, v16, n, what);
	compare(v16, c16, n, 2e-2, what);

	free(b32);
	free(b16);
	free(c32);
	free(v32);
	free(c16);
	free(v16);
	rfx_npy_finish(&in);
	rfx_npy_finish(&want);
	test_context_done(vk);
	test_context_done(cpu);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("arch");
	TCase *tc = tcase_create("torchvision");

	tcase_add_loop_test(tc, test_architecture, 0,
			    (int)(sizeof(models) / sizeof(models[0])));
	tcase_set_timeout(tc, 600);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
