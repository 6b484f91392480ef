/* Percentiles, moments, the early-stopping bound and histogram bins: the
 * rules are stated in stats.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void rfx_bench_sort(double *x, size_t n)
{
	if (n > 1)
		qsort(x, n, sizeof(*x), cmp_double);
}

double rfx_bench_percentile(const double *sorted, size_t n, double p)
{
	double h, lo;
	size_t i;

	if (n == 0)
		return 0.0;
	if (!(p > 0.0)) /* also NaN */
		return sorted[0];
	if (p >= 1.0)
		return sorted[n - 1];
	h = (double)(n - 1) * p;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (h - lo) * (sorted[i + 1] - sorted[i]);
}

void rfx_bench_mean_stddev(const double *x, size_t n, double *mean,
                           double *stddev)
{
	double sum = 0.0, ss = 0.0, m;

	for (size_t i = 0; i < n; i++)
		sum += x[i];
	m = n ? sum / (double)n : 0.0;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	if (mean)
		*mean = m;
	if (stddev)
		*stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
}

void rfx_bench_summarize(const double *sorted, size_t n,
                         rfx_bench_summary *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	out->n = n;
	out->min = sorted[0];
	out->max = sorted[n - 1];
	out->jitter = out->max - out->min;
	rfx_bench_mean_stddev(sorted, n, &out->mean, &out->stddev);
	out->p50 = rfx_bench_percentile(sorted, n, 0.50);
	out->p90 = rfx_bench_percentile(sorted, n, 0.90);
	out->p99 = rfx_bench_percentile(sorted, n, 0.99);
	out->p999 = rfx_bench_percentile(sorted, n, 0.999);
}

static double log_pmf(uint64_t n, double p, uint64_t j)
{
	return lgamma((double)n + 1.0) - lgamma((double)j + 1.0) -
	       lgamma((double)(n - j) + 1.0) + (double)j * log(p) +
	       (double)(n - j) * log1p(-p);
}

/* Terms smaller than this fraction of the running sum no longer change a
 * double; past the mode they only get smaller. */
#define NEGLIGIBLE 1e-18

double rfx_bench_binomial_cdf(uint64_t n, double p, uint64_t k)
{
	double mode, term, sum = 0.0;

	if (k >= n || !(p > 0.0))
		return 1.0;
	if (p >= 1.0)
		return 0.0;
	mode = floor(((double)n + 1.0) * p);
	if ((double)k < (double)n * p) {
		/* Lower tail: from k down, each term p(j-1) = p(j) j / (n - j + 1)
		 * (1 - p) / p. */
		term = exp(log_pmf(n, p, k));
		for (uint64_t j = k;; j--) {
			sum += term;
			if (j == 0 || ((double)j < mode && term < sum * NEGLIGIBLE))
				break;
			term *= (double)j / (double)(n - j + 1) * (1.0 - p) / p;
		}
		return sum > 1.0 ? 1.0 : sum;
	}
	/* Upper tail from k + 1 up: p(j+1) = p(j) (n - j) / (j + 1) p / (1 - p). */
	term = exp(log_pmf(n, p, k + 1));
	for (uint64_t j = k + 1;; j++) {
		sum += term;
		if (j == n || ((double)j > mode && term < sum * NEGLIGIBLE))
			break;
		term *= (double)(n - j) / (double)(j + 1) * p / (1.0 - p);
	}
	return sum > 1.0 ? 0.0 : 1.0 - sum;
}

static int args_ok(double p, double confidence)
{
	return p > 0.0 && p < 1.0 && confidence > 0.0 && confidence < 1.0;
}

/* 1 - p^n >= confidence: the largest sample bounds the quantile. */
static int enough(uint64_t n, double p, double confidence)
{
	return -expm1((double)n * log(p)) >= confidence;
}

uint64_t rfx_bench_early_stop_min_samples(double p, double confidence)
{
	double est;
	uint64_t n;

	if (!args_ok(p, confidence))
		return 0;
	est = ceil(log1p(-confidence) / log(p));
	if (!(est >= 1.0) || est > 1e18)
		return 0;
	n = (uint64_t)est;
	/* The closed form may be off by one in floating point. */
	while (n > 1 && enough(n - 1, p, confidence))
		n--;
	while (!enough(n, p, confidence))
		n++;
	return n;
}

uint64_t rfx_bench_early_stop_rank(uint64_t n, double p, double confidence)
{
	uint64_t lo = 1, hi = n;

	if (n == 0 || !args_ok(p, confidence) || !enough(n, p, confidence))
		return 0;
	/* Smallest k in [1, n] with P(Bin(n, p) <= k - 1) >= confidence; k = n
	 * qualifies (checked above) and the CDF grows with k. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (rfx_bench_binomial_cdf(n, p, mid - 1) >= confidence)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

uint32_t rfx_bench_hist_bins(const double *sorted, size_t n,
                             uint32_t max_bins)
{
	double range, iqr, width, bins;

	if (max_bins == 0)
		max_bins = 1;
	if (n < 2)
		return 1;
	range = sorted[n - 1] - sorted[0];
	if (!(range > 0.0))
		return 1;
	iqr = rfx_bench_percentile(sorted, n, 0.75) -
	      rfx_bench_percentile(sorted, n, 0.25);
	if (iqr > 0.0) {
		width = 2.0 * iqr / cbrt((double)n);
		bins = ceil(range / width);
	} else {
		bins = ceil(sqrt((double)n));
	}
	if (bins < 1.0)
		bins = 1.0;
	return bins > (double)max_bins ? max_bins : (uint32_t)bins;
}

int rfx_bench_hist_init(rfx_bench_hist *h, const double *sorted, size_t n,
                        uint32_t max_bins)
{
	memset(h, 0, sizeof(*h));
	if (n == 0)
		return -1;
	h->n_bins = rfx_bench_hist_bins(sorted, n, max_bins);
	h->counts = calloc(h->n_bins, sizeof(*h->counts));
	if (!h->counts)
		return -1;
	h->lo = sorted[0];
	h->width = (sorted[n - 1] - sorted[0]) / h->n_bins;
	for (size_t i = 0; i < n; i++) {
		uint32_t b = 0;

		if (h->width > 0.0) {
			double f = floor((sorted[i] - h->lo) / h->width);
			b = f <= 0.0 ? 0 : f >= h->n_bins ? h->n_bins - 1 : (uint32_t)f;
		}
		h->counts[b]++;
	}
	return 0;
}

void rfx_bench_hist_finish(rfx_bench_hist *h)
{
	if (!h)
		return;
	free(h->counts);
	memset(h, 0, sizeof(*h));
}
