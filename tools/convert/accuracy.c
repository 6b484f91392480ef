/* The int8 accuracy report's measurements (see accuracy.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/accuracy.h"
#include "cpu/cpu.h"
#include "graph/builder.h"
#include "graph/half.h"
#include "graph/quant.h"

void rfx_quant_report_finish(rfx_quant_report *r)
{
	if (!r)
		return;
	for (uint32_t k = 0; r->layers && k < r->n_layers; k++) {
		free(r->layers[k].name);
		free(r->layers[k].tensor);
	}
	free(r->layers);
	memset(r, 0, sizeof(*r));
}

void rfx_quant_eval_finish(rfx_quant_eval *e)
{
	if (!e)
		return;
	free(e->xx);
	free(e->ee);
	free(e->xy);
	free(e->yy);
	free(e->oee);
	free(e->has_own);
	memset(e, 0, sizeof(*e));
}

double rfx_quant_eval_sqnr(const rfx_quant_eval *e, uint32_t k)
{
	if (!e->samples || k >= e->n_layers)
		return NAN;
	if (e->ee[k] == 0)
		return INFINITY;
	if (e->xx[k] == 0)
		return -INFINITY;
	return 10.0 * log10(e->xx[k] / e->ee[k]);
}

double rfx_quant_eval_own_sqnr(const rfx_quant_eval *e, uint32_t k)
{
	if (!e->samples || k >= e->n_layers || !e->has_own || !e->has_own[k])
		return NAN;
	if (e->oee[k] == 0)
		return INFINITY;
	if (e->xx[k] == 0)
		return -INFINITY;
	return 10.0 * log10(e->xx[k] / e->oee[k]);
}

double rfx_quant_eval_cosine(const rfx_quant_eval *e, uint32_t k)
{
	if (!e->samples || k >= e->n_layers)
		return NAN;
	if (e->xx[k] == 0 && e->yy[k] == 0)
		return 1.0;
	if (e->xx[k] == 0 || e->yy[k] == 0)
		return 0.0;
	return e->xy[k] / sqrt(e->xx[k] * e->yy[k]);
}

uint32_t rfx_argmax(const float *v, uint32_t n)
{
	uint32_t best = 0;

	for (uint32_t k = 1; k < n; k++)
		if (v[k] > v[best] || (v[best] != v[best] && v[k] == v[k]))
			best = k;
	return best;
}

/* Value e of tensor t (storage p), as a float. */
static float value_at(const void *p, const rfx_tensor *t, uint64_t e)
{
	switch (t->dtype) {
	case RFX_DTYPE_F32:
		return ((const float *)p)[e];
	case RFX_DTYPE_F16:
		return rfx_f16_to_f32(((const uint16_t *)p)[e]);
	case RFX_DTYPE_I8:
		return rfx_dequantize_value(((const int8_t *)p)[e], t->scale,
					    t->zero_point);
	default:
		return NAN;
	}
}

static int comparable(const rfx_tensor *a, const rfx_tensor *b)
{
	if (a->rank != b->rank)
		return 0;
	for (uint32_t d = 0; d < a->rank; d++)
		if (a->dims[d] != b->dims[d])
			return 0;
	return b->dtype == RFX_DTYPE_F32 || b->dtype == RFX_DTYPE_F16 ||
	       b->dtype == RFX_DTYPE_I8;
}

/* One int8 layer of ref on its own: its activation inputs are graph
 * inputs (F32, filled from ref's session), its output the graph output;
 * g is the float layer, q its int8 build. */
struct solo {
	uint32_t layer;
	rfx_graph g, q;
	rfx_cpu_session *s;
	uint32_t n_in;
	uint32_t ref_in[RFX_MAX_LAYER_INPUTS]; /* ref tensor of q's input j */
};

static void solo_finish(struct solo *o)
{
	rfx_cpu_session_destroy(o->s);
	rfx_graph_finish(&o->q);
	rfx_graph_finish(&o->g);
	memset(o, 0, sizeof(*o));
}

static rfx_status solo_make(const rfx_graph *ref, uint32_t k,
                            const rfx_quant_plan *plan,
                            const rfx_qdq_table *qdq, struct solo *o,
                            char *err, size_t errlen)
{
	const rfx_layer *l = &ref->layers[k];
	const rfx_tensor *yt = &ref->tensors[l->outputs[0]];
	uint32_t in[RFX_MAX_LAYER_INPUTS], sub_ref[RFX_MAX_LAYER_INPUTS + 1];
	uint32_t n_sub = 0;
	rfx_quant_plan sp;
	rfx_builder b;
	rfx_status st;

	memset(o, 0, sizeof(*o));
	o->layer = k;
	rfx_builder_init(&b);
	for (uint32_t j = 0; j < l->n_inputs; j++) {
		uint32_t t = l->inputs[j], m;
		const rfx_tensor *x = &ref->tensors[t];
		for (m = 0; m < j && l->inputs[m] != t; m++)
			;
		if (m < j) { /* read twice: one tensor */
			in[j] = in[m];
			continue;
		}
		if (x->flags & RFX_TENSOR_CONST) {
			in[j] = rfx_builder_const(&b, x->name, x->dtype, x->rank,
						  x->dims, x->data);
		} else {
			in[j] = rfx_builder_input(&b, x->name, x->dtype,
						  x->rank, x->dims);
			o->ref_in[o->n_in++] = t;
		}
		sub_ref[n_sub++] = t;
	}
	uint32_t y = rfx_builder_tensor(&b, yt->name, yt->dtype, yt->rank,
					yt->dims);
	sub_ref[n_sub++] = l->outputs[0];
	rfx_layer *nl = rfx_builder_layer(&b, l->op, l->name, in, l->n_inputs,
					  y);
	if (nl) {
		nl->precision = l->precision;
		memcpy(nl->i, l->i, sizeof(nl->i));
		memcpy(nl->f, l->f, sizeof(nl->f));
		rfx_builder_infer(&b, nl);
	}
	rfx_builder_output(&b, y);
	if ((st = rfx_builder_finish(&b, &o->g, err, errlen)))
		return st;
	if (o->g.n_tensors != n_sub || rfx_quant_plan_init(&sp, &o->g)) {
		snprintf(err, errlen, "layer '%s' alone: out of memory", l->name);
		return RFX_E_OUT_OF_MEMORY;
	}
	for (uint32_t t = 0; t < n_sub; t++)
		sp.base[t] = sp.param[t] = plan->param[sub_ref[t]];
	sp.precision[0] = RFX_DTYPE_I8;
	st = rfx_quant_build(&o->g, &sp, qdq, NULL, 0, NULL, 0, &o->q, NULL,
			     err, errlen);
	rfx_quant_plan_finish(&sp);
	if (st)
		return st;
	return rfx_cpu_session_create(&o->q, &o->s, err, errlen);
}

rfx_status rfx_quant_evaluate(const rfx_graph *ref, const rfx_graph *q,
                              const uint32_t *where,
                              const rfx_quant_plan *plan,
                              const rfx_qdq_table *qdq,
                              const rfx_sample_source *src,
                              rfx_progress_fn progress, void *progress_user,
                              rfx_quant_eval *out, char *err, size_t errlen)
{
	rfx_cpu_session *sr = NULL, *sq = NULL;
	struct solo *solo = NULL;
	uint32_t n_solo = 0;
	rfx_status st;
	size_t n = (size_t)ref->n_layers + 1;

	memset(out, 0, sizeof(*out));
	if (!src || !src->count || !src->get) {
		snprintf(err, errlen, "the accuracy report needs samples");
		return RFX_E_INVALID_ARGUMENT;
	}
	if (ref->n_inputs != 1 || q->n_inputs != 1 || ref->n_outputs < 1 ||
	    q->n_outputs < 1 ||
	    rfx_tensor_bytes(&ref->tensors[ref->inputs[0]]) !=
		    rfx_tensor_bytes(&q->tensors[q->inputs[0]]) ||
	    ref->tensors[ref->inputs[0]].dtype != RFX_DTYPE_F32 ||
	    q->tensors[q->inputs[0]].dtype != RFX_DTYPE_F32) {
		snprintf(err, errlen, "the accuracy report compares graphs with "
			 "one equal F32 input");
		return RFX_E_INVALID_ARGUMENT;
	}
	out->n_layers = ref->n_layers;
	out->xx = calloc(n, sizeof(double));
	out->ee = calloc(n, sizeof(double));
	out->xy = calloc(n, sizeof(double));
	out->yy = calloc(n, sizeof(double));
	out->oee = calloc(n, sizeof(double));
	out->has_own = calloc(n, 1);
	solo = calloc(n, sizeof(*solo));
	if (!out->xx || !out->ee || !out->xy || !out->yy || !out->oee ||
	    !out->has_own || !solo) {
		st = RFX_E_OUT_OF_MEMORY;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((st = rfx_cpu_session_create(ref, &sr, err, errlen)) ||
	    (st = rfx_cpu_session_create(q, &sq, err, errlen)))
		goto fail;
	for (uint32_t k = 0; plan && k < ref->n_layers; k++) {
		if (plan->precision[k] != RFX_DTYPE_I8)
			continue;
		if ((st = solo_make(ref, k, plan, qdq, &solo[n_solo], err,
				    errlen)))
			goto fail;
		out->has_own[k] = 1;
		n_solo++;
	}
	float *xin = rfx_cpu_session_tensor(sr, ref->inputs[0]);
	float *qin = rfx_cpu_session_tensor(sq, q->inputs[0]);
	const rfx_tensor *ry = &ref->tensors[ref->outputs[0]];
	const rfx_tensor *qy = &q->tensors[q->outputs[0]];
	int top1 = comparable(ry, qy) && ry->rank >= 1 &&
		   ry->dtype == RFX_DTYPE_F32 && qy->dtype == RFX_DTYPE_F32;
	for (uint32_t k = 0; k < src->count; k++) {
		if (progress)
			progress(progress_user, "measuring int8 accuracy", k,
				 src->count);
		if ((st = src->get(src->user, k, ref, xin, err, errlen)))
			goto fail;
		memcpy(qin, xin, (size_t)rfx_tensor_bytes(
					 &ref->tensors[ref->inputs[0]]));
		rfx_cpu_session_run(sr);
		rfx_cpu_session_run(sq);
		for (uint32_t l = 0; l < ref->n_layers; l++) {
			uint32_t t = ref->layers[l].outputs[0];
			const rfx_tensor *a = &ref->tensors[t];
			if (where[t] >= q->n_tensors || a->dtype != RFX_DTYPE_F32)
				continue;
			const rfx_tensor *b = &q->tensors[where[t]];
			if (!comparable(a, b))
				continue;
			const float *x = rfx_cpu_session_tensor(sr, t);
			const void *y = rfx_cpu_session_tensor(sq, where[t]);
			uint64_t ne = rfx_tensor_elements(a);
			double xx = 0, ee = 0, xy = 0, yy = 0;
			for (uint64_t e = 0; e < ne; e++) {
				double xv = x[e];
				double yv = value_at(y, b, e);
				xx += xv * xv;
				ee += (xv - yv) * (xv - yv);
				xy += xv * yv;
				yy += yv * yv;
			}
			out->xx[l] += xx;
			out->ee[l] += ee;
			out->xy[l] += xy;
			out->yy[l] += yy;
		}
		for (uint32_t i = 0; i < n_solo; i++) {
			struct solo *o = &solo[i];
			for (uint32_t j = 0; j < o->n_in; j++)
				memcpy(rfx_cpu_session_tensor(o->s, o->q.inputs[j]),
				       rfx_cpu_session_tensor(sr, o->ref_in[j]),
				       (size_t)rfx_tensor_bytes(
					       &ref->tensors[o->ref_in[j]]));
			rfx_cpu_session_run(o->s);
			uint32_t t = ref->layers[o->layer].outputs[0];
			const float *x = rfx_cpu_session_tensor(sr, t);
			const float *y = rfx_cpu_session_tensor(o->s,
								o->q.outputs[0]);
			uint64_t ne = rfx_tensor_elements(&ref->tensors[t]);
			double ee = 0;
			for (uint64_t e = 0; e < ne; e++)
				ee += ((double)x[e] - y[e]) * ((double)x[e] - y[e]);
			out->oee[o->layer] += ee;
		}
		if (top1) {
			const float *a = rfx_cpu_session_tensor(sr, ref->outputs[0]);
			const float *b = rfx_cpu_session_tensor(sq, q->outputs[0]);
			uint32_t cls = ry->dims[ry->rank - 1];
			uint64_t rows = rfx_tensor_elements(ry) / cls;
			for (uint64_t r = 0; r < rows; r++) {
				out->top1_rows++;
				out->top1_same += rfx_argmax(a + r * cls, cls) ==
						  rfx_argmax(b + r * cls, cls);
			}
		}
		out->samples++;
	}
	if (progress)
		progress(progress_user, "measuring int8 accuracy", src->count,
			 src->count);
	st = RFX_OK;
fail:
	for (uint32_t i = 0; solo && i < n; i++)
		solo_finish(&solo[i]);
	free(solo);
	rfx_cpu_session_destroy(sr);
	rfx_cpu_session_destroy(sq);
	if (st)
		rfx_quant_eval_finish(out);
	return st;
}
