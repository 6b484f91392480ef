/*
 * The CPU reference executor: layout ops (concat, transpose, pad, reshape),
 * softmax, reduce_mean, fp16 layers and a small multi-layer net, through
 * rfx_session_* on a CPU context. Expected values come from coordinate
 * arithmetic (layout ops: must match bit for bit, ==), double-precision
 * formulas (softmax, means, with the f32 bounds stated at each check), and
 * an fp16 rounding written here from frexp/nearbyint, independent of
 * engine/graph/half.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/half.h"
#include "test_cpu_ops.h"

#define U 0x1p-24 /* f32 unit roundoff */

static void unravel(uint64_t k, uint32_t r, const uint32_t *dims, uint32_t *c)
{
	for (int d = (int)r - 1; d >= 0; d--) {
		c[d] = (uint32_t)(k % dims[d]);
		k /= dims[d];
	}
}

static uint64_t ravel(uint32_t r, const uint32_t *dims, const uint32_t *c)
{
	uint64_t k = 0;

	for (uint32_t d = 0; d < r; d++)
		k = k * dims[d] + c[d];
	return k;
}

static uint64_t count_of(uint32_t r, const uint32_t *dims)
{
	uint64_t n = 1;

	for (uint32_t d = 0; d < r; d++)
		n *= dims[d];
	return n;
}

/* Fills input 0 with count random values and keeps a copy in *keep. */
static float *fill_input(net *n, uint32_t i, uint64_t count, uint32_t *seed,
                         float **keep)
{
	float *x = net_input(n, i, count);

	*keep = rand_array(seed, count, -4, 4);
	memcpy(x, *keep, count * sizeof(float));
	return x;
}

static void check_info_dims(net *n, uint32_t rank, const uint32_t *dims)
{
	rfx_tensor_info info;

	ck_assert_ptr_nonnull(rfx_session_output(n->s, 0, &info));
	ck_assert_uint_eq(info.rank, rank);
	for (uint32_t d = 0; d < rank; d++)
		ck_assert_uint_eq(info.dims[d], dims[d]);
}

/* ------------------------------------------------------------------ */

START_TEST(test_concat_each_axis)
{
	const uint32_t base[4] = {2, 3, 4, 5}, extra[3] = {1, 2, 3};
	uint32_t seed = 100;

	for (uint32_t axis = 0; axis < 4; axis++) {
		uint32_t dims[3][4], ins[3], yd[4];
		float *keep[3];
		rfx_builder b;
		net n;

		rfx_builder_init(&b);
		for (int k = 0; k < 3; k++) {
			char name[8] = {'x', (char)('0' + k), 0};
			memcpy(dims[k], base, sizeof(base));
			dims[k][axis] = extra[k];
			ins[k] = rfx_builder_input(&b, name, RFX_DTYPE_F32, 4, dims[k]);
		}
		rfx_layer *l = one_layer(&b, RFX_OP_CONCAT, ins, 3);
		l->i[RFX_CONCAT_AXIS] = (int32_t)axis;
		finish_one(&n, &b, l);
		for (int k = 0; k < 3; k++)
			fill_input(&n, (uint32_t)k, count_of(4, dims[k]), &seed, &keep[k]);
		memcpy(yd, base, sizeof(base));
		yd[axis] = 1 + 2 + 3;
		check_info_dims(&n, 4, yd);
		const float *y = net_run(&n, count_of(4, yd));
		for (uint64_t e = 0; e < count_of(4, yd); e++) {
			uint32_t c[4];
			int k = 0;
			unravel(e, 4, yd, c);
			/* which input holds this coordinate along the axis */
			while (c[axis] >= extra[k])
				c[axis] -= extra[k++];
			ck_assert_float_eq(y[e], keep[k][ravel(4, dims[k], c)]);
		}
		for (int k = 0; k < 3; k++)
			free(keep[k]);
		net_close(&n);
	}
}
END_TEST

static void check_transpose(uint32_t r, const uint32_t *xd, const int *perm,
                            uint32_t seed)
{
	uint32_t in, yd[RFX_MAX_RANK];
	float *keep;
	rfx_builder b;
	net n;

	rfx_builder_init(&b);
	in = rfx_builder_input(&b, "x", RFX_DTYPE_F32, r, xd);
	rfx_layer *l = one_layer(&b, RFX_OP_TRANSPOSE, &in, 1);
	for (uint32_t d = 0; d < r; d++) {
		l->i[d] = perm[d];
		yd[d] = xd[perm[d]];
	}
	finish_one(&n, &b, l);
	fill_input(&n, 0, count_of(r, xd), &seed, &keep);
	check_info_dims(&n, r, yd);
	const float *y = net_run(&n, count_of(r, xd));
	for (uint64_t e = 0; e < count_of(r, yd); e++) {
		uint32_t cy[RFX_MAX_RANK], cx[RFX_MAX_RANK];
		unravel(e, r, yd, cy);
		for (uint32_t d = 0; d < r; d++)
			cx[perm[d]] = cy[d];
		ck_assert_float_eq(y[e], keep[ravel(r, xd, cx)]);
	}
	free(keep);
	net_close(&n);
}

START_TEST(test_transpose)
{
	/* ShuffleNet's channel shuffle: [N, g, C/g, H, W] -> [N, C/g, g, H, W] */
	const uint32_t shuffle[5] = {1, 2, 3, 2, 2};
	const int shuffle_perm[5] = {0, 2, 1, 3, 4};
	const uint32_t x4[4] = {2, 3, 4, 5};
	const int nhwc[4] = {0, 2, 3, 1};
	const uint32_t x6[6] = {2, 1, 3, 2, 2, 3};
	const int p6[6] = {5, 3, 0, 4, 2, 1};
	const uint32_t x2[2] = {3, 7};
	const int p2[2] = {1, 0};

	check_transpose(5, shuffle, shuffle_perm, 110);
	check_transpose(4, x4, nhwc, 111);
	check_transpose(6, x6, p6, 112);
	check_transpose(2, x2, p2, 113);
}
END_TEST

static void check_pad(uint32_t r, const uint32_t *xd, const int *begin,
                      const int *end, float value, uint32_t seed)
{
	uint32_t in, yd[RFX_MAX_RANK];
	float *keep;
	rfx_builder b;
	net n;

	rfx_builder_init(&b);
	in = rfx_builder_input(&b, "x", RFX_DTYPE_F32, r, xd);
	rfx_layer *l = one_layer(&b, RFX_OP_PAD, &in, 1);
	for (uint32_t d = 0; d < r; d++) {
		l->i[d] = begin[d];
		l->i[r + d] = end[d];
		yd[d] = xd[d] + (uint32_t)begin[d] + (uint32_t)end[d];
	}
	l->f[0] = value;
	finish_one(&n, &b, l);
	fill_input(&n, 0, count_of(r, xd), &seed, &keep);
	check_info_dims(&n, r, yd);
	const float *y = net_run(&n, count_of(r, yd));
	for (uint64_t e = 0; e < count_of(r, yd); e++) {
		uint32_t c[RFX_MAX_RANK];
		int inside = 1;
		unravel(e, r, yd, c);
		for (uint32_t d = 0; d < r; d++) {
			inside &= c[d] >= (uint32_t)begin[d] && c[d] < (uint32_t)begin[d] + xd[d];
			c[d] -= (uint32_t)begin[d]; /* wraps outside: unused then */
		}
		ck_assert_float_eq(y[e], inside ? keep[ravel(r, xd, c)] : value);
	}
	free(keep);
	net_close(&n);
}

START_TEST(test_pad)
{
	const uint32_t x4[4] = {1, 2, 3, 4};
	const int b4[4] = {0, 1, 2, 0}, e4[4] = {1, 0, 1, 3};
	const uint32_t x2[2] = {3, 2};
	const int b2[2] = {2, 0}, e2[2] = {0, 0};
	const uint32_t x6[6] = {1, 2, 1, 2, 1, 3};
	const int b6[6] = {1, 0, 1, 0, 2, 1}, e6[6] = {0, 1, 1, 1, 0, 2};

	check_pad(4, x4, b4, e4, 0.0f, 120);
	check_pad(4, x4, b4, e4, -1.5f, 121);
	check_pad(2, x2, b2, e2, 7.0f, 122);
	check_pad(6, x6, b6, e6, 0.25f, 123);
}
END_TEST

START_TEST(test_reshape)
{
	const uint32_t xd[3] = {2, 3, 4}, yd[2] = {4, 6};
	uint32_t in, y, seed = 130;
	float *keep;
	rfx_builder b;
	net n;

	rfx_builder_init(&b);
	in = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 3, xd);
	y = rfx_builder_tensor(&b, "y", RFX_DTYPE_F32, 2, yd);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_RESHAPE, "flatten", &in, 1, y);
	ck_assert_ptr_nonnull(l);
	finish_one(&n, &b, l);
	fill_input(&n, 0, 24, &seed, &keep);
	check_info_dims(&n, 2, yd);
	const float *out = net_run(&n, 24);
	ck_assert_mem_eq(out, keep, 24 * sizeof(float));
	free(keep);
	net_close(&n);
}
END_TEST

/* ------------------------------------------------------------------ */

static void check_softmax(uint32_t r, const uint32_t *xd, int axis, int legacy,
                          uint32_t seed)
{
	const uint64_t count = count_of(r, xd);
	uint32_t in;
	float *keep;
	rfx_builder b;
	net n;

	rfx_builder_init(&b);
	in = rfx_builder_input(&b, "x", RFX_DTYPE_F32, r, xd);
	rfx_layer *l = one_layer(&b, RFX_OP_SOFTMAX, &in, 1);
	l->i[RFX_SOFTMAX_AXIS] = axis;
	l->i[RFX_SOFTMAX_LEGACY] = legacy;
	finish_one(&n, &b, l);
	fill_input(&n, 0, count, &seed, &keep);
	const float *y = net_run(&n, count);
	for (uint64_t e = 0; e < count; e++) {
		uint32_t ce[RFX_MAX_RANK], cj[RFX_MAX_RANK];
		double m = -INFINITY, s = 0;
		uint64_t len = 0;
		unravel(e, r, xd, ce);
		/* e's line: the elements equal to e on every dim that is not
		 * normalized (legacy: dims >= axis are; else only axis). */
		for (int pass = 0; pass < 2; pass++) {
			for (uint64_t j = 0; j < count; j++) {
				int same = 1;
				unravel(j, r, xd, cj);
				for (uint32_t d = 0; d < r; d++)
					if (legacy ? d < (uint32_t)axis : d != (uint32_t)axis)
						same &= cj[d] == ce[d];
				if (!same)
					continue;
				if (pass == 0) {
					m = fmax(m, keep[j]);
					len++;
				} else {
					s += exp(keep[j] - m);
				}
			}
		}
		double want = exp(keep[e] - m) / s;
		/* expf and the quotient: a few ulps; the f32 sum of len terms
		 * in (0, 1]: len*u relative. */
		ck_assert_msg(fabs(y[e] - want) <= 4.0 * (double)(len + 4) * U * want + 1e-12,
			      "softmax(axis %d, legacy %d) y[%llu] = %.9g, expected %.9g",
			      axis, legacy, (unsigned long long)e, (double)y[e], want);
	}
	free(keep);
	net_close(&n);
}

START_TEST(test_softmax)
{
	const uint32_t x3[3] = {2, 3, 4}, x1[1] = {2}, x4[4] = {2, 3, 2, 2};
	uint32_t in;
	rfx_builder b;
	net n;

	/* by hand: softmax(0, ln 3) = (1/4, 3/4) */
	rfx_builder_init(&b);
	in = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 1, x1);
	finish_one(&n, &b, one_layer(&b, RFX_OP_SOFTMAX, &in, 1));
	float *x = net_input(&n, 0, 2);
	x[0] = 0.0f;
	x[1] = logf(3.0f);
	const float *y = net_run(&n, 2);
	ck_assert_float_eq_tol(y[0], 0.25f, 1e-7f);
	ck_assert_float_eq_tol(y[1], 0.75f, 1e-7f);
	net_close(&n);

	for (int axis = 0; axis < 3; axis++) {
		check_softmax(3, x3, axis, 0, 140 + (uint32_t)axis);
		check_softmax(3, x3, axis, 1, 150 + (uint32_t)axis);
	}
	check_softmax(4, x4, 1, 0, 160);
	check_softmax(4, x4, 1, 1, 161);
}
END_TEST

static void check_reduce_mean(uint32_t r, const uint32_t *xd, uint32_t axes,
                              int keepdims, uint32_t seed)
{
	const uint64_t count = count_of(r, xd);
	uint32_t in, yd[RFX_MAX_RANK], yr = 0, kd[RFX_MAX_RANK];
	float *keep;
	rfx_builder b;
	net n;

	for (uint32_t d = 0; d < r; d++) {
		kd[d] = axes >> d & 1 ? 1 : xd[d]; /* the keepdims shape */
		if (!(axes >> d & 1) || keepdims)
			yd[yr++] = kd[d];
	}
	rfx_builder_init(&b);
	in = rfx_builder_input(&b, "x", RFX_DTYPE_F32, r, xd);
	rfx_layer *l = one_layer(&b, RFX_OP_REDUCE_MEAN, &in, 1);
	l->i[RFX_REDUCE_AXES] = (int32_t)axes;
	l->i[RFX_REDUCE_KEEPDIMS] = keepdims;
	finish_one(&n, &b, l);
	fill_input(&n, 0, count, &seed, &keep);
	check_info_dims(&n, yr, yd);
	const uint64_t ny = count_of(yr, yd);
	const float *y = net_run(&n, ny);
	for (uint64_t e = 0; e < ny; e++) {
		uint32_t ce[RFX_MAX_RANK], cj[RFX_MAX_RANK];
		double s = 0, mag = 0;
		uint64_t k = 0;
		unravel(e, r, kd, ce); /* same order with or without keepdims */
		for (uint64_t j = 0; j < count; j++) {
			int same = 1;
			unravel(j, r, xd, cj);
			for (uint32_t d = 0; d < r; d++)
				if (!(axes >> d & 1))
					same &= cj[d] == ce[d];
			if (same) {
				s += keep[j];
				mag += fabs(keep[j]);
				k++;
			}
		}
		double want = s / (double)k;
		/* f32 sum of k terms, then one division */
		ck_assert_msg(fabs(y[e] - want) <= 2.0 * (double)(k + 1) * U * mag / (double)k + 1e-7 * fabs(want),
			      "reduce_mean y[%llu] = %.9g, expected %.9g",
			      (unsigned long long)e, (double)y[e], want);
	}
	free(keep);
	net_close(&n);
}

START_TEST(test_reduce_mean)
{
	const uint32_t x4[4] = {2, 3, 4, 5}, x2[2] = {3, 7};

	for (int keepdims = 0; keepdims <= 1; keepdims++) {
		check_reduce_mean(4, x4, 0xa, keepdims, 170);  /* dims 1, 3 */
		check_reduce_mean(4, x4, 0xc, keepdims, 171);  /* H, W */
		check_reduce_mean(4, x4, 0xf, keepdims, 172);  /* all */
		check_reduce_mean(2, x2, 0x1, keepdims, 173);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* fp16 layers */

/* The fp16 nearest to v, ties to even, from frexp and nearbyint (the
 * default rounding mode rounds half to even), as a double. */
static double ref_f16(double v)
{
	int e;
	double q;

	if (v == 0)
		return v;
	frexp(fabs(v), &e);         /* |v| in [2^(e-1), 2^e) */
	if (e - 1 < -14)
		e = -13;             /* subnormal spacing 2^-24 */
	q = ldexp(nearbyint(ldexp(v, 11 - e)), e - 11);
	return fabs(q) > 65504.0 ? copysign(INFINITY, v) : q;
}

/* Spacing of fp16 values around v. */
static double ulp_f16(double v)
{
	int e;

	frexp(fabs(v), &e);
	if (e - 1 < -14)
		e = -13;
	return ldexp(1.0, e - 11);
}

START_TEST(test_f16_rounding_by_hand)
{
	/* An F16 identity layer rounds its f32 input once, ties to even. */
	static const float in[8] = {
		1.0f + 0x1p-11f,      /* halfway 1 .. 1+2^-10: even is 1 */
		1.0f + 3 * 0x1p-11f,  /* halfway 1+2^-10 .. 1+2^-9: even is 1+2^-9 */
		65520.0f,             /* halfway 65504 .. 65536: even overflows */
		65519.0f,             /* below the halfway point: 65504 */
		1e-8f,                /* under half the smallest subnormal: 0 */
		3e-8f,                /* over it: 2^-24 */
		-2.5f,                /* exact */
		0.1f,                 /* 0x2e66 = 0.0999755859375 */
	};
	static const uint16_t want[8] = {0x3c00, 0x3c02, 0x7c00, 0x7bff,
					 0x0000, 0x0001, 0xc100, 0x2e66};
	const uint32_t xd[1] = {8};
	rfx_tensor_info info;
	uint32_t x;
	rfx_builder b;
	net n;

	rfx_builder_init(&b);
	x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 1, xd);
	rfx_layer *l = one_layer(&b, RFX_OP_UNARY, &x, 1);
	l->precision = RFX_DTYPE_F16;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	ck_assert_int_eq(rfx_builder_tensor_at(&b, l->outputs[0])->dtype, RFX_DTYPE_F16);
	rfx_builder_output(&b, l->outputs[0]);
	net_open(&n, &b);
	memcpy(net_input(&n, 0, 8), in, sizeof(in));
	ck_assert_int_eq(rfx_session_run(n.s, UINT64_MAX), RFX_OK);
	const uint16_t *y = rfx_session_output(n.s, 0, &info);
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F16);
	ck_assert_uint_eq(info.size_bytes, 16);
	for (int k = 0; k < 8; k++)
		ck_assert_msg(y[k] == want[k], "f16(%a) = 0x%04x, expected 0x%04x",
			      (double)in[k], y[k], want[k]);
	net_close(&n);
}
END_TEST

START_TEST(test_f16_conv_chain)
{
	/* F16 input -> F16 conv (F16 weights, F32 bias, relu) -> F32 identity.
	 * The conv output must be fp16, within half an fp16 ulp (rounding to
	 * nearest) plus the f32 sum bound of the exact value; the F32 layer
	 * must see exactly those fp16 values. */
	const uint32_t xd[4] = {1, 3, 6, 6}, wd[4] = {4, 3, 3, 3}, bd[1] = {4};
	uint32_t seed = 180, ins[3], mid, out;
	uint16_t w16[108], x16[108];
	float wv[108], xv[108], bv[4];
	rfx_tensor_info info;
	rfx_builder b;
	net n;

	for (int k = 0; k < 108; k++) {
		/* multiples of 2^-8 in [-1, 1]: exact in fp16 */
		wv[k] = (float)((int)(test_rand(&seed) % 513) - 256) / 256.0f;
		xv[k] = (float)((int)(test_rand(&seed) % 1025) - 512) / 256.0f;
		w16[k] = rfx_f32_to_f16(wv[k]);
		x16[k] = rfx_f32_to_f16(xv[k]);
	}
	for (int k = 0; k < 4; k++)
		bv[k] = test_randf(&seed, -1, 1);
	rfx_builder_init(&b);
	ins[0] = rfx_builder_input(&b, "x", RFX_DTYPE_F16, 4, xd);
	ins[1] = rfx_builder_const(&b, "w", RFX_DTYPE_F16, 4, wd, w16);
	ins[2] = rfx_builder_const(&b, "b", RFX_DTYPE_F32, 1, bd, bv);
	mid = rfx_builder_tensor(&b, "mid", RFX_DTYPE_F16, 0, NULL);
	rfx_layer *conv = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv", ins, 3, mid);
	conv->precision = RFX_DTYPE_F16;
	conv->i[RFX_CONV_STRIDE_H] = conv->i[RFX_CONV_STRIDE_W] = 1;
	conv->i[RFX_CONV_PAD_T] = conv->i[RFX_CONV_PAD_L] = 1;
	conv->i[RFX_CONV_PAD_B] = conv->i[RFX_CONV_PAD_R] = 1;
	conv->i[RFX_CONV_DIL_H] = conv->i[RFX_CONV_DIL_W] = 1;
	conv->i[RFX_CONV_GROUP] = 1;
	conv->i[RFX_CONV_ACT] = RFX_ACT_RELU;
	ck_assert_int_eq(rfx_builder_infer(&b, conv), RFX_OK);
	out = rfx_builder_tensor(&b, "out", RFX_DTYPE_F32, 0, NULL);
	rfx_layer *id = rfx_builder_layer(&b, RFX_OP_UNARY, "identity", &mid, 1, out);
	ck_assert_int_eq(rfx_builder_infer(&b, id), RFX_OK);
	rfx_builder_output(&b, mid);
	rfx_builder_output(&b, out);
	net_open(&n, &b);

	uint16_t *xin = rfx_session_input(n.s, 0, &info);
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F16);
	memcpy(xin, x16, sizeof(x16));
	ck_assert_int_eq(rfx_session_run(n.s, UINT64_MAX), RFX_OK);
	const uint16_t *y16 = rfx_session_output(n.s, 0, &info);
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F16);
	const float *y32 = rfx_session_output(n.s, 1, &info);
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
	for (uint32_t m = 0; m < 4; m++) {
		for (int oh = 0; oh < 6; oh++) {
			for (int ow = 0; ow < 6; ow++) {
				double s = bv[m], mag = fabs(bv[m]);
				for (int c = 0; c < 3; c++)
					for (int ky = 0; ky < 3; ky++)
						for (int kx = 0; kx < 3; kx++) {
							int iy = oh - 1 + ky, ix = ow - 1 + kx;
							if (iy < 0 || iy >= 6 || ix < 0 || ix >= 6)
								continue;
							double t = (double)wv[((m * 3 + (uint32_t)c) * 3 + (uint32_t)ky) * 3 + (uint32_t)kx] *
								   xv[(c * 6 + iy) * 6 + ix];
							s += t;
							mag += fabs(t);
						}
				s = s > 0 ? s : 0;
				uint32_t o = (m * 6 + (uint32_t)oh) * 6 + (uint32_t)ow;
				double got = rfx_f16_to_f32(y16[o]);
				ck_assert_msg(ref_f16(got) == got, "not an fp16 value");
				ck_assert_msg(fabs(got - s) <= 0.5 * ulp_f16(s) + 2.0 * 29 * U * mag,
					      "f16 conv y[%u] = %.9g, exact %.9g", o, got, s);
				ck_assert_msg(y32[o] == (float)got,
					      "the F32 layer read %.9g, not the fp16 %.9g",
					      (double)y32[o], got);
			}
		}
	}
	net_close(&n);
}
END_TEST

START_TEST(test_f16_reference_rounding)
{
	/* rfx_f32_to_f16 against ref_f16 on random floats of every binade
	 * the fp16 range touches, and around the overflow threshold. */
	uint32_t seed = 190;

	for (int k = 0; k < 200000; k++) {
		uint32_t bits = (test_rand(&seed) & 0x807fffffu) |
				((uint32_t)(127 - 27 + (int)(test_rand(&seed) % 45)) << 23);
		float f;
		memcpy(&f, &bits, sizeof(f));
		double want = ref_f16(f);
		double got = rfx_f16_to_f32(rfx_f32_to_f16(f));
		ck_assert_msg(got == want,
			      "f16(%a) = %a, expected %a", (double)f, got, want);
	}
}
END_TEST

/* ------------------------------------------------------------------ */

START_TEST(test_small_net)
{
	/* conv(relu) -> global avg pool -> flatten -> fc -> softmax, against
	 * a double-precision forward pass. Every stage is an f32 sum of at
	 * most 28 terms of magnitude <= ~30 (relative error < 2e-6 of the
	 * magnitudes), so probabilities in (0, 1) are checked to 1e-5. */
	const uint32_t xd[4] = {1, 2, 5, 5}, wd[4] = {3, 2, 3, 3}, bd[1] = {3};
	const uint32_t fd[2] = {4, 3}, fbd[1] = {4}, flat[2] = {1, 3};
	uint32_t seed = 200, ins[3], t1, t2, t3, t4, t5;
	float *w = rand_array(&seed, 54, -1, 1), *bias = rand_array(&seed, 3, -1, 1);
	float *fw = rand_array(&seed, 12, -1, 1), *fb = rand_array(&seed, 4, -1, 1);
	float *keep;
	rfx_builder b;
	rfx_layer *l;
	net n;

	rfx_builder_init(&b);
	ins[0] = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, xd);
	ins[1] = rfx_builder_const(&b, "w", RFX_DTYPE_F32, 4, wd, w);
	ins[2] = rfx_builder_const(&b, "b", RFX_DTYPE_F32, 1, bd, bias);
	t1 = rfx_builder_tensor(&b, "conv", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv", ins, 3, t1);
	l->i[RFX_CONV_STRIDE_H] = l->i[RFX_CONV_STRIDE_W] = 1;
	l->i[RFX_CONV_DIL_H] = l->i[RFX_CONV_DIL_W] = 1;
	l->i[RFX_CONV_GROUP] = 1;
	l->i[RFX_CONV_ACT] = RFX_ACT_RELU;
	rfx_builder_infer(&b, l);
	t2 = rfx_builder_tensor(&b, "gap", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_GLOBAL_POOL, "gap", &t1, 1, t2);
	l->i[RFX_GPOOL_KIND] = RFX_POOL_AVG;
	rfx_builder_infer(&b, l);
	t3 = rfx_builder_tensor(&b, "flat", RFX_DTYPE_F32, 2, flat);
	rfx_builder_infer(&b, rfx_builder_layer(&b, RFX_OP_RESHAPE, "flat", &t2, 1, t3));
	ins[0] = t3;
	ins[1] = rfx_builder_const(&b, "fw", RFX_DTYPE_F32, 2, fd, fw);
	ins[2] = rfx_builder_const(&b, "fb", RFX_DTYPE_F32, 1, fbd, fb);
	t4 = rfx_builder_tensor(&b, "logits", RFX_DTYPE_F32, 0, NULL);
	rfx_builder_infer(&b, rfx_builder_layer(&b, RFX_OP_FC, "fc", ins, 3, t4));
	t5 = rfx_builder_tensor(&b, "prob", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_SOFTMAX, "softmax", &t4, 1, t5);
	l->i[RFX_SOFTMAX_AXIS] = 1;
	rfx_builder_infer(&b, l);
	rfx_builder_output(&b, t5);
	net_open(&n, &b);
	fill_input(&n, 0, 50, &seed, &keep);
	const float *y = net_run(&n, 4);

	double gap[3], logit[4], m = -INFINITY, s = 0;
	for (int c = 0; c < 3; c++) {
		gap[c] = 0;
		for (int oh = 0; oh < 3; oh++)
			for (int ow = 0; ow < 3; ow++) {
				double v = bias[c];
				for (int k = 0; k < 18; k++) {
					int ci = k / 9, ky = k / 3 % 3, kx = k % 3;
					v += (double)w[c * 18 + k] * keep[(ci * 5 + oh + ky) * 5 + ow + kx];
				}
				gap[c] += v > 0 ? v : 0;
			}
		gap[c] /= 9;
	}
	for (int j = 0; j < 4; j++) {
		logit[j] = fb[j];
		for (int c = 0; c < 3; c++)
			logit[j] += (double)fw[j * 3 + c] * gap[c];
		m = fmax(m, logit[j]);
	}
	for (int j = 0; j < 4; j++)
		s += exp(logit[j] - m);
	for (int j = 0; j < 4; j++)
		ck_assert_double_eq_tol(y[j], exp(logit[j] - m) / s, 1e-5);
	free(w);
	free(bias);
	free(fw);
	free(fb);
	free(keep);
	net_close(&n);
}
END_TEST

static Suite *cpu_layout_suite(void)
{
	Suite *s = suite_create("cpu_layout");
	TCase *tc;

	tc = tcase_create("layout");
	tcase_add_test(tc, test_concat_each_axis);
	tcase_add_test(tc, test_transpose);
	tcase_add_test(tc, test_pad);
	tcase_add_test(tc, test_reshape);
	suite_add_tcase(s, tc);

	tc = tcase_create("normalize");
	tcase_add_test(tc, test_softmax);
	tcase_add_test(tc, test_reduce_mean);
	suite_add_tcase(s, tc);

	tc = tcase_create("fp16");
	tcase_add_test(tc, test_f16_rounding_by_hand);
	tcase_add_test(tc, test_f16_conv_chain);
	tcase_add_test(tc, test_f16_reference_rounding);
	suite_add_tcase(s, tc);

	tc = tcase_create("net");
	tcase_add_test(tc, test_small_net);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(cpu_layout_suite());
}
