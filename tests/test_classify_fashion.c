/*
 * The demo's job, checked against PyTorch: each committed Fashion-MNIST
 * network (models/fashion/NAME.onnx with an entry in reference.json) is
 * converted with rfx-convert and the committed sample frames are classified
 * with rfx-classify, both run as processes, on the Vulkan backend with the
 * validation layer on.
 *
 *  - fp32: every frame's top-1 is PyTorch's, and all ten probabilities
 *    agree within 1e-4 (the frames are 28x28, the input's size, so the
 *    resize is the identity; what remains is float rounding in the
 *    normalization and the layers, ~1e-6 on these logits).
 *  - int8 (calibrated on the same frames, as the demo does): the top-1 is
 *    PyTorch's on every frame whose PyTorch top-1 leads the runner-up by
 *    more than 0.1 in probability, and the probabilities stay within 0.1.
 *    Measured when written: at most 0.0095 apart (fashion_cnn) and 0.051
 *    (fashion_mobile: depthwise layers and a squeeze-excitation gate lose
 *    more to per-tensor int8), no top-1 different; a wrong scale, mean or
 *    channel in the preprocessing moves them by far more.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "test_classify.h"
#include "test_classify_json.h"
#include "test_classify_util.h"

static char dir[512], models[600];

static jval *parse_file(const char *path)
{
	char err[200], *text = cls_test_read(path);
	jval *v = json_parse(text, err, sizeof(err));
	ck_assert_msg(v, "%s: %s", path, err);
	free(text);
	return v;
}

static double num(const jval *v)
{
	ck_assert_msg(v && v->t == J_NUM, "not a number");
	return v->num;
}

/* Converts NAME.onnx with the preprocessing of meta.json (scale, mean,
 * std; one channel) and the labels, then classifies frames/ with --json;
 * returns the output lines parsed. */
static int classify(const char *name, const char *precision, jval **lines,
                    int cap)
{
	const char *build = getenv("TEST_BUILD");
	jval *meta;
	char cmd[4096], path[700];

	snprintf(path, sizeof(path), "%s/meta.json", models);
	meta = parse_file(path);
	double scale = num(json_get(meta, "scale"));
	double mean = num(json_at(json_get(meta, "mean"), 0));
	double std = num(json_at(json_get(meta, "std"), 0));
	json_free(meta);

	snprintf(cmd, sizeof(cmd),
		 "'%s/tools/convert/rfx-convert' -q '%s/%s.onnx' -o '%s/%s.rfx' "
		 "--labels '%s/labels.txt' --scale %.17g --mean %.17g --std %.17g "
		 "--precision %s %s%s%s 2>'%s/convert.err'",
		 build, models, name, dir, name, models, scale, mean, std,
		 precision, strcmp(precision, "int8") == 0 ? "--calib '" : "",
		 strcmp(precision, "int8") == 0 ? models : "",
		 strcmp(precision, "int8") == 0 ? "/frames'" : "", dir);
	snprintf(path, sizeof(path), "%s/convert.err", dir);
	if (cls_test_sh(cmd) != 0) {
		char *e = cls_test_read(path);
		ck_abort_msg("rfx-convert %s %s failed: %s", name, precision, e);
	}
	snprintf(cmd, sizeof(cmd),
		 "'%s/tools/classify/rfx-classify' '%s/%s.rfx' '%s/frames' --json "
		 "--top 10 >'%s/out.json' 2>'%s/err.txt'",
		 build, dir, name, models, dir, dir);
	int rc = cls_test_sh(cmd);
	snprintf(path, sizeof(path), "%s/err.txt", dir);
	char *errtext = cls_test_read(path);
	ck_assert_msg(rc == 0, "rfx-classify %s %s: exit %d: %s", name, precision,
		      rc, errtext);
	free(errtext);

	snprintf(path, sizeof(path), "%s/out.json", dir);
	char *out = cls_test_read(path);
	int n = cls_test_json_lines(out, lines, cap);
	free(out);
	return n;
}

/* Compares one network's frames with reference.json. */
static void check_net(const jval *ref, const char *name, const char *precision)
{
	const jval *frames = json_get(ref, "frames");
	const jval *net = json_get(json_get(ref, "models"), name);
	const jval *probs = json_get(net, "probabilities");
	const jval *top1 = json_get(net, "top1");
	int fp32 = strcmp(precision, "fp32") == 0;
	jval *lines[64];

	ck_assert(frames && probs && top1 && frames->n == probs->n);
	int n = classify(name, precision, lines, 64);
	ck_assert_int_eq(n, (int)frames->n + 1);
	const jval *sum = json_get(lines[n - 1], "summary");
	ck_assert_double_eq(num(json_get(sum, "ok")), frames->n);
	ck_assert_double_eq(num(json_get(sum, "validation_messages")), 0);
	int checked = 0;
	for (size_t i = 0; i < frames->n; i++) {
		const jval *fr = lines[i], *top = json_get(fr, "top");
		const jval *want = json_at(probs, i);
		const char *src = json_get(fr, "source")->str;
		const char *fname = json_at(frames, i)->str;
		ck_assert_msg(strstr(src, fname), "frame %zu is %s, not %s", i, src, fname);
		ck_assert_uint_eq(top->n, 10);
		/* PyTorch's margin between its first and second class. */
		double p1 = 0, p2 = 0;
		for (size_t c = 0; c < 10; c++) {
			double p = num(json_at(want, c));
			if (p > p1) {
				p2 = p1;
				p1 = p;
			} else if (p > p2) {
				p2 = p;
			}
		}
		int got1 = (int)num(json_get(json_at(top, 0), "class"));
		if (fp32 || p1 - p2 > 0.1) {
			ck_assert_msg(got1 == (int)num(json_at(top1, i)),
				      "%s %s: %s is class %d, PyTorch says %d", name,
				      precision, fname, got1, (int)num(json_at(top1, i)));
			checked++;
		}
		for (size_t k = 0; k < top->n; k++) {
			const jval *e = json_at(top, k);
			int c = (int)num(json_get(e, "class"));
			double p = num(json_get(e, "p")), pw = num(json_at(want, (size_t)c));
			ck_assert_msg(fabs(p - pw) <= (fp32 ? 1e-4 : 0.1),
				      "%s %s: %s p[%d] = %.6f, PyTorch %.6f", name,
				      precision, fname, c, p, pw);
		}
	}
	ck_assert_int_ge(checked, (int)frames->n / 2); /* the rule bites */
	for (int i = 0; i < n; i++)
		json_free(lines[i]);
}

static void each_net(const char *precision)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/reference.json", models);
	jval *ref = parse_file(path);
	const jval *nets = json_get(ref, "models");
	ck_assert_msg(nets && nets->n > 0, "no network in %s", path);
	for (size_t i = 0; i < nets->n; i++) {
		snprintf(path, sizeof(path), "%s/%s.onnx", models, nets->keys[i]);
		ck_assert_msg(access(path, R_OK) == 0, "%s is in reference.json but "
			      "not committed", path);
		check_net(ref, nets->keys[i], precision);
	}
	json_free(ref);
}

START_TEST(test_fashion_fp32_matches_pytorch)
{
	each_net("fp32");
}
END_TEST

START_TEST(test_fashion_int8_matches_pytorch)
{
	each_net("int8");
}
END_TEST

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/test_classify_fashion_%d",
		 getenv("TEST_BUILD"), (int)getpid());
	snprintf(models, sizeof(models), "%s/../../models/fashion",
		 getenv("TEST_DATA"));
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void teardown(void)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

TCase *classify_fashion_tcase(void)
{
	TCase *tc = tcase_create("fashion");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_fashion_fp32_matches_pytorch);
	tcase_add_test(tc, test_fashion_int8_matches_pytorch);
	return tc;
}
