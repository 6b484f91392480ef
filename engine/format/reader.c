/*
 * The .rfx reader: a strict validator. Nothing read from the file is used
 * (as a size, an offset, an index or a count) before it is checked against
 * the bytes that hold it, with arithmetic that cannot overflow; the only
 * allocations are sized by section lengths already known to fit in the
 * file. Layout and rules: rfx_format.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/rfx_format.h"

typedef struct reader {
	const unsigned char *b;
	uint64_t size;
	rfx_format_info info;
	const unsigned char *sec[RFX_SEC_COUNT]; /* start of each section */
	uint32_t n_str;
	uint32_t *str_off;  /* byte offset of each string in STRINGS */
	uint32_t next_str;  /* strings are referenced once each, in order */
	rfx_graph *g;
	char *err;
	size_t errlen;
} reader;

static rfx_status fail(reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static rfx_status fail(reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err && r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return RFX_E_FORMAT;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static float getf(const unsigned char *p)
{
	uint32_t v = get32(p);
	float f;

	memcpy(&f, &v, 4);
	return f;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int all_zero(const unsigned char *p, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		if (p[k])
			return 0;
	return 1;
}

rfx_status rfx_format_info_read(const void *bytes, size_t size,
                                rfx_format_info *out)
{
	const unsigned char *b = bytes;

	if (!bytes || !out)
		return RFX_E_INVALID_ARGUMENT;
	if (size < RFX_FORMAT_HEADER_SIZE ||
	    memcmp(b, RFX_FORMAT_MAGIC, 4) != 0)
		return RFX_E_FORMAT;
	memset(out, 0, sizeof(*out));
	out->version = get32(b + RFX_HDR_VERSION);
	out->header_size = get32(b + RFX_HDR_HEADER_SIZE);
	out->flags = get32(b + RFX_HDR_FLAGS);
	out->file_size = get64(b + RFX_HDR_FILE_SIZE);
	out->crc32 = get32(b + RFX_HDR_CRC);
	for (int s = 0; s < RFX_SEC_COUNT; s++) {
		const unsigned char *d =
			b + RFX_HDR_SECTIONS + s * RFX_HDR_SECTION_SIZE;

		out->sections[s].offset = get64(d);
		out->sections[s].size = get64(d + 8);
		out->sections[s].count = get32(d + 16);
	}
	return RFX_OK;
}

static rfx_status read_header(reader *r)
{
	const unsigned char *b = r->b;
	uint32_t crc;
	uint64_t at = RFX_FORMAT_HEADER_SIZE;

	if (r->size < 8)
		return fail(r, "header: file of %llu bytes is shorter than the header",
			    (unsigned long long)r->size);
	if (memcmp(b, RFX_FORMAT_MAGIC, 4) != 0)
		return fail(r, "header: bad magic %02x %02x %02x %02x (not a .rfx file)",
			    b[0], b[1], b[2], b[3]);
	if (get32(b + RFX_HDR_VERSION) > RFX_FORMAT_VERSION) {
		if (r->err && r->errlen)
			snprintf(r->err, r->errlen,
				 "header: format version %u is newer than this build reads (%u)",
				 get32(b + RFX_HDR_VERSION), RFX_FORMAT_VERSION);
		return RFX_E_UNSUPPORTED;
	}
	if (get32(b + RFX_HDR_VERSION) < 1)
		return fail(r, "header: format version 0 does not exist");
	if (r->size < RFX_FORMAT_HEADER_SIZE)
		return fail(r, "header: file of %llu bytes is shorter than the header (%u)",
			    (unsigned long long)r->size, RFX_FORMAT_HEADER_SIZE);
	rfx_format_info_read(b, (size_t)r->size, &r->info);
	if (r->info.header_size != RFX_FORMAT_HEADER_SIZE)
		return fail(r, "header: header size %u, expected %u",
			    r->info.header_size, RFX_FORMAT_HEADER_SIZE);
	if (r->info.flags != 0)
		return fail(r, "header: unknown flags 0x%x", r->info.flags);
	if (r->info.file_size != r->size)
		return fail(r, "header: file size %llu, but %llu bytes are present (truncated or padded)",
			    (unsigned long long)r->info.file_size,
			    (unsigned long long)r->size);
	if (get32(b + RFX_HDR_RESERVED) != 0)
		return fail(r, "header: reserved field is not 0");
	crc = rfx_crc32(0, b + RFX_FORMAT_HEADER_SIZE,
			(size_t)(r->size - RFX_FORMAT_HEADER_SIZE));
	if (crc != r->info.crc32)
		return fail(r, "header: CRC-32 0x%08x, computed 0x%08x (corrupted)",
			    r->info.crc32, crc);

	/* Sections: canonical places, inside the file, zero gaps. */
	for (int s = 0; s < RFX_SEC_COUNT; s++) {
		const unsigned char *d =
			b + RFX_HDR_SECTIONS + s * RFX_HDR_SECTION_SIZE;
		uint64_t off = r->info.sections[s].offset;
		uint64_t sz = r->info.sections[s].size;
		uint64_t want = align_up(at, s == RFX_SEC_WEIGHTS
						     ? RFX_FORMAT_ALIGN
						     : RFX_FORMAT_TABLE_ALIGN);

		if (get32(d + 20) != 0)
			return fail(r, "header: %s section: reserved field is not 0",
				    rfx_section_name(s));
		if (off != want)
			return fail(r, "header: %s section at offset %llu, expected %llu",
				    rfx_section_name(s), (unsigned long long)off,
				    (unsigned long long)want);
		if (want > r->size || sz > r->size - want)
			return fail(r, "header: %s section of %llu bytes at %llu runs past the end (%llu)",
				    rfx_section_name(s), (unsigned long long)sz,
				    (unsigned long long)off,
				    (unsigned long long)r->size);
		if (!all_zero(b + at, want - at))
			return fail(r, "header: nonzero padding before the %s section",
				    rfx_section_name(s));
		r->sec[s] = b + off;
		at = off + sz;
	}
	if (at != r->size)
		return fail(r, "header: %llu bytes after the weights section",
			    (unsigned long long)(r->size - at));
	return RFX_OK;
}

/* A table section's size must be count entries of `entry` bytes. */
static rfx_status check_table(reader *r, rfx_section s, uint32_t entry,
                              uint64_t max_count)
{
	uint32_t n = r->info.sections[s].count;

	if (n > max_count)
		return fail(r, "%s: count %u exceeds the maximum %llu",
			    rfx_section_name(s), n, (unsigned long long)max_count);
	if ((uint64_t)n * entry != r->info.sections[s].size)
		return fail(r, "%s: %u entries of %u bytes, but the section has %llu bytes",
			    rfx_section_name(s), n, entry,
			    (unsigned long long)r->info.sections[s].size);
	return RFX_OK;
}

static rfx_status read_strings(reader *r)
{
	uint64_t size = r->info.sections[RFX_SEC_STRINGS].size;
	uint32_t n = r->info.sections[RFX_SEC_STRINGS].count;
	const unsigned char *p = r->sec[RFX_SEC_STRINGS];
	uint64_t at = 0;

	if (size > UINT32_MAX)
		return fail(r, "strings: section of %llu bytes exceeds 4 GiB",
			    (unsigned long long)size);
	if (n > size) /* every string holds at least its NUL */
		return fail(r, "strings: count %u exceeds the %llu bytes of the section",
			    n, (unsigned long long)size);
	r->n_str = n;
	r->str_off = malloc(((size_t)n + 1) * sizeof(uint32_t));
	if (!r->str_off)
		return RFX_E_OUT_OF_MEMORY;
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *nul = memchr(p + at, 0, (size_t)(size - at));

		if (!nul)
			return fail(r, "strings: string %u is not NUL-terminated within the table",
				    i);
		r->str_off[i] = (uint32_t)at;
		at = (uint64_t)(nul - p) + 1;
	}
	if (at != size)
		return fail(r, "strings: %llu bytes after the last of %u strings",
			    (unsigned long long)(size - at), n);
	return RFX_OK;
}

/* String i, or NULL (message set) when out of range or out of order: the
 * k-th string reference of the file must name string k. */
static const char *string_at(reader *r, uint32_t i, const char *what,
                             rfx_status *st)
{
	if (i >= r->n_str) {
		*st = fail(r, "%s: string index %u out of range (%u strings)",
			   what, i, r->n_str);
		return NULL;
	}
	if (i != r->next_str) {
		*st = fail(r, "%s: string index %u, expected %u (strings are stored once, in order of use)",
			   what, i, r->next_str);
		return NULL;
	}
	r->next_str++;
	return (const char *)r->sec[RFX_SEC_STRINGS] + r->str_off[i];
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static rfx_status check_unique_names(reader *r)
{
	rfx_graph *g = r->g;
	uint32_t cap = 16, *slot;

	while (cap < 2ull * g->n_tensors)
		cap *= 2;
	slot = malloc((size_t)cap * sizeof(*slot));
	if (!slot)
		return RFX_E_OUT_OF_MEMORY;
	memset(slot, 0xff, (size_t)cap * sizeof(*slot));
	for (uint32_t i = 0; i < g->n_tensors; i++) {
		const char *name = g->tensors[i].name;
		uint32_t h = name_hash(name) & (cap - 1);

		while (slot[h] != UINT32_MAX) {
			if (strcmp(g->tensors[slot[h]].name, name) == 0) {
				rfx_status st = fail(r, "tensors: %u and %u share the name '%s'",
						     slot[h], i, name);
				free(slot);
				return st;
			}
			h = (h + 1) & (cap - 1);
		}
		slot[h] = i;
	}
	free(slot);
	return RFX_OK;
}

/* Quantization fields, once every tensor is decoded. */
static rfx_status check_quant(reader *r, uint32_t i)
{
	const rfx_graph *g = r->g;
	const rfx_tensor *t = &g->tensors[i];
	int isfloat = t->dtype == RFX_DTYPE_F32 || t->dtype == RFX_DTYPE_F16;

	if (!isfinite(t->scale) || t->scale < 0)
		return fail(r, "tensor %u '%s': scale %g is not finite and >= 0",
			    i, t->name, (double)t->scale);
	if (isfloat) {
		if (t->scale != 0 || t->zero_point != 0 || t->qaxis != 0 ||
		    t->channel_scales != RFX_FORMAT_NONE)
			return fail(r, "tensor %u '%s': quantization fields set on a %s tensor",
				    i, t->name, rfx_dtype_name(t->dtype));
		return RFX_OK;
	}
	if (t->channel_scales != RFX_FORMAT_NONE) {
		const rfx_tensor *s;

		if (t->channel_scales >= g->n_tensors)
			return fail(r, "tensor %u '%s': channel_scales names tensor %u of %u",
				    i, t->name, t->channel_scales, g->n_tensors);
		if (t->qaxis >= t->rank)
			return fail(r, "tensor %u '%s': qaxis %u not below rank %u",
				    i, t->name, t->qaxis, t->rank);
		s = &g->tensors[t->channel_scales];
		if (!(s->flags & RFX_TENSOR_CONST) || s->dtype != RFX_DTYPE_F32 ||
		    s->rank != 1 || s->dims[0] != t->dims[t->qaxis])
			return fail(r, "tensor %u '%s': channel_scales '%s' is not a constant f32 [%u]",
				    i, t->name, s->name, t->dims[t->qaxis]);
		if (t->scale != 0 || t->zero_point != 0)
			return fail(r, "tensor %u '%s': per-channel tensor with a per-tensor scale or zero point",
				    i, t->name);
		return RFX_OK;
	}
	if (t->qaxis != 0)
		return fail(r, "tensor %u '%s': qaxis %u without channel scales",
			    i, t->name, t->qaxis);
	if (t->dtype == RFX_DTYPE_I8 &&
	    (t->scale <= 0 || t->zero_point < -128 || t->zero_point > 127))
		return fail(r, "tensor %u '%s': i8 needs scale > 0 and zero point in -128..127",
			    i, t->name);
	if (t->dtype == RFX_DTYPE_U8 && (t->zero_point < 0 || t->zero_point > 255))
		return fail(r, "tensor %u '%s': u8 zero point %d outside 0..255",
			    i, t->name, (int)t->zero_point);
	if (t->dtype == RFX_DTYPE_I32 && t->zero_point != 0)
		return fail(r, "tensor %u '%s': i32 zero point must be 0", i, t->name);
	return RFX_OK;
}

static rfx_status read_tensors(reader *r, uint64_t *blob_at, uint32_t *n_blob)
{
	rfx_graph *g = r->g;
	uint64_t blob = r->info.sections[RFX_SEC_WEIGHTS].size;
	rfx_status st = RFX_OK;

	for (uint32_t i = 0; i < g->n_tensors; i++) {
		const unsigned char *p = r->sec[RFX_SEC_TENSORS] +
					 (uint64_t)i * RFX_FORMAT_TENSOR_SIZE;
		rfx_tensor *t = &g->tensors[i];
		uint64_t off = get64(p + 56), size = get64(p + 64);

		t->name = string_at(r, get32(p), "tensors", &st);
		if (!t->name)
			return st;
		if (!*t->name)
			return fail(r, "tensor %u: empty name", i);
		t->dtype = (rfx_dtype)get32(p + 4);
		t->flags = get32(p + 8);
		t->rank = get32(p + 12);
		if (rfx_dtype_size(t->dtype) == 0)
			return fail(r, "tensor %u '%s': unknown dtype %u", i,
				    t->name, (unsigned)t->dtype);
		if (t->flags & ~(RFX_TENSOR_INPUT | RFX_TENSOR_OUTPUT |
				 RFX_TENSOR_CONST))
			return fail(r, "tensor %u '%s': unknown flags 0x%x", i,
				    t->name, t->flags);
		if ((t->flags & RFX_TENSOR_CONST) &&
		    (t->flags & (RFX_TENSOR_INPUT | RFX_TENSOR_OUTPUT)))
			return fail(r, "tensor %u '%s': a constant cannot be a graph input or output",
				    i, t->name);
		if (t->rank > RFX_MAX_RANK)
			return fail(r, "tensor %u '%s': rank %u > %u", i,
				    t->name, t->rank, RFX_MAX_RANK);
		for (uint32_t d = 0; d < RFX_MAX_RANK; d++) {
			t->dims[d] = get32(p + 16 + 4 * d);
			if (d < t->rank && (t->dims[d] < 1 || t->dims[d] > RFX_MAX_DIM))
				return fail(r, "tensor %u '%s': dim %u is %u, outside 1..%u",
					    i, t->name, d, t->dims[d], RFX_MAX_DIM);
			if (d >= t->rank && t->dims[d] != 1)
				return fail(r, "tensor %u '%s': unused dim %u is %u, must be 1",
					    i, t->name, d, t->dims[d]);
		}
		if (rfx_tensor_elements(t) > RFX_MAX_ELEMENTS)
			return fail(r, "tensor %u '%s': %llu elements, more than %llu",
				    i, t->name,
				    (unsigned long long)rfx_tensor_elements(t),
				    (unsigned long long)RFX_MAX_ELEMENTS);
		t->scale = getf(p + 40);
		t->zero_point = (int32_t)get32(p + 44);
		t->qaxis = get32(p + 48);
		t->channel_scales = get32(p + 52);
		if (!(t->flags & RFX_TENSOR_CONST)) {
			if (off || size)
				return fail(r, "tensor %u '%s': data offset/size on a non-constant",
					    i, t->name);
			continue;
		}
		if (size != rfx_tensor_bytes(t))
			return fail(r, "tensor %u '%s': data size %llu, its shape needs %llu",
				    i, t->name, (unsigned long long)size,
				    (unsigned long long)rfx_tensor_bytes(t));
		if (off % RFX_FORMAT_ALIGN)
			return fail(r, "tensor %u '%s': data offset %llu is not %u-byte aligned",
				    i, t->name, (unsigned long long)off,
				    RFX_FORMAT_ALIGN);
		if (off > blob || size > blob - off)
			return fail(r, "tensor %u '%s': data [%llu, +%llu) runs past the weights (%llu bytes)",
				    i, t->name, (unsigned long long)off,
				    (unsigned long long)size, (unsigned long long)blob);
		if (off < *blob_at)
			return fail(r, "tensor %u '%s': data at %llu overlaps the previous constant (ending at %llu)",
				    i, t->name, (unsigned long long)off,
				    (unsigned long long)*blob_at);
		if (off != align_up(*blob_at, RFX_FORMAT_ALIGN))
			return fail(r, "tensor %u '%s': data at %llu leaves a gap after %llu",
				    i, t->name, (unsigned long long)off,
				    (unsigned long long)*blob_at);
		if (!all_zero(r->sec[RFX_SEC_WEIGHTS] + *blob_at, off - *blob_at))
			return fail(r, "tensor %u '%s': nonzero padding before its data",
				    i, t->name);
		t->data = r->sec[RFX_SEC_WEIGHTS] + off;
		t->size = size;
		*blob_at = off + size;
		(*n_blob)++;
	}
	for (uint32_t i = 0; i < g->n_tensors; i++)
		if ((st = check_quant(r, i)))
			return st;
	return check_unique_names(r);
}

static rfx_status read_layers(reader *r, uint32_t *indices)
{
	rfx_graph *g = r->g;
	uint32_t n_idx = r->info.sections[RFX_SEC_INDICES].count, first = 0;
	rfx_status st = RFX_OK;

	for (uint32_t k = 0; k < n_idx; k++)
		indices[k] = get32(r->sec[RFX_SEC_INDICES] + 4ull * k);
	for (uint32_t i = 0; i < g->n_layers; i++) {
		const unsigned char *p = r->sec[RFX_SEC_LAYERS] +
					 (uint64_t)i * RFX_FORMAT_LAYER_SIZE;
		rfx_layer *l = &g->layers[i];

		l->op = (rfx_op)get32(p);
		l->precision = (rfx_dtype)get32(p + 4);
		l->name = string_at(r, get32(p + 8), "layers", &st);
		if (!l->name)
			return st;
		l->n_inputs = get32(p + 12);
		l->n_outputs = get32(p + 16);
		if (l->op < RFX_OP_CONV2D || l->op >= RFX_OP_COUNT_)
			return fail(r, "layer %u '%s': unknown op %u", i,
				    l->name, (unsigned)l->op);
		if (l->n_inputs > RFX_MAX_LAYER_INPUTS || l->n_outputs != 1)
			return fail(r, "layer %u '%s': %u inputs and %u outputs (at most %u, exactly 1)",
				    i, l->name, l->n_inputs, l->n_outputs,
				    RFX_MAX_LAYER_INPUTS);
		if (get32(p + 20) != first)
			return fail(r, "layer %u '%s': index run starts at %u, expected %u",
				    i, l->name, get32(p + 20), first);
		if (l->n_inputs + 1 > n_idx - first)
			return fail(r, "layer %u '%s': index run past the %u indices",
				    i, l->name, n_idx);
		l->inputs = indices + first;
		l->outputs = indices + first + l->n_inputs;
		first += l->n_inputs + 1;
		for (int k = 0; k < RFX_LAYER_IATTRS; k++)
			l->i[k] = (int32_t)get32(p + 24 + 4 * k);
		for (int k = 0; k < RFX_LAYER_FATTRS; k++)
			l->f[k] = getf(p + 88 + 4 * k);
	}
	if (first != n_idx)
		return fail(r, "indices: %u entries, the layers use %u", n_idx, first);
	return RFX_OK;
}

/* Graph inputs or outputs: in range, unique, exactly the flagged ones. */
static rfx_status read_io(reader *r, rfx_section s, uint32_t *list,
                          uint32_t flag, unsigned char *seen)
{
	rfx_graph *g = r->g;
	uint32_t n = r->info.sections[s].count, flagged = 0;
	const char *what = rfx_section_name(s);

	if (n < 1)
		return fail(r, "%s: the graph has none", what);
	memset(seen, 0, g->n_tensors);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t t = get32(r->sec[s] + 4ull * k);

		if (t >= g->n_tensors)
			return fail(r, "%s: entry %u names tensor %u of %u", what,
				    k, t, g->n_tensors);
		if (seen[t])
			return fail(r, "%s: tensor '%s' listed twice", what,
				    g->tensors[t].name);
		if (!(g->tensors[t].flags & flag))
			return fail(r, "%s: tensor '%s' is not flagged as one",
				    what, g->tensors[t].name);
		seen[t] = 1;
		list[k] = t;
	}
	for (uint32_t t = 0; t < g->n_tensors; t++)
		flagged += (g->tensors[t].flags & flag) != 0;
	if (flagged != n)
		return fail(r, "%s: %u tensors flagged, %u listed", what,
			    flagged, n);
	return RFX_OK;
}

/* Execution order, single producers, and each layer's shape rule. */
static rfx_status check_dataflow(reader *r, unsigned char *ready)
{
	const rfx_graph *g = r->g;
	char msg[256];

	for (uint32_t t = 0; t < g->n_tensors; t++)
		ready[t] = (g->tensors[t].flags &
			    (RFX_TENSOR_CONST | RFX_TENSOR_INPUT)) != 0;
	for (uint32_t i = 0; i < g->n_layers; i++) {
		const rfx_layer *l = &g->layers[i];
		const rfx_tensor *y;
		rfx_tensor want;
		uint32_t o;

		for (uint32_t k = 0; k < l->n_inputs; k++) {
			if (l->inputs[k] >= g->n_tensors)
				return fail(r, "layer %u '%s': input %u names tensor %u of %u",
					    i, l->name, k, l->inputs[k], g->n_tensors);
			if (!ready[l->inputs[k]])
				return fail(r, "layer %u '%s': reads '%s' before any layer writes it (cycle or bad order)",
					    i, l->name, g->tensors[l->inputs[k]].name);
		}
		o = l->outputs[0];
		if (o >= g->n_tensors)
			return fail(r, "layer %u '%s': output names tensor %u of %u",
				    i, l->name, o, g->n_tensors);
		y = &g->tensors[o];
		if (y->flags & (RFX_TENSOR_CONST | RFX_TENSOR_INPUT))
			return fail(r, "layer %u '%s': writes '%s', a constant or graph input",
				    i, l->name, y->name);
		if (ready[o])
			return fail(r, "layer %u '%s': writes '%s', already written by an earlier layer",
				    i, l->name, y->name);
		if (rfx_layer_infer(g, l, &want, msg, sizeof(msg)) != RFX_OK)
			return fail(r, "layer %u '%s': %s", i, l->name, msg);
		if (want.dtype != y->dtype || want.rank != y->rank ||
		    memcmp(want.dims, y->dims, sizeof(want.dims)) != 0)
			return fail(r, "layer %u '%s': output '%s' is recorded as %s rank %u [%u,%u,%u,%u,%u,%u], the %s rule gives %s rank %u [%u,%u,%u,%u,%u,%u]",
				    i, l->name, y->name, rfx_dtype_name(y->dtype),
				    y->rank, y->dims[0], y->dims[1], y->dims[2],
				    y->dims[3], y->dims[4], y->dims[5],
				    rfx_op_name(l->op), rfx_dtype_name(want.dtype),
				    want.rank, want.dims[0], want.dims[1],
				    want.dims[2], want.dims[3], want.dims[4],
				    want.dims[5]);
		ready[o] = 1;
	}
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if (!ready[t])
			return fail(r, "tensor %u '%s': no layer writes it", t,
				    g->tensors[t].name);
	for (uint32_t k = 0; k < g->n_outputs; k++)
		if (g->tensors[g->outputs[k]].flags & RFX_TENSOR_INPUT)
			return fail(r, "outputs: '%s' is a graph input, not written by a layer",
				    g->tensors[g->outputs[k]].name);
	return RFX_OK;
}

/* A file says the lowest version that holds its layers (the writer's
 * rule): a version-1 file with a version-2 activation, or a version-2 file
 * with none, cannot come from the writer and is refused. */
static rfx_status check_version(reader *r)
{
	uint32_t layer = 0, need = rfx_format_version_of(r->g, &layer);

	if (r->info.version == need)
		return RFX_OK;
	if (r->info.version < need)
		return fail(r, "layer %u '%s': activation %s needs format version "
			    "%u, the file says %u", layer, r->g->layers[layer].name,
			    rfx_act_name(RFX_ACT_SWISH), need, r->info.version);
	return fail(r, "header: format version %u, but nothing in the file needs "
		    "more than %u (files say the lowest version that holds them)",
		    r->info.version, need);
}

/* Values in input.mean / input.std: the channels of an image input 0 (rank
 * 4, 1..4 channels), else 4. The writer uses the same rule. */
static uint32_t meta_channels(const rfx_graph *g)
{
	const rfx_tensor *t = &g->tensors[g->inputs[0]];

	if (t->rank == 4 && t->dims[1] >= 1 && t->dims[1] <= 4)
		return t->dims[1];
	return 4;
}

static rfx_status read_meta_value(reader *r, const unsigned char *p,
                                  rfx_meta_key key, uint32_t count,
                                  uint64_t *blob_at, uint32_t *n_blob)
{
	rfx_meta *m = &r->g->meta;
	const char *name = rfx_meta_key_name(key);
	uint64_t blob = r->info.sections[RFX_SEC_WEIGHTS].size;
	rfx_status st = RFX_OK;
	const char *s;

	switch (rfx_meta_key_type(key)) {
	case RFX_META_STRING:
		if (!all_zero(p + 4, 12))
			return fail(r, "metadata %s: unused value bytes", name);
		s = string_at(r, get32(p), name, &st);
		if (!s)
			return st;
		if (key == RFX_MK_LABELS) {
			uint32_t n = rfx_labels_count(s);

			if (n == 0 || n != count)
				return fail(r, "metadata labels: %u labels recorded, the list has %u (empty labels are not allowed)",
					    count, n);
			m->labels = s;
			m->n_labels = n;
			return RFX_OK;
		}
		if (count != 1)
			return fail(r, "metadata %s: count %u, expected 1", name, count);
		if (key == RFX_MK_COLOR) {
			if (strcmp(s, "rgb") != 0 && strcmp(s, "bgr") != 0)
				return fail(r, "metadata input.color: '%s' is not rgb or bgr", s);
			m->color = s;
		} else if (key == RFX_MK_LAYOUT) {
			if (strcmp(s, "NCHW") != 0)
				return fail(r, "metadata input.layout: '%s' is not NCHW", s);
			m->layout = s;
		} else if (key == RFX_MK_CONVERTER) {
			m->converter = s;
		} else {
			m->source_name = s;
		}
		return RFX_OK;
	case RFX_META_F32: {
		float *dst = key == RFX_MK_SCALE ? &m->scale
			     : key == RFX_MK_MEAN ? m->mean : m->std;
		uint32_t max = key == RFX_MK_SCALE ? 1 : 4;

		uint32_t nonzero = 0;

		if (key != RFX_MK_SCALE)
			max = meta_channels(r->g);
		if (count != max)
			return fail(r, "metadata %s: count %u, expected %u", name, count, max);
		if (!all_zero(p + 4 * count, 16 - 4 * count))
			return fail(r, "metadata %s: unused value bytes", name);
		for (uint32_t k = 0; k < count; k++) {
			float v = getf(p + 4 * k);

			if (!isfinite(v) || (key != RFX_MK_MEAN && v <= 0))
				return fail(r, "metadata %s: value %u (%g) must be finite%s",
					    name, k, (double)v,
					    key != RFX_MK_MEAN ? " and > 0" : "");
			dst[k] = v;
			nonzero |= v != 0;
		}
		if (!nonzero)
			return fail(r, "metadata %s: all zero (omit it instead)", name);
		return RFX_OK;
	}
	case RFX_META_U32:
		if (count != 2 || !all_zero(p + 8, 8))
			return fail(r, "metadata %s: expected 2 values (width, height)", name);
		m->input_w = get32(p);
		m->input_h = get32(p + 4);
		if (m->input_w < 1 || m->input_w > RFX_MAX_DIM ||
		    m->input_h < 1 || m->input_h > RFX_MAX_DIM)
			return fail(r, "metadata %s: %ux%u outside 1..%u", name,
				    m->input_w, m->input_h, RFX_MAX_DIM);
		return RFX_OK;
	case RFX_META_U64:
		if (count != 1 || !all_zero(p + 8, 8))
			return fail(r, "metadata %s: expected one u64", name);
		m->source_hash = get64(p);
		if (!m->source_hash)
			return fail(r, "metadata %s: zero (omit it instead)", name);
		return RFX_OK;
	case RFX_META_BYTES: {
		uint64_t off = get64(p), size = get64(p + 8);

		if (count != 1)
			return fail(r, "metadata %s: count %u, expected 1", name, count);
		if (off % RFX_FORMAT_ALIGN || off > blob || size > blob - off)
			return fail(r, "metadata %s: bytes [%llu, +%llu) misaligned or past the weights (%llu bytes)",
				    name, (unsigned long long)off,
				    (unsigned long long)size, (unsigned long long)blob);
		if (off != align_up(*blob_at, RFX_FORMAT_ALIGN) ||
		    !all_zero(r->sec[RFX_SEC_WEIGHTS] + *blob_at, off - *blob_at))
			return fail(r, "metadata %s: bytes at %llu overlap or leave a gap after %llu",
				    name, (unsigned long long)off,
				    (unsigned long long)*blob_at);
		*blob_at = off + size;
		(*n_blob)++;
		if (key == RFX_MK_GOLDEN_INPUT) {
			m->golden_input = r->sec[RFX_SEC_WEIGHTS] + off;
			m->golden_input_size = size;
		} else {
			m->golden_output = r->sec[RFX_SEC_WEIGHTS] + off;
			m->golden_output_size = size;
		}
		return RFX_OK;
	}
	}
	return fail(r, "metadata %s: bad type", name);
}

static rfx_status read_meta(reader *r, uint64_t *blob_at, uint32_t *n_blob)
{
	const rfx_graph *g = r->g;
	const rfx_meta *m = &g->meta;
	uint32_t n = r->info.sections[RFX_SEC_META].count, seen = 0;
	rfx_status st = RFX_OK;

	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *p = r->sec[RFX_SEC_META] +
					 (uint64_t)i * RFX_FORMAT_META_SIZE;
		const char *keyname = string_at(r, get32(p), "metadata", &st);
		rfx_meta_key key;

		if (!keyname)
			return st;
		key = rfx_meta_key_find(keyname);
		if (key == RFX_MK_COUNT)
			return fail(r, "metadata: unknown key '%s'", keyname);
		if (seen >> key)
			return fail(r, "metadata: key '%s' repeated or out of order", keyname);
		seen |= 1u << key;
		if (get32(p + 4) != (uint32_t)rfx_meta_key_type(key))
			return fail(r, "metadata %s: type %u, expected %u", keyname,
				    get32(p + 4), (unsigned)rfx_meta_key_type(key));
		if (get32(p + 12) != 0)
			return fail(r, "metadata %s: reserved field is not 0", keyname);
		if ((st = read_meta_value(r, p + 16, key, get32(p + 8), blob_at, n_blob)))
			return st;
	}
	if (r->next_str != r->n_str)
		return fail(r, "strings: %u strings, %u referenced", r->n_str,
			    r->next_str);
	if (!!m->golden_input != !!m->golden_output)
		return fail(r, "metadata: a golden input without output, or the reverse");
	if (m->golden_input) {
		uint64_t in = rfx_tensor_bytes(&g->tensors[g->inputs[0]]);
		uint64_t out = rfx_tensor_bytes(&g->tensors[g->outputs[0]]);

		if (m->golden_input_size != in || m->golden_output_size != out)
			return fail(r, "metadata: golden pair of %llu and %llu bytes, input 0 and output 0 hold %llu and %llu",
				    (unsigned long long)m->golden_input_size,
				    (unsigned long long)m->golden_output_size,
				    (unsigned long long)in, (unsigned long long)out);
	}
	if (m->labels &&
	    m->n_labels > rfx_tensor_elements(&g->tensors[g->outputs[0]]))
		return fail(r, "metadata labels: %u labels for %llu output values",
			    m->n_labels,
			    (unsigned long long)rfx_tensor_elements(&g->tensors[g->outputs[0]]));
	return RFX_OK;
}

/* One allocation for the arrays the graph owns. */
static rfx_status alloc_arena(reader *r)
{
	rfx_graph *g = r->g;
	size_t nt = r->info.sections[RFX_SEC_TENSORS].count;
	size_t nl = r->info.sections[RFX_SEC_LAYERS].count;
	size_t ni = r->info.sections[RFX_SEC_INDICES].count;
	size_t nin = r->info.sections[RFX_SEC_INPUTS].count;
	size_t nout = r->info.sections[RFX_SEC_OUTPUTS].count;
	/* Counts were checked against section sizes, so these stay far below
	 * SIZE_MAX: each is at most a small multiple of the file size. */
	size_t a_t = nt * sizeof(rfx_tensor);
	size_t a_l = nl * sizeof(rfx_layer);
	size_t a_i = (ni + nin + nout) * sizeof(uint32_t);
	unsigned char *p = calloc(1, a_t + a_l + a_i + nt + 1);

	if (!p)
		return RFX_E_OUT_OF_MEMORY;
	g->arena = p;
	g->tensors = (rfx_tensor *)p;
	g->layers = (rfx_layer *)(p + a_t);
	g->inputs = (uint32_t *)(p + a_t + a_l);
	g->outputs = g->inputs + nin;
	g->n_tensors = (uint32_t)nt;
	g->n_layers = (uint32_t)nl;
	g->n_inputs = (uint32_t)nin;
	g->n_outputs = (uint32_t)nout;
	return RFX_OK;
}

rfx_status rfx_format_read(const void *bytes, size_t size, rfx_graph *out,
                           char *err, size_t errlen)
{
	reader r;
	rfx_graph g;
	uint64_t blob_at = 0;
	uint32_t n_blob = 0, *indices;
	unsigned char *scratch;
	rfx_status st;

	if (err && errlen)
		err[0] = '\0';
	if (!bytes || !out)
		return RFX_E_INVALID_ARGUMENT;
	memset(out, 0, sizeof(*out));
	if ((uintptr_t)bytes % RFX_FORMAT_ALIGN) {
		if (err && errlen)
			snprintf(err, errlen, "rfx_format_read: bytes not %u-byte aligned",
				 RFX_FORMAT_ALIGN);
		return RFX_E_INVALID_ARGUMENT;
	}
	memset(&r, 0, sizeof(r));
	memset(&g, 0, sizeof(g));
	r.b = bytes;
	r.size = size;
	r.g = &g;
	r.err = err;
	r.errlen = errlen;

	if ((st = read_header(&r)) ||
	    (st = check_table(&r, RFX_SEC_TENSORS, RFX_FORMAT_TENSOR_SIZE, RFX_MAX_TENSORS)) ||
	    (st = check_table(&r, RFX_SEC_LAYERS, RFX_FORMAT_LAYER_SIZE, RFX_MAX_LAYERS)) ||
	    (st = check_table(&r, RFX_SEC_INDICES, 4,
			      (uint64_t)RFX_MAX_LAYERS * (RFX_MAX_LAYER_INPUTS + 1))) ||
	    (st = check_table(&r, RFX_SEC_INPUTS, 4, RFX_MAX_TENSORS)) ||
	    (st = check_table(&r, RFX_SEC_OUTPUTS, 4, RFX_MAX_TENSORS)) ||
	    (st = check_table(&r, RFX_SEC_META, RFX_FORMAT_META_SIZE, RFX_FORMAT_MAX_META)))
		goto out;
	if (r.info.sections[RFX_SEC_LAYERS].count < 1) {
		st = fail(&r, "layers: the graph has none");
		goto out;
	}
	if ((st = read_strings(&r)) || (st = alloc_arena(&r)))
		goto out;
	/* The arena's tail: index runs, then a per-tensor scratch byte. */
	indices = g.outputs + g.n_outputs;
	scratch = (unsigned char *)(indices + r.info.sections[RFX_SEC_INDICES].count);
	if ((st = read_tensors(&r, &blob_at, &n_blob)) ||
	    (st = read_layers(&r, indices)) ||
	    (st = read_io(&r, RFX_SEC_INPUTS, g.inputs, RFX_TENSOR_INPUT, scratch)) ||
	    (st = read_io(&r, RFX_SEC_OUTPUTS, g.outputs, RFX_TENSOR_OUTPUT, scratch)) ||
	    (st = check_dataflow(&r, scratch)) ||
	    (st = check_version(&r)) ||
	    (st = read_meta(&r, &blob_at, &n_blob)))
		goto out;
	if (blob_at != r.info.sections[RFX_SEC_WEIGHTS].size) {
		st = fail(&r, "weights: %llu bytes, the data placed in it ends at %llu",
			  (unsigned long long)r.info.sections[RFX_SEC_WEIGHTS].size,
			  (unsigned long long)blob_at);
		goto out;
	}
	if (n_blob != r.info.sections[RFX_SEC_WEIGHTS].count) {
		st = fail(&r, "weights: count %u, %u items placed",
			  r.info.sections[RFX_SEC_WEIGHTS].count, n_blob);
		goto out;
	}
	*out = g;
out:
	free(r.str_off);
	if (st != RFX_OK)
		rfx_graph_finish(&g);
	return st;
}
