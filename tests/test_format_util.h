/* What the format suites share: the classifier of test_graph.c as a graph
 * and as file bytes, and little-endian field writers for patching a file
 * (test_format.c: round trips and the model API; test_format_hostile.c:
 * truncated, corrupted and hostile files). */
#ifndef RFX_TEST_FORMAT_UTIL_H
#define RFX_TEST_FORMAT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "test_graph.h"

/* tg_classifier() in fresh memory (free()). */
tg *classifier(void);
/* The classifier as file bytes (64-byte aligned, free()). */
unsigned char *classifier_bytes(size_t *size);
void wr32(unsigned char *p, uint32_t v);
void wr64(unsigned char *p, uint64_t v);

#endif
