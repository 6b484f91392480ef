/* Weights upload: every constant into one device-local buffer, once. */
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "vk/vk_model.h"

VkDeviceSize rfx_vk_binding_alignment(rfx_context *ctx)
{
	VkPhysicalDeviceProperties p;
	VkDeviceSize a = 64;

	vkGetPhysicalDeviceProperties(ctx->vk.phys, &p);
	if (p.limits.minStorageBufferOffsetAlignment > a)
		a = p.limits.minStorageBufferOffsetAlignment;
	/* Tensors are also read through texel-buffer views. */
	if (p.limits.minTexelBufferOffsetAlignment > a)
		a = p.limits.minTexelBufferOffsetAlignment;
	return a;
}

rfx_status rfx_vk_run_once(rfx_context *ctx,
                           void (*record)(VkCommandBuffer cb, void *user),
                           void *user)
{
	VkDevice dev = ctx->vk.device;
	VkCommandPoolCreateInfo pci = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
		.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT,
		.queueFamilyIndex = ctx->vk.queue_family,
	};
	VkCommandPool pool = VK_NULL_HANDLE;
	VkCommandBuffer cb;
	VkFence fence = VK_NULL_HANDLE;
	VkResult r;

	r = vkCreateCommandPool(dev, &pci, NULL, &pool);
	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "vkCreateCommandPool");
	VkCommandBufferAllocateInfo cai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = pool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
	VkCommandBufferBeginInfo begin = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};
	r = vkAllocateCommandBuffers(dev, &cai, &cb);
	if (r == VK_SUCCESS)
		r = vkCreateFence(dev, &fci, NULL, &fence);
	if (r == VK_SUCCESS)
		r = vkBeginCommandBuffer(cb, &begin);
	if (r == VK_SUCCESS) {
		record(cb, user);
		r = vkEndCommandBuffer(cb);
	}
	if (r == VK_SUCCESS)
		r = rfx_vk_submit(&ctx->vk, 0, cb, fence);
	if (r == VK_SUCCESS)
		r = vkWaitForFences(dev, 1, &fence, VK_TRUE, UINT64_MAX);
	if (fence)
		vkDestroyFence(dev, fence, NULL);
	vkDestroyCommandPool(dev, pool, NULL);
	return r == VK_SUCCESS ? RFX_OK : rfx_vk_fail(ctx, r, "one-off submit");
}

struct copy_job {
	VkBuffer src, dst;
	VkDeviceSize size;
};

static void record_copy(VkCommandBuffer cb, void *user)
{
	struct copy_job *j = user;
	VkBufferCopy region = {.size = j->size};
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
		.dstAccessMask = VK_ACCESS_SHADER_READ_BIT,
	};

	vkCmdCopyBuffer(cb, j->src, j->dst, 1, &region);
	vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
			     VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0,
			     NULL, 0, NULL);
}

rfx_status rfx_vk_model_init(rfx_model *m)
{
	rfx_context *ctx = m->ctx;
	const rfx_graph *g = &m->graph;
	struct rfx_vk_model *vm;
	VkDeviceSize total = 0;
	rfx_status st;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return RFX_E_OUT_OF_MEMORY;
	vm->offset = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*vm->offset));
	if (!vm->offset) {
		free(vm);
		return RFX_E_OUT_OF_MEMORY;
	}
	m->vk = vm;
	vm->align = rfx_vk_binding_alignment(ctx);
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		const rfx_tensor *ts = &g->tensors[t];
		if (!(ts->flags & RFX_TENSOR_CONST))
			continue;
		if (ts->size > ctx->vk.info.max_storage_buffer_range) {
			st = rfx_fail(ctx, RFX_E_UNSUPPORTED,
				      "constant '%s' is %llu bytes, beyond this "
				      "device's maxStorageBufferRange (%u)",
				      ts->name, (unsigned long long)ts->size,
				      ctx->vk.info.max_storage_buffer_range);
			goto fail;
		}
		total = (total + vm->align - 1) / vm->align * vm->align;
		vm->offset[t] = total;
		total += ts->size;
	}
	if (total > ctx->vk.info.device_local_bytes) {
		st = rfx_fail(ctx, RFX_E_OUT_OF_MEMORY,
			      "weights need %llu bytes, the device-local heap "
			      "has %llu", (unsigned long long)total,
			      (unsigned long long)ctx->vk.info.device_local_bytes);
		goto fail;
	}
	VkBufferUsageFlags usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
				   VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
				   VK_BUFFER_USAGE_TRANSFER_DST_BIT;
	int direct = ctx->vk.info.device_local_host_visible;
	st = rfx_vk_buffer_create(ctx, total, usage,
				  direct ? RFX_VK_HOST_VISIBLE : RFX_VK_DEVICE_LOCAL,
				  &vm->weights);
	if (st != RFX_OK && direct) {
		direct = 0;
		st = rfx_vk_buffer_create(ctx, total, usage, RFX_VK_DEVICE_LOCAL,
					  &vm->weights);
	}
	if (st != RFX_OK)
		goto fail;
	rfx_vk_buffer staging = {0};
	uint8_t *dst = vm->weights.map;
	if (!direct) {
		st = rfx_vk_buffer_create(ctx, total,
					  VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
					  RFX_VK_HOST_VISIBLE, &staging);
		if (st != RFX_OK)
			goto fail;
		dst = staging.map;
	}
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if (g->tensors[t].flags & RFX_TENSOR_CONST)
			memcpy(dst + vm->offset[t], g->tensors[t].data,
			       g->tensors[t].size);
	if (!direct) {
		struct copy_job job = {staging.buf, vm->weights.buf, total ? total : 4};
		st = rfx_vk_run_once(ctx, record_copy, &job);
		rfx_vk_buffer_destroy(ctx, &staging);
		if (st != RFX_OK)
			goto fail;
	}
	return RFX_OK;
fail:
	rfx_vk_model_finish(m);
	return st;
}

void rfx_vk_model_finish(rfx_model *m)
{
	struct rfx_vk_model *vm = m ? m->vk : NULL;

	if (!vm)
		return;
	rfx_vk_buffer_destroy(m->ctx, &vm->weights);
	free(vm->offset);
	free(vm);
	m->vk = NULL;
}
