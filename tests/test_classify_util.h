/* Helpers shared by the rfx-classify tests that run programs. */
#ifndef RFX_TEST_CLASSIFY_UTIL_H
#define RFX_TEST_CLASSIFY_UTIL_H

#include "test_classify_json.h"

/* A whole file as a NUL-terminated string (fails the test if unreadable). */
char *cls_test_read(const char *path);
/* Runs a shell command; returns its exit status (fails the test if it did
 * not exit). */
int cls_test_sh(const char *cmd);
/* Parses each line of text as JSON into lines[0..cap); fails the test on a
 * line that does not parse. Returns the count. */
int cls_test_json_lines(const char *text, jval **lines, int cap);
/* A number member (fails the test if absent). */
double cls_test_num(const jval *obj, const char *key);

#endif
