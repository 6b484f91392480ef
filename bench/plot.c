/*
 * The --plot SVG, written by hand: a histogram of host latency (bins by the
 * rule in stats.h) with p50/p99/p99.9 and the deadline marked, and a
 * per-frame timeline of host latency and GPU time (and, in periodic mode,
 * arrival-to-result time) with the deadline line and the missed frames.
 * Timelines with more frames than pixels draw each pixel column's min-max
 * range, so no outlier is dropped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define W 960
#define H 790
#define LEFT 80
#define RIGHT 30
#define PW (W - LEFT - RIGHT)
#define HIST_TOP 80
#define HIST_H 260
#define TL_TOP 430
#define TL_H 260

static void text_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, f);
		}
	}
}

/* A tick step of 1, 2 or 5 times a power of ten giving about `want` ticks. */
static double nice_step(double range, int want)
{
	double raw = range / want, mag, r;

	if (!(raw > 0.0))
		return 1.0;
	mag = pow(10.0, floor(log10(raw)));
	r = raw / mag;
	return (r < 1.5 ? 1.0 : r < 3.5 ? 2.0 : r < 7.5 ? 5.0 : 10.0) * mag;
}

struct axis {
	double lo, hi;  /* data units */
	double p0, p1;  /* pixels for lo, hi */
};

static double map(const struct axis *a, double v)
{
	if (a->hi <= a->lo)
		return a->p0;
	return a->p0 + (v - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

static void x_ticks(FILE *f, const struct axis *x, double y_base, const char *unit)
{
	double step = nice_step(x->hi - x->lo, 8);

	for (double v = ceil(x->lo / step) * step; v <= x->hi + step * 1e-9; v += step) {
		double px = map(x, v);
		fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#444'/>\n",
			px, y_base, px, y_base + 5);
		fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle'>%g</text>\n", px,
			y_base + 18, v);
	}
	fprintf(f, "<text x='%d' y='%.1f' text-anchor='middle'>%s</text>\n", LEFT + PW / 2,
		y_base + 36, unit);
}

static void y_ticks(FILE *f, const struct axis *y, const char *label, double top,
                    double height)
{
	double step = nice_step(y->hi - y->lo, 5);

	for (double v = ceil(y->lo / step) * step; v <= y->hi + step * 1e-9; v += step) {
		double py = map(y, v);
		fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>\n",
			LEFT, py, LEFT + PW, py);
		fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>%g</text>\n", LEFT - 6,
			py + 4, v);
	}
	fprintf(f, "<text transform='translate(20,%.1f) rotate(-90)' "
		"text-anchor='middle'>%s</text>\n", top + height / 2, label);
}

static void vmark(FILE *f, const struct axis *x, double v, double top, double h,
                  const char *color, const char *dash, const char *label, int row)
{
	double px = map(x, v);

	if (px < LEFT - 0.5 || px > LEFT + PW + 0.5)
		return;
	fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' "
		"stroke-width='1.5'%s%s%s/>\n", px, top, px, top + h, color,
		dash ? " stroke-dasharray='" : "", dash ? dash : "", dash ? "'" : "");
	fprintf(f, "<text x='%.1f' y='%.1f' fill='%s' text-anchor='%s'>%s</text>\n",
		px + (px > LEFT + PW - 80 ? -4 : 4), top + 14 + 14 * row, color,
		px > LEFT + PW - 80 ? "end" : "start", label);
}

static void histogram(FILE *f, const bench *b, const double *host, size_t n,
                      double unit, const char *u)
{
	rfx_bench_hist h;
	struct axis x, y;
	uint64_t top = 1;
	double deadline = b->opt.deadline_ms * 1e6;
	char label[64];

	fprintf(f, "<g id='histogram'>\n<text x='%d' y='%d' font-weight='bold'>"
		"Host latency (submit to fence), %zu frames</text>\n", LEFT,
		HIST_TOP - 12, n);
	if (!host || rfx_bench_hist_init(&h, host, n, 100) != 0) {
		fprintf(f, "<text x='%d' y='%d'>no samples</text>\n</g>\n", LEFT,
			HIST_TOP + 40);
		return;
	}
	x.lo = h.lo / unit;
	x.hi = (h.lo + h.width * h.n_bins) / unit;
	if (h.width == 0.0) { /* every sample equal */
		x.lo -= 0.5 * (x.lo > 0 ? x.lo * 0.01 : 1);
		x.hi += 0.5 * (x.hi > 0 ? x.hi * 0.01 : 1);
	}
	/* Show the deadline when it is near the data. */
	if (deadline > 0.0 && deadline / unit > x.hi && deadline / unit < x.hi * 1.5)
		x.hi = deadline / unit * 1.02;
	x.p0 = LEFT;
	x.p1 = LEFT + PW;
	for (uint32_t i = 0; i < h.n_bins; i++)
		if (h.counts[i] > top)
			top = h.counts[i];
	y.lo = 0;
	y.hi = (double)top * 1.1;
	y.p0 = HIST_TOP + HIST_H;
	y.p1 = HIST_TOP;
	y_ticks(f, &y, "frames per bin", HIST_TOP, HIST_H);
	for (uint32_t i = 0; i < h.n_bins; i++) {
		double a = map(&x, (h.lo + h.width * i) / unit);
		double c = h.width > 0.0 ? map(&x, (h.lo + h.width * (i + 1)) / unit)
					 : map(&x, x.hi);
		double t = map(&y, (double)h.counts[i]);

		if (h.width == 0.0)
			a = map(&x, x.lo);
		if (h.counts[i])
			fprintf(f, "<rect class='bin' x='%.2f' y='%.2f' width='%.2f' "
				"height='%.2f' fill='#4682b4'/>\n", a, t,
				c - a > 0.6 ? c - a - 0.3 : 0.3, y.p0 - t);
	}
	fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#444'/>\n", LEFT,
		HIST_TOP + HIST_H, LEFT + PW, HIST_TOP + HIST_H);
	x_ticks(f, &x, HIST_TOP + HIST_H, u);
	snprintf(label, sizeof(label), "p50 %.3g", rfx_bench_percentile(host, n, 0.5) / unit);
	vmark(f, &x, rfx_bench_percentile(host, n, 0.5) / unit, HIST_TOP, HIST_H,
	      "#2e8b57", NULL, label, 0);
	snprintf(label, sizeof(label), "p99 %.3g", rfx_bench_percentile(host, n, 0.99) / unit);
	vmark(f, &x, rfx_bench_percentile(host, n, 0.99) / unit, HIST_TOP, HIST_H,
	      "#b8860b", NULL, label, 1);
	snprintf(label, sizeof(label), "p99.9 %.3g",
		 rfx_bench_percentile(host, n, 0.999) / unit);
	vmark(f, &x, rfx_bench_percentile(host, n, 0.999) / unit, HIST_TOP, HIST_H,
	      "#8b4513", NULL, label, 2);
	if (deadline > 0.0) {
		snprintf(label, sizeof(label), "deadline %.3g", deadline / unit);
		if (deadline / unit <= x.hi)
			vmark(f, &x, deadline / unit, HIST_TOP, HIST_H, "#d00000", "6,4",
			      label, 3);
		else
			fprintf(f, "<text x='%d' y='%d' fill='#d00000' text-anchor='end'>"
				"%s %s: beyond the axis</text>\n", LEFT + PW,
				HIST_TOP + 56, label, u);
	}
	fprintf(f, "</g>\n");
	rfx_bench_hist_finish(&h);
}

/* One series: a polyline, or min-max bars per pixel column. */
static void series(FILE *f, const bench *b, int field, const struct axis *x,
                   const struct axis *y, double unit, const char *color,
                   const char *id)
{
	size_t n = b->n;

	fprintf(f, "<path id='%s' fill='none' stroke='%s' stroke-width='1' "
		"stroke-opacity='0.75' d='", id, color);
	if (n <= (size_t)PW) {
		for (size_t i = 0; i < n; i++) {
			const bench_sample *s = &b->samples[i];
			double v = field == BENCH_F_HOST ? (double)s->host_ns
				   : field == BENCH_F_GPU ? (double)s->gpu_ns
							  : (double)s->response_ns;
			if (field == BENCH_F_GPU && s->gpu_ns == BENCH_NONE)
				continue;
			fprintf(f, "%s%.1f %.1f ", i ? "L" : "M", map(x, (double)i),
				map(y, v / unit));
		}
	} else {
		/* Each pixel column spans its frames' range and reaches back
		 * to the previous column's last value: what drawing every
		 * frame as a 1-pixel polyline would show. */
		double prev = NAN;

		for (int c = 0; c < PW; c++) {
			size_t a = (size_t)((double)c * n / PW);
			size_t e = (size_t)((double)(c + 1) * n / PW);
			double lo = INFINITY, hi = -INFINITY, last = NAN;

			for (size_t i = a; i < e && i < n; i++) {
				const bench_sample *s = &b->samples[i];
				double v = field == BENCH_F_HOST ? (double)s->host_ns
					   : field == BENCH_F_GPU ? (double)s->gpu_ns
								  : (double)s->response_ns;
				if (field == BENCH_F_GPU && s->gpu_ns == BENCH_NONE)
					continue;
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
				last = v;
			}
			if (lo > hi)
				continue;
			if (!isnan(prev)) {
				lo = prev < lo ? prev : lo;
				hi = prev > hi ? prev : hi;
			}
			prev = last;
			fprintf(f, "M%.1f %.1f L%.1f %.1f ", LEFT + c + 0.5,
				map(y, lo / unit), LEFT + c + 0.5,
				map(y, hi / unit) - (hi == lo ? 0.8 : 0.0));
		}
	}
	fprintf(f, "'/>\n");
}

static void timeline(FILE *f, const bench *b, double unit, const char *u)
{
	struct axis x, y;
	double top = 0.0, deadline = b->opt.deadline_ms * 1e6;
	int periodic = b->opt.period_ms > 0.0;
	int have_gpu = 0;
	size_t shown = 0;
	char label[64];

	fprintf(f, "<g id='timeline'>\n<text x='%d' y='%d' font-weight='bold'>"
		"Per frame</text>\n", LEFT, TL_TOP - 12);
	for (size_t i = 0; i < b->n; i++) {
		const bench_sample *s = &b->samples[i];

		top = (double)s->host_ns > top ? (double)s->host_ns : top;
		if (periodic && (double)s->response_ns > top)
			top = (double)s->response_ns;
		if (s->gpu_ns != BENCH_NONE) {
			have_gpu = 1;
			top = (double)s->gpu_ns > top ? (double)s->gpu_ns : top;
		}
	}
	if (deadline > top)
		top = deadline;
	x.lo = 0;
	x.hi = b->n > 1 ? (double)(b->n - 1) : 1.0;
	x.p0 = LEFT;
	x.p1 = LEFT + PW;
	y.lo = 0;
	y.hi = top > 0.0 ? top / unit * 1.08 : 1.0;
	y.p0 = TL_TOP + TL_H;
	y.p1 = TL_TOP;
	y_ticks(f, &y, u, TL_TOP, TL_H);
	fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#444'/>\n", LEFT,
		TL_TOP + TL_H, LEFT + PW, TL_TOP + TL_H);
	x_ticks(f, &x, TL_TOP + TL_H, "frame");
	/* Host latency over GPU time (it is the larger, and translucent). */
	if (periodic)
		series(f, b, BENCH_F_RESPONSE, &x, &y, unit, "#2e8b57", "response");
	if (have_gpu)
		series(f, b, BENCH_F_GPU, &x, &y, unit, "#ff8c00", "gpu");
	series(f, b, BENCH_F_HOST, &x, &y, unit, "#4682b4", "host");
	if (deadline > 0.0) {
		double py = map(&y, deadline / unit);

		fprintf(f, "<line id='deadline' x1='%d' y1='%.1f' x2='%d' y2='%.1f' "
			"stroke='#d00000' stroke-width='1.5' stroke-dasharray='6,4'/>\n",
			LEFT, py, LEFT + PW, py);
		snprintf(label, sizeof(label), "deadline %.3g %s", deadline / unit, u);
		fprintf(f, "<text x='%d' y='%.1f' fill='#d00000' text-anchor='end' "
			"stroke='white' stroke-width='3' paint-order='stroke'>%s</text>\n",
			LEFT + PW, py - 4, label);
		for (size_t i = 0; i < b->n && shown < 2000; i++) {
			const bench_sample *s = &b->samples[i];

			if (!s->missed)
				continue;
			shown++;
			fprintf(f, "<circle class='miss' cx='%.1f' cy='%.1f' r='3' "
				"fill='none' stroke='#d00000'/>\n", map(&x, (double)i),
				map(&y, (double)(periodic ? s->response_ns : s->host_ns) / unit));
		}
	}
	/* Legend. */
	fprintf(f, "<g font-size='12'>\n");
	fprintf(f, "<rect x='%d' y='%d' width='14' height='3' fill='#4682b4'/>"
		"<text x='%d' y='%d'>host latency</text>\n", LEFT, H - 30, LEFT + 18, H - 26);
	if (have_gpu)
		fprintf(f, "<rect x='%d' y='%d' width='14' height='3' fill='#ff8c00'/>"
			"<text x='%d' y='%d'>GPU time (whole command buffer)</text>\n",
			LEFT + 140, H - 30, LEFT + 158, H - 26);
	if (periodic)
		fprintf(f, "<rect x='%d' y='%d' width='14' height='3' fill='#2e8b57'/>"
			"<text x='%d' y='%d'>arrival to result</text>\n", LEFT + 400,
			H - 30, LEFT + 418, H - 26);
	if (deadline > 0.0)
		fprintf(f, "<circle cx='%d' cy='%d' r='3' fill='none' stroke='#d00000'/>"
			"<text x='%d' y='%d'>missed (%llu)</text>\n", LEFT + 567, H - 29,
			LEFT + 575, H - 26, (unsigned long long)b->misses);
	fprintf(f, "</g>\n</g>\n");
}

int bench_write_plot(const bench *b, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t n;
	double *host = bench_sorted_field(b, BENCH_F_HOST, &n);
	double unit = host && rfx_bench_percentile(host, n, 0.5) < 1e6 ? 1e3 : 1e6;
	const char *u = unit == 1e3 ? "microseconds" : "milliseconds";
	int bad;

	if (!f) {
		perror(path);
		free(host);
		return -1;
	}
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
		"<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
		"viewBox='0 0 %d %d' font-family='sans-serif' font-size='12'>\n"
		"<rect width='100%%' height='100%%' fill='white'/>\n", W, H, W, H);
	fprintf(f, "<text x='%d' y='24' font-size='15' font-weight='bold'>rfx-bench: ", LEFT);
	text_escaped(f, b->opt.model);
	fprintf(f, "</text>\n<text x='%d' y='42'>", LEFT);
	text_escaped(f, b->have_device ? b->device.name : "CPU reference executor");
	fprintf(f, "; %s%s", b->opt.period_ms > 0.0 ? "periodic" : "back to back",
		b->opt.rt ? ", --rt" : "");
	fprintf(f, "</text>\n");
	histogram(f, b, host, n, unit, u);
	timeline(f, b, unit, u);
	fprintf(f, "</svg>\n");
	free(host);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "rfx-bench: writing %s failed\n", path);
		return -1;
	}
	return 0;
}
