/* A small streaming JSON writer: keys and values in order, commas and
 * nesting handled here, non-finite numbers written as null. */
#ifndef RFX_BENCH_JSON_H
#define RFX_BENCH_JSON_H

#include <stdint.h>
#include <stdio.h>

#define BENCH_JSON_DEPTH 16

typedef struct bench_json {
	FILE *f;
	int depth;
	int count[BENCH_JSON_DEPTH]; /* values written at each level */
	char close[BENCH_JSON_DEPTH]; /* '}' or ']' */
	int inline_level;            /* levels >= this print on one line */
	int err;                     /* nesting misuse */
} bench_json;

void bench_json_init(bench_json *j, FILE *f);
/* key: the member name inside an object, NULL inside an array. */
void bench_json_object(bench_json *j, const char *key);
void bench_json_array(bench_json *j, const char *key);
/* An array whose elements go on one line (numbers). */
void bench_json_array_inline(bench_json *j, const char *key);
/* Closes the innermost object or array. */
void bench_json_end(bench_json *j);
void bench_json_str(bench_json *j, const char *key, const char *s);
void bench_json_u64(bench_json *j, const char *key, uint64_t v);
void bench_json_i64(bench_json *j, const char *key, int64_t v);
void bench_json_f64(bench_json *j, const char *key, double v);
void bench_json_bool(bench_json *j, const char *key, int v);
void bench_json_null(bench_json *j, const char *key);
/* A u64 that is BENCH_NONE (UINT64_MAX) when unknown: null then. */
void bench_json_u64_or_null(bench_json *j, const char *key, uint64_t v);

#endif
