/* Winograd F(2x2, 3x3) convolution → shaders/conv_wino_in.comp,
 * conv_wino_gemm.comp, conv_wino_out.comp: the "conv_wino_tb" variant of
 * float 3x3 convolutions with stride 1, dilation 1 and group 1. Each 2x2
 * block of outputs takes 16 multiply-adds per input channel instead of
 * 36, for an input transform and an output transform (additions only)
 * that pass through the session's scratch buffer. The weights are
 * transformed here once, at session creation: U = G g G^T per (output,
 * input) channel pair, computed in double and stored fp32. */
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

/* U = G g G^T for one 3x3 kernel g, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]. */
static void transform(const double g[9], double u[16])
{
	static const double G[4][3] = {
		{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1},
	};
	double gg[4][3];

	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 3; k++)
			gg[i][k] = G[i][0] * g[k] + G[i][1] * g[3 + k] +
				   G[i][2] * g[6 + k];
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			u[4 * i + j] = gg[i][0] * G[j][0] + gg[i][1] * G[j][1] +
				       gg[i][2] * G[j][2];
}

void rfx_vk_wino_pack(const rfx_graph *g, const rfx_layer *l, void *dst,
                      uint64_t *bytes)
{
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	uint64_t M = w->dims[0], C = w->dims[1];
	uint64_t nq = (M + OB - 1) / OB * (OB / 4), CP = (C + 3) / 4 * 4;
	float *out = dst;

	/* [16][nq][CP][4]: element (xi, m, c) at ((xi * nq + m / 4) * CP + c) * 4 + m % 4. */
	*bytes = 16 * nq * CP * 4 * sizeof(float);
	if (!dst)
		return;
	memset(dst, 0, *bytes);
	for (uint64_t m = 0; m < M; m++)
		for (uint64_t c = 0; c < C; c++) {
			double k[9], u[16];
			for (int i = 0; i < 9; i++)
				k[i] = weight(w, (m * C + c) * 9 + (uint64_t)i);
			transform(k, u);
			for (uint64_t xi = 0; xi < 16; xi++)
				out[((xi * nq + m / 4) * CP + c) * 4 + m % 4] = (float)u[xi];
		}
}

/* Three dispatches into d[0..3); the layer's packed weights hold U from
 * texel u_off on. */
rfx_status rfx_vk_conv_wino(const rfx_graph *g, const rfx_layer *l,
                            uint64_t u_off, rfx_vk_dispatch *d, char *err,
                            size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t C = x->dims[1], M = y->dims[1], OH = y->dims[2], OW = y->dims[3];
	uint64_t TH = (OH + 1) / 2, TW = (OW + 1) / 2, T = TH * TW;
	uint64_t NT = (uint64_t)y->dims[0] * T, C4 = (C + 3) / 4;
	uint64_t nmb = (M + OB - 1) / OB, nq = nmb * 2, ntb = (NT + TB - 1) / TB;
	uint64_t v_bytes = 16 * C4 * NT * 16, m_bytes = 16 * nq * NT * 16;
	uint32_t scratch = RFX_VK_SCRATCH(g);
	int has_res = l->n_inputs > 3;
	rfx_status st;

	if (v_bytes / 16 + m_bytes / 16 > UINT32_MAX || u_off > UINT32_MAX) {
		snprintf(err, errlen, "Winograd buffers of %llu texels",
			 (unsigned long long)((v_bytes + m_bytes) / 16));
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
	snprintf(d[0].shader, sizeof(d[0].shader), "conv_wino_in");
	rfx_vk_push(&d[0], (uint32_t[]){C, x->dims[2], x->dims[3],
					(uint32_t)l->i[RFX_CONV_PAD_T],
					(uint32_t)l->i[RFX_CONV_PAD_L],
					(uint32_t)TW, (uint32_t)T, (uint32_t)C4,
					(uint32_t)NT}, 9);
	st = rfx_vk_groups_1d(&d[0], C4 * NT, err, errlen);

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
					(uint32_t)u_off, (uint32_t)(v_bytes / 16)}, 7);
	if (st == RFX_OK)
		st = rfx_vk_groups_1d(&d[1], 16 * nmb * ntb, err, errlen);

	/* 3: M -> Y with bias, residual, activation. Without a residual the
	 * bias stands in at binding 2: never read. */
	uint32_t t[4] = {scratch, l->inputs[2],
			 has_res ? l->inputs[3] : l->inputs[2], l->outputs[0]};
	rfx_vk_bind(&d[2], g, t, 4);
	d[2].view[0] = RFX_VK_VIEW_RGBA32F;
	d[2].view[1] = RFX_VK_VIEW_R32F;
	d[2].view[2] = rfx_vk_view_r(g->tensors[t[2]].dtype);
	d[2].view[3] = RFX_VK_VIEW_STORAGE;
	snprintf(d[2].shader, sizeof(d[2].shader), "conv_wino_out_%c",
		 y->dtype == RFX_DTYPE_F16 ? 'h' : 'f');
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
