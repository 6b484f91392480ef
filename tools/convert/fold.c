/*
 * Constant folding. Each evaluator computes one ONNX op on constant inputs
 * with the op's own definition; the result replaces the node. Shapes are
 * static here, so Shape of any value with a known shape is a constant, and
 * the index arithmetic PyTorch exports around it folds away.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert/fold.h"
#include "convert/shape.h"

typedef rfx_status (*eval_fn)(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out);

static const rfx_ir_tensor *in_t(const rfx_ir_graph *g, uint32_t k,
                                 uint32_t j)
{
	const rfx_ir_node *n = &g->nodes[k];

	if (j >= n->n_in || n->in[j] < 0)
		return NULL;
	return &g->values[n->in[j]].t;
}

static uint64_t count_of(const rfx_ir_tensor *t)
{
	uint64_t n = 0;

	rfx_ir_tensor_count(t, &n); /* every stored tensor was checked */
	return n;
}

/* Element k as double / int64, whatever the tensor's type. */
static double get_f(const rfx_ir_tensor *t, uint64_t k)
{
	return t->type == RFX_IR_FLOAT ? (double)((const float *)t->data)[k]
				       : (double)((const int64_t *)t->data)[k];
}

/* rfx_ir_tensor_alloc within the graph's folding budget (see ir.h). */
static rfx_status fold_alloc(rfx_ir_graph *g, rfx_ir_tensor *out)
{
	uint64_t n, budget = g->fold_budget ? g->fold_budget
					    : RFX_FOLD_MIN_BUDGET;
	rfx_status st;

	if (rfx_ir_tensor_count(out, &n) < 0)
		return rfx_ir_tensor_alloc(g, out); /* reports the limit */
	n *= rfx_ir_type_size(out->type);
	if (n > budget || g->fold_bytes > budget - n)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "constant folding would need more than %llu "
				   "MiB (a %llu-byte constant after %llu MiB); "
				   "such a graph is not a real model",
				   (unsigned long long)(budget >> 20),
				   (unsigned long long)n,
				   (unsigned long long)(g->fold_bytes >> 20));
	if ((st = rfx_ir_tensor_alloc(g, out)) == RFX_OK)
		g->fold_bytes += n;
	return st;
}

static int64_t get_i(const rfx_ir_tensor *t, uint64_t k)
{
	if (t->type == RFX_IR_INT)
		return ((const int64_t *)t->data)[k];
	double v = ((const float *)t->data)[k];
	if (!(v > -9.2e18 && v < 9.2e18))
		return 0; /* NaN or out of range: ONNX leaves it undefined */
	return (int64_t)v;
}

static rfx_status copy_tensor(rfx_ir_graph *g, const rfx_ir_tensor *src,
                              rfx_ir_tensor *out)
{
	rfx_status st;

	out->type = src->type;
	out->rank = src->rank;
	memcpy(out->dims, src->dims, sizeof(out->dims));
	if ((st = fold_alloc(g, out)) != RFX_OK)
		return st;
	memcpy(out->data, src->data,
	       (size_t)count_of(src) * rfx_ir_type_size(src->type));
	return RFX_OK;
}

static rfx_status eval_constant(rfx_ir_graph *g, uint32_t k,
                                rfx_ir_tensor *out)
{
	const rfx_ir_node *n = &g->nodes[k];
	const rfx_ir_attr *a;
	rfx_status st;

	if ((a = rfx_ir_attr_get(n, "value")) && a->t)
		return copy_tensor(g, a->t, out);
	if ((a = rfx_ir_attr_get(n, "value_float")) ||
	    (a = rfx_ir_attr_get(n, "value_int"))) {
		int is_f = strcmp(a->name, "value_float") == 0;
		out->type = is_f ? RFX_IR_FLOAT : RFX_IR_INT;
		out->rank = 0;
		if ((st = fold_alloc(g, out)) != RFX_OK)
			return st;
		if (is_f)
			((float *)out->data)[0] = a->f;
		else
			((int64_t *)out->data)[0] = a->i;
		return RFX_OK;
	}
	if ((a = rfx_ir_attr_get(n, "value_floats")) ||
	    (a = rfx_ir_attr_get(n, "value_ints"))) {
		int is_f = strcmp(a->name, "value_floats") == 0;
		out->type = is_f ? RFX_IR_FLOAT : RFX_IR_INT;
		out->rank = 1;
		out->dims[0] = is_f ? a->n_floats : a->n_ints;
		if ((st = fold_alloc(g, out)) != RFX_OK)
			return st;
		if (is_f && a->n_floats)
			memcpy(out->data, a->floats, a->n_floats * sizeof(float));
		else if (!is_f && a->n_ints)
			memcpy(out->data, a->ints, a->n_ints * sizeof(int64_t));
		return RFX_OK;
	}
	return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
				"only a tensor, float(s) or int(s) value is "
				"supported (not sparse or string values)");
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static rfx_status eval_shape(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	const rfx_ir_tensor *x = in_t(g, k, 0);
	int64_t r = x->rank;
	int64_t start = rfx_ir_attr_int(&g->nodes[k], "start", 0);
	int64_t end = rfx_ir_attr_int(&g->nodes[k], "end", r);
	rfx_status st;

	start = clamp64(start < 0 ? start + r : start, 0, r);
	end = clamp64(end < 0 ? end + r : end, 0, r);
	out->type = RFX_IR_INT;
	out->rank = 1;
	out->dims[0] = end > start ? end - start : 0;
	if ((st = fold_alloc(g, out)) != RFX_OK)
		return st;
	for (int64_t d = 0; d < out->dims[0]; d++)
		((int64_t *)out->data)[d] = x->dims[start + d];
	return RFX_OK;
}

static rfx_status eval_size(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	const rfx_ir_tensor *x = in_t(g, k, 0);
	uint64_t n;
	rfx_status st;

	if (rfx_ir_tensor_count(x, &n) < 0)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT, "bad input shape");
	out->type = RFX_IR_INT;
	out->rank = 0;
	if ((st = fold_alloc(g, out)) != RFX_OK)
		return st;
	((int64_t *)out->data)[0] = (int64_t)n;
	return RFX_OK;
}

static rfx_status eval_gather(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	const rfx_ir_tensor *x = in_t(g, k, 0), *idx = in_t(g, k, 1);
	uint32_t axis;
	uint64_t outer = 1, inner = 1, n_idx;
	size_t es = rfx_ir_type_size(x->type);
	rfx_status st;

	if (!idx || idx->type != RFX_IR_INT)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"indices must be integers");
	n_idx = count_of(idx);
	if (x->rank == 0)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"cannot gather from a scalar");
	if ((st = rfx_shape_axis(g, k, rfx_ir_attr_int(&g->nodes[k], "axis", 0),
				 x->rank, &axis)) != RFX_OK)
		return st;
	if (x->rank + idx->rank - 1 > RFX_IR_MAX_RANK)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED, "rank too large");
	out->type = x->type;
	out->rank = 0;
	for (uint32_t d = 0; d < axis; d++) {
		out->dims[out->rank++] = x->dims[d];
		outer *= (uint64_t)x->dims[d];
	}
	for (uint32_t d = 0; d < idx->rank; d++)
		out->dims[out->rank++] = idx->dims[d];
	for (uint32_t d = axis + 1; d < x->rank; d++) {
		out->dims[out->rank++] = x->dims[d];
		inner *= (uint64_t)x->dims[d];
	}
	if ((st = fold_alloc(g, out)) != RFX_OK)
		return st;
	int64_t dim = x->dims[axis];
	for (uint64_t j = 0; j < n_idx; j++) {
		int64_t i = ((const int64_t *)idx->data)[j];
		if (i < -dim || i >= dim)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"index %lld out of range [%lld, "
						"%lld)", (long long)i,
						(long long)-dim, (long long)dim);
	}
	for (uint64_t o = 0; o < outer; o++)
		for (uint64_t j = 0; j < n_idx; j++) {
			int64_t i = ((const int64_t *)idx->data)[j];
			if (i < 0)
				i += dim;
			memcpy((char *)out->data +
				       ((o * n_idx + j) * inner) * es,
			       (const char *)x->data +
				       ((o * (uint64_t)dim + (uint64_t)i) * inner) * es,
			       (size_t)inner * es);
		}
	return RFX_OK;
}

/* Reshape-like ops: the same data under a new shape. */
static rfx_status reshaped(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out,
                           const rfx_ir_tensor *shape)
{
	const rfx_ir_tensor *x = in_t(g, k, 0);
	rfx_status st;

	out->type = x->type;
	out->rank = shape->rank;
	memcpy(out->dims, shape->dims, sizeof(out->dims));
	if ((st = fold_alloc(g, out)) != RFX_OK)
		return st;
	memcpy(out->data, x->data,
	       (size_t)count_of(x) * rfx_ir_type_size(x->type));
	return RFX_OK;
}

static rfx_status eval_unsqueeze(rfx_ir_graph *g, uint32_t k,
                                 rfx_ir_tensor *out)
{
	const int64_t *axes;
	uint32_t n;
	int present;
	rfx_ir_tensor s = {0};
	rfx_status st;

	if ((st = rfx_shape_ints(g, k, "axes", 1, 13, &axes, &n, &present)))
		return st;
	if (!present)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT, "axes are required");
	if ((st = rfx_shape_unsqueeze(g, k, in_t(g, k, 0), axes, n, &s)))
		return st;
	return reshaped(g, k, out, &s);
}

static rfx_status eval_squeeze(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	const int64_t *axes;
	uint32_t n;
	int present;
	rfx_ir_tensor s = {0};
	rfx_status st;

	if ((st = rfx_shape_ints(g, k, "axes", 1, 13, &axes, &n, &present)))
		return st;
	if ((st = rfx_shape_squeeze(g, k, in_t(g, k, 0), present ? axes : NULL,
				    n, &s)))
		return st;
	return reshaped(g, k, out, &s);
}

static rfx_status eval_reshape(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	const int64_t *shape;
	uint32_t n;
	int present;
	rfx_ir_tensor s = {0};
	rfx_status st;

	if ((st = rfx_shape_ints(g, k, "shape", 1, 5, &shape, &n, &present)))
		return st;
	if (!present)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT, "shape is required");
	if ((st = rfx_shape_reshape(g, k, in_t(g, k, 0), shape, n,
				    (int)rfx_ir_attr_int(&g->nodes[k],
							 "allowzero", 0),
				    &s)))
		return st;
	return reshaped(g, k, out, &s);
}

static rfx_status eval_flatten(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	rfx_ir_tensor s = {0};
	rfx_status st;

	if ((st = rfx_shape_flatten(g, k, in_t(g, k, 0),
				    rfx_ir_attr_int(&g->nodes[k], "axis", 1),
				    &s)))
		return st;
	return reshaped(g, k, out, &s);
}

static rfx_status eval_concat(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	const rfx_ir_node *n = &g->nodes[k];
	const rfx_ir_tensor *x0 = in_t(g, k, 0);
	uint32_t axis;
	uint64_t outer = 1, at = 0;
	rfx_status st;

	if (!x0)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT, "no inputs");
	if ((st = rfx_shape_axis(g, k, rfx_ir_attr_int(n, "axis", 1), x0->rank,
				 &axis)))
		return st;
	*out = *x0;
	out->data = NULL;
	out->dims[axis] = 0;
	for (uint32_t j = 0; j < n->n_in; j++) {
		const rfx_ir_tensor *x = in_t(g, k, j);
		if (!x || x->rank != x0->rank)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"inputs differ in rank");
		for (uint32_t d = 0; d < x->rank; d++)
			if (d != axis && x->dims[d] != x0->dims[d])
				return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
							"inputs differ in dim %u",
							d);
		out->dims[axis] += x->dims[axis];
		if (out->dims[axis] > (int64_t)RFX_MAX_ELEMENTS)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT, "too large");
		if (x->type != x0->type)
			out->type = RFX_IR_FLOAT;
	}
	if ((st = fold_alloc(g, out)))
		return st;
	for (uint32_t d = 0; d < axis; d++)
		outer *= (uint64_t)x0->dims[d];
	for (uint64_t o = 0; o < outer; o++)
		for (uint32_t j = 0; j < n->n_in; j++) {
			const rfx_ir_tensor *x = in_t(g, k, j);
			uint64_t chunk = outer ? count_of(x) / outer : 0;
			for (uint64_t e = 0; e < chunk; e++, at++) {
				if (out->type == RFX_IR_FLOAT)
					((float *)out->data)[at] =
						(float)get_f(x, o * chunk + e);
				else
					((int64_t *)out->data)[at] =
						get_i(x, o * chunk + e);
			}
		}
	return RFX_OK;
}

static rfx_status eval_cast(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	const rfx_ir_tensor *x = in_t(g, k, 0);
	int64_t to = rfx_ir_attr_int(&g->nodes[k], "to", 0);
	uint64_t n = count_of(x);
	rfx_status st;

	*out = *x;
	out->data = NULL;
	switch (to) {
	case 1: case 10: case 11: case 16:
		out->type = RFX_IR_FLOAT;
		break;
	case 2: case 3: case 4: case 5: case 6: case 7: case 9: case 12:
	case 13:
		out->type = RFX_IR_INT;
		break;
	default:
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"cast to data type %lld", (long long)to);
	}
	if ((st = fold_alloc(g, out)))
		return st;
	for (uint64_t e = 0; e < n; e++) {
		if (out->type == RFX_IR_FLOAT)
			((float *)out->data)[e] = (float)get_f(x, e);
		else if (to == 9)
			((int64_t *)out->data)[e] = get_f(x, e) != 0;
		else
			((int64_t *)out->data)[e] = get_i(x, e);
	}
	return RFX_OK;
}

/* Row-major strides of t, with 0 where t broadcasts against rank r. */
static void bcast_strides(const rfx_ir_tensor *t, uint32_t r, uint64_t *st)
{
	uint64_t s = 1;

	for (uint32_t d = r; d-- > 0;) {
		int64_t td = d + t->rank >= r ? t->dims[d + t->rank - r] : 1;
		st[d] = td == 1 ? 0 : s;
		s *= (uint64_t)td;
	}
}

static rfx_status eval_binary(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	const rfx_ir_tensor *a = in_t(g, k, 0), *b = in_t(g, k, 1);
	const char *op = g->nodes[k].op_type;
	uint64_t sa[RFX_IR_MAX_RANK], sb[RFX_IR_MAX_RANK], n;
	rfx_status st;

	if (!a || !b)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT, "needs two inputs");
	if ((st = rfx_shape_broadcast(g, k, a, b, out)))
		return st;
	out->type = a->type == RFX_IR_INT && b->type == RFX_IR_INT
			    ? RFX_IR_INT : RFX_IR_FLOAT;
	if ((st = fold_alloc(g, out)))
		return st;
	bcast_strides(a, out->rank, sa);
	bcast_strides(b, out->rank, sb);
	n = count_of(out);
	for (uint64_t e = 0; e < n; e++) {
		uint64_t rem = e, ia = 0, ib = 0;
		for (uint32_t d = out->rank; d-- > 0;) {
			uint64_t c = rem % (uint64_t)out->dims[d];
			rem /= (uint64_t)out->dims[d];
			ia += c * sa[d];
			ib += c * sb[d];
		}
		if (out->type == RFX_IR_INT) {
			int64_t x = get_i(a, ia), y = get_i(b, ib), r;
			switch (op[0]) {
			case 'A': r = (int64_t)((uint64_t)x + (uint64_t)y); break;
			case 'S': r = (int64_t)((uint64_t)x - (uint64_t)y); break;
			case 'M': r = (int64_t)((uint64_t)x * (uint64_t)y); break;
			default:
				if (y == 0 || (x == INT64_MIN && y == -1))
					return rfx_ir_node_fail(
						g, k, RFX_E_FORMAT,
						"integer division by zero");
				r = x / y;
			}
			((int64_t *)out->data)[e] = r;
		} else {
			float x = (float)get_f(a, ia), y = (float)get_f(b, ib), r;
			switch (op[0]) {
			case 'A': r = x + y; break;
			case 'S': r = x - y; break;
			case 'M': r = x * y; break;
			default: r = x / y;
			}
			((float *)out->data)[e] = r;
		}
	}
	return RFX_OK;
}

static rfx_status eval_transpose(rfx_ir_graph *g, uint32_t k,
                                 rfx_ir_tensor *out)
{
	const rfx_ir_tensor *x = in_t(g, k, 0);
	const rfx_ir_attr *pa = rfx_ir_attr_get(&g->nodes[k], "perm");
	uint32_t perm[RFX_IR_MAX_RANK], seen = 0;
	uint64_t sx[RFX_IR_MAX_RANK], s = 1, n;
	size_t es = rfx_ir_type_size(x->type);
	rfx_status st;

	for (uint32_t d = 0; d < x->rank; d++) {
		int64_t p = pa ? (d < pa->n_ints ? pa->ints[d] : -1)
			       : (int64_t)(x->rank - 1 - d);
		if ((pa && pa->n_ints != x->rank) || p < 0 ||
		    p >= (int64_t)x->rank || (seen & (1u << p)))
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"perm is not a permutation of "
						"%u axes", x->rank);
		seen |= 1u << p;
		perm[d] = (uint32_t)p;
	}
	for (uint32_t d = x->rank; d-- > 0;) {
		sx[d] = s;
		s *= (uint64_t)x->dims[d];
	}
	out->type = x->type;
	out->rank = x->rank;
	for (uint32_t d = 0; d < x->rank; d++)
		out->dims[d] = x->dims[perm[d]];
	if ((st = fold_alloc(g, out)))
		return st;
	n = count_of(out);
	for (uint64_t e = 0; e < n; e++) {
		uint64_t rem = e, ix = 0;
		for (uint32_t d = out->rank; d-- > 0;) {
			ix += (rem % (uint64_t)out->dims[d]) * sx[perm[d]];
			rem /= (uint64_t)out->dims[d];
		}
		memcpy((char *)out->data + e * es, (const char *)x->data + ix * es,
		       es);
	}
	return RFX_OK;
}

static rfx_status eval_slice(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	const rfx_ir_tensor *x = in_t(g, k, 0);
	int64_t begin[RFX_IR_MAX_RANK], step[RFX_IR_MAX_RANK];
	uint64_t sx[RFX_IR_MAX_RANK], s = 1, n;
	size_t es = rfx_ir_type_size(x->type);
	rfx_status st;

	if ((st = rfx_shape_slice(g, k, x, begin, step, out)))
		return st;
	out->type = x->type;
	out->data = NULL;
	if ((st = fold_alloc(g, out)))
		return st;
	for (uint32_t d = x->rank; d-- > 0;) {
		sx[d] = s;
		s *= (uint64_t)x->dims[d];
	}
	n = count_of(out);
	for (uint64_t e = 0; e < n; e++) {
		uint64_t rem = e;
		int64_t ix = 0;
		for (uint32_t d = out->rank; d-- > 0;) {
			int64_t c = (int64_t)(rem % (uint64_t)out->dims[d]);
			rem /= (uint64_t)out->dims[d];
			ix += (begin[d] + c * step[d]) * (int64_t)sx[d];
		}
		memcpy((char *)out->data + e * es,
		       (const char *)x->data + (uint64_t)ix * es, es);
	}
	return RFX_OK;
}

static rfx_status eval_constant_of_shape(rfx_ir_graph *g, uint32_t k,
                                         rfx_ir_tensor *out)
{
	const rfx_ir_tensor *s = in_t(g, k, 0);
	const rfx_ir_attr *v = rfx_ir_attr_get(&g->nodes[k], "value");
	uint64_t n;
	rfx_status st;

	if (s->type != RFX_IR_INT || s->rank != 1 ||
	    s->dims[0] > RFX_IR_MAX_RANK)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"input must be a 1-D integer shape");
	if (v && (!v->t || count_of(v->t) != 1))
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"value must hold one element");
	out->type = v ? v->t->type : RFX_IR_FLOAT;
	out->rank = (uint32_t)s->dims[0];
	for (uint32_t d = 0; d < out->rank; d++)
		out->dims[d] = ((const int64_t *)s->data)[d];
	if ((st = fold_alloc(g, out)))
		return st;
	n = count_of(out);
	for (uint64_t e = 0; v && e < n; e++)
		memcpy((char *)out->data + e * rfx_ir_type_size(out->type),
		       v->t->data, rfx_ir_type_size(out->type));
	return RFX_OK;
}

static rfx_status eval_range(rfx_ir_graph *g, uint32_t k, rfx_ir_tensor *out)
{
	const rfx_ir_tensor *s = in_t(g, k, 0), *l = in_t(g, k, 1),
			    *d = in_t(g, k, 2);
	rfx_status st;

	if (!s || !l || !d || count_of(s) != 1 || count_of(l) != 1 ||
	    count_of(d) != 1)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"start, limit and delta are scalars");
	double start = get_f(s, 0), limit = get_f(l, 0), delta = get_f(d, 0);
	double cnt = delta != 0 ? ceil((limit - start) / delta) : -1;
	if (delta == 0 || !(cnt < (double)RFX_MAX_DIM))
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT, "bad range");
	out->type = s->type;
	out->rank = 1;
	out->dims[0] = cnt > 0 ? (int64_t)cnt : 0;
	if ((st = fold_alloc(g, out)))
		return st;
	for (int64_t e = 0; e < out->dims[0]; e++) {
		if (out->type == RFX_IR_FLOAT)
			((float *)out->data)[e] = (float)(start + (double)e * delta);
		else
			((int64_t *)out->data)[e] =
				get_i(s, 0) + e * get_i(d, 0);
	}
	return RFX_OK;
}

static const struct {
	const char *op;
	eval_fn fn;
	int shape_only; /* needs only the input's shape, not its data */
	uint32_t min_in; /* inputs 0..min_in-1 must be present */
} evals[] = {
	{"Constant", eval_constant, 0, 0},
	{"Shape", eval_shape, 1, 1},
	{"Size", eval_size, 1, 1},
	{"Gather", eval_gather, 0, 2},
	{"Unsqueeze", eval_unsqueeze, 0, 1},
	{"Squeeze", eval_squeeze, 0, 1},
	{"Reshape", eval_reshape, 0, 1},
	{"Flatten", eval_flatten, 0, 1},
	{"Concat", eval_concat, 0, 1},
	{"Cast", eval_cast, 0, 1},
	{"Add", eval_binary, 0, 2},
	{"Sub", eval_binary, 0, 2},
	{"Mul", eval_binary, 0, 2},
	{"Div", eval_binary, 0, 2},
	{"Transpose", eval_transpose, 0, 1},
	{"Slice", eval_slice, 0, 1},
	{"ConstantOfShape", eval_constant_of_shape, 0, 1},
	{"Range", eval_range, 0, 3},
};

int rfx_fold_knows(const char *op_type)
{
	for (size_t e = 0; e < sizeof(evals) / sizeof(evals[0]); e++)
		if (strcmp(evals[e].op, op_type) == 0)
			return 1;
	return 0;
}

rfx_status rfx_fold_node(rfx_ir_graph *g, uint32_t k, int *folded)
{
	rfx_ir_node *n = &g->nodes[k];
	rfx_ir_tensor out = {0};
	rfx_status st;
	size_t e;

	*folded = 0;
	if (n->kind != RFX_IR_ONNX)
		return RFX_OK;
	for (e = 0; e < sizeof(evals) / sizeof(evals[0]); e++)
		if (strcmp(evals[e].op, n->op_type) == 0)
			break;
	if (e == sizeof(evals) / sizeof(evals[0]))
		return RFX_OK;
	if (n->n_out < 1 || n->out[0] < 0)
		return RFX_OK;
	for (uint32_t j = 1; j < n->n_out; j++)
		if (n->out[j] >= 0)
			return RFX_OK; /* a second output: not ours to fold */
	for (uint32_t j = 0; j < n->n_in; j++) {
		const rfx_ir_value *v;
		if (n->in[j] < 0)
			continue;
		v = &g->values[n->in[j]];
		if (evals[e].shape_only ? !v->shape_known : !v->t.data)
			return RFX_OK;
	}
	for (uint32_t j = 0; j < evals[e].min_in; j++)
		if (j >= n->n_in || n->in[j] < 0)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"needs input %u", j);
	st = evals[e].fn(g, k, &out);
	if (st != RFX_OK) {
		rfx_ir_tensor_free(&out);
		return st;
	}
	rfx_ir_value *v = &g->values[g->nodes[k].out[0]];
	rfx_ir_tensor_free(&v->t);
	v->t = out;
	v->shape_known = 1;
	v->onnx_type = out.type == RFX_IR_FLOAT ? 1 : 7;
	rfx_ir_node_kill(&g->nodes[k]);
	*folded = 1;
	return RFX_OK;
}
