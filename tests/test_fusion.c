/*
 * Fusion in the Vulkan plan (engine/vk/plan.c, engine/vk/ops/head.c): a
 * classifier head, GLOBAL_POOL -> [RESHAPE] -> FC, runs as one dispatch.
 * Each case is checked three ways: which layers the plan fuses (and that
 * no two tensors live at once share bytes under the fused lifetimes), the
 * dispatch count against the same graph with RFX_NO_FUSE=1, and the
 * outputs against the CPU reference. The refusals (an intermediate read
 * twice or a graph output, a K beyond the kernel's shared memory, int8
 * mixed with float)
 * must run unfused, with as many dispatches as without fusion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk/plan.h"
#include "vk/vk_session.h"
#include "vk_test_util.h"

static uint32_t seed = 20261129;

/* A head's shape and what may stop it from fusing. */
typedef struct head_case {
	const char *what;
	rfx_dtype dt;      /* every activation and the weights */
	int f32_logits;    /* an fp32 FC (rfx-convert's fp16 output layer) */
	uint32_t batch, C, H, W, N;
	int kind;          /* RFX_POOL_AVG / RFX_POOL_MAX */
	int reshape;       /* a Reshape (flatten) between pool and FC */
	int act;           /* the FC's activation */
	int pooled_twice;  /* the pooled tensor also read by a sigmoid */
	int pooled_output; /* the pooled tensor also a graph output */
	int fuses;         /* what the plan should do */
} head_case;

/* x [batch, C, H, W] -> conv 1x1 (C -> C, ReLU) -> global pool "gap" ->
 * [reshape "flatten" to [batch, C]] -> fc "fc" (N) -> "y". The conv puts
 * the pool's input in the arena, as in a network. Without the reshape the
 * FC reads gap [batch, C, 1, 1] as batch*C rows of K = 1. */
static void head_net(const head_case *c, rfx_graph *g)
{
	rfx_builder b;
	uint32_t xd[4] = {c->batch, c->C, c->H, c->W};
	uint32_t K = c->reshape ? c->C : 1;

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", c->dt, 4, xd);
	uint32_t cw = test_rand_const(&b, "conv.w", c->dt, 4,
				      (uint32_t[]){c->C, c->C, 1, 1}, 0.5f, &seed);
	uint32_t cb = test_rand_const(&b, "conv.b", RFX_DTYPE_F32, 1,
				      (uint32_t[]){c->C}, 0.1f, &seed);
	uint32_t a = rfx_builder_tensor(&b, "a", c->dt, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv",
					 (uint32_t[]){x, cw, cb}, 3, a);
	test_conv_attrs(l, 1, 0, RFX_ACT_RELU);
	l->precision = c->dt;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	uint32_t gap = rfx_builder_tensor(&b, "gap", c->dt, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_GLOBAL_POOL, "gap", &a, 1, gap);
	l->i[RFX_GPOOL_KIND] = c->kind;
	l->precision = c->dt;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	uint32_t in = gap;
	if (c->reshape) {
		in = rfx_builder_tensor(&b, "flat", c->dt, 2,
					(uint32_t[]){c->batch, c->C});
		l = rfx_builder_layer(&b, RFX_OP_RESHAPE, "flatten", &gap, 1, in);
		l->precision = c->dt;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	}
	/* An fp32 FC has fp32 weights, whatever it reads. */
	rfx_dtype ydt = c->f32_logits ? RFX_DTYPE_F32 : c->dt;
	uint32_t w = test_rand_const(&b, "fc.w", ydt, 2,
				     (uint32_t[]){c->N, K}, 1.0f, &seed);
	uint32_t bias = test_rand_const(&b, "fc.b", RFX_DTYPE_F32, 1,
					(uint32_t[]){c->N}, 0.1f, &seed);
	uint32_t y = rfx_builder_tensor(&b, "y", ydt, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_FC, "fc", (uint32_t[]){in, w, bias}, 3, y);
	vk_test_set_act(l, RFX_FC_ACT, c->act);
	l->precision = ydt;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	if (c->pooled_twice) {
		uint32_t sq = rfx_builder_tensor(&b, "sig", c->dt, 0, NULL);
		l = rfx_builder_layer(&b, RFX_OP_UNARY, "sigmoid", &gap, 1, sq);
		l->i[RFX_UNARY_ACT] = RFX_ACT_SIGMOID;
		l->precision = c->dt;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
		rfx_builder_output(&b, sq);
	}
	if (c->pooled_output)
		rfx_builder_output(&b, gap);
	rfx_builder_output(&b, y);
	test_finish(&b, g, c->what);
}

/* The plan fuses gap (and flatten) into fc, or nothing. */
static void check_plan(const head_case *c, const rfx_graph *g)
{
	uint32_t gap = vk_test_layer_index(g, "gap"), fc = vk_test_layer_index(g, "fc");
	rfx_plan p;

	/* Both ways of placing I/O: in its own buffers, or in the arena. */
	for (int io = 0; io < 2; io++) {
		ck_assert_int_eq(rfx_plan_build(g, 16, io, RFX_PLAN_FUSE_HEAD, &p), RFX_OK);
		ck_assert_msg(p.fused_into[gap] == (c->fuses ? fc : gap),
			      "%s: gap runs in layer %u", c->what, p.fused_into[gap]);
		if (c->reshape)
			ck_assert_uint_eq(p.fused_into[vk_test_layer_index(g, "flatten")],
					  c->fuses ? fc : vk_test_layer_index(g, "flatten"));
		ck_assert_uint_eq(p.fused_into[fc], fc);
		ck_assert_uint_eq(rfx_plan_fused_first(&p, g, fc), c->fuses ? gap : fc);
		/* The bytes serve the head fused or not (a session unfuses
		 * a head its device cannot run). */
		vk_test_check_disjoint(g, &p, p.fused_into);
		vk_test_check_disjoint(g, &p, NULL);
		rfx_plan_unfuse(&p, g, fc);
		for (uint32_t l = 0; l < g->n_layers; l++)
			ck_assert_uint_eq(p.fused_into[l], l);
		rfx_plan_finish(&p);
	}
	/* Without the flag nothing is fused. */
	ck_assert_int_eq(rfx_plan_build(g, 16, 0, 0, &p), RFX_OK);
	for (uint32_t l = 0; l < g->n_layers; l++)
		ck_assert_uint_eq(p.fused_into[l], l);
	rfx_plan_finish(&p);
}

/* The session's dispatch count, with fusion or with RFX_NO_FUSE=1; and
 * with fusion, what it reports per layer. */
static uint32_t dispatches(rfx_context *ctx, const head_case *c,
                           const rfx_graph *g, int fuse)
{
	rfx_vk_session_stats stats;
	uint32_t gap = vk_test_layer_index(g, "gap"), fc = vk_test_layer_index(g, "fc");
	vk_test_run r;

	if (!fuse)
		setenv("RFX_NO_FUSE", "1", 1);
	rfx_status st = vk_test_open(&r, ctx, g, c->what);
	unsetenv("RFX_NO_FUSE");
	ck_assert_msg(st == RFX_OK, "%s: %s", c->what, rfx_context_last_error(ctx));
	rfx_vk_session_stats_get(&r.s, &stats);
	int fused = fuse && c->fuses;
	ck_assert_uint_eq(rfx_vk_session_layer_fused_into(&r.s, gap), fused ? fc : gap);
	ck_assert_str_eq(rfx_vk_session_layer_variant(&r.s, fc), fused ? "head" : "fc_tb");
	vk_test_close(&r);
	return stats.dispatches;
}

static void check_head(const head_case *c)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	rfx_graph g;

	head_net(c, &g);
	check_plan(c, &g);
	uint32_t fused = dispatches(ctx, c, &g, 1), plain = dispatches(ctx, c, &g, 0);
	/* The pool's dispatch goes; the flatten is a view either way. */
	ck_assert_msg(fused == plain - (c->fuses ? 1 : 0),
		      "%s: %u dispatches fused, %u without", c->what, fused, plain);
	vk_test_check_float(ctx, &g, &seed, vk_test_tolerance(c->dt), NULL, 0,
			    c->what);
	test_context_done(ctx);
}

/* Shapes: K a multiple of 4 (weights read a vec4 at a time) and not;
 * N below one block of 8, and above one workgroup's 512 outputs (two
 * workgroups, each pooling again); several rows; max pooling; an
 * activation; no reshape; fp16. */
static const head_case fused_cases[] = {
	{"avg, reshape, K 8, N 10", RFX_DTYPE_F32, 0, 1, 8, 5, 5, 10, RFX_POOL_AVG, 1, RFX_ACT_NONE, 0, 0, 1},
	{"avg, K 7 (scalar weights), N 5", RFX_DTYPE_F32, 0, 1, 7, 3, 4, 5, RFX_POOL_AVG, 1, RFX_ACT_NONE, 0, 0, 1},
	{"avg, N 600 (two workgroups)", RFX_DTYPE_F32, 0, 1, 12, 2, 3, 600, RFX_POOL_AVG, 1, RFX_ACT_NONE, 0, 0, 1},
	{"max, batch 2, relu", RFX_DTYPE_F32, 0, 2, 16, 4, 4, 9, RFX_POOL_MAX, 1, RFX_ACT_RELU, 0, 0, 1},
	{"avg, no reshape (K 1, 6 rows), swish", RFX_DTYPE_F32, 0, 1, 6, 3, 3, 4, RFX_POOL_AVG, 0, RFX_ACT_SWISH, 0, 0, 1},
	{"fp16, avg, K 20, N 33", RFX_DTYPE_F16, 0, 1, 20, 7, 7, 33, RFX_POOL_AVG, 1, RFX_ACT_NONE, 0, 0, 1},
	{"fp16, max, K 5, batch 3", RFX_DTYPE_F16, 0, 3, 5, 2, 2, 17, RFX_POOL_MAX, 1, RFX_ACT_CLIP, 0, 0, 1},
	{"fp16, fp32 logits", RFX_DTYPE_F16, 1, 1, 24, 3, 3, 12, RFX_POOL_AVG, 1, RFX_ACT_NONE, 0, 0, 1},
};

START_TEST(test_head_fused)
{
	check_head(&fused_cases[_i]);
}
END_TEST

/* The pooled tensor read by a second layer, or a graph output: the
 * pool's result must exist, so nothing fuses. */
static const head_case refused_cases[] = {
	{"pooled tensor read twice", RFX_DTYPE_F32, 0, 1, 8, 3, 3, 10, RFX_POOL_AVG, 1, RFX_ACT_NONE, 1, 0, 0},
	{"pooled tensor an output", RFX_DTYPE_F32, 0, 1, 8, 3, 3, 10, RFX_POOL_AVG, 1, RFX_ACT_NONE, 0, 1, 0},
	{"pooled tensor an output, no reshape", RFX_DTYPE_F32, 0, 1, 8, 3, 3, 10, RFX_POOL_AVG, 0, RFX_ACT_NONE, 0, 1, 0},
};

START_TEST(test_head_refused)
{
	check_head(&refused_cases[_i]);
}
END_TEST

/* A K beyond the kernel's shared memory (4096 floats) is left unfused by
 * the plan: checked on the plan alone (the graph is large for lavapipe's
 * validation-layer run but small for the plan), and at the limit it fuses. */
START_TEST(test_head_k_limit)
{
	for (uint32_t K = RFX_PLAN_HEAD_MAX_K; K <= RFX_PLAN_HEAD_MAX_K + 1; K++) {
		head_case c = {"K at the limit", RFX_DTYPE_F32, 0, 1, K, 1, 1, 2,
			       RFX_POOL_AVG, 1, RFX_ACT_NONE, 0, 0,
			       K <= RFX_PLAN_HEAD_MAX_K};
		rfx_graph g;
		head_net(&c, &g);
		check_plan(&c, &g);
		rfx_graph_finish(&g);
	}
}
END_TEST

/* A head that mixes int8 and float is not fused: a pool of int8
 * precision over float tensors (test_fusion_i8.c has the int8 heads). */
START_TEST(test_head_mixed_refused)
{
	head_case c = {"int8 pool, float tensors", RFX_DTYPE_F32, 0, 1, 8, 3, 3, 10, RFX_POOL_AVG, 1,
		       RFX_ACT_NONE, 0, 0, 0};
	rfx_graph g;
	rfx_plan p;

	head_net(&c, &g);
	uint32_t gap = vk_test_layer_index(&g, "gap");
	g.layers[gap].precision = RFX_DTYPE_I8;
	ck_assert_int_eq(rfx_plan_build(&g, 16, 0, RFX_PLAN_FUSE_HEAD |
					 RFX_PLAN_FUSE_HEAD_I8, &p), RFX_OK);
	ck_assert_uint_eq(p.fused_into[gap], gap);
	rfx_plan_finish(&p);
	rfx_graph_finish(&g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fusion");
	TCase *tc = tcase_create("head");

	tcase_add_loop_test(tc, test_head_fused, 0,
			    sizeof(fused_cases) / sizeof(fused_cases[0]));
	tcase_add_loop_test(tc, test_head_refused, 0,
			    sizeof(refused_cases) / sizeof(refused_cases[0]));
	tcase_add_test(tc, test_head_k_limit);
	tcase_add_test(tc, test_head_mixed_refused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
