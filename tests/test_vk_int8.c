/*
 * int8 layers: the Vulkan kernels against the CPU reference, compared with
 * memcmp (the contract is bit-for-bit equality, graph/quant.h), on
 * randomized shapes with a fixed seed, for every op with an int8 form, on
 * the packed dot-product path and on the unpacking fallback
 * (RFX_NO_INT_DOT=1). Whole int8 networks are test_vk_int8_nets.c's.
 *
 * The CPU reference itself is checked against independent arithmetic: the
 * real-valued definition of an int8 convolution / fully connected layer
 * (sum of s_x (x - z_x) s_w w, in double) must land within half an output
 * step (plus the multiplier's 2^-31 relative error) of every unclamped
 * output, and within 2^-20 of a step of a hand-worked case.
 *
 * Scales are random, or powers of two in "tie" iterations so that the
 * requantization hits exact halves often (a multiplier of 2^-k rounds at
 * every acc = odd * 2^(k-1)); the quantizer sees exact .5 products.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_vk_int8_util.h"
#include "vk/ops.h"

/* Activation NONE, RELU or CLIP (real bounds inside the output's range). */
static void random_act(rfx_layer *l, int slot, float ys, int32_t yz)
{
	int pick = (int)rnd(0, 2);
	l->i[slot] = pick == 0 ? RFX_ACT_NONE : pick == 1 ? RFX_ACT_RELU : RFX_ACT_CLIP;
	l->f[0] = l->f[1] = 0.0f;
	if (pick == 2) {
		l->f[0] = ys * (float)((int32_t)rnd(0, 100) - 128 - yz);
		l->f[1] = l->f[0] + ys * (float)rnd(10, 150);
	}
}


/* kind: 0 dense, 1 depthwise, 2 grouped, 3 pointwise, 4 what the int8
 * Winograd serves (3x3, stride 1, dilation 1, group 1; the residual's conv
 * too), with more channels, 5 pointwise with stride 1 and channel counts
 * that are multiples of 4 (what conv_i8_gemm4_tb serves, its texels
 * shifted when H*W is not), 6 depthwise 3x3, dilation 1, the same stride
 * 1 or 2 both ways (conv_i8_dw3_tb), 7 the same with channels by 4 and
 * rows of several 8-output blocks (conv_i8_dw3v4_tb: whole texels). */
static void conv_case(int iter, int kind)
{
	rfx_builder b;
	rfx_graph g;
	char what[200];
	int ties = iter % 3 == 2;
	int wino = kind == 4, pw4 = kind == 5, dw3 = kind == 6 || kind == 7;
	int v4 = kind == 7;
	uint32_t C = wino ? rnd(1, 40) : pw4 ? 4 * rnd(1, 10)
		     : v4 ? 4 * rnd(1, 3) : rnd(1, 9);
	uint32_t N = rnd(1, 2), group = 1, M;

	if (dw3)
		kind = 1;
	if (kind == 1) {
		group = C;
		M = C * rnd(1, 2);
	} else if (kind == 2) {
		C = 2 * rnd(1, 4);
		group = 2;
		M = 2 * rnd(1, 5);
	} else {
		M = pw4 ? 4 * rnd(1, 5) : rnd(1, 11);
	}
	if (pw4)
		kind = 3;
	uint32_t kh = kind == 3 ? 1 : wino || dw3 ? 3 : rnd(1, 5);
	uint32_t kw = kind == 3 ? 1 : wino || dw3 ? 3 : rnd(1, 5);
	uint32_t dh = wino || dw3 ? 1 : rnd(1, 2), dw = wino || dw3 ? 1 : rnd(1, 2);
	uint32_t H = (kh - 1) * dh + rnd(1, 11);
	uint32_t W = (kw - 1) * dw + rnd(1, v4 ? 40 : 11);
	uint32_t xd[4] = {N, C, H, W}, wd[4] = {M, C / group, kh, kw};
	uint32_t w, bias;
	float wmean;
	int res = (int)rnd(0, 1);

	rfx_builder_init(&b);
	uint32_t x = i8_input(&b, "x", 4, xd, ties);
	float xs = rfx_builder_tensor_at(&b, x)->scale;
	weights(&b, "w", 4, wd, ties, &w, &bias, &wmean);
	float ys = out_scale(xs, wmean, (C / group) * kh * kw, ties);
	int32_t yz = (int32_t)rnd(0, 160) - 80;
	uint32_t y = i8_tensor(&b, "y", ys, yz);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv",
					 (uint32_t[]){x, w, bias}, 3, y);
	ck_assert_ptr_nonnull(l);
	l->precision = RFX_DTYPE_I8;
	l->i[RFX_CONV_STRIDE_H] = wino || pw4 ? 1 : (int32_t)rnd(1, 2);
	l->i[RFX_CONV_STRIDE_W] = wino || pw4 ? 1 : dw3 ? l->i[RFX_CONV_STRIDE_H]
					    : (int32_t)rnd(1, 2);
	l->i[RFX_CONV_PAD_T] = kind == 3 ? 0 : (int32_t)rnd(0, kh / 2 + 1);
	l->i[RFX_CONV_PAD_L] = kind == 3 ? 0 : (int32_t)rnd(0, kw / 2);
	l->i[RFX_CONV_PAD_B] = kind == 3 ? 0 : (int32_t)rnd(0, kh / 2);
	l->i[RFX_CONV_PAD_R] = kind == 3 ? 0 : (int32_t)rnd(0, kw / 2 + 1);
	l->i[RFX_CONV_DIL_H] = (int32_t)dh;
	l->i[RFX_CONV_DIL_W] = (int32_t)dw;
	l->i[RFX_CONV_GROUP] = (int32_t)group;
	random_act(l, RFX_CONV_ACT, ys, yz);
	snprintf(what, sizeof(what),
		 "conv i8 N%u C%u %ux%u M%u k%ux%u s%dx%d p%d,%d d%ux%u g%u act %d res %d ties %d",
		 N, C, H, W, M, kh, kw, l->i[RFX_CONV_STRIDE_H],
		 l->i[RFX_CONV_STRIDE_W], l->i[RFX_CONV_PAD_T], l->i[RFX_CONV_PAD_L],
		 dh, dw, group, l->i[RFX_CONV_ACT], res, ties);
	ck_assert_msg(rfx_builder_infer(&b, l) == RFX_OK, "%s: %s", what, b.err);
	if (res) {
		/* A 1x1 conv over y (3x3, padding 1 for the Winograd) with
		 * a residual input of y's shape. */
		const rfx_tensor *yt = rfx_builder_tensor_at(&b, y);
		uint32_t k2 = wino ? 3 : 1;
		uint32_t rd[4], w2d[4] = {M, M, k2, k2}, w2, b2;
		float w2mean;
		memcpy(rd, yt->dims, sizeof(rd));
		uint32_t r = i8_input(&b, "r", 4, rd, ties);
		weights(&b, "w2", 4, w2d, ties, &w2, &b2, &w2mean);
		float y2s = out_scale(ys, w2mean, M * k2 * k2, ties);
		int32_t y2z = (int32_t)rnd(0, 160) - 80;
		uint32_t y2 = i8_tensor(&b, "y2", y2s, y2z);
		rfx_layer *l2 = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv_res",
						  (uint32_t[]){y, w2, b2, r}, 4, y2);
		l2->precision = RFX_DTYPE_I8;
		test_conv_attrs(l2, 1, wino ? 1 : 0, RFX_ACT_NONE);
		random_act(l2, RFX_CONV_ACT, y2s, y2z);
		ck_assert_int_eq(rfx_builder_infer(&b, l2), RFX_OK);
		rfx_builder_output(&b, y);
		rfx_builder_output(&b, y2);
	} else {
		rfx_builder_output(&b, y);
	}
	test_finish(&b, &g, what);
	check_graph(&g, what);
}

/* 12 cases of `kind` with `variant` forced (every layer it serves must
 * run it). */
static void forced_cases(const char *variant, int kind)
{
	force_variant = variant;
	setenv("RFX_FORCE_VARIANT", variant, 1);
	for (int i = 0; i < 12; i++)
		conv_case(i, kind);
	force_variant = NULL;
	unsetenv("RFX_FORCE_VARIANT");
}

static void fc_case(int iter)
{
	rfx_builder b;
	rfx_graph g;
	char what[160];
	int ties = iter % 3 == 1;
	uint32_t K = iter % 2 ? 4 * rnd(1, 40) : rnd(1, 150), N = rnd(1, 70);
	uint32_t rank = rnd(1, 3), xd[3], wd[2] = {N, K}, w, bias;
	float wmean;

	for (uint32_t k = 0; k + 1 < rank; k++)
		xd[k] = rnd(1, 3);
	xd[rank - 1] = K;
	rfx_builder_init(&b);
	uint32_t x = i8_input(&b, "x", rank, xd, ties);
	float xs = rfx_builder_tensor_at(&b, x)->scale;
	weights(&b, "w", 2, wd, ties, &w, &bias, &wmean);
	float ys = out_scale(xs, wmean, K, ties);
	int32_t yz = (int32_t)rnd(0, 255) - 128;
	uint32_t y = i8_tensor(&b, "y", ys, yz);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_FC, "fc",
					 (uint32_t[]){x, w, bias}, 3, y);
	l->precision = RFX_DTYPE_I8;
	random_act(l, RFX_FC_ACT, ys, yz);
	snprintf(what, sizeof(what), "fc i8 rank %u K%u N%u act %d ties %d", rank,
		 K, N, l->i[RFX_FC_ACT], ties);
	test_finish_layer(&b, l, y, &g, what);
	check_graph(&g, what);
}

/* Whether this device offers the packed dot product (Vulkan 1.3). */
static int ctx_has_dot(void)
{
	rfx_device_info info;
	ck_assert_int_eq(rfx_context_device_info(ctx, &info), RFX_OK);
	return info.integer_dot_product &&
	       VK_API_VERSION_MINOR(info.api_version) >= 3;
}

/* Each group-1 case on both kernels; depthwise and grouped ones have one. */
START_TEST(test_conv2d)
{
	static const char *const kernels[] = {"conv2d_i8_sb", "conv_i8_c4_tb"};

	for (int k = 0; k < 2; k++) {
		force_variant = kernels[k];
		setenv("RFX_FORCE_VARIANT", force_variant, 1);
		for (use_dot = 1; use_dot >= 0; use_dot--) {
			int dots = 0;
			for (int i = 0; i < 10; i++) {
				conv_case(i, i % 4);
				dots += dot_seen;
			}
			if (use_dot && ctx_has_dot())
				ck_assert_msg(dots > 0, "the dot-product path was never taken");
		}
	}
	force_variant = NULL;
	unsetenv("RFX_FORCE_VARIANT");
}
END_TEST

/* The int8 depthwise texel kernels forced on depthwise cases: conv_i8_dw_tb
 * on any kernel, stride, dilation, padding, channel multiplier 1 or 2,
 * residual; conv_i8_dw3_tb on 3x3, dilation 1, stride 1 or 2 (kind 6),
 * conv_i8_dw3v4_tb on those of whole texels (kind 7). */
START_TEST(test_conv2d_dw)
{
	forced_cases("conv_i8_dw_tb", 1);
	forced_cases("conv_i8_dw3_tb", 6);
	forced_cases("conv_i8_dw3v4_tb", 7);
}
END_TEST

/* The int8 1x1 GEMM in one dispatch (conv_i8_gemm4_tb) forced on the
 * pointwise cases it serves. */
START_TEST(test_conv2d_gemm4)
{
	forced_cases("conv_i8_gemm4_tb", 5);
}
END_TEST

/* The int8 1x1 GEMM (conv_i8_gemm_tb) forced on pointwise cases (stride
 * 1 or 2, residual). */
START_TEST(test_conv2d_gemm)
{
	forced_cases("conv_i8_gemm_tb", 3);
}
END_TEST

/* The int8 Winograd (conv_i8_wino_tb) forced on the shapes it serves. */
START_TEST(test_conv2d_wino)
{
	forced_cases("conv_i8_wino_tb", 4);
}
END_TEST

/* One kxk layer (padding k/2) over C channels of a 4x5 input, every input -128 with
 * zero point 127 (x - z_x = -255), every weight +-127 (extremes: see
 * test_vk_int8_util.h), no bias. The output's step is one unit of the
 * sum when `unit`, else the sums' whole range fits the output. */
static rfx_graph extreme_conv(uint32_t C, uint32_t k, int kind, int unit)
{
	rfx_builder b;
	rfx_graph g;
	uint32_t xd[4] = {1, C, 4, 5}, wd[4] = {3, C, k, k}, w, bias;
	float wmean, xs = 1.0f / 64;

	extremes = kind;
	rfx_builder_init(&b);
	uint32_t x = i8_input(&b, "x", 4, xd, 0);
	set_q(&b, x, xs, 127);
	weights(&b, "w", 4, wd, 0, &w, &bias, &wmean);
	float ys = unit ? xs * wmean : xs * wmean * (float)(C * k * k) * 255 * 127 / 100;
	uint32_t y = i8_tensor(&b, "y", ys, 0);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv",
					 (uint32_t[]){x, w, bias}, 3, y);
	ck_assert_ptr_nonnull(l);
	l->precision = RFX_DTYPE_I8;
	test_conv_attrs(l, 1, (int32_t)k / 2, RFX_ACT_NONE);
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	rfx_builder_output(&b, y);
	test_finish(&b, &g, "extreme conv");
	return g; /* extremes stays set for fill_inputs() */
}

/* The largest sums the texel kernels take, on each: conv_i8_wino_tb and
 * conv_i8_gemm_tb (1x1) sum fp32 products over channel blocks,
 * conv_i8_c4_tb over up to 128 taps (rows of the kernel, then channel
 * blocks), conv_i8_gemm4_tb over 512 channels, all join int32 sums
 * between. Sums that climb far past 2^24 and cancel to 0, read one unit
 * per output step: a missing cut shows (the terms here are multiples of 4
 * or more, so a cut a few times too long would not: the bounds
 * themselves are worked out in engine/vk/ops/conv2d_wino.c). Sums whose
 * 4x is just under 2^31 for the Winograd; for the 1x1 kernels sums past
 * 2^31, which wrap in int32 as on the CPU. One more channel and the
 * Winograd refuses the layer. */
START_TEST(test_conv2d_extremes)
{
	static const char *const kernels[] = {"conv_i8_wino_tb", "conv_i8_c4_tb",
					      "conv_i8_gemm_tb", "conv_i8_gemm4_tb"};

	use_dot = 0;
	for (int k = 0; k < 4; k++) {
		uint32_t ks = k >= 2 ? 1 : 3;
		force_variant = kernels[k];
		setenv("RFX_FORCE_VARIANT", force_variant, 1);
		/* 4 * 255 * 128 * 9 * C < 2^31 up to C = 1827; a 1x1 layer's
		 * blocks of 4 equal terms need more channels before fp32
		 * rounds (7800: 1024 units off without the cut); kind 0 here:
		 * a 1x1 layer of 66400 channels, whose sums pass 2^31 and
		 * wrap, in int32 as on the CPU. Only on conv_i8_gemm_tb:
		 * lavapipe ends any invocation's loops after 65535 iterations
		 * in all (gallivm's loop limiter), and conv_i8_gemm4_tb loops
		 * once per channel, conv_i8_c4_tb 3 times per channel block
		 * (83001 passes with each loop's exit test: so on lavapipe
		 * neither is a candidate, below). */
		for (int kind = k == 2 ? 0 : 1; kind <= 2; kind++) {
			uint32_t C = kind == 0 ? 66400 : kind == 1 ? 1826
				     : ks == 3 ? 1839 : 7800;
			rfx_graph g = extreme_conv(C, ks, kind ? kind : 1, kind == 2);
			char what[80];
			if (ks == 3)
				ck_assert(rfx_vk_wino_i8_serves(&g, &g.layers[0]));
			snprintf(what, sizeof(what), "%s, %s", force_variant,
				 kind == 2 ? "cancelling sums" : kind == 1 ? "largest sums"
				 : "sums past 2^31");
			check_graph(&g, what);
		}
	}
	extremes = 0;
	force_variant = NULL;
	unsetenv("RFX_FORCE_VARIANT");

	/* The same 66400 channels in the default order, whose first kernel,
	 * conv_i8_gemm4_tb, would loop past lavapipe's limit and miss
	 * channels: the session takes a kernel within the device's limit. */
	rfx_graph g = extreme_conv(66400, 1, 1, 0);
	check_graph(&g, "66400 channels, default kernel");
	extremes = 0;

	g = extreme_conv(1828, 3, 1, 0);
	extremes = 0;
	ck_assert(!rfx_vk_wino_i8_serves(&g, &g.layers[0]));
	rfx_graph_finish(&g);
}
END_TEST

START_TEST(test_fc)
{
	for (use_dot = 1; use_dot >= 0; use_dot--) {
		int dots = 0;
		for (int i = 0; i < 8; i++) {
			fc_case(i);
			dots += dot_seen;
		}
		if (use_dot && ctx_has_dot())
			ck_assert_msg(dots > 0, "the dot-product path was never taken");
	}
}
END_TEST

/* A single int8 layer over one random I8 input; the output's scale and
 * zero point are set by the caller through *y. */
static rfx_layer *single(rfx_builder *b, rfx_op op, uint32_t rank,
                         const uint32_t *dims, int ties, float ys, int32_t yz,
                         uint32_t *y)
{
	rfx_builder_init(b);
	uint32_t x = i8_input(b, "x", rank, dims, ties);
	*y = i8_tensor(b, "y", ys, yz);
	rfx_layer *l = rfx_builder_layer(b, op, "op", &x, 1, *y);
	ck_assert_ptr_nonnull(l);
	l->precision = RFX_DTYPE_I8;
	return l;
}

static void run_single(rfx_builder *b, rfx_layer *l, uint32_t y, const char *what)
{
	rfx_graph g;
	test_finish_layer(b, l, y, &g, what);
	check_graph(&g, what);
}

/* Pooling on the three kernels (each in two iterations of six: max and
 * average pooling), the session checked to run it. The row kernel gets
 * whole texels (channels by 4), rows of several 8-output blocks and
 * dilations. */
START_TEST(test_pool)
{
	static const char *const kernels[] = {"pool2d_row_tb", "pool2d_i8_tb",
					      "pool2d_i8_sb"};
	use_dot = 0;
	for (int i = 0; i < 18; i++) {
		int row = i % 6 < 2;
		force_variant = kernels[i % 6 / 2];
		setenv("RFX_FORCE_VARIANT", force_variant, 1);
		rfx_builder b;
		uint32_t y, k = rnd(1, 4), kw = rnd(1, 4);
		uint32_t dh = row ? rnd(1, 2) : 1, dw = row ? rnd(1, 2) : 1;
		uint32_t xd[4] = {rnd(1, 2), row ? 4 * rnd(1, 2) : rnd(1, 5),
				  (k - 1) * dh + 1 + rnd(0, 9),
				  (kw - 1) * dw + 1 + rnd(0, row ? 40 : 9)};
		int ties = i % 2;
		/* same scale half of the time (pure max / rounded mean) */
		float ys = i % 12 < 6 ? 0.0f : rscale(ties);
		rfx_layer *l = single(&b, RFX_OP_POOL2D, 4, xd, ties, 1.0f, 0, &y);
		const rfx_tensor *xt = rfx_builder_tensor_at(&b, b.inputs[0]);
		set_q(&b, y, ys > 0.0f ? ys : xt->scale,
		      ys > 0.0f ? (int32_t)rnd(0, 255) - 128 : xt->zero_point);
		l->i[RFX_POOL_KIND] = i % 2;
		l->i[RFX_POOL_KERNEL_H] = (int32_t)k;
		l->i[RFX_POOL_KERNEL_W] = (int32_t)kw;
		l->i[RFX_POOL_STRIDE_H] = (int32_t)rnd(1, 3);
		l->i[RFX_POOL_STRIDE_W] = (int32_t)rnd(1, row ? 2 : 3);
		l->i[RFX_POOL_PAD_T] = (int32_t)rnd(0, (k - 1) / 2);
		l->i[RFX_POOL_PAD_L] = (int32_t)rnd(0, (kw - 1) / 2);
		l->i[RFX_POOL_PAD_B] = (int32_t)rnd(0, (k - 1) / 2);
		l->i[RFX_POOL_PAD_R] = (int32_t)rnd(0, (kw - 1) / 2);
		l->i[RFX_POOL_CEIL_MODE] = (int32_t)rnd(0, 1);
		l->i[RFX_POOL_COUNT_INCLUDE_PAD] = i % 2 ? (int32_t)rnd(0, 1) : 0;
		l->i[RFX_POOL_DIL_H] = (int32_t)dh;
		l->i[RFX_POOL_DIL_W] = (int32_t)dw;
		run_single(&b, l, y, i % 2 ? "avgpool i8" : "maxpool i8");
	}
	force_variant = NULL;
	unsetenv("RFX_FORCE_VARIANT");
	/* Planes of 2048 values and more take a workgroup each: 4 and 5 the
	 * smallest such, 18 of them (a mean of 2048 random values rounds
	 * differently without some of them often enough to notice); 6 and 7
	 * a 260x260 plane, whose loop one invocation could not run on
	 * lavapipe. */
	for (int i = 0; i < 8; i++) {
		rfx_builder b;
		uint32_t y, xd[4] = {rnd(1, 2), rnd(1, 9), rnd(1, 12), rnd(1, 12)};
		if (i >= 4) {
			uint32_t big[4] = {2, 9, 64, 32}, huge[4] = {1, 2, 260, 260};
			memcpy(xd, i < 6 ? big : huge, sizeof(xd));
		}
		rfx_layer *l = single(&b, RFX_OP_GLOBAL_POOL, 4, xd, i % 2,
				      rscale(i % 2), (int32_t)rnd(0, 255) - 128, &y);
		l->i[RFX_GPOOL_KIND] = i % 2;
		run_single(&b, l, y, i % 2 ? "global avg i8" : "global max i8");
	}
}
END_TEST

START_TEST(test_elementwise)
{
	use_dot = 0;
	for (int i = 0; i < 12; i++) {
		rfx_builder b;
		rfx_graph g;
		char what[96];
		int ties = i % 3 == 0;
		uint32_t rank = rnd(1, 4), ad[4], bd[4], brank = rnd(1, rank);
		for (uint32_t k = 0; k < rank; k++)
			ad[k] = rnd(1, 6);
		for (uint32_t k = 0; k < brank; k++)
			bd[k] = rnd(0, 2) ? ad[rank - brank + k] : 1;
		rfx_builder_init(&b);
		uint32_t a = i8_input(&b, "a", rank, ad, ties);
		uint32_t c = i8_input(&b, "b", brank, bd, ties);
		int kind = i % 3 == 2 ? RFX_BINARY_MUL : i % 3 == 1 ? RFX_BINARY_SUB
								   : RFX_BINARY_ADD;
		float ys = kind == RFX_BINARY_MUL ?
			rfx_builder_tensor_at(&b, a)->scale *
			rfx_builder_tensor_at(&b, c)->scale * 100.0f : rscale(ties);
		int32_t yz = (int32_t)rnd(0, 255) - 128;
		uint32_t y = i8_tensor(&b, "y", ys, yz);
		uint32_t ins[2] = {i % 2 ? c : a, i % 2 ? a : c}; /* either side broadcasts */
		rfx_layer *l = rfx_builder_layer(&b, RFX_OP_BINARY, "bin", ins, 2, y);
		l->precision = RFX_DTYPE_I8;
		l->i[RFX_BINARY_KIND] = kind;
		random_act(l, RFX_BINARY_ACT, ys, yz);
		snprintf(what, sizeof(what), "binary i8 kind %d act %d rank %u/%u", kind,
			 l->i[RFX_BINARY_ACT], rank, brank);
		test_finish_layer(&b, l, y, &g, what);
		check_graph(&g, what);
	}
	for (int i = 0; i < 4; i++) {
		rfx_builder b;
		uint32_t y, xd[3] = {rnd(1, 5), rnd(1, 9), rnd(1, 9)};
		int32_t yz = (int32_t)rnd(0, 255) - 128;
		float ys = rscale(i % 2);
		rfx_layer *l = single(&b, RFX_OP_UNARY, 3, xd, i % 2, ys, yz, &y);
		random_act(l, RFX_UNARY_ACT, ys, yz);
		run_single(&b, l, y, "unary i8");
	}
}
END_TEST

START_TEST(test_data_movement)
{
	use_dot = 0;
	for (int i = 0; i < 4; i++) { /* concat: inputs of different scales */
		rfx_builder b;
		rfx_graph g;
		uint32_t rank = rnd(1, 4), axis = rnd(0, rank - 1), d[4], ins[3];
		uint32_t n = rnd(2, 3);
		rfx_builder_init(&b);
		for (uint32_t k = 0; k < rank; k++)
			d[k] = rnd(1, 5);
		for (uint32_t k = 0; k < n; k++) {
			char nm[16];
			snprintf(nm, sizeof(nm), "x%u", k);
			d[axis] = rnd(1, 5);
			ins[k] = i8_input(&b, nm, rank, d, i % 2);
		}
		uint32_t y = i8_tensor(&b, "y", rscale(i % 2), (int32_t)rnd(0, 255) - 128);
		if (i == 0) /* one input already at the output's quantization */
			set_q(&b, y, rfx_builder_tensor_at(&b, ins[0])->scale,
			      rfx_builder_tensor_at(&b, ins[0])->zero_point);
		rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONCAT, "cat", ins, n, y);
		l->precision = RFX_DTYPE_I8;
		l->i[RFX_CONCAT_AXIS] = (int32_t)axis;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
		rfx_builder_output(&b, y);
		test_finish(&b, &g, "concat i8");
		check_graph(&g, "concat i8");
	}
	for (int i = 0; i < 3; i++) {
		rfx_builder b;
		rfx_graph g;
		uint32_t xd[3] = {rnd(1, 4), rnd(1, 5), rnd(1, 6)};
		uint32_t yd[2] = {xd[0] * xd[1], xd[2]};
		rfx_builder_init(&b);
		uint32_t x = i8_input(&b, "x", 3, xd, 0);
		const rfx_tensor *xt = rfx_builder_tensor_at(&b, x);
		float xs = xt->scale;
		int32_t xz = xt->zero_point;
		/* reshape -> transpose -> pad, each keeping x's quantization */
		uint32_t r = rfx_builder_tensor(&b, "r", RFX_DTYPE_I8, 2, yd);
		set_q(&b, r, xs, xz);
		rfx_layer *l = rfx_builder_layer(&b, RFX_OP_RESHAPE, "reshape", &x, 1, r);
		l->precision = RFX_DTYPE_I8;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
		uint32_t t = i8_tensor(&b, "t", xs, xz);
		l = rfx_builder_layer(&b, RFX_OP_TRANSPOSE, "transpose", &r, 1, t);
		l->precision = RFX_DTYPE_I8;
		l->i[0] = 1;
		l->i[1] = 0;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
		uint32_t p = i8_tensor(&b, "p", xs, xz);
		l = rfx_builder_layer(&b, RFX_OP_PAD, "pad", &t, 1, p);
		l->precision = RFX_DTYPE_I8;
		for (int k = 0; k < 4; k++)
			l->i[k] = (int32_t)rnd(0, 2);
		l->f[0] = xs * (float)((int32_t)rnd(0, 255) - 128 - xz) + xs * 0.25f;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
		rfx_builder_output(&b, r); /* an output: copied, not a view */
		rfx_builder_output(&b, p);
		test_finish(&b, &g, "reshape/transpose/pad i8");
		check_graph(&g, "reshape/transpose/pad i8");
	}
}
END_TEST

START_TEST(test_quantize_dequantize)
{
	use_dot = 0;
	for (int i = 0; i < 8; i++) {
		rfx_builder b;
		rfx_graph g;
		rfx_dtype fdt = i % 2 ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
		rfx_dtype odt = i % 4 < 2 ? RFX_DTYPE_F32 : RFX_DTYPE_F16;
		uint32_t rank = rnd(1, 4), d[4];
		for (uint32_t k = 0; k < rank; k++)
			d[k] = rnd(1, 9);
		rfx_builder_init(&b);
		uint32_t x = rfx_builder_input(&b, "x", fdt, rank, d);
		/* 2^-7 scales make the test's .5 inputs exact ties */
		float s = i < 4 ? ldexpf(1.0f, -7) : rscale(0);
		uint32_t q = i8_tensor(&b, "q", s, (int32_t)rnd(0, 255) - 128);
		rfx_layer *l = rfx_builder_layer(&b, RFX_OP_QUANTIZE, "quant", &x, 1, q);
		l->precision = RFX_DTYPE_I8;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
		uint32_t y = rfx_builder_tensor(&b, "y", odt, 0, NULL);
		l = rfx_builder_layer(&b, RFX_OP_DEQUANTIZE, "dequant", &q, 1, y);
		l->precision = odt;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
		/* a second dequantize straight from an int8 input, with a scale
		 * that makes fp16 overflow and subnormals */
		uint32_t x8 = i8_input(&b, "x8", rank, d, 0);
		set_q(&b, x8, i == 7 ? 600.0f : i == 6 ? 1e-7f : rscale(0),
		      (int32_t)rnd(0, 255) - 128);
		uint32_t y8 = rfx_builder_tensor(&b, "y8", odt, 0, NULL);
		l = rfx_builder_layer(&b, RFX_OP_DEQUANTIZE, "dequant8", &x8, 1, y8);
		l->precision = odt;
		ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
		rfx_builder_output(&b, q);
		rfx_builder_output(&b, y);
		rfx_builder_output(&b, y8);
		test_finish(&b, &g, "quantize/dequantize");
		check_graph(&g, "quantize/dequantize");
	}
}
END_TEST

/* The CPU reference against the real-valued definition: y - z_y must be
 * within half a step of sum(s_x (x - z_x) s_w[m] w) / s_y + bias/s_y for
 * every output the clamp did not touch (plus the multiplier's relative
 * error 2^-31, and half a step of s_x s_w / s_y where an F32 bias was
 * rounded to int32). The loops here are written from graph.h's formula,
 * one output at a time, not from the executor. */
static void conv_real_check(int iter)
{
	rfx_builder b;
	rfx_graph g;
	rfx_cpu_session *cs;
	char err[200];
	uint32_t C = 2 * rnd(1, 4), group = iter % 2 ? 2 : 1, M = 2 * rnd(1, 4);
	uint32_t kh = rnd(1, 3), kw = rnd(1, 3);
	uint32_t xd[4] = {1, C, kh + rnd(0, 6), kw + rnd(0, 6)};
	uint32_t wd[4] = {M, C / group, kh, kw}, w, bias;
	float wmean;

	rfx_builder_init(&b);
	uint32_t x = i8_input(&b, "x", 4, xd, 0);
	weights(&b, "w", 4, wd, 0, &w, &bias, &wmean);
	float ys = out_scale(rfx_builder_tensor_at(&b, x)->scale, wmean,
			     wd[1] * kh * kw, 0);
	uint32_t y = i8_tensor(&b, "y", ys, (int32_t)rnd(0, 100) - 50);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv",
					 (uint32_t[]){x, w, bias}, 3, y);
	l->precision = RFX_DTYPE_I8;
	l->i[RFX_CONV_STRIDE_H] = (int32_t)rnd(1, 2);
	l->i[RFX_CONV_STRIDE_W] = (int32_t)rnd(1, 2);
	l->i[RFX_CONV_PAD_T] = l->i[RFX_CONV_PAD_B] = (int32_t)(kh / 2);
	l->i[RFX_CONV_PAD_L] = l->i[RFX_CONV_PAD_R] = (int32_t)(kw / 2);
	l->i[RFX_CONV_DIL_H] = l->i[RFX_CONV_DIL_W] = 1;
	l->i[RFX_CONV_GROUP] = (int32_t)group;
	test_finish_layer(&b, l, y, &g, "conv real");
	ck_assert_int_eq(rfx_cpu_session_create(&g, &cs, err, sizeof(err)), RFX_OK);
	fill_inputs(&g, cs);
	rfx_cpu_session_run(cs);

	const rfx_tensor *xt = &g.tensors[g.inputs[0]], *yt = &g.tensors[g.outputs[0]];
	const rfx_tensor *wt = &g.tensors[g.layers[0].inputs[1]];
	const rfx_tensor *bt = &g.tensors[g.layers[0].inputs[2]];
	const float *wsc = g.tensors[wt->channel_scales].data;
	const int8_t *xq = rfx_cpu_session_tensor(cs, g.inputs[0]);
	const int8_t *yq = rfx_cpu_session_tensor(cs, g.outputs[0]);
	const int8_t *wq = wt->data;
	const rfx_layer *L = &g.layers[0];
	uint32_t H = xt->dims[2], W = xt->dims[3], OH = yt->dims[2], OW = yt->dims[3];
	uint32_t cpg = C / group, mpg = M / group, checked = 0;
	for (uint32_t m = 0; m < M; m++)
	for (uint32_t oh = 0; oh < OH; oh++)
	for (uint32_t ow = 0; ow < OW; ow++) {
		double sxw = (double)xt->scale * wsc[m], real = 0.0, slack = 0.0;
		if (bt->dtype == RFX_DTYPE_I32) {
			real = ((const int32_t *)bt->data)[m] * sxw;
		} else {
			real = ((const float *)bt->data)[m];
			slack = 0.5 * sxw / yt->scale;
		}
		for (uint32_t c = 0; c < cpg; c++)
		for (uint32_t ky = 0; ky < kh; ky++)
		for (uint32_t kx = 0; kx < kw; kx++) {
			int iy = (int)(oh * L->i[RFX_CONV_STRIDE_H] + ky) - L->i[RFX_CONV_PAD_T];
			int ix = (int)(ow * L->i[RFX_CONV_STRIDE_W] + kx) - L->i[RFX_CONV_PAD_L];
			if (iy < 0 || ix < 0 || iy >= (int)H || ix >= (int)W)
				continue;
			int xv = xq[((m / mpg) * cpg + c) * H * W + (uint32_t)iy * W + (uint32_t)ix];
			int wv = wq[((m * cpg + c) * kh + ky) * kw + kx];
			real += sxw * (xv - xt->zero_point) * wv;
		}
		int got = yq[(m * OH + oh) * OW + ow];
		double want = real / yt->scale;
		if (got == -128 || got == 127)
			continue; /* clamped */
		checked++;
		ck_assert_msg(fabs(got - yt->zero_point - want) <=
			      0.5 + slack + 1e-6 * (1.0 + fabs(want)),
			      "conv real check: channel %u (%u,%u): %d - %d vs %.6f",
			      m, oh, ow, got, yt->zero_point, want);
	}
	ck_assert_uint_gt(checked, 0);
	rfx_cpu_session_destroy(cs);
	rfx_graph_finish(&g);
}

/* Worked by hand: x = {10, -20, 30, 127} (z_x -5, s_x 0.5), w = {1, 2,
 * -3, 4} (s_w 0.25), 2x2 kernel, no padding: sum (x - z_x) w = 15 - 30 -
 * 105 + 528 = 408; s_x s_w / s_y = 0.125 / 2 = 2^-4; z_y = 3. */
static int8_t hand_conv(int32_t bias, int act)
{
	rfx_builder b;
	rfx_graph g;
	rfx_cpu_session *cs;
	char err[200];
	uint32_t d4[4] = {1, 1, 2, 2}, one = 1;
	const int8_t wv[4] = {1, 2, -3, 4};
	const float ws = 0.25f;
	int8_t out;

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_I8, 4, d4);
	set_q(&b, x, 0.5f, -5);
	uint32_t sc = rfx_builder_const(&b, "ws", RFX_DTYPE_F32, 1, &one, &ws);
	uint32_t w = rfx_builder_const(&b, "w", RFX_DTYPE_I8, 4, d4, wv);
	rfx_builder_tensor_at(&b, w)->channel_scales = sc;
	uint32_t bi = rfx_builder_const(&b, "b", RFX_DTYPE_I32, 1, &one, &bias);
	uint32_t y = i8_tensor(&b, "y", 2.0f, 3);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv",
					 (uint32_t[]){x, w, bi}, 3, y);
	l->precision = RFX_DTYPE_I8;
	test_conv_attrs(l, 1, 0, act);
	if (act == RFX_ACT_CLIP) {
		l->f[0] = -1.0f; /* Q: -0.5 -> 0 (even) + 3 = 3 */
		l->f[1] = 13.0f; /* 6.5 -> 6 (even) + 3 = 9 */
	}
	test_finish_layer(&b, l, y, &g, "hand conv");
	ck_assert_int_eq(rfx_cpu_session_create(&g, &cs, err, sizeof(err)), RFX_OK);
	memcpy(rfx_cpu_session_tensor(cs, g.inputs[0]), (int8_t[]){10, -20, 30, 127}, 4);
	rfx_cpu_session_run(cs);
	out = *(int8_t *)rfx_cpu_session_tensor(cs, g.outputs[0]);
	rfx_cpu_session_destroy(cs);
	rfx_graph_finish(&g);
	return out;
}

START_TEST(test_cpu_reference)
{
	/* (100 + 408) / 16 = 31.75 -> 32, + 3 */
	ck_assert_int_eq(hand_conv(100, RFX_ACT_NONE), 35);
	/* 520 / 16 = 32.5 -> 33 (away from zero); -520 / 16 -> -33 */
	ck_assert_int_eq(hand_conv(112, RFX_ACT_NONE), 36);
	ck_assert_int_eq(hand_conv(-928, RFX_ACT_NONE), -30);
	/* -520 / 16 + 3 = -30: relu clamps at z_y = 3; clip(-1, 13) -> [3, 9] */
	ck_assert_int_eq(hand_conv(-928, RFX_ACT_RELU), 3);
	ck_assert_int_eq(hand_conv(-928, RFX_ACT_CLIP), 3);
	ck_assert_int_eq(hand_conv(100, RFX_ACT_CLIP), 9);
	/* saturation: (2000000 + 408) / 16 -> 127; the negative side -> -128 */
	ck_assert_int_eq(hand_conv(2000000, RFX_ACT_NONE), 127);
	ck_assert_int_eq(hand_conv(-2000000, RFX_ACT_NONE), -128);
	for (int i = 0; i < 6; i++)
		conv_real_check(i);
}
END_TEST

START_TEST(test_refusals)
{
	/* int8 forms that do not exist fail at creation, on both backends,
	 * with a message that says why */
	rfx_builder b;
	rfx_graph g;
	rfx_cpu_session *cs = NULL;
	char err[256];
	uint32_t y, d[2] = {2, 3};
	vk_test_run r;

	rfx_layer *l = single(&b, RFX_OP_SOFTMAX, 2, d, 0, 0.1f, 0, &y);
	l->i[RFX_SOFTMAX_AXIS] = 1;
	test_finish_layer(&b, l, y, &g, "softmax i8");
	ck_assert_int_eq(rfx_cpu_session_create(&g, &cs, err, sizeof(err)),
			 RFX_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err, "no int8 form"));
	rfx_graph_finish(&g);

	l = single(&b, RFX_OP_UNARY, 2, d, 0, 0.1f, 0, &y);
	l->i[RFX_UNARY_ACT] = RFX_ACT_SIGMOID;
	test_finish_layer(&b, l, y, &g, "sigmoid i8");
	ck_assert_int_eq(rfx_cpu_session_create(&g, &cs, err, sizeof(err)),
			 RFX_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err, "sigmoid"));
	ck_assert_int_eq(vk_test_open(&r, ctx, &g, "sigmoid i8"), RFX_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(ctx), "sigmoid"));
	rfx_graph_finish(&g);

	/* a scale of 0 on an int8 activation is a format error */
	l = single(&b, RFX_OP_UNARY, 2, d, 0, 0.0f, 0, &y);
	test_finish_layer(&b, l, y, &g, "scale 0");
	ck_assert_int_eq(rfx_cpu_session_create(&g, &cs, err, sizeof(err)), RFX_E_FORMAT);
	rfx_graph_finish(&g);

	/* a reshape may not change the quantization */
	rfx_builder_init(&b);
	uint32_t x = i8_input(&b, "x", 2, d, 0);
	y = rfx_builder_tensor(&b, "y", RFX_DTYPE_I8, 1, (uint32_t[]){6});
	set_q(&b, y, 0.5f, 1);
	l = rfx_builder_layer(&b, RFX_OP_RESHAPE, "r", &x, 1, y);
	l->precision = RFX_DTYPE_I8;
	test_finish_layer(&b, l, y, &g, "reshape rescale");
	ck_assert_int_eq(rfx_cpu_session_create(&g, &cs, err, sizeof(err)),
			 RFX_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err, "keep the input's scale"));
	rfx_graph_finish(&g);
	ck_assert_ptr_null(cs);
}
END_TEST

int main(void)
{
	test_case cases[] = {
		{"cpu_reference", test_cpu_reference},
		{"refusals", test_refusals},
		{"conv2d", test_conv2d},
		{"conv2d_dw", test_conv2d_dw},
		{"conv2d_gemm", test_conv2d_gemm},
		{"conv2d_gemm4", test_conv2d_gemm4},
		{"conv2d_wino", test_conv2d_wino},
		{"conv2d_extremes", test_conv2d_extremes},
		{"fc", test_fc},
		{"pool", test_pool},
		{"elementwise", test_elementwise},
		{"data_movement", test_data_movement},
		{"quantize", test_quantize_dequantize},
	};
	Suite *s = suite_create("vk_int8");

	add_test_cases(s, cases, sizeof(cases) / sizeof(cases[0]), setup, teardown,
		       600);
	return run_suite(s);
}
