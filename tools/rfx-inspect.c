/*
 * rfx-inspect: prints what a .rfx holds — header, metadata, tensors, and
 * each layer with its shapes, precision, attributes, parameters and MACs —
 * plus totals: parameters, MACs, weight bytes and the peak memory of the
 * activations alive at once. The file is validated first, by the same
 * reader the library uses.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/rfx_format.h"
#include "core/model.h"
#include "vk/plan.h"
#include "vk/session_priv.h"
#include "vk/vk_session.h"
#include "graph/graph.h"

typedef struct layer_stats {
	uint64_t params; /* elements of the layer's constant inputs */
	uint64_t macs;   /* multiply-accumulates (conv2d, fc); 0 otherwise */
} layer_stats;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rfx-inspect [OPTIONS] MODEL.rfx\n"
		"Validate a reflex model file and describe what it holds.\n\n"
		"  -j, --json      print JSON instead of text\n"
		"  -k, --kernels   also create a Vulkan session on the default device\n"
		"                  (RFX_DEVICE) and list the kernel each layer runs,\n"
		"                  its alternatives, and whether the choice was\n"
		"                  measured now, read from the tuning file (next to\n"
		"                  the pipeline cache) or the default order\n"
		"  -h, --help      show this help\n"
		"  -V, --version   show the version\n\n"
		"MACs count the multiply-accumulates of conv2d and fc layers.\n"
		"Peak activation memory is the largest sum of the bytes of the\n"
		"non-constant tensors alive at one layer (inputs from the start,\n"
		"outputs to the end), without reuse of a reshape's input.\n");
}

/* -k: the kernel variants a Vulkan session on this device runs. */
static int print_kernels(const char *path, const rfx_graph *g)
{
	static const char *const how[] = {"the default order",
		"measured now (kernel tuning)", "read from the tuning file"};
	rfx_context_options co;
	rfx_context *ctx;
	rfx_model *m;
	rfx_session *s;
	rfx_device_info dev;
	rfx_status st;

	rfx_context_options_default(&co);
	if ((st = rfx_context_create(&co, &ctx)) != RFX_OK) {
		fprintf(stderr, "rfx-inspect: no Vulkan context: %s\n",
			rfx_status_str(st));
		return 1;
	}
	st = rfx_model_load_file(ctx, path, &m);
	if (st == RFX_OK) {
		st = rfx_session_create(m, NULL, &s);
		if (st != RFX_OK)
			rfx_model_destroy(m);
	}
	if (st != RFX_OK) {
		fprintf(stderr, "rfx-inspect: %s: %s\n", rfx_status_str(st),
			rfx_context_last_error(ctx));
		rfx_context_destroy(ctx);
		return 1;
	}
	rfx_context_device_info(ctx, &dev);
	printf("\nkernels on %s (%s):\n", dev.name,
	       how[rfx_vk_session_tuned(s)]);
	for (uint32_t l = 0; l < g->n_layers; l++) {
		const struct layer_cands *c = &s->vk->cands[l];
		uint32_t into = rfx_vk_session_layer_fused_into(s, l);
		if (into != l) {
			printf("  %4u %-40.40s fused into %s\n", l, g->layers[l].name,
			       g->layers[into].name);
			continue;
		}
		if (strcmp(rfx_vk_session_layer_variant(s, l), "head") == 0) {
			printf("  %4u %-40.40s %-15s (global pool and fc in one "
			       "dispatch)\n", l, g->layers[l].name, "head");
			continue;
		}
		if (c->n < 2)
			continue;
		printf("  %4u %-40.40s %-15s of", l, g->layers[l].name,
		       rfx_vk_session_layer_variant(s, l));
		for (uint32_t i = 0; i < c->n; i++)
			printf(" %s", c->name[i]);
		printf("\n");
	}
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	rfx_context_destroy(ctx);
	return 0;
}

static layer_stats stats_of(const rfx_graph *g, const rfx_layer *l)
{
	layer_stats s = {0, 0};
	const rfx_tensor *y = &g->tensors[l->outputs[0]];

	for (uint32_t k = 0; k < l->n_inputs; k++) {
		const rfx_tensor *t = &g->tensors[l->inputs[k]];

		if (t->flags & RFX_TENSOR_CONST)
			s.params += rfx_tensor_elements(t);
	}
	if (l->op == RFX_OP_CONV2D) {
		const rfx_tensor *w = &g->tensors[l->inputs[1]];

		/* every output value: (C/group) * kH * kW products */
		s.macs = rfx_tensor_elements(y) * w->dims[1] * w->dims[2] *
			 w->dims[3];
	} else if (l->op == RFX_OP_FC) {
		s.macs = rfx_tensor_elements(y) * g->tensors[l->inputs[1]].dims[1];
	}
	return s;
}

/* Bytes of the activations alive at once, at the worst layer. */
static uint64_t peak_activations(const rfx_graph *g)
{
	uint32_t n = g->n_layers;
	int64_t *last = malloc(g->n_tensors * sizeof(*last));
	int64_t *delta = calloc((size_t)n + 2, sizeof(*delta));
	uint64_t peak = 0;
	int64_t live = 0;

	if (!last || !delta) {
		free(last);
		free(delta);
		return 0;
	}
	for (uint32_t t = 0; t < g->n_tensors; t++)
		last[t] = (g->tensors[t].flags & RFX_TENSOR_OUTPUT) ? (int64_t)n : -1;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < g->layers[i].n_inputs; k++)
			if (last[g->layers[i].inputs[k]] < (int64_t)i)
				last[g->layers[i].inputs[k]] = i;
	/* A tensor occupies memory from the layer that writes it (graph
	 * inputs: layer 0) through its last reader. */
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		const rfx_tensor *ts = &g->tensors[t];

		if (ts->flags & RFX_TENSOR_INPUT) {
			delta[0] += (int64_t)rfx_tensor_bytes(ts);
			delta[(last[t] < 0 ? 0 : last[t]) + 1] -= (int64_t)rfx_tensor_bytes(ts);
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t o = g->layers[i].outputs[0];
		int64_t end = last[o] < (int64_t)i ? i : last[o];

		delta[i] += (int64_t)rfx_tensor_bytes(&g->tensors[o]);
		delta[end + 1] -= (int64_t)rfx_tensor_bytes(&g->tensors[o]);
	}
	for (uint32_t i = 0; i <= n; i++) {
		live += delta[i];
		if ((uint64_t)live > peak)
			peak = (uint64_t)live;
	}
	free(last);
	free(delta);
	return peak;
}

/* The Vulkan session's memory plan for this graph (engine/vk/plan.c), with
 * the 256-byte binding alignment every device accepts: arena bytes against
 * the sum of the activation tensors it places; and per layer, the layer
 * whose dispatch computes it (fused_into, n_layers entries, free()), as
 * on a device with texel buffers; an int8 head's fusion depends on the
 * device (vk_session.c), so only --kernels shows it. */
static void memory_plan(const rfx_graph *g, uint64_t *arena, uint64_t *sum,
                        uint32_t **fused_into)
{
	rfx_plan p;

	*arena = *sum = 0;
	*fused_into = NULL;
	if (rfx_plan_build(g, 256, 0, RFX_PLAN_FUSE_HEAD, &p) != RFX_OK)
		return;
	*arena = p.arena_bytes;
	*sum = p.tensor_bytes;
	*fused_into = p.fused_into;
	p.fused_into = NULL;
	rfx_plan_finish(&p);
}

/* The layer whose Vulkan dispatch computes layer i, if another. */
static const rfx_layer *fused(const rfx_graph *g, const uint32_t *fused_into,
                              uint32_t i)
{
	return fused_into && fused_into[i] != i ? &g->layers[fused_into[i]] : NULL;
}

static void shape_str(const rfx_tensor *t, char *buf, size_t n)
{
	size_t at = 0;

	at += (size_t)snprintf(buf, n, "[");
	for (uint32_t d = 0; d < t->rank && at < n; d++)
		at += (size_t)snprintf(buf + at, n - at, "%s%u", d ? "," : "",
				       t->dims[d]);
	if (at < n)
		snprintf(buf + at, n - at, "]");
}

/* The attributes, as "k=v" words. */
static void attrs_str(const rfx_graph *g, const rfx_layer *l, char *buf,
                      size_t n)
{
	const int32_t *a = l->i;
	const float *f = l->f;
	int act = -1;

	buf[0] = '\0';
	switch (l->op) {
	case RFX_OP_CONV2D: {
		const rfx_tensor *w = &g->tensors[l->inputs[1]];

		snprintf(buf, n, "kernel=%ux%u stride=%dx%d pad=%d,%d,%d,%d dilation=%dx%d group=%d%s",
			 w->dims[2], w->dims[3], a[RFX_CONV_STRIDE_H],
			 a[RFX_CONV_STRIDE_W], a[RFX_CONV_PAD_T], a[RFX_CONV_PAD_L],
			 a[RFX_CONV_PAD_B], a[RFX_CONV_PAD_R], a[RFX_CONV_DIL_H],
			 a[RFX_CONV_DIL_W], a[RFX_CONV_GROUP],
			 l->n_inputs == 4 ? " residual" : "");
		act = a[RFX_CONV_ACT];
		break;
	}
	case RFX_OP_FC:
		act = a[RFX_FC_ACT];
		break;
	case RFX_OP_POOL2D:
		snprintf(buf, n, "%s kernel=%dx%d stride=%dx%d pad=%d,%d,%d,%d dilation=%dx%d%s%s",
			 a[RFX_POOL_KIND] == RFX_POOL_MAX ? "max" : "avg",
			 a[RFX_POOL_KERNEL_H], a[RFX_POOL_KERNEL_W],
			 a[RFX_POOL_STRIDE_H], a[RFX_POOL_STRIDE_W],
			 a[RFX_POOL_PAD_T], a[RFX_POOL_PAD_L], a[RFX_POOL_PAD_B],
			 a[RFX_POOL_PAD_R], a[RFX_POOL_DIL_H], a[RFX_POOL_DIL_W],
			 a[RFX_POOL_CEIL_MODE] ? " ceil" : "",
			 a[RFX_POOL_COUNT_INCLUDE_PAD] ? " count_include_pad" : "");
		break;
	case RFX_OP_GLOBAL_POOL:
		snprintf(buf, n, "%s", a[RFX_GPOOL_KIND] == RFX_POOL_MAX ? "max" : "avg");
		break;
	case RFX_OP_BINARY: {
		static const char *kinds[] = {"add", "sub", "mul", "div"};

		snprintf(buf, n, "%s", kinds[a[RFX_BINARY_KIND]]);
		act = a[RFX_BINARY_ACT];
		break;
	}
	case RFX_OP_UNARY:
		act = a[RFX_UNARY_ACT];
		break;
	case RFX_OP_CONCAT:
		snprintf(buf, n, "axis=%d", a[RFX_CONCAT_AXIS]);
		break;
	case RFX_OP_TRANSPOSE: {
		const rfx_tensor *x = &g->tensors[l->inputs[0]];
		size_t at = (size_t)snprintf(buf, n, "perm=");

		for (uint32_t d = 0; d < x->rank && at < n; d++)
			at += (size_t)snprintf(buf + at, n - at, "%s%d", d ? "," : "", a[d]);
		break;
	}
	case RFX_OP_PAD: {
		const rfx_tensor *x = &g->tensors[l->inputs[0]];
		size_t at = (size_t)snprintf(buf, n, "begin=");

		for (uint32_t d = 0; d < x->rank && at < n; d++)
			at += (size_t)snprintf(buf + at, n - at, "%s%d", d ? "," : "", a[d]);
		if (at < n)
			at += (size_t)snprintf(buf + at, n - at, " end=");
		for (uint32_t d = 0; d < x->rank && at < n; d++)
			at += (size_t)snprintf(buf + at, n - at, "%s%d", d ? "," : "",
					       a[x->rank + d]);
		if (at < n)
			snprintf(buf + at, n - at, " value=%g", (double)f[0]);
		break;
	}
	case RFX_OP_SOFTMAX:
		snprintf(buf, n, "axis=%d%s", a[RFX_SOFTMAX_AXIS],
			 a[RFX_SOFTMAX_LEGACY] ? " legacy" : "");
		break;
	case RFX_OP_REDUCE_MEAN:
		snprintf(buf, n, "axes=0x%x keepdims=%d", (unsigned)a[RFX_REDUCE_AXES],
			 a[RFX_REDUCE_KEEPDIMS]);
		break;
	default:
		break;
	}
	if (act > 0) {
		size_t at = strlen(buf);

		if (act == RFX_ACT_CLIP || act == RFX_ACT_HARD_SIGMOID)
			snprintf(buf + at, n - at, "%sact=%s(%g,%g)", at ? " " : "",
				 rfx_act_name((rfx_act)act), (double)f[0], (double)f[1]);
		else if (act == RFX_ACT_LEAKY_RELU)
			snprintf(buf + at, n - at, "%sact=%s(%g)", at ? " " : "",
				 rfx_act_name((rfx_act)act), (double)f[0]);
		else
			snprintf(buf + at, n - at, "%sact=%s", at ? " " : "",
				 rfx_act_name((rfx_act)act));
	}
}

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			printf("\\n");
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_dims(const rfx_tensor *t)
{
	putchar('[');
	for (uint32_t d = 0; d < t->rank; d++)
		printf("%s%u", d ? "," : "", t->dims[d]);
	putchar(']');
}

static const char *flags_str(uint32_t flags)
{
	if (flags & RFX_TENSOR_CONST)
		return "const";
	if ((flags & RFX_TENSOR_INPUT) && (flags & RFX_TENSOR_OUTPUT))
		return "input,output";
	if (flags & RFX_TENSOR_INPUT)
		return "input";
	if (flags & RFX_TENSOR_OUTPUT)
		return "output";
	return "activation";
}

static void print_text(const char *path, const rfx_format_info *info,
                       const rfx_graph *g)
{
	const rfx_meta *m = &g->meta;
	uint64_t params = 0, macs = 0, wbytes = 0;
	char shape[96], attrs[256];

	printf("%s: reflex model, format version %u, %llu bytes, CRC-32 0x%08x (ok)\n",
	       path, info->version, (unsigned long long)info->file_size, info->crc32);
	printf("sections:");
	for (int s = 0; s < RFX_SEC_COUNT; s++)
		printf(" %s %u (%llu B)%s", rfx_section_name(s), info->sections[s].count,
		       (unsigned long long)info->sections[s].size,
		       s + 1 < RFX_SEC_COUNT ? "," : "\n");

	printf("\nmetadata:\n");
	if (m->labels) {
		const char *p = m->labels;

		printf("  labels: %u:", m->n_labels);
		for (uint32_t k = 0; k < m->n_labels && k < 8; k++) {
			const char *nl = strchr(p, '\n');
			int len = nl ? (int)(nl - p) : (int)strlen(p);

			printf(" %.*s%s", len, p, k + 1 < m->n_labels ? "," : "");
			p = nl ? nl + 1 : p + len;
		}
		printf("%s\n", m->n_labels > 8 ? " ..." : "");
	}
	if (m->color)
		printf("  input.color: %s\n", m->color);
	if (m->layout)
		printf("  input.layout: %s\n", m->layout);
	if (m->scale != 0.0f)
		printf("  input.scale: %g\n", (double)m->scale);
	if (m->mean[0] || m->mean[1] || m->mean[2] || m->mean[3])
		printf("  input.mean: %g %g %g %g\n", (double)m->mean[0],
		       (double)m->mean[1], (double)m->mean[2], (double)m->mean[3]);
	if (m->std[0] != 0.0f)
		printf("  input.std: %g %g %g %g\n", (double)m->std[0],
		       (double)m->std[1], (double)m->std[2], (double)m->std[3]);
	if (m->input_w)
		printf("  input.size: %ux%u\n", m->input_w, m->input_h);
	if (m->converter)
		printf("  converter: %s\n", m->converter);
	if (m->source_name)
		printf("  source.name: %s\n", m->source_name);
	if (m->source_hash)
		printf("  source.hash: %016llx\n", (unsigned long long)m->source_hash);
	if (m->golden_input)
		printf("  golden: input %llu B, output %llu B\n",
		       (unsigned long long)m->golden_input_size,
		       (unsigned long long)m->golden_output_size);

	printf("\ntensors: %u\n", g->n_tensors);
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		const rfx_tensor *ts = &g->tensors[t];

		shape_str(ts, shape, sizeof(shape));
		printf("  %4u %-32s %-4s %-20s %-10s", t, ts->name,
		       rfx_dtype_name(ts->dtype), shape, flags_str(ts->flags));
		if (ts->flags & RFX_TENSOR_CONST) {
			printf(" %llu B", (unsigned long long)ts->size);
			wbytes += ts->size;
		}
		if (ts->dtype == RFX_DTYPE_I8 || ts->dtype == RFX_DTYPE_U8 ||
		    ts->dtype == RFX_DTYPE_I32) {
			if (ts->channel_scales != UINT32_MAX)
				printf(" scales=%s axis=%u",
				       g->tensors[ts->channel_scales].name, ts->qaxis);
			else
				printf(" scale=%g zero=%d", (double)ts->scale,
				       (int)ts->zero_point);
		}
		putchar('\n');
	}

	uint64_t arena, sum;
	uint32_t *fused_into;
	memory_plan(g, &arena, &sum, &fused_into);
	printf("\nlayers: %u\n", g->n_layers);
	for (uint32_t i = 0; i < g->n_layers; i++) {
		const rfx_layer *l = &g->layers[i];
		const rfx_layer *into = fused(g, fused_into, i);
		layer_stats s = stats_of(g, l);

		printf("  %4u %-12s %-4s %s\n", i, rfx_op_name(l->op),
		       rfx_dtype_name(l->precision), l->name);
		printf("       in: ");
		for (uint32_t k = 0; k < l->n_inputs; k++) {
			shape_str(&g->tensors[l->inputs[k]], shape, sizeof(shape));
			printf("%s%s%s", k ? ", " : "", g->tensors[l->inputs[k]].name, shape);
		}
		shape_str(&g->tensors[l->outputs[0]], shape, sizeof(shape));
		printf("\n       out: %s%s\n", g->tensors[l->outputs[0]].name, shape);
		attrs_str(g, l, attrs, sizeof(attrs));
		if (attrs[0])
			printf("       %s\n", attrs);
		printf("       params %llu, MACs %llu\n", (unsigned long long)s.params,
		       (unsigned long long)s.macs);
		if (into)
			printf("       Vulkan: fused into %s (one dispatch for the "
			       "classifier head)\n", into->name);
		params += s.params;
		macs += s.macs;
	}
	free(fused_into);
	printf("\nmemory plan (Vulkan): arena %llu bytes for %llu bytes of "
	       "intermediate tensors (%.0f%%; inputs and outputs live in their "
	       "own mapped buffers)\n", (unsigned long long)arena,
	       (unsigned long long)sum, sum ? 100.0 * (double)arena / (double)sum : 0.0);
	printf("total: %llu parameters, %llu MACs, %llu weight bytes, peak activation memory %llu bytes\n",
	       (unsigned long long)params, (unsigned long long)macs,
	       (unsigned long long)wbytes, (unsigned long long)peak_activations(g));
}

static void print_json(const char *path, const rfx_format_info *info,
                       const rfx_graph *g)
{
	const rfx_meta *m = &g->meta;
	uint64_t params = 0, macs = 0, wbytes = 0;
	char attrs[256];

	printf("{\"path\":");
	json_str(path);
	printf(",\"format_version\":%u,\"file_size\":%llu,\"crc32\":%u,\"sections\":{",
	       info->version, (unsigned long long)info->file_size, info->crc32);
	for (int s = 0; s < RFX_SEC_COUNT; s++)
		printf("%s\"%s\":{\"count\":%u,\"size\":%llu}", s ? "," : "",
		       rfx_section_name(s), info->sections[s].count,
		       (unsigned long long)info->sections[s].size);
	printf("},\"metadata\":{\"labels\":[");
	if (m->labels) {
		const char *p = m->labels;

		for (uint32_t k = 0; k < m->n_labels; k++) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			char *one = strndup(p, len);

			printf("%s", k ? "," : "");
			json_str(one ? one : "");
			free(one);
			p = nl ? nl + 1 : p + len;
		}
	}
	printf("],\"color\":");
	json_str(m->color ? m->color : "");
	printf(",\"layout\":");
	json_str(m->layout ? m->layout : "");
	printf(",\"scale\":%.9g,\"mean\":[%.9g,%.9g,%.9g,%.9g],\"std\":[%.9g,%.9g,%.9g,%.9g]",
	       (double)m->scale, (double)m->mean[0], (double)m->mean[1],
	       (double)m->mean[2], (double)m->mean[3], (double)m->std[0],
	       (double)m->std[1], (double)m->std[2], (double)m->std[3]);
	printf(",\"input_size\":[%u,%u],\"converter\":", m->input_w, m->input_h);
	json_str(m->converter ? m->converter : "");
	printf(",\"source_name\":");
	json_str(m->source_name ? m->source_name : "");
	printf(",\"source_hash\":\"%016llx\",\"golden\":%s},\"inputs\":[",
	       (unsigned long long)m->source_hash, m->golden_input ? "true" : "false");
	for (uint32_t k = 0; k < g->n_inputs; k++)
		printf("%s%u", k ? "," : "", g->inputs[k]);
	printf("],\"outputs\":[");
	for (uint32_t k = 0; k < g->n_outputs; k++)
		printf("%s%u", k ? "," : "", g->outputs[k]);
	printf("],\"tensors\":[");
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		const rfx_tensor *ts = &g->tensors[t];

		printf("%s{\"name\":", t ? "," : "");
		json_str(ts->name);
		printf(",\"dtype\":\"%s\",\"shape\":", rfx_dtype_name(ts->dtype));
		json_dims(ts);
		printf(",\"kind\":\"%s\",\"bytes\":%llu}", flags_str(ts->flags),
		       (unsigned long long)rfx_tensor_bytes(ts));
		if (ts->flags & RFX_TENSOR_CONST)
			wbytes += ts->size;
	}
	uint64_t arena, sum;
	uint32_t *fused_into;
	memory_plan(g, &arena, &sum, &fused_into);
	printf("],\"layers\":[");
	for (uint32_t i = 0; i < g->n_layers; i++) {
		const rfx_layer *l = &g->layers[i];
		const rfx_layer *into = fused(g, fused_into, i);
		layer_stats s = stats_of(g, l);

		printf("%s{\"name\":", i ? "," : "");
		json_str(l->name);
		printf(",\"op\":\"%s\",\"precision\":\"%s\",\"inputs\":[",
		       rfx_op_name(l->op), rfx_dtype_name(l->precision));
		for (uint32_t k = 0; k < l->n_inputs; k++)
			printf("%s%u", k ? "," : "", l->inputs[k]);
		printf("],\"output\":%u,\"input_shapes\":[", l->outputs[0]);
		for (uint32_t k = 0; k < l->n_inputs; k++) {
			printf("%s", k ? "," : "");
			json_dims(&g->tensors[l->inputs[k]]);
		}
		printf("],\"output_shape\":");
		json_dims(&g->tensors[l->outputs[0]]);
		printf(",\"i\":[");
		for (int k = 0; k < RFX_LAYER_IATTRS; k++)
			printf("%s%d", k ? "," : "", l->i[k]);
		printf("],\"f\":[");
		for (int k = 0; k < RFX_LAYER_FATTRS; k++)
			printf("%s%.9g", k ? "," : "", (double)l->f[k]);
		attrs_str(g, l, attrs, sizeof(attrs));
		printf("],\"attributes\":");
		json_str(attrs);
		printf(",\"params\":%llu,\"macs\":%llu,\"vulkan_fused_into\":",
		       (unsigned long long)s.params, (unsigned long long)s.macs);
		if (into)
			json_str(into->name);
		else
			printf("null");
		printf("}");
		params += s.params;
		macs += s.macs;
	}
	free(fused_into);
	printf("],\"memory_plan\":{\"arena_bytes\":%llu,\"tensor_bytes\":%llu}",
	       (unsigned long long)arena, (unsigned long long)sum);
	printf(",\"total\":{\"params\":%llu,\"macs\":%llu,\"weight_bytes\":%llu,\"peak_activation_bytes\":%llu}}\n",
	       (unsigned long long)params, (unsigned long long)macs,
	       (unsigned long long)wbytes, (unsigned long long)peak_activations(g));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"kernels", no_argument, NULL, 'k'},
		{NULL, 0, NULL, 0},
	};
	rfx_format_info info;
	rfx_graph g;
	char err[512];
	void *bytes;
	size_t size;
	int json = 0, kernels = 0, c;
	rfx_status st;

	while ((c = getopt_long(argc, argv, "jkhV", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernels = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("rfx-inspect %s (.rfx format version %u)\n",
			       rfx_version_string(), RFX_FORMAT_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || (json && kernels)) {
		if (json && kernels)
			fprintf(stderr, "rfx-inspect: --kernels prints text only\n");
		usage(stderr);
		return 2;
	}
	st = rfx_file_read(argv[optind], RFX_FORMAT_MAX_FILE_SIZE, &bytes, &size,
			   err, sizeof(err));
	if (st != RFX_OK) {
		fprintf(stderr, "rfx-inspect: %s\n", st == RFX_E_IO ? err : rfx_status_str(st));
		return 1;
	}
	st = rfx_format_read(bytes, size, &g, err, sizeof(err));
	if (st != RFX_OK) {
		fprintf(stderr, "rfx-inspect: %s: %s (%s)\n", argv[optind], err,
			rfx_status_str(st));
		free(bytes);
		return 1;
	}
	g.file_bytes = bytes;
	rfx_format_info_read(bytes, size, &info);
	if (json)
		print_json(argv[optind], &info, &g);
	else
		print_text(argv[optind], &info, &g);
	int rc = kernels && !json ? print_kernels(argv[optind], &g) : 0;
	rfx_graph_finish(&g);
	return rc;
}
