/* The Vulkan half of a session (engine/core/session.c calls these). */
#ifndef RFX_VK_VK_SESSION_H
#define RFX_VK_VK_SESSION_H

#include <stdatomic.h>

#include "core/model.h"

rfx_status rfx_vk_session_create(rfx_session *s, const rfx_session_options *opt);
void rfx_vk_session_destroy(rfx_session *s);
void *rfx_vk_session_input(rfx_session *s, uint32_t i);
const void *rfx_vk_session_output(rfx_session *s, uint32_t i);
rfx_status rfx_vk_session_submit(rfx_session *s);
rfx_status rfx_vk_session_wait(rfx_session *s, uint64_t deadline_ns);

/* See rfx_session_gpu_time_ns() / rfx_session_profile() in reflex.h. */
rfx_status rfx_vk_session_gpu_time_ns(rfx_session *s, uint64_t *ns);
rfx_status rfx_vk_session_profile(rfx_session *s, uint64_t *layer_ns,
                                  uint32_t n_layers, uint64_t *total_ns);

/* Test hook (internal; not exported from libreflex.so): when set, the next
 * wait reports VK_ERROR_DEVICE_LOST and clears it. */
extern atomic_int rfx_fault_device_lost;

/* The memory plan of a session: arena bytes vs the sum of all activation
 * tensors, and the number of dispatches recorded. */
typedef struct rfx_vk_session_stats {
	uint64_t arena_bytes;
	uint64_t tensor_bytes;
	uint64_t weight_bytes;
	uint32_t dispatches;
	uint32_t barriers;
	uint32_t pipelines;
	uint32_t int8_dot;  /* dispatches on the packed integer dot product */
} rfx_vk_session_stats;
void rfx_vk_session_stats_get(const rfx_session *s, rfx_vk_session_stats *out);

/* The kernel variant layer `layer` runs (ops.h: rfx_vk_layer_variants(),
 * chosen at creation by RFX_FORCE_VARIANT, the tuning cache, measurement or
 * the device's default order); "" for a layer whose op has one kernel or
 * that needs no dispatch. */
const char *rfx_vk_session_layer_variant(const rfx_session *s, uint32_t layer);
/* The layer whose dispatch computes `layer`: itself, or for a layer of a
 * classifier head fused into one dispatch (engine/vk/plan.h), the head's
 * last layer (whose variant is "head"). */
uint32_t rfx_vk_session_layer_fused_into(const rfx_session *s, uint32_t layer);
/* How the variants were chosen: 0 the default order, 1 measured now, 2 read
 * from the tuning cache. */
int rfx_vk_session_tuned(const rfx_session *s);

#endif
