/* shape.h — ONNX's shape rules for the data-movement ops (Reshape, Flatten,
 * Squeeze, Unsqueeze, broadcasting), and attribute-or-input helpers, shared
 * by constant folding and translation. Each writes rank and dims of *out
 * (not type, not data) and reports errors against node `node`. */
#ifndef RFX_CONVERT_SHAPE_H
#define RFX_CONVERT_SHAPE_H

#include "convert/ir.h"

/* Normalizes a possibly negative axis against rank. */
rfx_status rfx_shape_axis(rfx_ir_graph *g, uint32_t node, int64_t axis,
                          uint32_t rank, uint32_t *out);

/* Reshape to `shape` (n entries; 0 copies the input dim unless allowzero,
 * -1 is inferred once). */
rfx_status rfx_shape_reshape(rfx_ir_graph *g, uint32_t node,
                             const rfx_ir_tensor *in, const int64_t *shape,
                             uint32_t n, int allowzero, rfx_ir_tensor *out);
rfx_status rfx_shape_flatten(rfx_ir_graph *g, uint32_t node,
                             const rfx_ir_tensor *in, int64_t axis,
                             rfx_ir_tensor *out);
/* axes NULL: every dim of size 1. */
rfx_status rfx_shape_squeeze(rfx_ir_graph *g, uint32_t node,
                             const rfx_ir_tensor *in, const int64_t *axes,
                             uint32_t n, rfx_ir_tensor *out);
rfx_status rfx_shape_unsqueeze(rfx_ir_graph *g, uint32_t node,
                               const rfx_ir_tensor *in, const int64_t *axes,
                               uint32_t n, rfx_ir_tensor *out);
/* numpy broadcasting of two shapes. */
rfx_status rfx_shape_broadcast(rfx_ir_graph *g, uint32_t node,
                               const rfx_ir_tensor *a, const rfx_ir_tensor *b,
                               rfx_ir_tensor *out);

/* Slice (starts, ends, axes, steps as attributes before opset 10, inputs
 * 1..4 from opset 10): per axis of `in`, the first index begin[d], the
 * step step[d] and the output size out->dims[d]. */
rfx_status rfx_shape_slice(rfx_ir_graph *g, uint32_t node,
                           const rfx_ir_tensor *in, int64_t *begin,
                           int64_t *step, rfx_ir_tensor *out);

/*
 * A list of integers that older opsets give as attribute `attr` and newer
 * ones (opset >= input_opset) as the constant input `input`. On RFX_OK
 * *present says whether it was given; *vals points into the node's
 * attribute or the constant's data (valid until the graph changes), *n is
 * its length. A non-constant input is RFX_E_UNSUPPORTED.
 */
rfx_status rfx_shape_ints(rfx_ir_graph *g, uint32_t node, const char *attr,
                          uint32_t input, int64_t input_opset,
                          const int64_t **vals, uint32_t *n, int *present);

/* The input `input` of the node as a constant (NULL when absent or not a
 * constant). */
const rfx_ir_tensor *rfx_shape_const_input(const rfx_ir_graph *g,
                                           uint32_t node, uint32_t input);

#endif
