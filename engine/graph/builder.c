/* Graph builder: grows tensors and layers in separate allocations, then
 * packs everything into one 64-byte-aligned arena owned by the graph. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/builder.h"

#define ALIGN 64u

static void fail(rfx_builder *b, rfx_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(rfx_builder *b, rfx_status st, const char *fmt, ...)
{
	va_list ap;

	if (b->status != RFX_OK)
		return; /* keep the first error */
	b->status = st;
	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
}

/* Makes room for one more element of `size` bytes in *arr. */
static int grow(rfx_builder *b, void **arr, uint32_t n, uint32_t *cap,
                size_t size)
{
	uint32_t ncap;
	void *p;

	if (n < *cap)
		return 1;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > RFX_MAX_TENSORS || ncap < *cap) {
		fail(b, RFX_E_INVALID_ARGUMENT, "more than %u entries",
		     RFX_MAX_TENSORS);
		return 0;
	}
	p = realloc(*arr, (size_t)ncap * size);
	if (!p) {
		fail(b, RFX_E_OUT_OF_MEMORY, "out of memory");
		return 0;
	}
	*arr = p;
	*cap = ncap;
	return 1;
}

static char *copy_str(rfx_builder *b, const char *s)
{
	char *c = strdup(s ? s : "");

	if (!c)
		fail(b, RFX_E_OUT_OF_MEMORY, "out of memory");
	return c;
}

void rfx_builder_init(rfx_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->status = RFX_OK;
	b->meta.scale = 1.0f;
	for (int c = 0; c < 4; c++)
		b->meta.std[c] = 1.0f;
	b->meta.layout = strdup("NCHW");
	b->meta.color = strdup("rgb");
	if (!b->meta.layout || !b->meta.color)
		fail(b, RFX_E_OUT_OF_MEMORY, "out of memory");
}

static uint32_t add_tensor(rfx_builder *b, const char *name, rfx_dtype dtype,
                           uint32_t rank, const uint32_t *dims, uint32_t flags)
{
	rfx_tensor *t;
	uint64_t elems = 1;

	if (b->status != RFX_OK)
		return RFX_BUILDER_NONE;
	if (!name || !name[0]) {
		fail(b, RFX_E_INVALID_ARGUMENT, "tensor %u has no name",
		     b->n_tensors);
		return RFX_BUILDER_NONE;
	}
	if (rfx_dtype_size(dtype) == 0) {
		fail(b, RFX_E_INVALID_ARGUMENT, "tensor '%s': unknown dtype %d",
		     name, (int)dtype);
		return RFX_BUILDER_NONE;
	}
	if (rank > RFX_MAX_RANK || (rank && !dims)) {
		fail(b, RFX_E_INVALID_ARGUMENT, "tensor '%s': bad rank %u",
		     name, rank);
		return RFX_BUILDER_NONE;
	}
	for (uint32_t d = 0; d < rank; d++) {
		if (dims[d] == 0 || dims[d] > RFX_MAX_DIM) {
			fail(b, RFX_E_INVALID_ARGUMENT,
			     "tensor '%s': dimension %u is %u (1..%u)", name, d,
			     dims[d], RFX_MAX_DIM);
			return RFX_BUILDER_NONE;
		}
		elems *= dims[d]; /* < 2^24 * 2^31: no overflow */
		if (elems > RFX_MAX_ELEMENTS) {
			fail(b, RFX_E_INVALID_ARGUMENT,
			     "tensor '%s': more than %llu elements", name,
			     (unsigned long long)RFX_MAX_ELEMENTS);
			return RFX_BUILDER_NONE;
		}
	}
	if (!grow(b, (void **)&b->tensors, b->n_tensors, &b->cap_tensors,
		  sizeof(*b->tensors)))
		return RFX_BUILDER_NONE;
	t = &b->tensors[b->n_tensors];
	memset(t, 0, sizeof(*t));
	t->name = copy_str(b, name);
	if (!t->name)
		return RFX_BUILDER_NONE;
	t->dtype = dtype;
	t->flags = flags;
	t->rank = rank;
	for (uint32_t d = 0; d < RFX_MAX_RANK; d++)
		t->dims[d] = d < rank ? dims[d] : 1;
	t->scale = 0.0f; /* quantization fields stay 0 on float tensors (the format checks) */
	t->channel_scales = UINT32_MAX;
	return b->n_tensors++;
}

uint32_t rfx_builder_tensor(rfx_builder *b, const char *name, rfx_dtype dtype,
                            uint32_t rank, const uint32_t *dims)
{
	return add_tensor(b, name, dtype, rank, dims, 0);
}

uint32_t rfx_builder_input(rfx_builder *b, const char *name, rfx_dtype dtype,
                           uint32_t rank, const uint32_t *dims)
{
	uint32_t t = add_tensor(b, name, dtype, rank, dims, RFX_TENSOR_INPUT);

	if (t == RFX_BUILDER_NONE ||
	    !grow(b, (void **)&b->inputs, b->n_inputs, &b->cap_inputs,
		  sizeof(*b->inputs)))
		return RFX_BUILDER_NONE;
	b->inputs[b->n_inputs++] = t;
	return t;
}

uint32_t rfx_builder_const(rfx_builder *b, const char *name, rfx_dtype dtype,
                           uint32_t rank, const uint32_t *dims,
                           const void *data)
{
	uint32_t t = add_tensor(b, name, dtype, rank, dims, RFX_TENSOR_CONST);
	rfx_tensor *ten;
	void *copy;

	if (t == RFX_BUILDER_NONE)
		return t;
	ten = &b->tensors[t];
	ten->size = rfx_tensor_bytes(ten);
	if (!data) {
		fail(b, RFX_E_INVALID_ARGUMENT, "constant '%s' has no data",
		     name);
		return RFX_BUILDER_NONE;
	}
	copy = malloc(ten->size ? ten->size : 1);
	if (!copy) {
		fail(b, RFX_E_OUT_OF_MEMORY, "constant '%s': out of memory",
		     name);
		return RFX_BUILDER_NONE;
	}
	memcpy(copy, data, ten->size);
	ten->data = copy;
	return t;
}

void rfx_builder_output(rfx_builder *b, uint32_t tensor)
{
	if (b->status != RFX_OK)
		return;
	if (tensor >= b->n_tensors) {
		fail(b, RFX_E_INVALID_ARGUMENT, "output: no tensor %u", tensor);
		return;
	}
	if (b->tensors[tensor].flags & RFX_TENSOR_OUTPUT) {
		fail(b, RFX_E_INVALID_ARGUMENT, "'%s' is already an output",
		     b->tensors[tensor].name);
		return;
	}
	if (!grow(b, (void **)&b->outputs, b->n_outputs, &b->cap_outputs,
		  sizeof(*b->outputs)))
		return;
	b->tensors[tensor].flags |= RFX_TENSOR_OUTPUT;
	b->outputs[b->n_outputs++] = tensor;
}

rfx_tensor *rfx_builder_tensor_at(rfx_builder *b, uint32_t tensor)
{
	return tensor < b->n_tensors ? &b->tensors[tensor] : NULL;
}

rfx_layer *rfx_builder_layer(rfx_builder *b, rfx_op op, const char *name,
                             const uint32_t *inputs, uint32_t n_inputs,
                             uint32_t output)
{
	rfx_layer *l;
	uint32_t *idx;

	if (b->status != RFX_OK)
		return NULL;
	if (n_inputs == 0 || n_inputs > RFX_MAX_LAYER_INPUTS || !inputs) {
		fail(b, RFX_E_INVALID_ARGUMENT, "layer '%s': %u inputs",
		     name ? name : "", n_inputs);
		return NULL;
	}
	for (uint32_t k = 0; k <= n_inputs; k++) {
		uint32_t t = k < n_inputs ? inputs[k] : output;
		if (t >= b->n_tensors) {
			fail(b, RFX_E_INVALID_ARGUMENT,
			     "layer '%s': no tensor %u", name ? name : "", t);
			return NULL;
		}
	}
	if (b->n_layers >= RFX_MAX_LAYERS) {
		fail(b, RFX_E_INVALID_ARGUMENT, "more than %u layers",
		     RFX_MAX_LAYERS);
		return NULL;
	}
	if (!grow(b, (void **)&b->layers, b->n_layers, &b->cap_layers,
		  sizeof(*b->layers)))
		return NULL;
	l = calloc(1, sizeof(*l));
	idx = malloc((n_inputs + 1) * sizeof(*idx));
	if (!l || !idx) {
		free(l);
		free(idx);
		fail(b, RFX_E_OUT_OF_MEMORY, "out of memory");
		return NULL;
	}
	l->name = copy_str(b, name);
	if (!l->name) {
		free(l);
		free(idx);
		return NULL;
	}
	memcpy(idx, inputs, n_inputs * sizeof(*idx));
	idx[n_inputs] = output;
	l->op = op;
	l->precision = RFX_DTYPE_F32;
	l->n_inputs = n_inputs;
	l->n_outputs = 1;
	l->inputs = idx;
	l->outputs = idx + n_inputs;
	b->layers[b->n_layers++] = l;
	return l;
}

/* The builder's tensors seen as a graph, for rfx_layer_infer(). */
static rfx_graph view(rfx_builder *b)
{
	rfx_graph g;

	memset(&g, 0, sizeof(g));
	g.n_tensors = b->n_tensors;
	g.tensors = b->tensors;
	g.n_inputs = b->n_inputs;
	g.inputs = b->inputs;
	g.n_outputs = b->n_outputs;
	g.outputs = b->outputs;
	g.meta = b->meta;
	return g;
}

rfx_status rfx_builder_infer(rfx_builder *b, rfx_layer *l)
{
	rfx_graph g;
	rfx_tensor out, *t;
	char msg[200];
	rfx_status st;

	if (b->status != RFX_OK)
		return b->status;
	if (!l) {
		fail(b, RFX_E_INVALID_ARGUMENT, "infer: no layer");
		return b->status;
	}
	g = view(b);
	memset(&out, 0, sizeof(out));
	msg[0] = '\0';
	st = rfx_layer_infer(&g, l, &out, msg, sizeof(msg));
	if (st != RFX_OK) {
		fail(b, st, "layer '%s' (%s): %s", l->name, rfx_op_name(l->op),
		     msg);
		return st;
	}
	t = &b->tensors[l->outputs[0]];
	t->dtype = out.dtype;
	t->rank = out.rank;
	for (uint32_t d = 0; d < RFX_MAX_RANK; d++)
		t->dims[d] = d < out.rank ? out.dims[d] : 1;
	return RFX_OK;
}

static void set_string(rfx_builder *b, const char **field, const char *value)
{
	char *c = NULL;

	if (b->status != RFX_OK)
		return;
	if (value && !(c = copy_str(b, value)))
		return;
	free((char *)*field);
	*field = c;
}

void rfx_builder_set_labels(rfx_builder *b, const char *labels)
{
	uint32_t n = 0;

	set_string(b, &b->meta.labels, labels);
	if (b->status != RFX_OK)
		return;
	for (const char *p = labels; p && *p; p++)
		if (*p == '\n' || p[1] == '\0')
			n++;
	b->meta.n_labels = n;
}

void rfx_builder_set_color(rfx_builder *b, const char *color)
{
	set_string(b, &b->meta.color, color);
}

void rfx_builder_set_layout(rfx_builder *b, const char *layout)
{
	set_string(b, &b->meta.layout, layout);
}

void rfx_builder_set_converter(rfx_builder *b, const char *converter)
{
	set_string(b, &b->meta.converter, converter);
}

void rfx_builder_set_source(rfx_builder *b, const char *name, uint64_t hash)
{
	set_string(b, &b->meta.source_name, name);
	b->meta.source_hash = hash;
}

void rfx_builder_set_preprocess(rfx_builder *b, float scale,
                                const float mean[4], const float std[4],
                                uint32_t width, uint32_t height)
{
	b->meta.scale = scale;
	for (int c = 0; c < 4; c++) {
		b->meta.mean[c] = mean ? mean[c] : 0.0f;
		b->meta.std[c] = std ? std[c] : 1.0f;
	}
	b->meta.input_w = width;
	b->meta.input_h = height;
}

static void *copy_bytes(rfx_builder *b, const void *p, uint64_t size)
{
	void *c;

	if (!p)
		return NULL;
	if (size > SIZE_MAX || !(c = malloc(size ? (size_t)size : 1))) {
		fail(b, RFX_E_OUT_OF_MEMORY, "golden data: out of memory");
		return NULL;
	}
	memcpy(c, p, (size_t)size);
	return c;
}

void rfx_builder_set_golden(rfx_builder *b, const void *input,
                            uint64_t input_size, const void *output,
                            uint64_t output_size)
{
	void *in, *out;

	if (b->status != RFX_OK)
		return;
	in = copy_bytes(b, input, input_size);
	out = copy_bytes(b, output, output_size);
	if (b->status != RFX_OK) {
		free(in);
		free(out);
		return;
	}
	free((void *)b->meta.golden_input);
	free((void *)b->meta.golden_output);
	b->meta.golden_input = in;
	b->meta.golden_input_size = in ? input_size : 0;
	b->meta.golden_output = out;
	b->meta.golden_output_size = out ? output_size : 0;
}

/* Frees everything the builder holds and zeroes it. */
static void release(rfx_builder *b)
{
	for (uint32_t t = 0; t < b->n_tensors; t++) {
		free((char *)b->tensors[t].name);
		free((void *)b->tensors[t].data);
	}
	for (uint32_t l = 0; l < b->n_layers; l++) {
		free((char *)b->layers[l]->name);
		free(b->layers[l]->inputs);
		free(b->layers[l]);
	}
	free(b->tensors);
	free(b->layers);
	free(b->inputs);
	free(b->outputs);
	free((char *)b->meta.labels);
	free((char *)b->meta.color);
	free((char *)b->meta.layout);
	free((char *)b->meta.converter);
	free((char *)b->meta.source_name);
	free((void *)b->meta.golden_input);
	free((void *)b->meta.golden_output);
	memset(b, 0, sizeof(*b));
}

static int cmp_name(const void *a, const void *b)
{
	const rfx_tensor *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static void shape_str(const rfx_tensor *t, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s[", rfx_dtype_name(t->dtype));

	for (uint32_t d = 0; d < t->rank && n < len; d++)
		n += (size_t)snprintf(buf + n, len - n, d ? ",%u" : "%u",
				      t->dims[d]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
}

/* Names unique, execution order sound, shapes as the rules say. */
static void check(rfx_builder *b)
{
	rfx_graph g = view(b);
	const rfx_tensor **sorted = NULL;
	unsigned char *ready = NULL;
	char msg[200], want[80], got[80];

	if (b->n_inputs == 0 || b->n_outputs == 0) {
		fail(b, RFX_E_INVALID_ARGUMENT, "the graph needs an input and an output");
		return;
	}
	sorted = malloc(b->n_tensors * sizeof(*sorted));
	ready = calloc(b->n_tensors, 1);
	if (!sorted || !ready) {
		fail(b, RFX_E_OUT_OF_MEMORY, "out of memory");
		goto out;
	}
	for (uint32_t t = 0; t < b->n_tensors; t++) {
		sorted[t] = &b->tensors[t];
		ready[t] = (b->tensors[t].flags &
			    (RFX_TENSOR_CONST | RFX_TENSOR_INPUT)) != 0;
	}
	qsort(sorted, b->n_tensors, sizeof(*sorted), cmp_name);
	for (uint32_t t = 1; t < b->n_tensors; t++) {
		if (strcmp(sorted[t - 1]->name, sorted[t]->name) == 0) {
			fail(b, RFX_E_INVALID_ARGUMENT,
			     "two tensors are named '%s'", sorted[t]->name);
			goto out;
		}
	}
	for (uint32_t i = 0; i < b->n_layers; i++) {
		const rfx_layer *l = b->layers[i];
		uint32_t o = l->outputs[0];
		rfx_tensor res;

		for (uint32_t k = 0; k < l->n_inputs; k++) {
			if (!ready[l->inputs[k]]) {
				fail(b, RFX_E_INVALID_ARGUMENT,
				     "layer '%s' reads '%s' before any layer writes it",
				     l->name, b->tensors[l->inputs[k]].name);
				goto out;
			}
		}
		if (ready[o]) {
			fail(b, RFX_E_INVALID_ARGUMENT,
			     "layer '%s' writes '%s', which is a constant, an input or written before",
			     l->name, b->tensors[o].name);
			goto out;
		}
		ready[o] = 1;
		memset(&res, 0, sizeof(res));
		msg[0] = '\0';
		if (rfx_layer_infer(&g, l, &res, msg, sizeof(msg)) != RFX_OK) {
			fail(b, RFX_E_FORMAT, "layer '%s' (%s): %s", l->name,
			     rfx_op_name(l->op), msg);
			goto out;
		}
		int same = res.dtype == b->tensors[o].dtype &&
			   res.rank == b->tensors[o].rank;
		for (uint32_t d = 0; same && d < res.rank; d++)
			same = res.dims[d] == b->tensors[o].dims[d];
		if (!same) {
			shape_str(&res, want, sizeof(want));
			shape_str(&b->tensors[o], got, sizeof(got));
			fail(b, RFX_E_FORMAT,
			     "layer '%s' (%s): output '%s' is %s, its shape rule gives %s",
			     l->name, rfx_op_name(l->op), b->tensors[o].name,
			     got, want);
			goto out;
		}
	}
	for (uint32_t k = 0; k < b->n_outputs; k++) {
		if (!ready[b->outputs[k]]) {
			fail(b, RFX_E_INVALID_ARGUMENT,
			     "output '%s' is never written",
			     b->tensors[b->outputs[k]].name);
			goto out;
		}
	}
	if (b->meta.golden_input &&
	    b->meta.golden_input_size != rfx_tensor_bytes(&b->tensors[b->inputs[0]]))
		fail(b, RFX_E_INVALID_ARGUMENT,
		     "golden input: %llu bytes, input '%s' has %llu",
		     (unsigned long long)b->meta.golden_input_size,
		     b->tensors[b->inputs[0]].name,
		     (unsigned long long)rfx_tensor_bytes(&b->tensors[b->inputs[0]]));
	else if (b->meta.golden_output &&
		 b->meta.golden_output_size !=
			 rfx_tensor_bytes(&b->tensors[b->outputs[0]]))
		fail(b, RFX_E_INVALID_ARGUMENT,
		     "golden output: %llu bytes, output '%s' has %llu",
		     (unsigned long long)b->meta.golden_output_size,
		     b->tensors[b->outputs[0]].name,
		     (unsigned long long)rfx_tensor_bytes(&b->tensors[b->outputs[0]]));
	else if (!!b->meta.golden_input != !!b->meta.golden_output)
		fail(b, RFX_E_INVALID_ARGUMENT,
		     "the golden pair needs both an input and an output");
out:
	free(sorted);
	free(ready);
}

/* A bump allocator over the arena; the first pass (base NULL) only sums
 * sizes. Every block starts 64-byte aligned. */
typedef struct pack {
	char *base;
	size_t used;
	int overflow;
} pack;

static void *take(pack *p, uint64_t size)
{
	size_t at = p->used;
	uint64_t end = (uint64_t)at + size;

	if (size > SIZE_MAX || end > SIZE_MAX - ALIGN) {
		p->overflow = 1;
		return NULL;
	}
	p->used = (size_t)((end + ALIGN - 1) & ~(uint64_t)(ALIGN - 1));
	return p->base ? p->base + at : NULL;
}

static const char *put_str(pack *p, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = take(p, strlen(s) + 1);
	if (d)
		memcpy(d, s, strlen(s) + 1);
	return d;
}

static const void *put_bytes(pack *p, const void *s, uint64_t size)
{
	void *d;

	if (!s)
		return NULL;
	d = take(p, size);
	if (d)
		memcpy(d, s, (size_t)size);
	return d;
}

/* Lays out the graph in p; on the sizing pass writes nothing. */
static void lay_out(rfx_builder *b, pack *p, rfx_graph *g)
{
	rfx_tensor *tensors = take(p, (uint64_t)b->n_tensors * sizeof(*tensors));
	rfx_layer *layers = take(p, (uint64_t)b->n_layers * sizeof(*layers));
	uint32_t *inputs = take(p, (uint64_t)b->n_inputs * sizeof(uint32_t));
	uint32_t *outputs = take(p, (uint64_t)b->n_outputs * sizeof(uint32_t));

	if (p->base) {
		memcpy(inputs, b->inputs, b->n_inputs * sizeof(uint32_t));
		memcpy(outputs, b->outputs, b->n_outputs * sizeof(uint32_t));
		g->n_tensors = b->n_tensors;
		g->tensors = tensors;
		g->n_layers = b->n_layers;
		g->layers = layers;
		g->n_inputs = b->n_inputs;
		g->inputs = inputs;
		g->n_outputs = b->n_outputs;
		g->outputs = outputs;
		g->meta = b->meta;
	}
	for (uint32_t t = 0; t < b->n_tensors; t++) {
		const rfx_tensor *s = &b->tensors[t];
		const void *data = put_bytes(p, s->data, s->size);
		const char *name = put_str(p, s->name);

		if (p->base) {
			tensors[t] = *s;
			tensors[t].data = data;
			tensors[t].name = name;
		}
	}
	for (uint32_t i = 0; i < b->n_layers; i++) {
		const rfx_layer *s = b->layers[i];
		uint32_t n = s->n_inputs + s->n_outputs;
		uint32_t *idx = take(p, (uint64_t)n * sizeof(uint32_t));
		const char *name = put_str(p, s->name);

		if (p->base) {
			memcpy(idx, s->inputs, n * sizeof(uint32_t));
			layers[i] = *s;
			layers[i].inputs = idx;
			layers[i].outputs = idx + s->n_inputs;
			layers[i].name = name;
		}
	}
	{
		const char *labels = put_str(p, b->meta.labels);
		const char *color = put_str(p, b->meta.color);
		const char *layout = put_str(p, b->meta.layout);
		const char *conv = put_str(p, b->meta.converter);
		const char *src = put_str(p, b->meta.source_name);
		const void *gin = put_bytes(p, b->meta.golden_input,
					    b->meta.golden_input_size);
		const void *gout = put_bytes(p, b->meta.golden_output,
					     b->meta.golden_output_size);
		if (p->base) {
			g->meta.labels = labels;
			g->meta.color = color;
			g->meta.layout = layout;
			g->meta.converter = conv;
			g->meta.source_name = src;
			g->meta.golden_input = gin;
			g->meta.golden_output = gout;
		}
	}
}

rfx_status rfx_builder_finish(rfx_builder *b, rfx_graph *out, char *err,
                              size_t errlen)
{
	pack p = {NULL, 0, 0};
	rfx_graph g;
	rfx_status st;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out) {
		release(b);
		return RFX_OK;
	}
	check(b);
	if (b->status == RFX_OK) {
		lay_out(b, &p, &g);
		if (p.overflow)
			fail(b, RFX_E_OUT_OF_MEMORY, "graph larger than memory");
	}
	if (b->status == RFX_OK) {
		p.base = aligned_alloc(ALIGN, p.used ? p.used : ALIGN);
		if (!p.base)
			fail(b, RFX_E_OUT_OF_MEMORY, "out of memory (%zu bytes)",
			     p.used);
	}
	if (b->status == RFX_OK) {
		memset(p.base, 0, p.used);
		memset(&g, 0, sizeof(g));
		p.used = 0;
		lay_out(b, &p, &g);
		g.arena = p.base;
		*out = g;
	}
	st = b->status;
	if (st != RFX_OK && err && errlen)
		snprintf(err, errlen, "%s", b->err);
	release(b);
	return st;
}
