/* Max/average pooling → shaders/pool2d.comp (one invocation per output,
 * or 4 with a texel buffer), shaders/pool2d_i8.comp, and the row kernel
 * shaders/pool2d_row.comp (8 outputs of a row, fp32, fp16 and int8). */
#include <stdio.h>

#include "vk/ops.h"

/* Loop passes of one window (rfx_vk_dispatch.loops). */
static uint64_t window_loops(const rfx_layer *l)
{
	return rfx_vk_window_loops((uint64_t)l->i[RFX_POOL_KERNEL_H],
				   (uint64_t)l->i[RFX_POOL_KERNEL_W]) +
	       RFX_VK_LOOP_EXTRA;
}

rfx_status rfx_vk_op_pool2d(const rfx_graph *g, const rfx_layer *l,
                            rfx_vk_dispatch *d, uint32_t *n, char *err,
                            size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint64_t nc = (uint64_t)y->dims[0] * y->dims[1];
	rfx_status st = rfx_vk_variant(d, g, l, "pool2d", t, 2, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 2);
	uint32_t pc[] = {
		x->dims[2], x->dims[3], y->dims[2], y->dims[3],
		(uint32_t)l->i[RFX_POOL_KERNEL_H], (uint32_t)l->i[RFX_POOL_KERNEL_W],
		(uint32_t)l->i[RFX_POOL_STRIDE_H], (uint32_t)l->i[RFX_POOL_STRIDE_W],
		(uint32_t)l->i[RFX_POOL_PAD_T], (uint32_t)l->i[RFX_POOL_PAD_L],
		(uint32_t)l->i[RFX_POOL_PAD_B], (uint32_t)l->i[RFX_POOL_PAD_R],
		(uint32_t)(l->i[RFX_POOL_DIL_H] ? l->i[RFX_POOL_DIL_H] : 1),
		(uint32_t)(l->i[RFX_POOL_DIL_W] ? l->i[RFX_POOL_DIL_W] : 1),
		(uint32_t)l->i[RFX_POOL_KIND],
		(uint32_t)l->i[RFX_POOL_COUNT_INCLUDE_PAD],
	};
	rfx_vk_push(d, pc, sizeof(pc) / 4);
	d->loops = window_loops(l);
	d->local[0] = 8;
	d->local[1] = 8;
	d->groups[0] = (y->dims[3] + 7) / 8;
	d->groups[1] = (y->dims[2] + 7) / 8;
	d->groups[2] = (uint32_t)nc;
	if (nc > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': pooling over %llu planes",
			 l->name, (unsigned long long)nc);
		return RFX_E_UNSUPPORTED;
	}
	*n = 1;
	return RFX_OK;
}

/* The "pool2d_tb" variant: the same kernel reading X through a uniform
 * texel buffer, 4 outputs of a row per invocation (shaders/pool2d.comp
 * with TB). */
rfx_status rfx_vk_op_pool2d_tb(const rfx_graph *g, const rfx_layer *l,
                               rfx_vk_dispatch *d, uint32_t *n, char *err,
                               size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	rfx_status st = rfx_vk_op_pool2d(g, l, d, n, err, errlen);

	if (st != RFX_OK)
		return st;
	snprintf(d->shader, sizeof(d->shader), "pool2d_tb_%c",
		 y->dtype == RFX_DTYPE_F16 ? 'h' : 'f');
	d->view[0] = rfx_vk_view_r(x->dtype);
	d->groups[0] = (y->dims[3] + 31) / 32; /* 4 outputs per invocation */
	/* An average's 4 windows, each its own loops. */
	d->loops = 4 * window_loops(l) + 5;
	return RFX_OK;
}

/* int8 → shaders/pool2d_i8.comp: the same grid; X through a storage
 * buffer, or with tb an R8I texel view ("pool2d_i8_tb"). */
static rfx_status pool2d_i8(const rfx_graph *g, const rfx_layer *l,
                            const rfx_quant_layer *q, int tb,
                            rfx_vk_dispatch *d, uint32_t *n, char *err,
                            size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint64_t nc = (uint64_t)y->dims[0] * y->dims[1];

	snprintf(d->shader, sizeof(d->shader), tb ? "pool2d_i8_tb" : "pool2d_i8");
	rfx_vk_bind(d, g, t, 2);
	if (tb)
		d->view[0] = RFX_VK_VIEW_R8I;
	uint32_t pc[] = {
		x->dims[2], x->dims[3], y->dims[2], y->dims[3],
		(uint32_t)l->i[RFX_POOL_KERNEL_H], (uint32_t)l->i[RFX_POOL_KERNEL_W],
		(uint32_t)l->i[RFX_POOL_STRIDE_H], (uint32_t)l->i[RFX_POOL_STRIDE_W],
		(uint32_t)l->i[RFX_POOL_PAD_T], (uint32_t)l->i[RFX_POOL_PAD_L],
		(uint32_t)l->i[RFX_POOL_PAD_B], (uint32_t)l->i[RFX_POOL_PAD_R],
		(uint32_t)(l->i[RFX_POOL_DIL_H] ? l->i[RFX_POOL_DIL_H] : 1),
		(uint32_t)(l->i[RFX_POOL_DIL_W] ? l->i[RFX_POOL_DIL_W] : 1),
		(uint32_t)l->i[RFX_POOL_KIND],
		(uint32_t)l->i[RFX_POOL_COUNT_INCLUDE_PAD],
		(uint32_t)q->in_zp[0], (uint32_t)q->out_zp,
	};
	rfx_vk_push(d, pc, sizeof(pc) / 4);
	rfx_vk_push_rq(d, q->in_rq[0]);
	/* An average counts its cells: a loop over the rows, one over the
	 * columns. */
	d->loops = window_loops(l) + (uint64_t)l->i[RFX_POOL_KERNEL_H] +
		   (uint64_t)l->i[RFX_POOL_KERNEL_W] + 2;
	d->local[0] = 8;
	d->local[1] = 8;
	d->groups[0] = (y->dims[3] + 7) / 8;
	d->groups[1] = (y->dims[2] + 7) / 8;
	d->groups[2] = (uint32_t)nc;
	if (nc > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': pooling over %llu planes",
			 l->name, (unsigned long long)nc);
		return RFX_E_UNSUPPORTED;
	}
	*n = 1;
	return RFX_OK;
}

rfx_status rfx_vk_op_pool2d_i8(const rfx_graph *g, const rfx_layer *l,
                               const rfx_quant_layer *q,
                               const rfx_vk_caps *caps, rfx_vk_dispatch *d,
                               uint32_t *n, char *err, size_t errlen)
{
	return pool2d_i8(g, l, q, 0, d, n, err, errlen);
}

rfx_status rfx_vk_op_pool2d_i8_tb(const rfx_graph *g, const rfx_layer *l,
                                  rfx_vk_dispatch *d, uint32_t *n, char *err,
                                  size_t errlen)
{
	rfx_quant_layer q;
	rfx_status st = rfx_quant_layer_init(g, l, &q, err, errlen);

	if (st != RFX_OK)
		return st;
	st = pool2d_i8(g, l, &q, 1, d, n, err, errlen);
	rfx_quant_layer_finish(&q);
	return st;
}

/* Widest row segment the row kernel keeps in registers (3x3 stride 2:
 * 17 values; 2x2 stride 2: 16). */
#define ROW_SPAN_MAX 24u

static uint32_t pool_dw(const rfx_layer *l)
{
	return (uint32_t)(l->i[RFX_POOL_DIL_W] ? l->i[RFX_POOL_DIL_W] : 1);
}

int rfx_vk_pool2d_row_serves(const rfx_graph *g, const rfx_layer *l)
{
	uint64_t kw = (uint64_t)l->i[RFX_POOL_KERNEL_W];
	uint64_t sw = (uint64_t)l->i[RFX_POOL_STRIDE_W];
	uint64_t span = 7 * sw + (kw - 1) * pool_dw(l) + 1;

	return l->op == RFX_OP_POOL2D && kw >= 1 && sw >= 1 &&
	       span <= ROW_SPAN_MAX &&
	       rfx_tensor_elements(&g->tensors[l->inputs[0]]) % 4 == 0;
}

/* "pool2d_row_tb" → shaders/pool2d_row.comp: 8 outputs of a row per
 * invocation, each input row of their windows fetched once through an
 * RGBA view (fp32, fp16, or int8 with q: then the arithmetic of
 * pool2d_i8). The window's width, stride and dilation along x are
 * specialization constants. */
rfx_status rfx_vk_op_pool2d_row_tb(const rfx_graph *g, const rfx_layer *l,
                                   const rfx_quant_layer *q,
                                   rfx_vk_dispatch *d, uint32_t *n,
                                   char *err, size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[2] = {l->inputs[0], l->outputs[0]};
	uint64_t nc = (uint64_t)y->dims[0] * y->dims[1];
	uint32_t per_row = (y->dims[3] + 7) / 8;
	uint64_t count = nc * y->dims[2] * per_row;

	if (!rfx_vk_pool2d_row_serves(g, l)) {
		snprintf(err, errlen, "layer '%s': pool2d_row_tb needs whole "
			 "texels and a row span of at most %u", l->name,
			 ROW_SPAN_MAX);
		return RFX_E_UNSUPPORTED;
	}
	if (count > UINT32_MAX) {
		snprintf(err, errlen, "layer '%s': pooling over %llu rows",
			 l->name, (unsigned long long)(nc * y->dims[2]));
		return RFX_E_UNSUPPORTED;
	}
	if (q)
		snprintf(d->shader, sizeof(d->shader), "pool2d_i8_row_tb");
	else
		snprintf(d->shader, sizeof(d->shader), "pool2d_row_tb_%c",
			 y->dtype == RFX_DTYPE_F16 ? 'h' : 'f');
	rfx_vk_bind(d, g, t, 2);
	d->view[0] = q ? RFX_VK_VIEW_RGBA8I
		       : x->dtype == RFX_DTYPE_F16 ? RFX_VK_VIEW_RGBA16F
						   : RFX_VK_VIEW_RGBA32F;
	uint32_t pc[] = {
		x->dims[2], x->dims[3], y->dims[2], y->dims[3],
		(uint32_t)l->i[RFX_POOL_KERNEL_H], (uint32_t)l->i[RFX_POOL_STRIDE_H],
		(uint32_t)(l->i[RFX_POOL_DIL_H] ? l->i[RFX_POOL_DIL_H] : 1),
		(uint32_t)l->i[RFX_POOL_PAD_T], (uint32_t)l->i[RFX_POOL_PAD_L],
		(uint32_t)l->i[RFX_POOL_PAD_B], (uint32_t)l->i[RFX_POOL_PAD_R],
		(uint32_t)l->i[RFX_POOL_KIND],
		(uint32_t)l->i[RFX_POOL_COUNT_INCLUDE_PAD],
		(uint32_t)(rfx_tensor_elements(x) / 4 - 1),
	};
	rfx_vk_push(d, pc, sizeof(pc) / 4);
	rfx_vk_push_u(d, per_row);
	rfx_vk_push_u(d, (uint32_t)count);
	if (q) {
		rfx_vk_push_u(d, (uint32_t)q->in_zp[0]);
		rfx_vk_push_u(d, (uint32_t)q->out_zp);
		rfx_vk_push_rq(d, q->in_rq[0]);
	}
	/* The window's rows (its columns unrolled), then per output (a loop
	 * of 8 around loops) an average's count of rows and columns. */
	d->loops = (uint64_t)l->i[RFX_POOL_KERNEL_H] + 1 + 9 +
		   8 * ((uint64_t)l->i[RFX_POOL_KERNEL_H] +
			(uint64_t)l->i[RFX_POOL_KERNEL_W] + 2) + RFX_VK_LOOP_EXTRA;
	d->spec[0] = (uint32_t)l->i[RFX_POOL_KERNEL_W];
	d->spec[1] = (uint32_t)l->i[RFX_POOL_STRIDE_W];
	d->spec[2] = pool_dw(l);
	*n = 1;
	return rfx_vk_groups_1d(d, count, err, errlen);
}
