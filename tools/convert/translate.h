/*
 * translate.h — ONNX nodes -> rfx layers, in graph order, folding constants
 * on the way (a node whose inputs are constants is evaluated instead), and
 * inferring every output shape with the engine's own rule
 * (rfx_layer_infer). After rfx_translate() every live node is an
 * RFX_IR_LAYER or an RFX_IR_BN and every value has a shape.
 *
 * The rfx_tr_* helpers are shared by the translate_*.c files only.
 */
#ifndef RFX_CONVERT_TRANSLATE_H
#define RFX_CONVERT_TRANSLATE_H

#include "convert/ir.h"

/* Highest default-domain opset the converter knows. */
#define RFX_CONVERT_MAX_OPSET 17

/* Translates every node; *folded counts nodes evaluated as constants. */
rfx_status rfx_translate(rfx_ir_graph *g, uint32_t *folded);

/* Whether an ONNX op is translated into a layer (not only folded). */
int rfx_translate_knows(const char *op_type);

/* ---- shared by translate*.c ---- */

typedef rfx_status (*rfx_tr_fn)(rfx_ir_graph *g, uint32_t *k);

/* Every attribute of node k is in `known` (NULL-terminated). */
rfx_status rfx_tr_attrs(rfx_ir_graph *g, uint32_t k, const char *const *known);
/* Input j exists, is a float tensor with a known shape of rank `rank`
 * (-1: any); its value index goes to *v. */
rfx_status rfx_tr_input(rfx_ir_graph *g, uint32_t k, uint32_t j, int rank,
                        int32_t *v);
/* Input j is a float constant (rank `rank`, -1 any); NULL-able v. */
rfx_status rfx_tr_const_input(rfx_ir_graph *g, uint32_t k, uint32_t j,
                              int rank, const char *what, int32_t *v);
/* A new float constant named after node k + suffix, of the given shape,
 * with data copied from `data` (zeros when NULL). */
rfx_status rfx_tr_new_const(rfx_ir_graph *g, uint32_t k, const char *suffix,
                            uint32_t rank, const int64_t *dims,
                            const float *data, int32_t *v);
/* A new activation value named after node k + suffix (shape set later). */
rfx_status rfx_tr_new_value(rfx_ir_graph *g, uint32_t k, const char *suffix,
                            int32_t *v);
/* Turns node k into layer `op` reading in[0..n_in-1]; keeps its first
 * output (any other output must be unused). Attributes i[], f[] are 0. */
rfx_status rfx_tr_layer(rfx_ir_graph *g, uint32_t k, rfx_op op,
                        const int32_t *in, uint32_t n_in);
/* Inserts a layer node at position `at` (nodes from `at` move up), named
 * after node `from` + suffix, reading in[], writing value out. Its
 * attributes are 0; set them, then rfx_tr_infer(). Indices of nodes at or
 * after `at` (from included, when from >= at) grow by one. */
rfx_status rfx_tr_insert_layer(rfx_ir_graph *g, uint32_t at, uint32_t from,
                               const char *suffix, rfx_op op,
                               const int32_t *in, uint32_t n_in, int32_t out);
/* Runs the engine's shape rule on layer k and records the output shape.
 * For RESHAPE the output's shape must be set first; the rule checks it. */
rfx_status rfx_tr_infer(rfx_ir_graph *g, uint32_t k);
/* An INTS attribute of exactly n entries into out (def when absent). */
rfx_status rfx_tr_ints(rfx_ir_graph *g, uint32_t k, const char *name,
                       uint32_t n, int64_t def, int64_t *out);

/* A constant scalar input j (float or int), def when absent. */
rfx_status rfx_tr_scalar_input(rfx_ir_graph *g, uint32_t k, uint32_t j,
                               const char *what, float def, float *out);

/* translate_data.c: data movement. */
rfx_status rfx_tr_concat(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_reshape(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_flatten(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_squeeze(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_unsqueeze(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_transpose(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_pad(rfx_ir_graph *g, uint32_t *k);
/* Identity/Dropout kept as a copy (a RESHAPE to the same shape). */
rfx_status rfx_tr_copy(rfx_ir_graph *g, uint32_t *k);

/* translate_conv.c: ops with weights or windows. */
rfx_status rfx_tr_conv(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_gemm(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_matmul(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_batchnorm(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_maxpool(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_avgpool(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_global_pool(rfx_ir_graph *g, uint32_t *k);

/* translate_slice.c: Slice and Split of activations, as exact selections
 * with the layers graph.h has (reshape, transpose, one-hot fc). */
rfx_status rfx_tr_slice(rfx_ir_graph *g, uint32_t *k);
rfx_status rfx_tr_split(rfx_ir_graph *g, uint32_t *k);

#endif
