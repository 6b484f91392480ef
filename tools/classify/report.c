/* Scores to probabilities, top-K, latency percentiles, JSON strings. */
#include <math.h>
#include <stdio.h>

#include "classify.h"

int cls_probabilities(float *v, uint32_t n)
{
	double sum = 0, mx = -INFINITY;
	int probs = n > 0;

	for (uint32_t i = 0; i < n; i++) {
		if (!(v[i] >= 0.0f && v[i] <= 1.0f)) /* NaN fails too */
			probs = 0;
		sum += v[i];
		if (v[i] > mx)
			mx = v[i];
	}
	if (probs && fabs(sum - 1.0) <= 1e-2)
		return 0;
	sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += exp((double)v[i] - mx);
	for (uint32_t i = 0; i < n; i++)
		v[i] = (float)(exp((double)v[i] - mx) / sum);
	return 1;
}

uint32_t cls_top_k(const float *p, uint32_t n, uint32_t k, cls_class *out)
{
	uint32_t m = 0;

	if (k > n)
		k = n;
	if (k == 0)
		return 0;
	/* Insertion into a sorted list of k: n is a class count, k small. */
	for (uint32_t i = 0; i < n; i++) {
		float v = isnan(p[i]) ? -INFINITY : p[i];
		if (m == k && !(v > out[m - 1].p))
			continue;
		uint32_t j = m < k ? m++ : m - 1;
		while (j > 0 && v > out[j - 1].p) {
			out[j] = out[j - 1];
			j--;
		}
		out[j].index = i;
		out[j].p = v;
	}
	return m;
}

double cls_percentile(const double *sorted, size_t n, double q)
{
	if (n == 0)
		return 0;
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

void cls_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}
