/* rfx_session_stats_get: what a session's memory plan and recording hold. */
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
