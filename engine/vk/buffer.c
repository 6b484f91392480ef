/* Buffer + memory creation. One allocation per buffer: reflex makes few,
 * large buffers (weights, one activation arena, I/O), all at creation. */
#include <string.h>

#include "core/context.h"
#include "vk/buffer.h"

rfx_status rfx_vk_buffer_create(rfx_context *ctx, VkDeviceSize size,
                                VkBufferUsageFlags usage, int where,
                                rfx_vk_buffer *out)
{
	struct rfx_vk *vk = &ctx->vk;
	VkBufferCreateInfo bci = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
		.size = size ? size : 4,
		.usage = usage,
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
	};
	VkMemoryRequirements req;
	VkResult r;
	int type = -1;

	memset(out, 0, sizeof(*out));
	r = vkCreateBuffer(vk->device, &bci, NULL, &out->buf);
	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "vkCreateBuffer");
	vkGetBufferMemoryRequirements(vk->device, out->buf, &req);
	if (where == RFX_VK_HOST_VISIBLE) {
		/* Cached memory makes reading outputs back fast where offered. */
		type = rfx_vk_memory_type(vk, req.memoryTypeBits,
			VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
			VK_MEMORY_PROPERTY_HOST_COHERENT_BIT |
			VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
		if (type < 0)
			type = rfx_vk_memory_type(vk, req.memoryTypeBits,
				VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
				VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
	} else {
		type = rfx_vk_memory_type(vk, req.memoryTypeBits,
			VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
		if (type < 0)
			type = rfx_vk_memory_type(vk, req.memoryTypeBits, 0);
	}
	if (type < 0) {
		rfx_vk_buffer_destroy(ctx, out);
		return rfx_fail(ctx, RFX_E_UNSUPPORTED,
				"no memory type for a %s buffer of %llu bytes",
				where == RFX_VK_HOST_VISIBLE ? "host-visible" : "device",
				(unsigned long long)size);
	}
	/* Asking for more than the heap holds is invalid usage (the
	 * validation layer reports it), not an allocation failure: refuse it
	 * here, by name. */
	VkDeviceSize heap = vk->mem.memoryHeaps[vk->mem.memoryTypes[type].heapIndex].size;
	if (req.size > heap) {
		rfx_vk_buffer_destroy(ctx, out);
		return rfx_fail(ctx, RFX_E_OUT_OF_MEMORY,
				"a %s buffer of %llu bytes is larger than its "
				"memory heap (%llu bytes)",
				where == RFX_VK_HOST_VISIBLE ? "host-visible" : "device",
				(unsigned long long)req.size,
				(unsigned long long)heap);
	}
	VkMemoryAllocateInfo mai = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
		.allocationSize = req.size,
		.memoryTypeIndex = (uint32_t)type,
	};
	r = vkAllocateMemory(vk->device, &mai, NULL, &out->mem);
	if (r == VK_SUCCESS) {
		out->alloc_size = req.size;
		atomic_fetch_add(&vk->mem_bytes, req.size);
		atomic_fetch_add(&vk->mem_allocs, 1);
	}
	if (r == VK_SUCCESS)
		r = vkBindBufferMemory(vk->device, out->buf, out->mem, 0);
	if (r == VK_SUCCESS && where == RFX_VK_HOST_VISIBLE)
		r = vkMapMemory(vk->device, out->mem, 0, VK_WHOLE_SIZE, 0, &out->map);
	if (r != VK_SUCCESS) {
		rfx_vk_buffer_destroy(ctx, out);
		return rfx_vk_fail(ctx, r, "buffer memory");
	}
	out->size = size;
	return RFX_OK;
}

void rfx_vk_buffer_destroy(rfx_context *ctx, rfx_vk_buffer *b)
{
	VkDevice dev = ctx->vk.device;

	if (b->map)
		vkUnmapMemory(dev, b->mem);
	if (b->buf)
		vkDestroyBuffer(dev, b->buf, NULL);
	if (b->mem) {
		vkFreeMemory(dev, b->mem, NULL);
		atomic_fetch_sub(&ctx->vk.mem_bytes, b->alloc_size);
		atomic_fetch_sub(&ctx->vk.mem_allocs, 1);
	}
	memset(b, 0, sizeof(*b));
}
