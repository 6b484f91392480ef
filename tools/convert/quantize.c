/* The int8 pass: split, plan, build (see quantize.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/quantize.h"
#include "graph/builder.h"
#include "graph/half.h"
#include "graph/quant.h"

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

/* Activations an int8 layer applies as clamps (quant.h). */
static int int8_act(int32_t act)
{
	return act == RFX_ACT_NONE || act == RFX_ACT_RELU || act == RFX_ACT_CLIP;
}

static int is_const(const rfx_graph *g, uint32_t t)
{
	return (g->tensors[t].flags & RFX_TENSOR_CONST) != 0;
}

static int is_output(const rfx_graph *g, uint32_t t)
{
	return (g->tensors[t].flags & RFX_TENSOR_OUTPUT) != 0;
}

/* "a" + "b", malloc()ed; NULL when out of memory. */
static char *cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

static void copy_meta(rfx_builder *b, const rfx_meta *m)
{
	if (m->labels)
		rfx_builder_set_labels(b, m->labels);
	if (m->color)
		rfx_builder_set_color(b, m->color);
	if (m->layout)
		rfx_builder_set_layout(b, m->layout);
	if (m->converter)
		rfx_builder_set_converter(b, m->converter);
	rfx_builder_set_source(b, m->source_name ? m->source_name : "",
			       m->source_hash);
	rfx_builder_set_preprocess(b, m->scale, m->mean, m->std, m->input_w,
				   m->input_h);
}

/* Runs the shape rule on a layer just added and checks that the output has
 * the shape the source graph recorded for it. */
static rfx_status infer_same(rfx_builder *b, rfx_layer *l,
                             const rfx_tensor *want, char *err, size_t errlen)
{
	if (rfx_builder_infer(b, l) != RFX_OK)
		return failf(err, errlen, b->status, "%s", b->err);
	const rfx_tensor *t = rfx_builder_tensor_at(b, l->outputs[0]);
	int same = t && t->rank == want->rank;
	for (uint32_t d = 0; same && d < t->rank; d++)
		same = t->dims[d] == want->dims[d];
	if (!same)
		return failf(err, errlen, RFX_E_INTERNAL,
			     "layer '%s': output shape changed in the int8 pass",
			     l->name);
	return RFX_OK;
}

/* ---- 1. split ---- */

rfx_status rfx_quant_split(const rfx_graph *fp, rfx_graph *out,
                           uint32_t *split, char *err, size_t errlen)
{
	rfx_builder b;
	uint32_t *map;
	rfx_status st = RFX_OK;

	*split = 0;
	memset(out, 0, sizeof(*out));
	map = malloc((fp->n_tensors + 1) * sizeof(*map));
	if (!map)
		return failf(err, errlen, RFX_E_OUT_OF_MEMORY, "out of memory");
	for (uint32_t t = 0; t < fp->n_tensors; t++)
		map[t] = RFX_BUILDER_NONE;
	rfx_builder_init(&b);
	copy_meta(&b, &fp->meta);
	for (uint32_t k = 0; k < fp->n_inputs; k++) {
		const rfx_tensor *t = &fp->tensors[fp->inputs[k]];
		map[fp->inputs[k]] = rfx_builder_input(&b, t->name, t->dtype,
						       t->rank, t->dims);
	}
	for (uint32_t k = 0; k < fp->n_layers && st == RFX_OK; k++) {
		const rfx_layer *l = &fp->layers[k];
		const rfx_tensor *y = &fp->tensors[l->outputs[0]];
		uint32_t in[RFX_MAX_LAYER_INPUTS], o;
		int slot = rfx_act_slot(l->op);
		int cut = slot >= 0 && l->op != RFX_OP_UNARY &&
			  !int8_act(l->i[slot]);

		for (uint32_t j = 0; j < l->n_inputs; j++) {
			uint32_t t = l->inputs[j];
			const rfx_tensor *s = &fp->tensors[t];
			if (map[t] == RFX_BUILDER_NONE && is_const(fp, t))
				map[t] = rfx_builder_const(&b, s->name, s->dtype,
							   s->rank, s->dims,
							   s->data);
			in[j] = map[t];
		}
		if (cut) {
			char *pre = cat(y->name, ":pre");
			if (!pre) {
				st = failf(err, errlen, RFX_E_OUT_OF_MEMORY,
					   "out of memory");
				break;
			}
			o = rfx_builder_tensor(&b, pre, y->dtype, y->rank,
					       y->dims);
			free(pre);
		} else {
			o = rfx_builder_tensor(&b, y->name, y->dtype, y->rank,
					       y->dims);
		}
		rfx_layer *nl = rfx_builder_layer(&b, l->op, l->name, in,
						  l->n_inputs, o);
		if (!nl)
			break;
		nl->precision = l->precision;
		memcpy(nl->i, l->i, sizeof(nl->i));
		memcpy(nl->f, l->f, sizeof(nl->f));
		if (cut) {
			nl->i[slot] = RFX_ACT_NONE;
			nl->f[0] = nl->f[1] = 0.0f;
		}
		if ((st = infer_same(&b, nl, y, err, errlen)))
			break;
		if (cut) {
			char *an = cat(l->name, ":act");
			uint32_t yo = rfx_builder_tensor(&b, y->name, y->dtype,
							 y->rank, y->dims);
			rfx_layer *u = an ? rfx_builder_layer(&b, RFX_OP_UNARY,
							      an, &o, 1, yo)
					  : NULL;
			free(an);
			if (!u) {
				st = failf(err, errlen, b.status ? b.status
						    : RFX_E_OUT_OF_MEMORY,
					   "%s", b.err[0] ? b.err
							  : "out of memory");
				break;
			}
			u->precision = l->precision;
			u->i[RFX_UNARY_ACT] = l->i[slot];
			u->f[0] = l->f[0];
			u->f[1] = l->f[1];
			if ((st = infer_same(&b, u, y, err, errlen)))
				break;
			o = yo;
			(*split)++;
		}
		map[l->outputs[0]] = o;
	}
	for (uint32_t k = 0; k < fp->n_outputs && st == RFX_OK; k++)
		rfx_builder_output(&b, map[fp->outputs[k]]);
	free(map);
	if (st != RFX_OK) {
		rfx_builder_finish(&b, NULL, NULL, 0);
		return st;
	}
	return rfx_builder_finish(&b, out, err, errlen);
}

/* ---- 2. plan ---- */

rfx_status rfx_quant_plan_init(rfx_quant_plan *p, const rfx_graph *g)
{
	memset(p, 0, sizeof(*p));
	p->n_tensors = g->n_tensors;
	p->n_layers = g->n_layers;
	p->base = calloc(g->n_tensors + 1, sizeof(*p->base));
	p->param = calloc(g->n_tensors + 1, sizeof(*p->param));
	p->i8 = calloc(g->n_tensors + 1, sizeof(*p->i8));
	p->readers = calloc(g->n_tensors + 1, sizeof(*p->readers));
	p->precision = calloc(g->n_layers + 1, sizeof(*p->precision));
	p->demote = calloc(g->n_layers + 1, sizeof(*p->demote));
	if (!p->base || !p->param || !p->i8 || !p->readers || !p->precision ||
	    !p->demote) {
		rfx_quant_plan_finish(p);
		return RFX_E_OUT_OF_MEMORY;
	}
	for (uint32_t k = 0; k < g->n_layers; k++) {
		p->precision[k] = RFX_DTYPE_F32;
		for (uint32_t j = 0; j < g->layers[k].n_inputs; j++)
			p->readers[g->layers[k].inputs[j]]++;
	}
	return RFX_OK;
}

void rfx_quant_plan_finish(rfx_quant_plan *p)
{
	if (!p)
		return;
	free(p->base);
	free(p->param);
	free(p->i8);
	free(p->readers);
	free(p->precision);
	free(p->demote);
	memset(p, 0, sizeof(*p));
}

void rfx_quant_plan_params(rfx_quant_plan *p, const rfx_graph *g,
                           const rfx_qdq_table *qdq, const float *lo,
                           const float *hi, const uint8_t *have)
{
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		rfx_quant_param *q = &p->base[t];
		const rfx_qdq_param *e;

		memset(q, 0, sizeof(*q));
		if (is_const(g, t))
			continue;
		e = qdq ? rfx_qdq_find(qdq, g->tensors[t].name) : NULL;
		if (e && !e->is_weight) {
			q->scale = e->scale;
			q->zero_point = e->zero_point;
			q->known = q->from_qdq = 1;
		} else if (lo && hi && have && have[t]) {
			rfx_quant_range(lo[t], hi[t], &q->scale, &q->zero_point);
			q->known = 1;
		}
	}
	memcpy(p->param, p->base, g->n_tensors * sizeof(*p->param));
}

/* Every activation input of l is computed (not a constant) and has
 * parameters; for CONV2D/FC the weights and bias are F32 constants. */
static int inputs_ready(const rfx_quant_plan *p, const rfx_graph *g,
                        const rfx_layer *l)
{
	for (uint32_t j = 0; j < l->n_inputs; j++) {
		uint32_t t = l->inputs[j];
		int weight = (l->op == RFX_OP_CONV2D || l->op == RFX_OP_FC) &&
			     (j == 1 || j == 2);
		if (weight) {
			if (!is_const(g, t) ||
			    g->tensors[t].dtype != RFX_DTYPE_F32)
				return 0;
		} else if (is_const(g, t) || !p->param[t].known) {
			return 0;
		}
	}
	if ((l->op == RFX_OP_CONV2D || l->op == RFX_OP_FC) && l->n_inputs < 3)
		return 0;
	return 1;
}

/* Ops whose I8 form requantizes its result to any output scale. */
static int requantizes(const rfx_layer *l)
{
	switch (l->op) {
	case RFX_OP_CONV2D: case RFX_OP_FC: case RFX_OP_BINARY:
	case RFX_OP_UNARY: case RFX_OP_POOL2D: case RFX_OP_GLOBAL_POOL:
	case RFX_OP_CONCAT:
		return 1;
	default:
		return 0;
	}
}

static rfx_dtype decide_layer(rfx_quant_plan *p, const rfx_graph *g,
                              const rfx_layer *l)
{
	uint32_t x = l->n_inputs ? l->inputs[0] : 0, y = l->outputs[0];
	rfx_quant_param *py = &p->param[y];
	int slot = rfx_act_slot(l->op);
	int act_ok = slot < 0 || int8_act(l->i[slot]);
	int follows = l->n_inputs && !is_const(g, x) && p->i8[x];

	switch (l->op) {
	case RFX_OP_CONV2D:
	case RFX_OP_FC:
		return act_ok && py->known && inputs_ready(p, g, l)
			       ? RFX_DTYPE_I8 : RFX_DTYPE_F32;
	case RFX_OP_BINARY: {
		int32_t kind = l->i[RFX_BINARY_KIND];
		int ok = kind == RFX_BINARY_ADD || kind == RFX_BINARY_SUB ||
			 kind == RFX_BINARY_MUL;
		return ok && act_ok && py->known && inputs_ready(p, g, l)
			       ? RFX_DTYPE_I8 : RFX_DTYPE_F32;
	}
	case RFX_OP_CONCAT: {
		int any = 0;
		for (uint32_t j = 0; j < l->n_inputs; j++)
			any |= !is_const(g, l->inputs[j]) && p->i8[l->inputs[j]];
		return any && py->known && inputs_ready(p, g, l)
			       ? RFX_DTYPE_I8 : RFX_DTYPE_F32;
	}
	case RFX_OP_POOL2D:
	case RFX_OP_GLOBAL_POOL: {
		int kind = l->op == RFX_OP_POOL2D ? l->i[RFX_POOL_KIND]
						  : l->i[RFX_GPOOL_KIND];
		if (!follows)
			return RFX_DTYPE_F32;
		/* A maximum is one of the inputs: same grid, no rounding. An
		 * average is rounded to the input's grid before any rescale
		 * (graph/quant.h), so a finer output grid would only add a
		 * second rounding: it stays on the input's grid too, unless
		 * the model (QDQ) says otherwise. */
		if (kind == RFX_POOL_MAX || !py->known || !py->from_qdq)
			*py = p->param[x];
		return RFX_DTYPE_I8;
	}
	case RFX_OP_UNARY:
		if (!follows || !act_ok)
			return RFX_DTYPE_F32;
		if (!py->known)
			*py = p->param[x];
		return RFX_DTYPE_I8;
	case RFX_OP_RESHAPE:
	case RFX_OP_TRANSPOSE:
	case RFX_OP_PAD:
		/* quant.h: the bytes move unchanged, same parameters. */
		if (!follows)
			return RFX_DTYPE_F32;
		*py = p->param[x];
		return RFX_DTYPE_I8;
	default:
		return RFX_DTYPE_F32;
	}
}

void rfx_quant_plan_decide(rfx_quant_plan *p, const rfx_graph *g)
{
	memcpy(p->param, p->base, g->n_tensors * sizeof(*p->param));
	memset(p->i8, 0, g->n_tensors * sizeof(*p->i8));
	for (uint32_t k = 0; k < g->n_layers; k++) {
		const rfx_layer *l = &g->layers[k];
		uint32_t y = l->outputs[0];
		rfx_dtype prec;

		if (p->demote[k])
			prec = is_output(g, y) ? RFX_DTYPE_F32 : RFX_DTYPE_F16;
		else
			prec = decide_layer(p, g, l);
		p->precision[k] = prec;
		p->i8[y] = prec == RFX_DTYPE_I8;
	}
	/* CONCAT inputs take the CONCAT's grid where nothing else reads them;
	 * last CONCAT first, so a nested one passes on the outer grid. */
	for (uint32_t k = g->n_layers; k-- > 0;) {
		const rfx_layer *l = &g->layers[k];
		if (l->op != RFX_OP_CONCAT || p->precision[k] != RFX_DTYPE_I8)
			continue;
		for (uint32_t j = 0; j < l->n_inputs; j++) {
			uint32_t x = l->inputs[j];
			int ok = !p->i8[x]; /* its QUANTIZE may use any grid */
			if (p->readers[x] != 1 || is_output(g, x))
				continue;
			for (uint32_t m = 0; m < k && !ok; m++) {
				const rfx_layer *pl = &g->layers[m];
				ok = pl->outputs[0] == x && requantizes(pl);
			}
			if (ok)
				p->param[x] = p->param[l->outputs[0]];
		}
	}
}

/* ---- 3. build ---- */

struct build {
	const rfx_graph *g;
	const rfx_quant_plan *p;
	const rfx_qdq_table *qdq;
	rfx_builder *b;
	uint32_t *fmap, *qmap;     /* per tensor: float form, I8 form */
	uint32_t *c32, *c16, *c8;  /* per constant: F32, F16, I8 copies */
	float **wscale;            /* per weight constant: channel scales */
	uint32_t *copies;          /* per constant: copies made (names) */
	char *err;
	size_t errlen;
};

static rfx_status build_error(struct build *bd)
{
	if (bd->b->status != RFX_OK)
		return failf(bd->err, bd->errlen, bd->b->status, "%s",
			     bd->b->err);
	return failf(bd->err, bd->errlen, RFX_E_OUT_OF_MEMORY, "out of memory");
}

/* A name for another copy of constant t: the name itself the first time,
 * then with the suffix. */
static char *const_name(struct build *bd, uint32_t t, const char *suffix)
{
	const char *name = bd->g->tensors[t].name;

	return bd->copies[t]++ ? cat(name, suffix) : cat(name, "");
}

/* Constant t as an F32 or F16 constant. */
static rfx_status const_float(struct build *bd, uint32_t t, rfx_dtype dt,
                              uint32_t *out)
{
	const rfx_tensor *s = &bd->g->tensors[t];
	uint32_t *slot = dt == RFX_DTYPE_F16 ? &bd->c16[t] : &bd->c32[t];
	uint64_t n = rfx_tensor_elements(s);
	void *conv = NULL;
	const void *data = s->data;
	char *name;

	if (*slot != RFX_BUILDER_NONE) {
		*out = *slot;
		return RFX_OK;
	}
	if (s->dtype != dt) {
		if (s->dtype != RFX_DTYPE_F32 || dt != RFX_DTYPE_F16)
			return failf(bd->err, bd->errlen, RFX_E_UNSUPPORTED,
				     "constant '%s' is %s; the int8 pass reads "
				     "float constants", s->name,
				     rfx_dtype_name(s->dtype));
		conv = malloc((size_t)(n ? n : 1) * sizeof(uint16_t));
		if (!conv)
			return build_error(bd);
		rfx_f32_to_f16_n(conv, s->data, (size_t)n);
		data = conv;
	}
	name = const_name(bd, t, dt == RFX_DTYPE_F16 ? ".f16" : ".f32");
	if (name)
		*slot = rfx_builder_const(bd->b, name, dt, s->rank, s->dims,
					  data);
	free(name);
	free(conv);
	if (!name || *slot == RFX_BUILDER_NONE)
		return build_error(bd);
	*out = *slot;
	return RFX_OK;
}

/* Weight constant w as I8, symmetric per output channel (axis 0), with
 * its F32 scales constant; the scales stay in bd->wscale[w]. */
static rfx_status const_weights(struct build *bd, uint32_t w, uint32_t *out)
{
	const rfx_tensor *s = &bd->g->tensors[w];
	uint32_t m = s->rank ? s->dims[0] : 1;
	uint64_t n = rfx_tensor_elements(s), per = m ? n / m : 0;
	const rfx_qdq_param *e = bd->qdq && s->dtype == RFX_DTYPE_F32
		? rfx_qdq_find_weights(bd->qdq, s->name, s->data, n) : NULL;
	int8_t *q = NULL;
	float *sc = NULL;
	char *name = NULL, *sname = NULL;
	uint32_t sdims[1] = {m}, si;

	if (bd->c8[w] != RFX_BUILDER_NONE) {
		*out = bd->c8[w];
		return RFX_OK;
	}
	q = malloc((size_t)(n ? n : 1));
	sc = malloc((size_t)m * sizeof(*sc));
	if (!q || !sc)
		goto oom;
	if (e && e->is_weight && (e->n_scales == 1 || e->n_scales == m)) {
		/* The model's own grid: its values are multiples of these
		 * scales, so Q() gives back its integers. */
		for (uint32_t c = 0; c < m; c++) {
			float s_c = e->scales[e->n_scales == 1 ? 0 : c];
			float inv = s_c > 0 ? rfx_quant_inv_scale(s_c) : 0.0f;
			sc[c] = s_c > 0 ? s_c : 0.0f;
			for (uint64_t i = 0; i < per; i++) {
				int8_t v = rfx_quantize_value(
					((const float *)s->data)[c * per + i],
					inv, 0);
				q[c * per + i] = v < -RFX_QUANT_WEIGHT_MAX
							 ? -RFX_QUANT_WEIGHT_MAX : v;
			}
		}
	} else {
		rfx_quant_weights_per_channel(s->data, m, per, q, sc);
	}
	name = const_name(bd, w, ".i8");
	sname = name ? cat(name, ".scales") : NULL;
	if (!name || !sname)
		goto oom;
	si = rfx_builder_const(bd->b, sname, RFX_DTYPE_F32, 1, sdims, sc);
	*out = rfx_builder_const(bd->b, name, RFX_DTYPE_I8, s->rank, s->dims, q);
	if (si == RFX_BUILDER_NONE || *out == RFX_BUILDER_NONE) {
		free(q);
		free(sc);
		free(name);
		free(sname);
		return build_error(bd);
	}
	rfx_tensor *t = rfx_builder_tensor_at(bd->b, *out);
	t->scale = 0.0f;
	t->zero_point = 0;
	t->qaxis = 0;
	t->channel_scales = si;
	bd->c8[w] = *out;
	bd->wscale[w] = sc;
	free(q);
	free(name);
	free(sname);
	return RFX_OK;
oom:
	free(q);
	free(sc);
	free(name);
	free(sname);
	return failf(bd->err, bd->errlen, RFX_E_OUT_OF_MEMORY, "out of memory");
}

/* Bias constant bt as I32 at x_scale * w_scale[c]: one copy per layer
 * (the scales differ from layer to layer). */
static rfx_status const_bias(struct build *bd, uint32_t bt, float xs,
                             const float *ws, uint32_t m, uint32_t *out)
{
	const rfx_tensor *s = &bd->g->tensors[bt];
	int32_t *q;
	char *name;

	if (rfx_tensor_elements(s) != m)
		return failf(bd->err, bd->errlen, RFX_E_INTERNAL,
			     "bias '%s' does not have %u values", s->name, m);
	q = malloc((size_t)(m ? m : 1) * sizeof(*q));
	name = const_name(bd, bt, "");
	if (name && bd->copies[bt] > 1) {
		char suffix[32];
		free(name);
		snprintf(suffix, sizeof(suffix), ".i32.%u", bd->copies[bt] - 1);
		name = cat(s->name, suffix);
	}
	if (!q || !name) {
		free(q);
		free(name);
		return failf(bd->err, bd->errlen, RFX_E_OUT_OF_MEMORY,
			     "out of memory");
	}
	for (uint32_t c = 0; c < m; c++)
		q[c] = rfx_quant_bias(((const float *)s->data)[c], xs, ws[c]);
	*out = rfx_builder_const(bd->b, name, RFX_DTYPE_I32, s->rank, s->dims, q);
	free(q);
	free(name);
	return *out == RFX_BUILDER_NONE ? build_error(bd) : RFX_OK;
}

static uint32_t new_tensor(struct build *bd, const rfx_tensor *like,
                           const char *suffix, rfx_dtype dt,
                           const rfx_quant_param *qp)
{
	char *name = cat(like->name, suffix);
	uint32_t t = name ? rfx_builder_tensor(bd->b, name, dt, like->rank,
					       like->dims)
			  : RFX_BUILDER_NONE;

	free(name);
	if (t != RFX_BUILDER_NONE && dt == RFX_DTYPE_I8) {
		rfx_tensor *nt = rfx_builder_tensor_at(bd->b, t);
		nt->scale = qp->scale;
		nt->zero_point = qp->zero_point;
	}
	return t;
}

/* A conversion layer (QUANTIZE or DEQUANTIZE) from `in` to a new tensor. */
static rfx_status convert_layer(struct build *bd, uint32_t t, rfx_op op,
                                uint32_t in, const char *tsuffix,
                                const char *lsuffix, rfx_dtype dt,
                                uint32_t *out)
{
	const rfx_tensor *src = &bd->g->tensors[t];
	char *lname = cat(src->name, lsuffix);
	rfx_layer *l;

	*out = new_tensor(bd, src, tsuffix, dt, &bd->p->param[t]);
	l = lname && *out != RFX_BUILDER_NONE
		    ? rfx_builder_layer(bd->b, op, lname, &in, 1, *out) : NULL;
	free(lname);
	if (!l)
		return build_error(bd);
	l->precision = dt;
	return infer_same(bd->b, l, src, bd->err, bd->errlen);
}

/* The I8 form of activation t. */
static rfx_status need_q(struct build *bd, uint32_t t, uint32_t *out)
{
	rfx_status st;

	if (bd->qmap[t] == RFX_BUILDER_NONE) {
		if (!bd->p->param[t].known)
			return failf(bd->err, bd->errlen, RFX_E_INTERNAL,
				     "tensor '%s' has no int8 parameters",
				     bd->g->tensors[t].name);
		st = convert_layer(bd, t, RFX_OP_QUANTIZE, bd->fmap[t], ":q",
				   ":quantize", RFX_DTYPE_I8, &bd->qmap[t]);
		if (st)
			return st;
	}
	*out = bd->qmap[t];
	return RFX_OK;
}

/* The float form of activation t. */
static rfx_status need_f(struct build *bd, uint32_t t, uint32_t *out)
{
	rfx_status st;

	if (bd->fmap[t] == RFX_BUILDER_NONE) {
		st = convert_layer(bd, t, RFX_OP_DEQUANTIZE, bd->qmap[t], ":f",
				   ":dequantize", RFX_DTYPE_F32, &bd->fmap[t]);
		if (st)
			return st;
	}
	*out = bd->fmap[t];
	return RFX_OK;
}

static rfx_status build_layer(struct build *bd, uint32_t k)
{
	const rfx_graph *g = bd->g;
	const rfx_layer *l = &g->layers[k];
	rfx_dtype prec = bd->p->precision[k];
	uint32_t y = l->outputs[0], in[RFX_MAX_LAYER_INPUTS], o;
	const rfx_tensor *yt = &g->tensors[y];
	int weighted = l->op == RFX_OP_CONV2D || l->op == RFX_OP_FC;
	rfx_status st;

	for (uint32_t j = 0; j < l->n_inputs; j++) {
		uint32_t t = l->inputs[j];
		if (prec == RFX_DTYPE_I8 && weighted && j == 1)
			st = const_weights(bd, t, &in[j]);
		else if (prec == RFX_DTYPE_I8 && weighted && j == 2)
			st = const_bias(bd, t, bd->p->param[l->inputs[0]].scale,
					bd->wscale[l->inputs[1]],
					g->tensors[l->inputs[1]].dims[0], &in[j]);
		else if (is_const(g, t))
			st = const_float(bd, t,
					 weighted && j == 1 &&
							 prec == RFX_DTYPE_F16
						 ? RFX_DTYPE_F16 : RFX_DTYPE_F32,
					 &in[j]);
		else if (prec == RFX_DTYPE_I8)
			st = need_q(bd, t, &in[j]);
		else
			st = need_f(bd, t, &in[j]);
		if (st)
			return st;
	}
	o = new_tensor(bd, yt, prec == RFX_DTYPE_I8 && is_output(g, y) ? ":q" : "",
		       prec, &bd->p->param[y]);
	rfx_layer *nl = o == RFX_BUILDER_NONE ? NULL
		: rfx_builder_layer(bd->b, l->op, l->name, in, l->n_inputs, o);
	if (!nl)
		return build_error(bd);
	nl->precision = prec;
	memcpy(nl->i, l->i, sizeof(nl->i));
	memcpy(nl->f, l->f, sizeof(nl->f));
	if ((st = infer_same(bd->b, nl, yt, bd->err, bd->errlen)))
		return st;
	if (prec != RFX_DTYPE_I8) {
		bd->fmap[y] = o;
		return RFX_OK;
	}
	bd->qmap[y] = o;
	if (is_output(g, y)) /* graph outputs are F32 under their name */
		return convert_layer(bd, y, RFX_OP_DEQUANTIZE, o, "",
				     ":dequantize", RFX_DTYPE_F32, &bd->fmap[y]);
	return RFX_OK;
}

rfx_status rfx_quant_build(const rfx_graph *g, const rfx_quant_plan *p,
                           const rfx_qdq_table *qdq, const void *golden_in,
                           uint64_t golden_in_size, const void *golden_out,
                           uint64_t golden_out_size, rfx_graph *out,
                           uint32_t *where, char *err, size_t errlen)
{
	struct build bd = {g, p, qdq, NULL, NULL, NULL, NULL, NULL, NULL,
			   NULL, NULL, err, errlen};
	rfx_builder b;
	size_t n = (size_t)g->n_tensors + 1;
	rfx_status st = RFX_OK;

	memset(out, 0, sizeof(*out));
	if (p->n_tensors != g->n_tensors || p->n_layers != g->n_layers)
		return failf(err, errlen, RFX_E_INVALID_ARGUMENT,
			     "the plan was made for another graph");
	rfx_builder_init(&b);
	bd.b = &b;
	bd.fmap = malloc(n * sizeof(uint32_t));
	bd.qmap = malloc(n * sizeof(uint32_t));
	bd.c32 = malloc(n * sizeof(uint32_t));
	bd.c16 = malloc(n * sizeof(uint32_t));
	bd.c8 = malloc(n * sizeof(uint32_t));
	bd.copies = calloc(n, sizeof(uint32_t));
	bd.wscale = calloc(n, sizeof(float *));
	if (!bd.fmap || !bd.qmap || !bd.c32 || !bd.c16 || !bd.c8 ||
	    !bd.copies || !bd.wscale) {
		st = failf(err, errlen, RFX_E_OUT_OF_MEMORY, "out of memory");
		goto out;
	}
	for (size_t t = 0; t < n; t++)
		bd.fmap[t] = bd.qmap[t] = bd.c32[t] = bd.c16[t] = bd.c8[t] =
			RFX_BUILDER_NONE;
	copy_meta(&b, &g->meta);
	for (uint32_t k = 0; k < g->n_inputs; k++) {
		const rfx_tensor *t = &g->tensors[g->inputs[k]];
		bd.fmap[g->inputs[k]] = rfx_builder_input(&b, t->name, t->dtype,
							  t->rank, t->dims);
	}
	for (uint32_t k = 0; k < g->n_layers && st == RFX_OK; k++)
		st = build_layer(&bd, k);
	if (st)
		goto out;
	for (uint32_t k = 0; k < g->n_outputs; k++)
		rfx_builder_output(&b, bd.fmap[g->outputs[k]]);
	if (golden_in && golden_out)
		rfx_builder_set_golden(&b, golden_in, golden_in_size,
				       golden_out, golden_out_size);
	if (where) {
		for (uint32_t t = 0; t < g->n_tensors; t++)
			where[t] = RFX_BUILDER_NONE;
		for (uint32_t k = 0; k < g->n_inputs; k++)
			where[g->inputs[k]] = bd.fmap[g->inputs[k]];
		for (uint32_t k = 0; k < g->n_layers; k++) {
			uint32_t y = g->layers[k].outputs[0];
			where[y] = p->precision[k] == RFX_DTYPE_I8 ? bd.qmap[y]
								   : bd.fmap[y];
		}
	}
out:
	if (st == RFX_OK)
		st = rfx_builder_finish(&b, out, err, errlen);
	else
		rfx_builder_finish(&b, NULL, NULL, 0);
	for (size_t t = 0; bd.wscale && t < n; t++)
		free(bd.wscale[t]);
	free(bd.wscale);
	free(bd.fmap);
	free(bd.qmap);
	free(bd.c32);
	free(bd.c16);
	free(bd.c8);
	free(bd.copies);
	return st;
}
