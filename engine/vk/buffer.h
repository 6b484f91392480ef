/* Vulkan buffers with their memory; host-visible ones stay mapped. */
#ifndef RFX_VK_BUFFER_H
#define RFX_VK_BUFFER_H

#include "vk/vk.h"

typedef struct rfx_vk_buffer {
	VkBuffer buf;
	VkDeviceMemory mem;
	VkDeviceSize size;
	VkDeviceSize alloc_size; /* of mem, as counted in the context's usage */
	void *map; /* non-NULL for host-visible buffers, mapped for life */
} rfx_vk_buffer;

enum {
	RFX_VK_DEVICE_LOCAL = 0, /* fastest for the device; maybe not mappable */
	RFX_VK_HOST_VISIBLE = 1  /* mapped, coherent: inputs, outputs, staging */
};

rfx_status rfx_vk_buffer_create(rfx_context *ctx, VkDeviceSize size,
                                VkBufferUsageFlags usage, int where,
                                rfx_vk_buffer *out);
/* Destroys; a zeroed buffer is allowed. */
void rfx_vk_buffer_destroy(rfx_context *ctx, rfx_vk_buffer *b);

#endif
