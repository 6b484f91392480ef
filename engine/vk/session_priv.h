/* The Vulkan session's private state, shared by the files that build,
 * record and query it (vk_session.c, vk_session_query.c). */
#ifndef RFX_VK_SESSION_PRIV_H
#define RFX_VK_SESSION_PRIV_H

#include "vk/buffer.h"
#include "vk/kernel.h"
#include "vk/ops.h"
#include "vk/plan.h"

struct kernel_slot {
	char shader[32];
	uint32_t local[2];
	uint32_t spec[RFX_VK_DISPATCH_SPEC];
	rfx_vk_kernel k;
};

struct rfx_vk_session {
	rfx_plan plan;
	int staging;              /* I/O goes through copies into the arena */
	rfx_vk_buffer arena, in_buf, out_buf;
	uint64_t *io_offset;      /* per tensor: offset in in_buf / out_buf */
	rfx_vk_dispatch *dispatch;
	uint32_t n_dispatch;
	struct kernel_slot *kernels;
	uint32_t n_kernels;
	VkPipelineCache cache;
	VkDescriptorPool pool;
	VkDescriptorSet *sets;
	VkCommandPool cmd_pool;
	VkCommandBuffer cb;
	VkFence fence;
	uint32_t barriers;
	uint32_t *layer_of;       /* per dispatch: its layer */
	/* gpu_timing: 2 timestamps in the production command buffer. */
	VkQueryPool timing_pool;
	int collected;            /* a frame has completed since creation */
	/* profile: a second command buffer, a timestamp after each dispatch. */
	VkQueryPool prof_pool;
	VkCommandBuffer prof_cb;
	VkFence prof_fence;
	uint32_t queue;           /* index into the context's queues */
	/* Frame input: raw bytes and the preprocessing parameters, both
	 * mapped; bound as "tensors" n_tensors + 0 and + 1. */
	rfx_vk_buffer frame_buf, frame_params;
	/* int8 layers' parameter blocks (ops.h), one buffer written once:
	 * per layer its offset and size, bound as n_tensors +
	 * RFX_VK_EXTRA_LAYER_PARAMS + layer. */
	rfx_vk_buffer qparams;
	uint64_t *qparam_off, *qparam_bytes;
	/* Weights packed for the texel kernels (ops.h), one buffer written
	 * once: per layer its offset and size, bound as n_tensors +
	 * RFX_VK_EXTRA_LAYER_PARAMS + n_layers + layer. */
	rfx_vk_buffer packed;
	uint64_t *packed_off, *packed_bytes;
	/* Scratch (ops.h: RFX_VK_SCRATCH): the largest any dispatch needs. */
	rfx_vk_buffer scratch;
	uint64_t scratch_bytes;
	/* Texel-buffer views, RFX_VK_MAX_BINDINGS_PER_DISPATCH per dispatch
	 * (VK_NULL_HANDLE for storage bindings). */
	VkBufferView *views;
	rfx_vk_caps caps;
	/* Per layer: the variant tuned or read from the tuning cache ("" for
	 * none: the device's default order). */
	struct layer_choice { char name[24]; } *choice;
	int tuned;                /* rfx_vk_session_tuned() */
	/* Per layer: the variants that fit this device (plan_dispatches), in
	 * the default order; n 0 for a layer with one kernel. */
	struct layer_cands {
		const char *name[RFX_VK_MAX_VARIANTS];
		uint32_t n;
	} *cands;
};

/* Where binding t of a dispatch lives (a tensor in the arena, the
 * weights or the I/O buffers, or past the last tensor one of the session's
 * own buffers: ops.h), its size, and the kernel a dispatch runs
 * (vk_session.c). */
void rfx_vk_session_locate(const rfx_session *s, uint32_t t, VkBuffer *buf,
                           VkDeviceSize *off);
uint64_t rfx_vk_session_binding_bytes(const rfx_session *s, uint32_t t);
const rfx_vk_kernel *rfx_vk_session_kernel_of(const struct rfx_vk_session *v,
                                              const rfx_vk_dispatch *d);
/* Creates the command pool, fence and queries and records the command
 * buffers (vk_session_record.c). */
rfx_status rfx_vk_session_record(rfx_session *s, const rfx_session_options *opt);

/* What this device offers the kernels (ops.h), as sessions see it now
 * (RFX_NO_INT_DOT read here). vk_session_plan.c. */
rfx_vk_caps rfx_vk_device_caps(rfx_context *ctx);
/* A texel view's format and its bytes per texel (ops.h's rfx_vk_view). */
VkFormat rfx_vk_view_format(uint8_t view);
uint32_t rfx_vk_view_bytes(uint8_t view);
/* Plans s->vk->dispatch (each layer's variant: forced, from the tuning
 * choice, or the first that serves it and fits; fused heads), and the
 * layer of each dispatch (vk_session_plan.c). */
rfx_status rfx_vk_session_plan_dispatches(rfx_session *s);
/* The frame buffers and the preprocessing dispatch (frame bytes -> input
 * 0), appended to s->vk->dispatch (vk_session.c). */
rfx_status rfx_vk_session_make_frame(rfx_session *s);
/* Builds s->vk (vk_session.c) with the given per-layer choice (NULL: the
 * default order); `tuned` is what rfx_vk_session_tuned() will report. */
rfx_status rfx_vk_session_build(rfx_session *s, const rfx_session_options *opt,
                                const struct layer_choice *choice, int tuned);

/* The per-layer kernel choice for a new session of s->model (tune.c): read
 * from the tuning cache, measured, or NULL for the default order, as
 * opt->tune says; *tuned as rfx_vk_session_tuned(). The caller frees
 * *choice (n_layers entries). */
rfx_status rfx_vk_tune(rfx_session *s, const rfx_session_options *opt,
                       struct layer_choice **choice, int *tuned);

#define EXTRA_FRAME 0u
#define EXTRA_PARAMS 1u

#endif
