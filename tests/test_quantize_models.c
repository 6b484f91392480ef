/*
 * int8 on ONNX models: the QDQ model of tests/data/gen_qdq.py against its
 * numpy simulation, committed models calibrated on tests/data/calib, the
 * command line, and int8 models on Vulkan against the CPU reference.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_util.h"
#include "convert/convert.h"
#include "convert/images.h"
#include "convert/int8.h"
#include "format/rfx_format.h"
#include "npy.h"
#include "test_quantize.h"

static const char *data_dir(void)
{
	const char *d = getenv("TEST_DATA");

	ck_assert_msg(d != NULL, "TEST_DATA is not set");
	return d;
}

static void *read_data(const char *rel, size_t *size)
{
	char path[1024], err[256] = "";
	void *bytes = NULL;

	snprintf(path, sizeof(path), "%s/%s", data_dir(), rel);
	ck_assert_msg(rfx_file_read(path, 1u << 30, &bytes, size, err,
				    sizeof(err)) == RFX_OK, "%s", err);
	return bytes;
}

static void read_npy(const char *rel, rfx_npy *a)
{
	char path[1024], err[256] = "";

	snprintf(path, sizeof(path), "%s/%s", data_dir(), rel);
	ck_assert_msg(rfx_npy_read_file(path, a, err, sizeof(err)) == RFX_OK,
		      "%s", err);
}

static void convert(const char *rel, const rfx_convert_options *opt,
                    rfx_graph *g)
{
	char err[1024] = "";
	size_t size;
	void *onnx = read_data(rel, &size);
	rfx_status st = rfx_convert_onnx(onnx, size, opt, g, NULL, err,
					 sizeof(err));

	ck_assert_msg(st == RFX_OK, "%s: %s: %s", rel, rfx_status_str(st), err);
	free(onnx);
}

/* ---- QDQ ---- */

/*
 * The QDQ models convert without calibration to int8 layers on the
 * models' own grids: the input's scale and zero point (uint8 128 becomes
 * int8 0), the int8 weights unchanged. Their outputs match the numpy
 * simulation of the ONNX graph (float arithmetic between exact
 * Quantize/Dequantize steps, tests/data/gen_qdq.py) within one step of
 * the output grid: reflex computes the same quantized network in integers,
 * and the two differ only where a value lies within rounding error of a
 * half step, moving a code by one.
 *
 * qlinear.onnx is the same network as QLinearConv/QLinearMatMul ops (the
 * bonus): the integers ONNX defines for them, computed in float64 with
 * one rounding, are exactly reflex's.
 *
 * qdq_gap.onnx gives the global average pool an output grid of its own.
 * There the int8 rule of graph/quant.h rounds the mean to the input's grid
 * before requantizing to the output's (two roundings where ONNX has one),
 * so a pooled code may move by one more and, through the Gemm, the output
 * by up to two steps; the tolerance says so.
 */
static const struct {
	const char *model, *expected;
	const char *w1, *c2; /* first weights, second conv's output */
	uint32_t i8;         /* int8 layers besides the QUANTIZE */
	float steps;         /* tolerance, in output steps */
	uint32_t min_exact;  /* of 20 outputs, at least this many equal */
} qdq_cases[] = {
	/* conv1, conv2, pool, flatten, fc */
	{"qdq/qdq.onnx", "qdq/qdq.out.npy", "w1", "c2", 5, 1, 16},
	{"qdq/qdq_gap.onnx", "qdq/qdq_gap.out.npy", "w1", "c2", 5, 2, 9},
	/* conv1, conv2, flatten, fc */
	{"qdq/qlinear.onnx", "qdq/qlinear.out.npy", "conv1.weight", "c", 4, 1,
	 16},
};

START_TEST(test_qdq)
{
	rfx_convert_options opt;
	rfx_graph g;
	rfx_npy in, out, w1;

	rfx_convert_options_default(&opt);
	opt.precision = RFX_DTYPE_I8;
	convert(qdq_cases[_i].model, &opt, &g);
	uint32_t i8 = 0;
	for (uint32_t k = 0; k < g.n_layers; k++)
		i8 += g.layers[k].precision == RFX_DTYPE_I8 &&
		      g.layers[k].op != RFX_OP_QUANTIZE;
	ck_assert_uint_eq(i8, qdq_cases[_i].i8);
	ck_assert_uint_eq(tq_count_op(&g, RFX_OP_QUANTIZE), 1);
	ck_assert_uint_eq(tq_count_op(&g, RFX_OP_DEQUANTIZE), 1);
	const rfx_tensor *xq = &g.tensors[tq_tensor(&g, "x:q")];
	ck_assert(xq->scale == (float)(2.4 / 255) && xq->zero_point == 0);
	const rfx_tensor *c2 = &g.tensors[tq_tensor(&g, qdq_cases[_i].c2)];
	ck_assert_int_eq(c2->zero_point, 5);
	read_npy("qdq/qdq.w1.npy", &w1);
	const rfx_tensor *w = &g.tensors[tq_tensor(&g, qdq_cases[_i].w1)];
	ck_assert_int_eq(w->dtype, RFX_DTYPE_I8);
	ck_assert_uint_eq(w1.count, rfx_tensor_elements(w));
	for (uint64_t e = 0; e < w1.count; e++)
		ck_assert_int_eq(((const int8_t *)w->data)[e], (int)w1.data[e]);
	rfx_npy_finish(&w1);

	read_npy("qdq/qdq.in.npy", &in);
	read_npy(qdq_cases[_i].expected, &out);
	const rfx_tensor *yq = &g.tensors[tq_tensor(&g, "y:q")];
	float tol = yq->scale * (qdq_cases[_i].steps + 1e-3f);
	uint32_t exact = 0;
	for (uint32_t s = 0; s < 4; s++) {
		uint64_t n;
		float *y = tq_run_cpu(&g, in.data + s * 300, &n);
		ck_assert_uint_eq(n, 5);
		for (uint32_t k = 0; k < 5; k++) {
			float want = out.data[s * 5 + k];
			float d = fabsf(y[k] - want);
			ck_assert_msg(d <= tol, "%s: sample %u class %u: %g, "
				      "numpy %g (step %g)", qdq_cases[_i].model,
				      s, k, y[k], want, yq->scale);
			exact += d <= yq->scale * 1e-3f;
		}
		free(y);
	}
	/* Off by a code is the exception, not the rule. */
	ck_assert_msg(exact >= qdq_cases[_i].min_exact, "%s: %u of 20 equal",
		      qdq_cases[_i].model, exact);
	fprintf(stderr, "%s: %u of 20 outputs equal to the simulation\n",
		qdq_cases[_i].model, exact);
	rfx_npy_finish(&in);
	rfx_npy_finish(&out);
	rfx_graph_finish(&g);
}
END_TEST

/* ---- calibrated models ---- */

struct calib_case {
	const char *model;       /* under tests/data */
	const char *input;       /* a committed input (not a calibration
	                            image), .npy */
	double images_db;        /* output SQNR bound on the images, dB */
	double input_db;         /* on the committed input */
};

/*
 * Committed models converted with --calib tests/data/calib (10 images,
 * ImageNet's mean/std): every conv and fc is int8, and the output keeps
 * to fp32 on the images (top-1 agreement and SQNR, from the report) and
 * on the model's committed input, which is standard-normal noise rather
 * than an image: off the calibrated distribution, so lower. The bounds
 * sit about 5 dB below what was measured (in the comments); one wrong
 * scale or zero point costs tens of dB.
 */
static const struct calib_case calib_cases[] = {
	/* conv/BN/ReLU/ReLU6, residual, standalone BN (mul+add with
	 * constants: stays fp32), global pool, Gemm: 43.5 and 29.6 dB */
	{"convert/conv_bn.onnx", "convert/conv_bn.in.npy", 38, 24},
	/* every activation kind, max/avg pool, concat, transpose, softmax:
	 * 59.1 and 60.8 dB */
	{"convert/mobile_op17.onnx", "convert/mobile_op17.in.npy", 54, 55},
	/* residual convolutions with ReLU, 64x64: 24.4 and 14.3 dB */
	{"arch/resnet18.onnx", "arch/resnet18.input.npy", 19, 9},
};

static void calib_options(rfx_convert_options *opt, rfx_quant_options *q,
                          rfx_image_list *l, rfx_quant_report *rep)
{
	char dir[1024], err[256] = "";

	rfx_convert_options_default(opt);
	opt->precision = RFX_DTYPE_I8;
	opt->scale = 1.0f / 255.0f;
	opt->mean[0] = 0.485f, opt->mean[1] = 0.456f, opt->mean[2] = 0.406f;
	opt->std[0] = 0.229f, opt->std[1] = 0.224f, opt->std[2] = 0.225f;
	opt->n_mean = opt->n_std = 3;
	snprintf(dir, sizeof(dir), "%s/calib", data_dir());
	ck_assert_msg(rfx_image_list_dir(dir, 0, l, err, sizeof(err)) == RFX_OK,
		      "%s", err);
	rfx_quant_options_default(q);
	rfx_image_source(l, &q->calib);
	q->report = 1;
	opt->quant = q;
	opt->report = rep;
}

START_TEST(test_calibrated)
{
	const struct calib_case *c = &calib_cases[_i];
	rfx_convert_options opt, opt32;
	rfx_quant_options q;
	rfx_quant_report rep;
	rfx_image_list l;
	rfx_graph g, fp;
	rfx_npy in;

	calib_options(&opt, &q, &l, &rep);
	convert(c->model, &opt, &g);
	opt32 = opt;
	opt32.precision = RFX_DTYPE_F32;
	opt32.quant = NULL;
	opt32.report = NULL;
	convert(c->model, &opt32, &fp);
	ck_assert_uint_eq(rep.calib_samples, 10);
	ck_assert_uint_eq(rep.eval_samples, 10);
	ck_assert_uint_gt(rep.n_i8, 0);
	for (uint32_t k = 0; k < g.n_layers; k++) {
		const rfx_layer *ly = &g.layers[k];
		/* every conv and fc with an int8 activation is int8 */
		int slot = ly->op == RFX_OP_CONV2D ? RFX_CONV_ACT
			   : ly->op == RFX_OP_FC ? RFX_FC_ACT : -1;
		if (slot >= 0)
			ck_assert_msg(ly->precision == RFX_DTYPE_I8,
				      "%s: %s", c->model, ly->name);
	}
	ck_assert_msg(rep.output_sqnr_db > c->images_db,
		      "%s: output %.1f dB on the images", c->model,
		      rep.output_sqnr_db);
	ck_assert_msg(rep.top1_same * 10 >= rep.top1_rows * 8,
		      "%s: top-1 %u/%u", c->model, rep.top1_same, rep.top1_rows);
	read_npy(c->input, &in);
	uint64_t n, n2;
	float *a = tq_run_cpu(&fp, in.data, &n);
	float *b = tq_run_cpu(&g, in.data, &n2);
	ck_assert_uint_eq(n, n2);
	double s = tq_sqnr(a, b, n);
	ck_assert_msg(s > c->input_db, "%s: output %.1f dB on %s",
		      c->model, s, c->input);
	fprintf(stderr, "%s: int8 %u layers; images: top-1 %u/%u, %.1f dB; "
		"%s: %.1f dB\n", c->model, rep.n_i8, rep.top1_same,
		rep.top1_rows, rep.output_sqnr_db, c->input, s);
	free(a);
	free(b);
	rfx_npy_finish(&in);
	rfx_quant_report_finish(&rep);
	rfx_image_list_finish(&l);
	rfx_graph_finish(&g);
	rfx_graph_finish(&fp);
}
END_TEST

/* The int8 model survives the file format: written, read back, equal
 * outputs on the CPU (the golden pair is the int8 graph's own). */
START_TEST(test_file_round_trip)
{
	rfx_convert_options opt;
	rfx_quant_options q;
	rfx_quant_report rep;
	rfx_image_list l;
	rfx_graph g, back;
	void *bytes = NULL;
	size_t size = 0;
	char err[512] = "";

	calib_options(&opt, &q, &l, &rep);
	opt.golden = 1;
	convert("convert/conv_bn.onnx", &opt, &g);
	ck_assert_ptr_nonnull(g.meta.golden_output);
	ck_assert_int_eq(rfx_format_write(&g, &bytes, &size, err, sizeof(err)),
			 RFX_OK);
	ck_assert_msg(rfx_format_read(bytes, size, &back, err, sizeof(err)) ==
		      RFX_OK, "read: %s", err);
	uint64_t n, n2;
	float *a = tq_run_cpu(&g, g.meta.golden_input, &n);
	float *b = tq_run_cpu(&back, g.meta.golden_input, &n2);
	ck_assert_uint_eq(n, n2);
	ck_assert_int_eq(memcmp(a, b, n * sizeof(float)), 0);
	ck_assert_int_eq(memcmp(a, g.meta.golden_output, n * sizeof(float)), 0);
	free(a);
	free(b);
	rfx_graph_finish(&back);
	free(bytes); /* back borrowed them */
	rfx_quant_report_finish(&rep);
	rfx_image_list_finish(&l);
	rfx_graph_finish(&g);
}
END_TEST

TCase *tq_models_case(void)
{
	TCase *tc = tcase_create("models");

	tcase_add_loop_test(tc, test_qdq, 0,
			    sizeof(qdq_cases) / sizeof(qdq_cases[0]));
	tcase_add_loop_test(tc, test_calibrated, 0,
			    sizeof(calib_cases) / sizeof(calib_cases[0]));
	tcase_add_test(tc, test_file_round_trip);
	tcase_set_timeout(tc, 600);
	return tc;
}

/* ---- command line ---- */

/* Runs a shell command; returns its exit status, stdout in out. */
static int run(const char *cmd, char *out, size_t outlen)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;

	ck_assert_ptr_nonnull(p);
	while (n + 1 < outlen) {
		size_t r = fread(out + n, 1, outlen - 1 - n, p);
		if (r == 0)
			break;
		n += r;
	}
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli)
{
	const char *build = getenv("TEST_BUILD");
	char cmd[4096], tmp[] = "/tmp/rfx-q-XXXXXX";
	static char out[1 << 16];

	ck_assert_ptr_nonnull(build);
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd),
		 "%s/tools/convert/rfx-convert --precision int8 --calib "
		 "%s/calib --calib-count 6 --calib-method entropy --eval "
		 "%s/calib --int8-min-sqnr 25 --scale 0.0039215686 --json "
		 "%s/convert/conv_bn.onnx -o %s/m.rfx 2>%s/err",
		 build, data_dir(), data_dir(), data_dir(), tmp, tmp);
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "%s", cmd);
	ck_assert_msg(strstr(out, "\"precision\": \"int8\"") &&
		      strstr(out, "\"int8\": {") &&
		      strstr(out, "\"method\": \"entropy\"") &&
		      strstr(out, "\"images\": 6") &&
		      strstr(out, "\"top1_agreement\": ") &&
		      strstr(out, "\"min_sqnr_db\": 25") &&
		      strstr(out, "\"sqnr_db\": ") &&
		      strstr(out, "\"set\": \"evaluation\""), "%s", out);
	/* The progress line went to stderr. */
	snprintf(cmd, sizeof(cmd), "grep -c 'calibrating' %s/err", tmp);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	/* The text report. */
	snprintf(cmd, sizeof(cmd),
		 "%s/tools/convert/rfx-convert --precision int8 --calib "
		 "%s/calib %s/convert/conv_bn.onnx -o %s/m.rfx 2>/dev/null",
		 build, data_dir(), data_dir(), tmp);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "top-1 agreement: ") &&
		      strstr(out, "SQNR dB") && strstr(out, "calibration: 10 "
							 "images, minmax"),
		      "%s", out);
	/* Usage errors: exit 2, nothing written. */
	static const char *bad[] = {
		"--precision int8 --calib-method kl2",
		"--precision int8 --calib-count 0",
		"--calib DIR",                       /* not int8 */
		"--precision int8 --int8-min-sqnr x",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		snprintf(cmd, sizeof(cmd), "%s/tools/convert/rfx-convert %s "
			 "%s/convert/conv_bn.onnx -o %s/bad.rfx 2>/dev/null",
			 build, bad[k], data_dir(), tmp);
		ck_assert_msg(run(cmd, out, sizeof(out)) == 2, "%s", bad[k]);
	}
	/* int8 with neither images nor QDQ scales: an error, exit 1. */
	snprintf(cmd, sizeof(cmd), "%s/tools/convert/rfx-convert --precision "
		 "int8 %s/convert/conv_bn.onnx -o %s/bad.rfx 2>%s/err", build,
		 data_dir(), tmp, tmp);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 1);
	snprintf(cmd, sizeof(cmd), "test ! -e %s/bad.rfx && grep -q 'calib' "
		 "%s/err && rm -r %s", tmp, tmp, tmp);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
}
END_TEST

TCase *tq_cli_case(void)
{
	TCase *tc = tcase_create("cli");

	tcase_add_test(tc, test_cli);
	tcase_set_timeout(tc, 600);
	return tc;
}

/* ---- Vulkan ---- */

/* Runs model bytes once on a backend with input x; returns copies of its
 * outputs, one after the other (n: floats in all). */
static float *run_backend(rfx_context *ctx, const void *bytes, size_t size,
                          const float *x, uint64_t *n)
{
	rfx_model *m = NULL;
	rfx_session *s = NULL;
	rfx_tensor_info info;

	ck_assert_msg(rfx_model_load_memory(ctx, bytes, size, &m) == RFX_OK,
		      "load: %s", rfx_context_last_error(ctx));
	ck_assert_msg(rfx_session_create(m, NULL, &s) == RFX_OK, "session: %s",
		      rfx_context_last_error(ctx));
	float *in = rfx_session_input(s, 0, &info);
	ck_assert_ptr_nonnull(in);
	memcpy(in, x, info.size_bytes);
	ck_assert_int_eq(rfx_session_run(s, rfx_time_now_ns() +
					 120000000000ull), RFX_OK);
	float *copy = NULL;
	*n = 0;
	for (uint32_t k = 0; k < rfx_model_output_count(m); k++) {
		const float *y = rfx_session_output(s, (int)k, &info);
		ck_assert_ptr_nonnull(y);
		ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
		uint64_t c = info.size_bytes / sizeof(float);
		copy = realloc(copy, (*n + c) * sizeof(float));
		ck_assert_ptr_nonnull(copy);
		memcpy(copy + *n, y, info.size_bytes);
		*n += c;
	}
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	return copy;
}

/*
 * The six architectures of tests/data/arch (and the small committed
 * models, a mixed-precision mobilenet_v2 and the QDQ/QLinear models),
 * calibrated on tests/data/calib, run on the Vulkan device and on
 * the CPU reference: every output that an int8 layer computes (through
 * its DEQUANTIZE) is equal bit for bit (memcmp), as the int8 contract
 * requires. The int8 layers read what float islands (sigmoid, hard swish)
 * quantize, so those must have agreed too. An output computed by a float
 * layer (mobile_op17's softmax, the mixed model's classifier) is held to
 * the float contract instead: kernels may sum in another order than the
 * reference (conv_c4_tb takes 4 channels at a time) and transcendentals
 * come from other libraries, so they agree within test_arch's bound for
 * fp32 (1e-4 of the largest value) and, where fp16 layers feed them, the
 * fp16 storage bound of test_vk_ops (4e-3), not bit for bit.
 */
static const struct {
	const char *model, *input; /* input NULL: a QDQ model, no images */
	double mixed_db;           /* > 0: --int8-min-sqnr */
} vk_models[] = {
	{"arch/efficientnet_b0.onnx", "arch/efficientnet_b0.input.npy", 0},
	{"arch/mobilenet_v2.onnx", "arch/mobilenet_v2.input.npy", 0},
	{"arch/mobilenet_v3_small.onnx", "arch/mobilenet_v3_small.input.npy", 0},
	{"arch/resnet18.onnx", "arch/resnet18.input.npy", 0},
	{"arch/shufflenet_v2_x1_0.onnx", "arch/shufflenet_v2_x1_0.input.npy", 0},
	{"arch/squeezenet1_1.onnx", "arch/squeezenet1_1.input.npy", 0},
	{"convert/conv_bn.onnx", "convert/conv_bn.in.npy", 0},
	{"convert/mobile_op17.onnx", "convert/mobile_op17.in.npy", 0},
	/* mixed: some layers fp16 between int8 ones */
	{"arch/mobilenet_v2.onnx", "arch/mobilenet_v2.input.npy", 38},
	{"qdq/qdq.onnx", NULL, 0},
	{"qdq/qlinear.onnx", NULL, 0},
};

START_TEST(test_vulkan_equals_cpu)
{
	rfx_convert_options opt;
	rfx_quant_options q;
	rfx_quant_report rep;
	rfx_image_list l;
	rfx_graph g;
	rfx_npy in;
	void *bytes = NULL;
	size_t size = 0;
	char err[512] = "";
	int qdq = vk_models[_i].input == NULL;

	calib_options(&opt, &q, &l, &rep);
	if (qdq) { /* its own scales */
		opt.quant = NULL;
		opt.report = NULL;
	}
	/* Four images and no report unless mixed precision needs one: the
	 * grids matter here, not how good they are. */
	q.calib.count = 4;
	q.mixed = vk_models[_i].mixed_db > 0;
	q.min_sqnr = vk_models[_i].mixed_db;
	q.report = q.mixed;
	convert(vk_models[_i].model, &opt, &g);
	if (qdq) {
		read_npy("qdq/qdq.in.npy", &in); /* the first of 4 */
	} else {
		if (q.mixed)
			ck_assert_uint_gt(rep.n_f16, 0);
		read_npy(vk_models[_i].input, &in);
		rfx_quant_report_finish(&rep);
	}
	ck_assert_int_eq(rfx_format_write(&g, &bytes, &size, err, sizeof(err)),
			 RFX_OK);
	uint64_t nc, nv;
	rfx_context *cpu = test_context(RFX_BACKEND_CPU);
	rfx_context *vk = test_context(RFX_BACKEND_VULKAN);
	float *a = run_backend(cpu, bytes, size, in.data, &nc);
	float *b = run_backend(vk, bytes, size, in.data, &nv);
	ck_assert_uint_eq(nc, nv);
	uint64_t off = 0;
	for (uint32_t k = 0; k < g.n_outputs; k++) {
		const rfx_tensor *y = &g.tensors[g.outputs[k]];
		const rfx_layer *p = tq_producer(&g, g.outputs[k]);
		uint64_t c = rfx_tensor_elements(y);
		ck_assert_ptr_nonnull(p);
		if (p->op == RFX_OP_DEQUANTIZE) {
			ck_assert_msg(memcmp(a + off, b + off, c * sizeof(float))
				      == 0, "%s: output '%s': Vulkan and CPU "
				      "int8 outputs differ", vk_models[_i].model,
				      y->name);
		} else {
			float m = 0, rel = 1e-4f;
			for (uint32_t k2 = 0; k2 < g.n_layers; k2++)
				if (g.layers[k2].precision == RFX_DTYPE_F16)
					rel = 4e-3f;
			for (uint64_t e = 0; e < c; e++)
				m = fmaxf(m, fabsf(a[off + e]));
			for (uint64_t e = 0; e < c; e++)
				ck_assert_msg(fabsf(a[off + e] - b[off + e]) <=
					      rel * m, "%s: output '%s'[%llu]: "
					      "%g vs %g", vk_models[_i].model,
					      y->name, (unsigned long long)e,
					      a[off + e], b[off + e]);
		}
		off += c;
	}
	test_context_done(vk);
	test_context_done(cpu);
	free(a);
	free(b);
	free(bytes);
	rfx_npy_finish(&in);
	rfx_image_list_finish(&l);
	rfx_graph_finish(&g);
}
END_TEST

TCase *tq_vulkan_case(void)
{
	TCase *tc = tcase_create("vulkan");

	tcase_add_loop_test(tc, test_vulkan_equals_cpu, 0,
			    sizeof(vk_models) / sizeof(vk_models[0]));
	tcase_set_timeout(tc, 900);
	return tc;
}
