/*
 * ONNX conformance: every node test of Debian's libonnx-testdata
 * (/usr/share/libonnx-testdata/data/node/<test>/model.onnx with
 * test_data_set_N/input_K.pb and output_K.pb) whose ops are all in the
 * converter's list is converted -- all inputs but the first frozen as
 * constants, from the data set being checked -- run on the CPU backend
 * through the public API, and compared with the expected outputs:
 * |got - want| <= 1e-5 + 1e-4 * |want| (the float32 reference, computed in
 * a different order; every op here is a handful of float operations per
 * element).
 *
 * tests/conformance/out_of_scope.txt lists supported-op tests that are not
 * run, each with its reason. Prints passed / failed / unsupported counts;
 * fails on any wrong result, any supported test that does not convert
 * unless listed, and any stale entry in the list.
 *
 * ONNX_NODE_TESTS overrides the directory.
 */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "convert/convert.h"
#include "convert/onnx.h"
#include "format/rfx_format.h"

#define MAX_TESTS 2048
#define MAX_IO 16

/* Ops the converter turns into layers (Constant may accompany them). */
static const char *const supported_ops[] = {
	"Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Clip",
	"LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Add",
	"Sub", "Mul", "Div", "MaxPool", "AveragePool", "GlobalAveragePool",
	"GlobalMaxPool", "ReduceMean", "Concat", "Flatten", "Reshape",
	"Transpose", "Squeeze", "Unsqueeze", "Pad", "Softmax", "Dropout",
	"Identity", "Slice", "Split",
};

struct out_of_scope {
	char name[128];
	int seen;
};

struct run {
	rfx_context *ctx;
	struct out_of_scope list[512];
	uint32_t n_list;
	uint32_t passed, failed, unsupported, skipped;
	char failures[8192];
};

static const char *node_dir(void)
{
	const char *d = getenv("ONNX_NODE_TESTS");

	return d ? d : "/usr/share/libonnx-testdata/data/node";
}

static int is_supported_op(const char *op)
{
	for (size_t k = 0; k < sizeof(supported_ops) / sizeof(supported_ops[0]);
	     k++)
		if (strcmp(op, supported_ops[k]) == 0)
			return 1;
	return 0;
}

static void note_failure(struct run *r, const char *test, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

static void note_failure(struct run *r, const char *test, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	size_t at = strlen(r->failures);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "conformance: FAIL %s: %s\n", test, msg);
	if (at + 1 < sizeof(r->failures))
		snprintf(r->failures + at, sizeof(r->failures) - at, "%s: %s\n",
			 test, msg);
	r->failed++;
}

static void load_list(struct run *r)
{
	char path[1024], line[1024];
	const char *src = getenv("TEST_DATA");

	ck_assert_ptr_nonnull(src);
	snprintf(path, sizeof(path), "%s/../conformance/out_of_scope.txt", src);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		if (line[0] == '#' || sscanf(line, "%127s", name) != 1)
			continue;
		/* Every entry gives a reason after the name. */
		const char *reason = strstr(line, name) + strlen(name);
		while (*reason == ' ' || *reason == '\t')
			reason++;
		ck_assert_msg(*reason && *reason != '\n',
			      "out_of_scope.txt: %s has no reason", name);
		ck_assert_uint_lt(r->n_list, 512);
		snprintf(r->list[r->n_list].name, sizeof(r->list[0].name), "%s",
			 name);
		r->list[r->n_list++].seen = 0;
	}
	fclose(f);
}

static struct out_of_scope *listed(struct run *r, const char *test)
{
	for (uint32_t k = 0; k < r->n_list; k++)
		if (strcmp(r->list[k].name, test) == 0)
			return &r->list[k];
	return NULL;
}

static void *read_all(const char *path, size_t *size)
{
	char err[512];
	void *bytes = NULL;

	if (rfx_file_read(path, 1u << 28, &bytes, size, err, sizeof(err)))
		return NULL;
	return bytes;
}

static int load_tensor(const char *path, rfx_ir_tensor *t, char *err,
                       size_t errlen)
{
	size_t size;
	void *bytes = read_all(path, &size);

	if (!bytes) {
		snprintf(err, errlen, "cannot read %s", path);
		return -1;
	}
	rfx_status st = rfx_onnx_tensor_load(bytes, size, t, NULL, NULL, 0, err,
					     errlen);
	free(bytes);
	return st == RFX_OK ? 0 : -1;
}

/* 1: every op is supported, 0: not, -1: the model does not parse. */
static int classify(const void *onnx, size_t size, rfx_ir_graph *g)
{
	int any = 0;

	if (rfx_onnx_load(onnx, size, g) != RFX_OK)
		return -1;
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		const char *op = g->nodes[k].op_type;
		if (strcmp(op, "Constant") == 0)
			continue;
		if (!is_supported_op(op))
			return 0;
		any = 1;
	}
	return any;
}

static int close_enough(float got, float want)
{
	if (isnan(want))
		return isnan(got);
	if (isinf(want))
		return got == want;
	return fabs((double)got - (double)want) <= 1e-5 + 1e-4 * fabs(want);
}

/* Converts and runs one data set; returns 0 on success, else notes it. */
static int check_set(struct run *r, const char *test, const char *set,
                     const void *onnx, size_t size, const rfx_ir_graph *ir,
                     int *conversion_failed)
{
	rfx_ir_tensor ins[MAX_IO] = {{0}};
	rfx_convert_freeze fz[MAX_IO];
	rfx_convert_options opt;
	char path[1400], err[1024] = "";
	rfx_graph g = {0};
	void *bytes = NULL;
	size_t fsize;
	rfx_model *m = NULL;
	rfx_session *s = NULL;
	int rc = -1;

	*conversion_failed = 0;
	if (ir->n_inputs == 0 || ir->n_inputs > MAX_IO) {
		snprintf(err, sizeof(err), "%u graph inputs", ir->n_inputs);
		*conversion_failed = 1;
		goto out;
	}
	for (uint32_t k = 0; k < ir->n_inputs; k++) {
		snprintf(path, sizeof(path), "%s/input_%u.pb", set, k);
		if (load_tensor(path, &ins[k], err, sizeof(err)))
			goto out;
		if (k) {
			fz[k - 1].name = ir->values[ir->inputs[k]].name;
			fz[k - 1].value = ins[k];
		}
	}
	rfx_convert_options_default(&opt);
	opt.freeze = fz;
	opt.n_freeze = ir->n_inputs - 1;
	if (rfx_convert_onnx(onnx, size, &opt, &g, NULL, err, sizeof(err))) {
		*conversion_failed = 1;
		goto out;
	}
	if (rfx_format_write(&g, &bytes, &fsize, err, sizeof(err)))
		goto out;
	if (rfx_model_load_memory(r->ctx, bytes, fsize, &m)) {
		snprintf(err, sizeof(err), "load: %s",
			 rfx_context_last_error(r->ctx));
		goto out;
	}
	if (rfx_session_create(m, NULL, &s)) {
		snprintf(err, sizeof(err), "session: %s",
			 rfx_context_last_error(r->ctx));
		goto out;
	}
	rfx_tensor_info info;
	float *in = rfx_session_input(s, 0, &info);
	uint64_t n_in = 0;
	rfx_ir_tensor_count(&ins[0], &n_in);
	if (!in || ins[0].type != RFX_IR_FLOAT ||
	    n_in * sizeof(float) != info.size_bytes) {
		snprintf(err, sizeof(err), "input 0 does not match the model");
		goto out;
	}
	memcpy(in, ins[0].data, info.size_bytes);
	if (rfx_session_run(s, rfx_time_now_ns() + 60000000000ull)) {
		snprintf(err, sizeof(err), "run failed");
		goto out;
	}
	if (rfx_model_output_count(m) != ir->n_outputs) {
		snprintf(err, sizeof(err), "%u outputs, expected %u",
			 rfx_model_output_count(m), ir->n_outputs);
		goto out;
	}
	for (uint32_t k = 0; k < ir->n_outputs; k++) {
		rfx_ir_tensor want = {0};
		uint64_t n = 0;
		snprintf(path, sizeof(path), "%s/output_%u.pb", set, k);
		if (load_tensor(path, &want, err, sizeof(err)))
			goto out;
		const float *got = rfx_session_output(s, k, &info);
		rfx_ir_tensor_count(&want, &n);
		int same = want.type == RFX_IR_FLOAT && got &&
			   info.rank == want.rank &&
			   n * sizeof(float) == info.size_bytes;
		for (uint32_t d = 0; same && d < want.rank; d++)
			same = info.dims[d] == (uint64_t)want.dims[d];
		if (!same) {
			snprintf(err, sizeof(err), "output %u: shape or dtype "
				 "differs from the expected one", k);
			rfx_ir_tensor_free(&want);
			goto out;
		}
		for (uint64_t e = 0; e < n; e++) {
			float w = ((const float *)want.data)[e];
			if (!close_enough(got[e], w)) {
				snprintf(err, sizeof(err), "output %u[%llu]: "
					 "got %.9g, want %.9g", k,
					 (unsigned long long)e, (double)got[e],
					 (double)w);
				rfx_ir_tensor_free(&want);
				goto out;
			}
		}
		rfx_ir_tensor_free(&want);
	}
	rc = 0;
out:
	if (rc && *conversion_failed)
		note_failure(r, test, "does not convert: %s", err);
	else if (rc)
		note_failure(r, test, "%s: %s", strrchr(set, '/') + 1, err);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
	rfx_graph_finish(&g);
	for (uint32_t k = 0; k < MAX_IO; k++)
		rfx_ir_tensor_free(&ins[k]);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_test(struct run *r, const char *test)
{
	char path[1200];
	size_t size;
	rfx_ir_graph ir;

	snprintf(path, sizeof(path), "%s/%s/model.onnx", node_dir(), test);
	void *onnx = read_all(path, &size);
	if (!onnx)
		return;
	rfx_ir_init(&ir);
	int cls = classify(onnx, size, &ir);
	struct out_of_scope *oos = listed(r, test);
	if (oos)
		oos->seen = 1;
	if (cls <= 0) {
		r->unsupported++;
		if (oos)
			note_failure(r, test, "listed in out_of_scope.txt, but "
				     "its ops are not in the supported list");
	} else if (oos) {
		r->skipped++;
	} else {
		int sets = 0, ok = 1, conv_failed;
		for (int k = 0; k < 64; k++) {
			char set[1300];
			snprintf(set, sizeof(set), "%s/%s/test_data_set_%d",
				 node_dir(), test, k);
			DIR *d = opendir(set);
			if (!d)
				break;
			closedir(d);
			sets++;
			if (check_set(r, test, set, onnx, size, &ir, &conv_failed)) {
				ok = 0;
				break;
			}
		}
		if (ok && sets)
			r->passed++;
		else if (!sets)
			note_failure(r, test, "no test data sets");
	}
	rfx_ir_finish(&ir);
	free(onnx);
}

/* Every supported node test on one backend: the CPU reference first, then
 * the Vulkan kernels against the same expected outputs. */
static void run_all(rfx_backend backend)
{
	static struct run r;
	char *names[MAX_TESTS];
	uint32_t n = 0;
	struct dirent *e;

	memset(&r, 0, sizeof(r));
	load_list(&r);
	DIR *d = opendir(node_dir());
	ck_assert_msg(d, "cannot open %s (install libonnx-testdata)",
		      node_dir());
	while ((e = readdir(d)) && n < MAX_TESTS)
		if (strncmp(e->d_name, "test_", 5) == 0)
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	r.ctx = test_context(backend);
	for (uint32_t k = 0; k < n; k++) {
		run_test(&r, names[k]);
		free(names[k]);
	}
	test_context_done(r.ctx);
	for (uint32_t k = 0; k < r.n_list; k++)
		if (!r.list[k].seen)
			note_failure(&r, r.list[k].name,
				     "listed in out_of_scope.txt but not found");
	printf("ONNX conformance (%s): %u passed / %u failed / %u unsupported "
	       "(%u supported-op tests out of scope, see "
	       "tests/conformance/out_of_scope.txt; %u node tests)\n",
	       backend == RFX_BACKEND_CPU ? "cpu" : "vulkan", r.passed,
	       r.failed, r.unsupported, r.skipped, n);
	fflush(stdout);
	ck_assert_msg(r.failed == 0, "%u failures:\n%s", r.failed, r.failures);
	/* The runner must have run something: not a vacuous pass. */
	ck_assert_uint_gt(r.passed, 100);
}

START_TEST(test_node_tests)
{
	run_all(RFX_BACKEND_CPU);
}
END_TEST

START_TEST(test_node_tests_vulkan)
{
	run_all(RFX_BACKEND_VULKAN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conformance");
	TCase *tc = tcase_create("onnx_node");

	tcase_add_test(tc, test_node_tests);
	tcase_add_test(tc, test_node_tests_vulkan);
	tcase_set_timeout(tc, 600);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
