/*
 * convert.h — the ONNX import pipeline as a library (rfx_convert_lib):
 * rfx-convert, its tests and the ONNX conformance runner call it
 * in-process.
 *
 *     rfx_convert_options opt;
 *     rfx_convert_stats stats;
 *     rfx_graph g;
 *     char err[1024];
 *     rfx_convert_options_default(&opt);
 *     opt.precision = RFX_DTYPE_F16;
 *     if (rfx_convert_onnx(bytes, size, &opt, &g, &stats, err, sizeof(err)))
 *         fprintf(stderr, "%s\n", err);     // names node, op type, opset
 *     ...rfx_format_write_file(&g, "net.rfx", ...)...
 *     rfx_graph_finish(&g);
 *
 * Pipeline: parse (onnx_load.c) -> graph inputs resolved (frozen inputs
 * become constants, free dimensions fixed) -> drop Identity/Dropout
 * (simplify.c) -> translate each node into an rfx layer, folding constant
 * subgraphs on the way (translate*.c, fold.c) -> remove dead nodes ->
 * fold BatchNormalization, fuse HardSwish, activations and residual adds
 * (simplify.c) -> lower through the graph builder (lower.c) -> metadata and
 * optional golden pair (golden.c).
 */
#ifndef RFX_CONVERT_CONVERT_H
#define RFX_CONVERT_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include "convert/ir.h"
#include "graph/graph.h"

#define RFX_CONVERT_VERSION "0.1.0"

/* A graph input replaced by a constant. The tensor is copied; its type is
 * RFX_IR_FLOAT (float data) or RFX_IR_INT (int64 data). */
typedef struct rfx_convert_freeze {
	const char *name;
	rfx_ir_tensor value;
} rfx_convert_freeze;

struct rfx_quant_options;
struct rfx_quant_report;

typedef struct rfx_convert_options {
	rfx_dtype precision;          /* RFX_DTYPE_F32, F16 or I8 (int8.h) */
	/* Size of a free H/W of a rank-4 input (--input-size); 0: none. A free
	 * batch dimension (axis 0) always becomes 1. */
	uint32_t input_w, input_h;
	const rfx_convert_freeze *freeze;
	uint32_t n_freeze;
	/* Metadata. labels: '\n'-separated (NULL: none); color "rgb"/"bgr"
	 * (NULL: "rgb"); mean/std: n_mean/n_std values (0: not given). */
	const char *labels;
	const char *color;
	float scale;                  /* 0: not given */
	float mean[4], std[4];
	uint32_t n_mean, n_std;
	const char *source_name;      /* the ONNX file's name */
	/* Store a golden pair: the CPU reference's output for a seeded random
	 * input (uniform in [-1, 1]). */
	int golden;
	uint32_t golden_seed;
	/* int8 (precision I8): calibration samples, method, report and mixed
	 * precision (convert/int8.h; NULL: the model's own QDQ scales only),
	 * and where the report goes (NULL: not wanted; free it with
	 * rfx_quant_report_finish()). */
	const struct rfx_quant_options *quant;
	struct rfx_quant_report *report;
	/* Receives one line per pass ("fold-bn: ..."); NULL: silent. */
	void (*log)(void *user, const char *line);
	void *log_user;
} rfx_convert_options;

typedef struct rfx_convert_stats {
	uint32_t onnx_nodes;      /* before simplification */
	int64_t opset;
	uint32_t identity_removed, folded, dead_removed;
	uint32_t bn_folded, bn_expanded;
	uint32_t hardswish_fused, swish_fused, act_fused, residual_fused;
	uint32_t layers;          /* after */
	uint64_t params;          /* elements of constants */
	uint64_t macs;            /* multiply-accumulates of conv and fc */
	uint64_t weight_bytes;    /* bytes of constants */
	uint64_t peak_activation_bytes; /* most activation bytes live at once */
	uint64_t source_hash;     /* FNV-1a 64 of the ONNX bytes */
} rfx_convert_stats;

void rfx_convert_options_default(rfx_convert_options *opt);

/* "rfx-convert 0.1.0" */
const char *rfx_convert_version(void);

/* FNV-1a 64. */
uint64_t rfx_fnv1a64(const void *data, size_t size);

/*
 * Converts ONNX bytes into *out (owned by the caller: rfx_graph_finish()).
 * stats may be NULL. On failure *out is zeroed and err names the node, its
 * op type and the opset where one is to blame. Statuses: RFX_OK,
 * RFX_E_FORMAT (malformed ONNX), RFX_E_UNSUPPORTED (an op, attribute,
 * dtype or shape reflex does not serve), RFX_E_INVALID_ARGUMENT (bad
 * options, e.g. a frozen input the model does not have),
 * RFX_E_OUT_OF_MEMORY, RFX_E_INTERNAL.
 */
rfx_status rfx_convert_onnx(const void *onnx, size_t size,
                            const rfx_convert_options *opt, rfx_graph *out,
                            rfx_convert_stats *stats, char *err,
                            size_t errlen);

/* Parameters, MACs, weight bytes, peak activation bytes of a graph. */
void rfx_convert_measure(const rfx_graph *g, rfx_convert_stats *s);

/* golden.c: runs g on the CPU reference with seeded random inputs
 * (uniform in [-1, 1]) and returns the first input's and first output's
 * bytes (malloc()ed, the caller frees them). */
rfx_status rfx_convert_golden(const rfx_graph *g, uint32_t seed,
                              void **in_bytes, uint64_t *in_size,
                              void **out_bytes, uint64_t *out_size, char *err,
                              size_t errlen);

#endif
