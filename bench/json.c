/* The JSON writer (json.h). */
#include <inttypes.h>
#include <math.h>

#include "json.h"

void bench_json_init(bench_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->count[0] = 0;
	j->inline_level = BENCH_JSON_DEPTH + 1;
	j->err = 0;
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void indent(bench_json *j, int depth)
{
	fputc('\n', j->f);
	for (int i = 0; i < depth; i++)
		fputs("  ", j->f);
}

/* The separator, indentation and key before a value. */
static void lead(bench_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->count[j->depth]++)
			fputc(',', j->f);
		if (j->depth < j->inline_level)
			indent(j, j->depth);
		else if (j->count[j->depth] > 1)
			fputc(' ', j->f);
	}
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_(bench_json *j, const char *key, char open, char close, int inl)
{
	lead(j, key);
	fputc(open, j->f);
	if (j->depth + 1 >= BENCH_JSON_DEPTH) {
		j->err = 1;
		return;
	}
	j->depth++;
	j->count[j->depth] = 0;
	j->close[j->depth] = close;
	if (inl && j->depth < j->inline_level)
		j->inline_level = j->depth;
}

void bench_json_object(bench_json *j, const char *key)
{
	open_(j, key, '{', '}', 0);
}

void bench_json_array(bench_json *j, const char *key)
{
	open_(j, key, '[', ']', 0);
}

void bench_json_array_inline(bench_json *j, const char *key)
{
	open_(j, key, '[', ']', 1);
}

void bench_json_end(bench_json *j)
{
	if (j->depth == 0) {
		j->err = 1;
		return;
	}
	if (j->count[j->depth] && j->depth < j->inline_level)
		indent(j, j->depth - 1);
	fputc(j->close[j->depth], j->f);
	if (j->inline_level == j->depth)
		j->inline_level = BENCH_JSON_DEPTH + 1;
	j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void bench_json_str(bench_json *j, const char *key, const char *s)
{
	lead(j, key);
	if (s)
		put_string(j->f, s);
	else
		fputs("null", j->f);
}

void bench_json_u64(bench_json *j, const char *key, uint64_t v)
{
	lead(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void bench_json_i64(bench_json *j, const char *key, int64_t v)
{
	lead(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void bench_json_f64(bench_json *j, const char *key, double v)
{
	lead(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.15g", v);
	else
		fputs("null", j->f);
}

void bench_json_bool(bench_json *j, const char *key, int v)
{
	lead(j, key);
	fputs(v ? "true" : "false", j->f);
}

void bench_json_null(bench_json *j, const char *key)
{
	lead(j, key);
	fputs("null", j->f);
}

void bench_json_u64_or_null(bench_json *j, const char *key, uint64_t v)
{
	if (v == UINT64_MAX)
		bench_json_null(j, key);
	else
		bench_json_u64(j, key, v);
}
