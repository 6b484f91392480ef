/*
 * rfx-run end to end: a model written with the builder and the format
 * writer, inputs written as .npy, the tool run as a process, its outputs
 * read back; and its refusals (wrong shape, wrong dtype, missing or unknown
 * inputs), each with a non-zero exit and a message naming what is wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_util.h"
#include "format/rfx_format.h"
#include "graph/builder.h"
#include "npy.h"

static char dir[512], model[600], model1[600];

static const float addend[3] = {0.5f, -1.0f, 2.0f};

/* Two inputs "x" [1,2,3] and "y:0" [3]; outputs "out/sum" = relu(x + y:0)
 * and "out:diff" = x - addend. */
static void write_model(void)
{
	const uint32_t xd[3] = {1, 2, 3}, yd[1] = {3};
	uint32_t x, y, c, s, d, ins[2];
	char err[256];
	rfx_builder b;
	rfx_layer *l;
	rfx_graph g;

	rfx_builder_init(&b);
	x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 3, xd);
	y = rfx_builder_input(&b, "y:0", RFX_DTYPE_F32, 1, yd);
	c = rfx_builder_const(&b, "c", RFX_DTYPE_F32, 1, yd, addend);
	s = rfx_builder_tensor(&b, "out/sum", RFX_DTYPE_F32, 0, NULL);
	ins[0] = x;
	ins[1] = y;
	l = rfx_builder_layer(&b, RFX_OP_BINARY, "add", ins, 2, s);
	l->i[RFX_BINARY_ACT] = RFX_ACT_RELU;
	rfx_builder_infer(&b, l);
	d = rfx_builder_tensor(&b, "out:diff", RFX_DTYPE_F32, 0, NULL);
	ins[1] = c;
	l = rfx_builder_layer(&b, RFX_OP_BINARY, "sub", ins, 2, d);
	l->i[RFX_BINARY_KIND] = RFX_BINARY_SUB;
	rfx_builder_infer(&b, l);
	rfx_builder_output(&b, s);
	rfx_builder_output(&b, d);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_OK);
	ck_assert_msg(rfx_format_write_file(&g, model, err, sizeof(err)) == RFX_OK, "%s", err);
	rfx_graph_finish(&g);

	/* one input: y = x * 2 */
	rfx_builder_init(&b);
	x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 1, yd);
	ins[0] = x;
	ins[1] = rfx_builder_const(&b, "two", RFX_DTYPE_F32, 0, NULL, &(float){2.0f});
	s = rfx_builder_tensor(&b, "y", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_BINARY, "mul", ins, 2, s);
	l->i[RFX_BINARY_KIND] = RFX_BINARY_MUL;
	rfx_builder_infer(&b, l);
	rfx_builder_output(&b, s);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_OK);
	ck_assert_msg(rfx_format_write_file(&g, model1, err, sizeof(err)) == RFX_OK, "%s", err);
	rfx_graph_finish(&g);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/test_rfx_run_%d", getenv("TEST_BUILD"), (int)getpid());
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(model, sizeof(model), "%s/two.rfx", dir);
	snprintf(model1, sizeof(model1), "%s/one.rfx", dir);
	write_model();
}

static void teardown(void)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void write_npy(const char *name, const float *v, uint32_t rank,
                      const uint64_t *dims)
{
	char path[1200], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(rfx_npy_write_f32(path, v, rank, dims, err, sizeof(err)) == RFX_OK,
		      "%s", err);
}

/* Runs rfx-run with args (stderr to DIR/err.txt); returns the exit code. */
static int run_tool(const char *args)
{
	char cmd[4096];
	int rc;

	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s/tools/rfx-run' %s > out.txt 2> err.txt",
		 dir, getenv("TEST_BUILD"), args);
	rc = system(cmd);
	ck_assert(rc != -1 && WIFEXITED(rc));
	return WEXITSTATUS(rc);
}

static char *err_text(void)
{
	static char text[4096];
	char path[1200];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/err.txt", dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void read_out(const char *name, rfx_npy *a)
{
	char path[1200], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(rfx_npy_read_file(path, a, err, sizeof(err)) == RFX_OK, "%s", err);
}

static void check_two_outputs(const float *x, const float *y)
{
	rfx_npy a;

	read_out("outs/out_sum.npy", &a);
	ck_assert_uint_eq(a.rank, 3);
	ck_assert_uint_eq(a.dims[1], 2);
	for (int k = 0; k < 6; k++) {
		float v = x[k] + y[k % 3];
		ck_assert_float_eq(a.data[k], v > 0 ? v : 0);
	}
	rfx_npy_finish(&a);
	read_out("outs/out_diff.npy", &a);
	for (int k = 0; k < 6; k++)
		ck_assert_float_eq(a.data[k], x[k] - addend[k % 3]);
	rfx_npy_finish(&a);
}

static const float xv[6] = {1, -2, 3, -4, 5, -6}, yv[3] = {0.5f, 1.5f, -9};
static const uint64_t xdims[3] = {1, 2, 3}, ydims[1] = {3};

START_TEST(test_run_cpu)
{
	write_npy("x.npy", xv, 3, xdims);
	write_npy("y.npy", yv, 1, ydims);
	ck_assert_int_eq(run_tool("--backend cpu two.rfx --input x=x.npy --input 'y:0=y.npy' "
				  "--output-dir outs"), 0);
	check_two_outputs(xv, yv);

	/* a one-input model takes its file positionally */
	ck_assert_int_eq(run_tool("-b cpu one.rfx y.npy -o outs"), 0);
	rfx_npy a;
	read_out("outs/y.npy", &a);
	for (int k = 0; k < 3; k++)
		ck_assert_float_eq(a.data[k], yv[k] * 2);
	rfx_npy_finish(&a);
	ck_assert_int_eq(run_tool("--help"), 0);
	ck_assert_int_eq(run_tool("--version"), 0);
}
END_TEST

START_TEST(test_run_vulkan)
{
	/* the same answers from the Vulkan backend: one IEEE operation per
	 * element, so equal (lavapipe and GPUs round add/sub exactly) */
	write_npy("x.npy", xv, 3, xdims);
	write_npy("y.npy", yv, 1, ydims);
	ck_assert_msg(run_tool("two.rfx --input x=x.npy --input y:0=y.npy --output-dir outs") == 0,
		      "%s", err_text());
	check_two_outputs(xv, yv);
}
END_TEST

START_TEST(test_refusals)
{
	const uint64_t wrong[3] = {1, 3, 2};

	write_npy("x.npy", xv, 3, xdims);
	write_npy("y.npy", yv, 1, ydims);
	write_npy("xt.npy", xv, 3, wrong);

	ck_assert_int_ne(run_tool("-b cpu two.rfx --input x=xt.npy --input y:0=y.npy -o outs"), 0);
	ck_assert_ptr_nonnull(strstr(err_text(), "[1,2,3]"));
	ck_assert_ptr_nonnull(strstr(err_text(), "[1,3,2]"));

	ck_assert_int_ne(run_tool("-b cpu two.rfx --input x=x.npy -o outs"), 0);
	ck_assert_ptr_nonnull(strstr(err_text(), "y:0"));

	ck_assert_int_ne(run_tool("-b cpu two.rfx --input x=x.npy --input z=y.npy -o outs"), 0);
	ck_assert_ptr_nonnull(strstr(err_text(), "no input 'z'"));

	ck_assert_int_ne(run_tool("-b cpu two.rfx x.npy -o outs"), 0);
	ck_assert_ptr_nonnull(strstr(err_text(), "name each input"));

	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "cp '%s/npy/i4.npy' '%s/i4.npy'", getenv("TEST_DATA"), dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_ne(run_tool("-b cpu one.rfx i4.npy -o outs"), 0);
	ck_assert_ptr_nonnull(strstr(err_text(), "float32"));

	ck_assert_int_ne(run_tool("-b cpu one.rfx missing.npy -o outs"), 0);
	ck_assert_ptr_nonnull(strstr(err_text(), "missing.npy"));
	ck_assert_int_ne(run_tool("-b cpu nothere.rfx y.npy -o outs"), 0);
	ck_assert_ptr_nonnull(strstr(err_text(), "nothere.rfx"));
	ck_assert_int_ne(run_tool("-b cpu one.rfx y.npy"), 0);
	ck_assert_ptr_nonnull(strstr(err_text(), "output-dir"));
	ck_assert_int_ne(run_tool("-b tpu one.rfx y.npy -o outs"), 0);
	ck_assert_int_ne(run_tool("-b cpu one.rfx y.npy -o one.rfx"), 0);
	ck_assert_ptr_nonnull(strstr(err_text(), "not a directory"));
}
END_TEST

/* Hostile model files and a device that does not exist: a named status and
 * the reason on stderr, a non-zero exit, no crash. */
START_TEST(test_hostile_models)
{
	char path[1200], good[1200];
	unsigned char buf[65536];
	size_t n;
	FILE *f;

	write_npy("y.npy", yv, 1, ydims);
	snprintf(good, sizeof(good), "%s/one.rfx", dir);
	f = fopen(good, "rb");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_gt(n, RFX_FORMAT_HEADER_SIZE);

	snprintf(path, sizeof(path), "%s/cut.rfx", dir);
	f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(buf, 1, n / 2, f), n / 2);
	fclose(f);
	ck_assert_int_eq(run_tool("-b cpu cut.rfx y.npy -o outs"), 1);
	ck_assert_msg(strstr(err_text(), "RFX_E_FORMAT") && strstr(err_text(), "cut.rfx"),
		      "%s", err_text());

	buf[RFX_HDR_VERSION] = RFX_FORMAT_VERSION + 1; /* little-endian u32 */
	snprintf(path, sizeof(path), "%s/future.rfx", dir);
	f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	fclose(f);
	ck_assert_int_eq(run_tool("-b cpu future.rfx y.npy -o outs"), 1);
	ck_assert_msg(strstr(err_text(), "RFX_E_UNSUPPORTED") && strstr(err_text(), "newer"),
		      "%s", err_text());

	ck_assert_int_eq(run_tool("--device 999 one.rfx y.npy -o outs"), 1);
	ck_assert_msg(strstr(err_text(), "RFX_E_NO_DEVICE"), "%s", err_text());
}
END_TEST

static Suite *rfx_run_suite(void)
{
	Suite *s = suite_create("rfx_run");
	TCase *tc;

	tc = tcase_create("cpu");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_run_cpu);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_hostile_models);
	suite_add_tcase(s, tc);

	tc = tcase_create("vulkan");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_run_vulkan);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(rfx_run_suite());
}
