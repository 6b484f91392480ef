/* ONNX shape rules of the data-movement ops, shared by folding and
 * translation. */
#include <string.h>

#include "convert/shape.h"

rfx_status rfx_shape_axis(rfx_ir_graph *g, uint32_t node, int64_t axis,
                          uint32_t rank, uint32_t *out)
{
	int64_t a = axis < 0 ? axis + (int64_t)rank : axis;

	if (a < 0 || a >= (int64_t)rank)
		return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
					"axis %lld is out of range for rank %u",
					(long long)axis, rank);
	*out = (uint32_t)a;
	return RFX_OK;
}

static rfx_status check_count(rfx_ir_graph *g, uint32_t node,
                              const rfx_ir_tensor *t, uint64_t *n)
{
	if (rfx_ir_tensor_count(t, n) < 0)
		return rfx_ir_node_fail(g, node, RFX_E_UNSUPPORTED,
					"shape has a negative dimension or "
					"more than %llu elements",
					(unsigned long long)RFX_MAX_ELEMENTS);
	return RFX_OK;
}

rfx_status rfx_shape_reshape(rfx_ir_graph *g, uint32_t node,
                             const rfx_ir_tensor *in, const int64_t *shape,
                             uint32_t n, int allowzero, rfx_ir_tensor *out)
{
	uint64_t count, known = 1;
	int infer = -1;
	rfx_status st;

	if ((st = check_count(g, node, in, &count)) != RFX_OK)
		return st;
	if (n > RFX_IR_MAX_RANK)
		return rfx_ir_node_fail(g, node, RFX_E_UNSUPPORTED,
					"target rank %u is more than %d", n,
					RFX_IR_MAX_RANK);
	out->rank = n;
	for (uint32_t d = 0; d < n; d++) {
		int64_t v = shape[d];
		if (v == -1) {
			if (infer >= 0)
				return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
							"shape has two -1");
			infer = (int)d;
			continue;
		}
		if (v == 0 && !allowzero) {
			if (d >= in->rank)
				return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
							"shape[%u] = 0 copies a "
							"dimension the input "
							"lacks", d);
			v = in->dims[d];
		}
		if (v < 0 || (uint64_t)v > RFX_MAX_ELEMENTS)
			return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
						"shape[%u] = %lld", d,
						(long long)shape[d]);
		out->dims[d] = v;
		known *= (uint64_t)v;
		if (known > RFX_MAX_ELEMENTS)
			return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
						"target shape too large");
	}
	if (infer >= 0) {
		if (known == 0 || count % known)
			return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
						"cannot infer -1: %llu elements "
						"do not divide by %llu",
						(unsigned long long)count,
						(unsigned long long)known);
		out->dims[infer] = (int64_t)(count / known);
		known = count;
	}
	if (known != count)
		return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
					"reshape of %llu elements into %llu",
					(unsigned long long)count,
					(unsigned long long)known);
	return RFX_OK;
}

rfx_status rfx_shape_flatten(rfx_ir_graph *g, uint32_t node,
                             const rfx_ir_tensor *in, int64_t axis,
                             rfx_ir_tensor *out)
{
	int64_t a = axis < 0 ? axis + (int64_t)in->rank : axis;
	uint64_t outer = 1, inner = 1;

	if (a < 0 || a > (int64_t)in->rank)
		return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
					"axis %lld is out of range for rank %u",
					(long long)axis, in->rank);
	for (uint32_t d = 0; d < in->rank; d++) {
		if (in->dims[d] < 0)
			return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
						"negative dimension");
		if ((int64_t)d < a)
			outer *= (uint64_t)in->dims[d];
		else
			inner *= (uint64_t)in->dims[d];
		if (outer > RFX_MAX_ELEMENTS || inner > RFX_MAX_ELEMENTS)
			return rfx_ir_node_fail(g, node, RFX_E_UNSUPPORTED,
						"tensor too large");
	}
	out->rank = 2;
	out->dims[0] = (int64_t)outer;
	out->dims[1] = (int64_t)inner;
	return RFX_OK;
}

rfx_status rfx_shape_squeeze(rfx_ir_graph *g, uint32_t node,
                             const rfx_ir_tensor *in, const int64_t *axes,
                             uint32_t n, rfx_ir_tensor *out)
{
	int drop[RFX_IR_MAX_RANK] = {0};
	uint32_t r = 0;
	rfx_status st;

	if (!axes) {
		for (uint32_t d = 0; d < in->rank; d++)
			drop[d] = in->dims[d] == 1;
	} else {
		for (uint32_t k = 0; k < n; k++) {
			uint32_t a;
			if ((st = rfx_shape_axis(g, node, axes[k], in->rank,
						 &a)) != RFX_OK)
				return st;
			if (in->dims[a] != 1)
				return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
							"cannot squeeze axis %u "
							"of size %lld", a,
							(long long)in->dims[a]);
			drop[a] = 1;
		}
	}
	for (uint32_t d = 0; d < in->rank; d++)
		if (!drop[d])
			out->dims[r++] = in->dims[d];
	out->rank = r;
	return RFX_OK;
}

rfx_status rfx_shape_unsqueeze(rfx_ir_graph *g, uint32_t node,
                               const rfx_ir_tensor *in, const int64_t *axes,
                               uint32_t n, rfx_ir_tensor *out)
{
	int add[RFX_IR_MAX_RANK] = {0};
	uint32_t rank = in->rank + n, r = 0;
	rfx_status st;

	if (n > RFX_IR_MAX_RANK || rank > RFX_IR_MAX_RANK)
		return rfx_ir_node_fail(g, node, RFX_E_UNSUPPORTED,
					"result rank %u is more than %d", rank,
					RFX_IR_MAX_RANK);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t a;
		if ((st = rfx_shape_axis(g, node, axes[k], rank, &a)) != RFX_OK)
			return st;
		if (add[a])
			return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
						"axis %u given twice", a);
		add[a] = 1;
	}
	for (uint32_t d = 0; d < rank; d++)
		out->dims[d] = add[d] ? 1 : in->dims[r++];
	out->rank = rank;
	return RFX_OK;
}

rfx_status rfx_shape_broadcast(rfx_ir_graph *g, uint32_t node,
                               const rfx_ir_tensor *a, const rfx_ir_tensor *b,
                               rfx_ir_tensor *out)
{
	uint32_t rank = a->rank > b->rank ? a->rank : b->rank;
	int64_t dims[RFX_IR_MAX_RANK];

	for (uint32_t d = 0; d < rank; d++) {
		int64_t da = d + a->rank >= rank ? a->dims[d + a->rank - rank] : 1;
		int64_t db = d + b->rank >= rank ? b->dims[d + b->rank - rank] : 1;
		if (da != db && da != 1 && db != 1) {
			char sa[96], sb[96];
			return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
						"shapes %s and %s do not "
						"broadcast",
						rfx_ir_shape_str(a, sa, sizeof(sa)),
						rfx_ir_shape_str(b, sb, sizeof(sb)));
		}
		dims[d] = da == 1 ? db : da;
	}
	out->rank = rank;
	memcpy(out->dims, dims, sizeof(dims[0]) * rank);
	return RFX_OK;
}

const rfx_ir_tensor *rfx_shape_const_input(const rfx_ir_graph *g,
                                           uint32_t node, uint32_t input)
{
	const rfx_ir_node *n = &g->nodes[node];

	if (input >= n->n_in || n->in[input] < 0)
		return NULL;
	const rfx_ir_value *v = &g->values[n->in[input]];
	return v->t.data ? &v->t : NULL;
}

rfx_status rfx_shape_ints(rfx_ir_graph *g, uint32_t node, const char *attr,
                          uint32_t input, int64_t input_opset,
                          const int64_t **vals, uint32_t *n, int *present)
{
	const rfx_ir_node *nd = &g->nodes[node];

	*present = 0;
	*vals = NULL;
	*n = 0;
	if (g->opset < input_opset) {
		const rfx_ir_attr *a = rfx_ir_attr_get(nd, attr);
		if (!a)
			return RFX_OK;
		*present = 1;
		*vals = a->ints;
		*n = a->n_ints;
		return RFX_OK;
	}
	if (input >= nd->n_in || nd->in[input] < 0)
		return RFX_OK;
	const rfx_ir_value *v = &g->values[nd->in[input]];
	uint64_t count;
	if (!v->t.data)
		return rfx_ir_node_fail(g, node, RFX_E_UNSUPPORTED,
					"input %u ('%s', the %s) must be a "
					"constant", input, v->name, attr);
	if (v->t.type != RFX_IR_INT || v->t.rank > 1 ||
	    rfx_ir_tensor_count(&v->t, &count) < 0 || count > 64)
		return rfx_ir_node_fail(g, node, RFX_E_FORMAT,
					"input '%s' (the %s) must be a short "
					"1-D integer tensor", v->name, attr);
	*present = 1;
	*vals = v->t.data;
	*n = (uint32_t)count;
	return RFX_OK;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

rfx_status rfx_shape_slice(rfx_ir_graph *g, uint32_t k,
                           const rfx_ir_tensor *x, int64_t *begin,
                           int64_t *step, rfx_ir_tensor *out)
{
	const int64_t *starts, *ends, *axes, *steps;
	uint32_t ns, ne, na, nst;
	int ps, pe, pax, pst;
	rfx_status st;

	if ((st = rfx_shape_ints(g, k, "starts", 1, 10, &starts, &ns, &ps)) ||
	    (st = rfx_shape_ints(g, k, "ends", 2, 10, &ends, &ne, &pe)) ||
	    (st = rfx_shape_ints(g, k, "axes", 3, 10, &axes, &na, &pax)) ||
	    (st = rfx_shape_ints(g, k, "steps", 4, 10, &steps, &nst, &pst)))
		return st;
	if (!ps || !pe || ns != ne || (pax && na != ns) || (pst && nst != ns))
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"starts, ends, axes and steps differ in "
					"length");
	out->rank = x->rank;
	memcpy(out->dims, x->dims, sizeof(out->dims));
	for (uint32_t d = 0; d < x->rank; d++) {
		begin[d] = 0;
		step[d] = 1;
	}
	for (uint32_t j = 0; j < ns; j++) {
		uint32_t a;
		int64_t dim, b, e, sp = pst ? steps[j] : 1;
		if ((st = rfx_shape_axis(g, k, pax ? axes[j] : (int64_t)j,
					 x->rank, &a)))
			return st;
		dim = x->dims[a];
		if (sp == 0 || sp == INT64_MIN)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT, "step %lld",
						(long long)sp);
		/* Bounds are clamped before any arithmetic on them. */
		b = clamp64(starts[j], -dim - 1, dim + 1);
		e = clamp64(ends[j], -dim - 1, dim + 1);
		b = b < 0 ? b + dim : b;
		e = e < 0 ? e + dim : e;
		if (sp > 0) {
			b = clamp64(b, 0, dim);
			e = clamp64(e, 0, dim);
			/* ceil((e - b) / sp) without overflow for a huge sp */
			out->dims[a] = e > b ? (e - b - 1) / sp + 1 : 0;
		} else {
			b = clamp64(b, 0, dim - 1);
			e = clamp64(e, -1, dim - 1);
			out->dims[a] = b > e ? (b - e - 1) / -sp + 1 : 0;
		}
		begin[a] = b;
		step[a] = sp;
	}
	return RFX_OK;
}
