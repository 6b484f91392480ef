/* Per-op shape rules (one file per op) and the checks they share. */
#ifndef RFX_GRAPH_OPS_H
#define RFX_GRAPH_OPS_H

#include "graph/graph.h"

typedef rfx_status (*rfx_infer_fn)(const rfx_graph *g, const rfx_layer *l,
                                   rfx_tensor *out, char *err, size_t errlen);

rfx_status rfx_infer_conv2d(const rfx_graph *g, const rfx_layer *l,
                            rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_fc(const rfx_graph *g, const rfx_layer *l,
                        rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_pool2d(const rfx_graph *g, const rfx_layer *l,
                            rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_global_pool(const rfx_graph *g, const rfx_layer *l,
                                 rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_binary(const rfx_graph *g, const rfx_layer *l,
                            rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_unary(const rfx_graph *g, const rfx_layer *l,
                           rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_concat(const rfx_graph *g, const rfx_layer *l,
                            rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_reshape(const rfx_graph *g, const rfx_layer *l,
                             rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_transpose(const rfx_graph *g, const rfx_layer *l,
                               rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_pad(const rfx_graph *g, const rfx_layer *l,
                         rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_softmax(const rfx_graph *g, const rfx_layer *l,
                             rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_reduce_mean(const rfx_graph *g, const rfx_layer *l,
                                 rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_quantize(const rfx_graph *g, const rfx_layer *l,
                              rfx_tensor *out, char *err, size_t errlen);
rfx_status rfx_infer_dequantize(const rfx_graph *g, const rfx_layer *l,
                                rfx_tensor *out, char *err, size_t errlen);

/* Writes "fmt..." into err and returns RFX_E_FORMAT. */
rfx_status rfx_op_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The k-th input tensor (index already checked by the dispatcher). */
const rfx_tensor *rfx_op_in(const rfx_graph *g, const rfx_layer *l,
                            uint32_t k);

/* n_inputs within [min, max]. */
rfx_status rfx_op_check_inputs(const rfx_layer *l, uint32_t min, uint32_t max,
                               char *err, size_t errlen);
/* An activation: dtype F32, F16 or I8, and exactly `rank` dims (rank < 0:
 * any rank). `what` names it in the message ("input", "residual"). */
rfx_status rfx_op_check_act_input(const rfx_layer *l, const rfx_tensor *t,
                                  const char *what, int rank, char *err,
                                  size_t errlen);
/* Constant weight w and bias b for the layer's precision (see graph.h). */
rfx_status rfx_op_check_weights(const rfx_layer *l, const rfx_tensor *w,
                                const rfx_tensor *b, char *err,
                                size_t errlen);
/* A fused or standalone activation in i[slot] with parameters f[0], f[1];
 * f[2], f[3] must be 0. */
rfx_status rfx_op_check_act(const rfx_layer *l, uint32_t slot, char *err,
                            size_t errlen);
/* i[first_i..] and f[first_f..] are 0. */
rfx_status rfx_op_check_unused(const rfx_layer *l, uint32_t first_i,
                               uint32_t first_f, char *err, size_t errlen);
/* A 0/1 flag in i[slot]. */
rfx_status rfx_op_check_flag(const rfx_layer *l, uint32_t slot,
                             const char *what, char *err, size_t errlen);
/* i[slot] within [lo, hi]. */
rfx_status rfx_op_check_range(const rfx_layer *l, uint32_t slot,
                              const char *what, int64_t lo, int64_t hi,
                              char *err, size_t errlen);
/* Sets out's rank and dims after checking each dim is 1..RFX_MAX_DIM and
 * the element count <= RFX_MAX_ELEMENTS. */
rfx_status rfx_op_set_shape(const rfx_layer *l, rfx_tensor *out,
                            uint32_t rank, const uint64_t *dims, char *err,
                            size_t errlen);

#endif
