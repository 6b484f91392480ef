/*
 * The measurements: cold start phase by phase, the steady-state loop (back
 * to back or periodic), and the per-layer profile.
 *
 * Every frame is timed the same way: t0 just before rfx_session_submit(),
 * t1 just after rfx_session_wait() collected the fence. A wait that answers
 * RFX_E_DEADLINE is a miss: the frame is then collected with a second,
 * unbounded wait and its lateness is t1 - deadline. GPU time is read after
 * t1 (two timestamps around the whole production command buffer), so the
 * query readback is never inside a measured frame.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "format/rfx_format.h"
#include "graph/half.h"
#include "vk/vk_session.h"

static void log_cb(rfx_log_level level, const char *msg, void *user)
{
	static const char *names[] = {"error", "warning", "info", "debug"};

	(void)user;
	fprintf(stderr, "rfx-bench: reflex %s: %s\n",
		level <= RFX_LOG_DEBUG ? names[level] : "log", msg);
}

static uint64_t now_ns(void)
{
	return rfx_time_now_ns();
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Deterministic inputs, in [0, 1) for floating point tensors: the values do
 * not change the work a dense network does, but NaNs or denormals could. */
static void fill_inputs(rfx_session *s, uint32_t n_inputs)
{
	uint32_t seed = 0x9e3779b9u;

	for (uint32_t i = 0; i < n_inputs; i++) {
		rfx_tensor_info info;
		unsigned char *p = rfx_session_input(s, i, &info);
		size_t n, es;

		if (!p)
			continue;
		es = rfx_dtype_size(info.dtype);
		n = es ? info.size_bytes / es : 0;
		for (size_t k = 0; k < n; k++) {
			float v = (float)(xorshift(&seed) >> 8) / 16777216.0f;

			switch (info.dtype) {
			case RFX_DTYPE_F32:
				memcpy(p + 4 * k, &v, 4);
				break;
			case RFX_DTYPE_F16: {
				uint16_t h = rfx_f32_to_f16(v);
				memcpy(p + 2 * k, &h, 2);
				break;
			}
			case RFX_DTYPE_I32: {
				int32_t x = (int32_t)(xorshift(&seed) % 16);
				memcpy(p + 4 * k, &x, 4);
				break;
			}
			default:
				p[k] = (unsigned char)xorshift(&seed);
				break;
			}
		}
	}
}

static int is_index(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static rfx_session_options session_options(const bench *b, int variant)
{
	rfx_session_options so;
	int vk = b->opt.backend == RFX_BACKEND_VULKAN;

	rfx_session_options_default(&so);
	so.no_warmup = 1; /* the first run is a cold-start phase of its own */
	so.gpu_timing = vk;
	so.profile = vk && b->opt.per_layer;
	so.no_pipeline_cache = variant == BENCH_CACHE_NONE;
	so.pipeline_cache_path = variant == BENCH_CACHE_NONE ? NULL : b->cold.cache_path;
	so.tune = b->opt.no_tune ? RFX_TUNE_OFF : RFX_TUNE_AUTO;
	so.tune_budget_ms = b->opt.tune_ms;
	return so;
}

/* One frame, collected whatever the deadline. The deadline is `rel` after
 * `arrival`, or after the submit when arrival is 0; none when rel is 0. */
static rfx_status run_frame(rfx_session *s, uint64_t arrival, uint64_t rel,
                            uint64_t *t0, uint64_t *t1, uint64_t *deadline,
                            int *missed)
{
	rfx_status st;

	*missed = 0;
	*t0 = now_ns();
	*deadline = rel ? (arrival ? arrival : *t0) + rel : UINT64_MAX;
	st = rfx_session_submit(s);
	if (st == RFX_OK)
		st = rfx_session_wait(s, *deadline);
	if (st == RFX_E_DEADLINE) {
		*missed = 1;
		st = rfx_session_wait(s, UINT64_MAX);
	}
	*t1 = now_ns();
	return st;
}

/* Creates a session of variant v, runs it once, and times both. */
static int time_session(bench *b, int v, rfx_session **keep)
{
	rfx_session_options so = session_options(b, v);
	rfx_session *s = NULL;
	uint64_t t0, t1, deadline;
	rfx_status st;
	int missed;

	t0 = now_ns();
	st = rfx_session_create(b->model, &so, &s);
	t1 = now_ns();
	if (st != RFX_OK) {
		fprintf(stderr, "rfx-bench: session creation failed: %s: %s\n",
			rfx_status_str(st), rfx_context_last_error(b->ctx));
		return -1;
	}
	b->cold.create_ns[v] = t1 - t0;
	b->cold.tuned[v] = b->opt.backend == RFX_BACKEND_VULKAN ?
			   rfx_vk_session_tuned(s) : 0;
	fill_inputs(s, rfx_model_input_count(b->model));
	st = run_frame(s, 0, 0, &t0, &t1, &deadline, &missed);
	if (st != RFX_OK) {
		fprintf(stderr, "rfx-bench: the first run failed: %s: %s\n",
			rfx_status_str(st), rfx_context_last_error(b->ctx));
		rfx_session_destroy(s);
		return -1;
	}
	b->cold.first_run_ns[v] = t1 - t0;
	if (keep) {
		*keep = s;
		b->cold.main_to_first_ns = t1 - b->t_main;
		if (bench_since_process_start(&b->cold.process_to_first_ns,
					      &b->cold.process_resolution_ns) != 0)
			b->cold.process_to_first_ns = BENCH_NONE;
	} else {
		rfx_session_destroy(s);
	}
	return 0;
}

/* Read and validation alone, after the first result (the page cache holds
 * the file by then, so read_ns is a warm read). */
static void retime_read_validate(bench *b)
{
	char err[256];
	rfx_graph g;
	void *bytes;
	size_t size;
	uint64_t t0 = now_ns(), t1;

	if (rfx_file_read(b->opt.model, RFX_FORMAT_MAX_FILE_SIZE, &bytes, &size,
			  err, sizeof(err)) != RFX_OK)
		return;
	t1 = now_ns();
	b->cold.read_ns = t1 - t0;
	if (rfx_format_read(bytes, size, &g, err, sizeof(err)) == RFX_OK) {
		b->cold.validate_ns = now_ns() - t1;
		rfx_graph_finish(&g);
	}
	if (size >= RFX_FORMAT_HEADER_SIZE) {
		rfx_format_info info;

		if (rfx_format_info_read(bytes, size, &info) == RFX_OK)
			b->crc32 = info.crc32;
	}
	free(bytes);
}

int bench_cold_start(bench *b)
{
	rfx_context_options co;
	int vk = b->opt.backend == RFX_BACKEND_VULKAN;
	int main_variant = !vk || b->opt.no_pipeline_cache ? BENCH_CACHE_NONE
							  : BENCH_CACHE_COLD;
	uint64_t t0;
	rfx_status st;

	for (int v = 0; v < BENCH_CACHE_COUNT; v++)
		b->cold.create_ns[v] = b->cold.first_run_ns[v] = BENCH_NONE;
	b->cold.read_ns = b->cold.validate_ns = BENCH_NONE;
	b->cold.process_to_first_ns = BENCH_NONE;
	if (bench_tmpdir_make(b->tmp_dir, sizeof(b->tmp_dir)) != 0) {
		fprintf(stderr, "rfx-bench: cannot make a temporary directory: %s\n",
			strerror(errno));
		return -1;
	}
	if (b->opt.pipeline_cache) {
		snprintf(b->cold.cache_path, sizeof(b->cold.cache_path), "%s",
			 b->opt.pipeline_cache);
		b->cold.cache_existed = access(b->cold.cache_path, R_OK) == 0;
		if (vk && b->cold.cache_existed)
			main_variant = BENCH_CACHE_WARM;
	} else {
		snprintf(b->cold.cache_path, sizeof(b->cold.cache_path),
			 "%s/pipelines.bin", b->tmp_dir);
		/* Mesa keeps its own compiled shaders on disk: start that
		 * cold too, unless the caller chose a directory. */
		if (vk && !getenv("MESA_SHADER_CACHE_DIR")) {
			char dir[300];

			snprintf(dir, sizeof(dir), "%s/mesa", b->tmp_dir);
			b->cold.driver_cache_fresh =
				setenv("MESA_SHADER_CACHE_DIR", dir, 1) == 0;
		}
	}

	rfx_context_options_default(&co);
	co.backend = b->opt.backend;
	if (b->opt.device && is_index(b->opt.device))
		co.device_index = atoi(b->opt.device);
	else
		co.device_name = b->opt.device;
	co.validation = b->opt.validation || co.validation;
	co.log = log_cb;
	co.log_level = b->opt.verbose ? RFX_LOG_INFO : RFX_LOG_WARNING;

	t0 = now_ns();
	st = rfx_context_create(&co, &b->ctx);
	b->cold.context_ns = now_ns() - t0;
	if (st != RFX_OK) {
		fprintf(stderr, "rfx-bench: no %s context: %s\n",
			vk ? "Vulkan" : "CPU", rfx_status_str(st));
		return -1;
	}
	b->have_device = vk && rfx_context_device_info(b->ctx, &b->device) == RFX_OK;

	t0 = now_ns();
	st = rfx_model_load_file(b->ctx, b->opt.model, &b->model);
	b->cold.load_ns = now_ns() - t0;
	if (st != RFX_OK) {
		fprintf(stderr, "rfx-bench: %s: %s\n", rfx_status_str(st),
			rfx_context_last_error(b->ctx));
		return -1;
	}
	if (time_session(b, main_variant, &b->session) != 0)
		return -1;
	/* The other variants in this process, for comparison; destroyed at
	 * once. A warm cache is the one the first session wrote. */
	if (main_variant == BENCH_CACHE_COLD &&
	    time_session(b, BENCH_CACHE_WARM, NULL) != 0)
		return -1;
	if (main_variant != BENCH_CACHE_NONE &&
	    time_session(b, BENCH_CACHE_NONE, NULL) != 0)
		return -1;
	retime_read_validate(b);
	if (bench_file_fnv1a64(b->opt.model, &b->fnv1a64, &b->file_bytes) != 0) {
		fprintf(stderr, "rfx-bench: cannot read %s again\n", b->opt.model);
		return -1;
	}
	return 0;
}

static int grow(bench *b)
{
	size_t cap = b->cap ? b->cap * 2 : 4096;
	bench_sample *p = realloc(b->samples, cap * sizeof(*p));

	if (!p)
		return -1;
	b->samples = p;
	b->cap = cap;
	return 0;
}

struct progress {
	int tty;
	int shown;
	uint64_t start, last;
};

static void progress(bench *b, struct progress *pr, uint64_t t, uint64_t target_n,
                     double target_s)
{
	uint64_t every = pr->tty ? 500000000ull : 5000000000ull;
	double el = (double)(t - pr->start) / 1e9;

	if (b->opt.quiet || t - pr->start < 2000000000ull || t - pr->last < every)
		return;
	pr->last = t;
	pr->shown = 1;
	fprintf(stderr, "%srfx-bench: %zu frames", pr->tty ? "\r" : "", b->n);
	if (target_n)
		fprintf(stderr, " of %llu", (unsigned long long)target_n);
	fprintf(stderr, ", %.1f s", el);
	if (target_s > 0.0)
		fprintf(stderr, " of %.1f s", target_s);
	fprintf(stderr, ", last %.3f ms, %llu missed%s", b->n ?
		(double)b->samples[b->n - 1].host_ns / 1e6 : 0.0,
		(unsigned long long)b->misses, pr->tty ? "   " : "\n");
}

/* Records frame n; the slot exists. arrival: periodic mode, else 0;
 * queued: it arrived before the loop could sleep for it. */
static int measured_frame(bench *b, uint64_t arrival, int queued,
                          uint64_t deadline_rel)
{
	bench_sample *smp = &b->samples[b->n];
	uint64_t t0, t1, deadline;
	rfx_status st;
	int missed;

	memset(smp, 0, sizeof(*smp));
	st = run_frame(b->session, arrival, deadline_rel, &t0, &t1, &deadline,
		       &missed);
	if (st != RFX_OK) {
		fprintf(stderr, "\nrfx-bench: frame %zu failed: %s: %s\n", b->n,
			rfx_status_str(st), rfx_context_last_error(b->ctx));
		return -1;
	}
	smp->host_ns = t1 - t0;
	smp->missed = missed;
	if (deadline_rel) {
		smp->late_ns = (int64_t)(t1 - deadline);
		b->misses += (uint64_t)missed;
		b->late_after_ok += !missed && t1 > deadline;
	}
	if (arrival) {
		smp->wake_ns = (int64_t)(t0 - arrival);
		smp->response_ns = t1 - arrival;
		smp->queued = queued;
		b->frames_queued += (uint64_t)queued;
	}
	if (rfx_session_gpu_time_ns(b->session, &smp->gpu_ns) != RFX_OK)
		smp->gpu_ns = BENCH_NONE;
	b->n++;
	return 0;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / 1000000000ull),
		.tv_nsec = (long)(t % 1000000000ull),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int bench_steady(bench *b)
{
	const bench_options *o = &b->opt;
	uint64_t period = (uint64_t)(o->period_ms * 1e6);
	uint64_t deadline_rel = (uint64_t)(o->deadline_ms * 1e6);
	uint64_t dur = o->duration_s > 0.0 ? (uint64_t)(o->duration_s * 1e9) : 0;
	struct progress pr = {.tty = isatty(2)};
	uint64_t start, k = 0;
	int rc = 0;

	if (o->iterations && o->iterations < (1u << 24)) {
		b->samples = malloc((size_t)o->iterations * sizeof(*b->samples));
		b->cap = b->samples ? (size_t)o->iterations : 0;
	}
	if (!b->samples && grow(b) != 0) {
		fprintf(stderr, "rfx-bench: out of memory\n");
		return -1;
	}
	if (o->rt)
		bench_rt_enter(&b->rt, o->rt_priority, o->cpu);
	for (uint64_t i = 0; i < o->warmup; i++) {
		rfx_status st = rfx_session_run(b->session, UINT64_MAX);

		if (st != RFX_OK) {
			fprintf(stderr, "rfx-bench: warm-up run %llu failed: %s\n",
				(unsigned long long)i, rfx_status_str(st));
			rc = -1;
			goto out;
		}
		b->warmup_done++;
	}

	pr.start = pr.last = start = now_ns();
	b->stop_reason = o->iterations ? "iterations" : "duration";
	/* Periodic: the first frame arrives one period from now. */
	for (;;) {
		uint64_t arrival = 0, t;
		int queued = 0;

		if (o->iterations && b->n >= o->iterations)
			break;
		if (period) {
			arrival = start + (k + 1) * period;
			if (dur && arrival - start > dur)
				break;
			queued = now_ns() >= arrival;
			sleep_until(arrival);
		}
		if (b->n == b->cap && grow(b) != 0) {
			b->stop_reason = "out of memory for samples";
			break;
		}
		if (measured_frame(b, arrival, queued, deadline_rel) != 0) {
			rc = -1;
			break;
		}
		t = now_ns();
		if (!period && dur && t - start >= dur)
			break;
		if (period) {
			/* A one-frame buffer: frames that arrived while this
			 * one ran are dropped but the latest, which runs now. */
			uint64_t latest = (t - start) / period; /* arrived: 1..latest */

			k++;
			if (latest > k + 1) {
				b->frames_dropped += latest - (k + 1);
				k = latest - 1;
			}
		}
		progress(b, &pr, t, o->iterations, o->duration_s);
	}
	b->loop_ns = now_ns() - start;
	if (pr.shown && pr.tty)
		fputc('\n', stderr);
out:
	if (o->rt)
		bench_rt_leave(&b->rt);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Mean of the values that are not BENCH_NONE (their count into *used);
 * BENCH_NONE when there is none. */
static uint64_t mean_u64(const uint64_t *v, uint32_t n, uint32_t *used)
{
	uint64_t sum = 0;
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++)
		if (v[i] != BENCH_NONE) {
			sum += v[i];
			k++;
		}
	if (used)
		*used = k;
	return k ? (sum + k / 2) / k : BENCH_NONE;
}

/* The median over runs of profiled sum / production time of the same pair:
 * a pair shares the load of its moment, and the median ignores the pairs a
 * preemption hit. NAN when no pair has both. */
static double pair_ratio_median(const uint64_t *sum, const uint64_t *whole,
                                uint32_t n)
{
	double *r = malloc((n ? n : 1) * sizeof(*r));
	double m = NAN;
	size_t k = 0;

	if (!r)
		return NAN;
	for (uint32_t i = 0; i < n; i++)
		if (whole[i] != BENCH_NONE && whole[i] > 0)
			r[k++] = (double)sum[i] / (double)whole[i];
	if (k) {
		rfx_bench_sort(r, k);
		m = rfx_bench_percentile(r, k, 0.5);
	}
	free(r);
	return m;
}

/* Median; sorts v. The upper median for even n (an observed value). */
static uint64_t median_u64(uint64_t *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

int bench_profile(bench *b)
{
	uint32_t runs = b->opt.profile_runs, nl = b->model->graph.n_layers;
	uint64_t *all = NULL, *col = NULL, *totals = NULL, *whole = NULL;
	rfx_status st = RFX_OK;
	int rc = 0;

	if (!b->opt.per_layer)
		return 0;
	if (b->opt.backend != RFX_BACKEND_VULKAN) {
		snprintf(b->profile_note, sizeof(b->profile_note),
			 "the CPU backend has no per-layer timestamps");
		return 0;
	}
	all = calloc((size_t)runs * nl + 1, sizeof(*all));
	col = calloc((size_t)runs + 1, sizeof(*col));
	totals = calloc((size_t)runs + 1, sizeof(*totals));
	whole = calloc((size_t)runs + 1, sizeof(*whole));
	b->layer_ns = calloc((size_t)nl + 1, sizeof(*b->layer_ns));
	b->layer_median_ns = calloc((size_t)nl + 1, sizeof(*b->layer_ns));
	b->layer_min_ns = calloc((size_t)nl + 1, sizeof(*b->layer_ns));
	b->profile_run_total_ns = calloc((size_t)runs + 1, sizeof(*totals));
	b->profile_run_whole_ns = calloc((size_t)runs + 1, sizeof(*whole));
	if (!all || !col || !totals || !whole || !b->layer_ns ||
	    !b->layer_median_ns || !b->layer_min_ns || !b->profile_run_total_ns ||
	    !b->profile_run_whole_ns) {
		fprintf(stderr, "rfx-bench: out of memory\n");
		rc = -1;
		goto out;
	}
	/* Each profiling run is paired with a run of the production command
	 * buffer, so the two are compared under the same load. */
	for (uint32_t r = 0; r < runs && st == RFX_OK; r++) {
		st = rfx_session_run(b->session, UINT64_MAX);
		if (st == RFX_OK && rfx_session_gpu_time_ns(b->session, &whole[r]) != RFX_OK)
			whole[r] = BENCH_NONE;
		if (st == RFX_OK)
			st = rfx_session_profile(b->session, all + (size_t)r * nl, nl,
						 &totals[r]);
	}
	if (st == RFX_E_UNSUPPORTED) {
		snprintf(b->profile_note, sizeof(b->profile_note),
			 "this device's compute queue has no timestamps");
		free(b->layer_ns);
		b->layer_ns = NULL;
		goto out;
	}
	if (st != RFX_OK) {
		fprintf(stderr, "rfx-bench: profiling failed: %s: %s\n",
			rfx_status_str(st), rfx_context_last_error(b->ctx));
		rc = -1;
		goto out;
	}
	/* Means add up: the layer means sum to the mean profiled total, which
	 * is compared with the mean of the interleaved production runs. */
	for (uint32_t l = 0; l < nl; l++) {
		uint64_t sum = 0;

		for (uint32_t r = 0; r < runs; r++)
			sum += col[r] = all[(size_t)r * nl + l];
		b->layer_ns[l] = (sum + runs / 2) / runs;
		b->layer_median_ns[l] = median_u64(col, runs);
		b->layer_min_ns[l] = col[0]; /* sorted by median_u64 */
	}
	b->profile_total_ns = mean_u64(totals, runs, NULL);
	b->profile_whole_ns = mean_u64(whole, runs, &b->profile_whole_runs);
	/* Per run, in run order (the medians below sort copies). */
	memcpy(b->profile_run_total_ns, totals, runs * sizeof(*totals));
	memcpy(b->profile_run_whole_ns, whole, runs * sizeof(*whole));
	b->profile_pair_ratio_p50 = pair_ratio_median(totals, whole, runs);
	b->profile_total_p50_ns = median_u64(totals, runs);
	b->profile_whole_p50_ns = median_u64(whole, runs);
	b->profile_runs_done = runs;
out:
	free(all);
	free(col);
	free(totals);
	free(whole);
	return rc;
}
