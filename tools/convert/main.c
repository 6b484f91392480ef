/*
 * rfx-convert: ONNX model -> .rfx. Errors go to stderr with a non-zero exit
 * status and no output file (the file is written through a temporary and
 * renamed, only after the whole conversion succeeded).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/convert.h"
#include "convert/images.h"
#include "convert/int8.h"
#include "convert/report.h"
#include "format/rfx_format.h"
#include "npy.h"

#define MAX_ONNX_BYTES (2ull << 30) /* protobuf's own limit */
#define MAX_LABEL_BYTES (16u << 20)
#define MAX_FREEZE 64

static const char usage[] =
	"Usage: rfx-convert [OPTIONS] MODEL.onnx -o OUT.rfx\n"
	"\n"
	"Converts an ONNX image-classification model (opsets 7..17) into a\n"
	"reflex model: parses it, folds constants, drops Identity/Dropout,\n"
	"folds BatchNormalization, fuses activations and residual adds, checks\n"
	"every layer, and writes the .rfx file.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE        the .rfx file to write (required)\n"
	"      --precision P        fp32 (default), fp16 (fp16 weights and\n"
	"                           activations) or int8 (see below); graph\n"
	"                           inputs/outputs stay fp32\n"
	"      --labels FILE        class names, one per line\n"
	"      --mean A,B,C         per-channel mean, applied after --scale\n"
	"      --std A,B,C          per-channel standard deviation\n"
	"      --scale S            pixel scale (e.g. 0.0039215686 for 1/255)\n"
	"      --color rgb|bgr      channel order the model expects\n"
	"      --input-size WxH     width and height for a model whose input\n"
	"                           size is free (a free batch size becomes 1)\n"
	"      --freeze NAME=FILE.npy\n"
	"                           make graph input NAME a constant (repeatable)\n"
	"      --golden             store a golden input/output pair computed by\n"
	"                           the CPU reference from a seeded random input\n"
	"      --json               print the summary as JSON on stdout\n"
	"  -q, --quiet              print nothing but errors\n"
	"  -h, --help               this help\n"
	"  -V, --version            the converter's version\n"	"\n"
	"int8 (--precision int8): weights int8 symmetric per output channel,\n"
	"bias int32, activations int8 per tensor (asymmetric), ranges from\n"
	"calibration images run through the CPU reference in fp32; a model with\n"
	"QuantizeLinear/DequantizeLinear pairs or QLinearConv/QLinearMatMul\n"
	"brings its own scales instead.\n"
	"      --calib DIR          calibration images (.jpg .jpeg .png .bmp),\n"
	"                           preprocessed with the model's metadata\n"
	"                           (--input-size, --color, --scale, --mean, --std)\n"
	"      --calib-count N      use at most N of them (name order)\n"
	"      --calib-method M     minmax (default), percentile[=P] (P default\n"
	"                           99.99) or entropy (KL divergence, as TensorRT)\n"
	"      --eval DIR           images for the accuracy report (default: the\n"
	"                           calibration images)\n"
	"      --eval-count N       use at most N of them\n"
	"      --int8-min-sqnr DB   mixed precision: keep in fp16 the int8 layers\n"
	"                           whose own SQNR (the layer alone, on exact\n"
	"                           inputs) against fp32 is below DB\n"
	"The report (per layer: SQNR and cosine against fp32 end to end, own\n"
	"SQNR; top-1 agreement) is printed after the summary, and is in --json\n"
	"as \"int8\".\n";

struct args {
	const char *input, *output, *labels_path, *color;
	int json, quiet, golden;
	rfx_dtype precision;
	uint32_t w, h;
	float mean[4], std[4], scale;
	uint32_t n_mean, n_std;
	const char *freeze_spec[MAX_FREEZE];
	uint32_t n_freeze;
	/* int8 */
	const char *calib_dir, *eval_dir;
	uint32_t calib_count, eval_count;
	rfx_calib_method method;
	int mixed;
	double min_sqnr;
};

static void fail_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void fail_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rfx-convert: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'rfx-convert --help'.\n");
	exit(2);
}

/* "a,b,c" into out (1..4 finite values). */
static uint32_t parse_floats(const char *s, float *out, const char *opt)
{
	uint32_t n = 0;
	const char *p = s;

	for (;;) {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno || !isfinite(v) || n == 4)
			fail_usage("bad value list for %s", opt);
		out[n++] = (float)v;
		if (*end == '\0')
			return n;
		if (*end != ',')
			fail_usage("bad value list for %s", opt);
		p = end + 1;
	}
}

static void parse_args(int argc, char **argv, struct args *a)
{
	enum { O_PRECISION = 256, O_LABELS, O_MEAN, O_STD, O_SCALE, O_COLOR,
	       O_INPUT_SIZE, O_FREEZE, O_GOLDEN, O_JSON, O_CALIB, O_CALIB_COUNT,
	       O_CALIB_METHOD, O_EVAL, O_EVAL_COUNT, O_MIN_SQNR };
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"precision", required_argument, NULL, O_PRECISION},
		{"labels", required_argument, NULL, O_LABELS},
		{"mean", required_argument, NULL, O_MEAN},
		{"std", required_argument, NULL, O_STD},
		{"scale", required_argument, NULL, O_SCALE},
		{"color", required_argument, NULL, O_COLOR},
		{"input-size", required_argument, NULL, O_INPUT_SIZE},
		{"freeze", required_argument, NULL, O_FREEZE},
		{"golden", no_argument, NULL, O_GOLDEN},
		{"json", no_argument, NULL, O_JSON},
		{"calib", required_argument, NULL, O_CALIB},
		{"calib-count", required_argument, NULL, O_CALIB_COUNT},
		{"calib-method", required_argument, NULL, O_CALIB_METHOD},
		{"eval", required_argument, NULL, O_EVAL},
		{"eval-count", required_argument, NULL, O_EVAL_COUNT},
		{"int8-min-sqnr", required_argument, NULL, O_MIN_SQNR},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->precision = RFX_DTYPE_F32;
	rfx_calib_method_parse("minmax", &a->method);
	while ((c = getopt_long(argc, argv, "o:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'o': a->output = optarg; break;
		case 'q': a->quiet = 1; break;
		case 'h': fputs(usage, stdout); exit(0);
		case 'V': printf("%s\n", rfx_convert_version()); exit(0);
		case O_PRECISION:
			if (strcmp(optarg, "fp32") == 0)
				a->precision = RFX_DTYPE_F32;
			else if (strcmp(optarg, "fp16") == 0)
				a->precision = RFX_DTYPE_F16;
			else if (strcmp(optarg, "int8") == 0)
				a->precision = RFX_DTYPE_I8;
			else
				fail_usage("--precision is fp32, fp16 or int8, not "
					   "'%s'", optarg);
			break;
		case O_LABELS: a->labels_path = optarg; break;
		case O_MEAN: a->n_mean = parse_floats(optarg, a->mean, "--mean"); break;
		case O_STD: a->n_std = parse_floats(optarg, a->std, "--std"); break;
		case O_SCALE: {
			char *end;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || !(v > 0) || !isfinite(v))
				fail_usage("--scale needs a positive number, not "
					   "'%s'", optarg);
			a->scale = (float)v;
			break;
		}
		case O_COLOR:
			if (strcmp(optarg, "rgb") && strcmp(optarg, "bgr"))
				fail_usage("--color is rgb or bgr, not '%s'",
					   optarg);
			a->color = optarg;
			break;
		case O_INPUT_SIZE: {
			unsigned long w, h;
			char x, extra;
			if (sscanf(optarg, "%lu%c%lu%c", &w, &x, &h, &extra) != 3 ||
			    (x != 'x' && x != 'X') || w < 1 || h < 1 ||
			    w > RFX_MAX_DIM || h > RFX_MAX_DIM)
				fail_usage("--input-size is WxH, not '%s'", optarg);
			a->w = (uint32_t)w;
			a->h = (uint32_t)h;
			break;
		}
		case O_FREEZE:
			if (a->n_freeze == MAX_FREEZE)
				fail_usage("too many --freeze (at most %d)",
					   MAX_FREEZE);
			if (!strchr(optarg, '=') || optarg[0] == '=')
				fail_usage("--freeze is NAME=FILE.npy, not '%s'",
					   optarg);
			a->freeze_spec[a->n_freeze++] = optarg;
			break;
		case O_GOLDEN: a->golden = 1; break;
		case O_CALIB: a->calib_dir = optarg; break;
		case O_EVAL: a->eval_dir = optarg; break;
		case O_CALIB_COUNT:
		case O_EVAL_COUNT: {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (end == optarg || *end || n < 1 || n > 1000000 ||
			    optarg[0] == '-')
				fail_usage("%s needs a count 1..1000000, not '%s'",
					   c == O_CALIB_COUNT ? "--calib-count"
							      : "--eval-count",
					   optarg);
			*(c == O_CALIB_COUNT ? &a->calib_count
					     : &a->eval_count) = (uint32_t)n;
			break;
		}
		case O_CALIB_METHOD:
			if (rfx_calib_method_parse(optarg, &a->method))
				fail_usage("--calib-method is minmax, percentile"
					   "[=P] (50 < P <= 100) or entropy, not "
					   "'%s'", optarg);
			break;
		case O_MIN_SQNR: {
			char *end;
			a->min_sqnr = strtod(optarg, &end);
			if (end == optarg || *end || !isfinite(a->min_sqnr))
				fail_usage("--int8-min-sqnr needs a number of dB, "
					   "not '%s'", optarg);
			a->mixed = 1;
			break;
		}
		case O_JSON: a->json = 1; break;
		default: fail_usage("bad option");
		}
	}
	if (optind + 1 != argc)
		fail_usage("%s", optind >= argc ? "no input model given"
						: "more than one input model");
	a->input = argv[optind];
	if (!a->output)
		fail_usage("%s", "no output file given (-o OUT.rfx)");
	if (a->precision != RFX_DTYPE_I8 &&
	    (a->calib_dir || a->eval_dir || a->mixed || a->calib_count ||
	     a->eval_count))
		fail_usage("%s", "--calib, --eval and --int8-min-sqnr go with "
			   "--precision int8");
}

static void log_line(void *user, const char *line)
{
	(void)user;
	fprintf(stderr, "  %s\n", line);
}

/* The progress line of a long step, rewritten in place on a terminal;
 * elsewhere (a log file) only its last state. */
static void progress_line(void *user, const char *what, uint32_t done,
                          uint32_t total)
{
	static int tty = -1;

	(void)user;
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty && done != total)
		return;
	fprintf(stderr, "\r  %s: %u/%u images", what, done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Label file: one name per line; '\r' dropped, empty lines kept out. */
static char *read_labels(const char *path, uint32_t *count, char *err,
                         size_t errlen)
{
	void *bytes;
	size_t size;
	char *out;
	size_t n = 0;

	if (rfx_file_read(path, MAX_LABEL_BYTES, &bytes, &size, err, errlen))
		return NULL;
	out = malloc(size + 1);
	if (!out) {
		free(bytes);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*count = 0;
	const char *p = bytes, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t len = (size_t)(le - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (len) {
			if (memchr(p, '\0', len)) {
				snprintf(err, errlen, "%s: a label holds a NUL "
					 "byte", path);
				free(bytes);
				free(out);
				return NULL;
			}
			memcpy(out + n, p, len);
			n += len;
			out[n++] = '\n';
			(*count)++;
		}
		p = le + 1;
	}
	out[n] = '\0';
	free(bytes);
	return out;
}

static rfx_status load_freeze(const char *spec, rfx_convert_freeze *fz,
                              char **name, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	rfx_npy npy;
	rfx_status st;

	*name = strndup(spec, (size_t)(eq - spec));
	if (!*name)
		return RFX_E_OUT_OF_MEMORY;
	st = rfx_npy_read_file(eq + 1, &npy, err, errlen);
	if (st)
		return st;
	if (npy.rank > RFX_IR_MAX_RANK) {
		snprintf(err, errlen, "%s: rank %u", eq + 1, npy.rank);
		rfx_npy_finish(&npy);
		return RFX_E_UNSUPPORTED;
	}
	memset(fz, 0, sizeof(*fz));
	fz->name = *name;
	fz->value.rank = npy.rank;
	for (uint32_t d = 0; d < npy.rank; d++)
		fz->value.dims[d] = (int64_t)npy.dims[d];
	if (npy.is_float) {
		fz->value.type = RFX_IR_FLOAT;
		fz->value.data = npy.data; /* ownership moves */
		return RFX_OK;
	}
	/* Integer arrays (shapes, pads, axes) as int64. */
	int64_t *iv = malloc((size_t)(npy.count ? npy.count : 1) * sizeof(*iv));
	if (!iv) {
		rfx_npy_finish(&npy);
		return RFX_E_OUT_OF_MEMORY;
	}
	for (uint64_t e = 0; e < npy.count; e++)
		iv[e] = (int64_t)npy.data[e];
	rfx_npy_finish(&npy);
	fz->value.type = RFX_IR_INT;
	fz->value.data = iv;
	return RFX_OK;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void print_summary(const struct args *a, const rfx_convert_stats *s,
                          const rfx_quant_report *rep, size_t file_bytes)
{
	const char *prec = a->precision == RFX_DTYPE_F16  ? "fp16"
			   : a->precision == RFX_DTYPE_I8 ? "int8"
							  : "fp32";

	if (a->json) {
		printf("{\"source\": \"%s\", \"output\": \"%s\", "
		       "\"converter\": \"%s\", \"precision\": \"%s\", "
		       "\"opset\": %" PRId64 ", \"source_fnv1a64\": \"%016" PRIx64
		       "\", \"onnx_nodes\": %u, \"layers\": %u, "
		       "\"parameters\": %" PRIu64 ", \"macs\": %" PRIu64 ", "
		       "\"weight_bytes\": %" PRIu64 ", "
		       "\"peak_activation_bytes\": %" PRIu64 ", "
		       "\"file_bytes\": %zu, \"passes\": {"
		       "\"identity_removed\": %u, \"constants_folded\": %u, "
		       "\"dead_removed\": %u, \"bn_folded\": %u, "
		       "\"bn_expanded\": %u, \"hardswish_fused\": %u, "
		       "\"swish_fused\": %u, "
		       "\"activations_fused\": %u, \"residuals_fused\": %u}",
		       base_name(a->input), a->output, rfx_convert_version(),
		       prec, s->opset, s->source_hash, s->onnx_nodes, s->layers,
		       s->params, s->macs, s->weight_bytes,
		       s->peak_activation_bytes, file_bytes, s->identity_removed,
		       s->folded, s->dead_removed, s->bn_folded, s->bn_expanded,
		       s->hardswish_fused, s->swish_fused, s->act_fused,
		       s->residual_fused);
		if (rep) {
			printf(", \"int8\": ");
			rfx_quant_report_json(stdout, rep);
		}
		printf("}\n");
		return;
	}
	if (a->quiet)
		return;
	printf("%s: opset %" PRId64 ", fnv1a64 %016" PRIx64 "\n",
	       base_name(a->input), s->opset, s->source_hash);
	printf("  layers:           %u ONNX nodes -> %u layers\n",
	       s->onnx_nodes, s->layers);
	printf("  parameters:       %" PRIu64 " (%.2f MB of weights, %s)\n",
	       s->params, (double)s->weight_bytes / 1e6, prec);
	printf("  multiply-adds:    %" PRIu64 " (%.2f M)\n", s->macs,
	       (double)s->macs / 1e6);
	printf("  peak activations: %" PRIu64 " bytes (%.1f KiB)\n",
	       s->peak_activation_bytes,
	       (double)s->peak_activation_bytes / 1024.0);
	printf("  wrote %s (%zu bytes)\n", a->output, file_bytes);
	if (rep)
		rfx_quant_report_print(stdout, rep);
}

int main(int argc, char **argv)
{
	struct args a;
	rfx_convert_options opt;
	rfx_convert_stats stats;
	rfx_convert_freeze freeze[MAX_FREEZE];
	char *names[MAX_FREEZE] = {0};
	char err[1024] = "";
	void *onnx = NULL, *bytes = NULL;
	size_t onnx_size = 0, size = 0;
	char *labels = NULL;
	rfx_graph g = {0};
	rfx_image_list calib = {0}, eval = {0};
	rfx_quant_options qopt;
	rfx_quant_report report = {0};
	rfx_status st;
	int rc = 1;

	parse_args(argc, argv, &a);
	rfx_convert_options_default(&opt);
	memset(freeze, 0, sizeof(freeze));
	opt.precision = a.precision;
	opt.input_w = a.w;
	opt.input_h = a.h;
	opt.color = a.color;
	opt.scale = a.scale;
	memcpy(opt.mean, a.mean, sizeof(opt.mean));
	memcpy(opt.std, a.std, sizeof(opt.std));
	opt.n_mean = a.n_mean;
	opt.n_std = a.n_std;
	opt.golden = a.golden;
	opt.source_name = base_name(a.input);
	if (!a.quiet)
		opt.log = log_line;

	if ((st = rfx_file_read(a.input, MAX_ONNX_BYTES, &onnx, &onnx_size, err,
				sizeof(err))))
		goto out;
	uint32_t n_labels = 0;
	if (a.labels_path) {
		labels = read_labels(a.labels_path, &n_labels, err, sizeof(err));
		if (!labels)
			goto out;
		opt.labels = labels;
	}
	for (uint32_t f = 0; f < a.n_freeze; f++) {
		if ((st = load_freeze(a.freeze_spec[f], &freeze[f], &names[f], err,
				      sizeof(err)))) {
			if (!err[0])
				snprintf(err, sizeof(err), "--freeze %s: %s",
					 a.freeze_spec[f], rfx_status_str(st));
			goto out;
		}
	}
	opt.freeze = freeze;
	opt.n_freeze = a.n_freeze;
	if (a.precision == RFX_DTYPE_I8) {
		rfx_quant_options_default(&qopt);
		qopt.method = a.method;
		qopt.report = 1;
		qopt.mixed = a.mixed;
		qopt.min_sqnr = a.min_sqnr;
		if (!a.quiet)
			qopt.progress = progress_line;
		if (a.calib_dir) {
			if ((st = rfx_image_list_dir(a.calib_dir, a.calib_count,
						     &calib, err, sizeof(err))))
				goto out;
			rfx_image_source(&calib, &qopt.calib);
		}
		if (a.eval_dir) {
			if ((st = rfx_image_list_dir(a.eval_dir, a.eval_count,
						     &eval, err, sizeof(err))))
				goto out;
			rfx_image_source(&eval, &qopt.eval);
		}
		opt.quant = &qopt;
		opt.report = &report;
	}
	if (!a.quiet)
		fprintf(stderr, "rfx-convert: %s\n", a.input);
	if ((st = rfx_convert_onnx(onnx, onnx_size, &opt, &g, &stats, err,
				   sizeof(err))))
		goto out;
	/* Classes per image: every element past the batch dimension, as
	 * rfx-classify counts them ([1,1000] and [1,1000,1,1] alike). */
	const rfx_tensor *y = &g.tensors[g.outputs[0]];
	uint64_t classes = rfx_tensor_elements(y) /
			   (y->rank >= 2 && y->dims[0] ? y->dims[0] : 1);
	if (n_labels && classes != n_labels)
		fprintf(stderr, "rfx-convert: warning: %u labels, but output "
			"'%s' has %llu classes\n", n_labels, y->name,
			(unsigned long long)classes);
	if ((st = rfx_format_write(&g, &bytes, &size, err, sizeof(err))) ||
	    (st = rfx_file_write_atomic(a.output, bytes, size, err, sizeof(err))))
		goto out;
	print_summary(&a, &stats, a.precision == RFX_DTYPE_I8 ? &report : NULL,
		      size);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "rfx-convert: error: %s\n",
			err[0] ? err : "conversion failed");
	rfx_graph_finish(&g);
	rfx_quant_report_finish(&report);
	rfx_image_list_finish(&calib);
	rfx_image_list_finish(&eval);
	free(bytes);
	free(onnx);
	free(labels);
	for (uint32_t f = 0; f < MAX_FREEZE; f++) {
		free(freeze[f].value.data);
		free(names[f]);
	}
	return rc;
}
