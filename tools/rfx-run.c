/*
 * rfx-run: runs a .rfx model once on .npy inputs and writes every output
 * as DIR/<name>.npy (float32).
 *
 *   rfx-run MODEL.rfx --input NAME=FILE.npy ... --output-dir DIR
 *           [--backend cpu|vulkan] [--device SEL] [--golden-check]
 *           [--timeout SECONDS]
 *   rfx-run MODEL.rfx FILE.npy --output-dir DIR     (a one-input model)
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "graph/half.h"
#include "npy.h"
#include "reflex.h"

#define MAX_INPUTS 64

static const char usage[] =
	"usage: rfx-run MODEL.rfx [--input NAME=FILE.npy]... [FILE.npy] --output-dir DIR\n"
	"               [--backend cpu|vulkan] [--device SEL] [--golden-check]\n"
	"               [--timeout SECONDS]\n"
	"\n"
	"Runs MODEL once and writes each output to DIR/<name>.npy (float32).\n"
	"\n"
	"  -i, --input NAME=FILE   .npy data for the input NAME (a one-input model\n"
	"                          also takes FILE alone, positionally)\n"
	"  -o, --output-dir DIR    where outputs go (created if missing)\n"
	"  -b, --backend B         vulkan (default) or cpu (the reference executor)\n"
	"  -d, --device SEL        Vulkan device: an index or a name substring\n"
	"  -g, --golden-check      run the model's golden pair first\n"
	"  -t, --timeout SECONDS   give up on the run after this long (default 60)\n"
	"  -h, --help              this text\n"
	"  -V, --version           the program's and the library's version\n";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("rfx-run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

typedef struct input_spec {
	const char *name; /* NULL: positional */
	const char *path;
} input_spec;

static void shape_of(const rfx_tensor_info *t, char *buf, size_t len)
{
	uint64_t dims[RFX_MAX_RANK];

	for (uint32_t d = 0; d < t->rank; d++)
		dims[d] = t->dims[d];
	rfx_npy_shape_str(t->rank, dims, buf, len);
}

static const char *dtype_name(rfx_dtype dt)
{
	switch (dt) {
	case RFX_DTYPE_F32: return "float32";
	case RFX_DTYPE_F16: return "float16";
	case RFX_DTYPE_I8: return "int8";
	case RFX_DTYPE_I32: return "int32";
	case RFX_DTYPE_U8: return "uint8";
	}
	return "unknown";
}

/* Checks the array against the model's input and writes it, converted to
 * the input's dtype, into dst. */
static void load_input(const rfx_tensor_info *info, const char *path, void *dst)
{
	char err[512], want[128], got[128];
	int is_int = info->dtype != RFX_DTYPE_F32 && info->dtype != RFX_DTYPE_F16;
	double lo = 0, hi = 0;
	int same;
	rfx_npy a;

	if (rfx_npy_read_file(path, &a, err, sizeof(err)) != RFX_OK)
		die("input '%s': %s", info->name, err);
	shape_of(info, want, sizeof(want));
	rfx_npy_shape_str(a.rank, a.dims, got, sizeof(got));
	same = a.rank == info->rank;
	for (uint32_t d = 0; same && d < a.rank; d++)
		same = a.dims[d] == info->dims[d];
	if (!same)
		die("input '%s': the model expects shape %s, %s has shape %s",
		    info->name, want, path, got);
	if (a.is_float == is_int)
		die("input '%s': the model expects %s data, %s holds '%s'",
		    info->name, dtype_name(info->dtype), path, a.descr);
	switch (info->dtype) {
	case RFX_DTYPE_F32:
		memcpy(dst, a.data, a.count * sizeof(float));
		break;
	case RFX_DTYPE_F16:
		rfx_f32_to_f16_n(dst, a.data, a.count);
		break;
	case RFX_DTYPE_I8: lo = -128; hi = 127; break;
	case RFX_DTYPE_U8: lo = 0; hi = 255; break;
	case RFX_DTYPE_I32: lo = -2147483648.0; hi = 2147483647.0; break;
	}
	for (uint64_t k = 0; is_int && k < a.count; k++) {
		float v = a.data[k];
		if (!(v >= lo && v <= hi) || v != (float)(int64_t)v)
			die("input '%s': element %llu of %s (%g) is not a %s",
			    info->name, (unsigned long long)k, path, (double)v,
			    dtype_name(info->dtype));
		if (info->dtype == RFX_DTYPE_I8)
			((int8_t *)dst)[k] = (int8_t)v;
		else if (info->dtype == RFX_DTYPE_U8)
			((uint8_t *)dst)[k] = (uint8_t)v;
		else
			((int32_t *)dst)[k] = (int32_t)v;
	}
	rfx_npy_finish(&a);
}

/* A file name from a tensor name: [A-Za-z0-9._-] kept, the rest '_', never
 * starting with '.', at most 200 bytes. */
static void sanitize(const char *name, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = name; *p && n + 1 < len && n < 200; p++) {
		unsigned char c = (unsigned char)*p;
		out[n++] = (isalnum(c) || c == '.' || c == '_' || c == '-') ? (char)c : '_';
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, len, "output");
	else if (out[0] == '.')
		out[0] = '_';
}

static void write_output(const rfx_tensor_info *info, const void *src,
                         const char *path)
{
	uint64_t n = 1, dims[RFX_MAX_RANK];
	char err[512];
	float *f;

	for (uint32_t d = 0; d < info->rank; d++)
		n *= dims[d] = info->dims[d];
	f = malloc(n ? n * sizeof(float) : 1);
	if (!f)
		die("out of memory");
	for (uint64_t k = 0; k < n; k++) {
		switch (info->dtype) {
		case RFX_DTYPE_F32: f[k] = ((const float *)src)[k]; break;
		case RFX_DTYPE_F16: f[k] = rfx_f16_to_f32(((const uint16_t *)src)[k]); break;
		case RFX_DTYPE_I8: f[k] = ((const int8_t *)src)[k]; break;
		case RFX_DTYPE_U8: f[k] = ((const uint8_t *)src)[k]; break;
		case RFX_DTYPE_I32: f[k] = (float)((const int32_t *)src)[k]; break;
		}
	}
	if (rfx_npy_write_f32(path, f, info->rank, dims, err, sizeof(err)) != RFX_OK)
		die("%s", err);
	free(f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"input", required_argument, NULL, 'i'},
		{"output-dir", required_argument, NULL, 'o'},
		{"backend", required_argument, NULL, 'b'},
		{"device", required_argument, NULL, 'd'},
		{"golden-check", no_argument, NULL, 'g'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	input_spec specs[MAX_INPUTS];
	uint32_t n_specs = 0, n_in, n_out;
	const char *model_path = NULL, *out_dir = NULL;
	rfx_context_options copt;
	rfx_session_options sopt;
	rfx_context *ctx = NULL;
	rfx_model *model = NULL;
	rfx_session *s = NULL;
	double timeout = 60;
	char (*names)[256];
	struct stat sb;
	rfx_status st;
	int c;

	rfx_context_options_default(&copt);
	rfx_session_options_default(&sopt);
	while ((c = getopt_long(argc, argv, "i:o:b:d:gt:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1])
				die("--input wants NAME=FILE.npy, not '%s'", optarg);
			if (n_specs == MAX_INPUTS)
				die("more than %d inputs", MAX_INPUTS);
			*eq = '\0';
			specs[n_specs].name = optarg;
			specs[n_specs++].path = eq + 1;
			break;
		}
		case 'o': out_dir = optarg; break;
		case 'b':
			if (strcmp(optarg, "cpu") == 0)
				copt.backend = RFX_BACKEND_CPU;
			else if (strcmp(optarg, "vulkan") == 0)
				copt.backend = RFX_BACKEND_VULKAN;
			else
				die("--backend is cpu or vulkan, not '%s'", optarg);
			break;
		case 'd': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg && !*end && v >= 0 && v < 65536)
				copt.device_index = (int)v;
			else
				copt.device_name = optarg;
			break;
		}
		case 'g': sopt.golden_check = 1; break;
		case 't': {
			char *end;
			timeout = strtod(optarg, &end);
			if (!*optarg || *end || !(timeout > 0 && timeout < 1e6))
				die("--timeout wants seconds (0 < t < 1e6), not '%s'", optarg);
			break;
		}
		case 'h': fputs(usage, stdout); return 0;
		case 'V':
			printf("rfx-run %s\n", rfx_version_string());
			return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind >= argc)
		die("no model given (see --help)");
	model_path = argv[optind++];
	for (; optind < argc; optind++) {
		if (n_specs == MAX_INPUTS)
			die("more than %d inputs", MAX_INPUTS);
		specs[n_specs].name = NULL;
		specs[n_specs++].path = argv[optind];
	}
	if (!out_dir)
		die("no --output-dir given");

	st = rfx_context_create(&copt, &ctx);
	if (st != RFX_OK)
		die("cannot create the %s context: %s", copt.backend == RFX_BACKEND_CPU ? "cpu" : "vulkan",
		    rfx_status_str(st));
	st = rfx_model_load_file(ctx, model_path, &model);
	if (st != RFX_OK)
		die("%s: %s (%s)", model_path, rfx_status_str(st), rfx_context_last_error(ctx));
	n_in = rfx_model_input_count(model);
	n_out = rfx_model_output_count(model);

	/* Match the given files to the model's inputs. */
	const char *path_of[MAX_INPUTS] = {0};
	if (n_in > MAX_INPUTS)
		die("%s has %u inputs; rfx-run takes at most %d", model_path, n_in, MAX_INPUTS);
	for (uint32_t k = 0; k < n_specs; k++) {
		uint32_t i;
		rfx_tensor_info info;
		if (!specs[k].name) {
			if (n_in != 1 || n_specs != 1)
				die("'%s' given without a name: name each input with --input NAME=FILE "
				    "(the model has %u inputs)", specs[k].path, n_in);
			i = 0;
		} else {
			for (i = 0; i < n_in; i++) {
				rfx_model_input_info(model, i, &info);
				if (strcmp(info.name, specs[k].name) == 0)
					break;
			}
			if (i == n_in) {
				fprintf(stderr, "rfx-run: the model has no input '%s'; its inputs:", specs[k].name);
				for (i = 0; i < n_in; i++) {
					rfx_model_input_info(model, i, &info);
					fprintf(stderr, " '%s'", info.name);
				}
				fputc('\n', stderr);
				return 1;
			}
		}
		if (path_of[i])
			die("input %u is given twice", i);
		path_of[i] = specs[k].path;
	}
	for (uint32_t i = 0; i < n_in; i++) {
		rfx_tensor_info info;
		char shape[128];
		if (path_of[i])
			continue;
		rfx_model_input_info(model, i, &info);
		shape_of(&info, shape, sizeof(shape));
		die("no data for input '%s' (%s %s): use --input %s=FILE.npy", info.name,
		    dtype_name(info.dtype), shape, info.name);
	}

	st = rfx_session_create(model, &sopt, &s);
	if (st != RFX_OK)
		die("session: %s (%s)", rfx_status_str(st), rfx_context_last_error(ctx));
	for (uint32_t i = 0; i < n_in; i++) {
		rfx_tensor_info info;
		void *dst = rfx_session_input(s, i, &info);
		if (!dst)
			die("input %u: no buffer", i);
		load_input(&info, path_of[i], dst);
	}
	st = rfx_session_run(s, rfx_time_now_ns() + (uint64_t)(timeout * 1e9));
	if (st != RFX_OK)
		die("run: %s (%s)", rfx_status_str(st), rfx_context_last_error(ctx));

	if (stat(out_dir, &sb) != 0) {
		if (errno != ENOENT || mkdir(out_dir, 0777) != 0)
			die("%s: %s", out_dir, strerror(errno));
	} else if (!S_ISDIR(sb.st_mode)) {
		die("%s: not a directory", out_dir);
	}
	names = calloc(n_out ? n_out : 1, sizeof(*names));
	if (!names)
		die("out of memory");
	for (uint32_t o = 0; o < n_out; o++) {
		rfx_tensor_info info;
		const void *src = rfx_session_output(s, o, &info);
		char path[4096], shape[128];
		if (!src)
			die("output %u: no buffer", o);
		sanitize(info.name, names[o], sizeof(names[o]));
		/* Two names that sanitize alike: suffix the later one with its
		 * index until it is unique. */
		for (int clash = 1, tries = 0; clash; tries++) {
			clash = 0;
			for (uint32_t p = 0; p < o && !clash; p++)
				clash = strcmp(names[p], names[o]) == 0;
			if (clash && tries == 8)
				die("output '%s': no unique file name", info.name);
			if (clash) {
				size_t len = strlen(names[o]);
				snprintf(names[o] + (len > 200 ? 200 : len), 20, "_%u", o);
			}
		}
		snprintf(path, sizeof(path), "%s/%s.npy", out_dir, names[o]);
		write_output(&info, src, path);
		shape_of(&info, shape, sizeof(shape));
		printf("%s %s -> %s\n", info.name, shape, path);
	}
	free(names);
	rfx_session_destroy(s);
	rfx_model_destroy(model);
	rfx_context_destroy(ctx);
	return 0;
}
