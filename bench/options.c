/* rfx-bench's command line. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "options.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rfx-bench MODEL.rfx [OPTIONS]\n"
		"Measure a model's cold start, steady-state latency distribution,\n"
		"deadline misses and per-layer GPU time.\n\n"
		"Device:\n"
		"  -b, --backend B        vulkan (default) or cpu (the reference executor)\n"
		"  -d, --device SEL       Vulkan device: index or part of its name\n"
		"                         (default: RFX_DEVICE, else the best device)\n"
		"      --validation       enable the Vulkan validation layer (slow)\n\n"
		"Steady state:\n"
		"  -w, --warmup N         unrecorded runs first (default 10)\n"
		"  -n, --iterations N     measured runs\n"
		"  -t, --duration S       measure for S seconds (default 10 when\n"
		"                         neither -n nor -t is given; with both, the\n"
		"                         first limit reached ends the run)\n"
		"  -p, --period-ms P      periodic mode: a frame arrives every P ms, as\n"
		"                         from a camera (absolute clock_nanosleep); a\n"
		"                         frame that arrives while the previous one is\n"
		"                         still running waits, and older waiting frames\n"
		"                         are dropped (a one-frame buffer)\n"
		"  -D, --deadline-ms D    count results later than D ms after the submit\n"
		"                         (periodic: after the frame's arrival), and how\n"
		"                         late they were\n"
		"  -c, --confidence C     confidence of the early-stopping p90/p99.9\n"
		"                         bounds (default 0.99)\n"
		"      --rt               mlockall, SCHED_FIFO and CPU affinity for the\n"
		"                         submitting thread during the measured loop;\n"
		"                         what the OS refuses is reported, the run goes on\n"
		"      --rt-priority N    SCHED_FIFO priority (default 80)\n"
		"      --cpu N            CPU for --rt (default: the last one allowed)\n"
		"      --no-pipeline-cache  the measured session uses no pipeline cache\n"
		"                         (the warm-cache cold-start figure is skipped)\n"
		"      --pipeline-cache FILE  the measured session uses this cache file\n"
		"                         instead of an empty one in a fresh directory:\n"
		"                         run twice to time a warm start in a new process\n"
		"                         (Mesa's own shader cache is then left as it is)\n"
		"      --tune-ms N        kernel tuning budget of a session that finds\n"
		"                         no tuning file next to its pipeline cache\n"
		"                         (default: RFX_TUNE_BUDGET_MS, else 10000)\n"
		"      --no-tune          the device's default kernel order, no tuning\n\n"
		"Per layer:\n"
		"  -l, --per-layer        GPU time of every layer from a separate profiling\n"
		"                         command buffer (the measured one carries no\n"
		"                         per-layer queries)\n"
		"      --profile-runs N   profiling runs (default 20), each paired with a\n"
		"                         run of the production command buffer; the\n"
		"                         table shows means (they add up), min and\n"
		"                         median are in the JSON\n\n"
		"Output:\n"
		"  -j, --json FILE        every figure, the raw samples, device, driver,\n"
		"                         model hash and options as JSON\n"
		"  -o, --plot FILE.svg    latency histogram and per-iteration timeline\n"
		"  -q, --quiet            no progress line\n"
		"  -v, --verbose          the library's info messages on stderr\n"
		"  -h, --help             this help\n"
		"  -V, --version          the version\n\n"
		"Cold start is timed per phase in one process: context creation, model\n"
		"load (on Vulkan this includes the weight upload; read and validation\n"
		"are re-timed alone afterwards), session creation with an empty pipeline\n"
		"cache in a fresh temporary directory and its first run, then again with\n"
		"the cache that run wrote and with no cache at all.\n"
		"Percentiles interpolate linearly between closest ranks (numpy's\n"
		"default); see bench/README.md for every rule.\n");
}

int bench_parse_u64(const char *prog, const char *opt, const char *s,
                    uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || *s == '-' || *s == '\0')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "%s: %s wants an integer %llu..%llu, not '%s'\n", prog,
		opt, (unsigned long long)lo, (unsigned long long)hi, s ? s : "");
	return -1;
}

int bench_parse_double(const char *prog, const char *opt, const char *s,
                       double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = s ? strtod(s, &end) : NAN;
	if (!s || errno || *end || !isfinite(v) || v < lo || v > hi) {
		fprintf(stderr, "%s: %s wants a number in %g..%g, not '%s'\n", prog,
			opt, lo, hi, s ? s : "");
		return -1;
	}
	*out = v;
	return 0;
}

int bench_parse_backend(const char *prog, const char *s, rfx_backend *out)
{
	if (strcmp(s, "vulkan") == 0) {
		*out = RFX_BACKEND_VULKAN;
	} else if (strcmp(s, "cpu") == 0) {
		*out = RFX_BACKEND_CPU;
	} else {
		fprintf(stderr, "%s: --backend is vulkan or cpu, not '%s'\n", prog, s);
		return -1;
	}
	return 0;
}

/* rfx-bench's integers start at 0; a larger minimum has its own message. */
static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	return bench_parse_u64("rfx-bench", opt, s, 0, max, out);
}

static int parse_double(const char *opt, const char *s, double lo, double hi,
                        double *out)
{
	return bench_parse_double("rfx-bench", opt, s, lo, hi, out);
}

enum {
	OPT_RT = 1000, OPT_RT_PRIO, OPT_CPU, OPT_NO_CACHE, OPT_CACHE, OPT_PROFILE_RUNS,
	OPT_VALIDATION, OPT_NO_TUNE, OPT_TUNE_MS
};

int bench_options_parse(int argc, char **argv, bench_options *o)
{
	static const struct option longopts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"device", required_argument, NULL, 'd'},
		{"validation", no_argument, NULL, OPT_VALIDATION},
		{"warmup", required_argument, NULL, 'w'},
		{"iterations", required_argument, NULL, 'n'},
		{"duration", required_argument, NULL, 't'},
		{"period-ms", required_argument, NULL, 'p'},
		{"deadline-ms", required_argument, NULL, 'D'},
		{"confidence", required_argument, NULL, 'c'},
		{"rt", no_argument, NULL, OPT_RT},
		{"rt-priority", required_argument, NULL, OPT_RT_PRIO},
		{"cpu", required_argument, NULL, OPT_CPU},
		{"no-pipeline-cache", no_argument, NULL, OPT_NO_CACHE},
		{"pipeline-cache", required_argument, NULL, OPT_CACHE},
		{"no-tune", no_argument, NULL, OPT_NO_TUNE},
		{"tune-ms", required_argument, NULL, OPT_TUNE_MS},
		{"per-layer", no_argument, NULL, 'l'},
		{"profile-runs", required_argument, NULL, OPT_PROFILE_RUNS},
		{"json", required_argument, NULL, 'j'},
		{"plot", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	uint64_t u;
	int c;

	memset(o, 0, sizeof(*o));
	o->backend = RFX_BACKEND_VULKAN;
	o->warmup = 10;
	o->profile_runs = 20;
	o->rt_priority = 80;
	o->cpu = -1;
	o->confidence = 0.99;
	while ((c = getopt_long(argc, argv, "b:d:w:n:t:p:D:c:lj:o:qvhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'b':
			if (bench_parse_backend("rfx-bench", optarg, &o->backend))
				return 2;
			break;
		case 'd':
			o->device = optarg;
			break;
		case OPT_VALIDATION:
			o->validation = 1;
			break;
		case 'w':
			if (parse_u64("--warmup", optarg, 100000000, &o->warmup))
				return 2;
			break;
		case 'n':
			if (parse_u64("--iterations", optarg, 1000000000, &o->iterations))
				return 2;
			if (o->iterations == 0) {
				fprintf(stderr, "rfx-bench: --iterations must be at least 1\n");
				return 2;
			}
			break;
		case 't':
			if (parse_double("--duration", optarg, 1e-3, 1e7, &o->duration_s))
				return 2;
			break;
		case 'p':
			if (parse_double("--period-ms", optarg, 1e-3, 1e7, &o->period_ms))
				return 2;
			break;
		case 'D':
			if (parse_double("--deadline-ms", optarg, 1e-6, 1e7, &o->deadline_ms))
				return 2;
			break;
		case 'c':
			if (parse_double("--confidence", optarg, 0.5, 0.999999, &o->confidence))
				return 2;
			break;
		case OPT_RT:
			o->rt = 1;
			break;
		case OPT_RT_PRIO:
			if (parse_u64("--rt-priority", optarg, 99, &u) || u < 1) {
				fprintf(stderr, "rfx-bench: --rt-priority is 1..99\n");
				return 2;
			}
			o->rt_priority = (int)u;
			break;
		case OPT_CPU:
			if (parse_u64("--cpu", optarg, 1023, &u))
				return 2;
			o->cpu = (int)u;
			break;
		case OPT_NO_CACHE:
			o->no_pipeline_cache = 1;
			break;
		case OPT_CACHE:
			o->pipeline_cache = optarg;
			break;
		case OPT_NO_TUNE:
			o->no_tune = 1;
			break;
		case OPT_TUNE_MS:
			if (parse_u64("--tune-ms", optarg, 3600000, &u) || u < 1) {
				fprintf(stderr, "rfx-bench: --tune-ms is 1..3600000\n");
				return 2;
			}
			o->tune_ms = (uint32_t)u;
			break;
		case 'l':
			o->per_layer = 1;
			break;
		case OPT_PROFILE_RUNS:
			if (parse_u64("--profile-runs", optarg, 100000, &u) || u < 1) {
				fprintf(stderr, "rfx-bench: --profile-runs is 1..100000\n");
				return 2;
			}
			o->profile_runs = (uint32_t)u;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'o':
			o->plot = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("rfx-bench %s (libreflex %s)\n", BENCH_VERSION,
			       rfx_version_string());
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, optind >= argc ? "rfx-bench: no model file given\n"
			: "rfx-bench: one model file, please\n");
		usage(stderr);
		return 2;
	}
	o->model = argv[optind];
	if (o->pipeline_cache && o->no_pipeline_cache) {
		fprintf(stderr, "rfx-bench: --pipeline-cache and --no-pipeline-cache "
			"contradict each other\n");
		return 2;
	}
	if (o->iterations == 0 && o->duration_s == 0.0)
		o->duration_s = 10.0;
	return 0;
}
