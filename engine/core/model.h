/* Models and sessions: what the public handles hold, and the seams where a
 * backend (engine/cpu, engine/vk) plugs in. */
#ifndef RFX_CORE_MODEL_H
#define RFX_CORE_MODEL_H

#include <stdatomic.h>

#include "core/context.h"
#include "graph/graph.h"

struct rfx_vk_model;    /* engine/vk: weights uploaded to the device */
struct rfx_cpu_session; /* engine/cpu */
struct rfx_vk_session;  /* engine/vk */

struct rfx_model {
	rfx_context *ctx;
	rfx_graph graph;            /* validated; constants point into it */
	struct rfx_vk_model *vk;    /* NULL on the CPU backend */
	atomic_int sessions;        /* live sessions; destroy refuses if > 0 */
	char **labels;              /* graph.meta.n_labels names, one block */
	/* Identifies the file's contents (size and CRC-32 of the payload):
	 * the kernel-tuning cache is keyed by it. */
	uint64_t id;
};

struct rfx_session {
	rfx_model *model;
	int in_flight;  /* submitted, not yet collected by wait */
	int lost;       /* device lost: every call fails from now on */
	struct rfx_cpu_session *cpu;
	struct rfx_vk_session *vk;
	/* Frame input (engine/core/frame.h); frame_format 0 when unused. */
	rfx_pixel_format frame_format;
	rfx_frame_fit frame_fit;
	uint32_t frame_max_w, frame_max_h;
	uint8_t *frame;              /* mapped (Vulkan) or owned (CPU) */
	size_t frame_cap;
	struct rfx_frame_params *frame_params; /* where the kernel reads them */
	struct rfx_frame_params *frame_params_own; /* CPU: owned storage */
	float *frame_scratch;        /* CPU, F16 input: f32 before rounding */
};

#endif
