/*
 * Which kernel each layer of a Vulkan session runs, and its dispatches:
 * the device's capabilities and texel view formats, the variant a layer
 * takes (forced, tuned, or the first that serves it and fits the
 * device's limits), fused classifier heads, and the list of dispatches
 * the session then records (vk_session.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "vk/ops.h"
#include "vk/plan.h"
#include "vk/vk_session.h"

#include "vk/session_priv.h"

static const VkFormat view_format[] = {
	[RFX_VK_VIEW_STORAGE] = VK_FORMAT_UNDEFINED,
	[RFX_VK_VIEW_R32F] = VK_FORMAT_R32_SFLOAT,
	[RFX_VK_VIEW_R16F] = VK_FORMAT_R16_SFLOAT,
	[RFX_VK_VIEW_RGBA32F] = VK_FORMAT_R32G32B32A32_SFLOAT,
	[RFX_VK_VIEW_RGBA16F] = VK_FORMAT_R16G16B16A16_SFLOAT,
	[RFX_VK_VIEW_R8I] = VK_FORMAT_R8_SINT,
	[RFX_VK_VIEW_RGBA8I] = VK_FORMAT_R8G8B8A8_SINT,
	[RFX_VK_VIEW_RGBA32I] = VK_FORMAT_R32G32B32A32_SINT,
};
static const uint32_t view_bytes[] = {0, 4, 2, 16, 8, 1, 4, 16};

VkFormat rfx_vk_view_format(uint8_t view)
{
	return view_format[view];
}

uint32_t rfx_vk_view_bytes(uint8_t view)
{
	return view_bytes[view];
}

/* Uniform texel buffers of every format in [first, last]. */
static int has_texel(rfx_context *ctx, int first, int last)
{
	for (int f = first; f <= last; f++) {
		VkFormatProperties fp;
		vkGetPhysicalDeviceFormatProperties(ctx->vk.phys, view_format[f], &fp);
		if (!(fp.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT))
			return 0;
	}
	return 1;
}

/* The bytes binding b of d will have: the scratch and packed weights
 * are sized by the dispatch's variant (and not yet allocated while
 * dispatches are planned). */
static uint64_t dispatch_binding_bytes(const rfx_session *s,
                                       const rfx_vk_dispatch *d, uint32_t b)
{
	const rfx_graph *g = &s->model->graph;
	uint32_t packed0 = g->n_tensors + RFX_VK_EXTRA_LAYER_PARAMS + g->n_layers;
	uint64_t bytes;

	if (d->tensor[b] == RFX_VK_SCRATCH(g))
		return d->scratch_bytes;
	if (d->tensor[b] >= packed0 && d->tensor[b] < packed0 + g->n_layers) {
		rfx_vk_layer_packed(g, &g->layers[d->tensor[b] - packed0],
				    d->variant, NULL, &bytes);
		return bytes;
	}
	return rfx_vk_session_binding_bytes(s, d->tensor[b]);
}

/* Whether d's loops and every binding of d fit this device's limits. */
static int dispatch_fits(const rfx_session *s, const rfx_vk_dispatch *d)
{
	rfx_context *ctx = s->model->ctx;
	VkPhysicalDeviceProperties p;

	if (d->loops > ctx->vk.max_loops)
		return 0;
	vkGetPhysicalDeviceProperties(ctx->vk.phys, &p);
	for (uint32_t b = 0; b < d->n_bindings; b++) {
		uint64_t bytes = dispatch_binding_bytes(s, d, b);
		if (d->view[b] == RFX_VK_VIEW_STORAGE) {
			if (bytes > ctx->vk.info.max_storage_buffer_range)
				return 0;
		} else if (bytes % view_bytes[d->view[b]] ||
			   bytes / view_bytes[d->view[b]] >
				   p.limits.maxTexelBufferElements) {
			return 0;
		}
	}
	return 1;
}

/* RFX_FORCE_VARIANT: variant names separated by commas; a layer takes the
 * first of them it offers. */
static int forced(const char *name)
{
	const char *f = getenv("RFX_FORCE_VARIANT");
	size_t n = strlen(name);

	for (const char *p = f; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/* Layer l's dispatch with the variant a device takes without measuring
 * (or the one forced, or the one tuned into want): the first candidate
 * whose bindings fit. Fills *n_cand with the candidates that fit. */
static rfx_status plan_variant(rfx_session *s, const rfx_layer *ly,
                               const char *want, rfx_vk_dispatch *d,
                               uint32_t *n, const char **cand,
                               uint32_t *n_cand, char *err, size_t errlen)
{
	const rfx_graph *g = &s->model->graph;
	const char *names[RFX_VK_MAX_VARIANTS];
	uint32_t nv = rfx_vk_layer_variants(g, ly, &s->vk->caps, names,
					    RFX_VK_MAX_VARIANTS);
	int pick = -1;
	rfx_status st = RFX_OK;

	*n_cand = 0;
	for (uint32_t i = 0; i < nv; i++) {
		st = rfx_vk_layer_variant_dispatches(g, ly, &s->vk->caps, names[i],
						     d, n, err, errlen);
		int fits = st == RFX_OK;
		for (uint32_t k = 0; fits && k < *n; k++)
			fits = dispatch_fits(s, &d[k]);
		if (!fits)
			continue;
		cand[(*n_cand)++] = names[i];
	}
	for (uint32_t i = 0; i < *n_cand && pick < 0; i++)
		if (forced(cand[i]))
			pick = (int)i;
	for (uint32_t i = 0; want && i < *n_cand && pick < 0; i++)
		if (strcmp(cand[i], want) == 0)
			pick = (int)i;
	if (pick < 0 && *n_cand)
		pick = 0;
	if (pick < 0)
		return st != RFX_OK ? st : RFX_E_UNSUPPORTED;
	return rfx_vk_layer_variant_dispatches(g, ly, &s->vk->caps, cand[pick],
					       d, n, err, errlen);
}

/* A head the plan fused whose dispatch this device cannot run (a binding
 * beyond its limits) runs unfused: the plan allows both (plan.h). */
static void check_heads(rfx_session *s)
{
	const rfx_graph *g = &s->model->graph;
	struct rfx_vk_session *v = s->vk;
	rfx_vk_dispatch d;
	char err[256];

	for (uint32_t l = 0; l < g->n_layers; l++) {
		uint32_t first = rfx_plan_fused_first(&v->plan, g, l);
		if (first == l)
			continue;
		memset(&d, 0, sizeof(d));
		if (rfx_vk_op_head(g, first, l, v->plan.fused_into, &d, err,
				   sizeof(err)) != RFX_OK ||
		    !dispatch_fits(s, &d)) {
			rfx_log(s->model->ctx, RFX_LOG_DEBUG, "layer '%s': the "
				"classifier head runs unfused on this device",
				g->layers[l].name);
			rfx_plan_unfuse(&v->plan, g, l);
		}
	}
}

rfx_status rfx_vk_session_plan_dispatches(rfx_session *s)
{
	rfx_context *ctx = s->model->ctx;
	const rfx_graph *g = &s->model->graph;
	struct rfx_vk_session *v = s->vk;
	uint32_t cap = 0, n;
	char err[256];
	rfx_vk_caps caps = v->caps;

	for (uint32_t l = 0; l < g->n_layers; l++)
		cap += g->layers[l].op == RFX_OP_CONCAT ? g->layers[l].n_inputs
							: RFX_VK_MAX_LAYER_DISPATCHES;
	cap += 1; /* frame preprocessing */
	v->dispatch = calloc(cap, sizeof(*v->dispatch));
	v->layer_of = calloc(cap, sizeof(*v->layer_of));
	v->cands = calloc(g->n_layers ? g->n_layers : 1, sizeof(*v->cands));
	if (!v->dispatch || !v->layer_of || !v->cands)
		return RFX_E_OUT_OF_MEMORY;
	if (s->frame_format != RFX_PIXEL_NONE) {
		rfx_status st = rfx_vk_session_make_frame(s);
		if (st != RFX_OK)
			return st;
	}
	check_heads(s);
	for (uint32_t l = 0; l < g->n_layers; l++) {
		const rfx_layer *ly = &g->layers[l];
		/* A view, or a layer computed by a later one's dispatch. */
		if (rfx_plan_is_view(&v->plan, g, ly) || v->plan.fused_into[l] != l)
			continue;
		const char *cand[RFX_VK_MAX_VARIANTS];
		uint32_t n_cand = 0, first = rfx_plan_fused_first(&v->plan, g, l);
		/* Fresh slots: trying a multi-dispatch candidate fills slots past
		 * what the layer may end up using. */
		memset(v->dispatch + v->n_dispatch, 0,
		       (ly->op == RFX_OP_CONCAT ? ly->n_inputs
						: RFX_VK_MAX_LAYER_DISPATCHES) *
			       sizeof(*v->dispatch));
		rfx_status st;
		if (first != l) {
			st = rfx_vk_op_head(g, first, l, v->plan.fused_into,
					    v->dispatch + v->n_dispatch, err,
					    sizeof(err));
			n = 1;
		} else {
			st = plan_variant(s, ly, v->choice ? v->choice[l].name : NULL,
					  v->dispatch + v->n_dispatch, &n,
					  cand, &n_cand, err, sizeof(err));
		}
		v->cands[l].n = n_cand;
		for (uint32_t i = 0; i < n_cand; i++)
			v->cands[l].name[i] = cand[i];
		if (n_cand == 0 && first == l)
			st = rfx_vk_layer_dispatches(g, ly, &caps,
						     v->dispatch + v->n_dispatch,
						     &n, err, sizeof(err));
		if (st != RFX_OK)
			return rfx_fail(ctx, st, "%s", err);
		for (uint32_t k = 0; k < n; k++)
			if (v->dispatch[v->n_dispatch + k].scratch_bytes > v->scratch_bytes)
				v->scratch_bytes = v->dispatch[v->n_dispatch + k].scratch_bytes;
		for (uint32_t k = 0; k < n; k++) {
			rfx_vk_dispatch *d = &v->dispatch[v->n_dispatch + k];
			if (d->loops > ctx->vk.max_loops)
				return rfx_fail(ctx, RFX_E_UNSUPPORTED,
					"layer '%s': kernel %s would loop %llu times "
					"in one invocation; this driver (%s) ends a "
					"shader's loops after %llu, so the layer "
					"cannot run on this device", ly->name,
					d->shader, (unsigned long long)d->loops,
					ctx->vk.info.driver_name,
					(unsigned long long)ctx->vk.max_loops);
			for (uint32_t b = 0; b < d->n_bindings; b++) {
				uint64_t bytes = dispatch_binding_bytes(s, d, b);
				if (d->view[b] == RFX_VK_VIEW_STORAGE &&
				    bytes > ctx->vk.info.max_storage_buffer_range)
					return rfx_fail(ctx, RFX_E_UNSUPPORTED,
						"layer '%s': tensor '%s' is %llu bytes, "
						"beyond maxStorageBufferRange (%u)",
						ly->name, d->tensor[b] < g->n_tensors ?
						g->tensors[d->tensor[b]].name : "(parameters)",
						(unsigned long long)bytes,
						ctx->vk.info.max_storage_buffer_range);
			}
		}
		for (uint32_t k = 0; k < n; k++)
			v->layer_of[v->n_dispatch + k] = l;
		v->n_dispatch += n;
	}
	return RFX_OK;
}

rfx_vk_caps rfx_vk_device_caps(rfx_context *ctx)
{
	/* The packed dot product's feature is enabled on Vulkan 1.3 devices
	 * (context.c); RFX_NO_INT_DOT=1 takes the fallback anyway. */
	return (rfx_vk_caps){
		.int8 = ctx->vk.int8 && ctx->vk.storage8,
		.int_dot = ctx->vk.int_dot &&
			   VK_API_VERSION_MINOR(ctx->vk.info.api_version) >= 3 &&
			   !rfx_env_flag("RFX_NO_INT_DOT"),
		.texel = has_texel(ctx, RFX_VK_VIEW_R32F, RFX_VK_VIEW_RGBA16F),
		.texel_i8 = has_texel(ctx, RFX_VK_VIEW_R8I, RFX_VK_VIEW_RGBA32I),
	};
}
