/* Activation statistics and the three range rules (see calibrate.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/calibrate.h"
#include "cpu/cpu.h"

int rfx_calib_method_parse(const char *s, rfx_calib_method *m)
{
	m->kind = RFX_CALIB_MINMAX;
	m->percentile = RFX_CALIB_DEFAULT_PERCENTILE;
	if (strcmp(s, "minmax") == 0)
		return 0;
	if (strcmp(s, "entropy") == 0 || strcmp(s, "kl") == 0) {
		m->kind = RFX_CALIB_ENTROPY;
		return 0;
	}
	if (strncmp(s, "percentile", 10) != 0)
		return -1;
	m->kind = RFX_CALIB_PERCENTILE;
	if (s[10] == '\0')
		return 0;
	if (s[10] != '=')
		return -1;
	char *end;
	double p = strtod(s + 11, &end);
	/* Below 50 the lower and upper percentiles would cross. */
	if (end == s + 11 || *end || !(p > 50.0 && p <= 100.0))
		return -1;
	m->percentile = p;
	return 0;
}

const char *rfx_calib_method_str(const rfx_calib_method *m, char *buf,
                                 size_t len)
{
	switch (m->kind) {
	case RFX_CALIB_PERCENTILE:
		snprintf(buf, len, "percentile(%g)", m->percentile);
		break;
	case RFX_CALIB_ENTROPY:
		snprintf(buf, len, "entropy");
		break;
	default:
		snprintf(buf, len, "minmax");
		break;
	}
	return buf;
}

int rfx_calib_method_needs_hist(const rfx_calib_method *m)
{
	return m->kind == RFX_CALIB_PERCENTILE || m->kind == RFX_CALIB_ENTROPY;
}

void rfx_calib_stat_init(rfx_calib_stat *s)
{
	memset(s, 0, sizeof(*s));
	s->min = INFINITY;
	s->max = -INFINITY;
}

void rfx_calib_stat_finish(rfx_calib_stat *s)
{
	if (!s)
		return;
	free(s->pos);
	free(s->neg);
	rfx_calib_stat_init(s);
}

void rfx_calib_stat_minmax(rfx_calib_stat *s, const float *x, uint64_t n)
{
	float lo = s->min, hi = s->max;
	uint64_t bad = 0;

	for (uint64_t k = 0; k < n; k++) {
		float v = x[k];
		if (!isfinite(v)) {
			bad++;
			continue;
		}
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	s->min = lo;
	s->max = hi;
	s->count += n - bad;
	s->nonfinite += bad;
}

rfx_status rfx_calib_stat_begin_hist(rfx_calib_stat *s)
{
	free(s->pos);
	free(s->neg);
	s->pos = calloc(RFX_CALIB_BINS, sizeof(*s->pos));
	s->neg = calloc(RFX_CALIB_BINS, sizeof(*s->neg));
	s->hist_count = 0;
	if (!s->pos || !s->neg) {
		free(s->pos);
		free(s->neg);
		s->pos = s->neg = NULL;
		return RFX_E_OUT_OF_MEMORY;
	}
	s->amax = s->count ? fmaxf(fabsf(s->min), fabsf(s->max)) : 0.0f;
	return RFX_OK;
}

void rfx_calib_stat_hist(rfx_calib_stat *s, const float *x, uint64_t n)
{
	/* amax 0: every finite value is 0 and lands in bin 0. */
	double inv = s->amax > 0 ? RFX_CALIB_BINS / (double)s->amax : 0.0;

	if (!s->pos)
		return;
	for (uint64_t k = 0; k < n; k++) {
		float v = x[k];
		if (!isfinite(v))
			continue;
		double b = fabs((double)v) * inv;
		uint32_t bin = b >= RFX_CALIB_BINS - 1 ? RFX_CALIB_BINS - 1
						       : (uint32_t)b;
		if (v < 0)
			s->neg[bin]++;
		else
			s->pos[bin]++;
		s->hist_count++;
	}
}

/*
 * The signed value below which `below` of the hist_count values lie. The
 * signed axis runs through the negative bins from the far end (-amax) to
 * 0, then the positive bins from 0 to amax; inside a bin the values are
 * taken as uniformly spread.
 */
static double quantile(const rfx_calib_stat *s, double below)
{
	double w = (double)s->amax / RFX_CALIB_BINS, cum = 0;

	for (int b = RFX_CALIB_BINS - 1; b >= 0; b--) {
		double c = (double)s->neg[b];
		if (c > 0 && cum + c >= below)
			return -(b + 1) * w + (below - cum) / c * w;
		cum += c;
	}
	for (int b = 0; b < RFX_CALIB_BINS; b++) {
		double c = (double)s->pos[b];
		if (c > 0 && cum + c >= below)
			return b * w + (below - cum) / c * w;
		cum += c;
	}
	return s->amax;
}

double rfx_calib_entropy_threshold(const uint64_t *hist, uint32_t bins,
                                   uint32_t levels)
{
	double *p = NULL, *q = NULL, *sum = NULL;
	uint32_t *nz = NULL;
	double best = INFINITY, total = 0;
	uint32_t best_i = bins;

	if (levels == 0 || bins <= levels)
		return bins;
	p = malloc(bins * sizeof(*p));
	q = malloc(bins * sizeof(*q));
	sum = malloc(levels * sizeof(*sum));
	nz = malloc(levels * sizeof(*nz));
	if (!p || !q || !sum || !nz)
		goto out; /* no memory: no clipping */
	for (uint32_t k = 0; k < bins; k++)
		total += (double)hist[k];
	if (total <= 0)
		goto out;

	double beyond = total;
	for (uint32_t k = 0; k < levels; k++)
		beyond -= (double)hist[k];
	for (uint32_t i = levels; i <= bins; i++) {
		double ps = 0, qs = 0, kl = 0;
		/* P: the first i bins, the mass beyond clipped into the last. */
		for (uint32_t k = 0; k < i; k++)
			p[k] = (double)hist[k];
		p[i - 1] += beyond;
		if (i < bins)
			beyond -= (double)hist[i];
		/* Q: the same i bins without that mass, merged into levels. */
		memset(sum, 0, levels * sizeof(*sum));
		memset(nz, 0, levels * sizeof(*nz));
		for (uint32_t k = 0; k < i; k++) {
			uint32_t j = (uint32_t)((uint64_t)k * levels / i);
			sum[j] += (double)hist[k];
			nz[j] += p[k] > 0;
		}
		for (uint32_t k = 0; k < i; k++) {
			uint32_t j = (uint32_t)((uint64_t)k * levels / i);
			q[k] = p[k] > 0 ? sum[j] / nz[j] : 0.0;
			ps += p[k];
			qs += q[k];
		}
		if (qs <= 0)
			continue; /* everything beyond: Q is empty */
		for (uint32_t k = 0; k < i; k++) {
			if (p[k] <= 0)
				continue;
			double pk = p[k] / ps;
			/* Q is empty where only clipped mass landed: a large,
			 * finite penalty instead of an infinite one. */
			double qk = fmax(q[k] / qs, 1e-10);
			kl += pk * log(pk / qk);
		}
		if (kl < best) {
			best = kl;
			best_i = i;
		}
	}
out:
	free(p);
	free(q);
	free(sum);
	free(nz);
	return best_i;
}

void rfx_calib_stat_range(const rfx_calib_stat *s, const rfx_calib_method *m,
                          float *lo, float *hi)
{
	if (s->count == 0) {
		*lo = *hi = 0.0f;
		return;
	}
	*lo = s->min;
	*hi = s->max;
	if (!rfx_calib_method_needs_hist(m) || !s->pos || s->hist_count == 0 ||
	    !(s->amax > 0))
		return;
	if (m->kind == RFX_CALIB_PERCENTILE) {
		double n = (double)s->hist_count;
		double frac = (100.0 - m->percentile) / 100.0;
		double a = quantile(s, frac * n);
		double b = quantile(s, (1.0 - frac) * n);
		double w = (double)s->amax / RFX_CALIB_BINS;
		/* Inside the bin next to 0 of a one-signed tensor (a ReLU's
		 * zeros), interpolation would invent a value: its end is the
		 * exact minimum (maximum). */
		if (s->min >= 0 && a < w)
			a = s->min;
		if (s->max <= 0 && b > -w)
			b = s->max;
		*lo = (float)fmax(a, (double)s->min);
		*hi = (float)fmin(b, (double)s->max);
	} else {
		uint64_t *abs_hist = malloc(RFX_CALIB_BINS * sizeof(*abs_hist));
		if (!abs_hist)
			return; /* no memory: minmax */
		for (uint32_t k = 0; k < RFX_CALIB_BINS; k++)
			abs_hist[k] = s->pos[k] + s->neg[k];
		/* The spike of exact zeros a ReLU leaves would dominate the
		 * divergence and drag T down; NVIDIA's calibrator
		 * (pytorch-quantization) flattens it the same way. */
		abs_hist[0] = abs_hist[1];
		uint32_t levels = s->min >= 0 ? 255 : 128;
		double t = rfx_calib_entropy_threshold(abs_hist, RFX_CALIB_BINS,
						       levels) *
			   ((double)s->amax / RFX_CALIB_BINS);
		free(abs_hist);
		*lo = (float)fmax(-t, (double)s->min);
		*hi = (float)fmin(t, (double)s->max);
	}
	if (*lo > *hi)
		*lo = *hi;
}

/* ---- the calibration run ---- */

rfx_status rfx_calibrate(const rfx_graph *g, const rfx_sample_source *src,
                         const rfx_calib_method *m, rfx_progress_fn progress,
                         void *progress_user, float *lo, float *hi,
                         uint8_t *have, char *err, size_t errlen)
{
	rfx_cpu_session *s = NULL;
	rfx_calib_stat *stat = NULL;
	int passes = rfx_calib_method_needs_hist(m) ? 2 : 1;
	rfx_status st;

	memset(have, 0, g->n_tensors);
	if (!src || src->count == 0 || !src->get) {
		snprintf(err, errlen, "calibration needs at least one sample");
		return RFX_E_INVALID_ARGUMENT;
	}
	if (g->n_inputs != 1 ||
	    g->tensors[g->inputs[0]].dtype != RFX_DTYPE_F32) {
		snprintf(err, errlen, "calibration feeds models with one F32 "
			 "input (this one has %u)", g->n_inputs);
		return RFX_E_INVALID_ARGUMENT;
	}
	if ((st = rfx_cpu_session_create(g, &s, err, errlen)))
		return st;
	stat = calloc(g->n_tensors + 1, sizeof(*stat));
	if (!stat) {
		st = RFX_E_OUT_OF_MEMORY;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (uint32_t t = 0; t < g->n_tensors; t++)
		rfx_calib_stat_init(&stat[t]);
	uint32_t x = g->inputs[0];
	float *in = rfx_cpu_session_tensor(s, x);
	for (int pass = 0; pass < passes; pass++) {
		if (pass == 1) {
			for (uint32_t t = 0; t < g->n_tensors; t++) {
				if (g->tensors[t].flags & RFX_TENSOR_CONST ||
				    g->tensors[t].dtype != RFX_DTYPE_F32)
					continue;
				if ((st = rfx_calib_stat_begin_hist(&stat[t]))) {
					snprintf(err, errlen, "out of memory");
					goto out;
				}
			}
		}
		for (uint32_t k = 0; k < src->count; k++) {
			if (progress)
				progress(progress_user,
					 passes == 1 ? "calibrating"
					 : pass == 0 ? "calibrating (ranges)"
						     : "calibrating (histograms)",
					 k, src->count);
			if ((st = src->get(src->user, k, g, in, err, errlen)))
				goto out;
			rfx_cpu_session_run(s);
			for (uint32_t t = 0; t < g->n_tensors; t++) {
				const rfx_tensor *ten = &g->tensors[t];
				if (ten->flags & RFX_TENSOR_CONST ||
				    ten->dtype != RFX_DTYPE_F32)
					continue;
				const float *v = rfx_cpu_session_tensor(s, t);
				uint64_t n = rfx_tensor_elements(ten);
				if (!v)
					continue;
				if (pass == 0)
					rfx_calib_stat_minmax(&stat[t], v, n);
				else
					rfx_calib_stat_hist(&stat[t], v, n);
			}
		}
		if (progress)
			progress(progress_user, "calibrating", src->count,
				 src->count);
	}
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		const rfx_tensor *ten = &g->tensors[t];
		if (ten->flags & RFX_TENSOR_CONST || ten->dtype != RFX_DTYPE_F32)
			continue;
		rfx_calib_stat_range(&stat[t], m, &lo[t], &hi[t]);
		have[t] = 1;
	}
	st = RFX_OK;
out:
	for (uint32_t t = 0; stat && t < g->n_tensors; t++)
		rfx_calib_stat_finish(&stat[t]);
	free(stat);
	rfx_cpu_session_destroy(s);
	return st;
}
