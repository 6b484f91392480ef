/* Helpers for the CPU executor suites (test_cpu_ops.h). */
#include <stdlib.h>
#include <string.h>

#include "test_cpu_ops.h"

rfx_status net_try_open(net *n, rfx_builder *b, int golden_check)
{
	rfx_session_options opt;
	char err[256] = "";
	rfx_status st;

	memset(n, 0, sizeof(*n));
	st = rfx_builder_finish(b, &n->model.graph, err, sizeof(err));
	ck_assert_msg(st == RFX_OK, "builder: %s", err);
	n->ctx = test_context(RFX_BACKEND_CPU);
	n->model.ctx = n->ctx;
	atomic_init(&n->model.sessions, 0);
	rfx_session_options_default(&opt);
	opt.golden_check = golden_check;
	return rfx_session_create(&n->model, &opt, &n->s);
}

void net_open(net *n, rfx_builder *b)
{
	rfx_status st = net_try_open(n, b, 0);

	ck_assert_msg(st == RFX_OK, "session: %s (%s)", rfx_status_str(st),
		      rfx_context_last_error(n->ctx));
}

void net_close(net *n)
{
	rfx_session_destroy(n->s);
	ck_assert_int_eq(atomic_load(&n->model.sessions), 0);
	rfx_graph_finish(&n->model.graph);
	test_context_done(n->ctx);
}

float *net_input(net *n, uint32_t i, uint64_t count)
{
	rfx_tensor_info info;
	float *p = rfx_session_input(n->s, i, &info);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
	ck_assert_uint_eq(info.size_bytes, count * sizeof(float));
	return p;
}

const float *net_run(net *n, uint64_t count)
{
	rfx_tensor_info info;
	const float *y;

	ck_assert_int_eq(rfx_session_run(n->s, rfx_time_now_ns() + 60000000000ull),
			 RFX_OK);
	y = rfx_session_output(n->s, 0, &info);
	ck_assert_ptr_nonnull(y);
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
	ck_assert_uint_eq(info.size_bytes, count * sizeof(float));
	return y;
}

float *rand_array(uint32_t *seed, uint64_t count, float lo, float hi)
{
	float *a = malloc((count ? count : 1) * sizeof(*a));

	ck_assert_ptr_nonnull(a);
	for (uint64_t k = 0; k < count; k++)
		a[k] = test_randf(seed, lo, hi);
	return a;
}

rfx_layer *one_layer(rfx_builder *b, rfx_op op, const uint32_t *inputs,
                     uint32_t n_inputs)
{
	uint32_t y = rfx_builder_tensor(b, "y", RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(b, op, "layer", inputs, n_inputs, y);

	ck_assert_msg(l != NULL, "builder: %s", b->err);
	return l;
}

void finish_one(net *n, rfx_builder *b, rfx_layer *l)
{
	rfx_status st = rfx_builder_infer(b, l);

	ck_assert_msg(st == RFX_OK, "infer: %s", b->err);
	rfx_builder_output(b, l->outputs[0]);
	net_open(n, b);
}
