/* Queries on a recorded Vulkan session: GPU time of the last frame, the
 * per-layer profile, and the memory plan's figures. */
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "vk/session_priv.h"
#include "vk/vk_model.h"
#include "vk/vk_session.h"

/* Timestamp ticks between two queries, in ns, honouring the valid bits. */
static uint64_t ticks_ns(rfx_context *ctx, uint64_t a, uint64_t b)
{
	return (uint64_t)((double)(b - a) * ctx->vk.info.timestamp_period_ns);
}

rfx_status rfx_vk_session_gpu_time_ns(rfx_session *s, uint64_t *ns)
{
	rfx_context *ctx = s->model->ctx;
	struct rfx_vk_session *v = s->vk;
	uint64_t q[2];

	if (!v->timing_pool)
		return RFX_E_UNSUPPORTED;
	if (!v->collected)
		return RFX_E_NOT_SUBMITTED;
	VkResult r = vkGetQueryPoolResults(ctx->vk.device, v->timing_pool, 0, 2,
					   sizeof(q), q, sizeof(q[0]),
					   VK_QUERY_RESULT_64_BIT);
	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "vkGetQueryPoolResults");
	*ns = ticks_ns(ctx, q[0], q[1]);
	return RFX_OK;
}

rfx_status rfx_vk_session_profile(rfx_session *s, uint64_t *layer_ns,
                                  uint32_t n_layers, uint64_t *total_ns)
{
	rfx_context *ctx = s->model->ctx;
	struct rfx_vk_session *v = s->vk;
	VkDevice dev = ctx->vk.device;
	uint64_t *q;
	VkResult r;

	if (!v->prof_cb)
		return RFX_E_UNSUPPORTED;
	q = calloc(v->n_dispatch + 1, sizeof(*q));
	if (!q)
		return RFX_E_OUT_OF_MEMORY;
	r = rfx_vk_submit(&ctx->vk, v->queue, v->prof_cb, v->prof_fence);
	if (r == VK_SUCCESS)
		r = vkWaitForFences(dev, 1, &v->prof_fence, VK_TRUE, UINT64_MAX);
	if (r == VK_SUCCESS)
		r = vkResetFences(dev, 1, &v->prof_fence);
	if (r == VK_SUCCESS)
		r = vkGetQueryPoolResults(dev, v->prof_pool, 0, v->n_dispatch + 1,
					  (v->n_dispatch + 1) * sizeof(*q), q,
					  sizeof(*q), VK_QUERY_RESULT_64_BIT);
	if (r != VK_SUCCESS) {
		free(q);
		return rfx_vk_fail(ctx, r, "profiling run");
	}
	for (uint32_t l = 0; l < n_layers; l++)
		layer_ns[l] = 0;
	for (uint32_t i = 0; i < v->n_dispatch; i++)
		layer_ns[v->layer_of[i]] += ticks_ns(ctx, q[i], q[i + 1]);
	if (total_ns)
		*total_ns = ticks_ns(ctx, q[0], q[v->n_dispatch]);
	free(q);
	return RFX_OK;
}

void rfx_vk_session_stats_get(const rfx_session *s, rfx_vk_session_stats *out)
{
	const struct rfx_vk_session *v = s->vk;

	memset(out, 0, sizeof(*out));
	if (!v)
		return;
	out->arena_bytes = v->plan.arena_bytes;
	out->tensor_bytes = v->plan.tensor_bytes;
	out->weight_bytes = s->model->vk ? s->model->vk->weights.size : 0;
	out->dispatches = v->n_dispatch;
	out->barriers = v->barriers;
	out->pipelines = v->n_kernels;
	for (uint32_t i = 0; i < v->n_dispatch; i++) {
		size_t len = strlen(v->dispatch[i].shader);
		out->int8_dot += len > 4 &&
				 strcmp(v->dispatch[i].shader + len - 4, "_dot") == 0;
	}
}

const char *rfx_vk_session_layer_variant(const rfx_session *s, uint32_t layer)
{
	const struct rfx_vk_session *v = s ? s->vk : NULL;

	for (uint32_t i = 0; v && i < v->n_dispatch; i++)
		if (v->layer_of[i] == layer && v->dispatch[i].variant[0])
			return v->dispatch[i].variant;
	return "";
}

uint32_t rfx_vk_session_layer_fused_into(const rfx_session *s, uint32_t layer)
{
	const struct rfx_vk_session *v = s ? s->vk : NULL;

	if (!v || layer >= s->model->graph.n_layers)
		return layer;
	return v->plan.fused_into[layer];
}

int rfx_vk_session_tuned(const rfx_session *s)
{
	return s && s->vk ? s->vk->tuned : 0;
}
