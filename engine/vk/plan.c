/* Memory plan: lifetimes in layer indices, then greedy placement of the
 * largest tensors first at the lowest offset free for their lifetime (the
 * classic best-known heuristic for this offline interval packing). */
#include <stdlib.h>
#include <string.h>

#include "graph/quant_layer.h"
#include "vk/plan.h"

static int in_arena(const rfx_tensor *t, int io_in_arena)
{
	if (t->flags & RFX_TENSOR_CONST)
		return 0;
	if (!io_in_arena && (t->flags & (RFX_TENSOR_INPUT | RFX_TENSOR_OUTPUT)))
		return 0;
	return 1;
}

struct item {
	uint64_t size;
	uint32_t tensor;
};

static int by_size_desc(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->tensor < y->tensor ? -1 : 1;
}

int rfx_plan_is_view(const rfx_plan *p, const rfx_graph *g, const rfx_layer *l)
{
	if (l->op == RFX_OP_RESHAPE)
		return p->alias_of[l->outputs[0]] != l->outputs[0];
	return l->op == RFX_OP_CONCAT && l->n_inputs > 0 &&
	       p->alias_of[l->inputs[0]] == l->outputs[0];
}

/* A Concat whose inputs can be written in place, each into its slice of
 * the output: along the outermost axis that is not 1 (so every slice is
 * contiguous), a plain copy (not int8, which rescales), every input an
 * arena tensor of the output's dtype that a layer writes, used once here,
 * neither a view nor viewed, and each slice starting on `align`. */
static int concat_in_place(const rfx_graph *g, const rfx_layer *l,
                           const uint32_t *alias_of, uint64_t align)
{
	const rfx_tensor *y = &g->tensors[l->outputs[0]];
	uint32_t axis = (uint32_t)l->i[RFX_CONCAT_AXIS];
	uint64_t off = 0;

	if (rfx_quant_layer_is_int8(l) || !in_arena(y, 0) || alias_of[l->outputs[0]] != l->outputs[0])
		return 0;
	for (uint32_t k = 0; k < axis; k++)
		if (y->dims[k] != 1)
			return 0;
	for (uint32_t i = 0; i < l->n_inputs; i++) {
		uint32_t a = l->inputs[i];
		const rfx_tensor *x = &g->tensors[a];
		if (!in_arena(x, 0) || x->dtype != y->dtype || alias_of[a] != a ||
		    off % align)
			return 0;
		for (uint32_t j = 0; j < i; j++)
			if (l->inputs[j] == a)
				return 0;
		for (uint32_t t = 0; t < g->n_tensors; t++)
			if (t != a && alias_of[t] == a)
				return 0;
		off += rfx_tensor_bytes(x);
	}
	return 1;
}

/* The layer that reads tensor t, when exactly one input of one layer
 * does and t is not a graph output; else UINT32_MAX. */
static uint32_t sole_reader(const rfx_graph *g, uint32_t t)
{
	uint32_t who = UINT32_MAX, n = 0;

	if (g->tensors[t].flags & RFX_TENSOR_OUTPUT)
		return UINT32_MAX;
	for (uint32_t l = 0; l < g->n_layers; l++)
		for (uint32_t i = 0; i < g->layers[l].n_inputs; i++)
			if (g->layers[l].inputs[i] == t)
				n++, who = l;
	return n == 1 ? who : UINT32_MAX;
}

static int is_float(rfx_dtype dt)
{
	return dt == RFX_DTYPE_F32 || dt == RFX_DTYPE_F16;
}

/* A float layer reading and writing float tensors (fp16 models write
 * their last FC's logits in fp32). */
static int float_layer(const rfx_graph *g, const rfx_layer *l)
{
	return !rfx_quant_layer_is_int8(l) &&
	       is_float(g->tensors[l->inputs[0]].dtype) &&
	       is_float(g->tensors[l->outputs[0]].dtype);
}

/* An int8 layer reading and writing int8 tensors. */
static int int8_layer(const rfx_graph *g, const rfx_layer *l)
{
	return l->precision == RFX_DTYPE_I8 &&
	       g->tensors[l->inputs[0]].dtype == RFX_DTYPE_I8 &&
	       g->tensors[l->outputs[0]].dtype == RFX_DTYPE_I8;
}

/* A layer of a head of that kind (int8 or float). */
static int head_layer(const rfx_graph *g, const rfx_layer *l, int i8)
{
	return i8 ? int8_layer(g, l) : float_layer(g, l);
}

/* The last layer of the classifier head that starts at layer i (plan.h
 * says which), or i when none does. */
static uint32_t head_end(const rfx_graph *g, uint32_t i, int fuse)
{
	const rfx_layer *pool = &g->layers[i], *fc;
	uint32_t t = pool->outputs[0], next;
	int i8 = pool->precision == RFX_DTYPE_I8;

	if (!(fuse & (i8 ? RFX_PLAN_FUSE_HEAD_I8 : RFX_PLAN_FUSE_HEAD)) ||
	    pool->op != RFX_OP_GLOBAL_POOL || !head_layer(g, pool, i8) ||
	    g->tensors[pool->inputs[0]].rank != 4)
		return i;
	next = sole_reader(g, t);
	if (next != UINT32_MAX && g->layers[next].op == RFX_OP_RESHAPE) {
		/* Only a view: the FC reads the pooled bytes as they are
		 * (an int8 Reshape keeps the scale and zero point). */
		const rfx_layer *r = &g->layers[next];
		if (!head_layer(g, r, i8) || g->tensors[r->inputs[0]].dtype !=
						     g->tensors[r->outputs[0]].dtype)
			return i;
		t = g->layers[next].outputs[0];
		next = sole_reader(g, t);
	}
	if (next == UINT32_MAX)
		return i;
	fc = &g->layers[next];
	const rfx_tensor *w = &g->tensors[fc->inputs[1]];
	if (fc->op != RFX_OP_FC || !head_layer(g, fc, i8) || fc->inputs[0] != t ||
	    (i8 ? w->dtype != RFX_DTYPE_I8
		: !is_float(w->dtype) ||
		  g->tensors[fc->inputs[2]].dtype != RFX_DTYPE_F32) ||
	    w->dims[1] == 0 || w->dims[1] > RFX_PLAN_HEAD_MAX_K)
		return i;
	return next;
}

uint32_t rfx_plan_fused_first(const rfx_plan *p, const rfx_graph *g,
                              uint32_t last)
{
	for (uint32_t l = 0; l < last && l < g->n_layers; l++)
		if (p->fused_into[l] == last)
			return l;
	return last;
}

void rfx_plan_unfuse(rfx_plan *p, const rfx_graph *g, uint32_t last)
{
	for (uint32_t l = 0; l < g->n_layers; l++)
		if (p->fused_into[l] == last)
			p->fused_into[l] = l;
}

/* fused_into: each head's layers point at its last one. */
static void plan_fusion(const rfx_graph *g, int fuse, uint32_t *fused_into)
{
	for (uint32_t l = 0; l < g->n_layers; l++)
		fused_into[l] = l;
	for (uint32_t l = 0; l < g->n_layers; l++) {
		uint32_t end = head_end(g, l, fuse), t;
		if (end == l)
			continue;
		/* The chain from the pool to `end`, by the sole readers. */
		for (uint32_t k = l; k != end; k = sole_reader(g, t)) {
			fused_into[k] = end;
			t = g->layers[k].outputs[0];
		}
	}
}

rfx_status rfx_plan_build(const rfx_graph *g, uint64_t align, int io_in_arena,
                          int fuse, rfx_plan *out)
{
	uint32_t n = g->n_tensors, count = 0;
	uint32_t *def = NULL, *last = NULL, *order = NULL;
	struct item *items = NULL;
	uint64_t *size = NULL, *view_off = NULL;
	rfx_status st = RFX_E_OUT_OF_MEMORY;

	memset(out, 0, sizeof(*out));
	out->offset = malloc((n ? n : 1) * sizeof(*out->offset));
	out->alias_of = malloc((n ? n : 1) * sizeof(*out->alias_of));
	out->fused_into = malloc((g->n_layers ? g->n_layers : 1) *
				 sizeof(*out->fused_into));
	def = calloc(n ? n : 1, sizeof(*def));
	last = calloc(n ? n : 1, sizeof(*last));
	order = malloc((n ? n : 1) * sizeof(*order));
	size = calloc(n ? n : 1, sizeof(*size));
	items = malloc((n ? n : 1) * sizeof(*items));
	view_off = calloc(n ? n : 1, sizeof(*view_off));
	if (!out->offset || !out->alias_of || !out->fused_into || !def || !last ||
	    !order || !size || !items || !view_off)
		goto done;
	plan_fusion(g, fuse, out->fused_into);

	for (uint32_t t = 0; t < n; t++) {
		out->offset[t] = RFX_PLAN_NONE;
		out->alias_of[t] = t;
		size[t] = (rfx_tensor_bytes(&g->tensors[t]) + 3) & ~3ull;
		/* Graph outputs stay live to the end. */
		last[t] = (g->tensors[t].flags & RFX_TENSOR_OUTPUT) ? g->n_layers : 0;
	}
	for (uint32_t l = 0; l < g->n_layers; l++) {
		const rfx_layer *ly = &g->layers[l];
		/* A fused layer's inputs are read by the dispatch it runs
		 * in, and by its own if the session unfuses it. */
		uint32_t at = out->fused_into[l];
		for (uint32_t i = 0; i < ly->n_inputs; i++)
			if (last[ly->inputs[i]] < at)
				last[ly->inputs[i]] = at;
		for (uint32_t o = 0; o < ly->n_outputs; o++) {
			def[ly->outputs[o]] = l;
			if (last[ly->outputs[o]] < l)
				last[ly->outputs[o]] = l;
		}
	}
	/* Reshape views: the output is the input's bytes, read differently. */
	for (uint32_t l = 0; l < g->n_layers; l++) {
		const rfx_layer *ly = &g->layers[l];
		if (ly->op != RFX_OP_RESHAPE)
			continue;
		uint32_t a = ly->inputs[0], b = ly->outputs[0];
		if (!in_arena(&g->tensors[a], io_in_arena) ||
		    !in_arena(&g->tensors[b], io_in_arena) ||
		    g->tensors[a].dtype != g->tensors[b].dtype)
			continue;
		out->alias_of[b] = out->alias_of[a];
	}
	/* Concat in place: each input is its slice of the output. */
	for (uint32_t l = 0; l < g->n_layers; l++) {
		const rfx_layer *ly = &g->layers[l];
		uint64_t off = 0;
		if (ly->op != RFX_OP_CONCAT ||
		    !concat_in_place(g, ly, out->alias_of, align))
			continue;
		for (uint32_t i = 0; i < ly->n_inputs; i++) {
			out->alias_of[ly->inputs[i]] = ly->outputs[0];
			view_off[ly->inputs[i]] = off;
			off += rfx_tensor_bytes(&g->tensors[ly->inputs[i]]);
		}
	}
	/* A root lives from its first view's definition to its last use. */
	for (uint32_t t = 0; t < n; t++) {
		uint32_t r = out->alias_of[t];
		if (r != t && last[r] < last[t])
			last[r] = last[t];
		if (r != t && def[r] > def[t])
			def[r] = def[t];
	}
	for (uint32_t t = 0; t < n; t++)
		if (out->alias_of[t] == t && in_arena(&g->tensors[t], io_in_arena)) {
			items[count++] = (struct item){size[t], t};
			out->tensor_bytes += size[t];
		}
	qsort(items, count, sizeof(*items), by_size_desc);
	for (uint32_t k = 0; k < count; k++)
		order[k] = items[k].tensor;

	for (uint32_t k = 0; k < count; k++) {
		uint32_t t = order[k];
		uint64_t off = 0;
		/* Move past every placed, lifetime-overlapping tensor that
		 * collides, until a gap fits (restart after each move). */
		for (int moved = 1; moved;) {
			moved = 0;
			for (uint32_t j = 0; j < k; j++) {
				uint32_t u = order[j];
				if (def[u] > last[t] || def[t] > last[u])
					continue;
				uint64_t uo = out->offset[u];
				if (off < uo + size[u] && uo < off + size[t]) {
					off = (uo + size[u] + align - 1) / align * align;
					moved = 1;
				}
			}
		}
		out->offset[t] = off;
		if (off + size[t] > out->arena_bytes)
			out->arena_bytes = off + size[t];
	}
	for (uint32_t t = 0; t < n; t++)
		if (out->alias_of[t] != t)
			out->offset[t] = out->offset[out->alias_of[t]] + view_off[t];
	st = RFX_OK;
done:
	free(def);
	free(last);
	free(order);
	free(size);
	free(items);
	free(view_off);
	if (st != RFX_OK)
		rfx_plan_finish(out);
	return st;
}

void rfx_plan_finish(rfx_plan *p)
{
	if (!p)
		return;
	free(p->offset);
	free(p->alias_of);
	free(p->fused_into);
	memset(p, 0, sizeof(*p));
}
