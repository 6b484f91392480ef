/*
 * calibrate.h — activation ranges for int8 quantization.
 *
 * The converter runs the fp32 graph on the CPU reference executor over a
 * set of sample inputs and watches every activation tensor. Each tensor's
 * statistics live in an rfx_calib_stat, filled in two passes over the
 * samples:
 *
 *   1. min and max of every value (rfx_calib_stat_minmax);
 *   2. for the histogram methods, two 2048-bin histograms of |x| over
 *      [0, amax], amax = max(|min|, |max|) from pass 1: one of the values
 *      >= 0, one of the values < 0 (rfx_calib_stat_hist).
 *
 * Two passes keep the histogram's bins fixed, so its counts are exact (no
 * re-binning when a later sample widens the range).
 *
 * rfx_calib_stat_range() then turns the statistics into a range [lo, hi]:
 *
 *  - minmax: [min, max];
 *  - percentile P (default 99.99): lo is the (100 - P)-th and hi the P-th
 *    percentile of the signed values, read off the histograms with linear
 *    interpolation inside a bin, then clamped to [min, max];
 *  - entropy: the threshold T that minimizes the KL divergence between the
 *    |x| histogram clipped at T and its quantized copy, as TensorRT's and
 *    MXNet's calibrators do: for each candidate of i bins (`levels` up to
 *    2048), P is the first i bins with the mass beyond added to bin i-1,
 *    Q merges those i bins (without that mass) into `levels` levels (bin
 *    k to level floor(k * levels / i)) and spreads each level back evenly
 *    over its bins where P is non-zero; T = i * bin width for the i with
 *    the smallest KL(P || Q), the first on a tie. Bin 0 (where
 *    a ReLU's many exact zeros land) counts as much as bin 1, as in
 *    NVIDIA's pytorch-quantization, or its spike would decide T. The
 *    range is [max(min, -T), min(max, T)]. `levels` is 255 for a tensor
 *    that is never negative (an asymmetric int8 tensor spends all its 256
 *    codes on [0, T]) and 128 otherwise (half of the codes per side).
 *
 * Non-finite values are ignored (counted in `nonfinite`).
 */
#ifndef RFX_CONVERT_CALIBRATE_H
#define RFX_CONVERT_CALIBRATE_H

#include <stdint.h>

#include "graph/graph.h"

#define RFX_CALIB_BINS 2048
#define RFX_CALIB_DEFAULT_PERCENTILE 99.99

typedef enum rfx_calib_kind {
	RFX_CALIB_MINMAX = 0,
	RFX_CALIB_PERCENTILE,
	RFX_CALIB_ENTROPY
} rfx_calib_kind;

typedef struct rfx_calib_method {
	rfx_calib_kind kind;
	double percentile; /* RFX_CALIB_PERCENTILE: in (50, 100] */
} rfx_calib_method;

typedef struct rfx_calib_stat {
	float min, max;      /* over every finite value of pass 1 */
	uint64_t count;      /* finite values of pass 1 */
	uint64_t nonfinite;
	float amax;          /* histogram extent, fixed by begin_hist */
	uint64_t *pos, *neg; /* RFX_CALIB_BINS counts each, NULL before */
	uint64_t hist_count;
} rfx_calib_stat;

/* "minmax", "percentile=99.9", "entropy" (and "percentile" alone, meaning
 * the default) into *m. Returns 0, or -1 for anything else. */
int rfx_calib_method_parse(const char *s, rfx_calib_method *m);
/* "minmax", "percentile(99.99)", "entropy" into buf. */
const char *rfx_calib_method_str(const rfx_calib_method *m, char *buf,
                                 size_t len);
/* Whether the method needs pass 2. */
int rfx_calib_method_needs_hist(const rfx_calib_method *m);

void rfx_calib_stat_init(rfx_calib_stat *s);
void rfx_calib_stat_finish(rfx_calib_stat *s);

/* Pass 1. */
void rfx_calib_stat_minmax(rfx_calib_stat *s, const float *x, uint64_t n);
/* Allocates the histograms over [0, amax] (amax from pass 1). Returns
 * RFX_OK or RFX_E_OUT_OF_MEMORY. */
rfx_status rfx_calib_stat_begin_hist(rfx_calib_stat *s);
/* Pass 2 (after begin_hist). Values beyond amax (none when pass 2 sees
 * the same samples) land in the last bin. */
void rfx_calib_stat_hist(rfx_calib_stat *s, const float *x, uint64_t n);

/* The range for a method. A tensor with no finite value gets [0, 0]; a
 * histogram method without histograms falls back to [min, max]. */
void rfx_calib_stat_range(const rfx_calib_stat *s, const rfx_calib_method *m,
                          float *lo, float *hi);

/* A source of sample inputs (calibration or evaluation images). */
typedef struct rfx_sample_source {
	uint32_t count;
	/* Writes sample k (< count) of graph g's first input, F32 in that
	 * input's shape, into dst. A message goes into err on failure. */
	rfx_status (*get)(void *user, uint32_t k, const rfx_graph *g,
			  float *dst, char *err, size_t errlen);
	void *user;
} rfx_sample_source;

/* Progress of a long step: `done` of `total` samples. */
typedef void (*rfx_progress_fn)(void *user, const char *what, uint32_t done,
                                uint32_t total);

/*
 * Runs g (one F32 input, float layers) on the CPU reference over every
 * sample of src, twice for a histogram method, and sets, for every tensor
 * that is not a constant and is F32, lo[t], hi[t] and have[t] = 1 (arrays
 * of g->n_tensors entries; have[t] = 0 elsewhere). progress may be NULL.
 * Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT (no samples, not one F32
 * input), RFX_E_OUT_OF_MEMORY, whatever the CPU executor or src returns.
 */
rfx_status rfx_calibrate(const rfx_graph *g, const rfx_sample_source *src,
                         const rfx_calib_method *m, rfx_progress_fn progress,
                         void *progress_user, float *lo, float *hi,
                         uint8_t *have, char *err, size_t errlen);

/* The entropy threshold of a |x| histogram of `bins` bins of width 1 (in
 * bin units: multiply by the real bin width), for `levels` quantization
 * levels. Exposed for the tests. */
double rfx_calib_entropy_threshold(const uint64_t *hist, uint32_t bins,
                                   uint32_t levels);

#endif
