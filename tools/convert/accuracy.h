/*
 * accuracy.h — what int8 costs, measured: the same samples through the
 * fp32 graph and the quantized graph on the CPU reference, compared layer
 * by layer.
 *
 * For every layer of the fp32 graph, its output x (fp32) is compared with
 * the same tensor in the quantized graph, x' (dequantized when I8, widened
 * when F16), over every element of every sample together:
 *
 *   SQNR   = 10 log10(sum x^2 / sum (x - x')^2) dB (+inf when x' == x);
 *   cosine = sum x x' / sqrt(sum x^2 * sum x'^2) (1 when both are zero).
 *
 * Two figures per layer:
 *  - end to end: x' is computed by the quantized graph from its own
 *    (already rounded) inputs: what a user of that tensor sees;
 *  - own: x' is computed by the layer alone, at its precision, from the
 *    fp32 graph's exact inputs (quantized to the layer's input grids): the
 *    error the layer adds by itself, its sensitivity to int8. Mixed
 *    precision judges layers by it, so that one lossy layer does not
 *    condemn every layer after it.
 * Top-1 agreement compares the argmax along the last
 * axis of the first graph output, row by row (one row per sample for a
 * classifier's [1, classes]).
 */
#ifndef RFX_CONVERT_ACCURACY_H
#define RFX_CONVERT_ACCURACY_H

#include <stdint.h>

#include "convert/calibrate.h"
#include "convert/qdq.h"
#include "convert/quantize.h"
#include "graph/graph.h"

typedef struct rfx_quant_layer_stat {
	char *name;           /* the fp32 layer's name */
	char *tensor;         /* its output tensor's name */
	rfx_op op;
	rfx_dtype precision;  /* in the quantized graph */
	float lo, hi;         /* calibrated range (have_range) */
	uint8_t have_range, from_qdq, demoted;
	float scale;          /* I8: the output's parameters */
	int32_t zero_point;
	double sqnr_db;       /* end to end; NAN when not measured */
	double cosine;
	double own_sqnr_db;   /* the layer alone (int8 layers) */
} rfx_quant_layer_stat;

typedef struct rfx_quant_report {
	uint32_t n_layers;
	rfx_quant_layer_stat *layers; /* one per fp32 (split) layer */
	char method[32];              /* calibration method, "" if none */
	uint32_t calib_samples;
	uint32_t eval_samples;        /* 0: not measured */
	int eval_is_calib;            /* measured on the calibration set */
	uint32_t top1_rows, top1_same;
	double output_sqnr_db, output_cosine; /* first graph output */
	/* The final graph. */
	uint32_t n_i8, n_f16, n_f32, n_quantize, n_dequantize;
	uint32_t split;               /* activations moved out of int8 layers */
	/* Mixed precision (--int8-min-sqnr). */
	int mixed;
	double min_sqnr;
	uint32_t rounds;              /* evaluations it took */
	uint32_t demoted;
	/* The model's own QDQ quantization. */
	uint32_t qdq_pairs, qdq_consts, qdq_qlinear, qdq_params_used;
} rfx_quant_report;

void rfx_quant_report_finish(rfx_quant_report *r);

/* Per-layer sums of one evaluation (sum x^2, sum (x - x')^2, sum x x',
 * sum x'^2), indexed by fp32 layer: end to end, and own (oee: sum of the
 * layer's own squared error; has_own: measured). */
typedef struct rfx_quant_eval {
	uint32_t n_layers, samples;
	double *xx, *ee, *xy, *yy;
	double *oee;
	uint8_t *has_own;
	uint32_t top1_rows, top1_same;
} rfx_quant_eval;

void rfx_quant_eval_finish(rfx_quant_eval *e);
double rfx_quant_eval_sqnr(const rfx_quant_eval *e, uint32_t layer);
double rfx_quant_eval_cosine(const rfx_quant_eval *e, uint32_t layer);
/* NAN when the layer was not measured alone (not int8). */
double rfx_quant_eval_own_sqnr(const rfx_quant_eval *e, uint32_t layer);

/*
 * Runs every sample of src through ref (all float) and q on the CPU
 * reference. where[t] is the tensor of q holding ref tensor t's value
 * (rfx_quant_build's `where`); layers whose output has none are left at
 * zero sums. When plan is not NULL (the plan q was built with, qdq as
 * given to the build), each of its I8 layers is also run alone on ref's
 * values. Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT (no samples, inputs
 * that differ), the CPU executor's and src's.
 */
rfx_status rfx_quant_evaluate(const rfx_graph *ref, const rfx_graph *q,
                              const uint32_t *where,
                              const rfx_quant_plan *plan,
                              const rfx_qdq_table *qdq,
                              const rfx_sample_source *src,
                              rfx_progress_fn progress, void *progress_user,
                              rfx_quant_eval *out, char *err, size_t errlen);

/* Index of the largest of n values (the first on a tie; NaN never wins). */
uint32_t rfx_argmax(const float *v, uint32_t n);

#endif
