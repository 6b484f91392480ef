/*
 * The Vulkan session's memory plan (engine/vk/plan.c): tensors whose
 * lifetimes overlap never share bytes; Reshape and Concat views. A Concat
 * written in place puts each input at its slice of the output, and is
 * refused where that would be wrong (an input used twice, a slice that is
 * not contiguous, int8's rescaling, a graph input, a misaligned slice).
 * The last case runs such a graph on Vulkan against the CPU reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk/plan.h"
#include "vk_test_util.h"

static uint32_t seed = 20261129;

/* x [1,3,8,8] -> conv a (4 ch) and conv b (c_b ch), both of x ->
 * concat(a, b) on axis 1 -> conv "out" (2 ch). */
static void branch_net(rfx_graph *g, uint32_t c_b)
{
	rfx_builder b;
	uint32_t xd[4] = {1, 3, 8, 8};

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, xd);
	uint32_t br[2];
	for (int i = 0; i < 2; i++) {
		uint32_t m = i ? c_b : 4;
		char name[16];
		snprintf(name, sizeof(name), "w%d", i);
		uint32_t w = test_rand_const(&b, name, RFX_DTYPE_F32, 4,
					     (uint32_t[]){m, 3, 3, 3}, 1.0f, &seed);
		snprintf(name, sizeof(name), "b%d", i);
		uint32_t bias = test_rand_const(&b, name, RFX_DTYPE_F32, 1,
						(uint32_t[]){m}, 0.1f, &seed);
		br[i] = rfx_builder_tensor(&b, i ? "b" : "a", RFX_DTYPE_F32, 0, NULL);
		rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, i ? "conv_b" : "conv_a",
						 (uint32_t[]){x, w, bias}, 3, br[i]);
		test_conv_attrs(l, 1, 1, RFX_ACT_RELU);
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	}
	uint32_t c = rfx_builder_tensor(&b, "c", RFX_DTYPE_F32, 0, NULL);
	rfx_layer *cat = rfx_builder_layer(&b, RFX_OP_CONCAT, "cat", br, 2, c);
	cat->i[RFX_CONCAT_AXIS] = 1;
	ck_assert_int_eq(rfx_builder_infer(&b, cat), RFX_OK);
	uint32_t w = test_rand_const(&b, "w2", RFX_DTYPE_F32, 4,
				     (uint32_t[]){2, 4 + c_b, 1, 1}, 1.0f, &seed);
	uint32_t bias = test_rand_const(&b, "b2", RFX_DTYPE_F32, 1,
					(uint32_t[]){2}, 0.1f, &seed);
	uint32_t y = rfx_builder_tensor(&b, "y", RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, "out",
					 (uint32_t[]){c, w, bias}, 3, y);
	test_conv_attrs(l, 1, 0, RFX_ACT_NONE);
	test_finish_layer(&b, l, y, g, "branch net");
}

static uint32_t tensor(const rfx_graph *g, const char *name)
{
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if (strcmp(g->tensors[t].name, name) == 0)
			return t;
	ck_abort_msg("no tensor %s", name);
	return 0;
}

START_TEST(test_concat_in_place)
{
	rfx_graph g;
	rfx_plan p;

	branch_net(&g, 4);
	ck_assert_int_eq(rfx_plan_build(&g, 16, 0, 0, &p), RFX_OK);
	uint32_t a = tensor(&g, "a"), b = tensor(&g, "b"), c = tensor(&g, "c");
	ck_assert(rfx_plan_is_view(&p, &g, &g.layers[vk_test_layer_index(&g, "cat")]));
	ck_assert_uint_eq(p.alias_of[a], c);
	ck_assert_uint_eq(p.alias_of[b], c);
	ck_assert_uint_eq(p.offset[a], p.offset[c]);
	ck_assert_uint_eq(p.offset[b], p.offset[c] + rfx_tensor_bytes(&g.tensors[a]));
	vk_test_check_disjoint(&g, &p, NULL);
	rfx_plan_finish(&p);
	rfx_graph_finish(&g);
}
END_TEST

/* Slice boundaries off the alignment: a copy, not a view. */
START_TEST(test_concat_misaligned)
{
	rfx_graph g;
	rfx_plan p;

	branch_net(&g, 4); /* a is 4*8*8*4 = 1024 bytes */
	ck_assert_int_eq(rfx_plan_build(&g, 2048, 0, 0, &p), RFX_OK);
	ck_assert(!rfx_plan_is_view(&p, &g, &g.layers[vk_test_layer_index(&g, "cat")]));
	ck_assert_uint_eq(p.alias_of[tensor(&g, "a")], tensor(&g, "a"));
	vk_test_check_disjoint(&g, &p, NULL);
	rfx_plan_finish(&p);
	rfx_graph_finish(&g);
}
END_TEST

/* concat(x, x), a graph input, an inner axis with an outer dim > 1, and
 * int8: each stays a copy. */
START_TEST(test_concat_refused)
{
	static const uint32_t d[4] = {1, 2, 4, 4};
	for (int k = 0; k < 4; k++) {
		rfx_builder b;
		rfx_graph g;
		rfx_plan p;
		rfx_builder_init(&b);
		uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, d);
		uint32_t r = rfx_builder_tensor(&b, "r", RFX_DTYPE_F32, 0, NULL);
		rfx_layer *l = rfx_builder_layer(&b, RFX_OP_UNARY, "relu",
						 (uint32_t[]){x}, 1, r);
		l->i[RFX_UNARY_ACT] = RFX_ACT_RELU;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
		uint32_t in[2] = {r, k == 1 ? x : r};
		uint32_t c = rfx_builder_tensor(&b, "c", RFX_DTYPE_F32, 0, NULL);
		rfx_layer *cat = rfx_builder_layer(&b, RFX_OP_CONCAT, "cat", in, 2, c);
		cat->i[RFX_CONCAT_AXIS] = k == 2 ? 2 : 1;
		if (k == 3)
			cat->precision = RFX_DTYPE_I8;
		ck_assert_int_eq(rfx_builder_infer(&b, cat), RFX_OK);
		uint32_t y = rfx_builder_tensor(&b, "y", RFX_DTYPE_F32, 0, NULL);
		rfx_layer *o = rfx_builder_layer(&b, RFX_OP_UNARY, "out",
						 (uint32_t[]){c}, 1, y);
		o->i[RFX_UNARY_ACT] = RFX_ACT_RELU;
		test_finish_layer(&b, o, y, &g, "refused concat");
		ck_assert_int_eq(rfx_plan_build(&g, 16, 0, 0, &p), RFX_OK);
		ck_assert_msg(!rfx_plan_is_view(&p, &g, &g.layers[vk_test_layer_index(&g, "cat")]), "case %d", k);
		vk_test_check_disjoint(&g, &p, NULL);
		rfx_plan_finish(&p);
		rfx_graph_finish(&g);
	}
}
END_TEST

/* The branch net on Vulkan, concat in place, against the CPU reference. */
START_TEST(test_concat_in_place_runs)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	rfx_graph g;

	branch_net(&g, 5);
	vk_test_check_float(ctx, &g, &seed, vk_test_tolerance(RFX_DTYPE_F32),
			    NULL, 0, "concat in place");
	test_context_done(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, test_concat_in_place);
	tcase_add_test(tc, test_concat_misaligned);
	tcase_add_test(tc, test_concat_refused);
	tcase_add_test(tc, test_concat_in_place_runs);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
