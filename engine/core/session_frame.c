/* Frame input for sessions: raw camera bytes in, the model's input tensor
 * out, inside the session's own run (engine/core/frame.h). */
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/model.h"
#include "cpu/cpu.h"
#include "graph/half.h"

#define MAX_FRAME_SIDE 16384u /* a denial-of-service bound, like stb's */

rfx_status rfx_frame_setup(rfx_session *s, const rfx_session_options *o)
{
	rfx_context *ctx = s->model->ctx;
	const rfx_graph *g = &s->model->graph;
	rfx_preprocess pp;
	uint32_t bpp = rfx_pixel_bytes(o->frame_format);

	if (o->frame_format == RFX_PIXEL_NONE)
		return RFX_OK;
	if (!bpp || o->frame_max_width == 0 || o->frame_max_height == 0 ||
	    o->frame_max_width > MAX_FRAME_SIDE ||
	    o->frame_max_height > MAX_FRAME_SIDE ||
	    (unsigned)o->frame_fit > RFX_FIT_LETTERBOX)
		return rfx_fail(ctx, RFX_E_INVALID_ARGUMENT,
				"frame input: format %d, fit %d, %ux%u (each side "
				"1..%u)", (int)o->frame_format, (int)o->frame_fit,
				o->frame_max_width, o->frame_max_height,
				MAX_FRAME_SIDE);
	const rfx_tensor *in = g->n_inputs ? &g->tensors[g->inputs[0]] : NULL;
	if (!in || in->rank != 4 || in->dims[0] != 1 ||
	    (in->dims[1] != 1 && in->dims[1] != 3) ||
	    (in->dtype != RFX_DTYPE_F32 && in->dtype != RFX_DTYPE_F16))
		return rfx_fail(ctx, RFX_E_UNSUPPORTED,
				"frame input needs input 0 to be an image [1, 1 or 3, "
				"H, W] of fp32 or fp16");
	rfx_model_preprocess(s->model, &pp);
	pp.channels = in->dims[1];
	pp.height = in->dims[2];
	pp.width = in->dims[3];
	s->frame_format = o->frame_format;
	s->frame_fit = o->frame_fit;
	s->frame_max_w = o->frame_max_width;
	s->frame_max_h = o->frame_max_height;
	s->frame_cap = ((size_t)o->frame_max_width * o->frame_max_height * bpp + 3) & ~(size_t)3;
	s->frame_params_own = calloc(1, sizeof(rfx_frame_params));
	if (!s->frame_params_own)
		return RFX_E_OUT_OF_MEMORY;
	s->frame_params = s->frame_params_own;
	rfx_status st = rfx_frame_params_make(&pp, s->frame_format, s->frame_fit,
					      s->frame_max_w, s->frame_max_h, 0,
					      s->frame_params);
	if (st != RFX_OK)
		return rfx_fail(ctx, st, "frame input: YUYV frames need an even width");
	if (s->model->ctx->backend == RFX_BACKEND_CPU) {
		s->frame = calloc(1, s->frame_cap);
		if (!s->frame)
			return RFX_E_OUT_OF_MEMORY;
		if (in->dtype == RFX_DTYPE_F16) {
			s->frame_scratch = calloc(rfx_tensor_elements(in), sizeof(float));
			if (!s->frame_scratch)
				return RFX_E_OUT_OF_MEMORY;
		}
	}
	return RFX_OK;
}

void rfx_frame_finish(rfx_session *s)
{
	if (s->model->ctx->backend == RFX_BACKEND_CPU)
		free(s->frame);
	free(s->frame_params_own);
	free(s->frame_scratch);
	s->frame = NULL;
	s->frame_params = s->frame_params_own = NULL;
	s->frame_scratch = NULL;
}

int rfx_frame_enable(rfx_session *s, int on)
{
	int was;

	if (!s->frame_params)
		return 0;
	was = s->frame_params->enabled != 0;
	s->frame_params->enabled = on ? 1u : 0u;
	return was;
}

void rfx_frame_run_cpu(rfx_session *s)
{
	const rfx_graph *g = &s->model->graph;
	uint32_t t = g->inputs[0];
	void *dst = rfx_cpu_session_tensor(s->cpu, t);

	if (!s->frame_params || !s->frame_params->enabled)
		return;
	if (s->frame_scratch) {
		uint64_t n = rfx_tensor_elements(&g->tensors[t]);
		rfx_frame_preprocess(s->frame_params, s->frame, s->frame_scratch);
		rfx_f32_to_f16_n(dst, s->frame_scratch, n);
	} else {
		rfx_frame_preprocess(s->frame_params, s->frame, dst);
	}
}

void *rfx_session_frame(rfx_session *s, size_t *capacity)
{
	if (!s || !s->frame || s->lost)
		return NULL;
	if (capacity)
		*capacity = s->frame_cap;
	return s->frame;
}

rfx_status rfx_session_set_frame(rfx_session *s, uint32_t width,
                                 uint32_t height, uint32_t stride)
{
	rfx_frame_params p;
	rfx_preprocess pp;
	uint32_t bpp;

	if (!s || !s->frame_params)
		return RFX_E_INVALID_ARGUMENT;
	if (s->in_flight)
		return RFX_E_BUSY;
	bpp = rfx_pixel_bytes(s->frame_format);
	if (stride == 0)
		stride = width * bpp;
	if (width == 0 || height == 0 || width > s->frame_max_w ||
	    height > s->frame_max_h || (uint64_t)stride * (height - 1) +
	    (uint64_t)width * bpp > s->frame_cap)
		return rfx_fail(s->model->ctx, RFX_E_INVALID_ARGUMENT,
				"frame %ux%u (stride %u) does not fit the session's "
				"%ux%u frame buffer", width, height, stride,
				s->frame_max_w, s->frame_max_h);
	const rfx_tensor *in = &s->model->graph.tensors[s->model->graph.inputs[0]];
	rfx_model_preprocess(s->model, &pp);
	pp.channels = in->dims[1];
	pp.height = in->dims[2];
	pp.width = in->dims[3];
	if (rfx_frame_params_make(&pp, s->frame_format, s->frame_fit, width,
				  height, stride, &p) != RFX_OK)
		return rfx_fail(s->model->ctx, RFX_E_INVALID_ARGUMENT,
				"frame %ux%u stride %u: invalid for this pixel "
				"format", width, height, stride);
	*s->frame_params = p;
	return RFX_OK;
}
