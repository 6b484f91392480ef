/* .npy reader and writer (see npy.h). The header is a Python dict literal;
 * this parser accepts exactly what NumPy writes and nothing surprising. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "graph/half.h"
#include "npy.h"

static rfx_status failf(char *err, size_t errlen, rfx_status st,
                        const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static rfx_status failf(char *err, size_t errlen, rfx_status st,
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

void rfx_npy_shape_str(uint32_t rank, const uint64_t *dims, char *buf,
                       size_t len)
{
	size_t n;

	if (!len)
		return;
	n = (size_t)snprintf(buf, len, "[");
	for (uint32_t d = 0; d < rank && n < len; d++)
		n += (size_t)snprintf(buf + n, len - n, d ? ",%llu" : "%llu",
				      (unsigned long long)dims[d]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
}

/* ------------------------------------------------------------------ */
/* Header: {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), } */

typedef struct parser {
	const char *p, *end;
} parser;

static void skip_ws(parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int accept(parser *ps, char c)
{
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == c) {
		ps->p++;
		return 1;
	}
	return 0;
}

/* A quoted string without escapes, at most cap-1 bytes. */
static int parse_str(parser *ps, char *buf, size_t cap)
{
	char q;
	size_t n = 0;

	skip_ws(ps);
	if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"'))
		return 0;
	q = *ps->p++;
	while (ps->p < ps->end && *ps->p != q) {
		if (*ps->p == '\\' || n + 1 >= cap)
			return 0;
		buf[n++] = *ps->p++;
	}
	if (ps->p >= ps->end)
		return 0;
	ps->p++;
	buf[n] = '\0';
	return 1;
}

static int parse_word(parser *ps, const char *w)
{
	size_t n = strlen(w);

	skip_ws(ps);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
		return 0;
	ps->p += n;
	return 1;
}

/* (), (5,), (1, 3, 224, 224): each dim a decimal <= RFX_NPY_MAX_ELEMENTS. */
static int parse_shape(parser *ps, uint32_t *rank, uint64_t *dims)
{
	*rank = 0;
	if (!accept(ps, '('))
		return 0;
	if (accept(ps, ')'))
		return 1;
	for (;;) {
		uint64_t v = 0;
		int digits = 0;

		skip_ws(ps);
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
			v = v * 10 + (uint64_t)(*ps->p++ - '0');
			if (v > RFX_NPY_MAX_ELEMENTS || ++digits > 12)
				return 0;
		}
		if (!digits || *rank >= RFX_NPY_MAX_RANK)
			return 0;
		if (ps->p < ps->end && *ps->p == 'L') /* Python 2 longs */
			ps->p++;
		dims[(*rank)++] = v;
		if (accept(ps, ')'))
			return 1;
		if (!accept(ps, ','))
			return 0;
		if (accept(ps, ')'))
			return 1;
	}
}

static rfx_status parse_header(const char *h, size_t len, rfx_npy *out,
                               int *fortran, char *err, size_t errlen)
{
	parser ps = {h, h + len};
	int have_descr = 0, have_order = 0, have_shape = 0;
	char key[32];

	if (!accept(&ps, '{'))
		return failf(err, errlen, RFX_E_FORMAT, "npy header: no '{'");
	while (!accept(&ps, '}')) {
		if (!parse_str(&ps, key, sizeof(key)) || !accept(&ps, ':'))
			return failf(err, errlen, RFX_E_FORMAT,
				     "npy header: expected 'key': at offset %zu",
				     (size_t)(ps.p - h));
		if (strcmp(key, "descr") == 0 && !have_descr) {
			if (!parse_str(&ps, out->descr, sizeof(out->descr)))
				return failf(err, errlen, RFX_E_UNSUPPORTED,
					     "npy header: 'descr' is not a simple dtype string");
			have_descr = 1;
		} else if (strcmp(key, "fortran_order") == 0 && !have_order) {
			if (parse_word(&ps, "True"))
				*fortran = 1;
			else if (parse_word(&ps, "False"))
				*fortran = 0;
			else
				return failf(err, errlen, RFX_E_FORMAT,
					     "npy header: 'fortran_order' is not True or False");
			have_order = 1;
		} else if (strcmp(key, "shape") == 0 && !have_shape) {
			if (!parse_shape(&ps, &out->rank, out->dims))
				return failf(err, errlen, RFX_E_FORMAT,
					     "npy header: 'shape' is not a tuple of at most %d dimensions of at most %llu",
					     RFX_NPY_MAX_RANK,
					     (unsigned long long)RFX_NPY_MAX_ELEMENTS);
			have_shape = 1;
		} else {
			return failf(err, errlen, RFX_E_FORMAT,
				     "npy header: unexpected or repeated key '%s'", key);
		}
		if (!accept(&ps, ',')) {
			if (!accept(&ps, '}'))
				return failf(err, errlen, RFX_E_FORMAT,
					     "npy header: expected ',' or '}' at offset %zu",
					     (size_t)(ps.p - h));
			break;
		}
	}
	skip_ws(&ps);
	if (ps.p != ps.end)
		return failf(err, errlen, RFX_E_FORMAT,
			     "npy header: bytes after the dictionary");
	if (!have_descr || !have_order || !have_shape)
		return failf(err, errlen, RFX_E_FORMAT,
			     "npy header: missing %s", !have_descr ? "'descr'"
			     : !have_order ? "'fortran_order'" : "'shape'");
	return RFX_OK;
}

/* ------------------------------------------------------------------ */

typedef enum kind { K_F2, K_F4, K_F8, K_I1, K_U1, K_I4, K_I8 } kind;

static const struct {
	const char *descr;
	kind k;
	size_t size;
} dtypes[] = {
	{"<f4", K_F4, 4}, {"<f2", K_F2, 2}, {"<f8", K_F8, 8}, {"<i8", K_I8, 8},
	{"<i4", K_I4, 4}, {"|i1", K_I1, 1}, {"|u1", K_U1, 1},
};

static uint64_t le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t k = n; k-- > 0;)
		v = v << 8 | p[k];
	return v;
}

static float convert(kind k, const unsigned char *p)
{
	uint64_t v;
	uint32_t u32;
	float f;
	double d;

	switch (k) {
	case K_F2: return rfx_f16_to_f32((uint16_t)le(p, 2));
	case K_F4:
		u32 = (uint32_t)le(p, 4);
		memcpy(&f, &u32, sizeof(f));
		return f;
	case K_F8:
		v = le(p, 8);
		memcpy(&d, &v, sizeof(d));
		return (float)d;
	case K_I1: return (float)(int8_t)p[0];
	case K_U1: return (float)p[0];
	case K_I4: return (float)(int32_t)(uint32_t)le(p, 4);
	case K_I8: return (float)(int64_t)le(p, 8);
	}
	return 0.0f;
}

rfx_status rfx_npy_read_memory(const void *bytes, size_t size, rfx_npy *out,
                               char *err, size_t errlen)
{
	const unsigned char *b = bytes;
	size_t hlen, data_at, item = 0;
	int fortran = 0, found = -1;
	char shape[128];
	rfx_status st;

	if (!out)
		return failf(err, errlen, RFX_E_INVALID_ARGUMENT, "npy: NULL argument");
	memset(out, 0, sizeof(*out));
	if (!bytes)
		return failf(err, errlen, RFX_E_INVALID_ARGUMENT, "npy: NULL argument");
	if (size < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
		return failf(err, errlen, RFX_E_FORMAT, "not a .npy file (bad magic)");
	if (b[6] == 1) {
		hlen = (size_t)le(b + 8, 2);
		data_at = 10;
	} else if (b[6] == 2 || b[6] == 3) {
		if (size < 12)
			return failf(err, errlen, RFX_E_FORMAT, "npy: truncated header");
		hlen = (size_t)le(b + 8, 4);
		data_at = 12;
	} else {
		return failf(err, errlen, RFX_E_UNSUPPORTED,
			     "npy: format version %u.%u is not supported", b[6], b[7]);
	}
	if (hlen > size - data_at)
		return failf(err, errlen, RFX_E_FORMAT,
			     "npy: header of %zu bytes runs past the end of the file",
			     hlen);
	st = parse_header((const char *)b + data_at, hlen, out, &fortran, err, errlen);
	if (st != RFX_OK)
		goto fail;
	data_at += hlen;
	if (fortran) {
		st = failf(err, errlen, RFX_E_UNSUPPORTED,
			   "npy: Fortran-order arrays are not supported (save a C-order copy)");
		goto fail;
	}
	for (size_t k = 0; k < sizeof(dtypes) / sizeof(dtypes[0]); k++)
		if (strcmp(out->descr, dtypes[k].descr) == 0)
			found = (int)k;
	if (found < 0) {
		st = failf(err, errlen, RFX_E_UNSUPPORTED,
			   "npy: dtype '%s' is not supported (%s; supported: <f4 <f2 <f8 <i8 <i4 |i1 |u1)",
			   out->descr, out->descr[0] == '>' ? "big-endian" : "unknown");
		goto fail;
	}
	item = dtypes[found].size;
	out->is_float = dtypes[found].k <= K_F8;
	out->count = 1;
	for (uint32_t d = 0; d < out->rank; d++) {
		/* each dim <= 2^31, the running product <= 2^31 */
		out->count *= out->dims[d];
		if (out->count > RFX_NPY_MAX_ELEMENTS) {
			st = failf(err, errlen, RFX_E_FORMAT,
				   "npy: more than %llu elements",
				   (unsigned long long)RFX_NPY_MAX_ELEMENTS);
			goto fail;
		}
	}
	if (size - data_at != out->count * item) {
		rfx_npy_shape_str(out->rank, out->dims, shape, sizeof(shape));
		st = failf(err, errlen, RFX_E_FORMAT,
			   "npy: %zu data bytes, but shape %s of '%s' needs %llu",
			   size - data_at, shape, out->descr,
			   (unsigned long long)(out->count * item));
		goto fail;
	}
	out->data = malloc(out->count ? (size_t)out->count * sizeof(float) : 1);
	if (!out->data) {
		st = failf(err, errlen, RFX_E_OUT_OF_MEMORY, "npy: out of memory");
		goto fail;
	}
	for (uint64_t k = 0; k < out->count; k++)
		out->data[k] = convert(dtypes[found].k, b + data_at + k * item);
	return RFX_OK;
fail:
	rfx_npy_finish(out);
	return st;
}

rfx_status rfx_npy_read_file(const char *path, rfx_npy *out, char *err,
                             size_t errlen)
{
	struct stat sb;
	unsigned char *buf = NULL;
	size_t size;
	rfx_status st;
	FILE *f;

	if (!out || !path)
		return failf(err, errlen, RFX_E_INVALID_ARGUMENT, "npy: NULL argument");
	memset(out, 0, sizeof(*out));
	f = fopen(path, "rb");
	if (!f)
		return failf(err, errlen, RFX_E_IO, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return failf(err, errlen, RFX_E_IO, "%s: not a regular file", path);
	}
	/* the largest valid file: 8-byte items, a 4 GiB header */
	if ((uint64_t)sb.st_size > RFX_NPY_MAX_ELEMENTS * 8 + (1ull << 32) + 12 ||
	    (uint64_t)sb.st_size > SIZE_MAX) {
		fclose(f);
		return failf(err, errlen, RFX_E_FORMAT, "%s: too large for a .npy array", path);
	}
	size = (size_t)sb.st_size;
	buf = malloc(size ? size : 1);
	if (!buf) {
		fclose(f);
		return failf(err, errlen, RFX_E_OUT_OF_MEMORY, "%s: out of memory", path);
	}
	if (fread(buf, 1, size, f) != size) {
		fclose(f);
		free(buf);
		return failf(err, errlen, RFX_E_IO, "%s: read error", path);
	}
	fclose(f);
	st = rfx_npy_read_memory(buf, size, out, err, errlen);
	free(buf);
	if (st != RFX_OK && err && errlen) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "%s: %s", path, msg);
	}
	return st;
}

void rfx_npy_finish(rfx_npy *a)
{
	if (!a)
		return;
	free(a->data);
	memset(a, 0, sizeof(*a));
}

rfx_status rfx_npy_write_f32(const char *path, const float *data,
                             uint32_t rank, const uint64_t *dims, char *err,
                             size_t errlen)
{
	char header[64 * 8];
	unsigned char chunk[4096];
	uint64_t count = 1;
	size_t n = 0, fill = 0;
	FILE *f;
	int ok;

	if (!path || (!data && rank) || (rank && !dims) || rank > RFX_NPY_MAX_RANK)
		return failf(err, errlen, RFX_E_INVALID_ARGUMENT, "npy: bad argument");
	for (uint32_t d = 0; d < rank; d++) {
		if (dims[d] > RFX_NPY_MAX_ELEMENTS ||
		    (count *= dims[d]) > RFX_NPY_MAX_ELEMENTS)
			return failf(err, errlen, RFX_E_INVALID_ARGUMENT,
				     "npy: more than %llu elements",
				     (unsigned long long)RFX_NPY_MAX_ELEMENTS);
	}
	/* Magic, version 1.0, header length, then the dict padded with
	 * spaces to a multiple of 64 bytes and ended by '\n'. */
	memcpy(header, "\x93NUMPY\x01\x00", 8);
	n = 10;
	n += (size_t)snprintf(header + n, sizeof(header) - n,
			      "{'descr': '<f4', 'fortran_order': False, 'shape': (");
	for (uint32_t d = 0; d < rank; d++)
		n += (size_t)snprintf(header + n, sizeof(header) - n,
				      d ? ", %llu" : "%llu", (unsigned long long)dims[d]);
	n += (size_t)snprintf(header + n, sizeof(header) - n, "%s), }",
			      rank == 1 ? "," : "");
	while ((n + 1) % 64 != 0)
		header[n++] = ' ';
	header[n++] = '\n';
	header[8] = (char)((n - 10) & 0xff);
	header[9] = (char)((n - 10) >> 8);

	f = fopen(path, "wb");
	if (!f)
		return failf(err, errlen, RFX_E_IO, "%s: %s", path, strerror(errno));
	ok = fwrite(header, 1, n, f) == n;
	for (uint64_t k = 0; ok && k < count; k++) {
		uint32_t u;
		memcpy(&u, &data[k], sizeof(u));
		for (int byte = 0; byte < 4; byte++)
			chunk[fill++] = (unsigned char)(u >> (8 * byte));
		if (fill == sizeof(chunk) || k + 1 == count) {
			ok = fwrite(chunk, 1, fill, f) == fill;
			fill = 0;
		}
	}
	if (fclose(f) != 0)
		ok = 0;
	if (!ok) {
		int e = errno;
		remove(path);
		return failf(err, errlen, RFX_E_IO, "%s: write failed: %s", path,
			     strerror(e));
	}
	return RFX_OK;
}
