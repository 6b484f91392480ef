/*
 * rfx-classify run as a process, on a model whose answer can be worked out
 * by hand: input [1,3,8,8] (pixel / 255), global average pool, and a fully
 * connected layer scoring "red", "green", "blue", "gray" from the three
 * channel means. On solid-colour images the expected probabilities follow
 * from the colour alone (bilinear resizing of a uniform image is exact), so
 * every number the tool prints is checked against a double-precision
 * softmax computed here. Also: raw frames on stdin against the same frames
 * as files, each kind of malformed input, annotated frames, usage errors,
 * and the --json output parsed strictly. The Vulkan runs have the
 * validation layer on (RFX_VALIDATION=1 from the test environment) and must
 * report no message.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb_image.h>
#include <stb_image_write.h>

#include "check_util.h"
#include "format/rfx_format.h"
#include "graph/builder.h"
#include "test_classify.h"
#include "test_classify_json.h"

static char dir[512], tool[600];

/* ---- the model ---------------------------------------------------------- */

#define N_CLASSES 4
static const char *const labels[N_CLASSES] = {"red", "green", "blue", "gray"};
static const float W[N_CLASSES][3] = {
	{4, -2, -2}, {-2, 4, -2}, {-2, -2, 4}, {0, 0, 0},
};
static const float Bias[N_CLASSES] = {0, 0, 0, 0.5f};

/* probabilities: end in a Softmax layer; labels: store the labels. */
static void write_model(const char *name, int with_labels, int probabilities)
{
	const uint32_t in_dims[4] = {1, 3, 8, 8}, flat_dims[2] = {1, 3};
	const uint32_t w_dims[2] = {N_CLASSES, 3}, b_dims[1] = {N_CLASSES};
	const float mean[4] = {0, 0, 0, 0}, std[4] = {1, 1, 1, 1};
	char path[700], err[256];
	rfx_builder b;
	rfx_layer *l;
	rfx_graph g;
	uint32_t ins[3];

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "image", RFX_DTYPE_F32, 4, in_dims);
	uint32_t pooled = rfx_builder_tensor(&b, "pooled", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_GLOBAL_POOL, "pool", &x, 1, pooled);
	if (l)
		l->i[RFX_GPOOL_KIND] = RFX_POOL_AVG;
	rfx_builder_infer(&b, l);
	uint32_t flat = rfx_builder_tensor(&b, "flat", RFX_DTYPE_F32, 2, flat_dims);
	l = rfx_builder_layer(&b, RFX_OP_RESHAPE, "flatten", &pooled, 1, flat);
	rfx_builder_infer(&b, l);
	ins[0] = flat;
	ins[1] = rfx_builder_const(&b, "w", RFX_DTYPE_F32, 2, w_dims, W);
	ins[2] = rfx_builder_const(&b, "b", RFX_DTYPE_F32, 1, b_dims, Bias);
	uint32_t logits = rfx_builder_tensor(&b, "logits", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_FC, "fc", ins, 3, logits);
	rfx_builder_infer(&b, l);
	uint32_t out = logits;
	if (probabilities) {
		out = rfx_builder_tensor(&b, "prob", RFX_DTYPE_F32, 0, NULL);
		l = rfx_builder_layer(&b, RFX_OP_SOFTMAX, "softmax", &logits, 1, out);
		if (l)
			l->i[RFX_SOFTMAX_AXIS] = 1;
		rfx_builder_infer(&b, l);
	}
	rfx_builder_output(&b, out);
	if (with_labels)
		rfx_builder_set_labels(&b, "red\ngreen\nblue\ngray\n");
	rfx_builder_set_preprocess(&b, 1.0f / 255.0f, mean, std, 8, 8);
	ck_assert_msg(rfx_builder_finish(&b, &g, err, sizeof(err)) == RFX_OK, "%s", err);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(rfx_format_write_file(&g, path, err, sizeof(err)) == RFX_OK, "%s", err);
	rfx_graph_finish(&g);
}

/* The model's answer for channel means m (0..1), in double precision. */
static void expected(const double m[3], double p[N_CLASSES])
{
	double z[N_CLASSES], mx = -1e300, sum = 0;

	for (int c = 0; c < N_CLASSES; c++) {
		z[c] = Bias[c] + W[c][0] * m[0] + W[c][1] * m[1] + W[c][2] * m[2];
		mx = z[c] > mx ? z[c] : mx;
	}
	for (int c = 0; c < N_CLASSES; c++)
		sum += exp(z[c] - mx);
	for (int c = 0; c < N_CLASSES; c++)
		p[c] = exp(z[c] - mx) / sum;
}

static void rgb_means(double r, double g, double b, double m[3])
{
	m[0] = r / 255.0;
	m[1] = g / 255.0;
	m[2] = b / 255.0;
}

/* ---- files and processes ------------------------------------------------ */

static void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void make_dir(const char *name)
{
	char p[700];
	path_of(p, sizeof(p), name);
	ck_assert(mkdir(p, 0777) == 0 || access(p, F_OK) == 0);
}

static void write_bytes(const char *name, const void *data, size_t n)
{
	char p[700];
	path_of(p, sizeof(p), name);
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static uint8_t *solid(uint32_t w, uint32_t h, const uint8_t rgb[3])
{
	uint8_t *px = malloc((size_t)w * h * 3);
	ck_assert_ptr_nonnull(px);
	for (size_t i = 0; i < (size_t)w * h; i++)
		memcpy(px + i * 3, rgb, 3);
	return px;
}

static void write_image(const char *name, char kind, int w, int h, int c,
                        const uint8_t *px)
{
	char p[700];
	path_of(p, sizeof(p), name);
	int ok = kind == 'p' ? stbi_write_png(p, w, h, c, px, w * c) :
		 kind == 'b' ? stbi_write_bmp(p, w, h, c, px) :
			       stbi_write_jpg(p, w, h, c, px, 100);
	ck_assert_int_ne(ok, 0);
}

static char *slurp(const char *name)
{
	char p[700];
	path_of(p, sizeof(p), name);
	FILE *f = fopen(p, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

struct result {
	int rc;
	char *out, *err;
	jval *lines[64]; /* --json: one value per line */
	int n_lines;
};

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
	for (int i = 0; i < r->n_lines; i++)
		json_free(r->lines[i]);
}

/* Runs rfx-classify in the test folder: "ARGS", stdout and stderr kept. */
static struct result run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct result run(const char *fmt, ...)
{
	char args[2048], cmd[4096];
	struct result r;
	va_list ap;

	memset(&r, 0, sizeof(r));
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s >out.txt 2>err.txt", dir,
		 tool, args);
	int st = system(cmd);
	ck_assert_msg(st != -1 && WIFEXITED(st), "%s did not exit", cmd);
	r.rc = WEXITSTATUS(st);
	r.out = slurp("out.txt");
	r.err = slurp("err.txt");
	return r;
}

/* Parses every stdout line as JSON (strictly); fails the test otherwise. */
static void parse_json_lines(struct result *r)
{
	char *save = NULL, err[200];
	char *copy = strdup(r->out);
	ck_assert_ptr_nonnull(copy);
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		ck_assert_int_lt(r->n_lines, 64);
		jval *v = json_parse(line, err, sizeof(err));
		ck_assert_msg(v, "not JSON (%s): %s", err, line);
		r->lines[r->n_lines++] = v;
	}
	free(copy);
}

static struct result run_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct result run_json(const char *fmt, ...)
{
	char args[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	struct result r = run("--json %s", args);
	parse_json_lines(&r);
	return r;
}

static double num(const jval *obj, const char *key)
{
	const jval *v = json_get(obj, key);
	ck_assert_msg(v && v->t == J_NUM, "no number '%s'", key);
	return v->num;
}

static const char *str(const jval *obj, const char *key)
{
	const jval *v = json_get(obj, key);
	ck_assert_msg(v && v->t == J_STR, "no string '%s'", key);
	return v->str;
}

static int boolean(const jval *obj, const char *key)
{
	const jval *v = json_get(obj, key);
	ck_assert_msg(v && v->t == J_BOOL, "no boolean '%s'", key);
	return v->b;
}

/* The summary line: last, and with no validation message. */
static const jval *summary(const struct result *r, double frames, double ok,
                           double failed)
{
	ck_assert_int_gt(r->n_lines, 0);
	const jval *s = json_get(r->lines[r->n_lines - 1], "summary");
	ck_assert_msg(s, "no summary in: %s", r->out);
	ck_assert_double_eq(num(s, "frames"), frames);
	ck_assert_double_eq(num(s, "ok"), ok);
	ck_assert_double_eq(num(s, "failed"), failed);
	ck_assert_double_eq(num(s, "validation_messages"), 0);
	ck_assert_double_eq(num(s, "dropped"), 0);
	return s;
}

/* A classified frame: source ends with `name`, and its top-4 entries are
 * the model's probabilities for means m, largest first, within tol. */
static void check_frame(const jval *fr, double index, const char *name,
                        const double m[3], int with_labels, double tol)
{
	double p[N_CLASSES];
	char lb[32];

	expected(m, p);
	ck_assert_double_eq(num(fr, "frame"), index);
	const char *src = str(fr, "source");
	ck_assert_msg(strlen(src) >= strlen(name) &&
		      strcmp(src + strlen(src) - strlen(name), name) == 0,
		      "frame %g is %s, not %s", index, src, name);
	ck_assert_msg(boolean(fr, "ok"), "%s failed", src);
	ck_assert_double_ge(num(fr, "latency_ms"), 0);
	const jval *top = json_get(fr, "top");
	ck_assert_msg(top && top->t == J_ARR && top->n == N_CLASSES, "top-4 of %s", src);
	double prev = 2;
	for (size_t i = 0; i < top->n; i++) {
		const jval *e = json_at(top, i);
		int c = (int)num(e, "class");
		ck_assert_int_ge(c, 0);
		ck_assert_int_lt(c, N_CLASSES);
		snprintf(lb, sizeof(lb), "class %d", c);
		ck_assert_str_eq(str(e, "label"), with_labels ? labels[c] : lb);
		double pv = num(e, "p");
		ck_assert_msg(fabs(pv - p[c]) <= tol, "%s: p(%s) = %.7f, expected %.7f",
			      src, labels[c], pv, p[c]);
		ck_assert_double_le(pv, prev + 1e-6); /* largest first */
		prev = pv;
	}
}

/* ---- fixtures ----------------------------------------------------------- */

static const uint8_t red[3] = {230, 20, 10}, green[3] = {15, 200, 40},
		     blue[3] = {5, 30, 220};

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/test_classify_%d", getenv("TEST_BUILD"),
		 (int)getpid());
	snprintf(tool, sizeof(tool), "%s/tools/classify/rfx-classify",
		 getenv("TEST_BUILD"));
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	write_model("colors.rfx", 1, 0);
	write_model("prob.rfx", 1, 1);
	write_model("nolabels.rfx", 0, 0);

	/* colors/: one solid image per format, a gray one, and a
	 * red|green|blue strip whose centre is green. */
	make_dir("colors");
	uint8_t *px = solid(40, 30, red);
	write_image("colors/a_red.png", 'p', 40, 30, 3, px);
	free(px);
	px = solid(17, 23, green);
	write_image("colors/b_green.jpg", 'j', 17, 23, 3, px);
	free(px);
	px = solid(9, 9, blue);
	write_image("colors/c_blue.bmp", 'b', 9, 9, 3, px);
	free(px);
	uint8_t gray[100];
	memset(gray, 128, sizeof(gray));
	write_image("colors/d_gray.png", 'p', 10, 10, 1, gray);
	uint8_t tri[24 * 8 * 3];
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 24; x++) {
			uint8_t *p = tri + (y * 24 + x) * 3;
			p[0] = x < 8 ? 255 : 0;
			p[1] = x >= 8 && x < 16 ? 255 : 0;
			p[2] = x >= 16 ? 255 : 0;
		}
	write_image("colors/e_tri.png", 'p', 24, 8, 3, tri);
	write_bytes("colors/notes.txt", "not an image\n", 13); /* skipped */
}

static void teardown(void)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* JPEG is lossy even for a solid colour: the expectation uses the colour
 * stb_image decodes, after checking that it is still uniform. */
static void decoded_solid(const char *name, double m[3])
{
	char p[700];
	int w, h, n;

	path_of(p, sizeof(p), name);
	uint8_t *px = stbi_load(p, &w, &h, &n, 3);
	ck_assert_ptr_nonnull(px);
	for (int i = 1; i < w * h; i++)
		ck_assert_mem_eq(px + i * 3, px, 3);
	rgb_means(px[0], px[1], px[2], m);
	stbi_image_free(px);
}

/* The five colors/ frames with the default fit (crop). */
static void check_colors(const struct result *r, int with_labels, double tol)
{
	double m[3];

	ck_assert_msg(r->rc == 0, "exit %d: %s", r->rc, r->err);
	ck_assert_int_eq(r->n_lines, 6);
	rgb_means(red[0], red[1], red[2], m);
	check_frame(r->lines[0], 0, "a_red.png", m, with_labels, 1e-5);
	decoded_solid("colors/b_green.jpg", m);
	check_frame(r->lines[1], 1, "b_green.jpg", m, with_labels, 1e-5);
	rgb_means(blue[0], blue[1], blue[2], m);
	check_frame(r->lines[2], 2, "c_blue.bmp", m, with_labels, 1e-5);
	rgb_means(128, 128, 128, m);
	check_frame(r->lines[3], 3, "d_gray.png", m, with_labels, 1e-5);
	/* crop: the centre 8x8 of 24x8, exactly the green third */
	rgb_means(0, 255, 0, m);
	check_frame(r->lines[4], 4, "e_tri.png", m, with_labels, tol);
	summary(r, 5, 5, 0);
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(test_cli_classifies_files)
{
	struct result r = run_json("colors.rfx colors -k 4");
	check_colors(&r, 1, 1e-5);
	const jval *s = summary(&r, 5, 5, 0);
	ck_assert(boolean(s, "softmax_applied"));
	result_free(&r);

	/* The CPU reference backend agrees. */
	r = run_json("colors.rfx colors -k 4 --backend cpu");
	check_colors(&r, 1, 1e-5);
	result_free(&r);

	/* Explicit files, in the order given; the text output names them. */
	r = run("colors.rfx colors/c_blue.bmp colors/a_red.png -k 1");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	char *b = strstr(r.out, "c_blue.bmp"), *a = strstr(r.out, "a_red.png");
	ck_assert(a && b && b < a);
	ck_assert_ptr_nonnull(strstr(b, "  blue\n"));
	ck_assert_ptr_nonnull(strstr(a, "  red\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "2 frames: 2 classified, 0 failed"));
	ck_assert_ptr_nonnull(strstr(r.out, "p50"));
	result_free(&r);
}
END_TEST

START_TEST(test_cli_fit)
{
	/* stretch: the whole strip, 24 -> 8 columns sampling source
	 * columns 1, 4, ..., 22 exactly: 3 red, 2 green, 3 blue. */
	double m[3] = {3.0 / 8, 2.0 / 8, 3.0 / 8};
	struct result r = run_json("colors.rfx colors/e_tri.png -k 4 --fit stretch");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	check_frame(r.lines[0], 0, "e_tri.png", m, 1, 1e-5);
	ck_assert_str_eq(str(json_at(json_get(r.lines[0], "top"), 0), "label"), "gray");
	summary(&r, 1, 1, 0);
	result_free(&r);

	/* letterbox: the strip scaled to 8x3 rows 2..4 of black: the means
	 * are a third of the stretched strip's over 3/8 of the rows. */
	r = run_json("colors.rfx colors/e_tri.png -k 4 --fit letterbox");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	double lm[3] = {3.0 / 8 * 3 / 8, 2.0 / 8 * 3 / 8, 3.0 / 8 * 3 / 8};
	check_frame(r.lines[0], 0, "e_tri.png", lm, 1, 1e-5);
	result_free(&r);

	/* --crop-ratio 1/3 keeps the centre 8x3 of the strip, all green,
	 * before the session stretches it. */
	r = run_json("colors.rfx colors/e_tri.png -k 4 --fit stretch --crop-ratio 0.3333333");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	double gm[3] = {0, 1, 0};
	check_frame(r.lines[0], 0, "e_tri.png", gm, 1, 1e-5);
	result_free(&r);
}
END_TEST

START_TEST(test_cli_probability_output)
{
	/* The model ends in Softmax: its output is used as is (a second
	 * softmax would flatten every probability). */
	struct result r = run_json("prob.rfx colors -k 4");
	check_colors(&r, 1, 1e-5);
	ck_assert(!boolean(summary(&r, 5, 5, 0), "softmax_applied"));
	result_free(&r);
}
END_TEST

START_TEST(test_cli_no_labels)
{
	struct result r = run_json("nolabels.rfx colors -k 4");
	check_colors(&r, 0, 1e-5);
	ck_assert_ptr_nonnull(strstr(r.err, "no labels"));
	result_free(&r);
}
END_TEST

/* n frames of w x h random RGB: PNG files in folder/, and the same
 * frames as raw rgb24, bgr24 and gray8 (+ gray PNGs in folder_gray/). */
static void write_frames(const char *folder, uint32_t w, uint32_t h, int n)
{
	size_t fb = (size_t)w * h * 3;
	uint8_t *rgb = malloc(fb * (size_t)n), *bgr = malloc(fb * (size_t)n);
	uint8_t *g = malloc((size_t)w * h * (size_t)n);
	uint32_t seed = 77;
	char name[256];

	ck_assert(rgb && bgr && g);
	make_dir(folder);
	snprintf(name, sizeof(name), "%s_gray", folder);
	make_dir(name);
	for (size_t i = 0; i < fb * (size_t)n; i++)
		rgb[i] = (uint8_t)(test_rand(&seed) >> 24);
	for (size_t i = 0; i < (size_t)w * h * (size_t)n; i++) {
		bgr[i * 3] = rgb[i * 3 + 2];
		bgr[i * 3 + 1] = rgb[i * 3 + 1];
		bgr[i * 3 + 2] = rgb[i * 3];
		g[i] = rgb[i * 3 + 1];
	}
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/f%d.png", folder, i);
		write_image(name, 'p', (int)w, (int)h, 3, rgb + fb * (size_t)i);
		snprintf(name, sizeof(name), "%s_gray/f%d.png", folder, i);
		write_image(name, 'p', (int)w, (int)h, 1, g + (size_t)w * h * (size_t)i);
	}
	snprintf(name, sizeof(name), "%s.rgb", folder);
	write_bytes(name, rgb, fb * (size_t)n);
	snprintf(name, sizeof(name), "%s.bgr", folder);
	write_bytes(name, bgr, fb * (size_t)n);
	snprintf(name, sizeof(name), "%s.gray", folder);
	write_bytes(name, g, (size_t)w * h * (size_t)n);
	free(rgb);
	free(bgr);
	free(g);
}

/* The same frames give the same classes and probabilities. */
static void check_same(const struct result *a, const struct result *b, int n)
{
	ck_assert_msg(a->rc == 0 && b->rc == 0, "%s / %s", a->err, b->err);
	ck_assert_int_eq(a->n_lines, n + 1);
	ck_assert_int_eq(b->n_lines, n + 1);
	for (int i = 0; i < n; i++) {
		const jval *ta = json_get(a->lines[i], "top"), *tb = json_get(b->lines[i], "top");
		ck_assert(ta && tb && ta->n == N_CLASSES && tb->n == N_CLASSES);
		ck_assert_double_eq(num(b->lines[i], "frame"), i);
		for (size_t k = 0; k < ta->n; k++) {
			ck_assert_double_eq(num(json_at(ta, k), "class"),
					    num(json_at(tb, k), "class"));
			ck_assert_double_eq_tol(num(json_at(ta, k), "p"),
						num(json_at(tb, k), "p"), 1e-6);
		}
	}
}

START_TEST(test_cli_stream_matches_files)
{
	/* Random frames: the classes differ from frame to frame only a
	 * little, but every probability must match to print precision. */
	write_frames("rand", 20, 12, 5);
	struct result files = run_json("colors.rfx rand -k 4");
	struct result rgb = run_json("colors.rfx --stream 20x12 --pixel rgb24 -k 4 < rand.rgb");
	struct result bgr = run_json("colors.rfx --stream 20x12 --pixel bgr24 -k 4 < rand.bgr");
	check_same(&files, &rgb, 5);
	check_same(&files, &bgr, 5);
	summary(&rgb, 5, 5, 0);
	ck_assert_ptr_nonnull(strstr(str(json_get(rgb.lines[5], "summary"), "source"),
				     "20x12 rgb24"));
	result_free(&files);
	result_free(&rgb);
	result_free(&bgr);

	struct result gfiles = run_json("colors.rfx rand_gray -k 4");
	struct result gray = run_json("colors.rfx --stream 20x12 --pixel gray8 -k 4 < rand.gray");
	check_same(&gfiles, &gray, 5);
	result_free(&gfiles);
	result_free(&gray);
}
END_TEST

static double clamp255(double v)
{
	return v < 0 ? 0 : v > 255 ? 255 : v;
}

START_TEST(test_cli_stream_yuyv)
{
	/* Uniform YUYV frames: BT.601 limited range (reflex.h) gives the
	 * RGB the model sees; tolerance for the shader's float formula. */
	const uint8_t yuv[2][3] = {{120, 90, 200}, {60, 160, 100}};
	uint8_t frames[2][16 * 6 * 2];
	for (int f = 0; f < 2; f++)
		for (int i = 0; i < 16 * 6 / 2; i++) {
			uint8_t *q = frames[f] + i * 4;
			q[0] = q[2] = yuv[f][0];
			q[1] = yuv[f][1];
			q[3] = yuv[f][2];
		}
	write_bytes("yuyv.raw", frames, sizeof(frames));
	struct result r = run_json("colors.rfx --stream 16x6 --pixel yuyv -k 4 < yuyv.raw");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	for (int f = 0; f < 2; f++) {
		double Y = yuv[f][0] - 16.0, U = yuv[f][1] - 128.0, V = yuv[f][2] - 128.0;
		double m[3];
		rgb_means(clamp255(1.164 * Y + 1.596 * V),
			  clamp255(1.164 * Y - 0.392 * U - 0.813 * V),
			  clamp255(1.164 * Y + 2.017 * U), m);
		check_frame(r.lines[f], f, f ? "stdin#1" : "stdin#0", m, 1, 1e-4);
	}
	summary(&r, 2, 2, 0);
	result_free(&r);
}
END_TEST

START_TEST(test_cli_stream_ends_mid_frame)
{
	/* Two and a half frames: two classified, the half reported. */
	uint8_t buf[20 * 12 * 3 * 5 / 2];
	memset(buf, 200, sizeof(buf));
	write_bytes("half.rgb", buf, sizeof(buf));
	struct result r = run_json("colors.rfx --stream 20x12 --pixel rgb24 -k 4 < half.rgb");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_int_eq(r.n_lines, 4);
	ck_assert(boolean(r.lines[0], "ok"));
	ck_assert(boolean(r.lines[1], "ok"));
	ck_assert(!boolean(r.lines[2], "ok"));
	ck_assert_ptr_nonnull(strstr(str(r.lines[2], "error"), "ended mid-frame: 360 of 720 bytes"));
	ck_assert_ptr_nonnull(strstr(r.err, "stdin#2: stream ended mid-frame"));
	summary(&r, 3, 2, 1);
	result_free(&r);

	/* An empty stream: nothing to classify is an error too. */
	write_bytes("empty.rgb", "", 0);
	r = run("colors.rfx --stream 20x12 --pixel rgb24 < empty.rgb");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "no frames"));
	result_free(&r);
}
END_TEST

START_TEST(test_cli_bad_inputs)
{
	/* Each kind of bad file, made here, between two good ones; every one
	 * is reported by name and the run goes on. */
	uint8_t *px = solid(16, 12, red);
	char name[64];
	make_dir("bad");
	make_dir("bad/empty_folder");
	write_image("bad/a_good.png", 'p', 16, 12, 3, px);
	write_image("bad/z_good.png", 'p', 16, 12, 3, px);
	write_image("bad/full.png", 'p', 16, 12, 3, px);
	free(px);
	char *png = slurp("bad/full.png");
	char p[700];
	path_of(p, sizeof(p), "bad/full.png");
	struct stat sb;
	ck_assert_int_eq(stat(p, &sb), 0);
	size_t n = (size_t)sb.st_size;
	unlink(p);
	write_bytes("bad/b_truncated.png", png, n / 2);
	write_bytes("bad/c_zero_bytes.png", "", 0);
	write_bytes("bad/d_text.png", "this is text, not an image\n", 27);
	memcpy(png + 16, "\x00\x01\x86\xa0\x00\x01\x86\xa0", 8); /* 100000x100000 */
	write_bytes("bad/e_huge.png", png, n);
	free(png);

	struct result r = run_json("colors.rfx bad missing.png bad/empty_folder -k 4");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_int_eq(r.n_lines, 9);
	double m[3];
	rgb_means(red[0], red[1], red[2], m);
	check_frame(r.lines[0], 0, "a_good.png", m, 1, 1e-5);
	check_frame(r.lines[5], 5, "z_good.png", m, 1, 1e-5);
	const char *want[][2] = {
		{"b_truncated.png", "truncated PNG"},
		{"c_zero_bytes.png", "empty file"},
		{"d_text.png", "not a JPEG, PNG or BMP"},
		{"e_huge.png", "too large: 100000x100000"},
		{NULL, NULL},
		{"missing.png", "cannot open: No such file"},
		{"empty_folder", "folder holds no"},
	};
	for (int i = 1; i < 8; i++) {
		if (!want[i - 1][0])
			continue;
		const jval *fr = r.lines[i];
		ck_assert_double_eq(num(fr, "frame"), i);
		ck_assert(!boolean(fr, "ok"));
		ck_assert_ptr_nonnull(strstr(str(fr, "source"), want[i - 1][0]));
		ck_assert_msg(strstr(str(fr, "error"), want[i - 1][1]), "%s: %s",
			      want[i - 1][0], str(fr, "error"));
		snprintf(name, sizeof(name), "%s: ", want[i - 1][0]);
		ck_assert_msg(strstr(r.err, name), "stderr does not name %s:\n%s",
			      want[i - 1][0], r.err);
	}
	summary(&r, 8, 2, 6);
	result_free(&r);

	/* Not a model, no model. */
	r = run("bad/d_text.png colors");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "RFX_E_FORMAT"));
	result_free(&r);
	r = run("nothere.rfx colors");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "nothere.rfx"));
	result_free(&r);
	r = run("colors.rfx colors --device no-such-gpu");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "RFX_E_NO_DEVICE"));
	result_free(&r);
}
END_TEST

START_TEST(test_cli_image_sizes)
{
	/* The smallest images, one at the side limit and long and thin
	 * (box-shrunk to 4096x1 first), and one with no pixels: every
	 * non-empty one classified by its colour, the empty one reported. */
	make_dir("sizes");
	write_image("sizes/a_1x1.png", 'p', 1, 1, 3, red);
	write_image("sizes/b_1x1.bmp", 'b', 1, 1, 3, green);
	uint8_t *px = solid(16384, 1, blue);
	write_image("sizes/d_16384x1.png", 'p', 16384, 1, 3, px);
	free(px);
	char *png = slurp("sizes/a_1x1.png");
	char p[700];
	path_of(p, sizeof(p), "sizes/a_1x1.png");
	struct stat sb;
	ck_assert_int_eq(stat(p, &sb), 0);
	memset(png + 16, 0, 8); /* IHDR: 0x0 */
	write_bytes("sizes/c_0x0.png", png, (size_t)sb.st_size);
	free(png);

	struct result r = run_json("colors.rfx sizes -k 4");
	ck_assert_int_eq(r.rc, 1);
	ck_assert_int_eq(r.n_lines, 5);
	double m[3];
	rgb_means(red[0], red[1], red[2], m);
	check_frame(r.lines[0], 0, "a_1x1.png", m, 1, 1e-5);
	rgb_means(green[0], green[1], green[2], m);
	check_frame(r.lines[1], 1, "b_1x1.bmp", m, 1, 1e-5);
	ck_assert(!boolean(r.lines[2], "ok"));
	ck_assert_ptr_nonnull(strstr(str(r.lines[2], "error"), "zero-sized image (0x0)"));
	ck_assert_ptr_nonnull(strstr(r.err, "c_0x0.png: "));
	rgb_means(blue[0], blue[1], blue[2], m);
	check_frame(r.lines[3], 3, "d_16384x1.png", m, 1, 1e-5);
	summary(&r, 4, 3, 1);
	result_free(&r);
}
END_TEST

START_TEST(test_cli_annotate)
{
	struct result r = run("colors.rfx colors/a_red.png colors/c_blue.bmp -q --annotate ann");
	ck_assert_msg(r.rc == 0, "%s", r.err);
	ck_assert_ptr_null(strstr(r.out, "    ")); /* --quiet: no per-frame lines */
	ck_assert_ptr_nonnull(strstr(r.out, "2 frames: 2 classified"));
	result_free(&r);

	/* a_red.png, 40x30: enlarged 8 times to 320x240; the text band is
	 * on top, the frame's own pixels below. */
	char p[700];
	int w, h, c;
	path_of(p, sizeof(p), "ann/000000_a_red.png");
	uint8_t *px = stbi_load(p, &w, &h, &c, 3);
	ck_assert_msg(px, "%s not written", p);
	ck_assert_int_eq(w, 320);
	ck_assert_int_eq(h, 240);
	int white = 0;
	for (int i = 0; i < w * 28; i++)
		white += px[i * 3] == 255 && px[i * 3 + 1] == 255 && px[i * 3 + 2] == 255;
	ck_assert_int_gt(white, 20);
	ck_assert_mem_eq(px + ((size_t)(h - 1) * w + 5) * 3, red, 3);
	stbi_image_free(px);
	path_of(p, sizeof(p), "ann/000001_c_blue.png");
	ck_assert_int_eq(access(p, F_OK), 0);
}
END_TEST

START_TEST(test_cli_deadline)
{
	/* No timing assertion: the report has the fields, consistently. */
	struct result r = run_json("colors.rfx colors -k 4 --deadline-ms 60000");
	check_colors(&r, 1, 1e-5);
	const jval *s = summary(&r, 5, 5, 0);
	ck_assert_double_eq(num(s, "deadline_ms"), 60000);
	double misses = num(s, "deadline_misses"), flagged = 0;
	for (int i = 0; i < 5; i++)
		flagged += boolean(r.lines[i], "deadline_missed");
	ck_assert_double_eq(misses, flagged);
	const jval *lat = json_get(s, "latency_ms");
	ck_assert_double_le(num(lat, "p50"), num(lat, "p99"));
	ck_assert_double_le(num(lat, "p99"), num(lat, "max"));
	result_free(&r);
}
END_TEST

START_TEST(test_cli_usage)
{
	static const char *const bad[] = {
		"",
		"colors.rfx",
		"colors.rfx colors --fit sideways",
		"colors.rfx colors --crop-ratio 0",
		"colors.rfx colors --crop-ratio 1.5",
		"colors.rfx colors --top 0",
		"colors.rfx colors --backend metal",
		"colors.rfx colors --deadline-ms -1",
		"colors.rfx --stream 20x12 < rand.rgb",
		"colors.rfx --stream 20x --pixel rgb24 < /dev/null",
		"colors.rfx --stream 21x12 --pixel yuyv < /dev/null",
		"colors.rfx --stream 20x12 --pixel rgb48 < /dev/null",
		"colors.rfx colors --stream 20x12 --pixel rgb24 < /dev/null",
		"colors.rfx colors --no-such-option",
		"colors.rfx colors --camera-size 640x480",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct result r = run("%s", bad[i]);
		ck_assert_msg(r.rc == 2, "'%s': exit %d", bad[i], r.rc);
		ck_assert_msg(strstr(r.err, "rfx-classify"), "'%s': no message", bad[i]);
		result_free(&r);
	}
	struct result r = run("--help");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "Usage: rfx-classify"));
	result_free(&r);
	r = run("--version");
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "rfx-classify 0."));
	result_free(&r);
}
END_TEST

static Suite *classify_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *cli = tcase_create("cli");

	tcase_add_checked_fixture(cli, setup, teardown);
	tcase_set_timeout(cli, 300);
	tcase_add_test(cli, test_cli_classifies_files);
	tcase_add_test(cli, test_cli_fit);
	tcase_add_test(cli, test_cli_probability_output);
	tcase_add_test(cli, test_cli_no_labels);
	tcase_add_test(cli, test_cli_stream_matches_files);
	tcase_add_test(cli, test_cli_stream_yuyv);
	tcase_add_test(cli, test_cli_stream_ends_mid_frame);
	tcase_add_test(cli, test_cli_bad_inputs);
	tcase_add_test(cli, test_cli_image_sizes);
	tcase_add_test(cli, test_cli_annotate);
	tcase_add_test(cli, test_cli_deadline);
	tcase_add_test(cli, test_cli_usage);
	suite_add_tcase(s, classify_decode_tcase());
	suite_add_tcase(s, classify_report_tcase());
	suite_add_tcase(s, classify_pipeline_tcase());
	suite_add_tcase(s, classify_camera_tcase());
#ifdef CLASSIFY_HAVE_CONVERT
	suite_add_tcase(s, classify_fashion_tcase());
#endif
	suite_add_tcase(s, cli);
	return s;
}

int main(void)
{
	return run_suite(classify_suite());
}
