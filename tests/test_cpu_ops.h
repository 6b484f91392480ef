/* Helpers shared by the CPU executor suites: one-layer graphs built with
 * the builder and run through rfx_session_* on a CPU context. */
#ifndef RFX_TEST_CPU_OPS_H
#define RFX_TEST_CPU_OPS_H

#include "check_util.h"
#include "core/model.h"
#include "graph/builder.h"

typedef struct net {
	rfx_context *ctx;
	rfx_model model;
	rfx_session *s;
} net;

/* Finishes the builder into a model on a fresh CPU context and creates a
 * session (asserting success). */
void net_open(net *n, rfx_builder *b);
/* Like net_open, returning the session status (s NULL on failure). */
rfx_status net_try_open(net *n, rfx_builder *b, int golden_check);
void net_close(net *n);
/* Input i as floats (asserts F32 and `count` elements). */
float *net_input(net *n, uint32_t i, uint64_t count);
/* Runs once and returns output 0 (asserts F32 and `count` elements). */
const float *net_run(net *n, uint64_t count);

/* count random floats in [lo, hi) (malloc'd; free with free()). */
float *rand_array(uint32_t *seed, uint64_t count, float lo, float hi);

/* Adds a layer writing a new tensor "y" (shape from the rule). */
rfx_layer *one_layer(rfx_builder *b, rfx_op op, const uint32_t *inputs,
                     uint32_t n_inputs);
/* Infers the layer's output, marks it as the graph output, opens the net. */
void finish_one(net *n, rfx_builder *b, rfx_layer *l);

#endif
