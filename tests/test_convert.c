/*
 * rfx-convert: committed ONNX models (tests/data/convert, made by
 * tests/data/gen_convert_models.py) against PyTorch's outputs, fp16, the
 * golden pair, and the command line. Op-level and error tests are in
 * test_convert_ops.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_util.h"
#include "format/rfx_format.h"
#include "npy.h"
#include "onnx_build.h"
#include "test_convert.h"

/* ---- helpers shared with test_convert_ops.c ---- */

void tc_convert(const void *onnx, size_t size, const rfx_convert_options *opt,
                rfx_graph *g, rfx_convert_stats *stats)
{
	char err[1024] = "";
	rfx_status st = rfx_convert_onnx(onnx, size, opt, g, stats, err,
					 sizeof(err));

	ck_assert_msg(st == RFX_OK, "convert: %s: %s", rfx_status_str(st), err);
}

void tc_convert_fails(const void *onnx, size_t size,
                      const rfx_convert_options *opt, rfx_status want,
                      char *err, size_t errlen)
{
	rfx_graph g;
	rfx_status st = rfx_convert_onnx(onnx, size, opt, &g, NULL, err, errlen);

	ck_assert_msg(st == want, "expected %s, got %s: %s",
		      rfx_status_str(want), rfx_status_str(st), err);
	ck_assert_ptr_null(g.tensors);
	ck_assert_uint_eq(g.n_layers, 0);
	ck_assert_msg(err[0], "no error message");
}

float *tc_run(const rfx_graph *g, const float *const *inputs, uint32_t out,
              uint64_t *count)
{
	char err[512] = "";
	void *bytes = NULL;
	size_t size = 0;
	rfx_model *m = NULL;
	rfx_session *s = NULL;
	rfx_tensor_info info;
	rfx_status st;

	st = rfx_format_write(g, &bytes, &size, err, sizeof(err));
	ck_assert_msg(st == RFX_OK, "write: %s", err);
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	st = rfx_model_load_memory(ctx, bytes, size, &m);
	ck_assert_msg(st == RFX_OK, "load: %s", rfx_context_last_error(ctx));
	free(bytes);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	for (uint32_t k = 0; k < rfx_model_input_count(m); k++) {
		float *in = rfx_session_input(s, k, &info);
		ck_assert_ptr_nonnull(in);
		ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
		memcpy(in, inputs[k], info.size_bytes);
	}
	ck_assert_int_eq(rfx_session_run(s, rfx_time_now_ns() + 60000000000ull),
			 RFX_OK);
	const float *y = rfx_session_output(s, out, &info);
	ck_assert_ptr_nonnull(y);
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
	float *copy = malloc(info.size_bytes + 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, y, info.size_bytes);
	*count = info.size_bytes / sizeof(float);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	test_context_done(ctx);
	return copy;
}

void tc_close(const float *got, const float *want, uint64_t n, double atol,
              double rtol, const char *what)
{
	for (uint64_t k = 0; k < n; k++) {
		double d = fabs((double)got[k] - (double)want[k]);
		ck_assert_msg(d <= atol + rtol * fabs((double)want[k]),
			      "%s[%llu]: got %.8g, want %.8g (diff %.3g)", what,
			      (unsigned long long)k, (double)got[k],
			      (double)want[k], d);
	}
}

uint32_t tc_count_op(const rfx_graph *g, rfx_op op)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < g->n_layers; k++)
		n += g->layers[k].op == op;
	return n;
}

/* ---- committed models ---- */

static void data_path(char *buf, size_t len, const char *name, const char *ext)
{
	const char *dir = getenv("TEST_DATA");

	ck_assert_ptr_nonnull(dir);
	snprintf(buf, len, "%s/convert/%s%s", dir, name, ext);
}

static void *read_model(const char *name, size_t *size)
{
	char path[1024], err[512];
	void *bytes;

	data_path(path, sizeof(path), name, ".onnx");
	rfx_status st = rfx_file_read(path, 1u << 26, &bytes, size, err,
				      sizeof(err));
	ck_assert_msg(st == RFX_OK, "%s", err);
	return bytes;
}

static void read_npy(const char *name, const char *ext, rfx_npy *a)
{
	char path[1024], err[512];

	data_path(path, sizeof(path), name, ext);
	ck_assert_msg(rfx_npy_read_file(path, a, err, sizeof(err)) == RFX_OK,
		      "%s", err);
}

static const struct model_case {
	const char *name;
	uint32_t bn_folded, bn_expanded, residual, hardswish;
	int folds; /* the export has constant subgraphs to fold */
} models[] = {
	{"conv_bn", 4, 1, 1, 0, 1},
	{"mobile_op14", 0, 0, 0, 0, 1},
	{"mobile_op9", 0, 0, 0, 1, 1},
	{"mobile_op17", 0, 0, 0, 0, 1},
	{"seq_op13", 0, 0, 0, 0, 1},
	{"seq_op11", 0, 0, 0, 0, 1},
	{"tiny_op7", 0, 0, 0, 0, 0},
};

/*
 * fp32 against PyTorch: the same float32 math in a different order
 * (folded BatchNorm, fused residuals, PyTorch's blocked convolutions), so
 * differences are a few ulps of the largest partial sums: atol 1e-5 and
 * rtol 1e-4 leave a wide margin over the ~1e-7 seen, and still catch any
 * wrong index, pad or attribute (those give errors of order 1e-1).
 */
START_TEST(test_model_fp32)
{
	const struct model_case *mc = &models[_i];
	rfx_convert_stats s;
	rfx_graph g;
	rfx_npy in, want;
	size_t size;
	uint64_t n;

	void *onnx = read_model(mc->name, &size);
	tc_convert(onnx, size, NULL, &g, &s);
	ck_assert_uint_eq(s.bn_folded, mc->bn_folded);
	ck_assert_uint_eq(s.bn_expanded, mc->bn_expanded);
	ck_assert_uint_eq(s.residual_fused, mc->residual);
	ck_assert_uint_eq(s.hardswish_fused, mc->hardswish);
	if (mc->folds)
		ck_assert_uint_gt(s.folded, 0);
	ck_assert_uint_lt(s.layers, s.onnx_nodes + 1);
	ck_assert_uint_eq(s.source_hash, rfx_fnv1a64(onnx, size));
	ck_assert_uint_gt(s.params, 0);
	ck_assert_uint_gt(s.macs, 0);
	read_npy(mc->name, ".in.npy", &in);
	read_npy(mc->name, ".out.npy", &want);
	const float *inputs[1] = {in.data};
	float *got = tc_run(&g, inputs, 0, &n);
	ck_assert_uint_eq(n, want.count);
	tc_close(got, want.data, n, 1e-5, 1e-4, mc->name);
	free(got);
	rfx_npy_finish(&in);
	rfx_npy_finish(&want);
	rfx_graph_finish(&g);
	free(onnx);
}
END_TEST

/*
 * fp16: weights and activations rounded to binary16 (relative error
 * 2^-11 ~ 4.9e-4 per rounding). Through ~10 layers the errors add up to a
 * few 1e-3 of the output's scale: compared with atol = 1e-2 * max|ref|,
 * rtol 1e-2 -- loose enough for fp16, far below the error of a wrong op.
 */
START_TEST(test_model_fp16)
{
	static const char *const names[] = {"conv_bn", "mobile_op14", "seq_op13"};
	rfx_convert_options opt;
	rfx_graph g;
	rfx_npy in, want;
	size_t size;
	uint64_t n;
	double scale = 0;

	rfx_convert_options_default(&opt);
	opt.precision = RFX_DTYPE_F16;
	void *onnx = read_model(names[_i], &size);
	tc_convert(onnx, size, &opt, &g, NULL);
	/* Graph I/O stay f32; conv/fc weights are f16 in f16 layers; a
	 * layer writing a graph output computes in f32. */
	ck_assert_int_eq(g.tensors[g.inputs[0]].dtype, RFX_DTYPE_F32);
	ck_assert_int_eq(g.tensors[g.outputs[0]].dtype, RFX_DTYPE_F32);
	uint32_t f16_layers = 0;
	for (uint32_t k = 0; k < g.n_layers; k++) {
		const rfx_layer *l = &g.layers[k];
		const rfx_tensor *y = &g.tensors[l->outputs[0]];
		ck_assert_int_eq(y->dtype, l->precision);
		if (y->flags & RFX_TENSOR_OUTPUT) {
			ck_assert_int_eq(l->precision, RFX_DTYPE_F32);
			continue;
		}
		ck_assert_int_eq(l->precision, RFX_DTYPE_F16);
		f16_layers++;
		if (l->op == RFX_OP_CONV2D || l->op == RFX_OP_FC)
			ck_assert_int_eq(g.tensors[l->inputs[1]].dtype,
					 RFX_DTYPE_F16);
	}
	ck_assert_uint_gt(f16_layers, 0);
	read_npy(names[_i], ".in.npy", &in);
	read_npy(names[_i], ".out.npy", &want);
	for (uint64_t k = 0; k < want.count; k++)
		scale = fmax(scale, fabs(want.data[k]));
	const float *inputs[1] = {in.data};
	float *got = tc_run(&g, inputs, 0, &n);
	ck_assert_uint_eq(n, want.count);
	tc_close(got, want.data, n, 1e-2 * scale, 1e-2, names[_i]);
	free(got);
	rfx_npy_finish(&in);
	rfx_npy_finish(&want);
	rfx_graph_finish(&g);
	free(onnx);
}
END_TEST

/* --golden stores the CPU reference's answer; a session with the golden
 * check on recomputes it and must agree. */
START_TEST(test_golden)
{
	rfx_convert_options opt;
	rfx_session_options so;
	rfx_graph g;
	size_t size, fsize;
	void *bytes;
	char err[512];
	rfx_model *m;
	rfx_session *s;

	rfx_convert_options_default(&opt);
	opt.golden = 1;
	opt.golden_seed = 7;
	opt.source_name = "mobile_op14.onnx";
	void *onnx = read_model("mobile_op14", &size);
	tc_convert(onnx, size, &opt, &g, NULL);
	ck_assert_ptr_nonnull(g.meta.golden_input);
	ck_assert_uint_eq(g.meta.golden_input_size,
			  rfx_tensor_bytes(&g.tensors[g.inputs[0]]));
	ck_assert_uint_eq(g.meta.golden_output_size,
			  rfx_tensor_bytes(&g.tensors[g.outputs[0]]));
	ck_assert_str_eq(g.meta.source_name, "mobile_op14.onnx");
	ck_assert_uint_eq(g.meta.source_hash, rfx_fnv1a64(onnx, size));
	ck_assert_str_eq(g.meta.converter, "rfx-convert " RFX_CONVERT_VERSION);
	ck_assert_int_eq(rfx_format_write(&g, &bytes, &fsize, err, sizeof(err)),
			 RFX_OK);
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, fsize, &m), RFX_OK);
	rfx_session_options_default(&so);
	so.golden_check = 1;
	ck_assert_int_eq(rfx_session_create(m, &so, &s), RFX_OK);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	test_context_done(ctx);
	free(bytes);
	rfx_graph_finish(&g);
	free(onnx);
}
END_TEST

/* ---- the command line ---- */

static char tmpdir[512];

static void make_tmpdir(void)
{
	const char *b = getenv("TEST_BUILD");

	snprintf(tmpdir, sizeof(tmpdir), "%s/tests/convert-XXXXXX",
		 b ? b : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Runs rfx-convert with `args`; stdout/stderr land in tmpdir/out, err. */
static int cli(const char *args)
{
	char cmd[8192];
	const char *b = getenv("TEST_BUILD");

	ck_assert_ptr_nonnull(b);
	snprintf(cmd, sizeof(cmd),
		 "%s/tools/convert/rfx-convert %s >%s/out 2>%s/err", b, args,
		 tmpdir, tmpdir);
	int rc = system(cmd);
	ck_assert(WIFEXITED(rc));
	return WEXITSTATUS(rc);
}

static char *slurp_tmp(const char *name)
{
	char path[1024], err[256];
	void *bytes;
	size_t size;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert_int_eq(rfx_file_read(path, 1u << 20, &bytes, &size, err,
				       sizeof(err)), RFX_OK);
	return bytes; /* NUL-padded */
}

static int exists(const char *name)
{
	char path[1024];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return stat(path, &sb) == 0;
}

START_TEST(test_cli)
{
	char args[4096], model[1024];
	char *out;

	make_tmpdir();
	ck_assert_int_eq(cli("--help"), 0);
	out = slurp_tmp("out");
	ck_assert_ptr_nonnull(strstr(out, "--precision"));
	free(out);
	ck_assert_int_eq(cli("--version"), 0);
	out = slurp_tmp("out");
	ck_assert_ptr_nonnull(strstr(out, "rfx-convert " RFX_CONVERT_VERSION));
	free(out);
	ck_assert_int_eq(cli("--bogus x.onnx -o y.rfx"), 2);
	ck_assert_int_eq(cli("x.onnx"), 2); /* no -o */

	/* A real conversion with metadata, and its JSON summary. */
	data_path(model, sizeof(model), "conv_bn", ".onnx");
	FILE *f = fopen(strcat(strcpy(args, tmpdir), "/labels.txt"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("zero\none\r\ntwo\n\nthree\nfour\nfive\n", f);
	fclose(f);
	snprintf(args, sizeof(args),
		 "%s -o %s/m.rfx --json --labels %s/labels.txt --mean "
		 "0.5,0.25,0.125 --std 0.5,0.5,2 --scale 0.00392156862 "
		 "--color bgr --precision fp16", model, tmpdir, tmpdir);
	ck_assert_int_eq(cli(args), 0);
	out = slurp_tmp("err");
	ck_assert_ptr_null(strstr(out, "warning"));
	free(out);
	out = slurp_tmp("out");
	ck_assert_ptr_nonnull(strstr(out, "\"layers\": 10"));
	ck_assert_ptr_nonnull(strstr(out, "\"precision\": \"fp16\""));
	ck_assert_ptr_nonnull(strstr(out, "\"bn_folded\": 4"));
	free(out);
	snprintf(args, sizeof(args), "%s/m.rfx", tmpdir);
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	rfx_model *m;
	rfx_preprocess pp;
	ck_assert_int_eq(rfx_model_load_file(ctx, args, &m), RFX_OK);
	ck_assert_uint_eq(rfx_model_label_count(m), 6);
	ck_assert_str_eq(rfx_model_label(m, 1), "one");
	ck_assert_str_eq(rfx_model_label(m, 5), "five");
	ck_assert_int_eq(rfx_model_preprocess(m, &pp), RFX_OK);
	ck_assert_str_eq(pp.color, "bgr");
	ck_assert_float_eq_tol(pp.mean[2], 0.125f, 1e-7f);
	ck_assert_float_eq_tol(pp.std[2], 2.0f, 1e-7f);
	ck_assert_float_eq_tol(pp.scale, 0.00392156862f, 1e-9f);
	ck_assert_uint_eq(pp.width, 16);
	ck_assert_uint_eq(pp.height, 16);
	rfx_model_destroy(m);
	test_context_done(ctx);

	/* Fewer labels than classes: converted, with a warning. */
	f = fopen(strcat(strcpy(args, tmpdir), "/labels3.txt"), "w");
	fputs("a\nb\nc\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "%s -o %s/m3.rfx -q --labels %s/labels3.txt",
		 model, tmpdir, tmpdir);
	ck_assert_int_eq(cli(args), 0);
	out = slurp_tmp("err");
	ck_assert_ptr_nonnull(strstr(out, "3 labels, but output 'output' has 6 classes"));
	free(out);

	/* Wrong channel count for --mean: an error, no file. */
	snprintf(args, sizeof(args), "%s -o %s/bad.rfx --mean 1,2", model,
		 tmpdir);
	ck_assert_int_eq(cli(args), 1);
	ck_assert(!exists("bad.rfx"));
}
END_TEST

/* An unsupported op: a message naming the node, its op and the opset on
 * stderr, exit status 1, and no output file at all. */
START_TEST(test_cli_unsupported)
{
	char args[4096], path[1024];
	ob b;
	size_t size;
	int64_t d[2] = {2, 3};

	make_tmpdir();
	ob_init(&b, 13);
	ob_input(&b, "x", 1, 2, d);
	ob_node(&b, "Relu", "x", "r");
	ob_node(&b, "Erf", "r", "y")->name = "the_erf";
	ob_output(&b, "y");
	void *bytes = ob_pack(&b, &size);
	snprintf(path, sizeof(path), "%s/erf.onnx", tmpdir);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(bytes, 1, size, f), size);
	fclose(f);
	free(bytes);
	ob_finish(&b);

	snprintf(args, sizeof(args), "%s -o %s/erf.rfx", path, tmpdir);
	ck_assert_int_eq(cli(args), 1);
	char *err = slurp_tmp("err");
	ck_assert_msg(strstr(err, "the_erf") && strstr(err, "Erf") &&
		      strstr(err, "opset 13"), "message: %s", err);
	free(err);
	ck_assert(!exists("erf.rfx"));
	/* Nothing else either: no temporary file left beside it. */
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 3", tmpdir);
	ck_assert_int_eq(system(cmd), 0); /* erf.onnx, out, err */
}
END_TEST

/* --freeze turns a graph input into a constant (float .npy). */
START_TEST(test_cli_freeze)
{
	char args[4096], path[1024], err[256];
	ob b;
	size_t size;
	int64_t d[2] = {2, 3};
	uint64_t ud[2] = {2, 3};
	const float yv[6] = {1, -2, 3, -4, 5, -6};

	make_tmpdir();
	ob_init(&b, 13);
	ob_input(&b, "x", 1, 2, d);
	ob_input(&b, "y", 1, 2, d);
	ob_node(&b, "Add", "x,y", "z");
	ob_output(&b, "z");
	void *bytes = ob_pack(&b, &size);
	snprintf(path, sizeof(path), "%s/add.onnx", tmpdir);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(bytes, 1, size, f), size);
	fclose(f);
	free(bytes);
	ob_finish(&b);
	snprintf(path, sizeof(path), "%s/y.npy", tmpdir);
	ck_assert_int_eq(rfx_npy_write_f32(path, yv, 2, ud, err, sizeof(err)),
			 RFX_OK);

	snprintf(args, sizeof(args), "%s/add.onnx -o %s/add.rfx --freeze y=%s",
		 tmpdir, tmpdir, path);
	ck_assert_int_eq(cli(args), 0);
	snprintf(path, sizeof(path), "%s/add.rfx", tmpdir);
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	rfx_model *m;
	ck_assert_int_eq(rfx_model_load_file(ctx, path, &m), RFX_OK);
	ck_assert_uint_eq(rfx_model_input_count(m), 1);
	rfx_model_destroy(m);
	test_context_done(ctx);

	snprintf(args, sizeof(args), "%s/add.onnx -o %s/no.rfx --freeze w=%s/y.npy",
		 tmpdir, tmpdir, tmpdir);
	ck_assert_int_eq(cli(args), 1);
	ck_assert(!exists("no.rfx"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("convert");
	TCase *tc = tcase_create("models");

	tcase_add_loop_test(tc, test_model_fp32, 0,
			    (int)(sizeof(models) / sizeof(models[0])));
	tcase_add_loop_test(tc, test_model_fp16, 0, 3);
	tcase_add_test(tc, test_golden);
	suite_add_tcase(s, tc);
	tc = tcase_create("cli");
	tcase_add_test(tc, test_cli);
	tcase_add_test(tc, test_cli_unsupported);
	tcase_add_test(tc, test_cli_freeze);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tc_ops_case());
	suite_add_tcase(s, tc_errors_case());
	return run_suite(s);
}
