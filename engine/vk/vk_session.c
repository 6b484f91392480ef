/*
 * A Vulkan session: everything a model needs to run, made once.
 *
 * Creation plans the activation arena, creates the buffers, one pipeline per
 * kernel variant in use, one descriptor set per dispatch, records ONE
 * command buffer (input copy if staging, every dispatch with a barrier only
 * where a true dependency exists, output copy and the host barrier), and
 * runs it once so the driver's first-dispatch compilation is paid here.
 * Afterwards submit is one vkQueueSubmit and wait one vkWaitForFences.
 * Which kernel each layer runs and its dispatches: vk_session_plan.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/frame.h"
#include "vk/buffer.h"
#include "vk/kernel.h"
#include "vk/ops.h"
#include "vk/pipeline_cache.h"
#include "vk/plan.h"
#include "vk/vk_model.h"
#include "vk/vk_session.h"

#include "vk/session_priv.h"

/* Where a binding's bytes are: a tensor, or (past the last tensor) the
 * frame buffer and its parameters. */
void rfx_vk_session_locate(const rfx_session *s, uint32_t t, VkBuffer *buf,
                           VkDeviceSize *off)
{
	const struct rfx_vk_session *v = s->vk;
	const rfx_graph *g = &s->model->graph;

	if (t == RFX_VK_SCRATCH(g)) {
		*buf = v->scratch.buf;
		*off = 0;
		return;
	}
	if (t >= g->n_tensors + RFX_VK_EXTRA_LAYER_PARAMS + g->n_layers) {
		*buf = v->packed.buf;
		*off = v->packed_off[t - g->n_tensors - RFX_VK_EXTRA_LAYER_PARAMS -
				     g->n_layers];
		return;
	}
	if (t >= g->n_tensors + RFX_VK_EXTRA_LAYER_PARAMS) {
		*buf = v->qparams.buf;
		*off = v->qparam_off[t - g->n_tensors - RFX_VK_EXTRA_LAYER_PARAMS];
		return;
	}
	if (t >= g->n_tensors) {
		*buf = t - g->n_tensors == EXTRA_FRAME ? v->frame_buf.buf
						       : v->frame_params.buf;
		*off = 0;
		return;
	}
	const rfx_tensor *ts = &g->tensors[t];
	if (ts->flags & RFX_TENSOR_CONST) {
		*buf = s->model->vk->weights.buf;
		*off = s->model->vk->offset[t];
	} else if (!v->staging && (ts->flags & RFX_TENSOR_INPUT)) {
		*buf = v->in_buf.buf;
		*off = v->io_offset[t];
	} else if (!v->staging && (ts->flags & RFX_TENSOR_OUTPUT)) {
		*buf = v->out_buf.buf;
		*off = v->io_offset[t];
	} else {
		*buf = v->arena.buf;
		*off = v->plan.offset[t];
	}
}

uint64_t rfx_vk_session_binding_bytes(const rfx_session *s, uint32_t t)
{
	const rfx_graph *g = &s->model->graph;

	if (t == RFX_VK_SCRATCH(g))
		return s->vk->scratch_bytes;
	if (t >= g->n_tensors + RFX_VK_EXTRA_LAYER_PARAMS + g->n_layers)
		return s->vk->packed_bytes[t - g->n_tensors -
					   RFX_VK_EXTRA_LAYER_PARAMS - g->n_layers];
	if (t >= g->n_tensors + RFX_VK_EXTRA_LAYER_PARAMS)
		return s->vk->qparam_bytes[t - g->n_tensors - RFX_VK_EXTRA_LAYER_PARAMS];
	if (t >= g->n_tensors)
		return t - g->n_tensors == EXTRA_FRAME ? s->vk->frame_buf.size
						       : sizeof(rfx_frame_params);
	return rfx_tensor_bytes(&g->tensors[t]);
}

rfx_status rfx_vk_session_make_frame(rfx_session *s)
{
	rfx_context *ctx = s->model->ctx;
	const rfx_graph *g = &s->model->graph;
	struct rfx_vk_session *v = s->vk;
	rfx_vk_dispatch *d = &v->dispatch[v->n_dispatch];
	uint32_t in = g->inputs[0];
	char err[128];
	rfx_status st;

	st = rfx_vk_buffer_create(ctx, s->frame_cap, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
				  RFX_VK_HOST_VISIBLE, &v->frame_buf);
	if (st == RFX_OK)
		st = rfx_vk_buffer_create(ctx, sizeof(rfx_frame_params),
					  VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
					  RFX_VK_HOST_VISIBLE, &v->frame_params);
	if (st != RFX_OK)
		return st;
	memset(v->frame_buf.map, 0, s->frame_cap);
	memcpy(v->frame_params.map, s->frame_params, sizeof(rfx_frame_params));
	s->frame = v->frame_buf.map;
	s->frame_params = v->frame_params.map;

	uint32_t t[3] = {g->n_tensors + EXTRA_FRAME, g->n_tensors + EXTRA_PARAMS, in};
	st = rfx_vk_variant(d, g, &g->layers[0], "preprocess", &in, 1, err, sizeof(err));
	if (st != RFX_OK)
		return rfx_fail(ctx, st, "frame input: %s", err);
	for (int i = 0; i < 3; i++)
		d->tensor[i] = t[i];
	d->n_bindings = 3;
	d->out_binding = 2;
	d->write_offset = 0;
	d->write_bytes = rfx_tensor_bytes(&g->tensors[in]);
	d->local[0] = d->local[1] = 8;
	d->groups[0] = (g->tensors[in].dims[3] + 7) / 8;
	d->groups[1] = (g->tensors[in].dims[2] + 7) / 8;
	d->groups[2] = 1;
	v->layer_of[v->n_dispatch] = 0; /* timed with the first layer */
	v->n_dispatch++;
	return RFX_OK;
}

static rfx_status make_io(rfx_session *s, VkDeviceSize align)
{
	rfx_context *ctx = s->model->ctx;
	const rfx_graph *g = &s->model->graph;
	struct rfx_vk_session *v = s->vk;
	VkDeviceSize in_size = 0, out_size = 0;
	rfx_status st;

	for (uint32_t i = 0; i < g->n_inputs; i++) {
		uint32_t t = g->inputs[i];
		in_size = (in_size + align - 1) / align * align;
		v->io_offset[t] = in_size;
		in_size += rfx_tensor_bytes(&g->tensors[t]);
	}
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		uint32_t t = g->outputs[i];
		if (g->tensors[t].flags & RFX_TENSOR_INPUT)
			continue;
		out_size = (out_size + align - 1) / align * align;
		v->io_offset[t] = out_size;
		out_size += rfx_tensor_bytes(&g->tensors[t]);
	}
	VkBufferUsageFlags usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
				   VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
				   VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
				   VK_BUFFER_USAGE_TRANSFER_DST_BIT;
	st = rfx_vk_buffer_create(ctx, in_size, usage, RFX_VK_HOST_VISIBLE, &v->in_buf);
	if (st == RFX_OK)
		st = rfx_vk_buffer_create(ctx, out_size, usage, RFX_VK_HOST_VISIBLE,
					  &v->out_buf);
	if (st == RFX_OK)
		st = rfx_vk_buffer_create(ctx, v->plan.arena_bytes, usage,
					  RFX_VK_DEVICE_LOCAL, &v->arena);
	if (st == RFX_OK) {
		memset(v->in_buf.map, 0, in_size);
		memset(v->out_buf.map, 0, out_size);
	}
	return st;
}

struct qparam_copy {
	VkBuffer src, dst;
	VkDeviceSize size;
};

static void record_qparam_copy(VkCommandBuffer cb, void *user)
{
	const struct qparam_copy *j = user;
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

/* The int8 layers' parameter blocks (ops.h), written once into one buffer
 * the device reads (device-local through a staging copy where host-visible
 * memory is not device-local). */
static rfx_status make_qparams(rfx_session *s, VkDeviceSize align)
{
	rfx_context *ctx = s->model->ctx;
	const rfx_graph *g = &s->model->graph;
	struct rfx_vk_session *v = s->vk;
	int direct = ctx->vk.info.device_local_host_visible;
	rfx_vk_buffer staging = {0};
	uint64_t total = 0, words;
	uint8_t *dst;
	char err[256];
	rfx_status st;

	v->qparam_off = calloc(g->n_layers ? g->n_layers : 1, sizeof(*v->qparam_off));
	v->qparam_bytes = calloc(g->n_layers ? g->n_layers : 1,
				 sizeof(*v->qparam_bytes));
	if (!v->qparam_off || !v->qparam_bytes)
		return RFX_E_OUT_OF_MEMORY;
	for (uint32_t l = 0; l < g->n_layers; l++) {
		st = rfx_vk_layer_params(g, &g->layers[l], NULL, &words, err,
					 sizeof(err));
		if (st != RFX_OK)
			return rfx_fail(ctx, st, "%s", err);
		if (!words)
			continue;
		total = (total + align - 1) / align * align;
		v->qparam_off[l] = total;
		v->qparam_bytes[l] = words * 4;
		total += words * 4;
	}
	if (!total)
		return RFX_OK;
	st = rfx_vk_buffer_create(ctx, total, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
				  VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
				  VK_BUFFER_USAGE_TRANSFER_DST_BIT,
				  direct ? RFX_VK_HOST_VISIBLE : RFX_VK_DEVICE_LOCAL,
				  &v->qparams);
	if (st == RFX_OK && !direct)
		st = rfx_vk_buffer_create(ctx, total, VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
					  RFX_VK_HOST_VISIBLE, &staging);
	if (st != RFX_OK)
		return st;
	dst = direct ? v->qparams.map : staging.map;
	for (uint32_t l = 0; l < g->n_layers && st == RFX_OK; l++)
		if (v->qparam_bytes[l])
			st = rfx_vk_layer_params(g, &g->layers[l],
						 (int32_t *)(dst + v->qparam_off[l]),
						 &words, err, sizeof(err));
	if (st == RFX_OK && !direct) {
		struct qparam_copy job = {staging.buf, v->qparams.buf, total};
		st = rfx_vk_run_once(ctx, record_qparam_copy, &job);
	}
	rfx_vk_buffer_destroy(ctx, &staging);
	return st;
}

/* The weights of every layer whose kernel reads them packed
 * (rfx_vk_layer_packed(), for the variant the layer runs), packed once
 * into one buffer the device reads. After
 * rfx_vk_session_plan_dispatches(). */
static rfx_status make_packed(rfx_session *s, VkDeviceSize align)
{
	rfx_context *ctx = s->model->ctx;
	const rfx_graph *g = &s->model->graph;
	struct rfx_vk_session *v = s->vk;
	int direct = ctx->vk.info.device_local_host_visible;
	rfx_vk_buffer staging = {0};
	uint64_t total = 0, bytes;
	uint8_t *dst;
	rfx_status st;

	for (uint32_t l = 0; l < g->n_layers; l++) {
		rfx_vk_layer_packed(g, &g->layers[l], rfx_vk_session_layer_variant(s, l),
				    NULL, &bytes);
		if (!bytes)
			continue;
		total = (total + align - 1) / align * align;
		v->packed_off[l] = total;
		v->packed_bytes[l] = bytes;
		total += bytes;
	}
	if (!total)
		return RFX_OK;
	st = rfx_vk_buffer_create(ctx, total, VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
				  VK_BUFFER_USAGE_TRANSFER_DST_BIT,
				  direct ? RFX_VK_HOST_VISIBLE : RFX_VK_DEVICE_LOCAL,
				  &v->packed);
	if (st == RFX_OK && !direct)
		st = rfx_vk_buffer_create(ctx, total, VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
					  RFX_VK_HOST_VISIBLE, &staging);
	if (st != RFX_OK)
		return st;
	dst = direct ? v->packed.map : staging.map;
	for (uint32_t l = 0; l < g->n_layers; l++)
		if (v->packed_bytes[l])
			rfx_vk_layer_packed(g, &g->layers[l],
					    rfx_vk_session_layer_variant(s, l),
					    dst + v->packed_off[l], &bytes);
	if (!direct) {
		struct qparam_copy job = {staging.buf, v->packed.buf, total};
		st = rfx_vk_run_once(ctx, record_qparam_copy, &job);
	}
	rfx_vk_buffer_destroy(ctx, &staging);
	return st;
}

/* One pipeline per shader, workgroup size and specialization. */
static int same_kernel(const struct kernel_slot *k, const rfx_vk_dispatch *d)
{
	return strcmp(k->shader, d->shader) == 0 &&
	       k->local[0] == d->local[0] && k->local[1] == d->local[1] &&
	       memcmp(k->spec, d->spec, sizeof(d->spec)) == 0;
}

static rfx_status make_kernels(rfx_session *s)
{
	rfx_context *ctx = s->model->ctx;
	struct rfx_vk_session *v = s->vk;

	v->kernels = calloc(v->n_dispatch ? v->n_dispatch : 1, sizeof(*v->kernels));
	if (!v->kernels)
		return RFX_E_OUT_OF_MEMORY;
	for (uint32_t i = 0; i < v->n_dispatch; i++) {
		const rfx_vk_dispatch *d = &v->dispatch[i];
		uint32_t k;
		for (k = 0; k < v->n_kernels; k++)
			if (same_kernel(&v->kernels[k], d))
				break;
		if (k < v->n_kernels)
			continue;
		rfx_vk_kernel_desc kd = {
			.shader = d->shader,
			.n_bindings = d->n_bindings,
			.push_size = RFX_VK_PUSH_WORDS * 4,
			.n_spec = 2 + RFX_VK_DISPATCH_SPEC,
			.spec = {d->local[0], d->local[1]},
		};
		memcpy(kd.spec + 2, d->spec, sizeof(d->spec));
		for (uint32_t b = 0; b < d->n_bindings; b++)
			kd.texel[b] = d->view[b] != RFX_VK_VIEW_STORAGE;
		if (kd.push_size > ctx->vk.info.max_push_constants_size)
			kd.push_size = ctx->vk.info.max_push_constants_size;
		rfx_status st = rfx_vk_kernel_create(ctx, v->cache, &kd,
						     &v->kernels[k].k);
		if (st != RFX_OK)
			return st;
		snprintf(v->kernels[k].shader, sizeof(v->kernels[k].shader), "%s",
			 d->shader);
		v->kernels[k].local[0] = d->local[0];
		v->kernels[k].local[1] = d->local[1];
		memcpy(v->kernels[k].spec, d->spec, sizeof(d->spec));
		v->n_kernels++;
	}
	return RFX_OK;
}

const rfx_vk_kernel *rfx_vk_session_kernel_of(const struct rfx_vk_session *v,
                                              const rfx_vk_dispatch *d)
{
	for (uint32_t k = 0; k < v->n_kernels; k++)
		if (same_kernel(&v->kernels[k], d))
			return &v->kernels[k].k;
	return NULL;
}

static rfx_status make_sets(rfx_session *s)
{
	rfx_context *ctx = s->model->ctx;

	struct rfx_vk_session *v = s->vk;
	VkDevice dev = ctx->vk.device;
	uint32_t n = v->n_dispatch ? v->n_dispatch : 1;
	VkDescriptorPoolSize ps[2] = {
		{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, n * RFX_VK_MAX_BINDINGS_PER_DISPATCH},
		{VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER,
		 n * RFX_VK_MAX_BINDINGS_PER_DISPATCH},
	};
	VkDescriptorPoolCreateInfo pci = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
		.maxSets = n,
		.poolSizeCount = 2,
		.pPoolSizes = ps,
	};
	VkResult r = vkCreateDescriptorPool(dev, &pci, NULL, &v->pool);

	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "vkCreateDescriptorPool");
	v->sets = calloc(n, sizeof(*v->sets));
	v->views = calloc((size_t)n * RFX_VK_MAX_BINDINGS_PER_DISPATCH,
			  sizeof(*v->views));
	if (!v->sets || !v->views)
		return RFX_E_OUT_OF_MEMORY;
	for (uint32_t i = 0; i < v->n_dispatch; i++) {
		const rfx_vk_dispatch *d = &v->dispatch[i];
		const rfx_vk_kernel *k = rfx_vk_session_kernel_of(v, d);
		VkDescriptorSetAllocateInfo ai = {
			.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
			.descriptorPool = v->pool,
			.descriptorSetCount = 1,
			.pSetLayouts = &k->set_layout,
		};
		VkDescriptorBufferInfo bi[RFX_VK_MAX_BINDINGS_PER_DISPATCH];
		VkWriteDescriptorSet w[RFX_VK_MAX_BINDINGS_PER_DISPATCH];
		VkBufferView *views = v->views + (size_t)i * RFX_VK_MAX_BINDINGS_PER_DISPATCH;
		r = vkAllocateDescriptorSets(dev, &ai, &v->sets[i]);
		if (r != VK_SUCCESS)
			return rfx_vk_fail(ctx, r, "vkAllocateDescriptorSets");
		for (uint32_t b = 0; b < d->n_bindings; b++) {
			uint64_t bytes = rfx_vk_session_binding_bytes(s, d->tensor[b]);
			rfx_vk_session_locate(s, d->tensor[b], &bi[b].buffer, &bi[b].offset);
			bi[b].range = bytes ? bytes : 4;
			w[b] = (VkWriteDescriptorSet){
				.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
				.dstSet = v->sets[i],
				.dstBinding = b,
				.descriptorCount = 1,
				.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
				.pBufferInfo = &bi[b],
			};
			if (d->view[b] == RFX_VK_VIEW_STORAGE)
				continue;
			/* A texel view of the binding's bytes (the planner's dispatch_fits()
			 * checked its size against the device's limits). */
			VkBufferViewCreateInfo vi = {
				.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
				.buffer = bi[b].buffer,
				.format = rfx_vk_view_format(d->view[b]),
				.offset = bi[b].offset,
				.range = bytes - bytes % rfx_vk_view_bytes(d->view[b]),
			};
			r = vkCreateBufferView(dev, &vi, NULL, &views[b]);
			if (r != VK_SUCCESS)
				return rfx_vk_fail(ctx, r, "vkCreateBufferView");
			w[b].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
			w[b].pBufferInfo = NULL;
			w[b].pTexelBufferView = &views[b];
		}
		vkUpdateDescriptorSets(dev, d->n_bindings, w, 0, NULL);
	}
	return RFX_OK;
}


rfx_status rfx_vk_session_create(rfx_session *s, const rfx_session_options *opt)
{
	struct layer_choice *choice = NULL;
	int tuned = 0;
	rfx_status st = rfx_vk_tune(s, opt, &choice, &tuned);

	if (st == RFX_OK)
		st = rfx_vk_session_build(s, opt, choice, tuned);
	free(choice);
	return st;
}

rfx_status rfx_vk_session_build(rfx_session *s, const rfx_session_options *opt,
                                const struct layer_choice *choice, int tuned)
{
	rfx_context *ctx = s->model->ctx;
	const rfx_graph *g = &s->model->graph;
	struct rfx_vk_session *v;
	char cache_path[600];
	int have_path = 0;
	rfx_status st;

	v = calloc(1, sizeof(*v));
	if (!v)
		return RFX_E_OUT_OF_MEMORY;
	s->vk = v;
	v->tuned = tuned;
	if (choice) {
		size_t bytes = (g->n_layers ? g->n_layers : 1) * sizeof(*v->choice);
		if (!(v->choice = malloc(bytes))) {
			st = RFX_E_OUT_OF_MEMORY;
			goto fail;
		}
		memcpy(v->choice, choice, bytes);
	}
	v->queue = atomic_fetch_add(&ctx->vk.next_queue, 1) % ctx->vk.n_queues;
	v->io_offset = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*v->io_offset));
	if (!v->io_offset) {
		st = RFX_E_OUT_OF_MEMORY;
		goto fail;
	}
	/* Where the device can read host memory at full speed (unified
	 * memory), kernels use the mapped I/O buffers directly; elsewhere
	 * inputs and outputs are copied through the device arena. */
	v->staging = !ctx->vk.info.device_local_host_visible ||
		     rfx_env_flag("RFX_FORCE_STAGING");
	v->caps = rfx_vk_device_caps(ctx);
	VkDeviceSize align = rfx_vk_binding_alignment(ctx);
	/* A float head needs texel buffers, an int8 one int8 texel buffers
	 * and a device without the packed dot product: the int8 head kernel
	 * has no dot-product path, and fc_i8_dot after global_pool_i8
	 * measured 20 % faster than it on lavapipe (resnet18's head), while
	 * without the dot product the head is 35 % faster than the pair.
	 * RFX_NO_FUSE=1 runs every layer in its own dispatch (to compare). */
	int fuse = (v->caps.texel ? RFX_PLAN_FUSE_HEAD : 0) |
		   (v->caps.int8 && v->caps.texel_i8 && !v->caps.int_dot
			    ? RFX_PLAN_FUSE_HEAD_I8 : 0);
	if (rfx_env_flag("RFX_NO_FUSE"))
		fuse = 0;
	st = rfx_plan_build(g, align, v->staging, fuse, &v->plan);
	if (st == RFX_OK)
		st = make_io(s, align);
	if (st == RFX_OK)
		st = make_qparams(s, align);
	if (st == RFX_OK) {
		v->packed_off = calloc(g->n_layers ? g->n_layers : 1,
				       sizeof(*v->packed_off));
		v->packed_bytes = calloc(g->n_layers ? g->n_layers : 1,
					 sizeof(*v->packed_bytes));
		if (!v->packed_off || !v->packed_bytes)
			st = RFX_E_OUT_OF_MEMORY;
	}
	if (st == RFX_OK)
		st = rfx_vk_session_plan_dispatches(s);
	if (st == RFX_OK)
		st = make_packed(s, align);
	if (st == RFX_OK && v->scratch_bytes)
		st = rfx_vk_buffer_create(ctx, v->scratch_bytes,
					  VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
					  VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT,
					  RFX_VK_DEVICE_LOCAL, &v->scratch);
	if (st != RFX_OK)
		goto fail;
	if (!opt->no_pipeline_cache)
		have_path = rfx_vk_pipeline_cache_path(ctx, opt->pipeline_cache_path,
						       cache_path, sizeof(cache_path));
	v->cache = rfx_vk_pipeline_cache_load(ctx, have_path ? cache_path : NULL);
	st = make_kernels(s);
	if (st == RFX_OK)
		st = make_sets(s);
	if (st == RFX_OK)
		st = rfx_vk_session_record(s, opt);
	if (st != RFX_OK)
		goto fail;
	if (have_path)
		rfx_vk_pipeline_cache_save(ctx, v->cache, cache_path);
	if (!opt->no_warmup) {
		/* The first dispatch of each pipeline compiles it on some
		 * drivers (lavapipe: tens of ms each): pay it now. */
		st = rfx_vk_session_submit(s);
		if (st == RFX_OK)
			st = rfx_vk_session_wait(s, UINT64_MAX);
		if (st != RFX_OK)
			goto fail;
	}
	rfx_log(ctx, RFX_LOG_DEBUG,
		"session: %u dispatches, %u barriers, %u pipelines, arena %llu "
		"bytes for %llu bytes of tensors%s", v->n_dispatch, v->barriers,
		v->n_kernels, (unsigned long long)v->plan.arena_bytes,
		(unsigned long long)v->plan.tensor_bytes,
		v->staging ? ", staged I/O" : "");
	return RFX_OK;
fail:
	rfx_vk_session_destroy(s);
	return st;
}

void rfx_vk_session_destroy(rfx_session *s)
{
	struct rfx_vk_session *v = s ? s->vk : NULL;
	rfx_context *ctx;
	VkDevice dev;

	if (!v)
		return;
	ctx = s->model->ctx;
	dev = ctx->vk.device;
	if (v->fence) {
		if (s->in_flight && !s->lost)
			vkWaitForFences(dev, 1, &v->fence, VK_TRUE, UINT64_MAX);
		vkDestroyFence(dev, v->fence, NULL);
	}
	if (v->prof_fence)
		vkDestroyFence(dev, v->prof_fence, NULL);
	if (v->timing_pool)
		vkDestroyQueryPool(dev, v->timing_pool, NULL);
	if (v->prof_pool)
		vkDestroyQueryPool(dev, v->prof_pool, NULL);
	if (v->cmd_pool)
		vkDestroyCommandPool(dev, v->cmd_pool, NULL);
	if (v->pool)
		vkDestroyDescriptorPool(dev, v->pool, NULL);
	for (size_t i = 0; v->views && i < (size_t)(v->n_dispatch ? v->n_dispatch : 1) *
				RFX_VK_MAX_BINDINGS_PER_DISPATCH; i++)
		if (v->views[i])
			vkDestroyBufferView(dev, v->views[i], NULL);
	for (uint32_t k = 0; k < v->n_kernels; k++)
		rfx_vk_kernel_destroy(ctx, &v->kernels[k].k);
	if (v->cache)
		vkDestroyPipelineCache(dev, v->cache, NULL);
	rfx_vk_buffer_destroy(ctx, &v->frame_buf);
	rfx_vk_buffer_destroy(ctx, &v->frame_params);
	rfx_vk_buffer_destroy(ctx, &v->qparams);
	free(v->qparam_off);
	free(v->qparam_bytes);
	rfx_vk_buffer_destroy(ctx, &v->packed);
	rfx_vk_buffer_destroy(ctx, &v->scratch);
	free(v->packed_off);
	free(v->packed_bytes);
	free(v->views);
	free(v->choice);
	free(v->cands);
	rfx_vk_buffer_destroy(ctx, &v->arena);
	rfx_vk_buffer_destroy(ctx, &v->in_buf);
	rfx_vk_buffer_destroy(ctx, &v->out_buf);
	rfx_plan_finish(&v->plan);
	free(v->kernels);
	free(v->sets);
	free(v->dispatch);
	free(v->layer_of);
	free(v->io_offset);
	free(v);
	s->vk = NULL;
}

void *rfx_vk_session_input(rfx_session *s, uint32_t i)
{
	const rfx_graph *g = &s->model->graph;

	return (uint8_t *)s->vk->in_buf.map + s->vk->io_offset[g->inputs[i]];
}

const void *rfx_vk_session_output(rfx_session *s, uint32_t i)
{
	const rfx_graph *g = &s->model->graph;
	uint32_t t = g->outputs[i];

	if (g->tensors[t].flags & RFX_TENSOR_INPUT)
		return (uint8_t *)s->vk->in_buf.map + s->vk->io_offset[t];
	return (uint8_t *)s->vk->out_buf.map + s->vk->io_offset[t];
}

/* Fault injection for tests; hidden, so not reachable through
 * libreflex.so. One relaxed atomic load per wait. */
atomic_int rfx_fault_device_lost;

rfx_status rfx_vk_session_submit(rfx_session *s)
{
	rfx_context *ctx = s->model->ctx;
	struct rfx_vk_session *v = s->vk;
	VkResult r = rfx_vk_submit(&ctx->vk, v->queue, v->cb, v->fence);

	if (r == VK_SUCCESS)
		return RFX_OK;
	return rfx_vk_fail(ctx, r, "vkQueueSubmit");
}

rfx_status rfx_vk_session_wait(rfx_session *s, uint64_t deadline_ns)
{
	rfx_context *ctx = s->model->ctx;
	struct rfx_vk_session *v = s->vk;
	uint64_t now = rfx_time_now_ns();
	uint64_t timeout = deadline_ns > now ? deadline_ns - now : 0;
	VkResult r = vkWaitForFences(ctx->vk.device, 1, &v->fence, VK_TRUE, timeout);

	if (atomic_load_explicit(&rfx_fault_device_lost, memory_order_relaxed) &&
	    atomic_exchange(&rfx_fault_device_lost, 0))
		r = VK_ERROR_DEVICE_LOST;
	if (r == VK_TIMEOUT)
		return RFX_E_DEADLINE;
	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "vkWaitForFences");
	r = vkResetFences(ctx->vk.device, 1, &v->fence);
	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "vkResetFences");
	v->collected = 1;
	return RFX_OK;
}
