/*
 * rfx-jitter: how late this machine alone makes a parallel loop, with no
 * GPU, driver or reflex in it — the baseline a soak's deadline misses are
 * read against (bench/README.md, "Soak").
 *
 * Each run does fixed arithmetic split over T threads in S steps with a
 * barrier after each, the shape of a CPU Vulkan driver running S
 * dispatches on T workers; the work per step is calibrated first so one
 * run takes about the target time. Reports p50, p99 and max, and how many
 * runs took longer than 3x the p50 (rfx-soak's deadline). Exit status 0
 * when none did, 1 when some did, 2 on bad arguments.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "options.h"

#define PROG "rfx-jitter"
#define MAX_THREADS 64

static struct {
	uint32_t threads, steps, runs;
	uint64_t work;           /* loop iterations per step and thread */
	pthread_barrier_t barrier;
} cfg;
static volatile double sink;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void step(void)
{
	double a = 1.0;

	for (uint64_t i = 0; i < cfg.work; i++)
		a = a * 1.0000001 + 1e-9; /* a dependent chain: no vectorizing */
	sink = a;
	pthread_barrier_wait(&cfg.barrier);
}

static void one_run(void)
{
	for (uint32_t s = 0; s < cfg.steps; s++)
		step();
}

/* Threads 1..T-1: the same runs, in step with thread 0. */
static void *worker(void *runs)
{
	for (uint32_t n = 0; n < *(uint32_t *)runs; n++)
		one_run();
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Runs `runs` timed runs on every thread; times (ms) into t (thread 0). */
static int timed(uint32_t runs, double *t)
{
	pthread_t th[MAX_THREADS];
	uint32_t started = 1;

	if (pthread_barrier_init(&cfg.barrier, NULL, cfg.threads))
		return -1;
	for (; started < cfg.threads; started++)
		if (pthread_create(&th[started], NULL, worker, &runs))
			break;
	if (started < cfg.threads) {
		fprintf(stderr, PROG ": cannot start thread %u\n", started);
		exit(2); /* the started ones wait at the barrier forever */
	}
	for (uint32_t n = 0; n < runs; n++) {
		double t0 = now_ms();
		one_run();
		if (t)
			t[n] = now_ms() - t0;
	}
	for (uint32_t i = 1; i < cfg.threads; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&cfg.barrier);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [OPTIONS]\n"
		"How late this machine alone makes a parallel loop: fixed work on\n"
		"T threads in S barrier-separated steps per run (a CPU Vulkan\n"
		"driver's workers running S dispatches), calibrated to a target\n"
		"time per run; counts runs slower than 3x the p50. Exit status 0\n"
		"when none were, 1 when some were.\n\n"
		"  -n, --runs N       timed runs (default 30000)\n"
		"  -t, --threads T    threads (default 2, at most %d)\n"
		"  -s, --steps S      barrier-separated steps per run (default 20)\n"
		"  -m, --ms MS        target time of one run (default 2.2)\n"
		"  -h, --help         this text\n", MAX_THREADS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"runs", required_argument, NULL, 'n'},
		{"threads", required_argument, NULL, 't'},
		{"steps", required_argument, NULL, 's'},
		{"ms", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	uint64_t runs = 30000, threads = 2, steps = 20;
	double target = 2.2, *t, p50;
	uint32_t late = 0;
	int c;

	while ((c = getopt_long(argc, argv, "n:t:s:m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (bench_parse_u64(PROG, "--runs", optarg, 10, 100000000, &runs))
				return 2;
			break;
		case 't':
			if (bench_parse_u64(PROG, "--threads", optarg, 1, MAX_THREADS, &threads))
				return 2;
			break;
		case 's':
			if (bench_parse_u64(PROG, "--steps", optarg, 1, 100000, &steps))
				return 2;
			break;
		case 'm':
			if (bench_parse_double(PROG, "--ms", optarg, 0.01, 10000, &target))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return 2;
	}
	cfg.threads = (uint32_t)threads;
	cfg.steps = (uint32_t)steps;
	/* Calibrate: double the work until 20 runs take a measurable time,
	 * then scale it to the target. */
	cfg.work = 1000;
	for (;;) {
		double t0 = now_ms();
		timed(20, NULL);
		double per = (now_ms() - t0) / 20;
		if (per > target / 4 || cfg.work > (1ull << 40)) {
			cfg.work = (uint64_t)(cfg.work * (target / per)) + 1;
			break;
		}
		cfg.work *= 2;
	}
	if (!(t = malloc(runs * sizeof(*t)))) {
		fprintf(stderr, PROG ": out of memory for %llu runs\n",
			(unsigned long long)runs);
		return 2;
	}
	timed((uint32_t)runs, t);
	double *sorted = malloc(runs * sizeof(*sorted));
	if (!sorted) {
		free(t);
		return 2;
	}
	for (uint64_t i = 0; i < runs; i++)
		sorted[i] = t[i];
	qsort(sorted, runs, sizeof(*sorted), by_value);
	p50 = sorted[runs / 2];
	for (uint64_t i = 0; i < runs; i++)
		late += t[i] > 3 * p50;
	printf(PROG ": %llu runs, %u threads, %u steps each: p50 %.3f ms, "
	       "p99 %.3f ms, max %.3f ms; %u slower than 3x p50\n",
	       (unsigned long long)runs, cfg.threads, cfg.steps, p50,
	       sorted[runs * 99 / 100], sorted[runs - 1], late);
	free(sorted);
	free(t);
	return late ? 1 : 0;
}
