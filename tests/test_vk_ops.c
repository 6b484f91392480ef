/*
 * Every op on the Vulkan backend against the CPU reference executor, on
 * randomized shapes with a fixed seed: odd sizes, channels not a multiple
 * of 4, strides, padding, dilation, groups and depthwise, broadcasting,
 * each activation; in fp32 and in fp16 storage.
 *
 * Tolerances. fp32: the kernels sum in the same order as the reference, but
 * the driver may contract a*b+c into one FMA (one rounding instead of two)
 * and exp/tanh come from different libraries, so results agree to a few
 * ulp of the largest partial sum: |got - want| <= 1e-5 + 1e-4 |want| with
 * inputs and weights in [-1, 1]. fp16: both sides round each stored value
 * once to fp16 (ulp 2^-10 relative), and an FMA or a different rounding
 * mode can put the two on opposite sides of a rounding boundary, which then
 * propagates one layer: |got - want| <= 2e-3 + 4e-3 |want|.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk_test_util.h"
#include "vk/ops.h"

static rfx_context *ctx;
static uint32_t seed;

static void setup(void)
{
	ctx = test_context(RFX_BACKEND_VULKAN);
	seed = 20261128;
}

static void teardown(void)
{
	test_context_done(ctx);
}

static uint32_t rnd(uint32_t lo, uint32_t hi) /* inclusive */
{
	return lo + test_rand(&seed) % (hi - lo + 1);
}

static vk_test_tol tol;

static void check_graph(rfx_graph *g, const char *what)
{
	vk_test_check_float(ctx, g, &seed, tol, NULL, 0, what);
}

/* A constant of random values in [-1, 1], in dtype dt. */
static uint32_t random_const(rfx_builder *b, const char *name, rfx_dtype dt,
                             uint32_t rank, const uint32_t *dims)
{
	return test_rand_const(b, name, dt, rank, dims, 1.0f, &seed);
}

static void random_act(rfx_layer *l, int slot)
{
	vk_test_set_act(l, slot, (int)rnd(0, RFX_ACT_COUNT_ - 1));
}

static void conv_case(rfx_dtype prec, int iter)
{
	rfx_builder b;
	rfx_graph g;
	char what[160];
	uint32_t C = rnd(1, 9), N = rnd(1, 2);
	uint32_t group = 1, M;
	int kind = iter % 4; /* 0 dense, 1 depthwise, 2 grouped, 3 pointwise */

	if (kind == 1) {
		group = C;
		M = C * rnd(1, 2);
	} else if (kind == 2) {
		C = 2 * rnd(1, 4);
		group = 2;
		M = 2 * rnd(1, 5);
	} else {
		M = rnd(1, 11);
	}
	uint32_t kh = kind == 3 ? 1 : rnd(1, 5), kw = kind == 3 ? 1 : rnd(1, 5);
	uint32_t dh = rnd(1, 2), dw = rnd(1, 2);
	uint32_t H = (kh - 1) * dh + rnd(1, 12), W = (kw - 1) * dw + rnd(1, 12);
	uint32_t xd[4] = {N, C, H, W}, wd[4] = {M, C / group, kh, kw}, bd[1] = {M};
	int res = (int)rnd(0, 1);

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, xd);
	uint32_t w = random_const(&b, "w", prec, 4, wd);
	uint32_t bias = random_const(&b, "b", RFX_DTYPE_F32, 1, bd);
	uint32_t y = rfx_builder_tensor(&b, "y", prec, 0, NULL);
	uint32_t ins[4] = {x, w, bias, 0};
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv", ins, 3, y);
	ck_assert_ptr_nonnull(l);
	l->precision = prec;
	l->i[RFX_CONV_STRIDE_H] = (int32_t)rnd(1, 2);
	l->i[RFX_CONV_STRIDE_W] = (int32_t)rnd(1, 2);
	l->i[RFX_CONV_PAD_T] = (int32_t)rnd(0, kh / 2 + 1);
	l->i[RFX_CONV_PAD_L] = (int32_t)rnd(0, kw / 2);
	l->i[RFX_CONV_PAD_B] = (int32_t)rnd(0, kh / 2);
	l->i[RFX_CONV_PAD_R] = (int32_t)rnd(0, kw / 2 + 1);
	l->i[RFX_CONV_DIL_H] = (int32_t)dh;
	l->i[RFX_CONV_DIL_W] = (int32_t)dw;
	l->i[RFX_CONV_GROUP] = (int32_t)group;
	random_act(l, RFX_CONV_ACT);
	snprintf(what, sizeof(what),
		 "conv %s N%u C%u %ux%u M%u k%ux%u s%dx%d d%ux%u g%u act %d res %d",
		 rfx_dtype_name(prec), N, C, H, W, M, kh, kw,
		 l->i[RFX_CONV_STRIDE_H], l->i[RFX_CONV_STRIDE_W], dh, dw, group,
		 l->i[RFX_CONV_ACT], res);
	ck_assert_msg(rfx_builder_infer(&b, l) == RFX_OK, "%s: %s", what, b.err);
	if (res) {
		/* A second conv's output gets the first as its residual. */
		const rfx_tensor *yt = rfx_builder_tensor_at(&b, y);
		uint32_t rd[4];
		memcpy(rd, yt->dims, sizeof(rd));
		uint32_t r = rfx_builder_input(&b, "r", prec == RFX_DTYPE_F16 ?
					       RFX_DTYPE_F16 : RFX_DTYPE_F32, 4, rd);
		uint32_t w2d[4] = {M, M, 1, 1};
		uint32_t w2 = random_const(&b, "w2", prec, 4, w2d);
		uint32_t y2 = rfx_builder_tensor(&b, "y2", prec, 0, NULL);
		rfx_layer *l2 = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv_res",
						  (uint32_t[]){y, w2, bias, r}, 4, y2);
		l2->precision = prec;
		test_conv_attrs(l2, 1, 0, RFX_ACT_NONE);
		random_act(l2, RFX_CONV_ACT);
		ck_assert_int_eq(rfx_builder_infer(&b, l2), RFX_OK);
		rfx_builder_output(&b, y2);
	} else {
		rfx_builder_output(&b, y);
	}
	test_finish(&b, &g, what);
	check_graph(&g, what);
}

START_TEST(test_conv2d)
{
	for (int prec = 0; prec < 2; prec++) {
		tol = vk_test_tolerance(prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32);
		for (int i = 0; i < 12; i++)
			conv_case(prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32, i);
	}
}
END_TEST

START_TEST(test_fc)
{
	for (int prec = 0; prec < 2; prec++) {
		rfx_dtype p = prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
		tol = vk_test_tolerance(p);
		for (int i = 0; i < 6; i++) {
			rfx_builder b;
			rfx_graph g;
			char what[96];
			uint32_t K = rnd(1, 70), Nout = rnd(1, 130);
			uint32_t xd[3] = {rnd(1, 3), rnd(1, 2), K};
			uint32_t rank = i % 2 ? 3 : 2;
			uint32_t *xdims = rank == 3 ? xd : xd + 1;
			uint32_t wd[2] = {Nout, K}, bd[1] = {Nout};
			rfx_builder_init(&b);
			uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, rank, xdims);
			uint32_t w = random_const(&b, "w", p, 2, wd);
			uint32_t bias = random_const(&b, "b", RFX_DTYPE_F32, 1, bd);
			uint32_t y = rfx_builder_tensor(&b, "y", p, 0, NULL);
			rfx_layer *l = rfx_builder_layer(&b, RFX_OP_FC, "fc",
							 (uint32_t[]){x, w, bias}, 3, y);
			l->precision = p;
			random_act(l, RFX_FC_ACT);
			snprintf(what, sizeof(what), "fc %s rank %u K%u N%u act %d",
				 rfx_dtype_name(p), rank, K, Nout, l->i[RFX_FC_ACT]);
			test_finish_layer(&b, l, y, &g, what);
			check_graph(&g, what);
		}
	}
}
END_TEST

/* One layer reading one input x of the given shape. */
static rfx_layer *single(rfx_builder *b, rfx_op op, rfx_dtype p, uint32_t rank,
                         const uint32_t *dims, uint32_t *y)
{
	rfx_builder_init(b);
	uint32_t x = rfx_builder_input(b, "x", RFX_DTYPE_F32, rank, dims);
	*y = rfx_builder_tensor(b, "y", p, 0, NULL);
	rfx_layer *l = rfx_builder_layer(b, op, "layer", &x, 1, *y);
	ck_assert_ptr_nonnull(l);
	l->precision = p;
	return l;
}

static void run_single(rfx_builder *b, rfx_layer *l, uint32_t y, const char *what)
{
	rfx_graph g;

	test_finish_layer(b, l, y, &g, what);
	check_graph(&g, what);
}

START_TEST(test_pool2d)
{
	for (int prec = 0; prec < 2; prec++) {
		rfx_dtype p = prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
		tol = vk_test_tolerance(p);
		for (int i = 0; i < 10; i++) {
			rfx_builder b;
			uint32_t y;
			char what[160];
			uint32_t kh = rnd(1, 4), kw = rnd(1, 4);
			uint32_t xd[4] = {rnd(1, 2), rnd(1, 6), kh + rnd(0, 11), kw + rnd(0, 11)};
			rfx_layer *l = single(&b, RFX_OP_POOL2D, p, 4, xd, &y);
			test_pool_attrs(l, i % 2, kh, kw, 1, 1, &seed);
			test_pool_name(l, "pool", p, xd, what, sizeof(what));
			run_single(&b, l, y, what);
		}
		for (int kind = 0; kind < 2; kind++) {
			rfx_builder b;
			uint32_t y, xd[4] = {rnd(1, 2), rnd(1, 9), rnd(1, 13), rnd(1, 13)};
			rfx_layer *l = single(&b, RFX_OP_GLOBAL_POOL, p, 4, xd, &y);
			l->i[RFX_GPOOL_KIND] = kind;
			run_single(&b, l, y, kind ? "global avg" : "global max");
		}
	}
}
END_TEST

/* A softmax over len values on a device that ends loops after `limit`
 * passes (the real one, or one set here): computed right, or refused by
 * name when 3 (len + 1) passes would pass the limit. */
static void softmax_at_limit(uint32_t len, uint64_t limit)
{
	uint64_t keep = ctx->vk.max_loops;
	rfx_builder b;
	rfx_graph g;
	vk_test_run r;
	uint32_t y, xd[2] = {1, len};
	char what[64];

	snprintf(what, sizeof(what), "softmax over %u, limit %llu", len,
		 (unsigned long long)limit);
	ctx->vk.max_loops = limit;
	rfx_layer *l = single(&b, RFX_OP_SOFTMAX, RFX_DTYPE_F32, 2, xd, &y);
	l->i[RFX_SOFTMAX_AXIS] = 1;
	if (3 * ((uint64_t)len + 1) <= limit) {
		run_single(&b, l, y, what);
	} else {
		test_finish_layer(&b, l, y, &g, what);
		ck_assert_msg(vk_test_open(&r, ctx, &g, what) == RFX_E_UNSUPPORTED,
			      "%s: not refused", what);
		ck_assert_msg(strstr(rfx_context_last_error(ctx), "ends a shader's loops"),
			      "%s: %s", what, rfx_context_last_error(ctx));
		rfx_graph_finish(&g);
	}
	ctx->vk.max_loops = keep;
}

/* Layers whose kernels would loop past a driver's limit (lavapipe ends an
 * invocation's loops after 65535 passes in all, silently; a loop of n
 * trips makes n + 1, its exit test included). A global pool over a
 * 260x260 plane runs a workgroup per plane; a classifier head over it runs
 * unfused (the fused one would loop over the plane); a softmax whose
 * 3 (len + 1) passes reach the limit exactly runs and is right (on
 * lavapipe this checks the count itself: one value more and its last
 * outputs stay 0), one more is refused with a named status and the next
 * session runs; a mean over as many values as its count lets through
 * runs (a few values short would barely move a mean: the softmax is the
 * sharp check). On a device without a limit the limit is set here. */
START_TEST(test_long_loops)
{
	uint64_t limit = ctx->vk.max_loops < UINT64_MAX ? ctx->vk.max_loops : 65535;
	tol = vk_test_tolerance(RFX_DTYPE_F32);
	for (int kind = 0; kind < 2; kind++) {
		rfx_builder b;
		uint32_t y, xd[4] = {1, 3, 260, 260};
		rfx_layer *l = single(&b, RFX_OP_GLOBAL_POOL, RFX_DTYPE_F32, 4, xd, &y);
		l->i[RFX_GPOOL_KIND] = kind;
		run_single(&b, l, y, kind ? "global avg 260x260" : "global max 260x260");
	}

	rfx_builder b;
	rfx_graph g;
	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4,
				       (uint32_t[]){1, 8, 260, 260});
	rfx_builder_output(&b, test_classifier_head(&b, x, 8, 10, &seed));
	test_finish(&b, &g, "head over 260x260");
	check_graph(&g, "head over 260x260");

	uint32_t len = (uint32_t)(limit / 3 - 1);
	softmax_at_limit(len, limit);
	softmax_at_limit(len + 1, limit);
	softmax_at_limit(1000, limit); /* after a refusal */

	uint32_t y, xd[2] = {1, (uint32_t)(limit - 1 - 7 - RFX_VK_LOOP_EXTRA)};
	rfx_layer *l = single(&b, RFX_OP_REDUCE_MEAN, RFX_DTYPE_F32, 2, xd, &y);
	l->i[RFX_REDUCE_AXES] = 2; /* axis 1 */
	l->i[RFX_REDUCE_KEEPDIMS] = 1;
	uint64_t keep = ctx->vk.max_loops;
	ctx->vk.max_loops = limit;
	run_single(&b, l, y, "mean over the limit's count");
	ctx->vk.max_loops = keep;
}
END_TEST

START_TEST(test_binary)
{
	for (int prec = 0; prec < 2; prec++) {
		rfx_dtype p = prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
		tol = vk_test_tolerance(p);
		for (int i = 0; i < 12; i++) {
			rfx_builder b;
			rfx_graph g;
			char what[128];
			uint32_t rank = rnd(1, 5), ad[6], bdm[6], brank;
			for (uint32_t k = 0; k < rank; k++) {
				ad[k] = rnd(1, 6);
				bdm[k] = rnd(0, 2) == 0 ? 1 : ad[k];
				if (rnd(0, 4) == 0) { /* broadcast a instead */
					bdm[k] = ad[k];
					ad[k] = 1;
				}
			}
			brank = rank - rnd(0, rank - 1); /* b may have lower rank */
			rfx_builder_init(&b);
			uint32_t a = rfx_builder_input(&b, "a", RFX_DTYPE_F32, rank, ad);
			uint32_t bb = i % 3 == 2 ?
				random_const(&b, "b", RFX_DTYPE_F32, brank, bdm + rank - brank) :
				rfx_builder_input(&b, "b", RFX_DTYPE_F32, brank, bdm + rank - brank);
			uint32_t y = rfx_builder_tensor(&b, "y", p, 0, NULL);
			rfx_layer *l = rfx_builder_layer(&b, RFX_OP_BINARY, "bin",
							 (uint32_t[]){a, bb}, 2, y);
			l->precision = p;
			l->i[RFX_BINARY_KIND] = i % RFX_BINARY_COUNT_;
			random_act(l, RFX_BINARY_ACT);
			snprintf(what, sizeof(what), "binary %s kind %d rank %u/%u act %d",
				 rfx_dtype_name(p), i % RFX_BINARY_COUNT_, rank, brank,
				 l->i[RFX_BINARY_ACT]);
			test_finish_layer(&b, l, y, &g, what);
			/* Division by values near 0 magnifies the fp32 ulp
			 * differences; keep the stated bound relative. */
			check_graph(&g, what);
		}
		for (int act = 0; act < RFX_ACT_COUNT_; act++) {
			rfx_builder b;
			uint32_t y, xd[3] = {rnd(1, 3), rnd(1, 17), rnd(1, 9)};
			rfx_layer *l = single(&b, RFX_OP_UNARY, p, 3, xd, &y);
			vk_test_set_act(l, RFX_UNARY_ACT, act);
			run_single(&b, l, y, "unary");
		}
	}
}
END_TEST

START_TEST(test_concat_reshape)
{
	for (int prec = 0; prec < 2; prec++) {
		rfx_dtype p = prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
		tol = vk_test_tolerance(p);
		for (int i = 0; i < 8; i++) {
			rfx_builder b;
			rfx_graph g;
			char what[64];
			uint32_t rank = rnd(1, 4), axis = rnd(0, rank - 1), n = rnd(2, 4);
			uint32_t base[4], ins[4];
			for (uint32_t k = 0; k < rank; k++)
				base[k] = rnd(1, 5);
			rfx_builder_init(&b);
			for (uint32_t j = 0; j < n; j++) {
				char name[8];
				uint32_t d[4];
				memcpy(d, base, sizeof(d));
				d[axis] = rnd(1, 6);
				snprintf(name, sizeof(name), "x%u", j);
				ins[j] = rfx_builder_input(&b, name, RFX_DTYPE_F32, rank, d);
			}
			uint32_t y = rfx_builder_tensor(&b, "y", p, 0, NULL);
			rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONCAT, "cat", ins, n, y);
			l->precision = p;
			l->i[RFX_CONCAT_AXIS] = (int32_t)axis;
			ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
			/* Then a Reshape to 1-D (a view in the arena) and an
			 * activation, so both Reshape paths run: the view here,
			 * the copy below where the output is a graph output. */
			uint64_t total = rfx_tensor_elements(rfx_builder_tensor_at(&b, y));
			uint32_t flat_d[1] = {(uint32_t)total};
			uint32_t flat = rfx_builder_tensor(&b, "flat", p, 1, flat_d);
			rfx_layer *r = rfx_builder_layer(&b, RFX_OP_RESHAPE, "flat", &y, 1, flat);
			r->precision = p;
			ck_assert_int_eq(rfx_builder_infer(&b, r), RFX_OK);
			uint32_t z = rfx_builder_tensor(&b, "z", p, 0, NULL);
			rfx_layer *u = rfx_builder_layer(&b, RFX_OP_UNARY, "relu", &flat, 1, z);
			u->precision = p;
			u->i[RFX_UNARY_ACT] = RFX_ACT_RELU;
			ck_assert_int_eq(rfx_builder_infer(&b, u), RFX_OK);
			uint32_t back_d[2] = {1, (uint32_t)total};
			uint32_t back = rfx_builder_tensor(&b, "back", p, 2, back_d);
			rfx_layer *r2 = rfx_builder_layer(&b, RFX_OP_RESHAPE, "back", &z, 1, back);
			r2->precision = p;
			ck_assert_int_eq(rfx_builder_infer(&b, r2), RFX_OK);
			rfx_builder_output(&b, back);
			snprintf(what, sizeof(what), "concat %s rank %u axis %u n %u",
				 rfx_dtype_name(p), rank, axis, n);
			test_finish(&b, &g, what);
			check_graph(&g, what);
		}
	}
}
END_TEST

START_TEST(test_transpose_pad)
{
	for (int prec = 0; prec < 2; prec++) {
		rfx_dtype p = prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
		tol = vk_test_tolerance(p);
		for (int i = 0; i < 8; i++) {
			rfx_builder b;
			uint32_t y, rank = rnd(2, 5), xd[5];
			for (uint32_t k = 0; k < rank; k++)
				xd[k] = rnd(1, 5);
			rfx_layer *l = single(&b, RFX_OP_TRANSPOSE, p, rank, xd, &y);
			for (uint32_t k = 0; k < rank; k++)
				l->i[k] = (int32_t)k;
			for (uint32_t k = rank - 1; k > 0; k--) { /* shuffle */
				uint32_t j = rnd(0, k);
				int32_t t = l->i[k];
				l->i[k] = l->i[j];
				l->i[j] = t;
			}
			run_single(&b, l, y, "transpose");
		}
		/* The channel shuffle of ShuffleNet: [N, g, C/g, H, W] swap 1, 2. */
		{
			rfx_builder b;
			uint32_t y, xd[5] = {1, 2, 3, 5, 4};
			rfx_layer *l = single(&b, RFX_OP_TRANSPOSE, p, 5, xd, &y);
			int32_t perm[5] = {0, 2, 1, 3, 4};
			memcpy(l->i, perm, sizeof(perm));
			run_single(&b, l, y, "channel shuffle");
		}
		for (int i = 0; i < 6; i++) {
			rfx_builder b;
			uint32_t y, xd[4] = {rnd(1, 2), rnd(1, 5), rnd(1, 7), rnd(1, 7)};
			rfx_layer *l = single(&b, RFX_OP_PAD, p, 4, xd, &y);
			for (int k = 0; k < 8; k++)
				l->i[k] = (int32_t)rnd(0, 3);
			l->f[0] = i % 2 ? 0.0f : -0.75f;
			run_single(&b, l, y, "pad");
		}
	}
}
END_TEST

START_TEST(test_softmax_reduce)
{
	for (int prec = 0; prec < 2; prec++) {
		rfx_dtype p = prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
		tol = vk_test_tolerance(p);
		for (int i = 0; i < 8; i++) {
			rfx_builder b;
			uint32_t y, rank = rnd(1, 4), xd[4];
			for (uint32_t k = 0; k < rank; k++)
				xd[k] = rnd(1, 9);
			rfx_layer *l = single(&b, RFX_OP_SOFTMAX, p, rank, xd, &y);
			l->i[RFX_SOFTMAX_AXIS] = (int32_t)rnd(0, rank - 1);
			l->i[RFX_SOFTMAX_LEGACY] = i % 2;
			run_single(&b, l, y, "softmax");
		}
		for (int i = 0; i < 8; i++) {
			rfx_builder b;
			uint32_t y, rank = rnd(1, 4), xd[4];
			for (uint32_t k = 0; k < rank; k++)
				xd[k] = rnd(1, 7);
			rfx_layer *l = single(&b, RFX_OP_REDUCE_MEAN, p, rank, xd, &y);
			l->i[RFX_REDUCE_AXES] = (int32_t)rnd(1, (1u << rank) - 1);
			l->i[RFX_REDUCE_KEEPDIMS] = i % 2;
			run_single(&b, l, y, "reduce_mean");
		}
	}
}
END_TEST

START_TEST(test_staging_path)
{
	/* Discrete GPUs copy inputs and outputs through device memory; force
	 * that path here and run a small graph through it. */
	setenv("RFX_FORCE_STAGING", "1", 1);
	tol = vk_test_tolerance(RFX_DTYPE_F32);
	for (int i = 0; i < 4; i++)
		conv_case(RFX_DTYPE_F32, i);
	unsetenv("RFX_FORCE_STAGING");
}
END_TEST

int main(void)
{
	test_case cases[] = {
		{"conv2d", test_conv2d},
		{"fc", test_fc},
		{"pool", test_pool2d},
		{"elementwise", test_binary},
		{"concat_reshape", test_concat_reshape},
		{"transpose_pad", test_transpose_pad},
		{"softmax_reduce", test_softmax_reduce},
		{"staging", test_staging_path},
		{"long_loops", test_long_loops},
	};
	Suite *s = suite_create("vk_ops");

	add_test_cases(s, cases, sizeof(cases) / sizeof(cases[0]), setup, teardown,
		       600);
	return run_suite(s);
}
