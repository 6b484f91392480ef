/* Conv2d and fc through uniform texel buffers → shaders/conv_tb.comp and
 * shaders/fc_tb.comp; the variants each layer can take (conv2d, fc,
 * pool2d), and the weight packing those kernels read (ops.h). */
#include <stdio.h>
#include <string.h>

#include "vk/ops.h"

#define OB 8 /* output channels per invocation, as in the shaders */
#define PB 8 /* output pixels per invocation (conv_tb.comp) */

static int is_float(rfx_dtype dt)
{
	return dt == RFX_DTYPE_F32 || dt == RFX_DTYPE_F16;
}

static uint8_t view_rgba(rfx_dtype dt)
{
	return dt == RFX_DTYPE_F16 ? RFX_VK_VIEW_RGBA16F : RFX_VK_VIEW_RGBA32F;
}

/* Every tensor of l is fp32 or fp16 and the bias fp32 (what the float
 * kernels serve). */
static int float_layer(const rfx_graph *g, const rfx_layer *l)
{
	if (rfx_quant_layer_is_int8(l) || l->n_inputs < 3)
		return 0;
	for (uint32_t i = 0; i < l->n_inputs; i++)
		if (!is_float(g->tensors[l->inputs[i]].dtype))
			return 0;
	return g->tensors[l->inputs[2]].dtype == RFX_DTYPE_F32 &&
	       is_float(g->tensors[l->outputs[0]].dtype);
}

/* A float pooling layer (int8 ones have their own kernel). */
static int float_pool(const rfx_graph *g, const rfx_layer *l)
{
	return !rfx_quant_layer_is_int8(l) &&
	       is_float(g->tensors[l->inputs[0]].dtype) &&
	       is_float(g->tensors[l->outputs[0]].dtype);
}

/* An int8 convolution of group 1 (conv_i8_c4_tb serves it). */
static int int8_conv(const rfx_graph *g, const rfx_layer *l)
{
	return l->op == RFX_OP_CONV2D && rfx_quant_layer_is_int8(l) &&
	       l->n_inputs >= 3 && l->i[RFX_CONV_GROUP] == 1 &&
	       g->tensors[l->inputs[0]].dtype == RFX_DTYPE_I8 &&
	       g->tensors[l->inputs[1]].dtype == RFX_DTYPE_I8 &&
	       g->tensors[l->outputs[0]].dtype == RFX_DTYPE_I8 &&
	       g->tensors[l->inputs[1]].dims[3] <= 128; /* exact fp32 rows */
}

/* An int8 depthwise convolution (conv_i8_dw_tb serves it). */
static int int8_dw(const rfx_graph *g, const rfx_layer *l)
{
	uint32_t C = g->tensors[l->inputs[0]].dims[1];
	uint32_t M = g->tensors[l->outputs[0]].dims[1];

	return l->op == RFX_OP_CONV2D && rfx_quant_layer_is_int8(l) &&
	       l->n_inputs >= 3 && l->i[RFX_CONV_GROUP] > 1 &&
	       (uint32_t)l->i[RFX_CONV_GROUP] == C && M % C == 0 &&
	       g->tensors[l->inputs[0]].dtype == RFX_DTYPE_I8 &&
	       g->tensors[l->inputs[1]].dtype == RFX_DTYPE_I8 &&
	       g->tensors[l->outputs[0]].dtype == RFX_DTYPE_I8;
}

/* 1x1, no padding, any stride. */
static int is_1x1(const rfx_graph *g, const rfx_layer *l)
{
	const rfx_tensor *w = &g->tensors[l->inputs[1]];

	return w->dims[2] == 1 && w->dims[3] == 1 &&
	       l->i[RFX_CONV_PAD_T] == 0 && l->i[RFX_CONV_PAD_L] == 0 &&
	       l->i[RFX_CONV_PAD_B] == 0 && l->i[RFX_CONV_PAD_R] == 0;
}

/* 1x1, stride 1, no padding: the output pixels are X's columns. */
static int is_pointwise(const rfx_graph *g, const rfx_layer *l)
{
	return is_1x1(g, l) && l->i[RFX_CONV_STRIDE_H] == 1 &&
	       l->i[RFX_CONV_STRIDE_W] == 1;
}

static int is_depthwise(const rfx_graph *g, const rfx_layer *l)
{
	uint32_t C = g->tensors[l->inputs[0]].dims[1];
	uint32_t M = g->tensors[l->outputs[0]].dims[1];
	uint32_t group = (uint32_t)l->i[RFX_CONV_GROUP];

	return group > 1 && group == C && M % C == 0;
}

/* Depthwise 3x3, dilation 1, the same stride 1 or 2 both ways (conv_dw3_tb). */
static int is_dw3(const rfx_graph *g, const rfx_layer *l)
{
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	int32_t sh = l->i[RFX_CONV_STRIDE_H];

	return is_depthwise(g, l) && w->dims[2] == 3 && w->dims[3] == 3 &&
	       l->i[RFX_CONV_DIL_H] == 1 && l->i[RFX_CONV_DIL_W] == 1 &&
	       sh == l->i[RFX_CONV_STRIDE_W] && (sh == 1 || sh == 2);
}

/* Loop passes per input channel (or block) of a loop over w's taps: the
 * channel loop's own, then the window's (rfx_vk_dispatch.loops). */
static uint64_t tap_loops(const rfx_tensor *w)
{
	return 1 + rfx_vk_window_loops(w->dims[2], w->dims[3]);
}

uint32_t rfx_vk_layer_variants(const rfx_graph *g, const rfx_layer *l,
                               const rfx_vk_caps *caps, const char **out,
                               uint32_t cap)
{
	/* Room past RFX_VK_MAX_VARIANTS: a list that outgrows it (the float
	 * 1x1 one has 5) is cut to `cap` below, never written past v. */
	const char *v[2 * RFX_VK_MAX_VARIANTS];
	uint32_t n = 0;

	/* The order is the device's default where tuning is off or its budget
	 * ends first: fewest fetches per multiply-add first. */
	if (int8_dw(g, l)) {
		if (caps->int8 && caps->texel_i8) {
			if (is_dw3(g, l) &&
			    rfx_tensor_elements(&g->tensors[l->inputs[0]]) % 4 == 0)
				v[n++] = "conv_i8_dw3v4_tb"; /* whole texels */
			if (is_dw3(g, l))
				v[n++] = "conv_i8_dw3_tb";
			v[n++] = "conv_i8_dw_tb";
			v[n++] = "conv2d_i8_sb";
		}
	} else if (int8_conv(g, l)) {
		if (caps->int8 && caps->texel_i8) {
			if (caps->texel && rfx_vk_wino_i8_serves(g, l))
				v[n++] = "conv_i8_wino_tb";
			const rfx_tensor *x = &g->tensors[l->inputs[0]];
			if (caps->texel && is_pointwise(g, l) &&
			    rfx_tensor_elements(x) % 4 == 0) /* whole texels */
				v[n++] = "conv_i8_gemm4_tb";
			if (caps->texel && is_1x1(g, l))
				v[n++] = "conv_i8_gemm_tb";
			v[n++] = "conv_i8_c4_tb";
			v[n++] = "conv2d_i8_sb";
		}
	} else if (l->op == RFX_OP_POOL2D && rfx_quant_layer_is_int8(l)) {
		if (caps->int8 && caps->texel_i8) {
			if (rfx_vk_pool2d_row_serves(g, l))
				v[n++] = "pool2d_row_tb";
			v[n++] = "pool2d_i8_tb";
			v[n++] = "pool2d_i8_sb";
		}
	} else if (l->op == RFX_OP_POOL2D && float_pool(g, l)) {
		if (caps->texel && rfx_vk_pool2d_row_serves(g, l))
			v[n++] = "pool2d_row_tb";
		if (caps->texel)
			v[n++] = "pool2d_tb";
		v[n++] = "pool2d_sb";
	} else if (l->op == RFX_OP_FC && float_layer(g, l)) {
		if (caps->texel)
			v[n++] = "fc_tb";
		v[n++] = "fc_sb";
	} else if (l->op == RFX_OP_CONV2D && float_layer(g, l)) {
		const rfx_tensor *y = &g->tensors[l->outputs[0]];
		int pw = is_pointwise(g, l);
		if (caps->texel && l->i[RFX_CONV_GROUP] == 1) {
			const rfx_tensor *x = &g->tensors[l->inputs[0]];
			uint64_t sub = (uint64_t)x->dims[0] * x->dims[1] *
				       y->dims[2] * y->dims[3];
			if (pw && rfx_tensor_elements(x) % 4 == 0) /* whole texels */
				v[n++] = "conv_gemm4_tb";
			if (!pw && is_1x1(g, l) && sub % 4 == 0)
				v[n++] = "conv_gemm4s_tb";
			if (rfx_vk_wino_serves(g, l)) {
				/* F(4x4) wastes more of a small image's
				 * edge tiles: F(2x2) first below 14x14. */
				int big = y->dims[2] * y->dims[3] >= 14 * 14;
				v[n++] = big ? "conv_wino4_tb" : "conv_wino_tb";
				v[n++] = big ? "conv_wino_tb" : "conv_wino4_tb";
			}
			v[n++] = "conv_c4_tb";
			if (pw)
				v[n++] = "conv_gemm_tb";
			v[n++] = "conv_direct_tb";
		} else if (caps->texel && is_depthwise(g, l)) {
			if (is_dw3(g, l) &&
			    rfx_tensor_elements(&g->tensors[l->inputs[0]]) % 4 == 0)
				v[n++] = "conv_dw3v4_tb"; /* whole texels */
			if (is_dw3(g, l))
				v[n++] = "conv_dw3_tb";
			v[n++] = "conv_dw_tb";
			if (y->dims[1] == g->tensors[l->inputs[0]].dims[1])
				v[n++] = "conv_dw_c4_tb";
		}
		v[n++] = "conv2d_sb";
	}
	if (n < 2)
		return 0;
	for (uint32_t i = 0; i < n && i < cap; i++)
		out[i] = v[i];
	return n < cap ? n : cap;
}

uint32_t rfx_vk_layer_packed_binding(const rfx_graph *g, const rfx_layer *l)
{
	return g->n_tensors + RFX_VK_EXTRA_LAYER_PARAMS + g->n_layers +
	       (uint32_t)(l - g->layers);
}

/* int8 conv weights [M][C][KK] for conv_i8_c4_tb.comp: [ceil(M/8)]
 * [ceil(C/4)][KK][8][4], missing channels zero. */
static void packed_i8_c4(const rfx_tensor *w, void *dst, uint64_t *bytes)
{
	uint64_t M = w->dims[0], C = w->dims[1], KK = (uint64_t)w->dims[2] * w->dims[3];
	uint64_t nmb = (M + OB - 1) / OB, C4 = (C + 3) / 4;
	const int8_t *src = w->data;
	int8_t *out = dst;

	*bytes = nmb * C4 * KK * OB * 4;
	if (!dst)
		return;
	memset(dst, 0, *bytes);
	for (uint64_t m = 0; m < M; m++)
		for (uint64_t c = 0; c < C; c++)
			for (uint64_t k = 0; k < KK; k++)
				out[((((m / OB) * C4 + c / 4) * KK + k) * OB + m % OB) * 4 +
				    c % 4] = src[(m * C + c) * KK + k];
}

/* The Winograd tile of a variant: 2 (conv_wino_tb, conv_i8_wino_tb), 4
 * (conv_wino4_tb), 1 (conv_i8_gemm_tb: the same steps without a
 * transform), 0 for the others. */
static int wino_tile(const char *variant)
{
	if (strcmp(variant, "conv_i8_gemm_tb") == 0)
		return 1;
	if (strcmp(variant, "conv_wino_tb") == 0 ||
	    strcmp(variant, "conv_i8_wino_tb") == 0)
		return 2;
	return strcmp(variant, "conv_wino4_tb") == 0 ? 4 : 0;
}

/* Whether a texel kernel reads the [quads][K][4] packing (conv_i8_gemm4_tb:
 * its int8 weights as fp32). */
static int reads_quads(const char *variant)
{
	static const char *const names[] = {
		"conv_gemm4_tb", "conv_gemm4s_tb", "conv_gemm_tb", "conv_direct_tb",
		"conv_c4_tb", "fc_tb", "conv_i8_gemm4_tb",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(variant, names[i]) == 0)
			return 1;
	return 0;
}

void rfx_vk_layer_packed(const rfx_graph *g, const rfx_layer *l,
                         const char *variant, void *dst, uint64_t *bytes)
{
	const rfx_tensor *w;
	uint64_t M, K, quads, es;

	*bytes = 0;
	if (!variant)
		return;
	if (strcmp(variant, "conv_i8_c4_tb") == 0) {
		packed_i8_c4(&g->tensors[l->inputs[1]], dst, bytes);
		return;
	}
	if (wino_tile(variant)) {
		rfx_vk_wino_pack(g, l, wino_tile(variant), dst, bytes);
		return;
	}
	if (!reads_quads(variant))
		return;
	w = &g->tensors[l->inputs[1]];
	es = rfx_dtype_size(w->dtype);
	M = w->dims[0];
	K = M ? rfx_tensor_elements(w) / M : 0;
	quads = (M + OB - 1) / OB * (OB / 4);
	if (w->dtype == RFX_DTYPE_I8) { /* as fp32: integers */
		float *out = dst;
		*bytes = quads * K * 4 * sizeof(float);
		if (!dst)
			return;
		memset(dst, 0, *bytes);
		for (uint64_t m = 0; m < M; m++)
			for (uint64_t k = 0; k < K; k++)
				out[((m / 4) * K + k) * 4 + m % 4] =
					((const int8_t *)w->data)[m * K + k];
		return;
	}
	*bytes = quads * K * 4 * es;
	if (!dst)
		return;
	memset(dst, 0, *bytes);
	/* [M][K] -> [quads][K][4]: element (m, k) to ((m / 4) * K + k) * 4 + m % 4. */
	for (uint64_t m = 0; m < M; m++)
		for (uint64_t k = 0; k < K; k++)
			memcpy((uint8_t *)dst + (((m / 4) * K + k) * 4 + m % 4) * es,
			       (const uint8_t *)w->data + (m * K + k) * es, es);
}

static rfx_status conv_tb(const rfx_graph *g, const rfx_layer *l,
                          const char *variant, rfx_vk_dispatch *d,
                          char *err, size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	int has_res = l->n_inputs > 3;
	int dwc4 = strcmp(variant, "conv_dw_c4_tb") == 0;
	int dw3v4 = strcmp(variant, "conv_dw3v4_tb") == 0;
	int dw3 = dw3v4 || strcmp(variant, "conv_dw3_tb") == 0;
	int dw = dwc4 || dw3 || strcmp(variant, "conv_dw_tb") == 0;
	int sub = strcmp(variant, "conv_gemm4s_tb") == 0;
	int v4 = sub || dw3v4 || strcmp(variant, "conv_gemm4_tb") == 0;
	int c4 = dwc4 || strcmp(variant, "conv_c4_tb") == 0;
	/* Without a residual the bias stands in at binding 3: never read. */
	uint32_t t[5] = {c4 || sub ? RFX_VK_SCRATCH(g) : l->inputs[0],
			 dw ? l->inputs[1] : rfx_vk_layer_packed_binding(g, l),
			 l->inputs[2], has_res ? l->inputs[3] : l->inputs[2],
			 l->outputs[0]};
	uint64_t HW = (uint64_t)y->dims[2] * y->dims[3];
	uint64_t npb = (HW + PB - 1) / PB;
	uint64_t nmb = dwc4 ? (y->dims[1] + 3) / 4
		       : dw ? y->dims[1] : (y->dims[1] + OB - 1) / OB;
	rfx_status st;

	rfx_vk_bind(d, g, t, 5);
	snprintf(d->shader, sizeof(d->shader), "%s_%c", sub ? "conv_gemm4_tb" : variant,
		 y->dtype == RFX_DTYPE_F16 ? 'h' : 'f');
	if (dw3) /* a kernel per stride: its row window has a fixed size */
		snprintf(d->shader, sizeof(d->shader), "conv_dw3%ss%d_tb_%c",
			 dw3v4 ? "v4" : "", l->i[RFX_CONV_STRIDE_H],
			 y->dtype == RFX_DTYPE_F16 ? 'h' : 'f');
	d->view[0] = c4 || sub ? RFX_VK_VIEW_RGBA32F
		     : v4 ? view_rgba(x->dtype) : rfx_vk_view_r(x->dtype);
	if (sub) /* X's pixels the stride keeps, dense (subsample()) */
		d->scratch_bytes = (uint64_t)x->dims[0] * x->dims[1] * HW * 4;
	if (c4)
		d->scratch_bytes = (uint64_t)x->dims[0] * ((x->dims[1] + 3) / 4) *
				   x->dims[2] * x->dims[3] * 16;
	d->view[1] = dw ? rfx_vk_view_r(w->dtype) : view_rgba(w->dtype);
	d->view[2] = RFX_VK_VIEW_R32F;
	d->view[3] = rfx_vk_view_r(g->tensors[t[3]].dtype);
	d->view[4] = RFX_VK_VIEW_STORAGE;
	rfx_vk_push_conv_geometry(d, g, l);
	uint32_t pc[] = {
		(uint32_t)l->i[RFX_CONV_ACT],
	};
	rfx_vk_push(d, pc, sizeof(pc) / 4);
	rfx_vk_push_f(d, l->f[0]);
	rfx_vk_push_f(d, l->f[1]);
	rfx_vk_push_u(d, (uint32_t)has_res);
	rfx_vk_push_u(d, (uint32_t)npb);
	rfx_vk_push_u(d, (uint32_t)nmb);
	/* Per invocation: the channels (GEMM), channel blocks of 4 or
	 * channels times taps; a depthwise output its taps (dw3: fixed). */
	d->loops = RFX_VK_LOOP_EXTRA + 1 +
		   (dw3 ? 0
		    : v4 || strcmp(variant, "conv_gemm_tb") == 0 ? x->dims[1]
		    : dw ? tap_loops(w)
		    : c4 ? (x->dims[1] + 3) / 4 * tap_loops(w)
			 : x->dims[1] * tap_loops(w));
	if (dw3) /* blocks of PB outputs within a row */
		npb = (y->dims[3] + PB - 1) / PB * y->dims[2];
	st = rfx_vk_groups_1d(d, npb * nmb, err, errlen);
	if (st == RFX_OK && y->dims[0] > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "batch %u", y->dims[0]);
		st = RFX_E_UNSUPPORTED;
	}
	d->groups[2] = y->dims[0];
	return st;
}

/* The first dispatch of a two-dispatch variant: layer input 0, read
 * through `view`, into the session's scratch buffer (`total` units of
 * `unit` bytes, counted in one uint32). */
static rfx_status to_scratch(const rfx_graph *g, const rfx_layer *l,
                             const char *shader, uint8_t view, uint64_t total,
                             uint64_t unit, rfx_vk_dispatch *d, char *err,
                             size_t errlen)
{
	d->tensor[0] = l->inputs[0];
	d->tensor[1] = RFX_VK_SCRATCH(g);
	d->n_bindings = 2;
	d->out_binding = 1;
	d->write_offset = 0;
	d->write_bytes = d->scratch_bytes = total * unit;
	snprintf(d->shader, sizeof(d->shader), "%s", shader);
	d->view[0] = view;
	d->view[1] = RFX_VK_VIEW_STORAGE;
	if (total > UINT32_MAX) {
		snprintf(err, errlen, "a scratch copy of %llu elements",
			 (unsigned long long)total);
		return RFX_E_UNSUPPORTED;
	}
	return RFX_OK;
}

/* conv_c4_tb's first dispatch: X packed by 4 channels into the scratch
 * buffer (shaders/repack_c4.comp). */
static rfx_status repack_c4(const rfx_graph *g, const rfx_layer *l,
                            rfx_vk_dispatch *d, char *err, size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	uint64_t C4 = (x->dims[1] + 3) / 4, HW = (uint64_t)x->dims[2] * x->dims[3];
	uint64_t total = x->dims[0] * C4 * HW;
	rfx_status st = to_scratch(g, l, "repack_c4", rfx_vk_view_r(x->dtype),
				   total, 16, d, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_push(d, (uint32_t[]){x->dims[1], (uint32_t)HW, (uint32_t)C4,
				    (uint32_t)total}, 4);
	return rfx_vk_groups_1d(d, total, err, errlen);
}

/* conv_gemm4s_tb's first dispatch: the pixels a strided 1x1 convolution
 * reads, dense, into the scratch buffer (shaders/subsample.comp); the
 * second is conv_gemm4_tb on them. */
static rfx_status subsample(const rfx_graph *g, const rfx_layer *l,
                            rfx_vk_dispatch *d, char *err, size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint64_t total = (uint64_t)x->dims[0] * x->dims[1] * y->dims[2] * y->dims[3];
	rfx_status st = to_scratch(g, l, "subsample", rfx_vk_view_r(x->dtype),
				   total, 4, d, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_push(d, (uint32_t[]){x->dims[2], x->dims[3], y->dims[2], y->dims[3],
				    (uint32_t)l->i[RFX_CONV_STRIDE_H],
				    (uint32_t)l->i[RFX_CONV_STRIDE_W],
				    (uint32_t)total}, 7);
	return rfx_vk_groups_1d(d, (total + 3) / 4, err, errlen);
}

/* conv_i8_c4_tb's first dispatch: X packed by 4 channels into the scratch
 * buffer (shaders/repack_c4_i8.comp). */
static rfx_status repack_c4_i8(const rfx_graph *g, const rfx_layer *l,
                               int32_t zx, rfx_vk_dispatch *d, char *err,
                               size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	uint64_t C4 = (x->dims[1] + 3) / 4, HW = (uint64_t)x->dims[2] * x->dims[3];
	uint64_t total = x->dims[0] * C4 * HW;
	rfx_status st = to_scratch(g, l, "repack_c4_i8", RFX_VK_VIEW_R8I, total, 4,
				   d, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_push(d, (uint32_t[]){x->dims[1], (uint32_t)HW, (uint32_t)C4,
				    (uint32_t)total, (uint32_t)zx}, 5);
	return rfx_vk_groups_1d(d, total, err, errlen);
}

/* The dispatch of an int8 texel convolution kernel (conv_i8_c4_tb,
 * conv_i8_gemm4_tb, conv_i8_dw*_tb): X and W at bindings 0 and 1 through
 * the given views, then the parameter block, the residual (X again when
 * there is none: never read) and Y; push constants the geometry, the
 * kernel's block counts, then the int8 end's (conv_i8_store.glsl);
 * `invocations` per image, the batch in z. */
static rfx_status conv_i8_texel(const rfx_graph *g, const rfx_layer *l,
                                const rfx_quant_layer *q, uint32_t xt,
                                uint8_t xview, uint32_t wt, uint8_t wview,
                                const uint32_t *blocks, uint32_t n_blocks,
                                uint64_t invocations, rfx_vk_dispatch *d,
                                char *err, size_t errlen)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	int has_res = l->n_inputs > 3;
	uint32_t t[5] = {xt, wt, rfx_vk_layer_params_binding(g, l),
			 has_res ? l->inputs[3] : l->inputs[0], l->outputs[0]};
	rfx_status st;

	rfx_vk_bind(d, g, t, 5);
	d->view[0] = xview;
	d->view[1] = wview;
	d->view[2] = RFX_VK_VIEW_RGBA32I;
	d->view[3] = RFX_VK_VIEW_R8I;
	d->view[4] = RFX_VK_VIEW_STORAGE;
	rfx_vk_push_conv_geometry(d, g, l);
	rfx_vk_push(d, blocks, n_blocks);
	uint32_t pc[] = {
		(uint32_t)q->in_zp[0], (uint32_t)q->out_zp,
		(uint32_t)q->lo, (uint32_t)q->hi,
		(uint32_t)has_res, (uint32_t)q->in_zp[3],
	};
	rfx_vk_push(d, pc, sizeof(pc) / 4);
	rfx_vk_push_rq(d, q->in_rq[3]);
	rfx_vk_push_rq(d, q->sum_rq);
	st = rfx_vk_groups_1d(d, invocations, err, errlen);
	if (st == RFX_OK && y->dims[0] > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "batch %u", y->dims[0]);
		st = RFX_E_UNSUPPORTED;
	}
	d->groups[2] = y->dims[0];
	return st;
}

/* int8, group 1: conv_i8_c4_tb (repack_c4_i8 then shaders/conv_i8_c4_tb.comp,
 * two dispatches into d[0..2)) or conv_i8_gemm4_tb (1x1, stride 1:
 * shaders/conv_i8_gemm4_tb.comp reading X as it is, 4 pixels per RGBA8I
 * texel, one dispatch). */
static rfx_status conv_i8_tb(const rfx_graph *g, const rfx_layer *l,
                             int gemm4, rfx_vk_dispatch *d, char *err,
                             size_t errlen)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint64_t HW = (uint64_t)y->dims[2] * y->dims[3];
	uint64_t npb = (HW + PB - 1) / PB, nmb = (y->dims[1] + OB - 1) / OB;
	uint32_t blocks[2] = {(uint32_t)npb, (uint32_t)nmb};
	rfx_quant_layer q;
	rfx_status st;

	if ((st = rfx_quant_layer_init(g, l, &q, err, errlen)) != RFX_OK)
		return st;
	if (!gemm4) {
		memset(d, 0, 2 * sizeof(*d));
		st = repack_c4_i8(g, l, q.in_zp[0], d, err, errlen);
		d++;
		d->scratch_bytes = d[-1].scratch_bytes;
	}
	if (st == RFX_OK)
		st = conv_i8_texel(g, l, &q,
				   gemm4 ? l->inputs[0] : RFX_VK_SCRATCH(g),
				   RFX_VK_VIEW_RGBA8I, rfx_vk_layer_packed_binding(g, l),
				   gemm4 ? RFX_VK_VIEW_RGBA32F : RFX_VK_VIEW_RGBA8I,
				   blocks, 2, npb * nmb, d, err, errlen);
	snprintf(d->shader, sizeof(d->shader), "%s",
		 gemm4 ? "conv_i8_gemm4_tb" : "conv_i8_c4_tb");
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	d->loops = RFX_VK_LOOP_EXTRA + 1 +
		   (gemm4 ? x->dims[1]
			  : (x->dims[1] + 3) / 4 * tap_loops(&g->tensors[l->inputs[1]]));
	rfx_quant_layer_finish(&q);
	return st;
}

/* int8 depthwise → shaders/conv_i8_dw_tb.comp (weights as they are);
 * dw3: its row-window kernel for 3x3, dilation 1, stride 1 or 2, v4 with
 * the row windows read 4 pixels per texel. */
static rfx_status conv_i8_dw_tb(const rfx_graph *g, const rfx_layer *l,
                                int dw3, int v4, rfx_vk_dispatch *d,
                                char *err, size_t errlen)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t nrb = (y->dims[3] + PB - 1) / PB;
	rfx_quant_layer q;
	rfx_status st;

	if ((st = rfx_quant_layer_init(g, l, &q, err, errlen)) != RFX_OK)
		return st;
	st = conv_i8_texel(g, l, &q, l->inputs[0],
			   v4 ? RFX_VK_VIEW_RGBA8I : RFX_VK_VIEW_R8I, l->inputs[1],
			   RFX_VK_VIEW_R8I, &nrb, 1,
			   (uint64_t)y->dims[2] * nrb * y->dims[1], d, err, errlen);
	snprintf(d->shader, sizeof(d->shader), "conv_i8_dw_tb");
	d->loops = RFX_VK_LOOP_EXTRA + (dw3 ? 0 : tap_loops(&g->tensors[l->inputs[1]]));
	if (dw3)
		snprintf(d->shader, sizeof(d->shader), "conv_i8_dw3%ss%d_tb",
			 v4 ? "v4" : "", l->i[RFX_CONV_STRIDE_H]);
	rfx_quant_layer_finish(&q);
	return st;
}

static rfx_status fc_tb(const rfx_graph *g, const rfx_layer *l,
                        rfx_vk_dispatch *d, char *err, size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[4] = {l->inputs[0], rfx_vk_layer_packed_binding(g, l),
			 l->inputs[2], l->outputs[0]};
	uint32_t N = w->dims[0], K = w->dims[1];
	uint64_t rows = rfx_tensor_elements(y) / (N ? N : 1);
	uint64_t nb = (N + OB - 1) / OB;

	rfx_vk_bind(d, g, t, 4);
	snprintf(d->shader, sizeof(d->shader), "fc_tb_%c",
		 y->dtype == RFX_DTYPE_F16 ? 'h' : 'f');
	d->view[0] = rfx_vk_view_r(x->dtype);
	d->view[1] = view_rgba(w->dtype);
	d->view[2] = RFX_VK_VIEW_R32F;
	d->view[3] = RFX_VK_VIEW_STORAGE;
	rfx_vk_push(d, (uint32_t[]){(uint32_t)rows, K, N,
				    (uint32_t)l->i[RFX_FC_ACT]}, 4);
	rfx_vk_push_f(d, l->f[0]);
	rfx_vk_push_f(d, l->f[1]);
	rfx_vk_push_u(d, (uint32_t)nb);
	d->loops = (uint64_t)K + 1;
	return rfx_vk_groups_1d(d, rows * nb, err, errlen);
}

/* The row pooling kernel, int8 layers with their quantization. */
static rfx_status pool2d_row_tb(const rfx_graph *g, const rfx_layer *l,
                                rfx_vk_dispatch *d, uint32_t *n, char *err,
                                size_t errlen)
{
	rfx_quant_layer q;
	rfx_status st;

	if (!rfx_quant_layer_is_int8(l))
		return rfx_vk_op_pool2d_row_tb(g, l, NULL, d, n, err, errlen);
	st = rfx_quant_layer_init(g, l, &q, err, errlen);
	if (st != RFX_OK)
		return st;
	st = rfx_vk_op_pool2d_row_tb(g, l, &q, d, n, err, errlen);
	rfx_quant_layer_finish(&q);
	return st;
}

rfx_status rfx_vk_layer_variant_dispatches(const rfx_graph *g,
                                           const rfx_layer *l,
                                           const rfx_vk_caps *caps,
                                           const char *variant,
                                           rfx_vk_dispatch *d, uint32_t *n,
                                           char *err, size_t errlen)
{
	char e[200] = "";
	rfx_status st = RFX_OK;
	uint32_t k = 1; /* dispatches of a texel variant */
	int tile = wino_tile(variant);

	*n = 0;
	memset(d, 0, sizeof(*d));
	/* The storage-buffer kernels and pooling name the layer themselves. */
	if (strcmp(variant, "conv2d_sb") == 0)
		st = rfx_vk_op_conv2d(g, l, d, n, err, errlen);
	else if (strcmp(variant, "conv2d_i8_sb") == 0 ||
		 strcmp(variant, "pool2d_i8_sb") == 0)
		st = rfx_vk_layer_dispatches(g, l, caps, d, n, err, errlen);
	else if (strcmp(variant, "pool2d_i8_tb") == 0)
		st = rfx_vk_op_pool2d_i8_tb(g, l, d, n, err, errlen);
	else if (strcmp(variant, "pool2d_sb") == 0)
		st = rfx_vk_op_pool2d(g, l, d, n, err, errlen);
	else if (strcmp(variant, "pool2d_tb") == 0)
		st = rfx_vk_op_pool2d_tb(g, l, d, n, err, errlen);
	else if (strcmp(variant, "pool2d_row_tb") == 0)
		st = pool2d_row_tb(g, l, d, n, err, errlen);
	else if (strcmp(variant, "fc_sb") == 0)
		st = rfx_vk_op_fc(g, l, d, n, err, errlen);
	else {
		if (strcmp(variant, "conv_i8_c4_tb") == 0) {
			k = 2;
			st = conv_i8_tb(g, l, 0, d, e, sizeof(e));
		} else if (strcmp(variant, "conv_i8_dw_tb") == 0 ||
			   strcmp(variant, "conv_i8_dw3_tb") == 0 ||
			   strcmp(variant, "conv_i8_dw3v4_tb") == 0) {
			int v4 = strcmp(variant, "conv_i8_dw3v4_tb") == 0;
			st = conv_i8_dw_tb(g, l, v4 || strcmp(variant, "conv_i8_dw3_tb") == 0,
					   v4, d, e, sizeof(e));
		} else if (strcmp(variant, "conv_i8_gemm4_tb") == 0) {
			st = conv_i8_tb(g, l, 1, d, e, sizeof(e));
		} else if (tile) {
			k = 3;
			st = rfx_vk_conv_wino(g, l, tile, d, e, sizeof(e));
		} else if (l->op == RFX_OP_FC) {
			st = fc_tb(g, l, d, e, sizeof(e));
		} else {
			/* A copy into the scratch buffer first, then conv_tb. */
			int sub = strcmp(variant, "conv_gemm4s_tb") == 0;
			if (sub || strcmp(variant, "conv_c4_tb") == 0 ||
			    strcmp(variant, "conv_dw_c4_tb") == 0) {
				k = 2;
				memset(d + 1, 0, sizeof(*d));
				st = sub ? subsample(g, l, d, e, sizeof(e))
					 : repack_c4(g, l, d, e, sizeof(e));
			}
			if (st == RFX_OK)
				st = conv_tb(g, l, variant, d + k - 1, e, sizeof(e));
		}
		if (st == RFX_OK)
			*n = k;
		else
			snprintf(err, errlen, "layer '%s' (%s): %s", l->name,
				 variant, e);
	}
	for (uint32_t i = 0; st == RFX_OK && i < *n; i++)
		snprintf(d[i].variant, sizeof(d[i].variant), "%s", variant);
	return st;
}
