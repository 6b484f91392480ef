/*
 * Recording a Vulkan session's command buffers (vk_session.c builds the
 * rest): the production one, with a barrier only where a dispatch reads
 * what an earlier one wrote or overwrites what an earlier one touched, and
 * the optional profiling one, with a timestamp after every dispatch.
 */
#include <stdlib.h>

#include "core/context.h"
#include "vk/session_priv.h"
#include "vk/vk_session.h"

enum record_mode { RECORD_PRODUCTION, RECORD_PROFILE };

/* Byte ranges touched since the last barrier, to place barriers only where
 * a dispatch reads what an earlier one wrote, or writes what an earlier
 * one read or wrote (the arena reuses bytes). */
struct range {
	VkBuffer buf;
	VkDeviceSize lo, hi;
	int write;
};

static int overlaps(const struct range *a, const struct range *b)
{
	return a->buf == b->buf && a->lo < b->hi && b->lo < a->hi;
}

static void barrier(VkCommandBuffer cb, VkPipelineStageFlags src,
                    VkAccessFlags src_access, VkPipelineStageFlags dst,
                    VkAccessFlags dst_access)
{
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = src_access,
		.dstAccessMask = dst_access,
	};
	vkCmdPipelineBarrier(cb, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
}

static void record_io_copies(rfx_session *s, int inputs, VkCommandBuffer cb)
{
	const rfx_graph *g = &s->model->graph;
	struct rfx_vk_session *v = s->vk;
	uint32_t n = inputs ? g->n_inputs : g->n_outputs;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t t = inputs ? g->inputs[i] : g->outputs[i];
		VkBufferCopy c = {.size = rfx_tensor_bytes(&g->tensors[t])};
		if (!inputs && (g->tensors[t].flags & RFX_TENSOR_INPUT))
			continue;
		if (inputs) {
			c.srcOffset = v->io_offset[t];
			c.dstOffset = v->plan.offset[t];
			vkCmdCopyBuffer(cb, v->in_buf.buf, v->arena.buf, 1, &c);
		} else {
			c.srcOffset = v->plan.offset[t];
			c.dstOffset = v->io_offset[t];
			vkCmdCopyBuffer(cb, v->arena.buf, v->out_buf.buf, 1, &c);
		}
	}
}

static rfx_status make_queries(rfx_context *ctx, uint32_t n, VkQueryPool *out)
{
	VkQueryPoolCreateInfo qi = {
		.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
		.queryType = VK_QUERY_TYPE_TIMESTAMP,
		.queryCount = n,
	};
	VkResult r = vkCreateQueryPool(ctx->vk.device, &qi, NULL, out);

	return r == VK_SUCCESS ? RFX_OK : rfx_vk_fail(ctx, r, "vkCreateQueryPool");
}

/* Records the whole run into cb. PRODUCTION: barriers only where needed,
 * and (with pool) a timestamp at the start and the end. PROFILE: a full
 * barrier and a timestamp after every dispatch (query i+1 ends dispatch i),
 * so per-dispatch times add up to the whole. */
static rfx_status record_cb(rfx_session *s, VkCommandBuffer cb,
                            enum record_mode mode, VkQueryPool pool)
{
	rfx_context *ctx = s->model->ctx;
	const rfx_graph *g = &s->model->graph;
	struct rfx_vk_session *v = s->vk;
	const VkPipelineStageFlags CS = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
	const VkAccessFlags RW = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
	struct range *pending;
	uint32_t n_pending = 0, n_queries = mode == RECORD_PROFILE ? v->n_dispatch + 1 : 2;
	VkPipeline bound = VK_NULL_HANDLE;
	VkResult r;

	pending = calloc((size_t)v->n_dispatch * RFX_VK_MAX_BINDINGS_PER_DISPATCH + 1,
			 sizeof(*pending));
	if (!pending)
		return RFX_E_OUT_OF_MEMORY;
	VkCommandBufferBeginInfo begin = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
	};
	vkBeginCommandBuffer(cb, &begin);
	if (pool) {
		vkCmdResetQueryPool(cb, pool, 0, n_queries);
		vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, pool, 0);
	}
	if (v->staging) {
		record_io_copies(s, 1, cb);
		barrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
			VK_ACCESS_TRANSFER_WRITE_BIT, CS, RW);
	}
	if (mode == RECORD_PRODUCTION)
		v->barriers = 0;
	for (uint32_t i = 0; i < v->n_dispatch; i++) {
		const rfx_vk_dispatch *d = &v->dispatch[i];
		const rfx_vk_kernel *k = rfx_vk_session_kernel_of(v, d);
		struct range mine[RFX_VK_MAX_BINDINGS_PER_DISPATCH];
		int need = 0;

		for (uint32_t b = 0; b < d->n_bindings; b++) {
			uint32_t t = d->tensor[b];
			rfx_vk_session_locate(s, t, &mine[b].buf, &mine[b].lo);
			mine[b].write = b == d->out_binding;
			if (mine[b].write) {
				mine[b].lo += d->write_offset;
				mine[b].hi = mine[b].lo + d->write_bytes;
			} else {
				mine[b].hi = mine[b].lo + rfx_vk_session_binding_bytes(s, t);
			}
			if (t == RFX_VK_SCRATCH(g))
				; /* written and read by dispatches, like a tensor */
			else if (t >= g->n_tensors ||
				 (g->tensors[t].flags & RFX_TENSOR_CONST))
				continue; /* written by the host / never written */
			for (uint32_t p = 0; p < n_pending && !need; p++)
				need = (mine[b].write || pending[p].write) &&
				       overlaps(&mine[b], &pending[p]);
		}
		if (need && mode == RECORD_PRODUCTION) {
			barrier(cb, CS, VK_ACCESS_SHADER_WRITE_BIT, CS, RW);
			v->barriers++;
			n_pending = 0;
		}
		for (uint32_t b = 0; b < d->n_bindings; b++)
			if (d->tensor[b] == RFX_VK_SCRATCH(g) ||
			    (d->tensor[b] < g->n_tensors &&
			     !(g->tensors[d->tensor[b]].flags & RFX_TENSOR_CONST)))
				pending[n_pending++] = mine[b];
		if (k->pipeline != bound) {
			vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE,
					  k->pipeline);
			bound = k->pipeline;
		}
		vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE,
					k->layout, 0, 1, &v->sets[i], 0, NULL);
		if (k->push_size && d->push_size)
			vkCmdPushConstants(cb, k->layout, VK_SHADER_STAGE_COMPUTE_BIT,
					   0, d->push_size < k->push_size ?
						      d->push_size : k->push_size,
					   d->push);
		vkCmdDispatch(cb, d->groups[0], d->groups[1], d->groups[2]);
		if (mode == RECORD_PROFILE) {
			barrier(cb, CS, VK_ACCESS_SHADER_WRITE_BIT, CS, RW);
			vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT,
					    pool, i + 1);
			n_pending = 0;
		}
	}
	free(pending);
	if (v->staging) {
		barrier(cb, CS, VK_ACCESS_SHADER_WRITE_BIT,
			VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
		record_io_copies(s, 0, cb);
		barrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
			VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
			VK_ACCESS_HOST_READ_BIT);
	} else {
		barrier(cb, CS, VK_ACCESS_SHADER_WRITE_BIT,
			VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
	}
	if (pool && mode == RECORD_PRODUCTION)
		vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, 1);
	r = vkEndCommandBuffer(cb);
	return r == VK_SUCCESS ? RFX_OK : rfx_vk_fail(ctx, r, "vkEndCommandBuffer");
}

rfx_status rfx_vk_session_record(rfx_session *s, const rfx_session_options *opt)
{
	rfx_context *ctx = s->model->ctx;
	struct rfx_vk_session *v = s->vk;
	VkDevice dev = ctx->vk.device;
	VkResult r;
	rfx_status st;
	int timestamps = ctx->vk.info.timestamps;

	if ((opt->gpu_timing || opt->profile) && !timestamps)
		rfx_log(ctx, RFX_LOG_WARNING, "this queue has no timestamps: GPU "
			"timing and profiling are off");
	VkCommandPoolCreateInfo pci = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
		.queueFamilyIndex = ctx->vk.queue_family,
	};
	r = vkCreateCommandPool(dev, &pci, NULL, &v->cmd_pool);
	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "vkCreateCommandPool");
	VkCommandBufferAllocateInfo cai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = v->cmd_pool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
	r = vkAllocateCommandBuffers(dev, &cai, &v->cb);
	if (r == VK_SUCCESS)
		r = vkCreateFence(dev, &fci, NULL, &v->fence);
	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "command buffer");
	if (opt->gpu_timing && timestamps) {
		st = make_queries(ctx, 2, &v->timing_pool);
		if (st != RFX_OK)
			return st;
	}
	st = record_cb(s, v->cb, RECORD_PRODUCTION, v->timing_pool);
	if (st != RFX_OK || !opt->profile || !timestamps)
		return st;
	r = vkAllocateCommandBuffers(dev, &cai, &v->prof_cb);
	if (r == VK_SUCCESS)
		r = vkCreateFence(dev, &fci, NULL, &v->prof_fence);
	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "profiling command buffer");
	st = make_queries(ctx, v->n_dispatch + 1, &v->prof_pool);
	if (st == RFX_OK)
		st = record_cb(s, v->prof_cb, RECORD_PROFILE, v->prof_pool);
	return st;
}
