/* Precision int8 from end to end (see int8.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "convert/int8.h"
#include "convert/quantize.h"

void rfx_quant_options_default(rfx_quant_options *o)
{
	memset(o, 0, sizeof(*o));
	o->method.kind = RFX_CALIB_MINMAX;
	o->method.percentile = RFX_CALIB_DEFAULT_PERCENTILE;
}

struct run {
	const rfx_quant_options *opt;
	void (*log)(void *user, const char *line);
	void *log_user;
	char *err;
	size_t errlen;
};

static void say(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct run *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!r->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->log(r->log_user, line);
}

static rfx_status oom(struct run *r)
{
	snprintf(r->err, r->errlen, "out of memory");
	return RFX_E_OUT_OF_MEMORY;
}

/* Mixed precision: marks the int8 layers whose own SQNR is below the
 * bound; returns how many. */
static uint32_t demote(rfx_quant_plan *p, const rfx_graph *g,
                       const rfx_quant_eval *ev, double bound)
{
	uint32_t marked = 0;

	for (uint32_t k = 0; k < g->n_layers; k++) {
		if (p->precision[k] != RFX_DTYPE_I8 ||
		    !(rfx_quant_eval_own_sqnr(ev, k) < bound))
			continue;
		p->demote[k] = 1;
		marked++;
	}
	return marked;
}

static void count_layers(const rfx_graph *q, rfx_quant_report *rep)
{
	rep->n_i8 = rep->n_f16 = rep->n_f32 = 0;
	rep->n_quantize = rep->n_dequantize = 0;
	for (uint32_t k = 0; k < q->n_layers; k++) {
		const rfx_layer *l = &q->layers[k];
		if (l->op == RFX_OP_QUANTIZE)
			rep->n_quantize++;
		else if (l->op == RFX_OP_DEQUANTIZE)
			rep->n_dequantize++;
		else if (l->precision == RFX_DTYPE_I8)
			rep->n_i8++;
		else if (l->precision == RFX_DTYPE_F16)
			rep->n_f16++;
		else
			rep->n_f32++;
	}
}

static rfx_status fill_report(struct run *r, const rfx_graph *ref,
                              const rfx_quant_plan *p, const float *lo,
                              const float *hi, const uint8_t *have,
                              const rfx_quant_eval *ev, const double *own,
                              rfx_quant_report *rep)
{
	rep->n_layers = ref->n_layers;
	rep->layers = calloc(ref->n_layers + 1, sizeof(*rep->layers));
	if (!rep->layers)
		return oom(r);
	for (uint32_t k = 0; k < ref->n_layers; k++) {
		const rfx_layer *l = &ref->layers[k];
		uint32_t y = l->outputs[0];
		rfx_quant_layer_stat *s = &rep->layers[k];
		s->name = strdup(l->name ? l->name : "");
		s->tensor = strdup(ref->tensors[y].name);
		if (!s->name || !s->tensor)
			return oom(r);
		s->op = l->op;
		s->precision = p->precision[k];
		s->demoted = p->demote[k];
		s->have_range = have[y];
		s->lo = have[y] ? lo[y] : 0.0f;
		s->hi = have[y] ? hi[y] : 0.0f;
		s->from_qdq = p->param[y].from_qdq;
		if (s->precision == RFX_DTYPE_I8) {
			s->scale = p->param[y].scale;
			s->zero_point = p->param[y].zero_point;
		}
		s->sqnr_db = ev ? rfx_quant_eval_sqnr(ev, k) : NAN;
		s->cosine = ev ? rfx_quant_eval_cosine(ev, k) : NAN;
		s->own_sqnr_db = ev ? own[k] : NAN;
	}
	rep->output_sqnr_db = rep->output_cosine = NAN;
	if (ev && ev->samples) {
		rep->top1_rows = ev->top1_rows;
		rep->top1_same = ev->top1_same;
		for (uint32_t k = 0; k < ref->n_layers; k++) {
			if (ref->layers[k].outputs[0] != ref->outputs[0])
				continue;
			rep->output_sqnr_db = rfx_quant_eval_sqnr(ev, k);
			rep->output_cosine = rfx_quant_eval_cosine(ev, k);
		}
	}
	return RFX_OK;
}

rfx_status rfx_convert_int8(const rfx_graph *fp, const rfx_qdq_table *qdq,
                            const rfx_quant_options *opt, int golden,
                            uint32_t golden_seed,
                            void (*log)(void *user, const char *line),
                            void *log_user, rfx_graph *out,
                            rfx_quant_report *rep, char *err, size_t errlen)
{
	struct run r = {opt, log, log_user, err, errlen};
	rfx_quant_options defaults;
	rfx_quant_report scratch;
	rfx_graph ref = {0}, q = {0};
	rfx_quant_plan plan = {0};
	rfx_quant_eval ev = {0};
	float *lo = NULL, *hi = NULL;
	uint8_t *have = NULL;
	uint32_t *where = NULL, split = 0;
	double *own = NULL;
	void *gi = NULL, *go = NULL;
	uint64_t ni = 0, no = 0;
	char mbuf[32];
	rfx_status st;

	memset(out, 0, sizeof(*out));
	if (!rep)
		rep = &scratch;
	memset(rep, 0, sizeof(*rep));
	if (!opt) {
		rfx_quant_options_default(&defaults);
		opt = &defaults;
	}
	const rfx_sample_source *eval = opt->eval.count ? &opt->eval
							: &opt->calib;
	int measure = (opt->report || opt->mixed) && eval->count;
	if (!opt->calib.count && (!qdq || qdq->n == 0)) {
		snprintf(err, errlen, "int8 needs calibration images (--calib "
			 "DIR) or a model quantized with QuantizeLinear/"
			 "DequantizeLinear pairs");
		return RFX_E_INVALID_ARGUMENT;
	}
	if (opt->mixed && !eval->count) {
		snprintf(err, errlen, "--int8-min-sqnr measures the layers: it "
			 "needs images (--calib or --eval)");
		return RFX_E_INVALID_ARGUMENT;
	}
	if ((st = rfx_quant_split(fp, &ref, &split, err, errlen)))
		return st;
	rep->split = split;
	say(&r, "int8-split: %u activations int8 cannot fuse moved into "
	    "their own layers", split);
	lo = calloc(ref.n_tensors + 1, sizeof(*lo));
	hi = calloc(ref.n_tensors + 1, sizeof(*hi));
	have = calloc(ref.n_tensors + 1, sizeof(*have));
	where = calloc(ref.n_tensors + 1, sizeof(*where));
	own = malloc((ref.n_layers + 1) * sizeof(*own));
	if (!lo || !hi || !have || !where || !own) {
		st = oom(&r);
		goto out;
	}
	if (qdq) {
		rep->qdq_pairs = qdq->pairs_removed;
		rep->qdq_consts = qdq->consts_folded;
		rep->qdq_qlinear = qdq->qlinear;
	}
	if (opt->calib.count) {
		if ((st = rfx_calibrate(&ref, &opt->calib, &opt->method,
					opt->progress, opt->progress_user, lo,
					hi, have, err, errlen)))
			goto out;
		rfx_calib_method_str(&opt->method, mbuf, sizeof(mbuf));
		snprintf(rep->method, sizeof(rep->method), "%s", mbuf);
		rep->calib_samples = opt->calib.count;
		say(&r, "calibrate: %u samples, %s ranges", opt->calib.count,
		    mbuf);
	}
	for (uint32_t k = 0; k < ref.n_layers; k++)
		own[k] = NAN;
	if ((st = rfx_quant_plan_init(&plan, &ref))) {
		st = oom(&r);
		goto out;
	}
	rfx_quant_plan_params(&plan, &ref, qdq, lo, hi, have);
	for (uint32_t t = 0; t < ref.n_tensors; t++)
		rep->qdq_params_used += plan.base[t].from_qdq;
	rep->mixed = opt->mixed;
	rep->min_sqnr = opt->mixed ? opt->min_sqnr : 0;
	for (uint32_t round = 0;; round++) {
		rfx_quant_plan_decide(&plan, &ref);
		rfx_graph_finish(&q);
		rfx_quant_eval_finish(&ev);
		if ((st = rfx_quant_build(&ref, &plan, qdq, NULL, 0, NULL, 0, &q,
					  where, err, errlen)))
			goto out;
		if (!measure)
			break;
		if ((st = rfx_quant_evaluate(&ref, &q, where, &plan, qdq, eval,
					     opt->progress, opt->progress_user,
					     &ev, err, errlen)))
			goto out;
		rep->rounds = round + 1;
		/* Each layer's own error, as measured at int8 (a demoted
		 * layer keeps the figure that demoted it). */
		for (uint32_t k = 0; k < ref.n_layers; k++)
			if (plan.precision[k] == RFX_DTYPE_I8)
				own[k] = rfx_quant_eval_own_sqnr(&ev, k);
		if (!opt->mixed || round > 0)
			break;
		uint32_t n = demote(&plan, &ref, &ev, opt->min_sqnr);
		rep->demoted = n;
		say(&r, "mixed-precision: %u int8 layer%s below %.1f dB on %s "
		    "own kept in fp16", n, n == 1 ? "" : "s", opt->min_sqnr,
		    n == 1 ? "its" : "their");
		if (n == 0)
			break;
	}
	if (golden) {
		if ((st = rfx_convert_golden(&q, golden_seed, &gi, &ni, &go, &no,
					     err, errlen)))
			goto out;
		rfx_graph_finish(&q);
		if ((st = rfx_quant_build(&ref, &plan, qdq, gi, ni, go, no, &q,
					  NULL, err, errlen)))
			goto out;
		say(&r, "golden: stored the CPU reference's int8 output for a "
		    "seeded random input");
	}
	count_layers(&q, rep);
	rep->eval_samples = measure ? ev.samples : 0;
	rep->eval_is_calib = measure && eval == &opt->calib;
	if ((st = fill_report(&r, &ref, &plan, lo, hi, have,
			      measure ? &ev : NULL, own, rep)))
		goto out;
	say(&r, "quantize: %u layers int8, %u fp16, %u fp32; %u quantize, %u "
	    "dequantize", rep->n_i8, rep->n_f16, rep->n_f32, rep->n_quantize,
	    rep->n_dequantize);
	if (measure && rep->top1_rows)
		say(&r, "accuracy: top-1 agreement %u/%u, output SQNR %.1f dB, "
		    "cosine %.5f", rep->top1_same, rep->top1_rows,
		    rep->output_sqnr_db, rep->output_cosine);
	*out = q;
	memset(&q, 0, sizeof(q));
out:
	if (st != RFX_OK || rep == &scratch)
		rfx_quant_report_finish(rep);
	free(gi);
	free(go);
	free(lo);
	free(hi);
	free(have);
	free(where);
	free(own);
	rfx_quant_eval_finish(&ev);
	rfx_quant_plan_finish(&plan);
	rfx_graph_finish(&q);
	rfx_graph_finish(&ref);
	return st;
}
