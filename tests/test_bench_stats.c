/* rfx-bench's statistics (bench/stats.c) on samples whose answers are known
 * by hand or were computed exactly elsewhere (stated at each test). */
#include <math.h>
#include <stdlib.h>

#include "check_util.h"
#include "stats.h"

/* Relative tolerance for values computed in double from exact inputs: a few
 * roundings of ~1e-16 each. */
#define TOL 1e-12

static void assert_near(double got, double want, const char *what)
{
	double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;

	ck_assert_msg(fabs(got - want) <= TOL * scale, "%s: got %.17g, want %.17g",
		      what, got, want);
}

START_TEST(test_percentile_linear)
{
	/* Type 7 (numpy "linear"): h = (n - 1) p, worked out by hand. */
	double x[10] = {10, 3, 7, 1, 5, 2, 9, 4, 8, 6};
	double y[5] = {15, 20, 35, 40, 50};
	double one = 42.0;

	rfx_bench_sort(x, 10);
	for (int i = 0; i < 10; i++)
		ck_assert(x[i] == i + 1);
	assert_near(rfx_bench_percentile(x, 10, 0.0), 1.0, "p0");
	assert_near(rfx_bench_percentile(x, 10, 0.25), 3.25, "p25");
	assert_near(rfx_bench_percentile(x, 10, 0.5), 5.5, "p50");
	assert_near(rfx_bench_percentile(x, 10, 0.9), 9.1, "p90");
	assert_near(rfx_bench_percentile(x, 10, 0.99), 9.91, "p99");
	assert_near(rfx_bench_percentile(x, 10, 1.0), 10.0, "p100");
	assert_near(rfx_bench_percentile(x, 10, 1.5), 10.0, "p clamped high");
	assert_near(rfx_bench_percentile(x, 10, -1.0), 1.0, "p clamped low");
	/* numpy.percentile([15, 20, 35, 40, 50], 40) == 29.0 */
	assert_near(rfx_bench_percentile(y, 5, 0.4), 29.0, "p40 of 5");
	assert_near(rfx_bench_percentile(&one, 1, 0.999), 42.0, "one sample");
	assert_near(rfx_bench_percentile(NULL, 0, 0.5), 0.0, "no sample");
}
END_TEST

START_TEST(test_mean_stddev)
{
	double x[8] = {2, 4, 4, 4, 5, 5, 7, 9}, y[8];
	double mean, sd;

	/* Sum of squared deviations is 32: sample variance 32 / 7. */
	rfx_bench_mean_stddev(x, 8, &mean, &sd);
	assert_near(mean, 5.0, "mean");
	assert_near(sd, sqrt(32.0 / 7.0), "stddev");
	/* The same spread 1e9 away (latencies in ns): two passes keep it to
	 * well under 1e-6 relative, a one-pass sum of squares would not. */
	for (int i = 0; i < 8; i++)
		y[i] = 1e9 + x[i];
	rfx_bench_mean_stddev(y, 8, &mean, &sd);
	assert_near(mean, 1e9 + 5.0, "mean with offset");
	ck_assert_msg(fabs(sd - sqrt(32.0 / 7.0)) < 1e-6, "stddev with offset: %.17g", sd);
	rfx_bench_mean_stddev(x, 1, &mean, &sd);
	ck_assert(mean == 2.0 && sd == 0.0);
}
END_TEST

START_TEST(test_summary)
{
	enum { N = 1000 };
	double *x = malloc(N * sizeof(*x));
	rfx_bench_summary s;

	ck_assert_ptr_nonnull(x);
	for (int i = 0; i < N; i++)
		x[i] = (double)(N - i); /* 1000 .. 1, sorted below */
	rfx_bench_sort(x, N);
	rfx_bench_summarize(x, N, &s);
	ck_assert_uint_eq(s.n, N);
	assert_near(s.min, 1.0, "min");
	assert_near(s.max, 1000.0, "max");
	assert_near(s.jitter, 999.0, "jitter");
	/* h = 999 p: 499.5, 899.1, 989.01, 998.001 -> +1 for values 1..1000 */
	assert_near(s.p50, 500.5, "p50");
	assert_near(s.p90, 900.1, "p90");
	assert_near(s.p99, 990.01, "p99");
	assert_near(s.p999, 999.001, "p99.9");
	assert_near(s.mean, 500.5, "mean");
	/* Sample variance of 1..n is n (n + 1) / 12. */
	assert_near(s.stddev, sqrt(1000.0 * 1001.0 / 12.0), "stddev");
	rfx_bench_summarize(x, 0, &s);
	ck_assert(s.n == 0 && s.max == 0.0);
	free(x);
}
END_TEST

START_TEST(test_binomial_cdf)
{
	/* Exact values (Python, fractions.Fraction and math.comb):
	 * P(Bin(10, 1/2) <= 3) = 176/1024 = 11/64, P(Bin(20, 0.3) <= 5),
	 * P(Bin(50, 0.9) <= 44). */
	assert_near(rfx_bench_binomial_cdf(10, 0.5, 3), 11.0 / 64.0, "Bin(10,.5)<=3");
	assert_near(rfx_bench_binomial_cdf(20, 0.3, 5), 0.4163708294474814, "Bin(20,.3)<=5");
	assert_near(rfx_bench_binomial_cdf(50, 0.9, 44), 0.3838769922757231, "Bin(50,.9)<=44");
	/* P(Bin(n, p) <= n - 1) = 1 - p^n. */
	assert_near(rfx_bench_binomial_cdf(44, 0.9, 43), 1.0 - pow(0.9, 44), "1-p^n");
	ck_assert(rfx_bench_binomial_cdf(10, 0.5, 10) == 1.0);
	ck_assert(rfx_bench_binomial_cdf(10, 0.5, 99) == 1.0);
	ck_assert(rfx_bench_binomial_cdf(10, 0.0, 0) == 1.0);
	ck_assert(rfx_bench_binomial_cdf(10, 1.0, 9) == 0.0);
	/* Far tails in both directions stay in [0, 1] without overflow. */
	ck_assert(rfx_bench_binomial_cdf(1000000, 0.999, 990000) < 1e-300);
	ck_assert(rfx_bench_binomial_cdf(1000000, 0.001, 5000) == 1.0);
}
END_TEST

START_TEST(test_early_stopping)
{
	/* Ranks: the smallest k with P(Bin(n, p) <= k - 1) >= 0.99, computed
	 * exactly with Python's Fraction/math.comb for n <= 10000 and with
	 * 60-digit Decimal arithmetic (recurrence from the top) above. */
	static const struct {
		uint64_t n;
		double p;
		uint64_t k;
	} cases[] = {
		{44, 0.9, 44},         {43, 0.9, 0},          {100, 0.9, 97},
		{1000, 0.9, 922},      {459, 0.99, 459},      {1000, 0.99, 998},
		{4603, 0.999, 4603},   {4602, 0.999, 0},      {10000, 0.999, 9998},
		{100000, 0.999, 99923}, {1000000, 0.999, 999074},
		{1000000, 0.9, 900698},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t k = rfx_bench_early_stop_rank(cases[i].n, cases[i].p, 0.99);
		ck_assert_msg(k == cases[i].k, "n=%llu p=%g: rank %llu, want %llu",
			      (unsigned long long)cases[i].n, cases[i].p,
			      (unsigned long long)k, (unsigned long long)cases[i].k);
	}
	/* ln(0.01) / ln(p), rounded up. */
	ck_assert_uint_eq(rfx_bench_early_stop_min_samples(0.9, 0.99), 44);
	ck_assert_uint_eq(rfx_bench_early_stop_min_samples(0.99, 0.99), 459);
	ck_assert_uint_eq(rfx_bench_early_stop_min_samples(0.999, 0.99), 4603);
	ck_assert_uint_eq(rfx_bench_early_stop_min_samples(0.5, 0.75), 2);
	/* Out of range arguments. */
	ck_assert_uint_eq(rfx_bench_early_stop_rank(100, 1.0, 0.99), 0);
	ck_assert_uint_eq(rfx_bench_early_stop_rank(100, 0.9, 1.0), 0);
	ck_assert_uint_eq(rfx_bench_early_stop_rank(0, 0.9, 0.99), 0);
	ck_assert_uint_eq(rfx_bench_early_stop_min_samples(0.0, 0.99), 0);
}
END_TEST

START_TEST(test_hist_rules)
{
	double a[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	double b[64], same[5] = {3, 3, 3, 3, 3};
	rfx_bench_hist h;

	/* Freedman-Diaconis: IQR = 5.25 - 1.75 = 3.5, width = 2 * 3.5 / 8^(1/3)
	 * = 3.5, range 7: 2 bins of [0, 3.5) and [3.5, 7]. */
	ck_assert_uint_eq(rfx_bench_hist_bins(a, 8, 100), 2);
	ck_assert_int_eq(rfx_bench_hist_init(&h, a, 8, 100), 0);
	ck_assert_uint_eq(h.n_bins, 2);
	assert_near(h.lo, 0.0, "lo");
	assert_near(h.width, 3.5, "width");
	ck_assert_uint_eq(h.counts[0], 4);
	ck_assert_uint_eq(h.counts[1], 4);
	rfx_bench_hist_finish(&h);
	ck_assert_uint_eq(rfx_bench_hist_bins(a, 8, 1), 1); /* clamped */

	/* IQR 0 (8 zeros, 48 fours, 8 eights): sqrt(64) = 8 bins of width 1;
	 * the maximum falls in the last bin. */
	for (int i = 0; i < 64; i++)
		b[i] = i < 8 ? 0.0 : i < 56 ? 4.0 : 8.0;
	ck_assert_int_eq(rfx_bench_hist_init(&h, b, 64, 100), 0);
	ck_assert_uint_eq(h.n_bins, 8);
	assert_near(h.width, 1.0, "width, IQR 0");
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_uint_eq(h.counts[i], i == 0 ? 8 : i == 4 ? 48 : i == 7 ? 8 : 0);
	rfx_bench_hist_finish(&h);

	/* All equal: one bin of width 0 holding all. */
	ck_assert_int_eq(rfx_bench_hist_init(&h, same, 5, 100), 0);
	ck_assert_uint_eq(h.n_bins, 1);
	ck_assert_uint_eq(h.counts[0], 5);
	rfx_bench_hist_finish(&h);
	ck_assert_int_eq(rfx_bench_hist_init(&h, same, 0, 100), -1);
	rfx_bench_hist_finish(NULL);
}
END_TEST

START_TEST(test_hist_random)
{
	/* Skewed latencies like a real run (a body and a long tail); every
	 * sample is counted once, in the bin whose edges hold it (checked by
	 * comparison, not by the division the code uses). */
	enum { N = 5000 };
	double *x = malloc(N * sizeof(*x));
	uint32_t st = 12345;
	uint64_t total = 0;
	rfx_bench_hist h;

	ck_assert_ptr_nonnull(x);
	for (int i = 0; i < N; i++) {
		double u = test_randf(&st, 0.0f, 1.0f);
		x[i] = 1000.0 + 50.0 * u + (i % 97 == 0 ? 400.0 * u : 0.0);
	}
	rfx_bench_sort(x, N);
	ck_assert_int_eq(rfx_bench_hist_init(&h, x, N, 200), 0);
	ck_assert(h.n_bins > 10 && h.n_bins <= 200);
	for (uint32_t b = 0; b < h.n_bins; b++) {
		double lo = h.lo + b * h.width, hi = h.lo + (b + 1) * h.width;
		uint64_t want = 0;

		for (int i = 0; i < N; i++)
			want += x[i] >= lo && (x[i] < hi || b == h.n_bins - 1);
		/* A sample within rounding of an edge may land on either side. */
		ck_assert_msg(h.counts[b] + 1 >= want && want + 1 >= h.counts[b],
			      "bin %u: %llu, by comparison %llu", b,
			      (unsigned long long)h.counts[b], (unsigned long long)want);
		total += h.counts[b];
	}
	ck_assert_uint_eq(total, N);
	rfx_bench_hist_finish(&h);
	free(x);
}
END_TEST

static Suite *bench_stats_suite(void)
{
	Suite *s = suite_create("bench_stats");
	TCase *tc;

	tc = tcase_create("moments");
	tcase_add_test(tc, test_percentile_linear);
	tcase_add_test(tc, test_mean_stddev);
	tcase_add_test(tc, test_summary);
	suite_add_tcase(s, tc);

	tc = tcase_create("early_stopping");
	tcase_add_test(tc, test_binomial_cdf);
	tcase_add_test(tc, test_early_stopping);
	suite_add_tcase(s, tc);

	tc = tcase_create("histogram");
	tcase_add_test(tc, test_hist_rules);
	tcase_add_test(tc, test_hist_random);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(bench_stats_suite());
}
