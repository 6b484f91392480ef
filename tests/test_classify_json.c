/* A strict JSON reader for the rfx-classify tests (see the header). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_classify_json.h"

#define MAX_DEPTH 64

struct parser {
	const char *s, *p;
	char *err;
	size_t errlen;
	int failed;
};

static void fail(struct parser *ps, const char *why)
{
	if (!ps->failed)
		snprintf(ps->err, ps->errlen, "%s at offset %td", why, ps->p - ps->s);
	ps->failed = 1;
}

static void ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static jval *new_val(jtype t)
{
	jval *v = calloc(1, sizeof(*v));
	if (v)
		v->t = t;
	return v;
}

static int push(jval *v, jval *item, char *key)
{
	jval **items = realloc(v->items, (v->n + 1) * sizeof(*items));
	if (!items)
		return -1;
	v->items = items;
	if (v->t == J_OBJ) {
		char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			return -1;
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = item;
	return 0;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static char *string(struct parser *ps)
{
	/* Escapes only shrink: the raw length bounds the result. */
	const char *start = ++ps->p;
	size_t cap = 1;
	for (const char *q = start; *q && *q != '"'; q++)
		cap += (*q == '\\' && q[1]) ? (q++, 2) : 1;
	char *out = malloc(cap + 4), *o = out;
	if (!out) {
		fail(ps, "out of memory");
		return NULL;
	}
	for (;;) {
		unsigned char c = (unsigned char)*ps->p;
		if (c == '"') {
			ps->p++;
			break;
		}
		if (c < 0x20) {
			fail(ps, c ? "control character in string" : "unterminated string");
			free(out);
			return NULL;
		}
		if (c != '\\') {
			*o++ = (char)c;
			ps->p++;
			continue;
		}
		char e = ps->p[1];
		ps->p += 2;
		switch (e) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(ps->p, &cp) != 0) {
				fail(ps, "bad \\u escape");
				free(out);
				return NULL;
			}
			ps->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && ps->p[0] == '\\' &&
			    ps->p[1] == 'u' && hex4(ps->p + 2, &lo) == 0 &&
			    lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				ps->p += 6;
			}
			o += put_utf8(o, cp);
			break;
		}
		default:
			fail(ps, "bad escape");
			free(out);
			return NULL;
		}
	}
	*o = '\0';
	return out;
}

/* The JSON number grammar, checked before strtod. */
static int number(struct parser *ps, double *out)
{
	const char *q = ps->p;
	if (*q == '-')
		q++;
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (isdigit((unsigned char)*q))
			q++;
	else
		return -1;
	if (*q == '.') {
		q++;
		if (!isdigit((unsigned char)*q))
			return -1;
		while (isdigit((unsigned char)*q))
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!isdigit((unsigned char)*q))
			return -1;
		while (isdigit((unsigned char)*q))
			q++;
	}
	*out = strtod(ps->p, NULL);
	ps->p = q;
	return 0;
}

static jval *value(struct parser *ps, int depth)
{
	jval *v = NULL;

	ws(ps);
	if (depth > MAX_DEPTH) {
		fail(ps, "nested too deep");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
	case '[': {
		int obj = *ps->p == '{';
		char close = obj ? '}' : ']';
		ps->p++;
		if (!(v = new_val(obj ? J_OBJ : J_ARR)))
			goto oom;
		ws(ps);
		if (*ps->p == close) {
			ps->p++;
			return v;
		}
		for (;;) {
			char *key = NULL;
			ws(ps);
			if (obj) {
				if (*ps->p != '"') {
					fail(ps, "expected a key");
					goto bad;
				}
				if (!(key = string(ps)))
					goto bad;
				ws(ps);
				if (*ps->p != ':') {
					free(key);
					fail(ps, "expected ':'");
					goto bad;
				}
				ps->p++;
			}
			jval *item = value(ps, depth + 1);
			if (!item || push(v, item, key) != 0) {
				json_free(item);
				free(key);
				goto bad;
			}
			ws(ps);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p == close) {
				ps->p++;
				return v;
			}
			fail(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
			goto bad;
		}
	}
	case '"':
		if (!(v = new_val(J_STR)))
			goto oom;
		if (!(v->str = string(ps)))
			goto bad;
		return v;
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = {"true", "false", "null"};
		for (int i = 0; i < 3; i++)
			if (strncmp(ps->p, words[i], strlen(words[i])) == 0) {
				ps->p += strlen(words[i]);
				if (!(v = new_val(i == 2 ? J_NULL : J_BOOL)))
					goto oom;
				v->b = i == 0;
				return v;
			}
		fail(ps, "bad literal");
		return NULL;
	}
	default:
		if (!(v = new_val(J_NUM)))
			goto oom;
		if (number(ps, &v->num) != 0) {
			fail(ps, "bad value");
			goto bad;
		}
		return v;
	}
oom:
	fail(ps, "out of memory");
bad:
	json_free(v);
	return NULL;
}

jval *json_parse(const char *s, char *err, size_t errlen)
{
	struct parser ps = {s, s, err, errlen, 0};
	jval *v = value(&ps, 0);

	if (!v)
		return NULL;
	ws(&ps);
	if (*ps.p) {
		fail(&ps, "trailing characters");
		json_free(v);
		return NULL;
	}
	return v;
}

void json_free(jval *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		json_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

const jval *json_get(const jval *v, const char *key)
{
	if (!v || v->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return v->items[i];
	return NULL;
}

const jval *json_at(const jval *v, size_t i)
{
	if (!v || v->t != J_ARR || i >= v->n)
		return NULL;
	return v->items[i];
}
