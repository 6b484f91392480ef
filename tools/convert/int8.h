/*
 * int8.h — precision int8 from end to end, on the all-F32 graph the
 * importer made (rfx_convert_onnx calls it for RFX_DTYPE_I8):
 *
 *   split (quantize.h) -> calibrate on the samples (calibrate.h; skipped
 *   when the model brings its own QDQ scales and no samples are given) ->
 *   plan and build the int8 graph (quantize.h) -> measure it against fp32
 *   (accuracy.h) -> with a minimum SQNR, keep in fp16 the int8 layers
 *   whose own error misses it, build again and measure again.
 *
 * Mixed precision judges each int8 layer by its own SQNR (accuracy.h: the
 * layer alone, on the fp32 graph's exact inputs): the end-to-end figure
 * of a deep layer carries every earlier layer's error, and judging by it
 * would demote everything after the first lossy layer. One measurement
 * decides, one more reports the result.
 */
#ifndef RFX_CONVERT_INT8_H
#define RFX_CONVERT_INT8_H

#include "convert/accuracy.h"
#include "convert/calibrate.h"
#include "convert/qdq.h"
#include "graph/graph.h"

typedef struct rfx_quant_options {
	rfx_calib_method method;
	rfx_sample_source calib;   /* count 0: QDQ scales only */
	rfx_sample_source eval;    /* count 0: measure on calib */
	int report;                /* measure the accuracy */
	int mixed;                 /* demote layers below min_sqnr (dB) */
	double min_sqnr;
	rfx_progress_fn progress;  /* NULL: silent */
	void *progress_user;
} rfx_quant_options;

/* minmax, no samples, no report, no mixed precision. */
void rfx_quant_options_default(rfx_quant_options *o);

/*
 * fp: an all-float graph with one F32 input (not modified). qdq: the
 * model's own scales (NULL: none). Writes the int8 graph into *out (owned
 * by the caller) and, when rep is not NULL, the report (free with
 * rfx_quant_report_finish()). golden: store the CPU reference's answer for
 * a seeded random input, as rfx_convert_golden(). log receives one line
 * per step (NULL: silent). Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT (no
 * samples and no QDQ scales; mixed precision without samples),
 * RFX_E_OUT_OF_MEMORY, the CPU executor's, the sample source's.
 */
rfx_status rfx_convert_int8(const rfx_graph *fp, const rfx_qdq_table *qdq,
                            const rfx_quant_options *opt, int golden,
                            uint32_t golden_seed,
                            void (*log)(void *user, const char *line),
                            void *log_user, rfx_graph *out,
                            rfx_quant_report *rep, char *err, size_t errlen);

#endif
