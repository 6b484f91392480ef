/* A compute kernel: an embedded shader turned into a pipeline with its
 * descriptor-set layout (N bindings, each a storage buffer or a uniform
 * texel buffer) and push constants. */
#ifndef RFX_VK_KERNEL_H
#define RFX_VK_KERNEL_H

#include "vk/vk.h"

#define RFX_VK_MAX_BINDINGS 8
#define RFX_VK_MAX_SPEC 8

typedef struct rfx_vk_kernel {
	VkDescriptorSetLayout set_layout;
	VkPipelineLayout layout;
	VkPipeline pipeline;
	uint32_t n_bindings;
	uint32_t push_size;
	uint8_t texel[RFX_VK_MAX_BINDINGS];
} rfx_vk_kernel;

typedef struct rfx_vk_kernel_desc {
	const char *shader;    /* name in the embedded table */
	uint32_t n_bindings;   /* bindings 0..n-1 */
	/* Per binding: nonzero for a uniform texel buffer (samplerBuffer),
	 * zero for a storage buffer. */
	uint8_t texel[RFX_VK_MAX_BINDINGS];
	uint32_t push_size;    /* bytes of push constants (multiple of 4) */
	uint32_t n_spec;       /* uint specialization constants, ids 0..n-1 */
	uint32_t spec[RFX_VK_MAX_SPEC];
} rfx_vk_kernel_desc;

rfx_status rfx_vk_kernel_create(rfx_context *ctx, VkPipelineCache cache,
                                const rfx_vk_kernel_desc *d,
                                rfx_vk_kernel *out);
/* Destroys; a zeroed kernel is allowed. */
void rfx_vk_kernel_destroy(rfx_context *ctx, rfx_vk_kernel *k);

#endif
