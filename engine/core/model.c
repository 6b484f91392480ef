/* Loading a .rfx into a model, and what the public API asks of a model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "format/rfx_format.h"
#include "vk/vk_model.h"

/* Splits meta.labels into m->labels: one block, pointers then text. */
static rfx_status split_labels(rfx_model *m)
{
	const rfx_meta *meta = &m->graph.meta;
	size_t n = meta->n_labels, len;
	char *text;

	if (!meta->labels || n == 0)
		return RFX_OK;
	len = strlen(meta->labels);
	m->labels = malloc(n * sizeof(char *) + len + 1);
	if (!m->labels)
		return RFX_E_OUT_OF_MEMORY;
	text = (char *)(m->labels + n);
	memcpy(text, meta->labels, len + 1);
	for (size_t i = 0; i < n; i++) {
		char *nl = strchr(text, '\n');

		m->labels[i] = text;
		if (nl) {
			*nl = '\0';
			text = nl + 1;
		}
	}
	return RFX_OK;
}

static uint32_t get_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Takes `bytes` (64-byte aligned, free()) whether it succeeds or not. */
static rfx_status load_bytes(rfx_context *ctx, void *bytes, size_t size,
                             const char *what, rfx_model **out)
{
	char err[384];
	rfx_model *m;
	rfx_status st;

	m = calloc(1, sizeof(*m));
	if (!m) {
		free(bytes);
		return rfx_fail(ctx, RFX_E_OUT_OF_MEMORY, "%s: out of memory", what);
	}
	st = rfx_format_read(bytes, size, &m->graph, err, sizeof(err));
	if (st != RFX_OK) {
		free(bytes);
		free(m);
		return rfx_fail(ctx, st, "%s: %s", what, err);
	}
	m->graph.file_bytes = bytes;
	m->id = (uint64_t)size << 32 | (uint64_t)get_u32le((const uint8_t *)bytes +
							 RFX_HDR_CRC);
	m->ctx = ctx;
	atomic_init(&m->sessions, 0);
	if (split_labels(m) != RFX_OK) {
		st = rfx_fail(ctx, RFX_E_OUT_OF_MEMORY, "%s: out of memory", what);
		goto fail;
	}
	if (ctx->backend == RFX_BACKEND_VULKAN) {
		char before[sizeof(ctx->last_error)];

		memcpy(before, ctx->last_error, sizeof(before));
		pthread_mutex_lock(&ctx->lock);
		st = rfx_vk_model_init(m);
		pthread_mutex_unlock(&ctx->lock);
		if (st != RFX_OK) {
			/* Keep the reason init logged (the device limit it
			 * names) in the last error. */
			char why[sizeof(ctx->last_error)];

			snprintf(why, sizeof(why), "%s",
				 strcmp(before, ctx->last_error) != 0 ?
				 ctx->last_error : rfx_status_str(st));
			rfx_fail(ctx, st, "%s: uploading the weights failed: %s",
				 what, why);
			goto fail;
		}
	}
	rfx_log(ctx, RFX_LOG_INFO, "%s: %u layers, %u tensors, %zu bytes", what,
		m->graph.n_layers, m->graph.n_tensors, size);
	*out = m;
	return RFX_OK;
fail:
	free(m->labels);
	rfx_graph_finish(&m->graph);
	free(m);
	return st;
}

rfx_status rfx_model_load_file(rfx_context *ctx, const char *path,
                               rfx_model **out)
{
	char err[384];
	void *bytes;
	size_t size;
	rfx_status st;

	if (!ctx || !path || !out)
		return rfx_fail(ctx, RFX_E_INVALID_ARGUMENT,
				"rfx_model_load_file: NULL argument");
	st = rfx_file_read(path, RFX_FORMAT_MAX_FILE_SIZE, &bytes, &size, err,
			   sizeof(err));
	if (st != RFX_OK)
		return rfx_fail(ctx, st, "%s", st == RFX_E_IO ? err
				: "rfx_model_load_file: out of memory");
	return load_bytes(ctx, bytes, size, path, out);
}

rfx_status rfx_model_load_memory(rfx_context *ctx, const void *data,
                                 size_t size, rfx_model **out)
{
	void *copy;

	if (!ctx || !data || !out)
		return rfx_fail(ctx, RFX_E_INVALID_ARGUMENT,
				"rfx_model_load_memory: NULL argument");
	if (size > RFX_FORMAT_MAX_FILE_SIZE)
		return rfx_fail(ctx, RFX_E_FORMAT,
				"model in memory: %zu bytes, more than the limit of %llu",
				size, (unsigned long long)RFX_FORMAT_MAX_FILE_SIZE);
	/* A private, aligned copy: constants are used in place. */
	if (posix_memalign(&copy, RFX_FORMAT_ALIGN, size ? size : 1) != 0)
		return rfx_fail(ctx, RFX_E_OUT_OF_MEMORY,
				"model in memory: out of memory (%zu bytes)", size);
	memcpy(copy, data, size);
	return load_bytes(ctx, copy, size, "model in memory", out);
}

void rfx_model_destroy(rfx_model *m)
{
	rfx_context *ctx;

	if (!m)
		return;
	ctx = m->ctx;
	if (atomic_load(&m->sessions) > 0) {
		rfx_fail(ctx, RFX_E_INVALID_ARGUMENT,
			 "rfx_model_destroy: %d sessions still use the model; "
			 "destroy them first (model not freed)",
			 atomic_load(&m->sessions));
		return;
	}
	if (m->vk) {
		pthread_mutex_lock(&ctx->lock);
		rfx_vk_model_finish(m);
		pthread_mutex_unlock(&ctx->lock);
	}
	free(m->labels);
	rfx_graph_finish(&m->graph);
	free(m);
}

uint32_t rfx_model_input_count(const rfx_model *m)
{
	return m ? m->graph.n_inputs : 0;
}

uint32_t rfx_model_output_count(const rfx_model *m)
{
	return m ? m->graph.n_outputs : 0;
}

static void fill_info(const rfx_tensor *t, rfx_tensor_info *out)
{
	memset(out, 0, sizeof(*out));
	out->name = t->name;
	out->dtype = t->dtype;
	out->rank = t->rank;
	memcpy(out->dims, t->dims, sizeof(out->dims));
	out->size_bytes = (size_t)rfx_tensor_bytes(t);
}

rfx_status rfx_model_input_info(const rfx_model *m, uint32_t i,
                                rfx_tensor_info *out)
{
	if (!m || !out || i >= m->graph.n_inputs)
		return RFX_E_INVALID_ARGUMENT;
	fill_info(&m->graph.tensors[m->graph.inputs[i]], out);
	return RFX_OK;
}

rfx_status rfx_model_output_info(const rfx_model *m, uint32_t i,
                                 rfx_tensor_info *out)
{
	if (!m || !out || i >= m->graph.n_outputs)
		return RFX_E_INVALID_ARGUMENT;
	fill_info(&m->graph.tensors[m->graph.outputs[i]], out);
	return RFX_OK;
}

rfx_status rfx_model_preprocess(const rfx_model *m, rfx_preprocess *out)
{
	const rfx_meta *meta;
	const rfx_tensor *in;
	rfx_preprocess p;

	if (!m || !out)
		return RFX_E_INVALID_ARGUMENT;
	meta = &m->graph.meta;
	in = &m->graph.tensors[m->graph.inputs[0]];
	if (in->rank != 4 || in->dims[1] < 1 || in->dims[1] > 4)
		return rfx_fail(m->ctx, RFX_E_UNSUPPORTED,
				"rfx_model_preprocess: input '%s' is not an NCHW image of 1..4 channels",
				in->name);
	/* Absent metadata means identity: rgb, scale 1, mean 0, std 1. */
	memset(&p, 0, sizeof(p));
	snprintf(p.color, sizeof(p.color), "%s", meta->color ? meta->color : "rgb");
	p.scale = meta->scale != 0.0f ? meta->scale : 1.0f;
	p.channels = in->dims[1];
	for (uint32_t c = 0; c < 4; c++) {
		p.mean[c] = meta->mean[c];
		p.std[c] = meta->std[c] > 0.0f ? meta->std[c] : 1.0f;
	}
	p.width = meta->input_w ? meta->input_w : in->dims[3];
	p.height = meta->input_h ? meta->input_h : in->dims[2];
	*out = p;
	return RFX_OK;
}

uint32_t rfx_model_label_count(const rfx_model *m)
{
	return m && m->labels ? m->graph.meta.n_labels : 0;
}

const char *rfx_model_label(const rfx_model *m, uint32_t i)
{
	if (!m || !m->labels || i >= m->graph.meta.n_labels)
		return NULL;
	return m->labels[i];
}
