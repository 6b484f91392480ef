/* The int8 accuracy report's measurements (see accuracy.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/accuracy.h"
#include "cpu/cpu.h"
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

rfx_status rfx_quant_evaluate(const rfx_graph *ref, const rfx_graph *q,
                              const uint32_t *where,
                              const rfx_sample_source *src,
                              rfx_progress_fn progress, void *progress_user,
                              rfx_quant_eval *out, char *err, size_t errlen)
{
	rfx_cpu_session *sr = NULL, *sq = NULL;
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
	if (!out->xx || !out->ee || !out->xy || !out->yy) {
		st = RFX_E_OUT_OF_MEMORY;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((st = rfx_cpu_session_create(ref, &sr, err, errlen)) ||
	    (st = rfx_cpu_session_create(q, &sq, err, errlen)))
		goto fail;
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
	rfx_cpu_session_destroy(sr);
	rfx_cpu_session_destroy(sq);
	return RFX_OK;
fail:
	rfx_cpu_session_destroy(sr);
	rfx_cpu_session_destroy(sq);
	rfx_quant_eval_finish(out);
	return st;
}
