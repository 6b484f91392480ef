/*
 * stats.h — the statistics rfx-bench reports, each rule stated here so a
 * reader can recompute any figure from the raw samples in the JSON.
 *
 * Percentiles: linear interpolation between the closest ranks (Hyndman &
 * Fan type 7, numpy's default "linear"). With the n samples sorted,
 * x[0] <= ... <= x[n-1], the p-quantile (0 <= p <= 1) is
 *     h = (n - 1) p,  q = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])
 * so p = 0 gives the minimum, p = 1 the maximum, and every value lies
 * between two observed samples.
 *
 * Standard deviation: the sample standard deviation (divisor n - 1, Bessel's
 * correction), computed in two passes (mean first) so that large offsets
 * (latencies of ~1e7 ns that differ by ~1e3) keep their precision. 0 when
 * n < 2.
 *
 * Early-stopping percentile bound (the idea of MLPerf's early stopping):
 * treat the n latencies as independent draws from one distribution F and
 * let q_p be its true p-quantile. The k-th smallest sample x_(k) (1-based)
 * is below q_p only if at least k samples fell below q_p, and the number of
 * samples below q_p is Binomial(n, F(q_p-)) with F(q_p-) <= p, so
 *     P(x_(k) >= q_p) >= P(Binomial(n, p) <= k - 1).
 * The estimate is x_(k) for the smallest k with
 *     P(Binomial(n, p) <= k - 1) >= confidence,
 * an upper bound on the true p-quantile that holds with at least that
 * confidence. It exists only when k <= n, i.e. 1 - p^n >= confidence:
 * n >= ln(1 - confidence) / ln(p) samples (44 for p90 and 4603 for p99.9
 * at 99% confidence). The binomial terms are summed in log space
 * (lgamma), so n may be millions.
 *
 * Histogram: equal-width bins from the minimum to the maximum. Their count
 * follows the Freedman-Diaconis rule, width 2 IQR n^(-1/3) (IQR = p75 - p25
 * by the percentile rule above), bins = ceil(range / width); when the IQR is
 * 0 it falls back to ceil(sqrt(n)); always clamped to 1..max_bins, and 1
 * when every sample is equal. Bin i holds [lo + i w, lo + (i + 1) w), the
 * last bin also holds the maximum.
 */
#ifndef RFX_BENCH_STATS_H
#define RFX_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct rfx_bench_summary {
	size_t n;
	double min, max, mean, stddev;
	double jitter; /* max - min */
	double p50, p90, p99, p999;
} rfx_bench_summary;

/* Sorts x in place, ascending. */
void rfx_bench_sort(double *x, size_t n);

/* The p-quantile (0..1) of sorted samples by the rule above; 0 for n = 0,
 * p clamped to 0..1. */
double rfx_bench_percentile(const double *sorted, size_t n, double p);

/* Mean and sample standard deviation (either pointer may be NULL). */
void rfx_bench_mean_stddev(const double *x, size_t n, double *mean,
                           double *stddev);

/* Every figure of the summary from sorted samples; all zero for n = 0. */
void rfx_bench_summarize(const double *sorted, size_t n,
                         rfx_bench_summary *out);

/* P(Binomial(n, p) <= k), 0 <= p <= 1. */
double rfx_bench_binomial_cdf(uint64_t n, double p, uint64_t k);

/* The 1-based rank k of the early-stopping bound on the p-quantile with the
 * given confidence (0 < confidence < 1, 0 < p < 1), or 0 when n samples are
 * too few (or an argument is out of range). */
uint64_t rfx_bench_early_stop_rank(uint64_t n, double p, double confidence);

/* The fewest samples for which the bound exists: the smallest n with
 * 1 - p^n >= confidence. 0 for arguments out of range. */
uint64_t rfx_bench_early_stop_min_samples(double p, double confidence);

typedef struct rfx_bench_hist {
	double lo, width;  /* bin i: [lo + i width, lo + (i + 1) width) */
	uint32_t n_bins;
	uint64_t *counts;  /* n_bins entries, owned (rfx_bench_hist_finish) */
} rfx_bench_hist;

/* The number of bins the rule above picks for sorted samples. */
uint32_t rfx_bench_hist_bins(const double *sorted, size_t n,
                             uint32_t max_bins);

/* Bins sorted samples (n >= 1) into a histogram of rfx_bench_hist_bins()
 * bins. Returns 0, or -1 when out of memory or n is 0. */
int rfx_bench_hist_init(rfx_bench_hist *h, const double *sorted, size_t n,
                        uint32_t max_bins);
void rfx_bench_hist_finish(rfx_bench_hist *h);

#endif
