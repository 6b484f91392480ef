/* What the int8 Vulkan suites share (test_vk_int8.c, op by op, and
 * test_vk_int8_nets.c, whole networks): one Vulkan context and one seed
 * per test, random quantized tensors and weights, and the run of a graph
 * on both backends whose outputs must be byte-identical (the int8 contract
 * of graph/quant.h). */
#ifndef RFX_TEST_VK_INT8_UTIL_H
#define RFX_TEST_VK_INT8_UTIL_H

#include "vk_test_util.h"

extern rfx_context *ctx;  /* the test's Vulkan context (setup) */
extern uint32_t seed;     /* every random choice; reset by setup */
extern int use_dot;       /* the path under test: 0 forces RFX_NO_INT_DOT */
/* The kernel forced through RFX_FORCE_VARIANT, which every group-1 conv
 * layer must run, or with a depthwise kernel ("_dw" in its name) every
 * grouped one, with a pooling kernel ("pool...") every POOL2D (NULL: the
 * default choice, unchecked). */
extern const char *force_variant;
extern int dot_seen;      /* dispatches on the dot product in the last graph */
/* Non-zero: every bias 0 and fill_inputs() makes every I8 input -128;
 * weights(): 1: every weight of output channel m 127 or -128, alternating
 * with m (the largest sums); 2: the first 2/3 of each output
 * channel's weights +-63, the rest -+126 (sums that climb to a third of
 * the largest in steps of one size, then fall back in steps of twice
 * that: to 0 over a constant input when the count divides by 3). */
extern int extremes;

/* The checked fixture: the context and the seed; teardown also clears
 * RFX_NO_INT_DOT and fails on any validation message. */
void setup(void);
void teardown(void);

uint32_t rnd(uint32_t lo, uint32_t hi); /* inclusive */
/* A random scale: 2^-k in tie iterations, else in [2^-9, 2^-3). */
float rscale(int ties);
/* Sets tensor t's scale and zero point. */
void set_q(rfx_builder *b, uint32_t t, float scale, int32_t zp);
/* An I8 input of a random scale and zero point. */
uint32_t i8_input(rfx_builder *b, const char *name, uint32_t rank,
                  const uint32_t *dims, int ties);
/* An I8 activation tensor of the given quantization (shape inferred). */
uint32_t i8_tensor(rfx_builder *b, const char *name, float scale, int32_t zp);
/* Per-channel weights [M, ...] in [-128, 127] with their F32 scales (mean
 * in *mean_scale); bias I32 or F32 (either is allowed at I8). */
void weights(rfx_builder *b, const char *name, uint32_t rank,
             const uint32_t *dims, int ties, uint32_t *w, uint32_t *bias,
             float *mean_scale);
/* The output scale that spreads a dot product of K int8 terms over the
 * int8 range. */
float out_scale(float xs, float ws, uint32_t K, int ties);

/* Random inputs for the CPU session: I8 uniform; floats with exact halves
 * of a step, values beyond the range, the odd NaN or infinity. */
void fill_inputs(const rfx_graph *g, rfx_cpu_session *cs);
/* Runs g on both backends with the same random inputs; every output must
 * be byte-identical. Consumes (finishes) g. */
void check_graph(rfx_graph *g, const char *what);

#endif
