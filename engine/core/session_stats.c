/* Session introspection: memory plan, GPU timing, per-layer profile. */
#include <string.h>

#include "core/model.h"
#include "vk/vk_session.h"

rfx_status rfx_session_stats_get(const rfx_session *s, rfx_session_stats *out)
{
	const rfx_graph *g;

	if (!s || !out)
		return RFX_E_INVALID_ARGUMENT;
	memset(out, 0, sizeof(*out));
	if (s->vk) {
		rfx_vk_session_stats v;
		rfx_vk_session_stats_get(s, &v);
		out->arena_bytes = v.arena_bytes;
		out->tensor_bytes = v.tensor_bytes;
		out->weight_bytes = v.weight_bytes;
		out->dispatches = v.dispatches;
		out->barriers = v.barriers;
		out->pipelines = v.pipelines;
		return RFX_OK;
	}
	/* CPU: one buffer per activation tensor, no sharing. */
	g = &s->model->graph;
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		uint64_t b = rfx_tensor_bytes(&g->tensors[t]);
		if (g->tensors[t].flags & RFX_TENSOR_CONST)
			out->weight_bytes += b;
		else
			out->tensor_bytes += b;
	}
	out->arena_bytes = out->tensor_bytes;
	return RFX_OK;
}

rfx_status rfx_session_gpu_time_ns(rfx_session *s, uint64_t *ns)
{
	if (!s || !ns)
		return RFX_E_INVALID_ARGUMENT;
	if (!s->vk)
		return RFX_E_UNSUPPORTED;
	if (s->lost)
		return RFX_E_DEVICE_LOST;
	if (s->in_flight)
		return RFX_E_BUSY;
	return rfx_vk_session_gpu_time_ns(s, ns);
}

rfx_status rfx_session_profile(rfx_session *s, uint64_t *layer_ns,
                               uint32_t n_layers, uint64_t *total_ns)
{
	if (!s || !layer_ns || n_layers != s->model->graph.n_layers)
		return RFX_E_INVALID_ARGUMENT;
	if (!s->vk)
		return RFX_E_UNSUPPORTED;
	if (s->lost)
		return RFX_E_DEVICE_LOST;
	if (s->in_flight)
		return RFX_E_BUSY;
	rfx_status st = rfx_vk_session_profile(s, layer_ns, n_layers, total_ns);
	if (st == RFX_E_DEVICE_LOST)
		s->lost = 1;
	return st;
}
