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
	uint64_t arena_bytes; /* the arena's size */
	uint64_t tensor_bytes;/* sum of every planned tensor's size */
} rfx_plan;

/* Plans every tensor that is not a constant and, unless io_in_arena, not a
 * graph input or output (those then live in host-visible buffers). Offsets
 * are multiples of `align`. A Reshape whose input and output both live in
 * the arena becomes a view: its output shares its input's bytes and the
 * layer needs no dispatch. So does a Concat along its outermost non-1 axis
 * whose inputs are arena tensors written by layers (plan.c says exactly
 * which): each input is placed inside the output, and the layers that
 * write them write the concatenation. Statuses: RFX_OK,
 * RFX_E_OUT_OF_MEMORY. */
rfx_status rfx_plan_build(const rfx_graph *g, uint64_t align, int io_in_arena,
                          rfx_plan *out);
void rfx_plan_finish(rfx_plan *p);

/* Whether layer l is a Reshape or Concat turned into a view by the plan. */
int rfx_plan_is_view(const rfx_plan *p, const rfx_graph *g, const rfx_layer *l);

#endif
