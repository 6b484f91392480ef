/*
 * Per-op shape rules (rfx_layer_infer): output shapes worked out by hand
 * from the formulas in graph.h, and bad attributes refused with a message
 * that names the rule.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "test_graph.h"

static tg *b;

static void setup(void)
{
	b = malloc(sizeof(*b));
	ck_assert_ptr_nonnull(b);
	tg_init(b);
}

static void teardown(void)
{
	free(b);
}

static uint32_t act(const char *name, uint32_t rank, const uint32_t *dims)
{
	return tg_tensor(b, name, RFX_DTYPE_F32, rank, dims);
}

static uint32_t cst(const char *name, rfx_dtype dt, uint32_t rank,
                    const uint32_t *dims)
{
	return tg_const(b, name, dt, rank, dims, 1);
}

#define DIMS(...) ((const uint32_t[]){__VA_ARGS__})
#define INS(...) ((const uint32_t[]){__VA_ARGS__}), \
	(uint32_t)(sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))

/* Expects the rule to accept l with this dtype and shape. */
static void expect(rfx_layer *l, rfx_dtype dt, uint32_t rank,
                   const uint32_t *dims)
{
	char err[256] = "";
	rfx_tensor out;
	rfx_status st = rfx_layer_infer(&b->g, l, &out, err, sizeof(err));

	ck_assert_msg(st == RFX_OK, "%s: %s", rfx_op_name(l->op), err);
	ck_assert_int_eq(out.dtype, dt);
	ck_assert_uint_eq(out.rank, rank);
	for (uint32_t d = 0; d < RFX_MAX_RANK; d++)
		ck_assert_msg(out.dims[d] == (d < rank ? dims[d] : 1),
			      "%s: dim %u is %u, expected %u", rfx_op_name(l->op),
			      d, out.dims[d], d < rank ? dims[d] : 1);
}

/* Expects the rule to refuse l with `needle` in the message. */
static void refuse(rfx_layer *l, const char *needle)
{
	char err[256] = "";
	rfx_tensor out;
	rfx_status st = rfx_layer_infer(&b->g, l, &out, err, sizeof(err));

	ck_assert_msg(st == RFX_E_FORMAT, "%s accepted, expected '%s'",
		      rfx_op_name(l->op), needle);
	ck_assert_msg(strstr(err, needle), "message '%s' lacks '%s'", err, needle);
}

static void conv_attrs(rfx_layer *l, int sh, int sw, int pt, int pl, int pb,
                       int pr, int dh, int dw, int group)
{
	l->i[RFX_CONV_STRIDE_H] = sh;
	l->i[RFX_CONV_STRIDE_W] = sw;
	l->i[RFX_CONV_PAD_T] = pt;
	l->i[RFX_CONV_PAD_L] = pl;
	l->i[RFX_CONV_PAD_B] = pb;
	l->i[RFX_CONV_PAD_R] = pr;
	l->i[RFX_CONV_DIL_H] = dh;
	l->i[RFX_CONV_DIL_W] = dw;
	l->i[RFX_CONV_GROUP] = group;
}

/* ------------------------------------------------------------------ */

START_TEST(conv2d_stride_pad_dilation_groups)
{
	uint32_t x = act("x", 4, DIMS(1, 8, 10, 12));
	uint32_t w = cst("w", RFX_DTYPE_F32, 4, DIMS(16, 4, 3, 5));
	uint32_t bias = cst("b", RFX_DTYPE_F32, 1, DIMS(16));
	rfx_layer *l = tg_layer(b, RFX_OP_CONV2D, "y", INS(x, w, bias));

	/* H: (10+1+1 - (2*2+1)) / 2 + 1 = 4;  W: (12+2+2 - 5) / 3 + 1 = 4 */
	conv_attrs(l, 2, 3, 1, 2, 1, 2, 2, 1, 2);
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 16, 4, 4));
	/* Asymmetric padding: H (10+0+3-5)/2+1 = 5, W (12+0+0-5)/3+1 = 3 */
	conv_attrs(l, 2, 3, 0, 0, 3, 0, 2, 1, 2);
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 16, 5, 3));
	l->i[RFX_CONV_ACT] = RFX_ACT_CLIP;
	l->f[0] = 0.0f;
	l->f[1] = 6.0f;
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 16, 5, 3));
}
END_TEST

START_TEST(conv2d_depthwise_residual_f16)
{
	uint32_t x = act("x", 4, DIMS(2, 6, 7, 7));
	uint32_t w = cst("w", RFX_DTYPE_F16, 4, DIMS(6, 1, 3, 3));
	uint32_t bias = cst("b", RFX_DTYPE_F32, 1, DIMS(6));
	uint32_t r = act("r", 4, DIMS(2, 6, 7, 7));
	uint32_t r_bad = act("r_bad", 4, DIMS(2, 6, 7, 6));
	rfx_layer *l = tg_layer(b, RFX_OP_CONV2D, "y", INS(x, w, bias, r));

	conv_attrs(l, 1, 1, 1, 1, 1, 1, 1, 1, 6);
	l->precision = RFX_DTYPE_F16;
	expect(l, RFX_DTYPE_F16, 4, DIMS(2, 6, 7, 7));
	/* F32 precision does not take F16 weights. */
	l->precision = RFX_DTYPE_F32;
	refuse(l, "weight dtype f16 does not fit precision f32");
	l->precision = RFX_DTYPE_F16;
	l->inputs[3] = r_bad;
	refuse(l, "residual is [2,6,7,6]");
}
END_TEST

START_TEST(conv2d_refusals)
{
	uint32_t x = act("x", 4, DIMS(1, 8, 5, 5));
	uint32_t x3 = act("x3", 3, DIMS(8, 5, 5));
	uint32_t w = cst("w", RFX_DTYPE_F32, 4, DIMS(6, 8, 3, 3));
	uint32_t wg = cst("wg", RFX_DTYPE_F32, 4, DIMS(6, 2, 3, 3));
	uint32_t bias = cst("b", RFX_DTYPE_F32, 1, DIMS(6));
	uint32_t bias5 = cst("b5", RFX_DTYPE_F32, 1, DIMS(5));
	uint32_t wa = act("wa", 4, DIMS(6, 8, 3, 3));
	uint32_t wi8 = cst("wi8", RFX_DTYPE_I8, 4, DIMS(6, 8, 3, 3));
	rfx_layer *l = tg_layer(b, RFX_OP_CONV2D, "y", INS(x, w, bias));

	conv_attrs(l, 1, 1, 0, 0, 0, 0, 1, 1, 1);
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 6, 3, 3));
	l->i[RFX_CONV_GROUP] = 3;
	refuse(l, "conv2d: group 3 does not divide input channels 8");
	l->i[RFX_CONV_GROUP] = 2; /* 8 % 2 == 0, 6 % 2 == 0, but w has 8 per group */
	refuse(l, "weight has 8 input channels per group");
	l->inputs[1] = wg;
	l->i[RFX_CONV_GROUP] = 4; /* 6 % 4 != 0 */
	refuse(l, "group 4 does not divide output channels 6");
	l->inputs[1] = w;
	l->i[RFX_CONV_GROUP] = 0;
	refuse(l, "group 0 out of range");
	l->i[RFX_CONV_GROUP] = 1;
	l->i[RFX_CONV_STRIDE_W] = 0;
	refuse(l, "stride_w 0 out of range");
	l->i[RFX_CONV_STRIDE_W] = 1;
	l->i[RFX_CONV_DIL_H] = 0;
	refuse(l, "dilation_h 0 out of range");
	l->i[RFX_CONV_DIL_H] = 3; /* extent 7 > 5 */
	refuse(l, "kernel extent 7x3 exceeds padded input 5x5");
	l->i[RFX_CONV_DIL_H] = 1;
	l->i[RFX_CONV_PAD_L] = -1;
	refuse(l, "pad_l -1 out of range");
	l->i[RFX_CONV_PAD_L] = 0;
	l->i[RFX_CONV_ACT] = RFX_ACT_COUNT_;
	refuse(l, "activation 9 out of range");
	l->i[RFX_CONV_ACT] = RFX_ACT_CLIP;
	l->f[0] = 6;
	l->f[1] = 0;
	refuse(l, "clip min 6 greater than max 0");
	l->i[RFX_CONV_ACT] = RFX_ACT_RELU;
	refuse(l, "unused attribute f[0] is 6");
	l->f[0] = l->f[1] = 0;
	l->f[2] = NAN;
	refuse(l, "f[2] is NaN");
	l->f[2] = 0;
	l->i[RFX_CONV_ACT + 1] = 1;
	refuse(l, "unused attribute i[10] is 1");
	l->i[RFX_CONV_ACT + 1] = 0;
	l->inputs[2] = bias5;
	refuse(l, "bias shape is not [6]");
	l->inputs[2] = bias;
	l->inputs[1] = wa;
	refuse(l, "weight 'wa' is not a constant");
	l->inputs[1] = wi8;
	refuse(l, "weight dtype i8 does not fit precision f32");
	l->precision = RFX_DTYPE_I32;
	refuse(l, "precision 4 is not f32, f16 or i8");
	l->precision = RFX_DTYPE_F32;
	l->inputs[1] = w;
	l->inputs[0] = x3;
	refuse(l, "input has rank 3, expected 4");
	l->inputs[0] = x;
	l->n_inputs = 2;
	refuse(l, "2 inputs, expected 3 to 4");
	l->n_inputs = 3;
	l->inputs[0] = 4000;
	refuse(l, "names tensor 4000");
	l->inputs[0] = x;
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 6, 3, 3));
}
END_TEST

START_TEST(fc_shapes)
{
	uint32_t x = act("x", 3, DIMS(2, 3, 64));
	uint32_t v = act("v", 1, DIMS(64));
	uint32_t s = act("s", 0, NULL);
	uint32_t w = cst("w", RFX_DTYPE_F32, 2, DIMS(10, 64));
	uint32_t w63 = cst("w63", RFX_DTYPE_F32, 2, DIMS(10, 63));
	uint32_t bias = cst("b", RFX_DTYPE_F32, 1, DIMS(10));
	rfx_layer *l = tg_layer(b, RFX_OP_FC, "y", INS(x, w, bias));

	expect(l, RFX_DTYPE_F32, 3, DIMS(2, 3, 10));
	l->inputs[0] = v;
	expect(l, RFX_DTYPE_F32, 1, DIMS(10));
	l->inputs[0] = s;
	refuse(l, "fc: input is a scalar");
	l->inputs[0] = x;
	l->inputs[1] = w63;
	refuse(l, "fc: weight K 63 differs from input's last dim 64");
	l->inputs[1] = w;
	l->i[RFX_FC_ACT] = RFX_ACT_LEAKY_RELU;
	l->f[0] = 0.1f;
	expect(l, RFX_DTYPE_F32, 3, DIMS(2, 3, 10));
	l->f[0] = INFINITY;
	refuse(l, "leaky_relu slope inf not finite");
}
END_TEST

static void pool_attrs(rfx_layer *l, int kind, int k, int s, int pad,
                       int ceil_mode, int dil)
{
	memset(l->i, 0, sizeof(l->i));
	l->i[RFX_POOL_KIND] = kind;
	l->i[RFX_POOL_KERNEL_H] = l->i[RFX_POOL_KERNEL_W] = k;
	l->i[RFX_POOL_STRIDE_H] = l->i[RFX_POOL_STRIDE_W] = s;
	l->i[RFX_POOL_PAD_T] = l->i[RFX_POOL_PAD_L] = pad;
	l->i[RFX_POOL_PAD_B] = l->i[RFX_POOL_PAD_R] = pad;
	l->i[RFX_POOL_CEIL_MODE] = ceil_mode;
	l->i[RFX_POOL_DIL_H] = l->i[RFX_POOL_DIL_W] = dil;
}

START_TEST(pool2d_floor_ceil_dilation)
{
	uint32_t x8 = act("x8", 4, DIMS(1, 3, 8, 8));
	uint32_t x5 = act("x5", 4, DIMS(1, 3, 5, 5));
	uint32_t x10 = act("x10", 4, DIMS(2, 1, 10, 10));
	rfx_layer *l = tg_layer(b, RFX_OP_POOL2D, "y", INS(x8));

	/* 8, k3 s2: floor (8-3)/2+1 = 3; ceil ceil(5/2)+1 = 4 */
	pool_attrs(l, RFX_POOL_MAX, 3, 2, 0, 0, 1);
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 3, 3, 3));
	pool_attrs(l, RFX_POOL_MAX, 3, 2, 0, 1, 1);
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 3, 4, 4));
	/* 5, k2 s2 pad 1 ceil: ceil((7-2)/2)+1 = 4, but the 4th window would
	 * start at 6 >= 5+1 (in the end padding): PyTorch gives 3. */
	l->inputs[0] = x5;
	pool_attrs(l, RFX_POOL_AVG, 2, 2, 1, 1, 1);
	l->i[RFX_POOL_COUNT_INCLUDE_PAD] = 1;
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 3, 3, 3));
	pool_attrs(l, RFX_POOL_AVG, 2, 2, 1, 0, 1);
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 3, 3, 3));
	/* 10, k3 dilation 2 (extent 5), s1: 6 */
	l->inputs[0] = x10;
	pool_attrs(l, RFX_POOL_MAX, 3, 1, 0, 0, 2);
	expect(l, RFX_DTYPE_F32, 4, DIMS(2, 1, 6, 6));
	/* Different H and W windows: k 1x10 s 1x3 -> [10, 1] */
	pool_attrs(l, RFX_POOL_AVG, 1, 1, 0, 0, 1);
	l->i[RFX_POOL_KERNEL_W] = 10;
	l->i[RFX_POOL_STRIDE_W] = 3;
	expect(l, RFX_DTYPE_F32, 4, DIMS(2, 1, 10, 1));
}
END_TEST

START_TEST(pool2d_refusals)
{
	uint32_t x = act("x", 4, DIMS(1, 3, 8, 8));
	rfx_layer *l = tg_layer(b, RFX_OP_POOL2D, "y", INS(x));

	pool_attrs(l, RFX_POOL_MAX, 2, 2, 2, 0, 1);
	refuse(l, "pads 2,2 must be less than the kernel extent 2");
	pool_attrs(l, RFX_POOL_MAX, 0, 2, 0, 0, 1);
	refuse(l, "kernel_h 0 out of range");
	pool_attrs(l, RFX_POOL_MAX, 2, 2, 0, 2, 1);
	refuse(l, "ceil_mode 2 out of range 0..1");
	pool_attrs(l, 2, 2, 2, 0, 0, 1);
	refuse(l, "kind 2 out of range");
	pool_attrs(l, RFX_POOL_MAX, 2, 0, 0, 0, 1);
	refuse(l, "stride_h 0 out of range");
	pool_attrs(l, RFX_POOL_MAX, 2, 1, 0, 0, 0);
	refuse(l, "dilation_h 0 out of range");
	pool_attrs(l, RFX_POOL_MAX, 9, 1, 0, 0, 1);
	refuse(l, "kernel extent 9 exceeds padded input height 8");
	pool_attrs(l, RFX_POOL_MAX, 2, 1, 0, 0, 1);
	l->i[13] = 7;
	refuse(l, "unused attribute i[13] is 7");
}
END_TEST

START_TEST(global_pool_shapes)
{
	uint32_t x = act("x", 4, DIMS(2, 5, 7, 9));
	rfx_layer *l = tg_layer(b, RFX_OP_GLOBAL_POOL, "y", INS(x));

	expect(l, RFX_DTYPE_F32, 4, DIMS(2, 5, 1, 1));
	l->i[RFX_GPOOL_KIND] = RFX_POOL_AVG;
	l->precision = RFX_DTYPE_F16;
	expect(l, RFX_DTYPE_F16, 4, DIMS(2, 5, 1, 1));
	l->i[RFX_GPOOL_KIND] = 3;
	refuse(l, "kind 3 out of range");
}
END_TEST

START_TEST(binary_broadcasting)
{
	uint32_t a = act("a", 4, DIMS(2, 3, 4, 5));
	uint32_t c41 = cst("c41", RFX_DTYPE_F32, 2, DIMS(4, 1));
	uint32_t p = act("p", 4, DIMS(1, 3, 1, 1));
	uint32_t q = act("q", 4, DIMS(5, 1, 4, 1));
	uint32_t s = cst("s", RFX_DTYPE_F32, 0, NULL);
	uint32_t v3 = act("v3", 1, DIMS(3));
	uint32_t v4 = act("v4", 1, DIMS(4));
	uint32_t u8 = act("u8", 1, DIMS(3));
	rfx_layer *l = tg_layer(b, RFX_OP_BINARY, "y", INS(a, c41));

	expect(l, RFX_DTYPE_F32, 4, DIMS(2, 3, 4, 5));
	l->inputs[0] = p;
	l->inputs[1] = q;
	l->i[RFX_BINARY_KIND] = RFX_BINARY_MUL;
	expect(l, RFX_DTYPE_F32, 4, DIMS(5, 3, 4, 1));
	l->inputs[0] = s;
	l->inputs[1] = v3;
	expect(l, RFX_DTYPE_F32, 1, DIMS(3));
	l->inputs[0] = v3;
	l->inputs[1] = v4;
	refuse(l, "dims 3 and 4 do not broadcast");
	l->inputs[1] = v3;
	l->i[RFX_BINARY_KIND] = RFX_BINARY_COUNT_;
	refuse(l, "kind 4 out of range");
	l->i[RFX_BINARY_KIND] = RFX_BINARY_ADD;
	l->i[RFX_BINARY_ACT] = RFX_ACT_RELU;
	expect(l, RFX_DTYPE_F32, 1, DIMS(3));
	b->t[u8].dtype = RFX_DTYPE_U8;
	l->inputs[1] = u8;
	refuse(l, "has dtype u8, expected f32, f16 or i8");
}
END_TEST

START_TEST(unary_shapes)
{
	uint32_t x = act("x", 3, DIMS(2, 3, 4));
	rfx_layer *l = tg_layer(b, RFX_OP_UNARY, "y", INS(x));

	for (int a = 0; a < RFX_ACT_COUNT_; a++) {
		memset(l->f, 0, sizeof(l->f));
		l->i[RFX_UNARY_ACT] = a;
		if (a == RFX_ACT_CLIP)
			l->f[1] = 6;
		if (a == RFX_ACT_HARD_SIGMOID)
			l->f[0] = 0.2f, l->f[1] = 0.5f;
		expect(l, RFX_DTYPE_F32, 3, DIMS(2, 3, 4));
	}
	l->i[RFX_UNARY_ACT] = -1;
	refuse(l, "activation -1 out of range");
	l->i[RFX_UNARY_ACT] = RFX_ACT_HARD_SIGMOID;
	l->f[1] = -INFINITY;
	refuse(l, "hard_sigmoid alpha/beta not finite");
}
END_TEST

START_TEST(concat_shapes)
{
	uint32_t a = act("a", 4, DIMS(1, 2, 4, 4));
	uint32_t c = act("c", 4, DIMS(1, 3, 4, 4));
	uint32_t d = cst("d", RFX_DTYPE_F32, 4, DIMS(1, 5, 4, 4));
	uint32_t e = act("e", 4, DIMS(1, 5, 4, 3));
	uint32_t r3 = act("r3", 3, DIMS(1, 5, 4));
	uint32_t big = act("big", 2, DIMS(1, 1u << 24));
	rfx_layer *l = tg_layer(b, RFX_OP_CONCAT, "y", INS(a, c, d));

	l->i[RFX_CONCAT_AXIS] = 1;
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 10, 4, 4));
	l->inputs[2] = e;
	refuse(l, "concat: input 2 dim 3 is 3, input 0 has 4");
	l->inputs[2] = r3;
	refuse(l, "has rank 3, expected 4");
	l->inputs[2] = d;
	l->i[RFX_CONCAT_AXIS] = 4;
	refuse(l, "axis 4 out of range 0..3");
	l->i[RFX_CONCAT_AXIS] = -1;
	refuse(l, "axis -1 out of range");
	/* 2^24 + 2^24 along axis 1: beyond RFX_MAX_DIM. */
	l = tg_layer(b, RFX_OP_CONCAT, "z", INS(big, big));
	l->i[RFX_CONCAT_AXIS] = 1;
	refuse(l, "output dim 1 is 33554432, outside 1..16777216");
	l->n_inputs = 1;
	expect(l, RFX_DTYPE_F32, 2, DIMS(1, 1u << 24));
}
END_TEST

START_TEST(reshape_shapes)
{
	uint32_t x = act("x", 4, DIMS(1, 4, 4, 4));
	rfx_layer *l = tg_layer(b, RFX_OP_RESHAPE, "y", INS(x));
	rfx_tensor *y = &b->t[tg_out(l)];

	y->rank = 2;
	y->dims[0] = 1;
	y->dims[1] = 64;
	expect(l, RFX_DTYPE_F32, 2, DIMS(1, 64));
	y->dims[1] = 63;
	refuse(l, "reshape: target holds 63 elements, input 64");
	y->dims[1] = 0;
	refuse(l, "output dim 1 is 0");
	y->dims[1] = 64;
	l->i[0] = 1;
	refuse(l, "unused attribute i[0]");
}
END_TEST

START_TEST(transpose_shapes)
{
	uint32_t x = act("x", 4, DIMS(2, 3, 4, 5));
	rfx_layer *l = tg_layer(b, RFX_OP_TRANSPOSE, "y", INS(x));

	l->i[0] = 0, l->i[1] = 2, l->i[2] = 3, l->i[3] = 1;
	expect(l, RFX_DTYPE_F32, 4, DIMS(2, 4, 5, 3));
	l->i[0] = 3, l->i[1] = 2, l->i[2] = 1, l->i[3] = 0;
	expect(l, RFX_DTYPE_F32, 4, DIMS(5, 4, 3, 2));
	l->i[3] = 1;
	refuse(l, "perm[3] = 1: not a permutation of 0..3");
	l->i[3] = 4;
	refuse(l, "perm[3] = 4");
	l->i[3] = 0;
	l->i[4] = 4;
	refuse(l, "unused attribute i[4] is 4");
}
END_TEST

START_TEST(pad_shapes)
{
	uint32_t x = act("x", 4, DIMS(1, 3, 4, 4));
	uint32_t wide = act("wide", 4, DIMS(1, 1, 1u << 16, 1u << 15));
	rfx_layer *l = tg_layer(b, RFX_OP_PAD, "y", INS(x));

	l->i[2] = 1, l->i[3] = 2;  /* begins */
	l->i[6] = 3, l->i[7] = 4;  /* ends */
	l->f[0] = -INFINITY;       /* a legal pad value (max pooling) */
	expect(l, RFX_DTYPE_F32, 4, DIMS(1, 3, 8, 10));
	l->i[5] = -1;
	refuse(l, "end pad -1 out of range");
	l->i[5] = 0;
	l->f[1] = 1;
	refuse(l, "unused attribute f[1] is 1");
	l->f[1] = 0;
	l->i[8] = 1;
	refuse(l, "unused attribute i[8] is 1");
	l->i[8] = 0;
	/* 2^16 * (2^15 + 2^15) = 2^32 elements: beyond RFX_MAX_ELEMENTS. */
	l->inputs[0] = wide;
	memset(l->i, 0, sizeof(l->i));
	l->i[7] = 1 << 15;
	refuse(l, "more than 2147483648 elements");
}
END_TEST

START_TEST(softmax_shapes)
{
	uint32_t x = act("x", 2, DIMS(2, 10));
	uint32_t s = act("s", 0, NULL);
	rfx_layer *l = tg_layer(b, RFX_OP_SOFTMAX, "y", INS(x));

	l->i[RFX_SOFTMAX_AXIS] = 1;
	expect(l, RFX_DTYPE_F32, 2, DIMS(2, 10));
	l->i[RFX_SOFTMAX_LEGACY] = 1;
	l->i[RFX_SOFTMAX_AXIS] = 0;
	expect(l, RFX_DTYPE_F32, 2, DIMS(2, 10));
	l->i[RFX_SOFTMAX_LEGACY] = 2;
	refuse(l, "legacy 2 out of range 0..1");
	l->i[RFX_SOFTMAX_LEGACY] = 0;
	l->i[RFX_SOFTMAX_AXIS] = 2;
	refuse(l, "axis 2 out of range 0..1");
	l->i[RFX_SOFTMAX_AXIS] = 0;
	l->inputs[0] = s;
	refuse(l, "softmax: input is a scalar");
}
END_TEST

START_TEST(reduce_mean_shapes)
{
	uint32_t x = act("x", 4, DIMS(2, 3, 4, 5));
	rfx_layer *l = tg_layer(b, RFX_OP_REDUCE_MEAN, "y", INS(x));

	l->i[RFX_REDUCE_AXES] = 0xC; /* dims 2 and 3 */
	l->i[RFX_REDUCE_KEEPDIMS] = 1;
	expect(l, RFX_DTYPE_F32, 4, DIMS(2, 3, 1, 1));
	l->i[RFX_REDUCE_KEEPDIMS] = 0;
	expect(l, RFX_DTYPE_F32, 2, DIMS(2, 3));
	l->i[RFX_REDUCE_AXES] = 0x5; /* dims 0 and 2 */
	expect(l, RFX_DTYPE_F32, 2, DIMS(3, 5));
	l->i[RFX_REDUCE_AXES] = 0xF;
	expect(l, RFX_DTYPE_F32, 0, NULL);
	l->i[RFX_REDUCE_AXES] = 0;
	refuse(l, "axes mask 0x0 names no dim");
	l->i[RFX_REDUCE_AXES] = 0x10;
	refuse(l, "beyond rank 4");
	l->i[RFX_REDUCE_AXES] = -1;
	refuse(l, "axes mask 0xffffffff");
	l->i[RFX_REDUCE_AXES] = 1;
	l->i[RFX_REDUCE_KEEPDIMS] = 5;
	refuse(l, "keepdims 5 out of range");
}
END_TEST

START_TEST(common_rules)
{
	uint32_t x = act("x", 2, DIMS(2, 3));
	rfx_layer *l = tg_layer(b, RFX_OP_UNARY, "y", INS(x));

	l->op = RFX_OP_COUNT_;
	refuse(l, "unknown op");
	l->op = RFX_OP_UNARY;
	l->n_outputs = 2;
	refuse(l, "2 outputs, expected 1");
	l->n_outputs = 1;
	l->outputs[0] = 999;
	refuse(l, "output names tensor 999");
	l->outputs[0] = x + 1;
	l->precision = RFX_DTYPE_I8;
	expect(l, RFX_DTYPE_I8, 2, DIMS(2, 3));
	/* The names the tools print. */
	ck_assert_str_eq(rfx_op_name(RFX_OP_REDUCE_MEAN), "reduce_mean");
	ck_assert_str_eq(rfx_op_name((rfx_op)0), "unknown");
	ck_assert_str_eq(rfx_act_name(RFX_ACT_HARD_SWISH), "hard_swish");
	ck_assert_str_eq(rfx_dtype_name(RFX_DTYPE_F16), "f16");
	ck_assert_uint_eq(rfx_dtype_size(RFX_DTYPE_I32), 4);
	ck_assert_uint_eq(rfx_dtype_size((rfx_dtype)0), 0);
	/* Element counts saturate instead of wrapping. */
	{
		rfx_tensor t = {.dtype = RFX_DTYPE_F32, .rank = 6,
				.dims = {UINT32_MAX, UINT32_MAX, UINT32_MAX,
					 UINT32_MAX, 1, 1}};

		ck_assert_uint_eq(rfx_tensor_elements(&t), UINT64_MAX);
		ck_assert_uint_eq(rfx_tensor_bytes(&t), UINT64_MAX);
		t.rank = 0;
		ck_assert_uint_eq(rfx_tensor_elements(&t), 1);
		ck_assert_uint_eq(rfx_tensor_bytes(&t), 4);
	}
}
END_TEST

static Suite *shapes_suite(void)
{
	Suite *s = suite_create("shapes");
	struct {
		const char *name;
		const TTest *tests[4];
	} groups[] = {
		{"conv2d", {conv2d_stride_pad_dilation_groups, conv2d_depthwise_residual_f16, conv2d_refusals}},
		{"fc", {fc_shapes}},
		{"pool", {pool2d_floor_ceil_dilation, pool2d_refusals, global_pool_shapes}},
		{"elementwise", {binary_broadcasting, unary_shapes}},
		{"layout", {concat_shapes, reshape_shapes, transpose_shapes, pad_shapes}},
		{"reductions", {softmax_shapes, reduce_mean_shapes}},
		{"common", {common_rules}},
	};

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		TCase *tc = tcase_create(groups[g].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		for (int k = 0; k < 4 && groups[g].tests[k]; k++)
			tcase_add_test(tc, groups[g].tests[k]);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return run_suite(shapes_suite());
}
