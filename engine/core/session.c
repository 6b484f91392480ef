/*
 * Sessions: the public API over the two backends, and the state machine
 * every backend shares:
 *
 *   idle --submit--> in flight --wait OK--> idle
 *                    in flight --wait DEADLINE--> in flight
 *   submit while in flight: RFX_E_BUSY; wait while idle: RFX_E_NOT_SUBMITTED;
 *   a device loss (or any unexpected failure of submit/wait) makes the
 *   session lost: every later call answers RFX_E_DEVICE_LOST.
 *
 * CPU backend: submit runs the whole graph on the calling thread before it
 * returns; wait then returns RFX_OK at once, whatever the deadline (the
 * work is already done). Vulkan backend: engine/vk/vk_session.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/golden.h"
#include "core/model.h"
#include "cpu/cpu.h"
#include "vk/vk_session.h"

/* Golden tolerance on Vulkan, relative to the output's largest magnitude
 * (see rfx_golden_compare). The CPU backend must reproduce the reference
 * exactly. */
#define GOLDEN_TOL_VULKAN 1e-3f

void rfx_session_options_default(rfx_session_options *opt)
{
	if (opt)
		memset(opt, 0, sizeof(*opt));
}

static int is_cpu(const rfx_session *s)
{
	return s->model->ctx->backend == RFX_BACKEND_CPU;
}

static void fill_info(const rfx_tensor *t, rfx_tensor_info *info)
{
	memset(info, 0, sizeof(*info));
	info->name = t->name;
	info->dtype = t->dtype;
	info->rank = t->rank;
	for (uint32_t d = 0; d < RFX_MAX_RANK; d++)
		info->dims[d] = d < t->rank ? t->dims[d] : 1;
	info->size_bytes = (size_t)rfx_tensor_bytes(t);
}

void *rfx_session_input(rfx_session *s, uint32_t i, rfx_tensor_info *info)
{
	const rfx_graph *g;

	if (!s || s->lost || i >= s->model->graph.n_inputs)
		return NULL;
	g = &s->model->graph;
	if (info)
		fill_info(&g->tensors[g->inputs[i]], info);
	if (is_cpu(s))
		return rfx_cpu_session_tensor(s->cpu, g->inputs[i]);
	return rfx_vk_session_input(s, i);
}

const void *rfx_session_output(rfx_session *s, uint32_t i,
                               rfx_tensor_info *info)
{
	const rfx_graph *g;

	if (!s || s->lost || i >= s->model->graph.n_outputs)
		return NULL;
	g = &s->model->graph;
	if (info)
		fill_info(&g->tensors[g->outputs[i]], info);
	if (is_cpu(s))
		return rfx_cpu_session_tensor(s->cpu, g->outputs[i]);
	return rfx_vk_session_output(s, i);
}

rfx_status rfx_session_submit(rfx_session *s)
{
	rfx_status st;

	if (!s)
		return RFX_E_INVALID_ARGUMENT;
	if (s->lost)
		return RFX_E_DEVICE_LOST;
	if (s->in_flight)
		return RFX_E_BUSY;
	if (is_cpu(s)) {
		rfx_frame_run_cpu(s);
		rfx_cpu_session_run(s->cpu);
		s->in_flight = 1;
		return RFX_OK;
	}
	st = rfx_vk_session_submit(s);
	if (st == RFX_OK)
		s->in_flight = 1;
	else
		s->lost = 1; /* the queue refused the work: state unknown */
	return st;
}

rfx_status rfx_session_wait(rfx_session *s, uint64_t deadline_ns)
{
	rfx_status st;

	if (!s)
		return RFX_E_INVALID_ARGUMENT;
	if (s->lost)
		return RFX_E_DEVICE_LOST;
	if (!s->in_flight)
		return RFX_E_NOT_SUBMITTED;
	if (is_cpu(s)) {
		s->in_flight = 0; /* done inside submit */
		return RFX_OK;
	}
	st = rfx_vk_session_wait(s, deadline_ns);
	if (st == RFX_OK) {
		s->in_flight = 0;
	} else if (st != RFX_E_DEADLINE) {
		s->in_flight = 0;
		s->lost = 1;
	}
	return st;
}

rfx_status rfx_session_run(rfx_session *s, uint64_t deadline_ns)
{
	rfx_status st = rfx_session_submit(s);

	return st == RFX_OK ? rfx_session_wait(s, deadline_ns) : st;
}

/* Runs the model's golden input (other inputs zero) and compares output 0
 * with the golden output. */
static rfx_status golden_check(rfx_session *s)
{
	rfx_context *ctx = s->model->ctx;
	const rfx_graph *g = &s->model->graph;
	const rfx_meta *meta = &g->meta;
	rfx_tensor_info in_info, out_info;
	const rfx_tensor *out_t;
	char msg[300];
	rfx_status st;
	const void *got;
	void *in;

	if (!meta->golden_input || !meta->golden_output) {
		rfx_log(ctx, RFX_LOG_INFO, "golden check: the model has no golden pair");
		return RFX_OK;
	}
	if (g->n_inputs == 0 || g->n_outputs == 0)
		return rfx_fail(ctx, RFX_E_FORMAT, "golden check: no input or output");
	out_t = &g->tensors[g->outputs[0]];
	for (uint32_t k = 0; k < g->n_inputs; k++) {
		void *p = rfx_session_input(s, k, &in_info);
		if (!p)
			return rfx_fail(ctx, RFX_E_INTERNAL, "golden check: no input %u", k);
		memset(p, 0, in_info.size_bytes);
	}
	in = rfx_session_input(s, 0, &in_info);
	if (meta->golden_input_size != in_info.size_bytes ||
	    meta->golden_output_size != rfx_tensor_bytes(out_t))
		return rfx_fail(ctx, RFX_E_FORMAT,
				"golden check: the golden pair has %llu/%llu bytes, input and output have %zu/%llu",
				(unsigned long long)meta->golden_input_size,
				(unsigned long long)meta->golden_output_size,
				in_info.size_bytes,
				(unsigned long long)rfx_tensor_bytes(out_t));
	memcpy(in, meta->golden_input, in_info.size_bytes);
	int framed = rfx_frame_enable(s, 0); /* the input is the golden one */
	st = rfx_session_run(s, UINT64_MAX);
	rfx_frame_enable(s, framed);
	if (st != RFX_OK)
		return rfx_fail(ctx, st, "golden check: the run failed: %s",
				rfx_status_str(st));
	got = rfx_session_output(s, 0, &out_info);
	st = rfx_golden_compare(out_t, got, meta->golden_output,
				is_cpu(s) ? 0.0f : GOLDEN_TOL_VULKAN, msg,
				sizeof(msg));
	if (st != RFX_OK)
		return rfx_fail(ctx, RFX_E_MISMATCH, "golden check: %s", msg);
	rfx_log(ctx, RFX_LOG_DEBUG, "golden check passed");
	return RFX_OK;
}

/* Frees the backend half and the session; the caller holds ctx->lock. */
static void destroy_locked(rfx_session *s)
{
	if (s->cpu)
		rfx_cpu_session_destroy(s->cpu);
	if (s->vk)
		rfx_vk_session_destroy(s); /* waits for a frame in flight */
	rfx_frame_finish(s);
	free(s);
}

rfx_status rfx_session_create(rfx_model *m, const rfx_session_options *opt,
                              rfx_session **out)
{
	rfx_session_options o;
	rfx_context *ctx;
	rfx_session *s;
	char msg[300];
	rfx_status st;

	if (!m || !out)
		return m ? rfx_fail(m->ctx, RFX_E_INVALID_ARGUMENT,
				    "session_create: out is NULL")
			 : RFX_E_INVALID_ARGUMENT;
	ctx = m->ctx;
	if (opt)
		o = *opt;
	else
		rfx_session_options_default(&o);
	s = calloc(1, sizeof(*s));
	if (!s)
		return rfx_fail(ctx, RFX_E_OUT_OF_MEMORY, "session: out of memory");
	s->model = m;

	pthread_mutex_lock(&ctx->lock);
	st = rfx_frame_setup(s, &o);
	if (st != RFX_OK) {
		/* reported by rfx_frame_setup */
	} else if (ctx->backend == RFX_BACKEND_CPU) {
		msg[0] = '\0';
		st = rfx_cpu_session_create(&m->graph, &s->cpu, msg, sizeof(msg));
		if (st != RFX_OK)
			rfx_fail(ctx, st, "session: %s", msg);
	} else {
		st = rfx_vk_session_create(s, &o);
	}
	if (st == RFX_OK && o.golden_check)
		st = golden_check(s);
	if (st != RFX_OK) {
		destroy_locked(s);
		pthread_mutex_unlock(&ctx->lock);
		return st;
	}
	atomic_fetch_add(&m->sessions, 1);
	pthread_mutex_unlock(&ctx->lock);
	*out = s;
	return RFX_OK;
}

void rfx_session_destroy(rfx_session *s)
{
	rfx_context *ctx;
	rfx_model *m;

	if (!s)
		return;
	m = s->model;
	ctx = m->ctx;
	pthread_mutex_lock(&ctx->lock);
	destroy_locked(s);
	atomic_fetch_sub(&m->sessions, 1);
	pthread_mutex_unlock(&ctx->lock);
}
