/* Shared by the int8 converter tests (test_quantize*.c). */
#ifndef RFX_TEST_QUANTIZE_H
#define RFX_TEST_QUANTIZE_H

#include <check.h>

#include "convert/calibrate.h"
#include "graph/graph.h"

/* A sample source of seeded uniform inputs in [lo, hi]: sample k is the
 * same every time it is asked for. */
typedef struct tq_random {
	uint32_t seed;
	float lo, hi;
} tq_random;
void tq_random_source(tq_random *r, uint32_t count, rfx_sample_source *out);

/* Index of the tensor called name in g (fails the test if none). */
uint32_t tq_tensor(const rfx_graph *g, const char *name);
/* The layer writing tensor t, or NULL. */
const rfx_layer *tq_producer(const rfx_graph *g, uint32_t t);
/* Layers of op in g. */
uint32_t tq_count_op(const rfx_graph *g, rfx_op op);

/* Runs g on the CPU executor for one input (x, F32) and returns a malloc()ed
 * copy of its first output (F32) and the element count. */
float *tq_run_cpu(const rfx_graph *g, const float *x, uint64_t *n);

/* 10 log10(sum a^2 / sum (a - b)^2). */
double tq_sqnr(const float *a, const float *b, uint64_t n);

TCase *tq_pass_case(void);   /* test_quantize_pass.c */
TCase *tq_models_case(void); /* test_quantize_models.c */
TCase *tq_cli_case(void);
TCase *tq_vulkan_case(void);

#endif
