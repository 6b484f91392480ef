/* Per-layer int8 parameters from the float scales (quant_layer.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/quant_layer.h"

#define SUM_SCALE 65536.0 /* T = 2^RFX_QUANT_SUM_BITS */

static rfx_status failf(char *err, size_t errlen, rfx_status st,
                        const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static rfx_status failf(char *err, size_t errlen, rfx_status st,
                        const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return st;
}

int rfx_quant_layer_is_int8(const rfx_layer *l)
{
	return l->precision == RFX_DTYPE_I8 || l->op == RFX_OP_QUANTIZE ||
	       l->op == RFX_OP_DEQUANTIZE;
}

void rfx_quant_layer_finish(rfx_quant_layer *q)
{
	if (!q)
		return;
	free(q->bias);
	free(q->ch_rq);
	free(q->w_sum);
	memset(q, 0, sizeof(*q));
}

/* Inputs 1 and 2 of CONV2D and FC are weights and bias. */
static int is_weight(const rfx_layer *l, uint32_t k)
{
	return (l->op == RFX_OP_CONV2D || l->op == RFX_OP_FC) && (k == 1 || k == 2);
}

static const char *lname(const rfx_layer *l)
{
	return l->name ? l->name : "";
}

/* An I8 activation's scale and zero point. */
static rfx_status check_act(const rfx_layer *l, const rfx_tensor *t,
                            char *err, size_t errlen)
{
	if (t->dtype != RFX_DTYPE_I8)
		return failf(err, errlen, RFX_E_UNSUPPORTED,
			     "int8 layer '%s' (%s) reads %s tensor '%s': int8 layers read int8 "
			     "activations (convert with a quantize layer)", lname(l),
			     rfx_op_name(l->op), rfx_dtype_name(t->dtype), t->name);
	if (!isfinite(t->scale) || !(t->scale > 0.0f) || t->zero_point < RFX_QUANT_MIN ||
	    t->zero_point > RFX_QUANT_MAX || t->channel_scales != UINT32_MAX)
		return failf(err, errlen, RFX_E_FORMAT,
			     "int8 layer '%s': tensor '%s' needs one scale > 0 and a zero "
			     "point in -128..127 (has %g, %d)", lname(l), t->name,
			     (double)t->scale, (int)t->zero_point);
	return RFX_OK;
}

static rfx_status multiplier(const rfx_layer *l, double real, rfx_requant *rq,
                             char *err, size_t errlen)
{
	if (rfx_quant_multiplier(real, &rq->m, &rq->shift) != 0)
		return failf(err, errlen, RFX_E_UNSUPPORTED,
			     "int8 layer '%s' (%s): requantization multiplier %g is outside "
			     "[0, 2^30) (scales too far apart)", lname(l),
			     rfx_op_name(l->op), real);
	return RFX_OK;
}

/* [lo, hi] from the fused activation at slot `slot`. */
static rfx_status bounds(const rfx_layer *l, int slot, const rfx_tensor *y,
                         rfx_quant_layer *q, char *err, size_t errlen)
{
	rfx_act act = slot < 0 ? RFX_ACT_NONE : (rfx_act)l->i[slot];
	float inv = rfx_quant_inv_scale(y->scale);

	q->lo = RFX_QUANT_MIN;
	q->hi = RFX_QUANT_MAX;
	switch (act) {
	case RFX_ACT_NONE:
		return RFX_OK;
	case RFX_ACT_RELU:
		q->lo = y->zero_point;
		return RFX_OK;
	case RFX_ACT_CLIP:
		q->lo = rfx_quantize_value(l->f[0], inv, y->zero_point);
		q->hi = rfx_quantize_value(l->f[1], inv, y->zero_point);
		return RFX_OK;
	default:
		return failf(err, errlen, RFX_E_UNSUPPORTED,
			     "int8 layer '%s' (%s): activation %s has no int8 form (only "
			     "relu and clip are fused)", lname(l), rfx_op_name(l->op),
			     rfx_act_name(act));
	}
}

/* The scale of output channel c of weights w. */
static rfx_status weight_scale(const rfx_graph *g, const rfx_layer *l,
                               const rfx_tensor *w, uint32_t c, double *out,
                               char *err, size_t errlen)
{
	float s = w->scale;

	if (w->channel_scales != UINT32_MAX) {
		const rfx_tensor *st = w->channel_scales < g->n_tensors ?
			&g->tensors[w->channel_scales] : NULL;
		if (!st || st->dtype != RFX_DTYPE_F32 || !st->data ||
		    w->qaxis != 0 || rfx_tensor_elements(st) != w->dims[0] ||
		    st->size != 4ull * w->dims[0])
			return failf(err, errlen, RFX_E_FORMAT,
				     "int8 layer '%s': weight '%s' needs F32 channel scales "
				     "along axis 0", lname(l), w->name);
		memcpy(&s, (const char *)st->data + 4ull * c, 4);
		if (!isfinite(s) || s < 0.0f)
			return failf(err, errlen, RFX_E_FORMAT,
				     "int8 layer '%s': weight '%s' channel %u has scale %g",
				     lname(l), w->name, c, (double)s);
	} else if (!isfinite(s) || !(s > 0.0f) || w->zero_point != 0) {
		return failf(err, errlen, RFX_E_FORMAT,
			     "int8 layer '%s': weight '%s' needs scale > 0 and zero point 0",
			     lname(l), w->name);
	}
	if (w->zero_point != 0)
		return failf(err, errlen, RFX_E_FORMAT,
			     "int8 layer '%s': weight '%s' has zero point %d (weights are "
			     "symmetric)", lname(l), w->name, (int)w->zero_point);
	*out = s;
	return RFX_OK;
}

/* CONV2D and FC: bias, multipliers and weight sums per output channel. */
static rfx_status init_weighted(const rfx_graph *g, const rfx_layer *l,
                                rfx_quant_layer *q, char *err, size_t errlen)
{
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	const rfx_tensor *w = &g->tensors[l->inputs[1]];
	const rfx_tensor *b = &g->tensors[l->inputs[2]];
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	const int res = l->op == RFX_OP_CONV2D && l->n_inputs > 3;
	const uint32_t M = w->dims[0];
	const uint64_t per = M ? rfx_tensor_elements(w) / M : 0;
	const int8_t *wq = w->data;
	rfx_status st;

	if (w->dtype != RFX_DTYPE_I8 || !w->data || w->size != per * M ||
	    (b->dtype != RFX_DTYPE_I32 && b->dtype != RFX_DTYPE_F32) || !b->data ||
	    b->size != 4ull * M)
		return failf(err, errlen, RFX_E_FORMAT,
			     "int8 layer '%s': weights must be I8 and bias I32 or F32",
			     lname(l));
	q->channels = M;
	q->bias = calloc(M ? M : 1, sizeof(*q->bias));
	q->ch_rq = calloc(M ? M : 1, sizeof(*q->ch_rq));
	q->w_sum = calloc(M ? M : 1, sizeof(*q->w_sum));
	if (!q->bias || !q->ch_rq || !q->w_sum)
		return failf(err, errlen, RFX_E_OUT_OF_MEMORY, "out of memory");
	for (uint32_t c = 0; c < M; c++) {
		double sw = 0.0;
		int32_t sum = 0;

		if ((st = weight_scale(g, l, w, c, &sw, err, errlen)))
			return st;
		if (b->dtype == RFX_DTYPE_I32) {
			memcpy(&q->bias[c], (const char *)b->data + 4ull * c, 4);
		} else {
			float bf;
			memcpy(&bf, (const char *)b->data + 4ull * c, 4);
			q->bias[c] = rfx_quant_bias(bf, x->scale, (float)sw);
		}
		st = multiplier(l, (double)x->scale * sw * (res ? SUM_SCALE : 1.0) /
				(double)y->scale, &q->ch_rq[c], err, errlen);
		if (st)
			return st;
		for (uint64_t k = 0; k < per; k++)
			sum = rfx_quant_wrap_add(sum, wq[c * per + k]);
		q->w_sum[c] = sum;
	}
	if (res) {
		const rfx_tensor *r = &g->tensors[l->inputs[3]];
		st = multiplier(l, (double)r->scale * SUM_SCALE / (double)y->scale,
				&q->in_rq[3], err, errlen);
		if (st)
			return st;
		q->has_sum = 1;
	}
	return RFX_OK;
}

/* A rescale from input k's scale to the output's. */
static rfx_status to_output(const rfx_graph *g, const rfx_layer *l, uint32_t k,
                            rfx_quant_layer *q, char *err, size_t errlen)
{
	return multiplier(l, (double)g->tensors[l->inputs[k]].scale /
			  (double)g->tensors[l->outputs[0]].scale, &q->in_rq[k],
			  err, errlen);
}

static int same_quant(const rfx_tensor *a, const rfx_tensor *b)
{
	return a->scale == b->scale && a->zero_point == b->zero_point;
}

static rfx_status init_op(const rfx_graph *g, const rfx_layer *l,
                          rfx_quant_layer *q, char *err, size_t errlen)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	const rfx_tensor *x = &g->tensors[l->inputs[0]];
	rfx_status st = RFX_OK;

	switch (l->op) {
	case RFX_OP_CONV2D:
		if ((st = bounds(l, RFX_CONV_ACT, y, q, err, errlen)))
			return st;
		return init_weighted(g, l, q, err, errlen);
	case RFX_OP_FC:
		if ((st = bounds(l, RFX_FC_ACT, y, q, err, errlen)))
			return st;
		return init_weighted(g, l, q, err, errlen);
	case RFX_OP_POOL2D:
		if (l->i[RFX_POOL_KIND] == RFX_POOL_AVG &&
		    (uint64_t)l->i[RFX_POOL_KERNEL_H] * (uint64_t)l->i[RFX_POOL_KERNEL_W] >
			    RFX_QUANT_MAX_WINDOW)
			return failf(err, errlen, RFX_E_UNSUPPORTED,
				     "int8 layer '%s': average window over %u cells",
				     lname(l), RFX_QUANT_MAX_WINDOW);
		bounds(l, -1, y, q, err, errlen);
		return to_output(g, l, 0, q, err, errlen);
	case RFX_OP_GLOBAL_POOL:
		if (l->i[RFX_GPOOL_KIND] == RFX_POOL_AVG &&
		    (uint64_t)x->dims[2] * x->dims[3] > RFX_QUANT_MAX_WINDOW)
			return failf(err, errlen, RFX_E_UNSUPPORTED,
				     "int8 layer '%s': average over more than %u cells",
				     lname(l), RFX_QUANT_MAX_WINDOW);
		bounds(l, -1, y, q, err, errlen);
		return to_output(g, l, 0, q, err, errlen);
	case RFX_OP_UNARY:
		if ((st = bounds(l, RFX_UNARY_ACT, y, q, err, errlen)))
			return st;
		return to_output(g, l, 0, q, err, errlen);
	case RFX_OP_CONCAT:
		bounds(l, -1, y, q, err, errlen);
		for (uint32_t k = 0; k < l->n_inputs && !st; k++)
			st = to_output(g, l, k, q, err, errlen);
		return st;
	case RFX_OP_BINARY: {
		const rfx_tensor *b = &g->tensors[l->inputs[1]];
		rfx_binary_kind kind = (rfx_binary_kind)l->i[RFX_BINARY_KIND];
		if ((st = bounds(l, RFX_BINARY_ACT, y, q, err, errlen)))
			return st;
		if (kind == RFX_BINARY_MUL)
			return multiplier(l, (double)x->scale * (double)b->scale /
					  (double)y->scale, &q->in_rq[0], err, errlen);
		if (kind != RFX_BINARY_ADD && kind != RFX_BINARY_SUB)
			break;
		q->has_sum = 1;
		if ((st = multiplier(l, (double)x->scale * SUM_SCALE / (double)y->scale,
				     &q->in_rq[0], err, errlen)))
			return st;
		return multiplier(l, (double)b->scale * SUM_SCALE / (double)y->scale,
				  &q->in_rq[1], err, errlen);
	}
	case RFX_OP_RESHAPE:
	case RFX_OP_TRANSPOSE:
	case RFX_OP_PAD:
		if (!same_quant(x, y))
			return failf(err, errlen, RFX_E_UNSUPPORTED,
				     "int8 layer '%s' (%s): output '%s' must keep the input's "
				     "scale and zero point", lname(l), rfx_op_name(l->op),
				     y->name);
		q->pad_value = rfx_quantize_value(l->f[0], rfx_quant_inv_scale(y->scale),
						  y->zero_point);
		return RFX_OK;
	case RFX_OP_QUANTIZE:
		q->inv_scale = rfx_quant_inv_scale(y->scale);
		return RFX_OK;
	case RFX_OP_DEQUANTIZE:
		q->scale = x->scale;
		return RFX_OK;
	default:
		break;
	}
	return failf(err, errlen, RFX_E_UNSUPPORTED,
		     "int8 layer '%s': %s%s has no int8 form (keep it in float)",
		     lname(l), rfx_op_name(l->op),
		     l->op == RFX_OP_BINARY ? " div" : "");
}

rfx_status rfx_quant_layer_init(const rfx_graph *g, const rfx_layer *l,
                                rfx_quant_layer *q, char *err, size_t errlen)
{
	const int int8 = rfx_quant_layer_is_int8(l);
	const int i8_out = l->op != RFX_OP_DEQUANTIZE && int8;
	rfx_status st;

	memset(q, 0, sizeof(*q));
	for (uint32_t k = 0; k < l->n_inputs; k++) {
		const rfx_tensor *t = &g->tensors[l->inputs[k]];
		if (is_weight(l, k))
			continue;
		if (!int8 || l->op == RFX_OP_QUANTIZE) {
			if (t->dtype == RFX_DTYPE_I8)
				return failf(err, errlen, RFX_E_UNSUPPORTED,
					     "layer '%s' (%s) reads int8 tensor '%s' at "
					     "precision %s: convert it with a dequantize layer",
					     lname(l), rfx_op_name(l->op), t->name,
					     rfx_dtype_name(l->precision));
			continue;
		}
		if ((st = check_act(l, t, err, errlen)))
			return st;
		q->in_zp[k] = t->zero_point;
	}
	if (!int8)
		return RFX_OK;
	if (i8_out) {
		const rfx_tensor *y = &g->tensors[l->outputs[0]];
		if ((st = check_act(l, y, err, errlen)))
			return st;
		q->out_zp = y->zero_point;
	}
	/* 1/T, exactly: 2^30 / 2^(30 + 16) */
	q->sum_rq.m = 1 << 30;
	q->sum_rq.shift = 30 + RFX_QUANT_SUM_BITS;
	st = init_op(g, l, q, err, errlen);
	if (st != RFX_OK)
		rfx_quant_layer_finish(q);
	return st;
}
