/* A classifier head in one dispatch: GLOBAL_POOL -> [RESHAPE] -> FC, as
 * engine/vk/plan.c fused them, recorded at the FC. Float heads run
 * shaders/head.comp, int8 heads shaders/head_i8.comp (the integers of the
 * two int8 layers); either reads every input through a texel buffer. */
#include <stdio.h>

#include "vk/ops.h"

/* Invocations per workgroup; each computes 8 outputs (float) or 4 (int8). */
#define HEAD_LOCAL 64u
#define HEAD_I8_OUTS 8u

static uint8_t view_rgba(rfx_dtype dt)
{
	return dt == RFX_DTYPE_F16 ? RFX_VK_VIEW_RGBA16F : RFX_VK_VIEW_RGBA32F;
}

/* Loop passes of one invocation (rfx_vk_dispatch.loops): it pools its
 * share of the K planes (HW each), then runs the FC over K (vec4s of it
 * with k4), the int8 head for each of its HEAD_I8_OUTS outputs. */
static uint64_t head_loops(uint32_t K, uint32_t hw, int i8, int k4)
{
	uint64_t share = (K + HEAD_LOCAL - 1) / HEAD_LOCAL;
	uint64_t fc = (k4 ? K / 4 : K) + 1;

	return share * (hw + 2) + 1 + RFX_VK_LOOP_EXTRA +
	       (i8 ? share + 1 + HEAD_I8_OUTS * (fc + 1) + 1 : fc);
}

/* The int8 head: the pool's integers (its zero point and rescale, the
 * pooled tensor's zero point) and the FC's (its parameter block, output
 * zero point and clamp). */
static rfx_status head_i8(const rfx_graph *g, const rfx_layer *pool,
                          const rfx_layer *fc, rfx_vk_dispatch *d, char *err,
                          size_t errlen)
{
	const rfx_tensor *x = &g->tensors[pool->inputs[0]];
	const rfx_tensor *w = &g->tensors[fc->inputs[1]];
	uint32_t N = w->dims[0], K = w->dims[1];
	uint32_t rows = (uint32_t)(rfx_tensor_elements(&g->tensors[pool->outputs[0]]) / K);
	uint32_t t[4] = {pool->inputs[0], fc->inputs[1],
			 rfx_vk_layer_params_binding(g, fc), fc->outputs[0]};
	rfx_quant_layer qp = {0}, qf = {0};
	rfx_status st;

	if (rows > RFX_VK_MAX_GROUPS || N > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': a head of %u rows, %u outputs",
			 fc->name, rows, N);
		return RFX_E_UNSUPPORTED;
	}
	st = rfx_quant_layer_init(g, pool, &qp, err, errlen);
	if (st == RFX_OK)
		st = rfx_quant_layer_init(g, fc, &qf, err, errlen);
	if (st == RFX_OK) {
		snprintf(d->shader, sizeof(d->shader), "head_i8");
		snprintf(d->variant, sizeof(d->variant), "head");
		rfx_vk_bind(d, g, t, 4);
		rfx_vk_push(d, (uint32_t[]){rows, K, N, x->dims[2] * x->dims[3],
					    (uint32_t)pool->i[RFX_GPOOL_KIND],
					    (uint32_t)qp.in_zp[0]}, 6);
		rfx_vk_push_rq(d, qp.in_rq[0]);
		rfx_vk_push(d, (uint32_t[]){(uint32_t)qf.in_zp[0],
					    (uint32_t)qf.out_zp, (uint32_t)qf.lo,
					    (uint32_t)qf.hi, K % 4 == 0}, 5);
		d->view[0] = RFX_VK_VIEW_R8I;
		d->view[1] = K % 4 == 0 ? RFX_VK_VIEW_RGBA8I : RFX_VK_VIEW_R8I;
		d->view[2] = RFX_VK_VIEW_RGBA32I;
		d->view[3] = RFX_VK_VIEW_STORAGE;
		d->loops = head_loops(K, x->dims[2] * x->dims[3], 1, K % 4 == 0);
		d->local[0] = HEAD_LOCAL;
		d->local[1] = 1;
		d->groups[0] = (N + HEAD_LOCAL * HEAD_I8_OUTS - 1) /
			       (HEAD_LOCAL * HEAD_I8_OUTS);
		d->groups[1] = rows;
		d->groups[2] = 1;
		/* The pool writes the pooled tensor's zero point; the FC reads
		 * it as its own (a Reshape between them keeps it). */
		if (qp.out_zp != qf.in_zp[0]) {
			snprintf(err, errlen, "layer '%s': the pooled tensor's zero "
				 "point differs between pool and fc", fc->name);
			st = RFX_E_UNSUPPORTED;
		}
	}
	rfx_quant_layer_finish(&qp);
	rfx_quant_layer_finish(&qf);
	return st;
}

rfx_status rfx_vk_op_head(const rfx_graph *g, uint32_t first, uint32_t last,
                          const uint32_t *fused_into, rfx_vk_dispatch *d,
                          char *err, size_t errlen)
{
	const rfx_layer *pool = &g->layers[first], *fc = &g->layers[last];
	rfx_status st;

	if (pool->op != RFX_OP_GLOBAL_POOL || fc->op != RFX_OP_FC ||
	    fused_into[first] != last) {
		snprintf(err, errlen, "layer '%s': no classifier head ends here",
			 fc->name);
		return RFX_E_UNSUPPORTED;
	}
	if (rfx_quant_layer_is_int8(fc))
		return head_i8(g, pool, fc, d, err, errlen);
	const rfx_tensor *x = &g->tensors[pool->inputs[0]];
	const rfx_tensor *pooled = &g->tensors[pool->outputs[0]];
	const rfx_tensor *w = &g->tensors[fc->inputs[1]];
	uint32_t N = w->dims[0], K = w->dims[1];
	uint32_t rows = (uint32_t)(rfx_tensor_elements(pooled) / K);
	uint32_t t[4] = {pool->inputs[0], fc->inputs[1], fc->inputs[2],
			 fc->outputs[0]};
	int k4 = K % 4 == 0;

	st = rfx_vk_variant(d, g, fc, "head", &t[3], 1, err, errlen);
	if (st != RFX_OK)
		return st;
	snprintf(d->variant, sizeof(d->variant), "head");
	rfx_vk_bind(d, g, t, 4);
	d->view[0] = rfx_vk_view_r(x->dtype);
	d->view[1] = k4 ? view_rgba(w->dtype) : rfx_vk_view_r(w->dtype);
	d->view[2] = RFX_VK_VIEW_R32F;
	d->view[3] = RFX_VK_VIEW_STORAGE;
	rfx_vk_push(d, (uint32_t[]){rows, K, N, x->dims[2] * x->dims[3],
				    (uint32_t)pool->i[RFX_GPOOL_KIND],
				    (uint32_t)fc->i[RFX_FC_ACT]}, 6);
	rfx_vk_push_f(d, fc->f[0]);
	rfx_vk_push_f(d, fc->f[1]);
	rfx_vk_push(d, (uint32_t[]){(uint32_t)k4,
				    pooled->dtype == RFX_DTYPE_F16}, 2);
	d->loops = head_loops(K, x->dims[2] * x->dims[3], 0, k4);
	d->local[0] = HEAD_LOCAL;
	d->local[1] = 1;
	d->groups[0] = ((N + 7) / 8 + HEAD_LOCAL - 1) / HEAD_LOCAL;
	d->groups[1] = rows;
	d->groups[2] = 1;
	if (rows > RFX_VK_MAX_GROUPS || d->groups[0] > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': a head of %u rows, %u outputs",
			 fc->name, rows, N);
		return RFX_E_UNSUPPORTED;
	}
	return RFX_OK;
}
