/*
 * The session API on the CPU backend: the submit/wait state machine, tensor
 * info, lost sessions, the live-session count, the golden self-check and
 * rfx_golden_compare, and what the CPU executor refuses.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/golden.h"
#include "cpu/cpu.h"
#include "graph/half.h"
#include "test_cpu_ops.h"

static const float addend[3] = {0.5f, -1.0f, 2.25f};

/* y[2,3] = x[2,3] + addend[3]; optionally with a golden pair whose output
 * is off by `golden_error` in its last element. */
static void build_add(rfx_builder *b, int golden, float golden_error)
{
	const uint32_t xd[2] = {2, 3}, cd[1] = {3};
	uint32_t ins[2];

	rfx_builder_init(b);
	ins[0] = rfx_builder_input(b, "x", RFX_DTYPE_F32, 2, xd);
	ins[1] = rfx_builder_const(b, "c", RFX_DTYPE_F32, 1, cd, addend);
	rfx_layer *l = one_layer(b, RFX_OP_BINARY, ins, 2);
	l->i[RFX_BINARY_KIND] = RFX_BINARY_ADD;
	ck_assert_int_eq(rfx_builder_infer(b, l), RFX_OK);
	rfx_builder_output(b, l->outputs[0]);
	if (golden) {
		/* small dyadic numbers: every sum is exact */
		float in[6] = {1, 2, 3, -4, 0.25f, 8}, out[6];
		for (int k = 0; k < 6; k++)
			out[k] = in[k] + addend[k % 3];
		out[5] += golden_error;
		rfx_builder_set_golden(b, in, sizeof(in), out, sizeof(out));
	}
}

static void fill_x(net *n, float base)
{
	float *x = net_input(n, 0, 6);

	for (int k = 0; k < 6; k++)
		x[k] = base + (float)k;
}

static void check_y(const float *y, float base)
{
	for (int k = 0; k < 6; k++)
		ck_assert_float_eq(y[k], base + (float)k + addend[k % 3]);
}

START_TEST(test_state_machine)
{
	rfx_builder b;
	net n;

	build_add(&b, 0, 0);
	net_open(&n, &b);
	float *x = net_input(&n, 0, 6);
	ck_assert_ptr_eq(x, net_input(&n, 0, 6)); /* stable */
	fill_x(&n, 1);
	ck_assert_int_eq(rfx_session_wait(n.s, UINT64_MAX), RFX_E_NOT_SUBMITTED);
	ck_assert_int_eq(rfx_session_submit(n.s), RFX_OK);
	ck_assert_int_eq(rfx_session_submit(n.s), RFX_E_BUSY);
	ck_assert_int_eq(rfx_session_run(n.s, UINT64_MAX), RFX_E_BUSY);
	ck_assert_int_eq(rfx_session_wait(n.s, UINT64_MAX), RFX_OK);
	check_y(rfx_session_output(n.s, 0, NULL), 1);
	ck_assert_int_eq(rfx_session_wait(n.s, UINT64_MAX), RFX_E_NOT_SUBMITTED);
	/* The CPU backend works inside submit: a past deadline still
	 * collects the frame. */
	fill_x(&n, -7);
	ck_assert_int_eq(rfx_session_run(n.s, 0), RFX_OK);
	check_y(rfx_session_output(n.s, 0, NULL), -7);
	ck_assert_int_eq(rfx_session_run(n.s, UINT64_MAX), RFX_OK);
	check_y(rfx_session_output(n.s, 0, NULL), -7);
	net_close(&n);
}
END_TEST

START_TEST(test_tensor_info_and_bad_arguments)
{
	rfx_tensor_info info;
	rfx_session *s = NULL;
	rfx_builder b;
	net n;

	build_add(&b, 0, 0);
	net_open(&n, &b);
	ck_assert_ptr_nonnull(rfx_session_input(n.s, 0, &info));
	ck_assert_str_eq(info.name, "x");
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
	ck_assert_uint_eq(info.rank, 2);
	ck_assert_uint_eq(info.dims[0], 2);
	ck_assert_uint_eq(info.dims[1], 3);
	ck_assert_uint_eq(info.size_bytes, 24);
	ck_assert_ptr_nonnull(rfx_session_output(n.s, 0, &info));
	ck_assert_str_eq(info.name, "y");
	ck_assert_uint_eq(info.size_bytes, 24);
	ck_assert_ptr_nonnull(rfx_session_input(n.s, 0, NULL));
	ck_assert_ptr_null(rfx_session_input(n.s, 1, &info));
	ck_assert_ptr_null(rfx_session_output(n.s, 1, &info));
	ck_assert_ptr_null(rfx_session_input(NULL, 0, &info));
	ck_assert_ptr_null(rfx_session_output(NULL, 0, NULL));
	ck_assert_int_eq(rfx_session_submit(NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_wait(NULL, 0), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_run(NULL, 0), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_create(NULL, NULL, &s), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_create(&n.model, NULL, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_ptr_null(s);
	rfx_session_destroy(NULL);
	net_close(&n);
}
END_TEST

START_TEST(test_lost_session)
{
	rfx_builder b;
	net n;

	build_add(&b, 0, 0);
	net_open(&n, &b);
	n.s->lost = 1; /* what a device loss leaves behind */
	ck_assert_int_eq(rfx_session_submit(n.s), RFX_E_DEVICE_LOST);
	ck_assert_int_eq(rfx_session_wait(n.s, UINT64_MAX), RFX_E_DEVICE_LOST);
	ck_assert_int_eq(rfx_session_run(n.s, UINT64_MAX), RFX_E_DEVICE_LOST);
	ck_assert_ptr_null(rfx_session_input(n.s, 0, NULL));
	ck_assert_ptr_null(rfx_session_output(n.s, 0, NULL));
	net_close(&n);
}
END_TEST

START_TEST(test_two_sessions)
{
	rfx_session *s2;
	rfx_builder b;
	net n;

	build_add(&b, 0, 0);
	net_open(&n, &b);
	ck_assert_int_eq(atomic_load(&n.model.sessions), 1);
	ck_assert_int_eq(rfx_session_create(&n.model, NULL, &s2), RFX_OK);
	ck_assert_int_eq(atomic_load(&n.model.sessions), 2);
	ck_assert_ptr_ne(rfx_session_input(s2, 0, NULL), rfx_session_input(n.s, 0, NULL));
	fill_x(&n, 10);
	float *x2 = rfx_session_input(s2, 0, NULL);
	for (int k = 0; k < 6; k++)
		x2[k] = 20 + (float)k;
	ck_assert_int_eq(rfx_session_submit(n.s), RFX_OK);
	ck_assert_int_eq(rfx_session_submit(s2), RFX_OK); /* independent */
	ck_assert_int_eq(rfx_session_wait(s2, UINT64_MAX), RFX_OK);
	ck_assert_int_eq(rfx_session_wait(n.s, UINT64_MAX), RFX_OK);
	check_y(rfx_session_output(n.s, 0, NULL), 10);
	check_y(rfx_session_output(s2, 0, NULL), 20);
	rfx_session_destroy(s2);
	ck_assert_int_eq(atomic_load(&n.model.sessions), 1);
	net_close(&n);
}
END_TEST

START_TEST(test_golden_check)
{
	rfx_builder b;
	net n;

	build_add(&b, 1, 0);
	ck_assert_int_eq(net_try_open(&n, &b, 1), RFX_OK);
	/* the check left the session usable */
	fill_x(&n, 3);
	check_y(net_run(&n, 6), 3);
	net_close(&n);

	/* One ulp off in one element: the CPU must match exactly. */
	build_add(&b, 1, 0x1p-20f);
	ck_assert_int_eq(net_try_open(&n, &b, 1), RFX_E_MISMATCH);
	ck_assert_ptr_null(n.s);
	ck_assert_int_eq(atomic_load(&n.model.sessions), 0);
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(n.ctx), "golden"));
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(n.ctx), "element 5"));
	net_close(&n);

	/* Not asked: not checked. */
	build_add(&b, 1, 1.0f);
	ck_assert_int_eq(net_try_open(&n, &b, 0), RFX_OK);
	net_close(&n);
}
END_TEST

START_TEST(test_golden_compare)
{
	rfx_tensor t;
	float want[4] = {10.0f, -2.0f, 0.0f, 0.001f}, got[4];
	uint16_t h_want[2], h_got[2];
	int8_t i_want[3] = {1, -5, 127}, i_got[3] = {1, -5, 127};
	char msg[200];

	memset(&t, 0, sizeof(t));
	t.name = "out";
	t.dtype = RFX_DTYPE_F32;
	t.rank = 1;
	t.dims[0] = 4;
	memcpy(got, want, sizeof(got));
	ck_assert_int_eq(rfx_golden_compare(&t, got, want, 0, msg, sizeof(msg)), RFX_OK);
	got[3] = nextafterf(want[3], 1.0f);
	ck_assert_int_eq(rfx_golden_compare(&t, got, want, 0, msg, sizeof(msg)), RFX_E_MISMATCH);
	ck_assert_ptr_nonnull(strstr(msg, "element 3"));
	/* tol relative to max|want| = 10: 1e-3 allows 0.01 anywhere */
	got[3] = want[3] + 0.0099f;
	got[2] = -0.0099f;
	ck_assert_int_eq(rfx_golden_compare(&t, got, want, 1e-3f, msg, sizeof(msg)), RFX_OK);
	got[1] = want[1] + 0.0101f;
	ck_assert_int_eq(rfx_golden_compare(&t, got, want, 1e-3f, msg, sizeof(msg)), RFX_E_MISMATCH);
	ck_assert_ptr_nonnull(strstr(msg, "element 1"));
	/* NaN never matches a number, matches a NaN */
	memcpy(got, want, sizeof(got));
	got[0] = NAN;
	ck_assert_int_eq(rfx_golden_compare(&t, got, want, 0.5f, NULL, 0), RFX_E_MISMATCH);
	want[0] = NAN;
	ck_assert_int_eq(rfx_golden_compare(&t, got, want, 0, NULL, 0), RFX_OK);
	/* -0 == +0 */
	want[0] = 0.0f;
	got[0] = -0.0f;
	ck_assert_int_eq(rfx_golden_compare(&t, got, want, 0, NULL, 0), RFX_OK);

	t.dtype = RFX_DTYPE_F16;
	t.dims[0] = 2;
	h_want[0] = h_got[0] = rfx_f32_to_f16(1.5f);
	h_want[1] = rfx_f32_to_f16(-3.0f);
	h_got[1] = (uint16_t)(h_want[1] + 1); /* one fp16 ulp */
	ck_assert_int_eq(rfx_golden_compare(&t, h_got, h_want, 0, NULL, 0), RFX_E_MISMATCH);
	ck_assert_int_eq(rfx_golden_compare(&t, h_got, h_want, 1e-3f, NULL, 0), RFX_OK);

	t.dtype = RFX_DTYPE_I8;
	t.dims[0] = 3;
	ck_assert_int_eq(rfx_golden_compare(&t, i_got, i_want, 0.5f, NULL, 0), RFX_OK);
	i_got[2] = 126; /* integers are exact whatever the tolerance */
	ck_assert_int_eq(rfx_golden_compare(&t, i_got, i_want, 0.5f, NULL, 0), RFX_E_MISMATCH);
}
END_TEST

START_TEST(test_int8_layer_unsupported)
{
	const uint32_t xd[1] = {4};
	rfx_builder b;
	uint32_t x;
	net n;

	rfx_builder_init(&b);
	x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 1, xd);
	rfx_layer *l = one_layer(&b, RFX_OP_UNARY, &x, 1);
	l->precision = RFX_DTYPE_I8;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	rfx_builder_output(&b, l->outputs[0]);
	ck_assert_int_eq(net_try_open(&n, &b, 0), RFX_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(n.ctx), "int8"));
	net_close(&n);
}
END_TEST

START_TEST(test_executor_rejects_inconsistent_graph)
{
	rfx_cpu_session *cs = NULL;
	char err[200] = "";
	rfx_builder b;
	rfx_graph g;

	build_add(&b, 0, 0);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_OK);
	ck_assert_int_eq(rfx_cpu_session_create(&g, &cs, err, sizeof(err)), RFX_OK);
	ck_assert_ptr_nonnull(rfx_cpu_session_tensor(cs, g.inputs[0]));
	ck_assert_ptr_null(rfx_cpu_session_tensor(cs, g.n_tensors));
	rfx_cpu_session_destroy(cs);
	cs = NULL;
	/* an output shape that disagrees with its rule would overflow */
	g.tensors[g.outputs[0]].dims[1] = 4;
	ck_assert_int_eq(rfx_cpu_session_create(&g, &cs, err, sizeof(err)), RFX_E_FORMAT);
	ck_assert_ptr_null(cs);
	ck_assert_ptr_nonnull(strstr(err, "dimension 1"));
	g.tensors[g.outputs[0]].dims[1] = 3;
	/* a layer reading a tensor nothing wrote */
	g.layers[0].inputs[0] = g.layers[0].outputs[0];
	ck_assert_int_eq(rfx_cpu_session_create(&g, &cs, err, sizeof(err)), RFX_E_FORMAT);
	rfx_graph_finish(&g);
	rfx_cpu_session_destroy(NULL);
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc;

	tc = tcase_create("state");
	tcase_add_test(tc, test_state_machine);
	tcase_add_test(tc, test_tensor_info_and_bad_arguments);
	tcase_add_test(tc, test_lost_session);
	tcase_add_test(tc, test_two_sessions);
	suite_add_tcase(s, tc);

	tc = tcase_create("golden");
	tcase_add_test(tc, test_golden_check);
	tcase_add_test(tc, test_golden_compare);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_add_test(tc, test_int8_layer_unsupported);
	tcase_add_test(tc, test_executor_rejects_inconsistent_graph);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(session_suite());
}
