/* IR -> rfx_graph (via the builder), choosing each layer's precision. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/lower.h"
#include "graph/half.h"

struct lower {
	rfx_ir_graph *g;
	rfx_builder *b;
	uint32_t *map;     /* value -> tensor (f32 or activation) */
	uint32_t *map16;   /* value -> F16 copy of a constant */
};

static rfx_status dims_of(rfx_ir_graph *g, int32_t v, uint32_t *dims)
{
	const rfx_ir_value *val = &g->values[v];
	char s[96];

	if (val->t.rank > RFX_MAX_RANK)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "'%s' has rank %u (at most %d)", val->name,
				   val->t.rank, RFX_MAX_RANK);
	for (uint32_t d = 0; d < val->t.rank; d++) {
		if (val->t.dims[d] < 1 || val->t.dims[d] > RFX_MAX_DIM)
			return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
					   "'%s' has shape %s (every dimension "
					   "must be 1..%u)", val->name,
					   rfx_ir_shape_str(&val->t, s, sizeof(s)),
					   RFX_MAX_DIM);
		dims[d] = (uint32_t)val->t.dims[d];
	}
	return RFX_OK;
}

static rfx_status builder_error(struct lower *lw, const char *what)
{
	return rfx_ir_fail(lw->g, lw->b->status ? lw->b->status : RFX_E_INTERNAL,
			   "%s: %s", what, lw->b->err);
}

/* The tensor holding constant v in dtype dt. */
static rfx_status const_tensor(struct lower *lw, int32_t v, rfx_dtype dt,
                               uint32_t *out)
{
	rfx_ir_graph *g = lw->g;
	uint32_t *slot = dt == RFX_DTYPE_F16 ? &lw->map16[v] : &lw->map[v];
	uint32_t dims[RFX_MAX_RANK];
	uint64_t n;
	rfx_status st;

	if (*slot != RFX_BUILDER_NONE) {
		*out = *slot;
		return RFX_OK;
	}
	if ((st = dims_of(g, v, dims)))
		return st;
	const rfx_ir_value *val = &g->values[v];
	if (val->t.type != RFX_IR_FLOAT)
		return rfx_ir_fail(g, RFX_E_INTERNAL,
				   "integer constant '%s' reaches a layer",
				   val->name);
	rfx_ir_tensor_count(&val->t, &n);
	if (dt == RFX_DTYPE_F16) {
		char name[400];
		uint16_t *h = malloc((size_t)(n ? n : 1) * sizeof(*h));
		if (!h)
			return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY,
					   "out of memory");
		rfx_f32_to_f16_n(h, val->t.data, (size_t)n);
		/* A distinct name when the f32 form is stored too. */
		snprintf(name, sizeof(name), "%s%s", val->name,
			 lw->map[v] != RFX_BUILDER_NONE ? ".f16" : "");
		*slot = rfx_builder_const(lw->b, name, dt, val->t.rank, dims, h);
		free(h);
	} else {
		*slot = rfx_builder_const(lw->b, val->name, dt, val->t.rank,
					  dims, val->t.data);
	}
	if (*slot == RFX_BUILDER_NONE)
		return builder_error(lw, val->name);
	*out = *slot;
	return RFX_OK;
}

static rfx_status lower_node(struct lower *lw, uint32_t k,
                             rfx_dtype precision)
{
	rfx_ir_graph *g = lw->g;
	const rfx_ir_node *n = &g->nodes[k];
	uint32_t in[RFX_MAX_LAYER_INPUTS], dims[RFX_MAX_RANK], out;
	int32_t y = n->out[0];
	rfx_dtype prec = precision;
	rfx_status st;

	if (n->kind != RFX_IR_LAYER)
		return rfx_ir_node_fail(g, k, RFX_E_INTERNAL,
					"not translated into a layer");
	if (n->n_in > RFX_MAX_LAYER_INPUTS)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"too many inputs");
	if (g->values[y].is_output)
		prec = RFX_DTYPE_F32; /* graph outputs stay f32 */
	for (uint32_t j = 0; j < n->n_in; j++) {
		int32_t v = n->in[j];
		int weight = j == 1 && (n->op == RFX_OP_CONV2D || n->op == RFX_OP_FC);
		if (g->values[v].t.data) {
			rfx_dtype dt = weight && prec == RFX_DTYPE_F16
					       ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
			if ((st = const_tensor(lw, v, dt, &in[j])))
				return st;
		} else if (lw->map[v] == RFX_BUILDER_NONE) {
			return rfx_ir_node_fail(g, k, RFX_E_INTERNAL,
						"input '%s' is not computed "
						"before it is read",
						g->values[v].name);
		} else {
			in[j] = lw->map[v];
		}
	}
	if (lw->map[y] != RFX_BUILDER_NONE)
		return rfx_ir_node_fail(g, k, RFX_E_INTERNAL,
					"output '%s' written twice",
					g->values[y].name);
	if ((st = dims_of(g, y, dims)))
		return st;
	out = rfx_builder_tensor(lw->b, g->values[y].name, prec,
				 g->values[y].t.rank, dims);
	rfx_layer *l = rfx_builder_layer(lw->b, n->op, n->name, in, n->n_in,
					 out);
	if (!l)
		return builder_error(lw, n->name);
	l->precision = prec;
	memcpy(l->i, n->i, sizeof(l->i));
	memcpy(l->f, n->f, sizeof(l->f));
	if (rfx_builder_infer(lw->b, l) != RFX_OK)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED, "%s",
					lw->b->err);
	/* The engine's rule must agree with the shape the IR inferred. */
	const rfx_tensor *t = rfx_builder_tensor_at(lw->b, out);
	int same = t && t->rank == g->values[y].t.rank;
	for (uint32_t d = 0; same && d < t->rank; d++)
		same = t->dims[d] == dims[d];
	if (!same)
		return rfx_ir_node_fail(g, k, RFX_E_INTERNAL,
					"shape of '%s' changed in lowering",
					g->values[y].name);
	lw->map[y] = out;
	return RFX_OK;
}

rfx_status rfx_lower(rfx_ir_graph *g, rfx_dtype precision, rfx_builder *b)
{
	struct lower lw = {g, b, NULL, NULL};
	uint32_t dims[RFX_MAX_RANK];
	rfx_status st = RFX_OK;

	lw.map = malloc((size_t)(g->n_values + 1) * sizeof(*lw.map));
	lw.map16 = malloc((size_t)(g->n_values + 1) * sizeof(*lw.map16));
	if (!lw.map || !lw.map16) {
		st = rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
		goto out;
	}
	for (uint32_t v = 0; v < g->n_values; v++)
		lw.map[v] = lw.map16[v] = RFX_BUILDER_NONE;
	for (uint32_t k = 0; k < g->n_inputs; k++) {
		int32_t v = g->inputs[k];
		if (g->values[v].t.type != RFX_IR_FLOAT) {
			st = rfx_ir_fail(g, RFX_E_UNSUPPORTED,
					 "graph input '%s' is an integer "
					 "tensor; only float inputs are "
					 "supported (freeze it with --freeze)",
					 g->values[v].name);
			goto out;
		}
		if ((st = dims_of(g, v, dims)))
			goto out;
		lw.map[v] = rfx_builder_input(b, g->values[v].name,
					      RFX_DTYPE_F32, g->values[v].t.rank,
					      dims);
		if (lw.map[v] == RFX_BUILDER_NONE) {
			st = builder_error(&lw, g->values[v].name);
			goto out;
		}
	}
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		if (g->nodes[k].kind == RFX_IR_DEAD)
			continue;
		if ((st = lower_node(&lw, k, precision)))
			goto out;
	}
	for (uint32_t k = 0; k < g->n_outputs; k++) {
		int32_t v = g->outputs[k];
		const rfx_ir_value *val = &g->values[v];
		if (val->t.data) {
			st = rfx_ir_fail(g, RFX_E_UNSUPPORTED,
					 "graph output '%s' is a constant (it "
					 "does not depend on any input); "
					 "nothing to run", val->name);
			goto out;
		}
		if (val->is_input || lw.map[v] == RFX_BUILDER_NONE) {
			st = rfx_ir_fail(g, RFX_E_UNSUPPORTED,
					 "graph output '%s' is not computed by "
					 "any layer", val->name);
			goto out;
		}
		rfx_builder_output(b, lw.map[v]);
	}
	if (b->status != RFX_OK)
		st = builder_error(&lw, "graph");
out:
	free(lw.map);
	free(lw.map16);
	return st;
}
