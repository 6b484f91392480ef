/*
 * rfx-soak — many inferences in one process, judged on what a long-running
 * controller needs: memory that stays flat (host RSS and device memory),
 * outputs that never change for the same input, a tail latency that does
 * not drift, and no deadline missed.
 *
 * Uses only the public API (reflex.h). One model, one session, one fixed
 * input written before every run; each run is rfx_session_run() with an
 * absolute deadline D after the submit. The output of the first warm-up
 * run is the reference every later output must equal byte for byte.
 *
 * Criteria (exit status 1 when one fails, 2 for bad usage or setup):
 *   mismatches      0: every output memcmp-equal to the reference
 *   errors          0: every run RFX_OK or RFX_E_DEADLINE (then collected)
 *   validation      0 validation-layer messages (when the layer is on)
 *   RSS             VmRSS end - start <= --rss-slack-kib (default 1024 KiB)
 *   malloc          bytes malloc holds in use (glibc's mallinfo2, every
 *                   arena), end - start <= --malloc-slack-kib (default 64)
 *   device memory   reflex's VkDeviceMemory bytes and count exactly equal
 *                   at start and end (nothing is allocated after session
 *                   creation); the driver's VK_EXT_memory_budget heap usage,
 *                   where offered, grows by no more than the RSS slack
 *   deadline misses 0                         (timing; --no-timing skips)
 *   p99 drift       |p99(last 10%) - p99(first 10%)| <= 10% of the first
 *                                             (timing; --no-timing skips)
 * "start" is after the warm-up, "end" after the last run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "reflex.h"
#include "stats.h"

#define MAX_IO 16

/* glibc's mallinfo2 (2.33 on) counts every arena; elsewhere the malloc
 * figure is left out. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
#define HAVE_MALLINFO2 1
#else
#define HAVE_MALLINFO2 0
#endif

typedef struct soak_options {
	const char *model;
	rfx_backend backend;
	const char *device;
	uint64_t iterations, warmup;
	double deadline_ms;   /* 0: 3x the warm-up p50 */
	double rss_slack_kib;
	double malloc_slack_kib;
	double p99_drift;     /* allowed relative drift, 0.10 */
	int no_timing;
	const char *json;
	int quiet;
} soak_options;

/* Memory at one instant. */
typedef struct mem_sample {
	uint64_t rss;         /* VmRSS, bytes */
	uint64_t rss_anon;    /* RssAnon: VmRSS less file-backed pages */
	uint64_t malloc_bytes; /* malloc'd bytes in use (mallinfo2) */
	int dev_valid;        /* a Vulkan context answered */
	rfx_memory_usage dev;
} mem_sample;

typedef struct window {
	double p50, p99, max; /* ms */
} window;

typedef struct soak {
	soak_options o;
	rfx_context *ctx;
	rfx_model *model;
	rfx_session *s;
	uint32_t n_in, n_out;
	void *in_ptr[MAX_IO];
	void *in_ref[MAX_IO];   /* the fixed input, copied in before each run */
	size_t in_size[MAX_IO];
	const void *out_ptr[MAX_IO];
	size_t out_size[MAX_IO], out_total;
	unsigned char *out_ref; /* all outputs of the first run, concatenated */
	double *lat_ms;         /* per measured run */
	double deadline_ms;
	double warm_p50;
	uint64_t misses, mismatches, errors, first_mismatch;
	rfx_status first_error;
	mem_sample start, end, peak;
	double wall_s;
	window first, last, all;
} soak;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rfx-soak MODEL.rfx [OPTIONS]\n"
		"Run one model many times in one process and check that memory stays\n"
		"flat, outputs stay bit-identical, the p99 latency does not drift and\n"
		"no deadline is missed.\n\n"
		"  -n, --iterations N     measured runs (default 100000)\n"
		"  -w, --warmup N         unmeasured runs first (default 200); their\n"
		"                         p50 sets the default deadline\n"
		"  -D, --deadline-ms D    absolute deadline D ms after each submit\n"
		"                         (default: 3x the warm-up p50)\n"
		"  -b, --backend B        vulkan (default) or cpu\n"
		"  -d, --device SEL       Vulkan device: index or part of its name\n"
		"      --rss-slack-kib K  allowed RSS growth from start to end\n"
		"                         (default 1024)\n"
		"      --malloc-slack-kib K  allowed growth of the bytes malloc holds\n"
		"                         in use (default 64)\n"
		"      --p99-drift F      allowed relative p99 change, last 10%% of runs\n"
		"                         against the first 10%% (default 0.10)\n"
		"      --no-timing        report deadline misses and p99 drift but do\n"
		"                         not fail on them (for loaded machines, tests)\n"
		"  -j, --json FILE        every figure as JSON\n"
		"  -q, --quiet            no progress lines\n"
		"  -h, --help             this help\n"
		"  -V, --version          the version\n\n"
		"Exit status: 0 every criterion held, 1 one failed (named on stderr),\n"
		"2 bad usage or a setup failure. bench/README.md (Soak) says why each\n"
		"limit is what it is.\n");
}

/* ---- command line ------------------------------------------------------ */

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi,
                     uint64_t *out)
{
	return bench_parse_u64("rfx-soak", opt, s, lo, hi, out);
}

static int parse_double(const char *opt, const char *s, double lo, double hi,
                        double *out)
{
	return bench_parse_double("rfx-soak", opt, s, lo, hi, out);
}

enum { OPT_RSS_SLACK = 1000, OPT_MALLOC_SLACK, OPT_P99_DRIFT, OPT_NO_TIMING };

/* Returns 0 to go on, 2 for an error, -1 when --help/--version answered. */
static int parse_args(int argc, char **argv, soak_options *o)
{
	static const struct option longopts[] = {
		{"iterations", required_argument, NULL, 'n'},
		{"warmup", required_argument, NULL, 'w'},
		{"deadline-ms", required_argument, NULL, 'D'},
		{"backend", required_argument, NULL, 'b'},
		{"device", required_argument, NULL, 'd'},
		{"rss-slack-kib", required_argument, NULL, OPT_RSS_SLACK},
		{"malloc-slack-kib", required_argument, NULL, OPT_MALLOC_SLACK},
		{"p99-drift", required_argument, NULL, OPT_P99_DRIFT},
		{"no-timing", no_argument, NULL, OPT_NO_TIMING},
		{"json", required_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c, bad = 0;

	memset(o, 0, sizeof(*o));
	o->iterations = 100000;
	o->warmup = 200;
	o->rss_slack_kib = 1024;
	o->malloc_slack_kib = 64;
	o->p99_drift = 0.10;
	while (!bad && (c = getopt_long(argc, argv, "n:w:D:b:d:j:qhV", longopts,
					NULL)) != -1) {
		switch (c) {
		case 'n':
			/* 10 runs: each tenth holds at least one. */
			bad = parse_u64("--iterations", optarg, 10, 1000000000,
					&o->iterations);
			break;
		case 'w':
			bad = parse_u64("--warmup", optarg, 1, 100000000, &o->warmup);
			break;
		case 'D':
			bad = parse_double("--deadline-ms", optarg, 1e-3, 1e7,
					   &o->deadline_ms);
			break;
		case 'b':
			bad = bench_parse_backend("rfx-soak", optarg, &o->backend);
			break;
		case 'd':
			o->device = optarg;
			break;
		case OPT_RSS_SLACK:
			bad = parse_double("--rss-slack-kib", optarg, 0, 1e9,
					   &o->rss_slack_kib);
			break;
		case OPT_MALLOC_SLACK:
			bad = parse_double("--malloc-slack-kib", optarg, 0, 1e9,
					   &o->malloc_slack_kib);
			break;
		case OPT_P99_DRIFT:
			bad = parse_double("--p99-drift", optarg, 0, 100, &o->p99_drift);
			break;
		case OPT_NO_TIMING:
			o->no_timing = 1;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case 'V':
			printf("rfx-soak %s (libreflex %s)\n", SOAK_VERSION,
			       rfx_version_string());
			return -1;
		default:
			fprintf(stderr, "Try 'rfx-soak --help'.\n");
			return 2;
		}
	}
	if (bad)
		return 2;
	if (optind != argc - 1) {
		fprintf(stderr, "rfx-soak: %s\nTry 'rfx-soak --help'.\n",
			optind >= argc ? "no model given" : "one model only");
		return 2;
	}
	o->model = argv[optind];
	return 0;
}

/* ---- memory ------------------------------------------------------------ */

static uint64_t status_kib(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? strtoull(p + strlen(key), NULL, 10) * 1024 : 0;
}

/* VmRSS and RssAnon from /proc/self/status, read with a stack buffer so
 * that measuring touches no heap; 0 if unreadable. */
static void rss_read(mem_sample *m)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	m->rss = status_kib(buf, "\nVmRSS:");
	m->rss_anon = status_kib(buf, "\nRssAnon:");
}

static void mem_sample_take(const soak *k, mem_sample *m)
{
	memset(m, 0, sizeof(*m));
	rss_read(m);
#if HAVE_MALLINFO2
	struct mallinfo2 mi = mallinfo2();
	m->malloc_bytes = mi.uordblks + mi.hblkhd;
#endif
	m->dev_valid = rfx_context_memory_usage(k->ctx, &m->dev) == RFX_OK;
}

static void mem_peak(mem_sample *peak, const mem_sample *m)
{
	if (m->rss > peak->rss)
		peak->rss = m->rss;
	if (m->rss_anon > peak->rss_anon)
		peak->rss_anon = m->rss_anon;
	if (m->malloc_bytes > peak->malloc_bytes)
		peak->malloc_bytes = m->malloc_bytes;
	if (m->dev.allocated_bytes > peak->dev.allocated_bytes)
		peak->dev.allocated_bytes = m->dev.allocated_bytes;
	if (m->dev.heap_usage_bytes > peak->dev.heap_usage_bytes)
		peak->dev.heap_usage_bytes = m->dev.heap_usage_bytes;
}

/* ---- setup ------------------------------------------------------------- */

/* IEEE half from a float in [0, 1): exact enough for a fixed input. */
static uint16_t float_to_half(float f)
{
	if (f < 6.1035156e-05f) /* below the smallest normal: 0 */
		return 0;
	int e;
	float m = frexpf(f, &e); /* f = m 2^e, m in [0.5, 1) */
	return (uint16_t)(((e - 1 + 15) << 10) |
			  ((uint16_t)((m * 2.0f - 1.0f) * 1024.0f) & 0x3ff));
}

/* A deterministic input (xorshift32 from a fixed seed), in each dtype's
 * sensible range: floats in [0, 1), integers small. */
static void fill_input(void *dst, const rfx_tensor_info *info, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;
	size_t n;

	switch (info->dtype) {
	case RFX_DTYPE_F32: n = info->size_bytes / 4; break;
	case RFX_DTYPE_F16: n = info->size_bytes / 2; break;
	case RFX_DTYPE_I32: n = info->size_bytes / 4; break;
	default: n = info->size_bytes; break;
	}
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		float r = (float)(x >> 8) / 16777216.0f;
		switch (info->dtype) {
		case RFX_DTYPE_F32: ((float *)dst)[i] = r; break;
		case RFX_DTYPE_F16: ((uint16_t *)dst)[i] = float_to_half(r); break;
		case RFX_DTYPE_I32: ((int32_t *)dst)[i] = (int32_t)(x % 10); break;
		case RFX_DTYPE_I8: ((int8_t *)dst)[i] = (int8_t)(x % 128 - 64); break;
		default: ((uint8_t *)dst)[i] = (uint8_t)x; break;
		}
	}
}

static int fail_setup(const soak *k, const char *what, rfx_status st)
{
	const char *why = k->ctx ? rfx_context_last_error(k->ctx) : "";

	fprintf(stderr, "rfx-soak: %s: %s%s%s\n", what, rfx_status_str(st),
		*why ? ": " : "", why);
	return 2;
}

static int setup(soak *k)
{
	rfx_context_options co;
	rfx_tensor_info info;
	rfx_status st;

	rfx_context_options_default(&co);
	co.backend = k->o.backend;
	if (k->o.device) {
		char *end;
		long idx = strtol(k->o.device, &end, 10);
		if (*end == '\0' && end != k->o.device)
			co.device_index = (int)idx;
		else
			co.device_name = k->o.device;
	}
	st = rfx_context_create(&co, &k->ctx);
	if (st != RFX_OK)
		return fail_setup(k, "context", st);
	st = rfx_model_load_file(k->ctx, k->o.model, &k->model);
	if (st != RFX_OK)
		return fail_setup(k, k->o.model, st);
	k->n_in = rfx_model_input_count(k->model);
	k->n_out = rfx_model_output_count(k->model);
	if (k->n_in > MAX_IO || k->n_out > MAX_IO || k->n_out == 0) {
		fprintf(stderr, "rfx-soak: %s: %u inputs, %u outputs: this tool "
			"takes 0..%d inputs and 1..%d outputs\n", k->o.model,
			k->n_in, k->n_out, MAX_IO, MAX_IO);
		return 2;
	}
	st = rfx_session_create(k->model, NULL, &k->s);
	if (st != RFX_OK)
		return fail_setup(k, "session", st);
	for (uint32_t i = 0; i < k->n_in; i++) {
		k->in_ptr[i] = rfx_session_input(k->s, i, &info);
		k->in_size[i] = info.size_bytes;
		k->in_ref[i] = malloc(info.size_bytes ? info.size_bytes : 1);
		if (!k->in_ptr[i] || !k->in_ref[i])
			return fail_setup(k, "input", RFX_E_OUT_OF_MEMORY);
		fill_input(k->in_ref[i], &info, 0x9e3779b9u + i);
	}
	for (uint32_t i = 0; i < k->n_out; i++) {
		k->out_ptr[i] = rfx_session_output(k->s, i, &info);
		k->out_size[i] = info.size_bytes;
		k->out_total += info.size_bytes;
	}
	k->out_ref = malloc(k->out_total ? k->out_total : 1);
	/* Every latency slot is written now, so that its pages count in the
	 * start RSS instead of growing it by 8 bytes a run. Not with zeros:
	 * the compiler drops a memset(0) after calloc, and calloc's fresh
	 * mmap pages stay untouched until the loop writes them. */
	k->lat_ms = malloc(k->o.iterations * sizeof(double));
	if (!k->out_ref || !k->lat_ms)
		return fail_setup(k, "buffers", RFX_E_OUT_OF_MEMORY);
	for (uint64_t i = 0; i < k->o.iterations; i++)
		k->lat_ms[i] = -1;
	return 0;
}

/* ---- the loop ---------------------------------------------------------- */

/* One run: fixed input in, run to the deadline, collect even if late,
 * compare the output. Returns the latency in ms; counts in k. */
static double run_once(soak *k, uint64_t deadline_ns, uint64_t index,
                       int compare)
{
	uint64_t t0, t1;
	rfx_status st;

	for (uint32_t i = 0; i < k->n_in; i++)
		memcpy(k->in_ptr[i], k->in_ref[i], k->in_size[i]);
	t0 = rfx_time_now_ns();
	st = rfx_session_run(k->s, deadline_ns ? t0 + deadline_ns : UINT64_MAX);
	if (st == RFX_E_DEADLINE) {
		k->misses++;
		st = rfx_session_wait(k->s, UINT64_MAX);
	}
	t1 = rfx_time_now_ns();
	if (st != RFX_OK) {
		if (k->errors++ == 0)
			k->first_error = st;
		return (double)(t1 - t0) / 1e6;
	}
	size_t off = 0;
	int same = 1;
	for (uint32_t i = 0; i < k->n_out; i++) {
		if (compare)
			same &= memcmp(k->out_ref + off, k->out_ptr[i],
				       k->out_size[i]) == 0;
		else
			memcpy(k->out_ref + off, k->out_ptr[i], k->out_size[i]);
		off += k->out_size[i];
	}
	if (!same && k->mismatches++ == 0)
		k->first_mismatch = index;
	return (double)(t1 - t0) / 1e6;
}

/* Warm-up: the first run's output becomes the reference; the p50 sets the
 * default deadline. Its mismatches and errors count with the soak's. */
static int warm_up(soak *k)
{
	uint64_t n = k->o.warmup;
	double *lat = calloc(n, sizeof(double));

	if (!lat)
		return fail_setup(k, "warm-up", RFX_E_OUT_OF_MEMORY);
	for (uint64_t i = 0; i < n; i++)
		lat[i] = run_once(k, 0, i, i > 0);
	rfx_bench_sort(lat, n);
	k->warm_p50 = rfx_bench_percentile(lat, n, 0.5);
	free(lat);
	k->deadline_ms = k->o.deadline_ms > 0 ? k->o.deadline_ms : 3 * k->warm_p50;
	return 0;
}

static void progress(const soak *k, uint64_t done, uint64_t t_start)
{
	mem_sample m;

	mem_sample_take(k, &m);
	fprintf(stderr, "rfx-soak: %3llu%%  %llu runs  %.0f s  RSS %llu KiB "
		"(anon %llu)  malloc %llu B",
		(unsigned long long)(done * 100 / k->o.iterations),
		(unsigned long long)done,
		(double)(rfx_time_now_ns() - t_start) / 1e9,
		(unsigned long long)m.rss / 1024, (unsigned long long)m.rss_anon / 1024,
		(unsigned long long)m.malloc_bytes);
	if (m.dev_valid)
		fprintf(stderr, "  device %llu B", (unsigned long long)m.dev.allocated_bytes);
	fprintf(stderr, "  misses %llu  mismatches %llu  errors %llu\n",
		(unsigned long long)k->misses, (unsigned long long)k->mismatches,
		(unsigned long long)k->errors);
}

static void soak_loop(soak *k)
{
	uint64_t n = k->o.iterations, step = n / 10, next = step;
	uint64_t d_ns = (uint64_t)(k->deadline_ms * 1e6);
	uint64_t t_start;
	mem_sample m;

	k->misses = 0; /* the warm-up ran without a deadline */
	mem_sample_take(k, &k->start);
	k->peak = k->start;
	t_start = rfx_time_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		k->lat_ms[i] = run_once(k, d_ns, k->o.warmup + i, 1);
		if (i + 1 == next) {
			mem_sample_take(k, &m);
			mem_peak(&k->peak, &m);
			if (!k->o.quiet)
				progress(k, i + 1, t_start);
			next += step;
		}
	}
	k->wall_s = (double)(rfx_time_now_ns() - t_start) / 1e9;
	mem_sample_take(k, &k->end);
	mem_peak(&k->peak, &k->end);
}

/* ---- figures and verdict ----------------------------------------------- */

static void window_of(const double *lat, uint64_t n, double *scratch, window *w)
{
	memcpy(scratch, lat, n * sizeof(double));
	rfx_bench_sort(scratch, n);
	w->p50 = rfx_bench_percentile(scratch, n, 0.50);
	w->p99 = rfx_bench_percentile(scratch, n, 0.99);
	w->max = scratch[n - 1];
}

/* The windows' figures; all of them sort a copy (lat_ms keeps run order). */
static int summarize(soak *k)
{
	uint64_t n = k->o.iterations, tenth = n / 10;
	double *scratch = malloc(n * sizeof(double));

	if (!scratch)
		return -1;
	window_of(k->lat_ms, tenth, scratch, &k->first);
	window_of(k->lat_ms + n - tenth, tenth, scratch, &k->last);
	window_of(k->lat_ms, n, scratch, &k->all);
	free(scratch);
	return 0;
}

static double p99_drift(const soak *k)
{
	return k->first.p99 > 0 ? (k->last.p99 - k->first.p99) / k->first.p99 : 0;
}

static int64_t rss_growth(const soak *k)
{
	return (int64_t)k->end.rss - (int64_t)k->start.rss;
}

static int64_t malloc_growth(const soak *k)
{
	return (int64_t)k->end.malloc_bytes - (int64_t)k->start.malloc_bytes;
}

static int64_t heap_growth(const soak *k)
{
	return (int64_t)k->end.dev.heap_usage_bytes -
	       (int64_t)k->start.dev.heap_usage_bytes;
}

/* Prints each criterion with its verdict; returns how many failed. */
static int judge(const soak *k, FILE *f)
{
	double slack = k->o.rss_slack_kib * 1024;
	int bad = 0, ok;
	uint32_t vmsg = rfx_context_validation_count(k->ctx);

#define CRIT(cond, timing, ...)                                               \
	do {                                                                  \
		ok = (cond);                                                  \
		fprintf(f, "  %-5s ", ok ? "ok" :                             \
			(timing) && k->o.no_timing ? "(off)" : "FAIL");        \
		fprintf(f, __VA_ARGS__);                                      \
		fputc('\n', f);                                               \
		bad += !ok && !((timing) && k->o.no_timing);                  \
	} while (0)

	fprintf(f, "criteria:\n");
	CRIT(k->mismatches == 0, 0, "outputs bit-identical to the first run's: "
	     "%llu mismatches", (unsigned long long)k->mismatches);
	if (k->mismatches)
		fprintf(f, "        the first at run %llu (runs 0..%llu are the warm-up)\n",
			(unsigned long long)k->first_mismatch,
			(unsigned long long)k->o.warmup - 1);
	CRIT(k->errors == 0, 0, "no errors: %llu%s%s", (unsigned long long)k->errors,
	     k->errors ? ", first " : "", k->errors ? rfx_status_str(k->first_error) : "");
	CRIT(vmsg == 0, 0, "no validation messages: %u", vmsg);
	CRIT(rss_growth(k) <= slack, 0, "RSS flat: %+lld B (limit +%.0f B)",
	     (long long)rss_growth(k), slack);
	if (HAVE_MALLINFO2)
		CRIT(malloc_growth(k) <= k->o.malloc_slack_kib * 1024, 0,
		     "malloc in use flat: %+lld B (limit +%.0f B)",
		     (long long)malloc_growth(k), k->o.malloc_slack_kib * 1024);
	if (k->start.dev_valid) {
		CRIT(k->end.dev.allocated_bytes == k->start.dev.allocated_bytes &&
		     k->end.dev.allocations == k->start.dev.allocations, 0,
		     "device memory flat (reflex's VkDeviceMemory): %+lld B, %+d allocations",
		     (long long)(k->end.dev.allocated_bytes - k->start.dev.allocated_bytes),
		     (int)(k->end.dev.allocations - k->start.dev.allocations));
		if (k->start.dev.heap_usage_valid)
			CRIT(heap_growth(k) <= slack, 0,
			     "device heap usage flat (VK_EXT_memory_budget): %+lld B (limit +%.0f B)",
			     (long long)heap_growth(k), slack);
	}
	CRIT(k->misses == 0, 1, "no deadline misses at %.3f ms: %llu",
	     k->deadline_ms, (unsigned long long)k->misses);
	CRIT(fabs(p99_drift(k)) <= k->o.p99_drift, 1,
	     "p99 drift (last 10%% vs first 10%%): %+.1f%% (limit +-%.0f%%)",
	     100 * p99_drift(k), 100 * k->o.p99_drift);
#undef CRIT
	return bad;
}

static void print_mem(FILE *f, const char *when, const mem_sample *m)
{
	fprintf(f, "  %-5s RSS %llu B (anon %llu B), malloc in use %llu B",
		when, (unsigned long long)m->rss, (unsigned long long)m->rss_anon,
		(unsigned long long)m->malloc_bytes);
	if (m->dev_valid) {
		fprintf(f, ", reflex device memory %llu B in %u allocations",
			(unsigned long long)m->dev.allocated_bytes, m->dev.allocations);
		if (m->dev.heap_usage_valid)
			fprintf(f, ", driver heap usage %llu B",
				(unsigned long long)m->dev.heap_usage_bytes);
	}
	fputc('\n', f);
}

static void report(const soak *k, FILE *f)
{
	rfx_device_info dev;
	const char *name = k->o.backend == RFX_BACKEND_CPU ? "CPU reference executor" :
		rfx_context_device_info(k->ctx, &dev) == RFX_OK ? dev.name : "?";

	fprintf(f, "rfx-soak %s: %s on %s\n", SOAK_VERSION, k->o.model, name);
	fprintf(f, "runs: %llu warm-up (p50 %.3f ms), %llu measured in %.1f s (%.0f/s)\n",
		(unsigned long long)k->o.warmup, k->warm_p50,
		(unsigned long long)k->o.iterations, k->wall_s,
		(double)k->o.iterations / k->wall_s);
	fprintf(f, "deadline: %.3f ms after each submit (%s)\n", k->deadline_ms,
		k->o.deadline_ms > 0 ? "--deadline-ms" : "3x the warm-up p50");
	fprintf(f, "latency, submit to result (ms):  p50      p99      max\n");
	fprintf(f, "  first 10%% (%7llu runs)   %8.3f %8.3f %8.3f\n",
		(unsigned long long)(k->o.iterations / 10), k->first.p50, k->first.p99,
		k->first.max);
	fprintf(f, "  last 10%%  (%7llu runs)   %8.3f %8.3f %8.3f\n",
		(unsigned long long)(k->o.iterations / 10), k->last.p50, k->last.p99,
		k->last.max);
	fprintf(f, "  all      (%7llu runs)   %8.3f %8.3f %8.3f\n",
		(unsigned long long)k->o.iterations, k->all.p50, k->all.p99, k->all.max);
	fprintf(f, "memory (device memory: %s):\n", !k->start.dev_valid ?
		"none on the CPU backend, its buffers are in RSS" :
		k->start.dev.heap_usage_valid ?
		"reflex's VkDeviceMemory from rfx_context_memory_usage(), and the "
		"driver's heap usage from VK_EXT_memory_budget" :
		"reflex's VkDeviceMemory from rfx_context_memory_usage(); the "
		"device offers no VK_EXT_memory_budget");
	print_mem(f, "start", &k->start);
	print_mem(f, "end", &k->end);
	print_mem(f, "peak", &k->peak);
}

static void json_mem(FILE *f, const char *key, const mem_sample *m, int comma)
{
	fprintf(f, "  \"%s\": {\"rss_bytes\": %llu, \"rss_anon_bytes\": %llu, "
		"\"malloc_bytes\": %llu", key, (unsigned long long)m->rss,
		(unsigned long long)m->rss_anon, (unsigned long long)m->malloc_bytes);
	if (m->dev_valid)
		fprintf(f, ", \"device_allocated_bytes\": %llu, \"device_allocations\": %u",
			(unsigned long long)m->dev.allocated_bytes, m->dev.allocations);
	else
		fprintf(f, ", \"device_allocated_bytes\": null, \"device_allocations\": null");
	if (m->dev.heap_usage_valid)
		fprintf(f, ", \"device_heap_usage_bytes\": %llu",
			(unsigned long long)m->dev.heap_usage_bytes);
	else
		fprintf(f, ", \"device_heap_usage_bytes\": null");
	fprintf(f, "}%s\n", comma ? "," : "");
}

static void json_window(FILE *f, const char *key, const window *w)
{
	fprintf(f, "  \"%s\": {\"p50_ms\": %.6f, \"p99_ms\": %.6f, \"max_ms\": %.6f},\n",
		key, w->p50, w->p99, w->max);
}

/* A JSON string: the model path is the only free text written. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int write_json(const soak *k, int failed)
{
	FILE *f = fopen(k->o.json, "w");

	if (!f) {
		fprintf(stderr, "rfx-soak: %s: %s\n", k->o.json, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"model\": ");
	json_str(f, k->o.model);
	fprintf(f, ",\n  \"backend\": \"%s\",\n",
		k->o.backend == RFX_BACKEND_CPU ? "cpu" : "vulkan");
	fprintf(f, "  \"iterations\": %llu,\n  \"warmup\": %llu,\n  \"warmup_p50_ms\": %.6f,\n",
		(unsigned long long)k->o.iterations, (unsigned long long)k->o.warmup,
		k->warm_p50);
	fprintf(f, "  \"deadline_ms\": %.6f,\n  \"wall_s\": %.3f,\n", k->deadline_ms,
		k->wall_s);
	json_window(f, "first_10pct", &k->first);
	json_window(f, "last_10pct", &k->last);
	json_window(f, "all", &k->all);
	fprintf(f, "  \"p99_drift\": %.6f,\n  \"deadline_misses\": %llu,\n"
		"  \"mismatches\": %llu,\n  \"errors\": %llu,\n"
		"  \"validation_messages\": %u,\n  \"rss_slack_bytes\": %.0f,\n"
		"  \"malloc_slack_bytes\": %.0f,\n",
		p99_drift(k), (unsigned long long)k->misses,
		(unsigned long long)k->mismatches, (unsigned long long)k->errors,
		rfx_context_validation_count(k->ctx), k->o.rss_slack_kib * 1024,
		k->o.malloc_slack_kib * 1024);
	fprintf(f, "  \"timing_judged\": %s,\n  \"passed\": %s,\n",
		k->o.no_timing ? "false" : "true", failed ? "false" : "true");
	json_mem(f, "start", &k->start, 1);
	json_mem(f, "end", &k->end, 1);
	json_mem(f, "peak", &k->peak, 0);
	fprintf(f, "}\n");
	return fclose(f) == 0 ? 0 : -1;
}

static void teardown(soak *k)
{
	rfx_session_destroy(k->s);
	rfx_model_destroy(k->model);
	rfx_context_destroy(k->ctx);
	for (uint32_t i = 0; i < k->n_in; i++)
		free(k->in_ref[i]);
	free(k->out_ref);
	free(k->lat_ms);
}

int main(int argc, char **argv)
{
	soak k;
	int rc, failed;

	memset(&k, 0, sizeof(k));
	rc = parse_args(argc, argv, &k.o);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = setup(&k);
	if (rc == 0)
		rc = warm_up(&k);
	if (rc) {
		teardown(&k);
		return rc;
	}
	if (!k.o.quiet)
		fprintf(stderr, "rfx-soak: warm-up p50 %.3f ms, deadline %.3f ms; "
			"%llu runs\n", k.warm_p50, k.deadline_ms,
			(unsigned long long)k.o.iterations);
	soak_loop(&k);
	if (summarize(&k)) {
		rc = fail_setup(&k, "summary", RFX_E_OUT_OF_MEMORY);
		teardown(&k);
		return rc;
	}
	report(&k, stdout);
	failed = judge(&k, stdout);
	if (k.o.json && write_json(&k, failed))
		failed++;
	if (failed)
		fprintf(stderr, "rfx-soak: %d criteri%s failed\n", failed,
			failed == 1 ? "on" : "a");
	teardown(&k);
	return failed ? 1 : 0;
}
