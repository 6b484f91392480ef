/* The liveness-based memory plan: every activation tensor gets an offset in
 * one arena; tensors whose lifetimes do not overlap share bytes. */
#ifndef RFX_VK_PLAN_H
#define RFX_VK_PLAN_H

#include <stdint.h>

#include "graph/graph.h"

#define RFX_PLAN_NONE UINT64_MAX

typedef struct rfx_plan {
	uint64_t *offset;     /* per tensor: arena offset, or RFX_PLAN_NONE */
	uint32_t *alias_of;   /* per tensor: the tensor whose bytes it shares
	                         (itself unless a view: a Reshape's output, or
	                         an input of a Concat written in place) */
	uint32_t *fused_into; /* per layer: the layer whose dispatch computes
	                         it (itself unless fused: the layers of a
	                         classifier head run in its last layer's) */
	uint64_t arena_bytes; /* the arena's size */
	uint64_t tensor_bytes;/* sum of every planned tensor's size */
} rfx_plan;

/* What rfx_plan_build may fuse (flags). A classifier head is a
 * GLOBAL_POOL -> [RESHAPE] -> FC, all float (HEAD) or all int8 (HEAD_I8),
 * each intermediate read by the next layer alone and not a graph output,
 * and FC's K at most RFX_PLAN_HEAD_MAX_K (the pooled vector is held in the
 * kernel's shared memory): one dispatch (engine/vk/ops/head.c) at the FC. A SOFTMAX after the FC stays its own
 * dispatch: it needs all N outputs of a row, so one workgroup would have
 * to compute the whole FC; on lavapipe that measured 27 % slower (median)
 * than head + softmax for efficientnet_b0's head (K 1280, N 1000), and no
 * better beyond noise for resnet18's (K 512). */
#define RFX_PLAN_FUSE_HEAD 1
#define RFX_PLAN_FUSE_HEAD_I8 2
#define RFX_PLAN_HEAD_MAX_K 4096u

/* Plans every tensor that is not a constant and, unless io_in_arena, not a
 * graph input or output (those then live in host-visible buffers). Offsets
 * are multiples of `align`. A Reshape whose input and output both live in
 * the arena becomes a view: its output shares its input's bytes and the
 * layer needs no dispatch. So does a Concat along its outermost non-1 axis
 * whose inputs are arena tensors written by layers (plan.c says exactly
 * which): each input is placed inside the output, and the layers that
 * write them write the concatenation. With `fuse` (RFX_PLAN_FUSE_*
 * flags), fused_into says which layers run in another's dispatch; their
 * tensors are planned for both ways of running (a fused layer's inputs
 * live until the dispatch that reads them, its outputs from the layer's
 * own place), so a session may still run a head unfused
 * (rfx_plan_unfuse) where its dispatch does not fit the device.
 * Statuses: RFX_OK, RFX_E_OUT_OF_MEMORY. */
rfx_status rfx_plan_build(const rfx_graph *g, uint64_t align, int io_in_arena,
                          int fuse, rfx_plan *out);
void rfx_plan_finish(rfx_plan *p);

/* Whether layer l is a Reshape or Concat turned into a view by the plan. */
int rfx_plan_is_view(const rfx_plan *p, const rfx_graph *g, const rfx_layer *l);

/* The first layer fused into layer `last` (a head's GLOBAL_POOL), or
 * `last` itself when none is. */
uint32_t rfx_plan_fused_first(const rfx_plan *p, const rfx_graph *g,
                              uint32_t last);
/* Runs every layer fused into `last` in its own dispatch again. */
void rfx_plan_unfuse(rfx_plan *p, const rfx_graph *g, uint32_t last);

#endif
