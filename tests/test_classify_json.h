/* A strict JSON reader (RFC 8259) for the rfx-classify tests: its --json
 * output must parse, and the test reads values back from it. Small and
 * slow, for test data only. */
#ifndef RFX_TEST_CLASSIFY_JSON_H
#define RFX_TEST_CLASSIFY_JSON_H

#include <stddef.h>

typedef enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
	jtype t;
	int b;
	double num;
	char *str;           /* J_STR: UTF-8, NUL-terminated */
	size_t n;            /* J_ARR, J_OBJ: items */
	struct jval **items;
	char **keys;         /* J_OBJ */
} jval;

/* Parses exactly one value filling all of s (whitespace around it
 * allowed). NULL on any error, with the reason and offset in err. */
jval *json_parse(const char *s, char *err, size_t errlen);
void json_free(jval *v);

/* Member of an object (NULL if absent or v is not an object). */
const jval *json_get(const jval *v, const char *key);
/* Item of an array (NULL if out of range or v is not an array). */
const jval *json_at(const jval *v, size_t i);

#endif
