/*
 * The CPU reference executor, op by op, through rfx_session_* on a CPU
 * context: arithmetic ops here, layout ops, softmax, reductions and fp16
 * in test_cpu_layout.c. Every expected value is computed here independently: by hand,
 * from PyTorch (numbers quoted), or by a naive formula written differently
 * from engine/cpu (conv via explicit im2col in double, pooling by listing
 * window cells, broadcasting and layout ops by index arithmetic on
 * coordinates, sums in double).
 *
 * Tolerances: ops without arithmetic (concat, pad, transpose, reshape, max
 * pooling) and single IEEE operations (binary add/sub/mul/div, relu) must
 * be bit-exact (==). A float sum of k terms differs from the exact sum by
 * at most k*u*sum|terms| (u = 2^-24, ignoring O(u^2)); sums are checked
 * against a double reference within twice that (sum_tol). Activations after
 * a sum are Lipschitz with constant <= 1.5 (hard_swish) and expf/tanhf are
 * within a few ulps, hence 1.5*sum_tol + 1e-6*|y| + 1e-7 (act_tol).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_cpu_ops.h"

#define U 0x1p-24

static double sum_tol(double k, double mag)
{
	return 2.0 * k * U * mag;
}

static double act_tol(double k, double mag, double y)
{
	return 1.5 * sum_tol(k, mag) + 1e-6 * fabs(y) + 1e-7;
}

static double ref_act(double v, rfx_act act, double a0, double a1)
{
	switch (act) {
	case RFX_ACT_RELU: return v > 0 ? v : 0;
	case RFX_ACT_CLIP: return v < a0 ? a0 : v > a1 ? a1 : v;
	case RFX_ACT_LEAKY_RELU: return v >= 0 ? v : a0 * v;
	case RFX_ACT_SIGMOID: return 1.0 / (1.0 + exp(-v));
	case RFX_ACT_HARD_SIGMOID: return fmax(0.0, fmin(1.0, a0 * v + a1));
	case RFX_ACT_HARD_SWISH: return v * fmax(0.0, fmin(1.0, (v + 3.0) / 6.0));
	case RFX_ACT_TANH: return tanh(v);
	case RFX_ACT_SWISH: return v / (1.0 + exp(-v));
	default: return v;
	}
}

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

/* ------------------------------------------------------------------ */
/* conv2d */

typedef struct conv_case {
	uint32_t N, C, H, W, M, KH, KW;
	int sH, sW, pT, pL, pB, pR, dH, dW, G;
	int residual;
	rfx_act act;
	float a0, a1;
} conv_case;

static void check_conv(const conv_case *c, uint32_t seed)
{
	const uint32_t CG = c->C / c->G, MG = c->M / c->G;
	const uint32_t OH = (c->H + c->pT + c->pB - (c->dH * (c->KH - 1) + 1)) / c->sH + 1;
	const uint32_t OW = (c->W + c->pL + c->pR - (c->dW * (c->KW - 1) + 1)) / c->sW + 1;
	const uint32_t xd[4] = {c->N, c->C, c->H, c->W};
	const uint32_t wd[4] = {c->M, CG, c->KH, c->KW}, bd[1] = {c->M};
	const uint32_t yd[4] = {c->N, c->M, OH, OW};
	const uint64_t nx = count_of(4, xd), nw = count_of(4, wd), ny = count_of(4, yd);
	const uint32_t K = CG * c->KH * c->KW, P = OH * OW;
	float *w = rand_array(&seed, nw, -1, 1), *b = rand_array(&seed, c->M, -1, 1);
	double *col = malloc(sizeof(double) * K * P);
	uint32_t ins[4];
	rfx_builder bld;
	rfx_layer *l;
	float *x, *r = NULL;
	const float *y;
	net n;

	rfx_builder_init(&bld);
	ins[0] = rfx_builder_input(&bld, "x", RFX_DTYPE_F32, 4, xd);
	ins[1] = rfx_builder_const(&bld, "w", RFX_DTYPE_F32, 4, wd, w);
	ins[2] = rfx_builder_const(&bld, "b", RFX_DTYPE_F32, 1, bd, b);
	if (c->residual)
		ins[3] = rfx_builder_input(&bld, "r", RFX_DTYPE_F32, 4, yd);
	l = one_layer(&bld, RFX_OP_CONV2D, ins, c->residual ? 4 : 3);
	l->i[RFX_CONV_STRIDE_H] = c->sH;
	l->i[RFX_CONV_STRIDE_W] = c->sW;
	l->i[RFX_CONV_PAD_T] = c->pT;
	l->i[RFX_CONV_PAD_L] = c->pL;
	l->i[RFX_CONV_PAD_B] = c->pB;
	l->i[RFX_CONV_PAD_R] = c->pR;
	l->i[RFX_CONV_DIL_H] = c->dH;
	l->i[RFX_CONV_DIL_W] = c->dW;
	l->i[RFX_CONV_GROUP] = c->G;
	l->i[RFX_CONV_ACT] = c->act;
	l->f[0] = c->a0;
	l->f[1] = c->a1;
	finish_one(&n, &bld, l);

	x = net_input(&n, 0, nx);
	for (uint64_t k = 0; k < nx; k++)
		x[k] = test_randf(&seed, -1, 1);
	if (c->residual) {
		r = net_input(&n, 1, ny);
		for (uint64_t k = 0; k < ny; k++)
			r[k] = test_randf(&seed, -1, 1);
	}
	y = net_run(&n, ny);

	for (uint32_t bn = 0; bn < c->N; bn++) {
		for (uint32_t g = 0; g < (uint32_t)c->G; g++) {
			/* im2col: row k = (channel, ky, kx), column p = (oh, ow),
			 * zero where the tap falls in the padding. */
			for (uint32_t k = 0; k < K; k++) {
				uint32_t ch = k / (c->KH * c->KW), ky = k / c->KW % c->KH,
					 kx = k % c->KW;
				for (uint32_t p = 0; p < P; p++) {
					int iy = (int)(p / OW) * c->sH - c->pT + (int)ky * c->dH;
					int ix = (int)(p % OW) * c->sW - c->pL + (int)kx * c->dW;
					int in = iy >= 0 && iy < (int)c->H && ix >= 0 && ix < (int)c->W;
					col[(uint64_t)k * P + p] = in
						? x[((uint64_t)(bn * c->C + g * CG + ch) * c->H + (uint32_t)iy) * c->W + (uint32_t)ix]
						: 0.0;
				}
			}
			for (uint32_t mm = 0; mm < MG; mm++) {
				uint32_t m = g * MG + mm;
				for (uint32_t p = 0; p < P; p++) {
					uint64_t o = (uint64_t)(bn * c->M + m) * P + p;
					double s = b[m], mag = fabs(b[m]);
					for (uint32_t k = 0; k < K; k++) {
						double t = (double)w[(uint64_t)m * K + k] * col[(uint64_t)k * P + p];
						s += t;
						mag += fabs(t);
					}
					if (r) {
						s += r[o];
						mag += fabs(r[o]);
					}
					double want = ref_act(s, c->act, c->a0, c->a1);
					double tol = act_tol(K + 2, mag, want);
					ck_assert_msg(fabs(y[o] - want) <= tol,
						      "conv y[%llu] = %.9g, expected %.9g (tol %.3g)",
						      (unsigned long long)o, (double)y[o], want, tol);
				}
			}
		}
	}
	free(w);
	free(b);
	free(col);
	net_close(&n);
}

START_TEST(test_conv_hand)
{
	/* 1..9 in a 3x3 plane, a 2x2 kernel of ones, bias 0.5:
	 * [1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9] + 0.5. */
	const uint32_t xd[4] = {1, 1, 3, 3}, wd[4] = {1, 1, 2, 2}, bd[1] = {1};
	const float w[4] = {1, 1, 1, 1}, b[1] = {0.5f};
	const float want[4] = {12.5f, 16.5f, 24.5f, 28.5f};
	uint32_t ins[3];
	rfx_builder bld;
	rfx_layer *l;
	net n;

	rfx_builder_init(&bld);
	ins[0] = rfx_builder_input(&bld, "x", RFX_DTYPE_F32, 4, xd);
	ins[1] = rfx_builder_const(&bld, "w", RFX_DTYPE_F32, 4, wd, w);
	ins[2] = rfx_builder_const(&bld, "b", RFX_DTYPE_F32, 1, bd, b);
	l = one_layer(&bld, RFX_OP_CONV2D, ins, 3);
	l->i[RFX_CONV_STRIDE_H] = l->i[RFX_CONV_STRIDE_W] = 1;
	l->i[RFX_CONV_DIL_H] = l->i[RFX_CONV_DIL_W] = 1;
	l->i[RFX_CONV_GROUP] = 1;
	finish_one(&n, &bld, l);
	float *x = net_input(&n, 0, 9);
	for (int k = 0; k < 9; k++)
		x[k] = (float)(k + 1);
	const float *y = net_run(&n, 4);
	for (int k = 0; k < 4; k++)
		ck_assert_float_eq(y[k], want[k]); /* small integers: exact */
	net_close(&n);
}
END_TEST

START_TEST(test_conv_stride2_asym_pad)
{
	conv_case c = {2, 3, 7, 6, 4, 3, 3, 2, 2, 1, 0, 2, 1, 1, 1, 1, 0, RFX_ACT_NONE, 0, 0};
	check_conv(&c, 11);
}
END_TEST

START_TEST(test_conv_dilation)
{
	conv_case c = {1, 2, 8, 8, 3, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0, RFX_ACT_NONE, 0, 0};
	check_conv(&c, 12);
	conv_case c2 = {1, 2, 9, 7, 2, 2, 3, 2, 1, 1, 2, 0, 1, 3, 2, 1, 0, RFX_ACT_RELU, 0, 0};
	check_conv(&c2, 13);
}
END_TEST

START_TEST(test_conv_groups)
{
	conv_case c = {1, 4, 6, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 0, RFX_ACT_NONE, 0, 0};
	check_conv(&c, 14);
}
END_TEST

START_TEST(test_conv_depthwise)
{
	conv_case c = {1, 5, 9, 9, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5, 0, RFX_ACT_CLIP, 0, 0.6f};
	check_conv(&c, 15);
	/* channel multiplier 2: M = 2*C, group = C */
	conv_case c2 = {1, 3, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, 0, RFX_ACT_NONE, 0, 0};
	check_conv(&c2, 16);
}
END_TEST

START_TEST(test_conv_pointwise)
{
	conv_case c = {2, 8, 5, 5, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, RFX_ACT_NONE, 0, 0};
	check_conv(&c, 17);
	conv_case c2 = {1, 6, 7, 6, 4, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, 0, RFX_ACT_NONE, 0, 0};
	check_conv(&c2, 18);
	conv_case c3 = {1, 3, 4, 4, 2, 1, 3, 1, 2, 0, 1, 0, 1, 1, 1, 1, 0, RFX_ACT_NONE, 0, 0};
	check_conv(&c3, 19);
}
END_TEST

START_TEST(test_conv_residual_each_act)
{
	static const float params[RFX_ACT_COUNT_][2] = {
		[RFX_ACT_CLIP] = {-0.5f, 0.7f},
		[RFX_ACT_LEAKY_RELU] = {0.1f, 0},
		[RFX_ACT_HARD_SIGMOID] = {0.2f, 0.5f},
	};

	for (int act = RFX_ACT_NONE; act < RFX_ACT_COUNT_; act++) {
		conv_case c = {1, 3, 5, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
			       (rfx_act)act, params[act][0], params[act][1]};
		check_conv(&c, 20 + (uint32_t)act);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* fc */

START_TEST(test_fc_batch_dims)
{
	const uint32_t xd[3] = {2, 3, 5}, wd[2] = {4, 5}, bd[1] = {4};
	uint32_t seed = 31, ins[3];
	float *w = rand_array(&seed, 20, -1, 1), *b = rand_array(&seed, 4, -1, 1);
	rfx_builder bld;
	rfx_layer *l;
	net n;

	for (int act = RFX_ACT_NONE; act <= RFX_ACT_SIGMOID; act += 3) {
		rfx_builder_init(&bld);
		ins[0] = rfx_builder_input(&bld, "x", RFX_DTYPE_F32, 3, xd);
		ins[1] = rfx_builder_const(&bld, "w", RFX_DTYPE_F32, 2, wd, w);
		ins[2] = rfx_builder_const(&bld, "b", RFX_DTYPE_F32, 1, bd, b);
		l = one_layer(&bld, RFX_OP_FC, ins, 3);
		l->i[RFX_FC_ACT] = act;
		finish_one(&n, &bld, l);
		float *x = net_input(&n, 0, 30);
		for (int k = 0; k < 30; k++)
			x[k] = test_randf(&seed, -2, 2);
		const float *y = net_run(&n, 24);
		for (int row = 0; row < 6; row++) {
			for (int j = 0; j < 4; j++) {
				double s = b[j], mag = fabs(b[j]);
				for (int k = 0; k < 5; k++) {
					s += (double)x[row * 5 + k] * w[j * 5 + k];
					mag += fabs((double)x[row * 5 + k] * w[j * 5 + k]);
				}
				double want = ref_act(s, (rfx_act)act, 0, 0);
				ck_assert_msg(fabs(y[row * 4 + j] - want) <= act_tol(7, mag, want),
					      "fc y[%d,%d] = %g, expected %g", row, j,
					      (double)y[row * 4 + j], want);
			}
		}
		net_close(&n);
	}
	free(w);
	free(b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* pool2d, global_pool */

typedef struct pool_case {
	uint32_t N, C, H, W;
	int kind, kH, kW, sH, sW, pT, pL, pB, pR, ceil, incl, dH, dW;
} pool_case;

/* Output size as PyTorch defines it (ceil mode drops a last window that
 * would start in the end padding). */
static uint32_t pool_out(int in, int k, int s, int pb, int pe, int d, int ceil_mode)
{
	int ext = d * (k - 1) + 1, span = in + pb + pe - ext;
	int o = ceil_mode ? (span + s - 1) / s + 1 : span / s + 1;

	if (ceil_mode && (o - 1) * s >= in + pb)
		o--;
	return (uint32_t)o;
}

/* Runs a pool case on x (given) and returns y (malloc'd) and its dims. */
static float *run_pool(const pool_case *c, const float *xv, uint32_t *OH, uint32_t *OW)
{
	const uint32_t xd[4] = {c->N, c->C, c->H, c->W};
	uint32_t in;
	rfx_builder b;
	rfx_layer *l;
	net n;

	*OH = pool_out((int)c->H, c->kH, c->sH, c->pT, c->pB, c->dH, c->ceil);
	*OW = pool_out((int)c->W, c->kW, c->sW, c->pL, c->pR, c->dW, c->ceil);
	rfx_builder_init(&b);
	in = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, xd);
	l = one_layer(&b, RFX_OP_POOL2D, &in, 1);
	l->i[RFX_POOL_KIND] = c->kind;
	l->i[RFX_POOL_KERNEL_H] = c->kH;
	l->i[RFX_POOL_KERNEL_W] = c->kW;
	l->i[RFX_POOL_STRIDE_H] = c->sH;
	l->i[RFX_POOL_STRIDE_W] = c->sW;
	l->i[RFX_POOL_PAD_T] = c->pT;
	l->i[RFX_POOL_PAD_L] = c->pL;
	l->i[RFX_POOL_PAD_B] = c->pB;
	l->i[RFX_POOL_PAD_R] = c->pR;
	l->i[RFX_POOL_CEIL_MODE] = c->ceil;
	l->i[RFX_POOL_COUNT_INCLUDE_PAD] = c->incl;
	l->i[RFX_POOL_DIL_H] = c->dH;
	l->i[RFX_POOL_DIL_W] = c->dW;
	finish_one(&n, &b, l);
	uint64_t nx = count_of(4, xd), ny = (uint64_t)c->N * c->C * *OH * *OW;
	memcpy(net_input(&n, 0, nx), xv, nx * sizeof(float));
	const float *y = net_run(&n, ny);
	float *copy = malloc(ny * sizeof(float));
	memcpy(copy, y, ny * sizeof(float));
	net_close(&n);
	return copy;
}

/* Lists the cells of every window: real ones (in the input), padded ones
 * (in the padded input), and checks max / average. */
static void check_pool(const pool_case *c, uint32_t seed)
{
	const uint64_t nx = (uint64_t)c->N * c->C * c->H * c->W;
	float *x = rand_array(&seed, nx, -3, 3);
	uint32_t OH, OW;
	float *y = run_pool(c, x, &OH, &OW);

	for (uint32_t nc = 0; nc < c->N * c->C; nc++) {
		for (uint32_t oh = 0; oh < OH; oh++) {
			for (uint32_t ow = 0; ow < OW; ow++) {
				double sum = 0, mag = 0, best = -INFINITY;
				int real = 0, padded = 0;
				for (int ky = 0; ky < c->kH; ky++) {
					for (int kx = 0; kx < c->kW; kx++) {
						int iy = (int)oh * c->sH - c->pT + ky * c->dH;
						int ix = (int)ow * c->sW - c->pL + kx * c->dW;
						padded += iy >= -c->pT && iy < (int)c->H + c->pB &&
							  ix >= -c->pL && ix < (int)c->W + c->pR;
						if (iy < 0 || iy >= (int)c->H || ix < 0 || ix >= (int)c->W)
							continue;
						double v = x[(nc * c->H + (uint32_t)iy) * c->W + (uint32_t)ix];
						real++;
						sum += v;
						mag += fabs(v);
						best = v > best ? v : best;
					}
				}
				ck_assert_int_gt(real, 0);
				float got = y[(nc * OH + oh) * OW + ow];
				if (c->kind == RFX_POOL_MAX) {
					ck_assert_float_eq(got, (float)best);
				} else {
					double want = sum / (c->incl ? padded : real);
					ck_assert_msg(fabs(got - want) <= sum_tol(real + 1, mag) + 1e-7 * fabs(want),
						      "avg pool [%u,%u,%u] = %g, expected %g", nc, oh, ow,
						      (double)got, want);
				}
			}
		}
	}
	free(x);
	free(y);
}

START_TEST(test_pool_pytorch_numbers)
{
	/* torch.nn.functional.avg_pool2d / max_pool2d on arange(1..) planes;
	 * outputs printed by PyTorch 1.13 (all exact in f32 up to the last
	 * bit of a division, hence the 1-ulp-scale tolerance on averages). */
	float x25[25], x30[30], neg30[30];
	for (int k = 0; k < 30; k++) {
		if (k < 25)
			x25[k] = (float)(k + 1);
		x30[k] = (float)(k + 1);
		neg30[k] = -(float)(k + 1);
	}
	static const float avg_incl[9] = {1.7777778f, 3.6666667f, 3.1111112f, 7.6666665f, 13.0f,
					  9.666667f, 8.444445f, 13.666667f, 9.777778f};
	static const float avg_excl[9] = {4.0f, 5.5f, 7.0f, 11.5f, 13.0f, 14.5f, 19.0f, 20.5f, 22.0f};
	static const float ceil_incl[12] = {0.5f, 1.5f, 2.5f, 1.5f, 7.0f, 12.0f, 14.0f, 7.5f,
					    15.0f, 24.0f, 26.0f, 13.5f};
	static const float ceil_excl[12] = {1.5f, 3.0f, 5.0f, 6.0f, 10.5f, 12.0f, 14.0f, 15.0f,
					    22.5f, 24.0f, 26.0f, 27.0f};
	static const float ceil_max[12] = {-1, -2, -4, -6, -7, -8, -10, -12, -19, -20, -22, -24};
	static const float dil_max[4] = {22, 24, 22, 24};
	uint32_t OH, OW;
	float *y;

	for (int incl = 1; incl >= 0; incl--) {
		/* k3 s2 p1, ceil_mode, 5x5 */
		pool_case c = {1, 1, 5, 5, RFX_POOL_AVG, 3, 3, 2, 2, 1, 1, 1, 1, 1, incl, 1, 1};
		y = run_pool(&c, x25, &OH, &OW);
		ck_assert_uint_eq(OH, 3);
		ck_assert_uint_eq(OW, 3);
		for (int k = 0; k < 9; k++)
			ck_assert_float_eq_tol(y[k], (incl ? avg_incl[k] : avg_excl[k]), 2e-6);
		free(y);
		/* k(2,3) s2 p1, ceil_mode, 5x6: the last row of windows would
		 * start in the bottom padding and is dropped; the last column's
		 * windows run past the right padding and are clipped. */
		pool_case c2 = {1, 1, 5, 6, RFX_POOL_AVG, 2, 3, 2, 2, 1, 1, 1, 1, 1, incl, 1, 1};
		y = run_pool(&c2, x30, &OH, &OW);
		ck_assert_uint_eq(OH, 3);
		ck_assert_uint_eq(OW, 4);
		for (int k = 0; k < 12; k++)
			ck_assert_float_eq_tol(y[k], (incl ? ceil_incl[k] : ceil_excl[k]), 2e-6);
		free(y);
	}
	pool_case c3 = {1, 1, 5, 6, RFX_POOL_MAX, 2, 3, 2, 2, 1, 1, 1, 1, 1, 0, 1, 1};
	y = run_pool(&c3, neg30, &OH, &OW); /* negative: padding must not win */
	for (int k = 0; k < 12; k++)
		ck_assert_float_eq(y[k], ceil_max[k]);
	free(y);
	pool_case c4 = {1, 1, 5, 6, RFX_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 2, 2};
	y = run_pool(&c4, x30, &OH, &OW);
	ck_assert_uint_eq(OH * OW, 4);
	for (int k = 0; k < 4; k++)
		ck_assert_float_eq(y[k], dil_max[k]);
	free(y);
}
END_TEST

START_TEST(test_pool_random)
{
	static const pool_case cases[] = {
		{2, 3, 8, 7, RFX_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1},
		{1, 2, 8, 7, RFX_POOL_MAX, 3, 2, 2, 2, 1, 0, 1, 1, 1, 0, 1, 1},
		{1, 2, 9, 9, RFX_POOL_AVG, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 2, 9, 9, RFX_POOL_AVG, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 1, 1},
		{1, 2, 10, 8, RFX_POOL_AVG, 2, 3, 3, 2, 0, 2, 1, 0, 1, 1, 1, 1},
		{1, 2, 10, 8, RFX_POOL_AVG, 2, 3, 3, 2, 0, 2, 1, 0, 0, 0, 1, 1},
		{1, 1, 11, 11, RFX_POOL_AVG, 3, 3, 2, 3, 2, 2, 2, 2, 0, 1, 2, 2},
		{1, 3, 7, 7, RFX_POOL_AVG, 7, 7, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1},
		/* ceil-mode windows running past the padding, both axes */
		{1, 2, 6, 8, RFX_POOL_AVG, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 2, 6, 8, RFX_POOL_AVG, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 1, 1},
		{1, 2, 6, 8, RFX_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 1, 1},
	};

	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		check_pool(&cases[k], 40 + k);
}
END_TEST

START_TEST(test_global_pool)
{
	const uint32_t xd[4] = {2, 3, 4, 5};
	uint32_t seed = 51;

	for (int kind = RFX_POOL_MAX; kind <= RFX_POOL_AVG; kind++) {
		rfx_builder b;
		uint32_t in;
		net n;

		rfx_builder_init(&b);
		in = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, xd);
		rfx_layer *l = one_layer(&b, RFX_OP_GLOBAL_POOL, &in, 1);
		l->i[RFX_GPOOL_KIND] = kind;
		finish_one(&n, &b, l);
		float *x = net_input(&n, 0, 120);
		for (int k = 0; k < 120; k++)
			x[k] = test_randf(&seed, -5, 5);
		const float *y = net_run(&n, 6);
		for (int p = 0; p < 6; p++) {
			double s = 0, mag = 0, best = -INFINITY;
			for (int k = 0; k < 20; k++) {
				s += x[p * 20 + k];
				mag += fabs(x[p * 20 + k]);
				best = x[p * 20 + k] > best ? x[p * 20 + k] : best;
			}
			if (kind == RFX_POOL_MAX)
				ck_assert_float_eq(y[p], (float)best);
			else
				ck_assert(fabs(y[p] - s / 20) <= sum_tol(21, mag) / 20 + 1e-7);
		}
		net_close(&n);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* binary, unary */

static void check_binary(rfx_binary_kind kind, rfx_act act, uint32_t ra,
                         const uint32_t *da, uint32_t rb, const uint32_t *db,
                         int b_const, uint32_t seed)
{
	const uint64_t na = count_of(ra, da), nb = count_of(rb, db);
	uint32_t r = ra > rb ? ra : rb, dy[RFX_MAX_RANK], cy[RFX_MAX_RANK];
	float *bv = rand_array(&seed, nb, 0.5f, 2.0f); /* away from 0 for div */
	uint32_t ins[2];
	rfx_builder b;
	net n;

	for (uint32_t d = 0; d < r; d++) {
		int ia = (int)d - (int)(r - ra), ib = (int)d - (int)(r - rb);
		uint32_t x = ia >= 0 ? da[ia] : 1, z = ib >= 0 ? db[ib] : 1;
		dy[d] = x > z ? x : z;
	}
	if (test_rand(&seed) & 1)
		for (uint64_t k = 0; k < nb; k++)
			bv[k] = -bv[k];
	rfx_builder_init(&b);
	ins[0] = rfx_builder_input(&b, "a", RFX_DTYPE_F32, ra, da);
	ins[1] = b_const ? rfx_builder_const(&b, "b", RFX_DTYPE_F32, rb, db, bv)
			 : rfx_builder_input(&b, "b", RFX_DTYPE_F32, rb, db);
	rfx_layer *l = one_layer(&b, RFX_OP_BINARY, ins, 2);
	l->i[RFX_BINARY_KIND] = kind;
	l->i[RFX_BINARY_ACT] = act;
	finish_one(&n, &b, l);
	float *a = net_input(&n, 0, na);
	for (uint64_t k = 0; k < na; k++)
		a[k] = test_randf(&seed, -3, 3);
	if (!b_const)
		memcpy(net_input(&n, 1, nb), bv, nb * sizeof(float));
	const uint64_t ny = count_of(r, dy);
	const float *y = net_run(&n, ny);
	for (uint64_t k = 0; k < ny; k++) {
		uint32_t ca[RFX_MAX_RANK], cb[RFX_MAX_RANK];
		unravel(k, r, dy, cy);
		/* a's coordinate on each of its dims: the output's, or 0 where
		 * a has size 1. */
		for (uint32_t d = 0; d < ra; d++)
			ca[d] = da[d] == 1 ? 0 : cy[d + r - ra];
		for (uint32_t d = 0; d < rb; d++)
			cb[d] = db[d] == 1 ? 0 : cy[d + r - rb];
		float x = a[ravel(ra, da, ca)], z = bv[ravel(rb, db, cb)], v;
		switch (kind) {
		case RFX_BINARY_ADD: v = x + z; break;
		case RFX_BINARY_SUB: v = x - z; break;
		case RFX_BINARY_MUL: v = x * z; break;
		default: v = x / z; break;
		}
		if (act == RFX_ACT_RELU && v < 0)
			v = 0;
		ck_assert_msg(y[k] == v, "binary %d y[%llu] = %.9g, expected %.9g",
			      kind, (unsigned long long)k, (double)y[k], (double)v);
	}
	free(bv);
	net_close(&n);
}

START_TEST(test_binary_broadcast)
{
	const uint32_t a3[3] = {2, 3, 4}, b1[1] = {4};
	const uint32_t a3b[3] = {2, 1, 4}, b2[2] = {3, 1};
	const uint32_t a6[6] = {1, 2, 1, 3, 1, 2}, b6[6] = {2, 2, 4, 3, 5, 2};
	const uint32_t a4[4] = {2, 3, 4, 5}, b4[4] = {1, 3, 1, 1};
	const uint32_t s5[1] = {5};

	for (int kind = 0; kind < RFX_BINARY_COUNT_; kind++) {
		check_binary((rfx_binary_kind)kind, RFX_ACT_NONE, 3, a3, 1, b1, 1, 60 + kind);
		check_binary((rfx_binary_kind)kind, RFX_ACT_NONE, 3, a3b, 2, b2, 0, 64 + kind);
		check_binary((rfx_binary_kind)kind, RFX_ACT_RELU, 6, a6, 6, b6, 0, 68 + kind);
		check_binary((rfx_binary_kind)kind, RFX_ACT_NONE, 4, a4, 4, b4, 1, 72 + kind);
		check_binary((rfx_binary_kind)kind, RFX_ACT_NONE, 1, s5, 0, NULL, 1, 76 + kind);
		check_binary((rfx_binary_kind)kind, RFX_ACT_RELU, 4, b4, 4, a4, 0, 80 + kind);
	}
}
END_TEST

START_TEST(test_unary_each_act)
{
	static const float params[RFX_ACT_COUNT_][2] = {
		[RFX_ACT_CLIP] = {0, 6},
		[RFX_ACT_LEAKY_RELU] = {0.01f, 0},
		[RFX_ACT_HARD_SIGMOID] = {0.2f, 0.5f},
	};
	const uint32_t xd[2] = {7, 9};
	uint32_t seed = 90;

	for (int act = RFX_ACT_NONE; act < RFX_ACT_COUNT_; act++) {
		rfx_builder b;
		uint32_t in;
		net n;

		rfx_builder_init(&b);
		in = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 2, xd);
		rfx_layer *l = one_layer(&b, RFX_OP_UNARY, &in, 1);
		l->i[RFX_UNARY_ACT] = act;
		l->f[0] = params[act][0];
		l->f[1] = params[act][1];
		finish_one(&n, &b, l);
		float *x = net_input(&n, 0, 63);
		for (int k = 0; k < 63; k++)
			x[k] = test_randf(&seed, -8, 8);
		x[0] = 0.0f;
		x[1] = 6.0f;
		x[2] = -3.0f;
		x[3] = 3.0f;
		const float *y = net_run(&n, 63);
		for (int k = 0; k < 63; k++) {
			double want = ref_act(x[k], (rfx_act)act, params[act][0], params[act][1]);
			/* one f32 op or a libm function: a few ulps */
			ck_assert_msg(fabs(y[k] - want) <= 1e-6 * fabs(want) + 1e-7,
				      "%s(%g) = %.9g, expected %.9g", rfx_act_name((rfx_act)act),
				      (double)x[k], (double)y[k], want);
			if (act == RFX_ACT_RELU || act == RFX_ACT_CLIP || act == RFX_ACT_NONE)
				ck_assert_float_eq(y[k], (float)want);
		}
		net_close(&n);
	}
}
END_TEST

static Suite *cpu_ops_suite(void)
{
	Suite *s = suite_create("cpu_ops");
	TCase *tc;

	tc = tcase_create("conv2d");
	tcase_add_test(tc, test_conv_hand);
	tcase_add_test(tc, test_conv_stride2_asym_pad);
	tcase_add_test(tc, test_conv_dilation);
	tcase_add_test(tc, test_conv_groups);
	tcase_add_test(tc, test_conv_depthwise);
	tcase_add_test(tc, test_conv_pointwise);
	tcase_add_test(tc, test_conv_residual_each_act);
	suite_add_tcase(s, tc);

	tc = tcase_create("fc");
	tcase_add_test(tc, test_fc_batch_dims);
	suite_add_tcase(s, tc);

	tc = tcase_create("pool");
	tcase_add_test(tc, test_pool_pytorch_numbers);
	tcase_add_test(tc, test_pool_random);
	tcase_add_test(tc, test_global_pool);
	suite_add_tcase(s, tc);

	tc = tcase_create("elementwise");
	tcase_add_test(tc, test_binary_broadcast);
	tcase_add_test(tc, test_unary_each_act);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(cpu_ops_suite());
}
