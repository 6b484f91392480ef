/*
 * ONNX -> rfx layers: the driver, the helpers every translator shares,
 * and the ops without weights (activations, elementwise, softmax, reduce,
 * cast). Data movement is in translate_data.c; Conv, pooling, Gemm, MatMul
 * and BatchNormalization in translate_conv.c; Slice and Split in
 * translate_slice.c.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/fold.h"
#include "convert/shape.h"
#include "convert/translate.h"

rfx_status rfx_tr_attrs(rfx_ir_graph *g, uint32_t k, const char *const *known)
{
	const rfx_ir_node *n = &g->nodes[k];

	for (uint32_t a = 0; a < n->n_attrs; a++) {
		const char *name = n->attrs[a].name;
		/* Opsets 1-5: a memory-reuse hint without effect on results. */
		int ok = g->opset < 6 && strcmp(name, "consumed_inputs") == 0;
		for (const char *const *p = known; *p && !ok; p++)
			ok = strcmp(*p, name) == 0;
		if (!ok)
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"attribute '%s' is not supported",
						name);
	}
	return RFX_OK;
}

rfx_status rfx_tr_input(rfx_ir_graph *g, uint32_t k, uint32_t j, int rank,
                        int32_t *v)
{
	const rfx_ir_node *n = &g->nodes[k];
	const rfx_ir_value *val;
	char s[96];

	if (j >= n->n_in || n->in[j] < 0)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"input %u is missing", j);
	val = &g->values[n->in[j]];
	if (!val->shape_known)
		return rfx_ir_node_fail(g, k, RFX_E_INTERNAL,
					"input '%s' has no known shape",
					val->name);
	if (val->t.type != RFX_IR_FLOAT)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"input '%s' is an integer tensor; only "
					"floating-point activations are "
					"supported", val->name);
	if (rank >= 0 && val->t.rank != (uint32_t)rank)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"input '%s' has shape %s; rank %d is "
					"supported", val->name,
					rfx_ir_shape_str(&val->t, s, sizeof(s)),
					rank);
	*v = n->in[j];
	return RFX_OK;
}

rfx_status rfx_tr_const_input(rfx_ir_graph *g, uint32_t k, uint32_t j,
                              int rank, const char *what, int32_t *v)
{
	const rfx_ir_node *n = &g->nodes[k];
	rfx_status st;

	if (j < n->n_in && n->in[j] >= 0 && !g->values[n->in[j]].t.data)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"the %s ('%s') must be a constant (an "
					"initializer, or a graph input frozen "
					"with --freeze)", what,
					g->values[n->in[j]].name);
	if ((st = rfx_tr_input(g, k, j, rank, v)))
		return st;
	return RFX_OK;
}

rfx_status rfx_tr_new_value(rfx_ir_graph *g, uint32_t k, const char *suffix,
                            int32_t *v)
{
	char name[400];

	snprintf(name, sizeof(name), "%.300s/%.60s", g->nodes[k].name, suffix);
	return rfx_ir_value_add(g, name, v);
}

rfx_status rfx_tr_new_const(rfx_ir_graph *g, uint32_t k, const char *suffix,
                            uint32_t rank, const int64_t *dims,
                            const float *data, int32_t *v)
{
	char name[400];
	rfx_ir_tensor t = {0};
	uint64_t n;
	rfx_status st;

	snprintf(name, sizeof(name), "%.300s/%.60s", g->nodes[k].name, suffix);
	t.type = RFX_IR_FLOAT;
	t.rank = rank;
	memcpy(t.dims, dims, rank * sizeof(dims[0]));
	if ((st = rfx_ir_tensor_alloc(g, &t)))
		return st;
	rfx_ir_tensor_count(&t, &n);
	if (data)
		memcpy(t.data, data, (size_t)n * sizeof(float));
	return rfx_ir_const_add(g, name, &t, v);
}

rfx_status rfx_tr_insert_layer(rfx_ir_graph *g, uint32_t at, uint32_t from,
                               const char *suffix, rfx_op op,
                               const int32_t *in, uint32_t n_in, int32_t out)
{
	char name[400], op_type[64];
	rfx_status st;

	snprintf(name, sizeof(name), "%.300s/%.60s", g->nodes[from].name,
		 suffix);
	snprintf(op_type, sizeof(op_type), "%s", g->nodes[from].op_type);
	if ((st = rfx_ir_node_insert(g, at, name, op_type, n_in, 1)))
		return st;
	rfx_ir_node *n = &g->nodes[at];
	memcpy(n->in, in, n_in * sizeof(in[0]));
	n->out[0] = out;
	n->kind = RFX_IR_LAYER;
	n->op = op;
	return RFX_OK;
}

rfx_status rfx_tr_layer(rfx_ir_graph *g, uint32_t k, rfx_op op,
                        const int32_t *in, uint32_t n_in)
{
	rfx_ir_node *n = &g->nodes[k];
	int32_t vals[RFX_MAX_LAYER_INPUTS];
	rfx_status st;

	if (n_in > RFX_MAX_LAYER_INPUTS)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"%u inputs (at most %u)", n_in,
					RFX_MAX_LAYER_INPUTS);
	if (n->n_out < 1 || n->out[0] < 0)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"the first output is absent");
	for (uint32_t j = 1; j < n->n_out; j++)
		if (n->out[j] >= 0 && g->values[n->out[j]].uses)
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"output %u ('%s') is used; only "
						"the first output is supported",
						j, g->values[n->out[j]].name);
	memcpy(vals, in, n_in * sizeof(vals[0]));
	if ((st = rfx_ir_node_set_inputs(g, k, vals, n_in)))
		return st;
	n = &g->nodes[k];
	n->n_out = 1;
	n->kind = RFX_IR_LAYER;
	n->op = op;
	memset(n->i, 0, sizeof(n->i));
	memset(n->f, 0, sizeof(n->f));
	return RFX_OK;
}

/* The engine's tensors for an IR value (shape only). */
static rfx_status to_rfx_tensor(rfx_ir_graph *g, uint32_t k, int32_t v,
                                rfx_tensor *t)
{
	const rfx_ir_value *val = &g->values[v];
	char s[96];

	memset(t, 0, sizeof(*t));
	t->name = val->name;
	t->dtype = RFX_DTYPE_F32;
	t->channel_scales = UINT32_MAX;
	t->flags = val->t.data ? RFX_TENSOR_CONST : 0;
	for (uint32_t d = 0; d < RFX_MAX_RANK; d++)
		t->dims[d] = 1;
	if (val->t.rank > RFX_MAX_RANK)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"'%s' has rank %u (at most %d)", val->name,
					val->t.rank, RFX_MAX_RANK);
	t->rank = val->t.rank;
	for (uint32_t d = 0; d < val->t.rank; d++) {
		if (val->t.dims[d] < 1 || val->t.dims[d] > RFX_MAX_DIM)
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"'%s' has shape %s (every "
						"dimension must be 1..%u)",
						val->name,
						rfx_ir_shape_str(&val->t, s, sizeof(s)),
						RFX_MAX_DIM);
		t->dims[d] = (uint32_t)val->t.dims[d];
	}
	return RFX_OK;
}

rfx_status rfx_tr_infer(rfx_ir_graph *g, uint32_t k)
{
	rfx_tensor ts[RFX_MAX_LAYER_INPUTS + 1], out;
	uint32_t idx[RFX_MAX_LAYER_INPUTS], oidx;
	rfx_ir_node *n = &g->nodes[k];
	rfx_layer l;
	rfx_graph tmp;
	char err[256];
	rfx_status st;

	if (n->n_in > RFX_MAX_LAYER_INPUTS)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED, "too many inputs");
	for (uint32_t j = 0; j < n->n_in; j++) {
		if ((st = to_rfx_tensor(g, k, n->in[j], &ts[j])))
			return st;
		idx[j] = j;
	}
	oidx = n->n_in;
	memset(&ts[oidx], 0, sizeof(ts[oidx]));
	ts[oidx].dtype = RFX_DTYPE_F32;
	if (n->op == RFX_OP_RESHAPE &&
	    (st = to_rfx_tensor(g, k, n->out[0], &ts[oidx])))
		return st;
	memset(&l, 0, sizeof(l));
	l.op = n->op;
	l.precision = RFX_DTYPE_F32;
	l.name = n->name;
	l.n_inputs = n->n_in;
	l.n_outputs = 1;
	l.inputs = idx;
	l.outputs = &oidx;
	memcpy(l.i, n->i, sizeof(l.i));
	memcpy(l.f, n->f, sizeof(l.f));
	memset(&tmp, 0, sizeof(tmp));
	tmp.n_tensors = n->n_in + 1;
	tmp.tensors = ts;
	st = rfx_layer_infer(&tmp, &l, &out, err, sizeof(err));
	if (st != RFX_OK)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"not supported as %s: %s",
					rfx_op_name(n->op), err);
	rfx_ir_value *v = &g->values[n->out[0]];
	v->t.type = RFX_IR_FLOAT;
	v->t.rank = out.rank;
	for (uint32_t d = 0; d < out.rank; d++)
		v->t.dims[d] = out.dims[d];
	v->shape_known = 1;
	return RFX_OK;
}

rfx_status rfx_tr_ints(rfx_ir_graph *g, uint32_t k, const char *name,
                       uint32_t n, int64_t def, int64_t *out)
{
	const rfx_ir_attr *a = rfx_ir_attr_get(&g->nodes[k], name);

	if (!a) {
		for (uint32_t j = 0; j < n; j++)
			out[j] = def;
		return RFX_OK;
	}
	if (a->n_ints != n)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"attribute '%s' has %u values, expected "
					"%u (2-D only)", name, a->n_ints, n);
	for (uint32_t j = 0; j < n; j++) {
		if (a->ints[j] < INT32_MIN || a->ints[j] > INT32_MAX)
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"attribute '%s' value %lld out of "
						"range", name,
						(long long)a->ints[j]);
		out[j] = a->ints[j];
	}
	return RFX_OK;
}

/* ---------------------------------------------------------------- */

static rfx_status unary(rfx_ir_graph *g, uint32_t k, rfx_act act, float f0,
                        float f1)
{
	int32_t x;
	rfx_status st;

	if ((st = rfx_tr_input(g, k, 0, -1, &x)) ||
	    (st = rfx_tr_layer(g, k, RFX_OP_UNARY, &x, 1)))
		return st;
	g->nodes[k].i[RFX_UNARY_ACT] = act;
	g->nodes[k].f[0] = f0;
	g->nodes[k].f[1] = f1;
	return rfx_tr_infer(g, k);
}

static rfx_status tr_relu(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {NULL};
	rfx_status st = rfx_tr_attrs(g, *k, known);

	return st ? st : unary(g, *k, RFX_ACT_RELU, 0, 0);
}

static rfx_status tr_sigmoid(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {NULL};
	rfx_status st = rfx_tr_attrs(g, *k, known);

	return st ? st : unary(g, *k, RFX_ACT_SIGMOID, 0, 0);
}

static rfx_status tr_tanh(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {NULL};
	rfx_status st = rfx_tr_attrs(g, *k, known);

	return st ? st : unary(g, *k, RFX_ACT_TANH, 0, 0);
}

static rfx_status tr_hardswish(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {NULL};
	rfx_status st = rfx_tr_attrs(g, *k, known);

	return st ? st : unary(g, *k, RFX_ACT_HARD_SWISH, 0, 0);
}

static rfx_status tr_leaky_relu(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"alpha", NULL};
	rfx_status st = rfx_tr_attrs(g, *k, known);
	float alpha = rfx_ir_attr_float(&g->nodes[*k], "alpha", 0.01f);

	return st ? st : unary(g, *k, RFX_ACT_LEAKY_RELU, alpha, 0);
}

static rfx_status tr_hard_sigmoid(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"alpha", "beta", NULL};
	rfx_status st = rfx_tr_attrs(g, *k, known);
	float alpha = rfx_ir_attr_float(&g->nodes[*k], "alpha", 0.2f);
	float beta = rfx_ir_attr_float(&g->nodes[*k], "beta", 0.5f);

	return st ? st : unary(g, *k, RFX_ACT_HARD_SIGMOID, alpha, beta);
}

rfx_status rfx_tr_scalar_input(rfx_ir_graph *g, uint32_t k, uint32_t j,
                               const char *what, float def, float *out)
{
	const rfx_ir_node *n = &g->nodes[k];
	uint64_t cnt;

	*out = def;
	if (j >= n->n_in || n->in[j] < 0)
		return RFX_OK;
	const rfx_ir_value *v = &g->values[n->in[j]];
	if (!v->t.data)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"the %s bound ('%s') must be a constant",
					what, v->name);
	if (rfx_ir_tensor_count(&v->t, &cnt) < 0 || cnt != 1)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"the %s bound must be a scalar", what);
	*out = v->t.type == RFX_IR_FLOAT ? ((const float *)v->t.data)[0]
					  : (float)((const int64_t *)v->t.data)[0];
	return RFX_OK;
}

static rfx_status tr_clip(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const old_known[] = {"min", "max", NULL};
	static const char *const known[] = {NULL};
	float lo = -INFINITY, hi = INFINITY;
	rfx_status st;

	if (g->opset < 11) {
		if ((st = rfx_tr_attrs(g, *k, old_known)))
			return st;
		lo = rfx_ir_attr_float(&g->nodes[*k], "min", -FLT_MAX);
		hi = rfx_ir_attr_float(&g->nodes[*k], "max", FLT_MAX);
	} else if ((st = rfx_tr_attrs(g, *k, known)) ||
		   (st = rfx_tr_scalar_input(g, *k, 1, "min", -INFINITY, &lo)) ||
		   (st = rfx_tr_scalar_input(g, *k, 2, "max", INFINITY, &hi))) {
		return st;
	}
	if (isnan(lo) || isnan(hi))
		return rfx_ir_node_fail(g, *k, RFX_E_UNSUPPORTED,
					"NaN clip bounds");
	if (lo > hi) {
		/* ONNX: every result is max (min(max(x, lo), hi)). */
		lo = hi;
	}
	return unary(g, *k, RFX_ACT_CLIP, lo, hi);
}

static rfx_status tr_binary(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {NULL};
	const char *op = g->nodes[*k].op_type;
	int32_t in[2];
	rfx_binary_kind kind = strcmp(op, "Add") == 0   ? RFX_BINARY_ADD
			       : strcmp(op, "Sub") == 0 ? RFX_BINARY_SUB
			       : strcmp(op, "Mul") == 0 ? RFX_BINARY_MUL
							: RFX_BINARY_DIV;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)) ||
	    (st = rfx_tr_input(g, *k, 0, -1, &in[0])) ||
	    (st = rfx_tr_input(g, *k, 1, -1, &in[1])) ||
	    (st = rfx_tr_layer(g, *k, RFX_OP_BINARY, in, 2)))
		return st;
	g->nodes[*k].i[RFX_BINARY_KIND] = kind;
	return rfx_tr_infer(g, *k);
}

static rfx_status tr_softmax(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"axis", NULL};
	int legacy = g->opset < 13;
	int64_t axis = rfx_ir_attr_int(&g->nodes[*k], "axis", legacy ? 1 : -1);
	uint32_t a;
	int32_t x;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)) ||
	    (st = rfx_tr_input(g, *k, 0, -1, &x)) ||
	    (st = rfx_shape_axis(g, *k, axis, g->values[x].t.rank, &a)) ||
	    (st = rfx_tr_layer(g, *k, RFX_OP_SOFTMAX, &x, 1)))
		return st;
	g->nodes[*k].i[RFX_SOFTMAX_AXIS] = (int32_t)a;
	g->nodes[*k].i[RFX_SOFTMAX_LEGACY] = legacy;
	return rfx_tr_infer(g, *k);
}

static rfx_status tr_reduce_mean(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"axes", "keepdims", NULL};
	const rfx_ir_attr *aa = rfx_ir_attr_get(&g->nodes[*k], "axes");
	int64_t keep = rfx_ir_attr_int(&g->nodes[*k], "keepdims", 1);
	uint32_t mask = 0, r;
	int32_t x;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)) ||
	    (st = rfx_tr_input(g, *k, 0, -1, &x)))
		return st;
	r = g->values[x].t.rank;
	if (g->nodes[*k].n_in > 1)
		return rfx_ir_node_fail(g, *k, RFX_E_UNSUPPORTED,
					"axes as an input (opset 18) is not "
					"supported");
	if (r < 1 || r > RFX_MAX_RANK)
		return rfx_ir_node_fail(g, *k, RFX_E_UNSUPPORTED,
					"input rank %u", r);
	if (!aa) {
		mask = (1u << r) - 1;
	} else {
		for (uint32_t j = 0; j < aa->n_ints; j++) {
			uint32_t a;
			if ((st = rfx_shape_axis(g, *k, aa->ints[j], r, &a)))
				return st;
			mask |= 1u << a;
		}
	}
	if (keep != 0 && keep != 1)
		return rfx_ir_node_fail(g, *k, RFX_E_FORMAT, "keepdims %lld",
					(long long)keep);
	if ((st = rfx_tr_layer(g, *k, RFX_OP_REDUCE_MEAN, &x, 1)))
		return st;
	g->nodes[*k].i[RFX_REDUCE_AXES] = (int32_t)mask;
	g->nodes[*k].i[RFX_REDUCE_KEEPDIMS] = (int32_t)keep;
	return rfx_tr_infer(g, *k);
}

/* Cast between float types of an activation: the converter computes every
 * float in float32, so a cast to float32 is a copy; others are refused. */
static rfx_status tr_cast(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"to", NULL};
	int64_t to = rfx_ir_attr_int(&g->nodes[*k], "to", 0);
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)))
		return st;
	if (to != 1)
		return rfx_ir_node_fail(g, *k, RFX_E_UNSUPPORTED,
					"Cast of an activation to data type "
					"%lld (only float32)", (long long)to);
	return rfx_tr_copy(g, k);
}

static const struct {
	const char *op;
	rfx_tr_fn fn;
} translators[] = {
	{"Conv", rfx_tr_conv},
	{"Gemm", rfx_tr_gemm},
	{"MatMul", rfx_tr_matmul},
	{"BatchNormalization", rfx_tr_batchnorm},
	{"MaxPool", rfx_tr_maxpool},
	{"AveragePool", rfx_tr_avgpool},
	{"GlobalAveragePool", rfx_tr_global_pool},
	{"GlobalMaxPool", rfx_tr_global_pool},
	{"Relu", tr_relu},
	{"Clip", tr_clip},
	{"LeakyRelu", tr_leaky_relu},
	{"Sigmoid", tr_sigmoid},
	{"HardSigmoid", tr_hard_sigmoid},
	{"HardSwish", tr_hardswish},
	{"Tanh", tr_tanh},
	{"Add", tr_binary},
	{"Sub", tr_binary},
	{"Mul", tr_binary},
	{"Div", tr_binary},
	{"Concat", rfx_tr_concat},
	{"Reshape", rfx_tr_reshape},
	{"Flatten", rfx_tr_flatten},
	{"Squeeze", rfx_tr_squeeze},
	{"Unsqueeze", rfx_tr_unsqueeze},
	{"Transpose", rfx_tr_transpose},
	{"Pad", rfx_tr_pad},
	{"Softmax", tr_softmax},
	{"ReduceMean", tr_reduce_mean},
	{"Identity", rfx_tr_copy},
	{"Dropout", rfx_tr_copy},
	{"Cast", tr_cast},
	{"Slice", rfx_tr_slice},
	{"Split", rfx_tr_split},
};

static rfx_tr_fn find_translator(const char *op)
{
	for (size_t e = 0; e < sizeof(translators) / sizeof(translators[0]); e++)
		if (strcmp(translators[e].op, op) == 0)
			return translators[e].fn;
	return NULL;
}

int rfx_translate_knows(const char *op_type)
{
	return find_translator(op_type) != NULL;
}

rfx_status rfx_translate(rfx_ir_graph *g, uint32_t *folded)
{
	rfx_status st;

	*folded = 0;
	if (g->opset > RFX_CONVERT_MAX_OPSET)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "the model uses opset %lld; this converter "
				   "supports opsets up to %d",
				   (long long)g->opset, RFX_CONVERT_MAX_OPSET);
	rfx_ir_count_uses(g);
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		rfx_ir_node *n = &g->nodes[k];
		int done;
		rfx_tr_fn fn;
		if (n->kind != RFX_IR_ONNX)
			continue;
		if ((st = rfx_fold_node(g, k, &done)))
			return st;
		if (done) {
			(*folded)++;
			continue;
		}
		fn = find_translator(n->op_type);
		if (!fn && rfx_fold_knows(n->op_type))
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"operator supported only on "
						"constant inputs (folded), but "
						"an input here is computed at "
						"run time");
		if (!fn)
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"operator not supported");
		for (uint32_t j = 0; j < n->n_in; j++)
			if (n->in[j] >= 0 && !g->values[n->in[j]].shape_known)
				return rfx_ir_node_fail(g, k, RFX_E_INTERNAL,
							"input '%s' has no shape",
							g->values[n->in[j]].name);
		if ((st = fn(g, &k)))
			return st;
	}
	return RFX_OK;
}
