/* Winograd convolution of float 3x3 convolutions with stride 1, dilation
 * 1 and group 1, in two sizes: "conv_wino_tb", F(2x2, 3x3)
 * (shaders/conv_wino_in.comp, conv_wino_gemm.comp, conv_wino_out.comp),
 * where each 2x2 block of outputs takes 16 multiply-adds per input
 * channel instead of 36, and "conv_wino4_tb", F(4x4, 3x3)
 * (conv_wino4_in.comp, conv_wino_gemm.comp, conv_wino4_out.comp): 36
 * instead of 144 for a 4x4 block, for larger transforms and an error that
 * grows with the magnitude of the sum's terms (about 1e-6 of it in fp32,
 * tests/test_vk_variants.c). The transforms pass through the session's
 * scratch buffer. The weights are transformed here once, at session
 * creation: U = G g G^T per (output, input) channel pair, computed in
 * double and stored fp32. */
#include <stdio.h>
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

static double weight(const rfx_tensor *w, uint64_t i)
{
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
	int n = tile + 2;
	uint64_t nxi = (uint64_t)n * n;
	float *out = dst;

	/* [nxi][nq][CP][4]: element (xi, m, c) at ((xi * nq + m / 4) * CP + c) * 4 + m % 4. */
	*bytes = nxi * nq * CP * 4 * sizeof(float);
	if (!dst)
		return;
	memset(dst, 0, *bytes);
	for (uint64_t m = 0; m < M; m++)
		for (uint64_t c = 0; c < C; c++) {
			double k[9], u[36];
			for (int i = 0; i < 9; i++)
				k[i] = weight(w, (m * C + c) * 9 + (uint64_t)i);
			transform(k, n, u);
			for (uint64_t xi = 0; xi < nxi; xi++)
				out[((xi * nq + m / 4) * CP + c) * 4 + m % 4] = (float)u[xi];
		}
}

/* Three dispatches into d[0..3): tile 2 for F(2x2, 3x3), 4 for F(4x4, 3x3). */
rfx_status rfx_vk_conv_wino(const rfx_graph *g, const rfx_layer *l, int tile,
                            rfx_vk_dispatch *d, char *err, size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t C = x->dims[1], M = y->dims[1], OH = y->dims[2], OW = y->dims[3];
	uint64_t e = (uint64_t)tile, nxi = (e + 2) * (e + 2);
	uint64_t TH = (OH + e - 1) / e, TW = (OW + e - 1) / e, T = TH * TW;
	uint64_t NT = (uint64_t)y->dims[0] * T, C4 = (C + 3) / 4;
	uint64_t nmb = (M + OB - 1) / OB, nq = nmb * 2, ntb = (NT + TB - 1) / TB;
	uint64_t v_bytes = nxi * C4 * NT * 16, m_bytes = nxi * nq * NT * 16;
	uint32_t scratch = RFX_VK_SCRATCH(g);
	int has_res = l->n_inputs > 3, f4 = tile == 4;
	rfx_status st;

	if ((v_bytes + m_bytes) / 4 > UINT32_MAX) {
		snprintf(err, errlen, "Winograd buffers of %llu floats",
			 (unsigned long long)((v_bytes + m_bytes) / 4));
		return RFX_E_UNSUPPORTED;
	}
	memset(d, 0, 3 * sizeof(*d));
	for (int i = 0; i < 3; i++)
		d[i].scratch_bytes = v_bytes + m_bytes;

	/* 1: X -> V, scratch [0, v_bytes). */
	d[0].tensor[0] = l->inputs[0];
	d[0].tensor[1] = scratch;
	d[0].n_bindings = 2;
	d[0].out_binding = 1;
	d[0].write_bytes = v_bytes;
	d[0].view[0] = rfx_vk_view_r(x->dtype);
	d[0].view[1] = RFX_VK_VIEW_STORAGE;
	snprintf(d[0].shader, sizeof(d[0].shader), f4 ? "conv_wino4_in" : "conv_wino_in");
	rfx_vk_push(&d[0], (uint32_t[]){C, x->dims[2], x->dims[3],
					(uint32_t)l->i[RFX_CONV_PAD_T],
					(uint32_t)l->i[RFX_CONV_PAD_L],
					(uint32_t)TW, (uint32_t)T, (uint32_t)C4,
					(uint32_t)NT}, 9);
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
	snprintf(d[1].shader, sizeof(d[1].shader), "conv_wino_gemm");
	rfx_vk_push(&d[1], (uint32_t[]){(uint32_t)C4, (uint32_t)NT, (uint32_t)nq,
					(uint32_t)nmb, (uint32_t)ntb,
					(uint32_t)(v_bytes / 16), (uint32_t)nxi}, 7);
	if (st == RFX_OK)
		st = rfx_vk_groups_1d(&d[1], nxi * nmb * ntb, err, errlen);

	/* 3: M -> Y with bias, residual, activation. Without a residual the
	 * bias stands in at binding 2: never read. */
	uint32_t t[4] = {scratch, l->inputs[2],
			 has_res ? l->inputs[3] : l->inputs[2], l->outputs[0]};
	rfx_vk_bind(&d[2], g, t, 4);
	d[2].view[0] = RFX_VK_VIEW_RGBA32F;
	d[2].view[1] = RFX_VK_VIEW_R32F;
	d[2].view[2] = rfx_vk_view_r(g->tensors[t[2]].dtype);
	d[2].view[3] = RFX_VK_VIEW_STORAGE;
	snprintf(d[2].shader, sizeof(d[2].shader), "conv_wino%s_out_%c",
		 f4 ? "4" : "", y->dtype == RFX_DTYPE_F16 ? 'h' : 'f');
	rfx_vk_push(&d[2], (uint32_t[]){M, OH, OW, (uint32_t)TW, (uint32_t)T,
					(uint32_t)NT, (uint32_t)nq,
					(uint32_t)((M + 3) / 4),
					(uint32_t)(v_bytes / 16),
					(uint32_t)l->i[RFX_CONV_ACT]}, 10);
	rfx_vk_push_f(&d[2], l->f[0]);
	rfx_vk_push_f(&d[2], l->f[1]);
	rfx_vk_push_u(&d[2], (uint32_t)has_res);
	if (st == RFX_OK)
		st = rfx_vk_groups_1d(&d[2], (M + 3) / 4 * NT, err, errlen);
	return st;
}
