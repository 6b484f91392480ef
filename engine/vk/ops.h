/* How each op becomes dispatches: which kernel variant, which tensors at
 * which bindings, push constants and workgroup counts. One file per op in
 * engine/vk/ops/, named like the op. */
#ifndef RFX_VK_OPS_H
#define RFX_VK_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

#define RFX_VK_MAX_BINDINGS_PER_DISPATCH 5
#define RFX_VK_PUSH_WORDS 32

typedef struct rfx_vk_dispatch {
	char shader[32];       /* embedded variant, e.g. "conv2d_ffff" */
	uint32_t n_bindings;
	uint32_t tensor[RFX_VK_MAX_BINDINGS_PER_DISPATCH]; /* per binding */
	uint32_t out_binding;  /* the binding written; the others are read */
	/* Bytes of the output tensor written (all of it unless a slice). */
	uint64_t write_offset, write_bytes;
	uint32_t push[RFX_VK_PUSH_WORDS];
	uint32_t push_size;    /* bytes */
	uint32_t local[2];     /* workgroup size x, y (specialization) */
	uint32_t groups[3];
} rfx_vk_dispatch;

/* Fills d[0..*n) (room for RFX_MAX_LAYER_INPUTS) for layer l. On failure
 * writes a message naming the layer and returns RFX_E_UNSUPPORTED. */
rfx_status rfx_vk_layer_dispatches(const rfx_graph *g, const rfx_layer *l,
                                   rfx_vk_dispatch *d, uint32_t *n, char *err,
                                   size_t errlen);

/* Shared by the per-op files. */
typedef rfx_status (*rfx_vk_op_fn)(const rfx_graph *g, const rfx_layer *l,
                                   rfx_vk_dispatch *d, uint32_t *n, char *err,
                                   size_t errlen);
rfx_status rfx_vk_op_conv2d(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_fc(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_pool2d(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_global_pool(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_binary(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_unary(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_concat(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_reshape(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_transpose(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_pad(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_softmax(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_reduce_mean(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);

/* Names the variant: base + one letter per tensor ('f' fp32, 'h' fp16).
 * RFX_E_UNSUPPORTED for another dtype. */
rfx_status rfx_vk_variant(rfx_vk_dispatch *d, const rfx_graph *g,
                          const rfx_layer *l, const char *base,
                          const uint32_t *tensors, uint32_t n, char *err,
                          size_t errlen);
/* Binds tensors[0..n) in order, the last being the output (whole). */
void rfx_vk_bind(rfx_vk_dispatch *d, const rfx_graph *g, const uint32_t *tensors,
                 uint32_t n);
/* Workgroups for `count` invocations in 1-D (64 wide, spilling into y). */
rfx_status rfx_vk_groups_1d(rfx_vk_dispatch *d, uint64_t count, char *err,
                            size_t errlen);
/* dims of t right-aligned into 6 (leading 1s). */
void rfx_vk_dims6(const rfx_tensor *t, uint32_t out[6]);
/* Appends words to the push constants. */
void rfx_vk_push(rfx_vk_dispatch *d, const uint32_t *w, uint32_t n);
void rfx_vk_push_u(rfx_vk_dispatch *d, uint32_t v);
void rfx_vk_push_f(rfx_vk_dispatch *d, float v);

#define RFX_VK_MAX_GROUPS 65535u

#endif
