/*
 * Every kernel variant of float conv2d, fc and pool2d
 * (engine/vk/ops/conv2d_tb.c: the texel-buffer ones and the storage-buffer
 * conv2d_sb, fc_sb, pool2d_sb), forced
 * with RFX_FORCE_VARIANT, against the CPU reference executor on randomized
 * shapes with a fixed seed: channel and pixel counts that are not multiples
 * of the kernels' blocks (8 output channels x 8 pixels), batches, strides,
 * padding, dilation, depthwise multipliers, the first layer's 3 input
 * channels, residuals and every activation; fp32 and fp16 storage. Each
 * case also checks that the session runs the variant it was told to.
 *
 * Tolerances. Register blocking changes which outputs an invocation
 * computes, not the order of any one sum: every kernel adds the bias, then
 * the products in the reference's order (input channel, ky, kx; k for fc).
 * What remains is the driver contracting a*b+c into one FMA (one rounding
 * instead of two) and exp/tanh from other libraries, as in test_vk_ops.c:
 * fp32 |got - want| <= 1e-5 + 1e-4 |want| with inputs and weights in
 * [-1, 1] and sums of at most a few hundred terms; fp16, where both sides
 * round each stored value once to fp16 and a contraction can put them on
 * opposite sides of a rounding boundary: 2e-3 + 4e-3 |want|.
 *
 * The Winograd kernels do not sum the reference's products: their
 * transforms round on values up to a few times the terms, so their error
 * grows with the number of terms K = 9 C (each at most 1 here) and not
 * with |want|: a sum that cancels to a small output keeps it. They get
 * 2e-7 K (F(2x2)) and 1e-6 K (F(4x4)) more absolute tolerance in fp32
 * (measured: F(4x4) off by 5e-5 on a -0.11 output of 189 terms, where the
 * plain tolerance allows 2.1e-5).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk_test_util.h"

static rfx_context *ctx;
static uint32_t seed;
static vk_test_tol tol;

static void setup(void)
{
	ctx = test_context(RFX_BACKEND_VULKAN);
	seed = 20261128;
}

static void teardown(void)
{
	unsetenv("RFX_FORCE_VARIANT");
	test_context_done(ctx);
}

static uint32_t rnd(uint32_t lo, uint32_t hi) /* inclusive */
{
	return lo + test_rand(&seed) % (hi - lo + 1);
}

static uint32_t random_const(rfx_builder *b, const char *name, rfx_dtype dt,
                             uint32_t rank, const uint32_t *dims)
{
	return test_rand_const(b, name, dt, rank, dims, 1.0f, &seed);
}

/* Any activation, swish included (every kernel applies them through the
 * same activation.glsl). */
static void random_act(rfx_layer *l, int slot)
{
	vk_test_set_act(l, slot, (int)rnd(0, RFX_ACT_COUNT_ - 1));
}

/* Runs g with `variant` forced on both backends and compares every output;
 * layer `layer` must run that variant. */
static void check_graph(rfx_graph *g, const char *variant, uint32_t layer,
                        const char *what)
{
	vk_test_check_float(ctx, g, &seed, tol, variant, layer, what);
}

enum conv_kind {
	GEMM4, GEMM, DIRECT, FIRST, DEPTHWISE, C4, C4_FIRST, DW_C4, WINO, WINO4, DW3, GEMM4S, STORAGE,
	DW3V4
};
static const char *const conv_variant[] = {
	"conv_gemm4_tb", "conv_gemm_tb", "conv_direct_tb", "conv_direct_tb",
	"conv_dw_tb", "conv_c4_tb", "conv_c4_tb", "conv_dw_c4_tb", "conv_wino_tb",
	"conv_wino4_tb", "conv_dw3_tb", "conv_gemm4s_tb", "conv2d_sb",
	"conv_dw3v4_tb",
};

static void conv_case(enum conv_kind kind, rfx_dtype prec)
{
	rfx_builder b;
	rfx_graph g;
	char what[200];
	int pw = kind == GEMM4 || kind == GEMM || kind == GEMM4S;
	int first = kind == FIRST || kind == C4_FIRST;
	uint32_t N = rnd(1, 2), C = first ? 3 : rnd(1, 21), M = rnd(1, 21);
	uint32_t group = 1;
	int wino = kind == WINO || kind == WINO4; /* 3x3, stride 1, dilation 1 */
	int dw3 = kind == DW3 || kind == DW3V4;
	int k3 = wino || dw3; /* 3x3, dilation 1 */
	uint32_t kh = pw ? 1 : k3 ? 3 : rnd(1, 5), kw = pw ? 1 : k3 ? 3 : rnd(1, 5);
	uint32_t dh = pw || k3 ? 1 : rnd(1, 2), dw = pw || k3 ? 1 : rnd(1, 2);
	uint32_t H = (kh - 1) * dh + rnd(1, 13), W = (kw - 1) * dw + rnd(1, 13);

	if (kind == DW3V4) { /* whole texels; rows of several 8-output blocks */
		C = 4 * rnd(1, 3);
		W = 2 + rnd(1, 40);
	}
	if (kind == DEPTHWISE || dw3) {
		group = C;
		M = C * rnd(1, 2);
	}
	if (kind == DW_C4) {
		C = rnd(2, 21); /* group 1 would be a plain convolution */
		group = M = C;
	}
	static unsigned gemm4_cases; /* alternate: both of the kernel's paths */
	if (kind == GEMM4 && gemm4_cases++ % 2 == 0)
		W = 4 * rnd(1, 4); /* every channel starts on a whole texel */
	else if (kind == GEMM4)
		C = 4 * rnd(1, 5), H |= 1, W |= 1; /* channels start mid-texel */
	if (kind == GEMM && H * W % 4 == 0)
		H += 1, W |= 1; /* odd: only the scalar path serves it */
	uint32_t xd[4] = {N, C, H, W}, wd[4] = {M, C / group, kh, kw}, bd[1] = {M};
	int res = (int)rnd(0, 1);

	int32_t sh = pw || wino ? 1 : (int32_t)rnd(1, 2);
	int32_t sw = pw || wino ? 1 : (int32_t)rnd(1, 2);
	if (kind == GEMM4S) { /* strided 1x1: whole texels of kept pixels */
		sh = (int32_t)rnd(2, 3);
		sw = (int32_t)rnd(1, 3);
		C = 4 * rnd(1, 5);
		xd[1] = wd[1] = C;
	}
	if (dw3) /* the same stride both ways */
		sw = sh;
	int32_t pt = pw ? 0 : (int32_t)rnd(0, kh / 2 + 1), pl = pw ? 0 : (int32_t)rnd(0, kw / 2);
	int32_t pb = pw ? 0 : (int32_t)rnd(0, kh / 2), pr = pw ? 0 : (int32_t)rnd(0, kw / 2 + 1);
	/* The residual has the output's shape (graph/ops/conv2d.c's rule). */
	uint32_t rd[4] = {N, M, (H + pt + pb - dh * (kh - 1) - 1) / sh + 1,
			  (W + pl + pr - dw * (kw - 1) - 1) / sw + 1};

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", prec, 4, xd);
	uint32_t r = res ? rfx_builder_input(&b, "r", prec, 4, rd) : 0;
	uint32_t w = random_const(&b, "w", prec, 4, wd);
	uint32_t bias = random_const(&b, "b", RFX_DTYPE_F32, 1, bd);
	uint32_t y = rfx_builder_tensor(&b, "y", prec, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv",
					 (uint32_t[]){x, w, bias, r}, res ? 4 : 3, y);
	ck_assert_ptr_nonnull(l);
	l->precision = prec;
	l->i[RFX_CONV_STRIDE_H] = sh;
	l->i[RFX_CONV_STRIDE_W] = sw;
	l->i[RFX_CONV_PAD_T] = pt;
	l->i[RFX_CONV_PAD_L] = pl;
	l->i[RFX_CONV_PAD_B] = pb;
	l->i[RFX_CONV_PAD_R] = pr;
	l->i[RFX_CONV_DIL_H] = (int32_t)dh;
	l->i[RFX_CONV_DIL_W] = (int32_t)dw;
	l->i[RFX_CONV_GROUP] = (int32_t)group;
	random_act(l, RFX_CONV_ACT);
	snprintf(what, sizeof(what),
		 "%s %s N%u C%u %ux%u M%u k%ux%u s%dx%d d%ux%u g%u act %d res %d",
		 conv_variant[kind], rfx_dtype_name(prec), N, C, H, W, M, kh, kw,
		 sh, sw, dh, dw, group, l->i[RFX_CONV_ACT], res);
	test_finish_layer(&b, l, y, &g, what);
	vk_test_tol plain = tol;
	if (wino && prec == RFX_DTYPE_F32)
		tol.abs += (kind == WINO4 ? 1e-6 : 2e-7) * 9.0 * C;
	check_graph(&g, conv_variant[kind], 0, what);
	tol = plain;
}

static void fc_case(rfx_dtype prec, const char *variant)
{
	rfx_builder b;
	rfx_graph g;
	char what[96];
	uint32_t K = rnd(1, 70), Nout = rnd(1, 45), rows = rnd(1, 3);
	uint32_t xd[2] = {rows, K}, wd[2] = {Nout, K}, bd[1] = {Nout};

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", prec, 2, xd);
	uint32_t w = random_const(&b, "w", prec, 2, wd);
	uint32_t bias = random_const(&b, "b", RFX_DTYPE_F32, 1, bd);
	uint32_t y = rfx_builder_tensor(&b, "y", prec, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_FC, "fc",
					 (uint32_t[]){x, w, bias}, 3, y);
	l->precision = prec;
	random_act(l, RFX_FC_ACT);
	snprintf(what, sizeof(what), "%s %s rows %u K%u N%u act %d", variant,
		 rfx_dtype_name(prec), rows, K, Nout, l->i[RFX_FC_ACT]);
	test_finish_layer(&b, l, y, &g, what);
	check_graph(&g, variant, 0, what);
}

static void pool_case(rfx_dtype prec, const char *variant)
{
	rfx_builder b;
	rfx_graph g;
	char what[160];
	uint32_t kh = rnd(1, 4), kw = rnd(1, 4);
	uint32_t dh = rnd(1, 2), dw = rnd(1, 2);
	int row = strcmp(variant, "pool2d_row_tb") == 0;
	/* The row kernel: whole texels (channels by 4, rows of any width)
	 * and rows of several 8-output blocks. */
	uint32_t xd[4] = {rnd(1, 2), row ? 4 * rnd(1, 2) : rnd(1, 5),
			  (kh - 1) * dh + rnd(1, 12),
			  (kw - 1) * dw + rnd(1, row ? 40 : 12)};

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", prec, 4, xd);
	uint32_t y = rfx_builder_tensor(&b, "y", prec, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_POOL2D, "pool",
					 (uint32_t[]){x}, 1, y);
	l->precision = prec;
	test_pool_attrs(l, (int)rnd(0, 1), kh, kw, dh, dw, &seed);
	if (row && 7 * l->i[RFX_POOL_STRIDE_W] + (kw - 1) * dw + 1 > 24)
		l->i[RFX_POOL_STRIDE_W] = 2; /* a row span it serves */
	test_pool_name(l, variant, prec, xd, what, sizeof(what));
	ck_assert_msg(rfx_builder_infer(&b, l) == RFX_OK, "%s: %s", what, b.err);
	rfx_builder_output(&b, y);
	char err[256];
	ck_assert_msg(rfx_builder_finish(&b, &g, err, sizeof(err)) == RFX_OK,
		      "%s: builder: %s", what, err);
	check_graph(&g, variant, 0, what);
}

static void conv_kind_test(enum conv_kind kind)
{
	for (int prec = 0; prec < 2; prec++) {
		rfx_dtype p = prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
		tol = vk_test_tolerance(p);
		for (int i = 0; i < 3; i++)
			conv_case(kind, p);
	}
}

START_TEST(test_gemm4) { conv_kind_test(GEMM4); }
END_TEST
START_TEST(test_gemm) { conv_kind_test(GEMM); }
END_TEST
START_TEST(test_direct) { conv_kind_test(DIRECT); }
END_TEST
START_TEST(test_first) { conv_kind_test(FIRST); }
END_TEST
START_TEST(test_depthwise) { conv_kind_test(DEPTHWISE); }
END_TEST
START_TEST(test_c4) { conv_kind_test(C4); }
END_TEST
START_TEST(test_c4_first) { conv_kind_test(C4_FIRST); }
END_TEST
START_TEST(test_dw_c4) { conv_kind_test(DW_C4); }
END_TEST
START_TEST(test_wino) { conv_kind_test(WINO); }
END_TEST
START_TEST(test_wino4) { conv_kind_test(WINO4); }
END_TEST
START_TEST(test_gemm4s) { conv_kind_test(GEMM4S); }
END_TEST
START_TEST(test_dw3) { conv_kind_test(DW3); }
END_TEST
START_TEST(test_dw3v4) { conv_kind_test(DW3V4); }
END_TEST
START_TEST(test_storage) { conv_kind_test(STORAGE); }
END_TEST

/* Two conv_c4_tb layers in a row share the scratch buffer: the second
 * one's repack must wait until the first convolution has read it. */
START_TEST(test_c4_chain)
{
	rfx_builder b;
	rfx_graph g;
	uint32_t xd[4] = {1, 6, 9, 7}, wd[4] = {5, 6, 3, 3}, w2d[4] = {7, 5, 3, 3};
	uint32_t bd[1] = {5}, b2d[1] = {7};

	tol = vk_test_tolerance(RFX_DTYPE_F32);
	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, xd);
	uint32_t w = random_const(&b, "w", RFX_DTYPE_F32, 4, wd);
	uint32_t bias = random_const(&b, "b", RFX_DTYPE_F32, 1, bd);
	uint32_t w2 = random_const(&b, "w2", RFX_DTYPE_F32, 4, w2d);
	uint32_t bias2 = random_const(&b, "b2", RFX_DTYPE_F32, 1, b2d);
	uint32_t h = rfx_builder_tensor(&b, "h", RFX_DTYPE_F32, 0, NULL);
	uint32_t y = rfx_builder_tensor(&b, "y", RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv1",
					 (uint32_t[]){x, w, bias}, 3, h);
	test_conv_attrs(l, 1, 1, RFX_ACT_NONE);
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv2", (uint32_t[]){h, w2, bias2}, 3, y);
	test_conv_attrs(l, 2, 0, RFX_ACT_NONE);
	test_finish_layer(&b, l, y, &g, "two conv_c4_tb layers");
	check_graph(&g, "conv_c4_tb", 1, "two conv_c4_tb layers");
}
END_TEST

START_TEST(test_fc)
{
	for (int prec = 0; prec < 2; prec++) {
		rfx_dtype p = prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
		tol = vk_test_tolerance(p);
		for (int i = 0; i < 3; i++) {
			fc_case(p, "fc_tb");
			fc_case(p, "fc_sb");
		}
	}
}
END_TEST

/* Two row-pooling layers of different windows in one session: each its
 * own pipeline (the window is in specialization constants, which the
 * session's pipeline lookup must tell apart). */
START_TEST(test_pool_row_pair)
{
	rfx_builder b;
	rfx_graph g;
	uint32_t xd[4] = {1, 4, 23, 29};

	tol = vk_test_tolerance(RFX_DTYPE_F32);
	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, xd);
	uint32_t h = rfx_builder_tensor(&b, "h", RFX_DTYPE_F32, 0, NULL);
	uint32_t y = rfx_builder_tensor(&b, "y", RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_POOL2D, "pool3s2",
					 (uint32_t[]){x}, 1, h);
	test_pool_attrs(l, 0, 3, 3, 1, 1, &seed);
	l->i[RFX_POOL_STRIDE_H] = l->i[RFX_POOL_STRIDE_W] = 2;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	l = rfx_builder_layer(&b, RFX_OP_POOL2D, "pool2s1", (uint32_t[]){h}, 1, y);
	test_pool_attrs(l, 1, 2, 2, 1, 1, &seed);
	l->i[RFX_POOL_STRIDE_H] = l->i[RFX_POOL_STRIDE_W] = 1;
	test_finish_layer(&b, l, y, &g, "two row pools");
	check_graph(&g, "pool2d_row_tb", 1, "two row pools");
}
END_TEST

/* The three pooling kernels, max and average, with padding, dilation and
 * ceil mode: the same sums as the reference, in its order. */
START_TEST(test_pool)
{
	for (int prec = 0; prec < 2; prec++) {
		rfx_dtype p = prec ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
		tol = vk_test_tolerance(p);
		for (int i = 0; i < 6; i++) {
			pool_case(p, "pool2d_row_tb");
			pool_case(p, "pool2d_tb");
			pool_case(p, "pool2d_sb");
		}
	}
}
END_TEST

int main(void)
{
	test_case cases[] = {
		{"conv_gemm4_tb", test_gemm4},
		{"conv_gemm_tb", test_gemm},
		{"conv_direct_tb", test_direct},
		{"conv_direct_tb_first_layer", test_first},
		{"conv_dw_tb", test_depthwise},
		{"conv_c4_tb", test_c4},
		{"conv_c4_tb_first_layer", test_c4_first},
		{"conv_c4_tb_chain", test_c4_chain},
		{"conv_wino_tb", test_wino},
		{"conv_wino4_tb", test_wino4},
		{"conv_dw3_tb", test_dw3},
		{"conv_dw3v4_tb", test_dw3v4},
		{"conv_gemm4s_tb", test_gemm4s},
		{"conv_dw_c4_tb", test_dw_c4},
		{"conv2d_sb", test_storage},
		{"fc_tb_and_fc_sb", test_fc},
		{"pool2d_row_tb_tb_and_sb", test_pool},
		{"pool2d_row_tb_two_windows", test_pool_row_pair},
	};
	Suite *s = suite_create("vk_variants");

	add_test_cases(s, cases, sizeof(cases) / sizeof(cases[0]), setup, teardown,
		       300);
	return run_suite(s);
}
