/* Winograd convolution of 3x3 convolutions with stride 1, dilation 1 and
 * group 1. Float layers in two sizes: "conv_wino_tb", F(2x2, 3x3)
 * (shaders/conv_wino_in.comp, conv_wino_gemm.comp, conv_wino_out.comp),
 * where each 2x2 block of outputs takes 16 multiply-adds per input
 * channel instead of 36, and "conv_wino4_tb", F(4x4, 3x3)
 * (conv_wino4_in.comp, conv_wino_gemm.comp, conv_wino4_out.comp): 36
 * instead of 144 for a 4x4 block, for larger transforms and an error that
 * grows with the magnitude of the sum's terms (about 1e-6 of it in fp32,
 * tests/test_vk_variants.c). The transforms pass through the session's
 * scratch buffer. The weights are transformed here once, at session
 * creation: U = G g G^T per (output, input) channel pair, computed in
 * double and stored fp32.
 *
 * int8 layers: "conv_i8_wino_tb", F(2x2, 3x3) in exact integers, bit for
 * bit the sum of engine/cpu/conv2d.c. The weights are transformed by
 * G' = 2G (U' = 4U, integers of at most 25 * 128), the input's x - z_x by
 * B (integers of at most 4 * 255, conv_wino_in.comp -DI8); their products
 * are summed in fp32 over as few channels as keep every partial sum at or
 * below 2^24, where fp32 holds every integer, and those sums join int32
 * sums (conv_wino_gemm.comp -DEXACT, wino_i8_chunk()); the output
 * transform is integer and gives 4 times the sum (conv_wino_out.comp -DI8).
 * F(4x4, 3x3)'s integer products reach 2^31, past fp32's exact integers:
 * int8 layers take only F(2x2).
 *
 * Tile 1 is the same three steps without a transform: an int8 1x1
 * convolution without padding, any stride, as an exact GEMM
 * ("conv_i8_gemm_tb": conv_i8_gemm_in.comp, conv_wino_gemm.comp -DEXACT,
 * conv_i8_gemm_out.comp), reading int8 nowhere in its inner loop. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/half.h"
#include "vk/ops.h"

#define OB 8 /* output channels per invocation of conv_wino_gemm.comp */
#define TB 8 /* tiles per invocation */

int rfx_vk_wino_serves(const rfx_graph *g, const rfx_layer *l)
{
	const rfx_tensor *w = &g->tensors[l->inputs[1]];

	return l->op == RFX_OP_CONV2D && l->i[RFX_CONV_GROUP] == 1 &&
	       w->rank == 4 && w->dims[2] == 3 && w->dims[3] == 3 &&
	       l->i[RFX_CONV_STRIDE_H] == 1 && l->i[RFX_CONV_STRIDE_W] == 1 &&
	       l->i[RFX_CONV_DIL_H] == 1 && l->i[RFX_CONV_DIL_W] == 1;
}

/* |x - z_x| <= 255 and |U'| <= 25 * 128 (below): 4 times the sum of an
 * output must stay inside int32 for the output transform's wrapping
 * arithmetic to give it exactly, so each output channel's sum of |w| is
 * bounded: 4 * 255 * sum |w| < 2^31. */
#define WINO_I8_MAX_ABS_SUM (2147483647.0 / (4.0 * 255.0))

int rfx_vk_wino_i8_serves(const rfx_graph *g, const rfx_layer *l)
{
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	uint64_t K;

	if (!rfx_vk_wino_serves(g, l) || w->dtype != RFX_DTYPE_I8 || !w->data)
		return 0;
	K = (uint64_t)w->dims[1] * 9;
	for (uint64_t m = 0; m < w->dims[0]; m++) {
		const int8_t *wm = (const int8_t *)w->data + m * K;
		double sum = 0;
		for (uint64_t k = 0; k < K; k++)
			sum += abs(wm[k]);
		if (sum >= WINO_I8_MAX_ABS_SUM)
			return 0;
	}
	return 1;
}

/* Channel blocks (4 channels) per exact fp32 sum of conv_wino_gemm.comp
 * -DEXACT: |U'_xi| of a 3x3 kernel g is at most sum over taps of
 * c_ab |g_ab|, c_ab = m_a m_b with m = (2, 1, 2) (the largest |G'| entry
 * of each column), |V| at most 4 * max |x - z_x| (tile 1: |w| and
 * max |x - z_x|); a block of ck channel blocks sums at most ck times the
 * largest block's bound. */
static uint32_t wino_i8_chunk(const rfx_tensor *w, int32_t zx, int tile)
{
	static const int coef3[9] = {4, 2, 4, 2, 1, 2, 4, 2, 4};
	static const int coef1[1] = {1};
	const int *coef = tile == 1 ? coef1 : coef3;
	int KK = tile == 1 ? 1 : 9;
	uint64_t M = w->dims[0], C = w->dims[1], C4 = (C + 3) / 4;
	const int8_t *src = w->data;
	double vmax = (tile == 1 ? 1.0 : 4.0) * (zx < 0 ? 127.0 - zx : 128.0 + zx);
	double smax = 1;

	for (uint64_t m = 0; m < M; m++)
		for (uint64_t c4 = 0; c4 < C4; c4++) {
			double s = 0;
			for (uint64_t c = 4 * c4; c < C && c < 4 * c4 + 4; c++)
				for (int k = 0; k < KK; k++)
					s += coef[k] * abs(src[(m * C + c) * (uint64_t)KK + (uint64_t)k]);
			smax = s > smax ? s : smax;
		}
	double ck = floor(16777216.0 / (vmax * smax));
	return ck >= (double)C4 ? (uint32_t)C4 : ck < 1 ? 1u : (uint32_t)ck;
}

static double weight(const rfx_tensor *w, uint64_t i)
{
	if (w->dtype == RFX_DTYPE_I8)
		return ((const int8_t *)w->data)[i];
	if (w->dtype == RFX_DTYPE_F16)
		return rfx_f16_to_f32(((const uint16_t *)w->data)[i]);
	return ((const float *)w->data)[i];
}

/* U = G g G^T for one 3x3 kernel g: n = 4 (F(2x2, 3x3)) or 6 (F(4x4, 3x3)). */
static void transform(const double g[9], int n, double *u)
{
	static const double G2[4][3] = {
		{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1},
	};
	static const double G4[6][3] = {
		{1.0 / 4, 0, 0},
		{-1.0 / 6, -1.0 / 6, -1.0 / 6},
		{-1.0 / 6, 1.0 / 6, -1.0 / 6},
		{1.0 / 24, 1.0 / 12, 1.0 / 6},
		{1.0 / 24, -1.0 / 12, 1.0 / 6},
		{0, 0, 1},
	};
	const double (*G)[3] = n == 4 ? G2 : G4;
	double gg[6][3];

	for (int i = 0; i < n; i++)
		for (int k = 0; k < 3; k++)
			gg[i][k] = G[i][0] * g[k] + G[i][1] * g[3 + k] +
				   G[i][2] * g[6 + k];
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			u[n * i + j] = gg[i][0] * G[j][0] + gg[i][1] * G[j][1] +
				       gg[i][2] * G[j][2];
}

void rfx_vk_wino_pack(const rfx_graph *g, const rfx_layer *l, int tile,
                      void *dst, uint64_t *bytes)
{
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	uint64_t M = w->dims[0], C = w->dims[1];
	uint64_t nq = (M + OB - 1) / OB * (OB / 4), CP = (C + 3) / 4 * 4;
	int n = tile == 1 ? 1 : tile + 2, KK = tile == 1 ? 1 : 9;
	uint64_t nxi = (uint64_t)n * n;
	/* int8: 4U = (2G) g (2G)^T, integers (G's entries are halves) */
	double scale = w->dtype == RFX_DTYPE_I8 && tile > 1 ? 4.0 : 1.0;
	float *out = dst;

	/* [nxi][nq][CP][4]: element (xi, m, c) at ((xi * nq + m / 4) * CP + c) * 4 + m % 4. */
	*bytes = nxi * nq * CP * 4 * sizeof(float);
	if (!dst)
		return;
	memset(dst, 0, *bytes);
	for (uint64_t m = 0; m < M; m++)
		for (uint64_t c = 0; c < C; c++) {
			double k[9], u[36];
			for (int i = 0; i < KK; i++)
				k[i] = weight(w, (m * C + c) * (uint64_t)KK + (uint64_t)i);
			if (tile == 1)
				u[0] = k[0];
			else
				transform(k, n, u);
			for (uint64_t xi = 0; xi < nxi; xi++)
				out[((xi * nq + m / 4) * CP + c) * 4 + m % 4] =
					(float)(scale * u[xi]);
		}
}

/* Step 3's bindings: M -> Y with the bias, residual and activation, or for
 * an int8 layer with the int8 end of conv_i8_store.glsl (bias_q in the
 * layer's parameter block). Without a residual another input stands in at
 * binding 2: never read. */
static void wino_out_bind(const rfx_graph *g, const rfx_layer *l, int i8,
                          int tile, rfx_vk_dispatch *d)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	int has_res = l->n_inputs > 3;
	uint32_t t[4] = {RFX_VK_SCRATCH(g),
			 i8 ? rfx_vk_layer_params_binding(g, l) : l->inputs[2],
			 has_res ? l->inputs[3] : l->inputs[i8 ? 0 : 2],
			 l->outputs[0]};

	rfx_vk_bind(d, g, t, 4);
	d->view[3] = RFX_VK_VIEW_STORAGE;
	if (i8) {
		d->view[0] = RFX_VK_VIEW_RGBA32I;
		d->view[1] = RFX_VK_VIEW_RGBA32I;
		d->view[2] = RFX_VK_VIEW_R8I;
		snprintf(d->shader, sizeof(d->shader), "%s",
			 tile == 1 ? "conv_i8_gemm_out" : "conv_wino_out_i8");
		return;
	}
	d->view[0] = RFX_VK_VIEW_RGBA32F;
	d->view[1] = RFX_VK_VIEW_R32F;
	d->view[2] = rfx_vk_view_r(g->tensors[t[2]].dtype);
	snprintf(d->shader, sizeof(d->shader), "conv_wino%s_out_%c",
		 tile == 4 ? "4" : "", y->dtype == RFX_DTYPE_F16 ? 'h' : 'f');
}

/* Three dispatches into d[0..3): tile 2 for F(2x2, 3x3), 4 for F(4x4,
 * 3x3), 1 for an int8 1x1 layer as a GEMM; an int8 layer (tile 2 or 1)
 * gets the exact integer steps. */
rfx_status rfx_vk_conv_wino(const rfx_graph *g, const rfx_layer *l, int tile,
                            rfx_vk_dispatch *d, char *err, size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t C = x->dims[1], M = y->dims[1], OH = y->dims[2], OW = y->dims[3];
	uint64_t e = (uint64_t)tile, nxi = tile == 1 ? 1 : (e + 2) * (e + 2);
	uint64_t TH = (OH + e - 1) / e, TW = (OW + e - 1) / e, T = TH * TW;
	uint64_t NT = (uint64_t)y->dims[0] * T, C4 = (C + 3) / 4;
	uint64_t nmb = (M + OB - 1) / OB, nq = nmb * 2, ntb = (NT + TB - 1) / TB;
	uint64_t v_bytes = nxi * C4 * NT * 16, m_bytes = nxi * nq * NT * 16;
	uint32_t scratch = RFX_VK_SCRATCH(g);
	int has_res = l->n_inputs > 3, f4 = tile == 4;
	int i8 = rfx_quant_layer_is_int8(l);
	rfx_quant_layer q;
	rfx_status st;

	if ((v_bytes + m_bytes) / 4 > UINT32_MAX) {
		snprintf(err, errlen, "Winograd buffers of %llu floats",
			 (unsigned long long)((v_bytes + m_bytes) / 4));
		return RFX_E_UNSUPPORTED;
	}
	if (i8 && (f4 || (tile == 2 && !rfx_vk_wino_i8_serves(g, l)))) {
		snprintf(err, errlen, "int8 Winograd: F(2x2, 3x3) only, and sums "
			 "of |w| per output channel below %.0f", WINO_I8_MAX_ABS_SUM);
		return RFX_E_UNSUPPORTED;
	}
	if (!i8 && tile == 1) {
		snprintf(err, errlen, "the 1x1 GEMM steps are int8 only");
		return RFX_E_UNSUPPORTED;
	}
	if (i8 && (st = rfx_quant_layer_init(g, l, &q, err, errlen)) != RFX_OK)
		return st;
	memset(d, 0, 3 * sizeof(*d));
	for (int i = 0; i < 3; i++)
		d[i].scratch_bytes = v_bytes + m_bytes;

	/* 1: X -> V, scratch [0, v_bytes). */
	d[0].tensor[0] = l->inputs[0];
	d[0].tensor[1] = scratch;
	d[0].n_bindings = 2;
	d[0].out_binding = 1;
	d[0].write_bytes = v_bytes;
	d[0].view[0] = i8 ? RFX_VK_VIEW_R8I : rfx_vk_view_r(x->dtype);
	d[0].view[1] = RFX_VK_VIEW_STORAGE;
	snprintf(d[0].shader, sizeof(d[0].shader), "%s",
		 f4 ? "conv_wino4_in" : tile == 1 ? "conv_i8_gemm_in"
		 : i8 ? "conv_wino_in_i8" : "conv_wino_in");
	rfx_vk_push(&d[0], (uint32_t[]){C, x->dims[2], x->dims[3],
					(uint32_t)l->i[RFX_CONV_PAD_T],
					(uint32_t)l->i[RFX_CONV_PAD_L],
					(uint32_t)TW, (uint32_t)T, (uint32_t)C4,
					(uint32_t)NT}, 9);
	if (i8)
		rfx_vk_push_u(&d[0], (uint32_t)q.in_zp[0]);
	if (tile == 1)
		rfx_vk_push(&d[0], (uint32_t[]){(uint32_t)l->i[RFX_CONV_STRIDE_H],
						(uint32_t)l->i[RFX_CONV_STRIDE_W]}, 2);
	/* F(4x4): one invocation per channel; F(2x2): per 4 channels. */
	st = rfx_vk_groups_1d(&d[0], (f4 ? 4 : 1) * C4 * NT, err, errlen);

	/* 2: V, U -> M, scratch [v_bytes, v_bytes + m_bytes). */
	d[1].tensor[0] = scratch;
	d[1].tensor[1] = rfx_vk_layer_packed_binding(g, l);
	d[1].tensor[2] = scratch;
	d[1].n_bindings = 3;
	d[1].out_binding = 2;
	d[1].write_offset = v_bytes;
	d[1].write_bytes = m_bytes;
	d[1].view[0] = RFX_VK_VIEW_RGBA32F;
	d[1].view[1] = RFX_VK_VIEW_RGBA32F;
	d[1].view[2] = RFX_VK_VIEW_STORAGE;
	snprintf(d[1].shader, sizeof(d[1].shader), "%s",
		 i8 ? "conv_wino_gemm_i8" : "conv_wino_gemm");
	rfx_vk_push(&d[1], (uint32_t[]){(uint32_t)C4, (uint32_t)NT, (uint32_t)nq,
					(uint32_t)nmb, (uint32_t)ntb,
					(uint32_t)(v_bytes / 16), (uint32_t)nxi}, 7);
	/* The chunks that join exact sums (one for fp32), the channel
	 * blocks of each. */
	uint64_t ck = i8 ? wino_i8_chunk(&g->tensors[l->inputs[1]], q.in_zp[0],
					 tile) : C4;
	d[1].loops = C4 + 2 * ((C4 + ck - 1) / ck) + 1 + RFX_VK_LOOP_EXTRA;
	if (i8)
		rfx_vk_push_u(&d[1], (uint32_t)ck);
	if (st == RFX_OK)
		st = rfx_vk_groups_1d(&d[1], nxi * nmb * ntb, err, errlen);

	/* 3: M -> Y. */
	wino_out_bind(g, l, i8, tile, &d[2]);
	rfx_vk_push(&d[2], (uint32_t[]){M, OH, OW, (uint32_t)TW, (uint32_t)T,
					(uint32_t)NT, (uint32_t)nq,
					(uint32_t)((M + 3) / 4),
					(uint32_t)(v_bytes / 16)}, 9);
	if (i8) {
		rfx_vk_push(&d[2], (uint32_t[]){(uint32_t)q.out_zp, (uint32_t)q.lo,
						(uint32_t)q.hi, (uint32_t)has_res,
						(uint32_t)q.in_zp[3]}, 5);
		rfx_vk_push_rq(&d[2], q.in_rq[3]);
		rfx_vk_push_rq(&d[2], q.sum_rq);
		rfx_quant_layer_finish(&q);
	} else {
		rfx_vk_push_u(&d[2], (uint32_t)l->i[RFX_CONV_ACT]);
		rfx_vk_push_f(&d[2], l->f[0]);
		rfx_vk_push_f(&d[2], l->f[1]);
		rfx_vk_push_u(&d[2], (uint32_t)has_res);
	}
	if (st == RFX_OK)
		st = rfx_vk_groups_1d(&d[2], (M + 3) / 4 * (tile == 1 ? (NT + 7) / 8 : NT),
				      err, errlen); /* tile 1: 8 pixels each */
	return st;
}
