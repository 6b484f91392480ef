/* Conv2d → shaders/conv2d.comp: 8x8 output pixels per workgroup, 4 output
 * channels per invocation, z over (batch, group, channel block). */
#include <stdio.h>

#include "vk/ops.h"

#define OCB 4 /* output channels per invocation, as in the shader */

/* Loop passes of one invocation (rfx_vk_dispatch.loops): its group's
 * input channels, the kernel rows of each and the taps of each row (the
 * dot product's path runs fewer), then its outputs. */
static uint64_t conv_loops(const rfx_graph *g, const rfx_layer *l)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	uint64_t cpg = x->dims[1] / (uint32_t)l->i[RFX_CONV_GROUP];

	return 1 + cpg * (1 + rfx_vk_window_loops(w->dims[2], w->dims[3])) +
	       OCB + 1 + RFX_VK_LOOP_EXTRA;
}

rfx_status rfx_vk_op_conv2d(const rfx_graph *g, const rfx_layer *l,
                            rfx_vk_dispatch *d, uint32_t *n, char *err,
                            size_t errlen)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	int has_res = l->n_inputs > 3;
	/* Without a residual the bias stands in at binding 3: never read. */
	uint32_t t[5] = {l->inputs[0], l->inputs[1], l->inputs[2],
			 has_res ? l->inputs[3] : l->outputs[0], l->outputs[0]};
	uint32_t group = (uint32_t)l->i[RFX_CONV_GROUP];
	uint32_t mpg = y->dims[1] / group;
	uint32_t blocks = (mpg + OCB - 1) / OCB;
	uint64_t z = (uint64_t)y->dims[0] * group * blocks;
	rfx_status st;

	if (g->tensors[l->inputs[2]].dtype != RFX_DTYPE_F32) {
		snprintf(err, errlen, "layer '%s': conv2d bias must be fp32", l->name);
		return RFX_E_UNSUPPORTED;
	}
	st = rfx_vk_variant(d, g, l, "conv2d", (uint32_t[]){t[0], t[1], t[3], t[4]},
			    4, err, errlen);
	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 5);
	rfx_vk_push_conv_geometry(d, g, l);
	uint32_t pc[] = {
		group, (uint32_t)l->i[RFX_CONV_ACT],
	};
	rfx_vk_push(d, pc, sizeof(pc) / 4);
	rfx_vk_push_f(d, l->f[0]);
	rfx_vk_push_f(d, l->f[1]);
	rfx_vk_push_u(d, (uint32_t)has_res);
	rfx_vk_push_u(d, blocks);
	d->loops = conv_loops(g, l);
	d->local[0] = 8;
	d->local[1] = 8;
	d->groups[0] = (y->dims[3] + 7) / 8;
	d->groups[1] = (y->dims[2] + 7) / 8;
	d->groups[2] = (uint32_t)z;
	if (z > RFX_VK_MAX_GROUPS || d->groups[0] > RFX_VK_MAX_GROUPS ||
	    d->groups[1] > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': conv2d too large for one dispatch",
			 l->name);
		return RFX_E_UNSUPPORTED;
	}
	*n = 1;
	return RFX_OK;
}

/* int8 → shaders/conv2d_i8.comp (conv2d_i8_dot where the device has the
 * packed dot product): the same tiling; per-channel integers in the
 * layer's parameter block at binding 2, scalars in push constants. */
rfx_status rfx_vk_op_conv2d_i8(const rfx_graph *g, const rfx_layer *l,
                               const rfx_quant_layer *q,
                               const rfx_vk_caps *caps, rfx_vk_dispatch *d,
                               uint32_t *n, char *err, size_t errlen)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	int has_res = l->n_inputs > 3;
	/* Without a residual the input stands in at binding 3: never read. */
	uint32_t t[5] = {l->inputs[0], l->inputs[1],
			 rfx_vk_layer_params_binding(g, l),
			 has_res ? l->inputs[3] : l->inputs[0], l->outputs[0]};
	uint32_t group = (uint32_t)l->i[RFX_CONV_GROUP];
	uint32_t mpg = y->dims[1] / group;
	uint32_t blocks = (mpg + OCB - 1) / OCB;
	uint64_t z = (uint64_t)y->dims[0] * group * blocks;

	snprintf(d->shader, sizeof(d->shader), "%s",
		 caps->int_dot ? "conv2d_i8_dot" : "conv2d_i8");
	rfx_vk_bind(d, g, t, 5);
	rfx_vk_push_conv_geometry(d, g, l);
	uint32_t pc[] = {
		group, blocks,
		(uint32_t)q->in_zp[0], (uint32_t)q->out_zp,
		(uint32_t)q->lo, (uint32_t)q->hi,
		(uint32_t)has_res, (uint32_t)q->in_zp[3],
	};
	rfx_vk_push(d, pc, sizeof(pc) / 4);
	rfx_vk_push_rq(d, q->in_rq[3]);
	rfx_vk_push_rq(d, q->sum_rq);
	d->loops = conv_loops(g, l);
	d->local[0] = 8;
	d->local[1] = 8;
	d->groups[0] = (y->dims[3] + 7) / 8;
	d->groups[1] = (y->dims[2] + 7) / 8;
	d->groups[2] = (uint32_t)z;
	if (z > RFX_VK_MAX_GROUPS || d->groups[0] > RFX_VK_MAX_GROUPS ||
	    d->groups[1] > RFX_VK_MAX_GROUPS) {
		snprintf(err, errlen, "layer '%s': conv2d too large for one dispatch",
			 l->name);
		return RFX_E_UNSUPPORTED;
	}
	*n = 1;
	return RFX_OK;
}
