/*
 * The .rfx writer: lays a graph out canonically (rfx_format.h), in two
 * passes over the same code: the first only measures, the second fills a
 * zeroed buffer. Then the reader checks the result.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/rfx_format.h"

/* One metadata record to write. */
typedef struct mrec {
	rfx_meta_key key;
	uint32_t count;
	const char *str;
	float f[4];
	uint32_t u[4];
	uint64_t u64;
	const void *bytes;
	uint64_t size;
} mrec;

typedef struct writer {
	unsigned char *buf; /* NULL on the measuring pass */
	uint64_t sec_off[RFX_SEC_COUNT];
	uint64_t sec_size[RFX_SEC_COUNT];
	uint32_t sec_count[RFX_SEC_COUNT];
	uint64_t str_at;   /* next string's byte offset in STRINGS */
	uint32_t n_str;
	uint64_t blob_at;  /* next free byte in WEIGHTS */
	uint32_t n_blob;
	mrec meta[RFX_MK_COUNT];
	uint32_t n_meta;
} writer;

static rfx_status fail(char *err, size_t errlen, rfx_status st,
                       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static rfx_status fail(char *err, size_t errlen, rfx_status st,
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

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void putf(unsigned char *p, float f)
{
	uint32_t v;

	memcpy(&v, &f, 4);
	put32(p, v);
}

/* Appends a string to STRINGS; returns its index. */
static uint32_t add_string(writer *w, const char *s)
{
	size_t n = strlen(s) + 1;

	if (w->buf)
		memcpy(w->buf + w->sec_off[RFX_SEC_STRINGS] + w->str_at, s, n);
	w->str_at += n;
	return w->n_str++;
}

/* Places `size` bytes in WEIGHTS; returns their offset in the blob. */
static uint64_t add_blob(writer *w, const void *data, uint64_t size)
{
	uint64_t at = align_up(w->blob_at, RFX_FORMAT_ALIGN);

	if (w->buf)
		memcpy(w->buf + w->sec_off[RFX_SEC_WEIGHTS] + at, data, size);
	w->blob_at = at + size;
	w->n_blob++;
	return at;
}

/* k for mean/std: the channel count of an image input 0, else 4. */
static uint32_t meta_channels(const rfx_graph *g)
{
	const rfx_tensor *t;

	if (g->n_inputs < 1)
		return 4;
	t = &g->tensors[g->inputs[0]];
	if (t->rank == 4 && t->dims[1] >= 1 && t->dims[1] <= 4)
		return t->dims[1];
	return 4;
}

static void add_meta(writer *w, const mrec *r)
{
	w->meta[w->n_meta++] = *r;
}

/* Chooses the records for the present metadata, in key order. */
static rfx_status collect_meta(writer *w, const rfx_graph *g, char *err,
                               size_t errlen)
{
	const rfx_meta *m = &g->meta;
	uint32_t k = meta_channels(g), nz;
	mrec r;

	if (m->labels) {
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_LABELS;
		r.str = m->labels;
		r.count = rfx_labels_count(m->labels);
		if (r.count == 0)
			return fail(err, errlen, RFX_E_FORMAT,
				    "metadata: labels: empty list or empty label");
		if (r.count != m->n_labels)
			return fail(err, errlen, RFX_E_INVALID_ARGUMENT,
				    "metadata: labels: n_labels %u, the list has %u",
				    m->n_labels, r.count);
		add_meta(w, &r);
	}
	if (m->color) {
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_COLOR;
		r.count = 1;
		r.str = m->color;
		add_meta(w, &r);
	}
	if (m->layout) {
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_LAYOUT;
		r.count = 1;
		r.str = m->layout;
		add_meta(w, &r);
	}
	if (m->scale != 0.0f) {
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_SCALE;
		r.count = 1;
		r.f[0] = m->scale;
		add_meta(w, &r);
	}
	nz = 0;
	for (uint32_t c = 0; c < k; c++)
		nz |= m->mean[c] != 0.0f;
	if (nz) {
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_MEAN;
		r.count = k;
		memcpy(r.f, m->mean, k * sizeof(float));
		add_meta(w, &r);
	}
	nz = 0;
	for (uint32_t c = 0; c < k; c++)
		nz |= m->std[c] != 0.0f;
	if (nz) {
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_STD;
		r.count = k;
		memcpy(r.f, m->std, k * sizeof(float));
		add_meta(w, &r);
	}
	if (m->input_w || m->input_h) {
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_SIZE;
		r.count = 2;
		r.u[0] = m->input_w;
		r.u[1] = m->input_h;
		add_meta(w, &r);
	}
	if (m->converter) {
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_CONVERTER;
		r.count = 1;
		r.str = m->converter;
		add_meta(w, &r);
	}
	if (m->source_name) {
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_SOURCE_NAME;
		r.count = 1;
		r.str = m->source_name;
		add_meta(w, &r);
	}
	if (m->source_hash) {
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_SOURCE_HASH;
		r.count = 1;
		r.u64 = m->source_hash;
		add_meta(w, &r);
	}
	if (m->golden_input || m->golden_output) {
		if (!m->golden_input || !m->golden_output ||
		    m->golden_input_size > RFX_FORMAT_MAX_FILE_SIZE ||
		    m->golden_output_size > RFX_FORMAT_MAX_FILE_SIZE)
			return fail(err, errlen, RFX_E_INVALID_ARGUMENT,
				    "metadata: the golden pair needs an input and an output");
		memset(&r, 0, sizeof(r));
		r.key = RFX_MK_GOLDEN_INPUT;
		r.count = 1;
		r.bytes = m->golden_input;
		r.size = m->golden_input_size;
		add_meta(w, &r);
		r.key = RFX_MK_GOLDEN_OUTPUT;
		r.bytes = m->golden_output;
		r.size = m->golden_output_size;
		add_meta(w, &r);
	}
	return RFX_OK;
}

/* What the writer needs to be true to serialize at all; the rest is the
 * reader's check of the result. */
static rfx_status check_graph(const rfx_graph *g, char *err, size_t errlen)
{
	if (g->n_tensors > RFX_MAX_TENSORS || g->n_layers > RFX_MAX_LAYERS)
		return fail(err, errlen, RFX_E_FORMAT,
			    "graph: %u tensors, %u layers (at most %u, %u)",
			    g->n_tensors, g->n_layers, RFX_MAX_TENSORS,
			    RFX_MAX_LAYERS);
	if ((g->n_tensors && !g->tensors) || (g->n_layers && !g->layers) ||
	    (g->n_inputs && !g->inputs) || (g->n_outputs && !g->outputs))
		return fail(err, errlen, RFX_E_INVALID_ARGUMENT,
			    "graph: an array is NULL");
	if (g->n_inputs > g->n_tensors || g->n_outputs > g->n_tensors)
		return fail(err, errlen, RFX_E_FORMAT,
			    "graph: more inputs or outputs than tensors");
	for (uint32_t i = 0; i < g->n_tensors; i++) {
		const rfx_tensor *t = &g->tensors[i];

		if (!t->name)
			return fail(err, errlen, RFX_E_INVALID_ARGUMENT,
				    "tensor %u has no name", i);
		if (t->rank > RFX_MAX_RANK)
			return fail(err, errlen, RFX_E_FORMAT,
				    "tensor '%s': rank %u > %u", t->name,
				    t->rank, RFX_MAX_RANK);
		if (!(t->flags & RFX_TENSOR_CONST))
			continue;
		if (rfx_tensor_elements(t) > RFX_MAX_ELEMENTS ||
		    rfx_dtype_size(t->dtype) == 0)
			return fail(err, errlen, RFX_E_FORMAT,
				    "tensor '%s': bad dtype or too many elements",
				    t->name);
		if (!t->data || t->size != rfx_tensor_bytes(t))
			return fail(err, errlen, RFX_E_INVALID_ARGUMENT,
				    "constant '%s': %llu bytes of data, its shape needs %llu",
				    t->name, (unsigned long long)(t->data ? t->size : 0),
				    (unsigned long long)rfx_tensor_bytes(t));
	}
	for (uint32_t i = 0; i < g->n_layers; i++) {
		const rfx_layer *l = &g->layers[i];

		if (l->n_inputs > RFX_MAX_LAYER_INPUTS || l->n_outputs > 1 ||
		    (l->n_inputs && !l->inputs) ||
		    (l->n_outputs && !l->outputs))
			return fail(err, errlen, RFX_E_FORMAT,
				    "layer %u '%s': %u inputs, %u outputs", i,
				    l->name ? l->name : "", l->n_inputs,
				    l->n_outputs);
	}
	return RFX_OK;
}

uint32_t rfx_format_version_of(const rfx_graph *g, uint32_t *layer)
{
	for (uint32_t i = 0; i < g->n_layers; i++) {
		int slot = rfx_act_slot(g->layers[i].op);
		if (slot >= 0 && g->layers[i].i[slot] == RFX_ACT_SWISH) {
			if (layer)
				*layer = i;
			return 2;
		}
	}
	return 1;
}

static void lay_header(writer *w, const rfx_graph *g, uint64_t file_size)
{
	unsigned char *h = w->buf;

	memcpy(h + RFX_HDR_MAGIC, RFX_FORMAT_MAGIC, 4);
	put32(h + RFX_HDR_VERSION, rfx_format_version_of(g, NULL));
	put32(h + RFX_HDR_HEADER_SIZE, RFX_FORMAT_HEADER_SIZE);
	put64(h + RFX_HDR_FILE_SIZE, file_size);
	for (int s = 0; s < RFX_SEC_COUNT; s++) {
		unsigned char *d = h + RFX_HDR_SECTIONS + s * RFX_HDR_SECTION_SIZE;

		put64(d, w->sec_off[s]);
		put64(d + 8, w->sec_size[s]);
		put32(d + 16, w->sec_count[s]);
	}
}

/* Fills every section (or, with w->buf NULL, measures strings and the
 * blob). Table sections are already sized. */
static void lay_tables(writer *w, const rfx_graph *g)
{
	unsigned char *p;
	uint32_t first = 0;

	w->str_at = 0;
	w->n_str = 0;
	w->blob_at = 0;
	w->n_blob = 0;
	for (uint32_t i = 0; i < g->n_tensors; i++) {
		const rfx_tensor *t = &g->tensors[i];
		uint32_t name = add_string(w, t->name);
		uint64_t off = 0, size = 0;

		if (t->flags & RFX_TENSOR_CONST) {
			off = add_blob(w, t->data, t->size);
			size = t->size;
		}
		if (!w->buf)
			continue;
		p = w->buf + w->sec_off[RFX_SEC_TENSORS] +
		    (uint64_t)i * RFX_FORMAT_TENSOR_SIZE;
		put32(p, name);
		put32(p + 4, (uint32_t)t->dtype);
		put32(p + 8, t->flags);
		put32(p + 12, t->rank);
		for (uint32_t d = 0; d < RFX_MAX_RANK; d++)
			put32(p + 16 + 4 * d, d < t->rank ? t->dims[d] : 1);
		putf(p + 40, t->scale);
		put32(p + 44, (uint32_t)t->zero_point);
		put32(p + 48, t->qaxis);
		put32(p + 52, t->channel_scales);
		put64(p + 56, off);
		put64(p + 64, size);
	}
	for (uint32_t i = 0; i < g->n_layers; i++) {
		const rfx_layer *l = &g->layers[i];
		uint32_t name = add_string(w, l->name ? l->name : "");
		unsigned char *ix;

		if (w->buf) {
			p = w->buf + w->sec_off[RFX_SEC_LAYERS] +
			    (uint64_t)i * RFX_FORMAT_LAYER_SIZE;
			put32(p, (uint32_t)l->op);
			put32(p + 4, (uint32_t)l->precision);
			put32(p + 8, name);
			put32(p + 12, l->n_inputs);
			put32(p + 16, l->n_outputs);
			put32(p + 20, first);
			for (int k = 0; k < RFX_LAYER_IATTRS; k++)
				put32(p + 24 + 4 * k, (uint32_t)l->i[k]);
			for (int k = 0; k < RFX_LAYER_FATTRS; k++)
				putf(p + 88 + 4 * k, l->f[k]);
			ix = w->buf + w->sec_off[RFX_SEC_INDICES] + 4ull * first;
			for (uint32_t k = 0; k < l->n_inputs; k++)
				put32(ix + 4 * k, l->inputs[k]);
			for (uint32_t k = 0; k < l->n_outputs; k++)
				put32(ix + 4 * (l->n_inputs + k), l->outputs[k]);
		}
		first += l->n_inputs + l->n_outputs;
	}
	if (w->buf) {
		for (uint32_t i = 0; i < g->n_inputs; i++)
			put32(w->buf + w->sec_off[RFX_SEC_INPUTS] + 4 * i,
			      g->inputs[i]);
		for (uint32_t i = 0; i < g->n_outputs; i++)
			put32(w->buf + w->sec_off[RFX_SEC_OUTPUTS] + 4 * i,
			      g->outputs[i]);
	}
	for (uint32_t i = 0; i < w->n_meta; i++) {
		const mrec *r = &w->meta[i];
		rfx_meta_type type = rfx_meta_key_type(r->key);
		uint32_t key = add_string(w, rfx_meta_key_name(r->key));
		uint32_t str = 0;
		uint64_t off = 0;

		if (type == RFX_META_STRING)
			str = add_string(w, r->str);
		else if (type == RFX_META_BYTES)
			off = add_blob(w, r->bytes, r->size);
		if (!w->buf)
			continue;
		p = w->buf + w->sec_off[RFX_SEC_META] +
		    (uint64_t)i * RFX_FORMAT_META_SIZE;
		put32(p, key);
		put32(p + 4, (uint32_t)type);
		put32(p + 8, r->count);
		switch (type) {
		case RFX_META_STRING:
			put32(p + 16, str);
			break;
		case RFX_META_F32:
			for (uint32_t k = 0; k < r->count; k++)
				putf(p + 16 + 4 * k, r->f[k]);
			break;
		case RFX_META_U32:
			for (uint32_t k = 0; k < r->count; k++)
				put32(p + 16 + 4 * k, r->u[k]);
			break;
		case RFX_META_U64:
			put64(p + 16, r->u64);
			break;
		case RFX_META_BYTES:
			put64(p + 16, off);
			put64(p + 24, r->size);
			break;
		}
	}
}

rfx_status rfx_format_write(const rfx_graph *g, void **out_bytes,
                            size_t *out_size, char *err, size_t errlen)
{
	writer w;
	uint64_t at, total_io = 0;
	void *mem;
	rfx_graph check;
	rfx_status st;

	if (!g || !out_bytes || !out_size)
		return fail(err, errlen, RFX_E_INVALID_ARGUMENT,
			    "rfx_format_write: NULL argument");
	if ((st = check_graph(g, err, errlen)))
		return st;
	memset(&w, 0, sizeof(w));
	if ((st = collect_meta(&w, g, err, errlen)))
		return st;
	for (uint32_t i = 0; i < g->n_layers; i++)
		total_io += g->layers[i].n_inputs + g->layers[i].n_outputs;

	/* Measure strings and blob, then place the sections. */
	lay_tables(&w, g);
	w.sec_size[RFX_SEC_STRINGS] = w.str_at;
	w.sec_count[RFX_SEC_STRINGS] = w.n_str;
	w.sec_size[RFX_SEC_TENSORS] = (uint64_t)g->n_tensors * RFX_FORMAT_TENSOR_SIZE;
	w.sec_count[RFX_SEC_TENSORS] = g->n_tensors;
	w.sec_size[RFX_SEC_LAYERS] = (uint64_t)g->n_layers * RFX_FORMAT_LAYER_SIZE;
	w.sec_count[RFX_SEC_LAYERS] = g->n_layers;
	w.sec_size[RFX_SEC_INDICES] = total_io * 4;
	w.sec_count[RFX_SEC_INDICES] = (uint32_t)total_io;
	w.sec_size[RFX_SEC_INPUTS] = (uint64_t)g->n_inputs * 4;
	w.sec_count[RFX_SEC_INPUTS] = g->n_inputs;
	w.sec_size[RFX_SEC_OUTPUTS] = (uint64_t)g->n_outputs * 4;
	w.sec_count[RFX_SEC_OUTPUTS] = g->n_outputs;
	w.sec_size[RFX_SEC_META] = (uint64_t)w.n_meta * RFX_FORMAT_META_SIZE;
	w.sec_count[RFX_SEC_META] = w.n_meta;
	w.sec_size[RFX_SEC_WEIGHTS] = w.blob_at;
	w.sec_count[RFX_SEC_WEIGHTS] = w.n_blob;
	at = RFX_FORMAT_HEADER_SIZE;
	for (int s = 0; s < RFX_SEC_COUNT; s++) {
		at = align_up(at, s == RFX_SEC_WEIGHTS ? RFX_FORMAT_ALIGN
						       : RFX_FORMAT_TABLE_ALIGN);
		w.sec_off[s] = at;
		at += w.sec_size[s];
	}
	if (at > RFX_FORMAT_MAX_FILE_SIZE || at > SIZE_MAX)
		return fail(err, errlen, RFX_E_FORMAT,
			    "graph: %llu bytes, more than a file may hold",
			    (unsigned long long)at);

	if (posix_memalign(&mem, RFX_FORMAT_ALIGN, (size_t)at) != 0)
		return fail(err, errlen, RFX_E_OUT_OF_MEMORY,
			    "out of memory (%llu bytes)", (unsigned long long)at);
	memset(mem, 0, (size_t)at);
	w.buf = mem;
	lay_header(&w, g, at);
	lay_tables(&w, g);
	put32(w.buf + RFX_HDR_CRC,
	      rfx_crc32(0, w.buf + RFX_FORMAT_HEADER_SIZE,
			(size_t)at - RFX_FORMAT_HEADER_SIZE));

	/* Never hand out a file the reader would refuse. */
	st = rfx_format_read(mem, (size_t)at, &check, err, errlen);
	if (st != RFX_OK) {
		free(mem);
		return st;
	}
	rfx_graph_finish(&check);
	*out_bytes = mem;
	*out_size = (size_t)at;
	return RFX_OK;
}

rfx_status rfx_format_write_file(const rfx_graph *g, const char *path,
                                 char *err, size_t errlen)
{
	void *bytes;
	size_t size;
	rfx_status st;

	if (!path)
		return fail(err, errlen, RFX_E_INVALID_ARGUMENT,
			    "rfx_format_write_file: NULL path");
	st = rfx_format_write(g, &bytes, &size, err, errlen);
	if (st != RFX_OK)
		return st;
	st = rfx_file_write_atomic(path, bytes, size, err, errlen);
	free(bytes);
	return st;
}
