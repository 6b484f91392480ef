/*
 * The int8 classifier head in one dispatch (engine/vk/plan.c,
 * shaders/head_i8.comp; test_fusion.c has the float one): GLOBAL_POOL ->
 * [RESHAPE] -> FC, all int8, must give the CPU reference's bytes exactly,
 * as the two layers do unfused, with one dispatch fewer; a pooled tensor
 * that is also an output stays unfused. The head is fused only where the
 * FC would not take the packed dot product (vk_session.c says why), so
 * these tests run with RFX_NO_INT_DOT=1, and one checks that a device's
 * dot-product path keeps the pair.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vk/vk_session.h"
#include "test_vk_int8_util.h"

/* x I8 [batch, C, H, W] (random scale and zero point) -> gap (I8) ->
 * [flatten] -> fc (I8, random per-channel weights, act) -> y. */
static void head_i8_net(rfx_graph *g, uint32_t batch, uint32_t C, uint32_t H,
                        uint32_t W, uint32_t N, int kind, int reshape,
                        int act, int pooled_output, int ties)
{
	rfx_builder b;
	uint32_t xd[4] = {batch, C, H, W}, K = reshape ? C : 1, w, bias;
	float ms;

	rfx_builder_init(&b);
	uint32_t x = i8_input(&b, "x", 4, xd, ties);
	float xs = rfx_builder_tensor_at(&b, x)->scale;
	float ps = xs * (kind == RFX_POOL_AVG ? 0.75f : 1.0f);
	uint32_t gap = i8_tensor(&b, "gap", ps, (int32_t)rnd(0, 40) - 20);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_GLOBAL_POOL, "gap", &x, 1, gap);
	l->precision = RFX_DTYPE_I8;
	l->i[RFX_GPOOL_KIND] = kind;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	uint32_t in = gap;
	if (reshape) {
		const rfx_tensor *gt = rfx_builder_tensor_at(&b, gap);
		float s = gt->scale;
		int32_t z = gt->zero_point;
		in = rfx_builder_tensor(&b, "flat", RFX_DTYPE_I8, 2,
					(uint32_t[]){batch, C});
		set_q(&b, in, s, z);
		l = rfx_builder_layer(&b, RFX_OP_RESHAPE, "flatten", &gap, 1, in);
		l->precision = RFX_DTYPE_I8;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	}
	weights(&b, "fc.w", 2, (uint32_t[]){N, K}, ties, &w, &bias, &ms);
	uint32_t y = i8_tensor(&b, "y", out_scale(ps, ms, K, ties),
			       (int32_t)rnd(0, 60) - 30);
	l = rfx_builder_layer(&b, RFX_OP_FC, "fc", (uint32_t[]){in, w, bias}, 3, y);
	l->precision = RFX_DTYPE_I8;
	l->i[RFX_FC_ACT] = act;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	if (pooled_output)
		rfx_builder_output(&b, gap);
	rfx_builder_output(&b, y);
	test_finish(&b, g, "int8 head");
}

/* Dispatches of g's session, fused or with RFX_NO_FUSE=1; fused, the
 * gap's layer reports where it runs. */
static uint32_t dispatches(const rfx_graph *g, int fuse, int fuses)
{
	rfx_vk_session_stats stats;
	uint32_t gap = vk_test_layer_index(g, "gap"), fc = vk_test_layer_index(g, "fc");
	vk_test_run r;

	if (!fuse)
		setenv("RFX_NO_FUSE", "1", 1);
	setenv("RFX_NO_INT_DOT", "1", 1);
	rfx_status st = vk_test_open(&r, ctx, g, "int8 head");
	unsetenv("RFX_NO_FUSE");
	ck_assert_msg(st == RFX_OK, "%s", rfx_context_last_error(ctx));
	rfx_vk_session_stats_get(&r.s, &stats);
	ck_assert_uint_eq(rfx_vk_session_layer_fused_into(&r.s, gap),
			  fuse && fuses ? fc : gap);
	vk_test_close(&r);
	return stats.dispatches;
}

/* Random shapes: N across one and several workgroups (256 outputs each),
 * K a multiple of 4 or not, up to 3 rows, average or max, ReLU or none,
 * with and without the reshape, scales that tie half the time. */
START_TEST(test_head_i8)
{
	use_dot = 0;
	for (int i = 0; i < 12; i++) {
		rfx_graph g;
		char what[160];
		uint32_t batch = rnd(1, 3), C = rnd(1, 40), H = rnd(1, 7), W = rnd(1, 7);
		uint32_t N = i % 3 == 0 ? rnd(257, 600) : rnd(1, 40);
		int kind = (int)rnd(0, 1), reshape = i % 4 != 3;
		int act = i % 2 ? RFX_ACT_RELU : RFX_ACT_NONE;

		snprintf(what, sizeof(what), "int8 head %ux%ux%ux%u N %u %s%s act %d",
			 batch, C, H, W, N, kind ? "avg" : "max",
			 reshape ? " reshape" : "", act);
		head_i8_net(&g, batch, C, H, W, N, kind, reshape, act, 0, i % 2);
		uint32_t fused = dispatches(&g, 1, 1), plain = dispatches(&g, 0, 1);
		ck_assert_msg(fused == plain - 1, "%s: %u dispatches fused, %u not",
			      what, fused, plain);
		check_graph(&g, what);
	}
}
END_TEST

/* With the packed dot product, where the device has it, the pair stays:
 * the FC runs fc_i8_dot and the pool its own dispatch. */
START_TEST(test_head_i8_dot_unfused)
{
	rfx_vk_session_stats stats;
	vk_test_run r;
	rfx_graph g;

	use_dot = 1;
	head_i8_net(&g, 1, 32, 4, 4, 20, RFX_POOL_AVG, 1, RFX_ACT_NONE, 0, 0);
	unsetenv("RFX_NO_INT_DOT");
	ck_assert_int_eq(vk_test_open(&r, ctx, &g, "int8 head, dot"), RFX_OK);
	rfx_vk_session_stats_get(&r.s, &stats);
	uint32_t gap = vk_test_layer_index(&g, "gap");
	ck_assert_uint_eq(rfx_vk_session_layer_fused_into(&r.s, gap) == gap,
			  stats.int8_dot > 0);
	vk_test_close(&r);
	check_graph(&g, "int8 head, dot product");
}
END_TEST

/* The pooled tensor is an output: its bytes must be written, no fusion;
 * still byte-identical. */
START_TEST(test_head_i8_refused)
{
	rfx_graph g;

	use_dot = 0;
	head_i8_net(&g, 1, 16, 5, 5, 10, RFX_POOL_AVG, 1, RFX_ACT_NONE, 1, 0);
	ck_assert_uint_eq(dispatches(&g, 1, 0), dispatches(&g, 0, 0));
	check_graph(&g, "int8 head, pooled tensor an output");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fusion_i8");
	TCase *tc = tcase_create("head");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_head_i8);
	tcase_add_test(tc, test_head_i8_refused);
	tcase_add_test(tc, test_head_i8_dot_unfused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
