/*
 * bench.h — what the parts of rfx-bench share: the options, the record of
 * one run (cold start, samples, per-layer profile, memory, real-time setup)
 * and the functions that fill and print it.
 *
 *   options.c   command line
 *   run.c       cold start, the measured loops, the per-layer profile
 *   flops.c     work per layer (MACs, ops, bytes)
 *   sys.c       real-time setup, /proc figures, file hash
 *   report.c    the table on stdout
 *   json_out.c  the --json file (json.c is the writer)
 *   plot.c      the --plot SVG
 */
#ifndef RFX_BENCH_H
#define RFX_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "core/model.h"
#include "reflex.h"
#include "stats.h"

#define BENCH_NONE UINT64_MAX /* a figure that was not measured */

typedef struct bench_options {
	const char *model;
	rfx_backend backend;
	const char *device;     /* NULL: the default choice */
	uint64_t warmup;        /* unrecorded runs before the measured ones */
	uint64_t iterations;    /* 0: not given */
	double duration_s;      /* 0: not given; neither: 10 s */
	double period_ms;       /* 0: back to back */
	double deadline_ms;     /* 0: none */
	int per_layer;
	uint32_t profile_runs;  /* profiling command buffer runs (median) */
	int rt;
	int rt_priority;
	int cpu;                /* -1: the last CPU the process may use */
	int no_pipeline_cache;
	const char *pipeline_cache; /* NULL: an empty one in a fresh directory */
	int no_tune;            /* sessions take the default kernel order */
	uint32_t tune_ms;       /* kernel tuning budget; 0: the library's */
	double confidence;      /* of the early-stopping bounds */
	const char *json;
	const char *plot;
	int quiet;              /* no progress line */
	int verbose;            /* library info messages on stderr */
	int validation;
} bench_options;

/* 0: run; 1: done (help or version printed); 2: usage error (printed). */
int bench_options_parse(int argc, char **argv, bench_options *o);

/* One measured frame. */
typedef struct bench_sample {
	uint64_t host_ns;     /* before submit -> after the fence was collected */
	uint64_t gpu_ns;      /* whole command buffer; BENCH_NONE if unknown */
	int64_t late_ns;      /* result time - deadline (< 0: slack) */
	int64_t wake_ns;      /* periodic: submit - arrival (wake-up, queueing) */
	uint64_t response_ns; /* periodic: arrival -> result */
	int missed;           /* rfx_session_wait answered RFX_E_DEADLINE */
	int queued;           /* periodic: arrived while the previous one ran */
} bench_sample;

/* Session creation variants measured for cold start. */
enum { BENCH_CACHE_COLD, BENCH_CACHE_WARM, BENCH_CACHE_NONE, BENCH_CACHE_COUNT };

typedef struct bench_cold {
	uint64_t context_ns;
	uint64_t load_ns;       /* rfx_model_load_file: read, validate, upload */
	uint64_t read_ns;       /* re-timed after the first result: page cache warm */
	uint64_t validate_ns;   /* re-timed: rfx_format_read alone */
	uint64_t create_ns[BENCH_CACHE_COUNT];
	uint64_t first_run_ns[BENCH_CACHE_COUNT];
	uint64_t main_to_first_ns;
	uint64_t process_to_first_ns;  /* from the kernel's start time */
	uint64_t process_resolution_ns;
	char cache_path[512];
	int cache_existed;             /* --pipeline-cache named an existing file */
	int driver_cache_fresh;        /* MESA_SHADER_CACHE_DIR set by us */
	int tuned[BENCH_CACHE_COUNT];  /* rfx_vk_session_tuned() */
} bench_cold;

typedef struct bench_rt {
	int requested;
	int mlock_err;      /* errno, 0: done */
	int fifo_err;
	int affinity_err;
	int priority;
	int cpu;
	uint64_t memlock_limit; /* RLIMIT_MEMLOCK, bytes (UINT64_MAX: none) */
	uint64_t rtprio_limit;  /* RLIMIT_RTPRIO */
	/* What to restore. */
	int old_policy;
	int old_priority;
	int have_old_affinity;
	unsigned char old_affinity[128];
} bench_rt;

typedef struct bench_work {
	uint64_t macs;    /* conv2d, fc */
	double ops;       /* 2 MACs, or one op per element visited */
	double bytes;     /* activations read + weights read + output written */
	int integer;      /* int8 arithmetic: GOP/s are integer ops */
} bench_work;

typedef struct bench {
	bench_options opt;
	uint64_t t_main;             /* CLOCK_MONOTONIC at main() */
	rfx_context *ctx;
	rfx_model *model;
	rfx_session *session;
	int have_device;
	rfx_device_info device;
	/* The file. */
	uint64_t file_bytes;
	uint64_t fnv1a64;
	uint32_t crc32;              /* the header's CRC of the payload */
	/* Results. */
	bench_cold cold;
	bench_sample *samples;
	size_t n, cap;
	uint64_t warmup_done;
	uint64_t loop_ns;            /* wall time of the measured loop */
	uint64_t frames_dropped;     /* periodic: overwritten while busy */
	uint64_t frames_queued;      /* periodic: arrived while busy, then ran */
	uint64_t misses;             /* wait answered RFX_E_DEADLINE */
	uint64_t late_after_ok;      /* wait OK, but the result after the deadline */
	const char *stop_reason;
	/* Per-layer profile over profile_runs runs of the profiling command
	 * buffer, each followed by a run of the production one. */
	uint32_t profile_runs_done;
	uint64_t *layer_ns;          /* mean per layer (n_layers), or NULL */
	uint64_t *layer_median_ns;
	uint64_t *layer_min_ns;
	uint64_t profile_total_ns;   /* mean of each run's first-to-last stamp */
	uint64_t profile_whole_ns;   /* mean GPU time of the production runs */
	uint32_t profile_whole_runs; /* how many of them had a GPU time */
	uint64_t profile_total_p50_ns, profile_whole_p50_ns; /* medians */
	double profile_pair_ratio_p50; /* median of run sum / adjacent whole */
	uint64_t *profile_run_total_ns; /* per run (profile_runs_done) */
	uint64_t *profile_run_whole_ns; /* BENCH_NONE: no GPU time */
	char profile_note[160];      /* why there is none */
	rfx_session_stats stats;
	uint64_t rss_bytes, hwm_bytes;
	bench_rt rt;
	uint32_t validation_messages;
	char tmp_dir[256];
} bench;

/* run.c. Each returns 0, or -1 after printing why on stderr. */
int bench_cold_start(bench *b);
int bench_steady(bench *b);
int bench_profile(bench *b);

/* flops.c */
void bench_layer_work(const rfx_graph *g, const rfx_layer *l, bench_work *out);
/* "conv2d+relu", "fc", "binary.add", ... into buf. */
void bench_layer_op(const rfx_layer *l, char *buf, size_t len);
const char *bench_precision_name(rfx_dtype dt);
/* "fp32", "fp16", "int8" when every layer agrees, else "mixed". */
const char *bench_model_precision(const rfx_graph *g);

/* sys.c */
void bench_rt_enter(bench_rt *rt, int priority, int cpu);
void bench_rt_leave(bench_rt *rt);
/* VmRSS and VmHWM in bytes (0 when /proc is unreadable). */
void bench_rss(uint64_t *rss, uint64_t *hwm);
/* Nanoseconds since the kernel started this process, and the resolution
 * of that figure; -1 when unknown. */
int bench_since_process_start(uint64_t *ns, uint64_t *resolution_ns);
/* FNV-1a 64 of a file's bytes; -1 when unreadable. */
int bench_file_fnv1a64(const char *path, uint64_t *hash, uint64_t *size);
uint64_t bench_fnv1a64(uint64_t h, const void *data, size_t n);
/* A fresh private directory under $TMPDIR (or /tmp); removes it with
 * everything in it. */
int bench_tmpdir_make(char *out, size_t len);
void bench_tmpdir_remove(const char *dir);

/* report.c, json_out.c, plot.c */
void bench_report(const bench *b, FILE *f);
int bench_write_json(const bench *b, const char *path);
int bench_write_plot(const bench *b, const char *path);

/* Sorted copies of a field of the samples, for summaries (n entries; NULL
 * when out of memory or no sample has the field). *count gets how many. */
double *bench_sorted_field(const bench *b, int field, size_t *count);
enum {
	BENCH_F_HOST, BENCH_F_GPU, BENCH_F_OVERHEAD, BENCH_F_LATE_MISSED,
	BENCH_F_START, BENCH_F_WAKE, BENCH_F_RESPONSE
};

/* The early-stopping bound on the p-quantile (stats.h): rank 0 and value
 * NaN when the n samples are too few. */
typedef struct bench_early {
	double p, confidence;
	uint64_t rank, min_samples;
	double value;
} bench_early;
void bench_early_stop(const double *sorted, size_t n, double p,
                      double confidence, bench_early *out);

/* Per-layer rows, sorted by time, longest first (n_layers entries). */
uint32_t *bench_layers_by_time(const bench *b);
/* Median GPU time of the whole production command buffer, steady state;
 * BENCH_NONE when unknown. */
uint64_t bench_gpu_median(const bench *b);

#endif
