/* Elementwise binary ops with broadcasting → shaders/binary.comp. */
#include <stdio.h>

#include "vk/ops.h"

/* Element strides of t against the (right-aligned) output dims: 0 where t
 * has extent 1 and is broadcast. */
static void broadcast_strides(const rfx_tensor *t, uint32_t s[6])
{
	uint32_t dims[6], stride = 1;

	rfx_vk_dims6(t, dims);
	for (int d = 5; d >= 0; d--) {
		s[d] = dims[d] == 1 ? 0 : stride;
		stride *= dims[d];
	}
}

/* Merges the dims in which a, b and y are all contiguous (a dim of
 * extent 1 drops out: its index is always 0) and right-aligns what is
 * left; returns the rank left (at least 1). */
static uint32_t collapse(uint32_t dims[6], uint32_t sa[6], uint32_t sb[6])
{
	uint32_t od[6], oa[6], ob[6];
	int r = 0; /* od[0..r): collapsed, innermost first */

	for (int d = 5; d >= 0; d--) {
		if (dims[d] == 1)
			continue;
		if (r > 0 && sa[d] == oa[r - 1] * od[r - 1] &&
		    sb[d] == ob[r - 1] * od[r - 1]) {
			od[r - 1] *= dims[d];
			continue;
		}
		od[r] = dims[d], oa[r] = sa[d], ob[r] = sb[d];
		r++;
	}
	for (int d = 5; d >= 0; d--) {
		int k = 5 - d;
		dims[d] = k < r ? od[k] : 1;
		sa[d] = k < r ? oa[k] : 0;
		sb[d] = k < r ? ob[k] : 0;
	}
	return r > 0 ? (uint32_t)r : 1u;
}

rfx_status rfx_vk_op_binary(const rfx_graph *g, const rfx_layer *l,
                            rfx_vk_dispatch *d, uint32_t *n, char *err,
                            size_t errlen)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[3] = {l->inputs[0], l->inputs[1], l->outputs[0]};
	uint32_t dims[6], sa[6], sb[6], rank;
	uint64_t count = rfx_tensor_elements(y);
	rfx_status st = rfx_vk_variant(d, g, l, "binary", t, 3, err, errlen);

	if (st != RFX_OK)
		return st;
	rfx_vk_bind(d, g, t, 3);
	rfx_vk_dims6(y, dims);
	broadcast_strides(&g->tensors[t[0]], sa);
	broadcast_strides(&g->tensors[t[1]], sb);
	rank = collapse(dims, sa, sb);
	rfx_vk_push(d, (uint32_t[]){(uint32_t)count,
				    (uint32_t)l->i[RFX_BINARY_KIND],
				    (uint32_t)l->i[RFX_BINARY_ACT]}, 3);
	rfx_vk_push_f(d, l->f[0]);
	rfx_vk_push_f(d, l->f[1]);
	rfx_vk_push(d, dims, 6);
	rfx_vk_push(d, sa, 6);
	rfx_vk_push(d, sb, 6);
	rfx_vk_push_u(d, rank);
	*n = 1;
	return rfx_vk_groups_1d(d, (count + 7) / 8, err, errlen); /* RUN each */
}

/* int8 add/sub/mul → shaders/binary_i8.comp, indexed like the float one. */
rfx_status rfx_vk_op_binary_i8(const rfx_graph *g, const rfx_layer *l,
                               const rfx_quant_layer *q,
                               const rfx_vk_caps *caps, rfx_vk_dispatch *d,
                               uint32_t *n, char *err, size_t errlen)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t t[3] = {l->inputs[0], l->inputs[1], l->outputs[0]};
	uint32_t dims[6], sa[6], sb[6];
	uint64_t count = rfx_tensor_elements(y);

	snprintf(d->shader, sizeof(d->shader), "binary_i8");
	rfx_vk_bind(d, g, t, 3);
	rfx_vk_dims6(y, dims);
	broadcast_strides(&g->tensors[t[0]], sa);
	broadcast_strides(&g->tensors[t[1]], sb);
	rfx_vk_push(d, (uint32_t[]){(uint32_t)count,
				    (uint32_t)l->i[RFX_BINARY_KIND],
				    (uint32_t)q->in_zp[0], (uint32_t)q->in_zp[1],
				    (uint32_t)q->out_zp, (uint32_t)q->lo,
				    (uint32_t)q->hi}, 7);
	rfx_vk_push_rq(d, q->in_rq[0]);
	rfx_vk_push_rq(d, q->in_rq[1]);
	rfx_vk_push_rq(d, q->sum_rq);
	rfx_vk_push(d, dims, 6);
	rfx_vk_push(d, sa, 6);
	rfx_vk_push(d, sb, 6);
	*n = 1;
	return rfx_vk_groups_1d(d, count, err, errlen);
}
