/* QDQ import: the model's own quantization into a float graph plus a table
 * of scales (see qdq.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "convert/qdq.h"

/* ONNX TensorProto data types the quantized tensors use. */
enum { T_FLOAT = 1, T_UINT8 = 2, T_INT8 = 3, T_INT32 = 6 };

/* Scale and zero point of one QuantizeLinear/DequantizeLinear. */
struct qp {
	uint32_t n;       /* 1: per tensor; else per index of `axis` */
	int32_t axis;
	const float *s;
	int64_t z[1];     /* zero point when per tensor */
	const int64_t *zv;/* per axis, NULL if all 0 */
	int type;         /* T_UINT8, T_INT8, T_INT32 */
};

void rfx_qdq_table_init(rfx_qdq_table *t)
{
	memset(t, 0, sizeof(*t));
}

void rfx_qdq_table_finish(rfx_qdq_table *t)
{
	if (!t)
		return;
	for (uint32_t k = 0; k < t->n; k++) {
		free(t->p[k].name);
		free(t->p[k].scales);
	}
	free(t->p);
	memset(t, 0, sizeof(*t));
}

const rfx_qdq_param *rfx_qdq_find(const rfx_qdq_table *t, const char *name)
{
	for (uint32_t k = 0; t && k < t->n; k++)
		if (strcmp(t->p[k].name, name) == 0)
			return &t->p[k];
	return NULL;
}

const rfx_qdq_param *rfx_qdq_find_weights(const rfx_qdq_table *t,
                                          const char *name, const float *data,
                                          uint64_t count)
{
	const rfx_qdq_param *e = rfx_qdq_find(t, name);
	uint64_t h;

	if (e && e->is_weight && e->count == count)
		return e;
	if (!t || !data)
		return NULL;
	h = rfx_fnv1a64(data, (size_t)count * sizeof(float));
	for (uint32_t k = 0; k < t->n; k++)
		if (t->p[k].is_weight && t->p[k].count == count &&
		    t->p[k].hash == h)
			return &t->p[k];
	return NULL;
}

static rfx_qdq_param *table_add(rfx_qdq_table *t, const char *name)
{
	if (rfx_qdq_find(t, name))
		return NULL; /* the first record of a name wins */
	if (t->n == t->cap) {
		uint32_t nc = t->cap ? t->cap * 2 : 32;
		rfx_qdq_param *np = realloc(t->p, nc * sizeof(*np));
		if (!np)
			return NULL;
		t->p = np;
		t->cap = nc;
	}
	rfx_qdq_param *e = &t->p[t->n];
	memset(e, 0, sizeof(*e));
	e->name = rfx_ir_strdup(name);
	if (!e->name)
		return NULL;
	t->n++;
	return e;
}

static int is_op(const rfx_ir_node *n, const char *op)
{
	return n->kind == RFX_IR_ONNX && strcmp(n->op_type, op) == 0;
}

static int is_const(const rfx_ir_graph *g, int32_t v)
{
	return v >= 0 && g->values[v].t.data != NULL;
}

/* Node k's scale (input si) and zero point (input zi, optional) of the
 * tensor at input xi, checked against its shape. axis: the quantized axis
 * of a vector of scales, or -1 for the node's "axis" attribute. */
static rfx_status read_qp_at(rfx_ir_graph *g, uint32_t k, uint32_t xi,
                             uint32_t si, uint32_t zi, int32_t axis,
                             struct qp *q)
{
	const rfx_ir_node *n = &g->nodes[k];
	int32_t sv = n->n_in > si ? n->in[si] : -1;
	int32_t zv = n->n_in > zi ? n->in[zi] : -1;
	uint64_t cnt, zc;

	memset(q, 0, sizeof(*q));
	if (n->n_in <= si || n->in[xi] < 0 || n->n_out < 1 || n->out[0] < 0)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"needs an input, a scale and an output");
	const rfx_ir_value *x = &g->values[n->in[xi]];
	if (!is_const(g, sv) || g->values[sv].t.type != RFX_IR_FLOAT ||
	    g->values[sv].t.rank > 1 ||
	    rfx_ir_tensor_count(&g->values[sv].t, &cnt) || cnt < 1)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"the scale must be a constant float "
					"scalar or vector");
	q->n = (uint32_t)cnt;
	q->s = g->values[sv].t.data;
	for (uint32_t c = 0; c < q->n; c++)
		if (!isfinite(q->s[c]) || !(q->s[c] > 0))
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"scale %g is not a positive "
						"number", (double)q->s[c]);
	q->type = T_UINT8; /* ONNX's default without a zero point */
	if (zv >= 0) {
		const rfx_ir_value *z = &g->values[zv];
		if (!z->t.data || z->t.type != RFX_IR_INT ||
		    rfx_ir_tensor_count(&z->t, &zc) || zc != cnt)
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"the zero point must be a "
						"constant like the scale");
		q->type = z->onnx_type;
		q->zv = z->t.data;
		q->z[0] = q->zv[0];
	} else if (!is_op(n, "QuantizeLinear") && x->t.data) {
		q->type = x->onnx_type;
	}
	if (q->type != T_UINT8 && q->type != T_INT8 && q->type != T_INT32)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"quantized type %d (reflex reads int8, "
					"uint8 and int32)", q->type);
	q->axis = axis >= 0 ? axis : (int32_t)rfx_ir_attr_int(n, "axis", 1);
	if (q->n > 1) {
		int32_t r = (int32_t)x->t.rank;
		if (q->axis < 0)
			q->axis += r;
		if (q->axis < 0 || q->axis >= r || x->t.dims[q->axis] != q->n)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"%u scales along axis %d of a "
						"rank-%d tensor", q->n,
						(int)q->axis, r);
	}
	return RFX_OK;
}

static rfx_status read_qp(rfx_ir_graph *g, uint32_t k, struct qp *q)
{
	return read_qp_at(g, k, 0, 1, 2, -1, q);
}

static int same_qp(const struct qp *a, const struct qp *b)
{
	if (a->n != b->n || a->type != b->type || (a->n > 1 && a->axis != b->axis))
		return 0;
	for (uint32_t c = 0; c < a->n; c++) {
		int64_t za = a->zv ? a->zv[c] : 0, zb = b->zv ? b->zv[c] : 0;
		if (a->s[c] != b->s[c] || za != zb)
			return 0;
	}
	return 1;
}

/* Index along the quantized axis of element e of x. */
static uint32_t channel_of(const struct qp *q, const rfx_ir_tensor *x,
                           uint64_t e)
{
	uint64_t inner = 1;

	if (q->n == 1)
		return 0;
	for (uint32_t d = (uint32_t)q->axis + 1; d < x->rank; d++)
		inner *= (uint64_t)x->dims[d];
	return (uint32_t)((e / inner) % q->n);
}

static rfx_status add_weights(rfx_ir_graph *g, rfx_qdq_table *t,
                              const char *name, const float *s, uint32_t n,
                              const float *data, uint64_t count)
{
	rfx_qdq_param *e;

	if (rfx_qdq_find(t, name))
		return RFX_OK;
	if (!(e = table_add(t, name)) ||
	    !(e->scales = malloc(n * sizeof(*e->scales))))
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	e->is_weight = 1;
	e->n_scales = n;
	memcpy(e->scales, s, n * sizeof(*e->scales));
	e->count = count;
	e->hash = rfx_fnv1a64(data, (size_t)count * sizeof(float));
	return RFX_OK;
}

/* Records quantized weights (int8, zero point 0) with their float values
 * `data` of shape x: per tensor or along axis 0 as they are, and for a
 * matrix transposed too (per tensor, or along axis 1 as they are). */
static rfx_status record_weights(rfx_ir_graph *g, rfx_qdq_table *t,
                                 const char *name, const struct qp *q,
                                 const float *data, const rfx_ir_tensor *x)
{
	uint64_t n;
	rfx_status st;

	if (q->type != T_INT8 || rfx_ir_tensor_count(x, &n))
		return RFX_OK;
	for (uint32_t c = 0; c < q->n; c++)
		if (q->zv && q->zv[c] != 0)
			return RFX_OK;
	if ((q->n == 1 || q->axis == 0) &&
	    (st = add_weights(g, t, name, q->s, q->n, data, n)))
		return st;
	if (x->rank != 2 || (q->n > 1 && q->axis != 1))
		return RFX_OK;
	uint64_t r = (uint64_t)x->dims[0], c = (uint64_t)x->dims[1];
	float *tr = malloc((size_t)(n ? n : 1) * sizeof(*tr));
	char *tname = malloc(strlen(name) + 3);
	if (!tr || !tname) {
		free(tr);
		free(tname);
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	}
	for (uint64_t i = 0; i < r; i++)
		for (uint64_t j = 0; j < c; j++)
			tr[j * r + i] = data[i * c + j];
	/* A name no ONNX value has (a NUL cannot be in one, '\x01' hardly). */
	snprintf(tname, strlen(name) + 3, "\x01%s", name);
	st = add_weights(g, t, tname, q->s, q->n, tr, n);
	free(tr);
	free(tname);
	return st;
}

/* Value v becomes the float constant data (ownership moves), shaped like
 * `like`. */
static rfx_status set_const(rfx_ir_graph *g, int32_t v,
                            const rfx_ir_tensor *like, float *data)
{
	rfx_ir_value *val = &g->values[v];

	rfx_ir_tensor_free(&val->t);
	val->t = *like;
	val->t.type = RFX_IR_FLOAT;
	val->t.data = data;
	val->shape_known = 1;
	val->onnx_type = T_FLOAT;
	return RFX_OK;
}

/* (x - zero_point) * scale of integer constant x, as ONNX computes it (in
 * float), into a new array. */
static rfx_status dequant_const(rfx_ir_graph *g, uint32_t k,
                                const struct qp *q, const rfx_ir_tensor *x,
                                float **out)
{
	uint64_t n;

	*out = NULL;
	if (x->type != RFX_IR_INT || !x->data || rfx_ir_tensor_count(x, &n))
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"dequantizes a non-integer constant");
	float *d = malloc((size_t)(n ? n : 1) * sizeof(*d));
	if (!d)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	for (uint64_t e = 0; e < n; e++) {
		uint32_t c = channel_of(q, x, e);
		int64_t z = q->zv ? q->zv[c] : 0;
		d[e] = (float)(((const int64_t *)x->data)[e] - z) * q->s[c];
	}
	*out = d;
	return RFX_OK;
}

/* DequantizeLinear of a constant: the float constant. */
static rfx_status fold_dq(rfx_ir_graph *g, uint32_t k, rfx_qdq_table *t)
{
	struct qp q;
	rfx_status st;

	if ((st = read_qp(g, k, &q)))
		return st;
	const rfx_ir_node *nd = &g->nodes[k];
	const rfx_ir_tensor *x = &g->values[nd->in[0]].t;
	int32_t y = nd->out[0];
	float *d;
	if ((st = dequant_const(g, k, &q, x, &d)))
		return st;
	rfx_ir_tensor like = *x;
	if ((st = record_weights(g, t, g->values[y].name, &q, d, x))) {
		free(d);
		return st;
	}
	set_const(g, y, &like, d);
	rfx_ir_node_kill(&g->nodes[k]);
	t->consts_folded++;
	return RFX_OK;
}

/* The readers of value v among live nodes; -1 if any is neither a
 * DequantizeLinear reading v as its input 0 with parameters equal to q
 * nor a node converted from QLinearConv/QLinearMatMul (`converted`). */
static int32_t dq_readers(rfx_ir_graph *g, int32_t v, const struct qp *q,
                          const uint8_t *converted, uint32_t *count)
{
	*count = 0;
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		const rfx_ir_node *n = &g->nodes[k];
		int reads = 0;
		if (n->kind == RFX_IR_DEAD)
			continue;
		for (uint32_t j = 0; j < n->n_in; j++)
			reads |= n->in[j] == v;
		if (!reads)
			continue;
		if (converted && converted[k]) {
			(*count)++;
			continue;
		}
		struct qp dq;
		if (!is_op(n, "DequantizeLinear") || n->in[0] != v ||
		    (n->n_in > 1 && n->in[1] == v) ||
		    (n->n_in > 2 && n->in[2] == v) ||
		    read_qp(g, k, &dq) != RFX_OK || !same_qp(q, &dq))
			return -1;
		(*count)++;
	}
	return 0;
}

/* Makes node k an Identity reading value x (attributes dropped):
 * simplification removes it and keeps a graph output's name. */
static rfx_status make_identity(rfx_ir_graph *g, uint32_t k, int32_t x)
{
	rfx_ir_node *n = &g->nodes[k];
	char *op = rfx_ir_strdup("Identity");
	rfx_status st;

	if (!op)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	rfx_ir_node_kill(n); /* frees the attributes... */
	n->kind = RFX_IR_ONNX; /* ...and the node lives on as an Identity */
	free(n->op_type);
	n->op_type = op;
	if ((st = rfx_ir_node_set_inputs(g, k, &x, 1)))
		return st;
	return RFX_OK;
}

static rfx_status record_act(rfx_ir_graph *g, rfx_qdq_table *t,
                             const char *name, const struct qp *q)
{
	rfx_qdq_param *e;

	if (rfx_qdq_find(t, name))
		return RFX_OK;
	if (!(e = table_add(t, name)))
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	e->scale = q->s[0];
	/* uint8 code u is int8 code u - 128 on the same grid. */
	e->zero_point = (int32_t)(q->type == T_UINT8 ? q->z[0] - 128 : q->z[0]);
	return RFX_OK;
}

/* QuantizeLinear k whose output only DequantizeLinear nodes (or converted
 * QLinear nodes) read. */
static rfx_status fold_pair(rfx_ir_graph *g, uint32_t k, rfx_qdq_table *t,
                            const uint8_t *converted)
{
	struct qp q;
	uint32_t readers;
	rfx_status st;

	if ((st = read_qp(g, k, &q)))
		return st;
	int32_t x = g->nodes[k].in[0], y = g->nodes[k].out[0];
	if (q.type == T_INT32 || g->values[y].is_output ||
	    dq_readers(g, y, &q, converted, &readers) < 0 || readers == 0)
		return RFX_OK; /* not a pair: translation will refuse it */
	int64_t lo = q.type == T_UINT8 ? 0 : -128;
	int64_t hi = q.type == T_UINT8 ? 255 : 127;
	if (is_const(g, x)) {
		/* Fake-quantized constant: what the pair computes. */
		const rfx_ir_tensor *xt = &g->values[x].t;
		uint64_t n;
		if (xt->type != RFX_IR_FLOAT || rfx_ir_tensor_count(xt, &n))
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"quantizes a non-float constant");
		for (uint32_t d = 0; d < g->n_nodes; d++) {
			rfx_ir_node *n2 = &g->nodes[d];
			if (n2->kind == RFX_IR_DEAD || !is_op(n2, "DequantizeLinear") ||
			    n2->in[0] != y)
				continue;
			float *v = malloc((size_t)(n ? n : 1) * sizeof(*v));
			if (!v)
				return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY,
						   "out of memory");
			for (uint64_t e = 0; e < n; e++) {
				uint32_t c = channel_of(&q, xt, e);
				int64_t z = q.zv ? q.zv[c] : 0;
				/* ONNX: round half to even of x / scale. */
				float r = nearbyintf(((const float *)xt->data)[e] /
						     q.s[c]);
				double qv = (double)r + (double)z;
				qv = qv < lo ? lo : qv > hi ? hi : qv;
				v[e] = (float)((int64_t)qv - z) * q.s[c];
			}
			int32_t out = n2->out[0];
			rfx_ir_tensor like = *xt;
			if ((st = record_weights(g, t, g->values[out].name, &q, v,
						 xt))) {
				free(v);
				return st;
			}
			xt = &g->values[x].t;
			set_const(g, out, &like, v);
			rfx_ir_node_kill(&g->nodes[d]);
			t->consts_folded++;
		}
	} else {
		if (q.n != 1)
			return RFX_OK; /* per-axis activations: not served */
		if ((st = record_act(g, t, g->values[x].name, &q)))
			return st;
		for (uint32_t d = 0; d < g->n_nodes; d++) {
			rfx_ir_node *n2 = &g->nodes[d];
			if (n2->kind == RFX_IR_DEAD || !is_op(n2, "DequantizeLinear") ||
			    n2->in[0] != y)
				continue;
			int32_t out = n2->out[0];
			/* A graph output keeps its own name (drop-identity
			 * renames x's producer's output to it). */
			if (g->values[out].is_output &&
			    (st = record_act(g, t, g->values[out].name, &q)))
				return st;
			if ((st = make_identity(g, d, x)))
				return st;
		}
		t->pairs_removed++;
		if (readers) {
			/* Converted QLinear nodes still read y: the
			 * QuantizeLinear becomes an Identity, y takes x's
			 * values (and grid). */
			if ((st = record_act(g, t, g->values[y].name, &q)))
				return st;
			return make_identity(g, k, x);
		}
	}
	rfx_ir_node_kill(&g->nodes[k]);
	return RFX_OK;
}

/* A new float constant named after node k + suffix (data: ownership
 * moves), shaped like `like`. */
static rfx_status new_const(rfx_ir_graph *g, uint32_t k, const char *suffix,
                            const rfx_ir_tensor *like, float *data,
                            int32_t *v)
{
	const char *base = g->nodes[k].name && g->nodes[k].name[0]
				   ? g->nodes[k].name : "qlinear";
	size_t len = strlen(base) + strlen(suffix) + 1;
	char *name = malloc(len);
	rfx_ir_tensor t = *like;
	rfx_status st;

	if (!name) {
		free(data);
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	}
	snprintf(name, len, "%s%s", base, suffix);
	t.type = RFX_IR_FLOAT;
	t.data = data;
	st = rfx_ir_const_add(g, name, &t, v);
	free(name);
	return st;
}

/*
 * QLinearConv (x, xs, xz, w, ws, wz, ys, yz[, B]) or QLinearMatMul
 * (a, as, az, b, bs, bz, ys, yz) k: a Conv / MatMul of the float values
 * its integers stand for, with dequantized weights and a float bias
 * B * xs * ws; x and y are recorded with their grids. Its integer input
 * and output are from then on read as those float values (the
 * QuantizeLinear before and DequantizeLinear after become Identity).
 */
static rfx_status fold_qlinear(rfx_ir_graph *g, uint32_t k, int matmul,
                               rfx_qdq_table *t)
{
	struct qp qx, qw, qy;
	int32_t wv, bv = -1;
	float *wf = NULL;
	rfx_status st;

	if (g->nodes[k].n_in < 8)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT, "needs 8 inputs");
	if ((st = read_qp_at(g, k, 0, 1, 2, -1, &qx)) ||
	    (st = read_qp_at(g, k, 3, 4, 5, matmul ? 1 : 0, &qw)) ||
	    (st = read_qp_at(g, k, 0, 6, 7, -1, &qy)))
		return st;
	if (qx.n != 1 || qy.n != 1 || qx.type == T_INT32 || qy.type == T_INT32)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"per-axis or int32 activations");
	int32_t w = g->nodes[k].in[3];
	if (!is_const(g, w))
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"weights that are not a constant");
	rfx_ir_tensor wt = g->values[w].t;
	if ((st = dequant_const(g, k, &qw, &wt, &wf)))
		return st;
	if ((st = new_const(g, k, matmul ? ".b" : ".weight", &wt, wf, &wv)) ||
	    (st = record_weights(g, t, g->values[wv].name, &qw,
				 g->values[wv].t.data, &wt)))
		return st;
	int32_t b = !matmul && g->nodes[k].n_in > 8 ? g->nodes[k].in[8] : -1;
	if (b >= 0) {
		const rfx_ir_tensor *bt = &g->values[b].t;
		uint64_t n;
		if (!is_const(g, b) || bt->type != RFX_IR_INT ||
		    rfx_ir_tensor_count(bt, &n) || bt->rank != 1 ||
		    wt.rank < 1 || (int64_t)n != wt.dims[0])
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"the bias must be a constant "
						"int32 vector");
		float *bf = malloc((size_t)(n ? n : 1) * sizeof(*bf));
		if (!bf)
			return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY,
					   "out of memory");
		for (uint64_t c = 0; c < n; c++)
			bf[c] = (float)((double)((const int64_t *)bt->data)[c] *
					qx.s[0] * qw.s[qw.n == 1 ? 0 : c]);
		rfx_ir_tensor like = *bt;
		if ((st = new_const(g, k, ".bias", &like, bf, &bv)))
			return st;
	}
	char *op = rfx_ir_strdup(matmul ? "MatMul" : "Conv");
	if (!op)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	rfx_ir_node *n = &g->nodes[k];
	free(n->op_type);
	n->op_type = op;
	int32_t in[3] = {n->in[0], wv, bv};
	if ((st = rfx_ir_node_set_inputs(g, k, in, bv >= 0 ? 3 : 2)))
		return st;
	if ((st = record_act(g, t, g->values[in[0]].name, &qx)) ||
	    (st = record_act(g, t, g->values[g->nodes[k].out[0]].name, &qy)))
		return st;
	t->qlinear++;
	return RFX_OK;
}

/* DequantizeLinear k of a value a converted QLinear node computes (now
 * its float values): an Identity, when its grid is the recorded one. */
static rfx_status fold_dq_after(rfx_ir_graph *g, uint32_t k,
                                const rfx_qdq_table *t,
                                const uint8_t *converted)
{
	struct qp q;
	int32_t x = g->nodes[k].in[0];
	int32_t p = x >= 0 ? g->values[x].producer : -1;
	const rfx_qdq_param *e = x >= 0 ? rfx_qdq_find(t, g->values[x].name)
				       : NULL;

	if (p < 0 || !converted[p] || !e || e->is_weight ||
	    read_qp(g, k, &q) != RFX_OK || q.n != 1 || q.s[0] != e->scale ||
	    (q.type == T_UINT8 ? q.z[0] - 128 : q.z[0]) != e->zero_point)
		return RFX_OK;
	return make_identity(g, k, x);
}

static rfx_status import_pairs(rfx_ir_graph *g, rfx_qdq_table *t,
                               const uint8_t *converted);

rfx_status rfx_qdq_import(rfx_ir_graph *g, rfx_qdq_table *t)
{
	uint8_t *converted = calloc(g->n_nodes + 1, 1);
	rfx_status st = RFX_OK;

	if (!converted)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	for (uint32_t k = 0; k < g->n_nodes && st == RFX_OK; k++) {
		int conv = is_op(&g->nodes[k], "QLinearConv");
		if (conv || is_op(&g->nodes[k], "QLinearMatMul")) {
			st = fold_qlinear(g, k, !conv, t);
			converted[k] = 1;
		}
	}
	if (st == RFX_OK)
		st = import_pairs(g, t, converted);
	free(converted);
	return st;
}

static rfx_status import_pairs(rfx_ir_graph *g, rfx_qdq_table *t,
                               const uint8_t *converted)
{
	rfx_status st;

	for (uint32_t k = 0; k < g->n_nodes; k++)
		if (is_op(&g->nodes[k], "DequantizeLinear") &&
		    g->nodes[k].n_in >= 1 && is_const(g, g->nodes[k].in[0]) &&
		    (st = fold_dq(g, k, t)))
			return st;
	for (uint32_t k = 0; k < g->n_nodes; k++)
		if (is_op(&g->nodes[k], "QuantizeLinear") &&
		    (st = fold_pair(g, k, t, converted)))
			return st;
	rfx_ir_count_uses(g); /* producers, for fold_dq_after */
	for (uint32_t k = 0; k < g->n_nodes; k++)
		if (is_op(&g->nodes[k], "DequantizeLinear") &&
		    g->nodes[k].n_in >= 1 && !is_const(g, g->nodes[k].in[0]) &&
		    (st = fold_dq_after(g, k, t, converted)))
			return st;
	/* Identity (the pairs turned into one, and the model's own) may pass
	 * a graph output's name on to its producer (drop-identity): the
	 * parameters follow every name the value may end up with. */
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		const rfx_ir_node *n = &g->nodes[k];
		const rfx_qdq_param *e;
		if (!is_op(n, "Identity") || n->n_in < 1 || n->n_out < 1 ||
		    n->in[0] < 0 || n->out[0] < 0)
			continue;
		e = rfx_qdq_find(t, g->values[n->in[0]].name);
		if (!e || e->is_weight)
			continue;
		struct qp q = {0};
		float s = e->scale;
		q.n = 1;
		q.s = &s;
		q.z[0] = e->zero_point;
		q.type = T_INT8;
		if ((st = record_act(g, t, g->values[n->out[0]].name, &q)))
			return st;
	}
	rfx_ir_count_uses(g);
	return RFX_OK;
}
