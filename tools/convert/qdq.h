/*
 * qdq.h — import of models that are already quantized in ONNX's QDQ form
 * (QuantizeLinear / DequantizeLinear pairs, as ONNX Runtime's quantization
 * tools write them). Runs on the IR before translation and leaves a float
 * graph plus a table of the model's own scales, which the int8 pass
 * (quantize.h) uses instead of calibrating:
 *
 *  - DequantizeLinear of a constant (int8/uint8/int32 initializer): the
 *    node becomes the float constant (x - zero_point) * scale, per tensor
 *    or per axis. An int8 tensor with zero point 0 that a Conv/Gemm/MatMul
 *    may read as weights is recorded with its scales (one, or one per
 *    index of the quantized axis 0, the output channel of a Conv weight or
 *    of an rfx FC weight). Translation may copy or transpose a weight
 *    (Gemm, MatMul) under a new name, so a record also carries the hash of
 *    the float values, and a rank-2 tensor gets a second record for its
 *    transpose (a MatMul's [K, N] weight quantized along axis 1 is an FC
 *    weight [N, K] quantized along axis 0).
 *  - QuantizeLinear of a float constant followed by DequantizeLinear: the
 *    pair becomes the fake-quantized float constant, recorded as above.
 *  - QuantizeLinear of an activation x whose every reader is a
 *    DequantizeLinear with the same scale and zero point: the pair is
 *    removed (readers read x) and x is recorded with that scale and zero
 *    point. A uint8 pair (zero point z) is the int8 pair z - 128: the same
 *    real values on the same grid.
 *
 * QLinearConv and QLinearMatMul (ONNX's QOperator form) become a Conv /
 * MatMul of the float values their integers stand for, with dequantized
 * weights (recorded as above) and a float bias B * x_scale * w_scale; their
 * input and output are recorded with their grids, and the QuantizeLinear
 * feeding them and the DequantizeLinear reading them become Identity.
 *
 * Anything else (a QuantizeLinear whose integer output other ops use, a
 * DequantizeLinear of an activation that is not one of the above) is left
 * alone and later refused by translation as an unsupported op, with its
 * name.
 */
#ifndef RFX_CONVERT_QDQ_H
#define RFX_CONVERT_QDQ_H

#include <stdint.h>

#include "convert/ir.h"

typedef struct rfx_qdq_param {
	char *name;            /* the value's (tensor's) name */
	int is_weight;
	/* Activations: real = scale * (q - zero_point), q int8. */
	float scale;
	int32_t zero_point;
	/* Weights: symmetric int8; n_scales 1 (per tensor) or one per index
	 * of axis 0; FNV-1a 64 of the float values and their count. */
	uint32_t n_scales;
	float *scales;
	uint64_t hash, count;
} rfx_qdq_param;

typedef struct rfx_qdq_table {
	uint32_t n, cap;
	rfx_qdq_param *p;
	uint32_t pairs_removed;   /* activation Q/DQ pairs */
	uint32_t consts_folded;   /* DequantizeLinear of constants */
	uint32_t qlinear;         /* QLinearConv / QLinearMatMul converted */
} rfx_qdq_table;

void rfx_qdq_table_init(rfx_qdq_table *t);
void rfx_qdq_table_finish(rfx_qdq_table *t);
/* The entry for a name, or NULL. */
const rfx_qdq_param *rfx_qdq_find(const rfx_qdq_table *t, const char *name);
/* The weight entry for a float constant: by name, else by its values. */
const rfx_qdq_param *rfx_qdq_find_weights(const rfx_qdq_table *t,
                                          const char *name, const float *data,
                                          uint64_t count);

/* Rewrites g as described above, recording into t. Errors (malformed
 * scales or zero points) name the node. */
rfx_status rfx_qdq_import(rfx_ir_graph *g, rfx_qdq_table *t);

#endif
