/* The converter's mutable graph: storage, lookup, use counts, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/ir.h"

void rfx_ir_init(rfx_ir_graph *g)
{
	memset(g, 0, sizeof(*g));
}

static void attr_finish(rfx_ir_attr *a)
{
	free(a->name);
	free(a->s);
	free(a->ints);
	free(a->floats);
	if (a->t) {
		rfx_ir_tensor_free(a->t);
		free(a->t);
	}
	memset(a, 0, sizeof(*a));
}

void rfx_ir_node_kill(rfx_ir_node *n)
{
	for (uint32_t k = 0; k < n->n_attrs; k++)
		attr_finish(&n->attrs[k]);
	free(n->attrs);
	n->attrs = NULL;
	n->n_attrs = 0;
	n->kind = RFX_IR_DEAD;
}

static void node_free(rfx_ir_node *n)
{
	rfx_ir_node_kill(n);
	free(n->name);
	free(n->op_type);
	free(n->in);
	free(n->out);
	memset(n, 0, sizeof(*n));
	n->kind = RFX_IR_DEAD;
}

void rfx_ir_node_move(rfx_ir_graph *g, uint32_t from, uint32_t to)
{
	if (from == to)
		return;
	node_free(&g->nodes[to]);
	g->nodes[to] = g->nodes[from];
	memset(&g->nodes[from], 0, sizeof(g->nodes[from]));
	g->nodes[from].kind = RFX_IR_DEAD;
}

void rfx_ir_finish(rfx_ir_graph *g)
{
	if (!g)
		return;
	for (uint32_t k = 0; k < g->n_nodes; k++)
		node_free(&g->nodes[k]);
	for (uint32_t k = 0; k < g->n_values; k++) {
		free(g->values[k].name);
		rfx_ir_tensor_free(&g->values[k].t);
	}
	free(g->nodes);
	free(g->values);
	free(g->inputs);
	free(g->outputs);
	free(g->index);
	memset(g, 0, sizeof(*g));
}

rfx_status rfx_ir_fail(rfx_ir_graph *g, rfx_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->err, sizeof(g->err), fmt, ap);
	va_end(ap);
	return st;
}

rfx_status rfx_ir_node_fail(rfx_ir_graph *g, uint32_t node, rfx_status st,
                            const char *fmt, ...)
{
	const rfx_ir_node *n = &g->nodes[node];
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(g->err, sizeof(g->err), "node '%s' (%s, opset %lld): %s",
		 n->name, n->op_type, (long long)g->opset, msg);
	return st;
}

char *rfx_ir_strdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* FNV-1a 32 of a name, for the lookup table. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

int32_t rfx_ir_value_find(const rfx_ir_graph *g, const char *name)
{
	if (!g->index_size || !name)
		return -1;
	uint32_t mask = g->index_size - 1;
	for (uint32_t h = name_hash(name) & mask;; h = (h + 1) & mask) {
		int32_t v = g->index[h];
		if (v < 0)
			return -1;
		if (strcmp(g->values[v].name, name) == 0)
			return v;
	}
}

static void index_insert(rfx_ir_graph *g, int32_t v)
{
	uint32_t mask = g->index_size - 1;
	uint32_t h = name_hash(g->values[v].name) & mask;

	while (g->index[h] >= 0)
		h = (h + 1) & mask;
	g->index[h] = v;
}

/* Keeps the table at most half full. */
static rfx_status index_grow(rfx_ir_graph *g)
{
	if (g->index_size && (uint64_t)(g->n_values + 1) * 2 <= g->index_size)
		return RFX_OK;
	uint32_t size = g->index_size ? g->index_size * 2 : 256;
	if (size > (1u << 28))
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED, "too many values");
	int32_t *idx = malloc((size_t)size * sizeof(*idx));
	if (!idx)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	free(g->index);
	g->index = idx;
	g->index_size = size;
	for (uint32_t k = 0; k < size; k++)
		idx[k] = -1;
	for (uint32_t v = 0; v < g->n_values; v++)
		index_insert(g, (int32_t)v);
	return RFX_OK;
}

rfx_status rfx_ir_value_add(rfx_ir_graph *g, const char *name, int32_t *out)
{
	char buf[512];
	const char *use = name && *name ? name : "v";
	rfx_status st;

	if (g->n_values >= RFX_MAX_TENSORS)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "more than %u values", RFX_MAX_TENSORS);
	if ((st = index_grow(g)) != RFX_OK)
		return st;
	if (rfx_ir_value_find(g, use) >= 0 || !(name && *name)) {
		for (uint32_t k = g->n_values;; k++) {
			snprintf(buf, sizeof(buf), "%.400s.%u", use, k);
			if (rfx_ir_value_find(g, buf) < 0)
				break;
		}
		use = buf;
	}
	if (g->n_values == g->cap_values) {
		uint32_t cap = g->cap_values ? g->cap_values * 2 : 64;
		rfx_ir_value *nv = realloc(g->values, (size_t)cap * sizeof(*nv));
		if (!nv)
			return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
		g->values = nv;
		g->cap_values = cap;
	}
	rfx_ir_value *v = &g->values[g->n_values];
	memset(v, 0, sizeof(*v));
	v->name = rfx_ir_strdup(use);
	if (!v->name)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	v->producer = -1;
	v->t.type = RFX_IR_FLOAT;
	*out = (int32_t)g->n_values++;
	index_insert(g, *out);
	return RFX_OK;
}

rfx_status rfx_ir_const_add(rfx_ir_graph *g, const char *name,
                            rfx_ir_tensor *t, int32_t *out)
{
	rfx_status st = rfx_ir_value_add(g, name, out);

	if (st != RFX_OK) {
		rfx_ir_tensor_free(t);
		return st;
	}
	rfx_ir_value *v = &g->values[*out];
	v->t = *t;
	v->shape_known = 1;
	v->onnx_type = t->type == RFX_IR_FLOAT ? 1 : 7;
	t->data = NULL;
	return RFX_OK;
}

rfx_status rfx_ir_node_add(rfx_ir_graph *g, const char *name,
                           const char *op_type, uint32_t n_in,
                           uint32_t n_out, uint32_t *out)
{
	if (g->n_nodes >= RFX_MAX_LAYERS * 4u)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED, "too many nodes");
	if (g->n_nodes == g->cap_nodes) {
		uint32_t cap = g->cap_nodes ? g->cap_nodes * 2 : 64;
		rfx_ir_node *nn = realloc(g->nodes, (size_t)cap * sizeof(*nn));
		if (!nn)
			return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
		g->nodes = nn;
		g->cap_nodes = cap;
	}
	rfx_ir_node *n = &g->nodes[g->n_nodes];
	memset(n, 0, sizeof(*n));
	n->name = rfx_ir_strdup(name ? name : "");
	n->op_type = rfx_ir_strdup(op_type ? op_type : "");
	n->in = calloc(n_in + 1, sizeof(*n->in));
	n->out = calloc(n_out + 1, sizeof(*n->out));
	if (!n->name || !n->op_type || !n->in || !n->out) {
		free(n->name);
		free(n->op_type);
		free(n->in);
		free(n->out);
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	}
	for (uint32_t k = 0; k < n_in; k++)
		n->in[k] = -1;
	for (uint32_t k = 0; k < n_out; k++)
		n->out[k] = -1;
	n->n_in = n_in;
	n->n_out = n_out;
	*out = g->n_nodes++;
	return RFX_OK;
}

rfx_status rfx_ir_node_insert(rfx_ir_graph *g, uint32_t at, const char *name,
                              const char *op_type, uint32_t n_in,
                              uint32_t n_out)
{
	uint32_t k;
	rfx_status st = rfx_ir_node_add(g, name, op_type, n_in, n_out, &k);
	rfx_ir_node tmp;

	if (st != RFX_OK)
		return st;
	if (at >= k)
		return RFX_OK;
	tmp = g->nodes[k];
	memmove(&g->nodes[at + 1], &g->nodes[at],
		(size_t)(k - at) * sizeof(g->nodes[0]));
	g->nodes[at] = tmp;
	return RFX_OK;
}

rfx_status rfx_ir_node_set_inputs(rfx_ir_graph *g, uint32_t node,
                                  const int32_t *vals, uint32_t n)
{
	rfx_ir_node *nd = &g->nodes[node];
	int32_t *in = malloc((size_t)(n + 1) * sizeof(*in));

	if (!in)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	if (n)
		memcpy(in, vals, (size_t)n * sizeof(*in));
	free(nd->in);
	nd->in = in;
	nd->n_in = n;
	return RFX_OK;
}

rfx_status rfx_ir_node_push_input(rfx_ir_graph *g, uint32_t node,
                                  int32_t value)
{
	rfx_ir_node *n = &g->nodes[node];
	int32_t *in = realloc(n->in, (size_t)(n->n_in + 1) * sizeof(*in));

	if (!in)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	n->in = in;
	n->in[n->n_in++] = value;
	return RFX_OK;
}

const rfx_ir_attr *rfx_ir_attr_get(const rfx_ir_node *n, const char *name)
{
	for (uint32_t k = 0; k < n->n_attrs; k++)
		if (strcmp(n->attrs[k].name, name) == 0)
			return &n->attrs[k];
	return NULL;
}

int64_t rfx_ir_attr_int(const rfx_ir_node *n, const char *name, int64_t def)
{
	const rfx_ir_attr *a = rfx_ir_attr_get(n, name);

	return a ? a->i : def;
}

float rfx_ir_attr_float(const rfx_ir_node *n, const char *name, float def)
{
	const rfx_ir_attr *a = rfx_ir_attr_get(n, name);

	return a ? a->f : def;
}

const char *rfx_ir_attr_str(const rfx_ir_node *n, const char *name,
                            const char *def)
{
	const rfx_ir_attr *a = rfx_ir_attr_get(n, name);

	return a && a->s ? a->s : def;
}

void rfx_ir_count_uses(rfx_ir_graph *g)
{
	for (uint32_t v = 0; v < g->n_values; v++) {
		g->values[v].uses = 0;
		g->values[v].producer = -1;
	}
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		const rfx_ir_node *n = &g->nodes[k];
		if (n->kind == RFX_IR_DEAD)
			continue;
		for (uint32_t j = 0; j < n->n_in; j++)
			if (n->in[j] >= 0)
				g->values[n->in[j]].uses++;
		for (uint32_t j = 0; j < n->n_out; j++)
			if (n->out[j] >= 0)
				g->values[n->out[j]].producer = (int32_t)k;
	}
	for (uint32_t k = 0; k < g->n_outputs; k++)
		g->values[g->outputs[k]].uses++;
}

void rfx_ir_replace_uses(rfx_ir_graph *g, int32_t from, int32_t to)
{
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		rfx_ir_node *n = &g->nodes[k];
		if (n->kind == RFX_IR_DEAD)
			continue;
		for (uint32_t j = 0; j < n->n_in; j++)
			if (n->in[j] == from)
				n->in[j] = to;
	}
	for (uint32_t k = 0; k < g->n_outputs; k++)
		if (g->outputs[k] == from)
			g->outputs[k] = to;
}

uint32_t rfx_ir_remove_dead(rfx_ir_graph *g)
{
	uint32_t removed = 0;

	rfx_ir_count_uses(g);
	for (uint32_t k = g->n_nodes; k-- > 0;) {
		rfx_ir_node *n = &g->nodes[k];
		int used = 0;
		if (n->kind == RFX_IR_DEAD)
			continue;
		for (uint32_t j = 0; j < n->n_out; j++)
			if (n->out[j] >= 0 && g->values[n->out[j]].uses)
				used = 1;
		if (used)
			continue;
		for (uint32_t j = 0; j < n->n_in; j++)
			if (n->in[j] >= 0)
				g->values[n->in[j]].uses--;
		rfx_ir_node_kill(n);
		removed++;
	}
	rfx_ir_count_uses(g);
	return removed;
}

uint32_t rfx_ir_live_nodes(const rfx_ir_graph *g)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < g->n_nodes; k++)
		n += g->nodes[k].kind != RFX_IR_DEAD;
	return n;
}

size_t rfx_ir_type_size(rfx_ir_type type)
{
	return type == RFX_IR_INT ? sizeof(int64_t) : sizeof(float);
}

int rfx_ir_tensor_count(const rfx_ir_tensor *t, uint64_t *count)
{
	uint64_t n = 1;

	if (t->rank > RFX_IR_MAX_RANK)
		return -1;
	for (uint32_t d = 0; d < t->rank; d++) {
		if (t->dims[d] < 0 || (uint64_t)t->dims[d] > RFX_MAX_ELEMENTS)
			return -1;
		n *= (uint64_t)t->dims[d];
		if (n > RFX_MAX_ELEMENTS)
			return -1;
	}
	*count = n;
	return 0;
}

rfx_status rfx_ir_tensor_alloc(rfx_ir_graph *g, rfx_ir_tensor *t)
{
	uint64_t n;

	if (rfx_ir_tensor_count(t, &n) < 0)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "tensor larger than %llu elements",
				   (unsigned long long)RFX_MAX_ELEMENTS);
	t->data = calloc(n ? (size_t)n : 1, rfx_ir_type_size(t->type));
	if (!t->data)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	return RFX_OK;
}

void rfx_ir_tensor_free(rfx_ir_tensor *t)
{
	free(t->data);
	t->data = NULL;
}

int rfx_ir_same_shape(const rfx_ir_tensor *a, const rfx_ir_tensor *b)
{
	if (a->rank != b->rank)
		return 0;
	for (uint32_t d = 0; d < a->rank; d++)
		if (a->dims[d] != b->dims[d])
			return 0;
	return 1;
}

const char *rfx_ir_shape_str(const rfx_ir_tensor *t, char *buf, size_t len)
{
	size_t at = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	at += (size_t)snprintf(buf, len, "[");
	for (uint32_t d = 0; d < t->rank && at < len; d++)
		at += (size_t)snprintf(buf + at, len - at, "%s%lld",
				       d ? "," : "", (long long)t->dims[d]);
	if (at < len)
		snprintf(buf + at, len - at, "]");
	return buf;
}
