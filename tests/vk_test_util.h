/* What the Vulkan tests share, so each says only what it tests:
 *
 *   building graphs: random constants, a convolution's attributes, the small
 *     classifier (conv stack -> global average -> fc -> softmax) and its
 *     .rfx bytes (test_session_vk.c, test_concurrency.c, test_hostile.c);
 *   a graph run on Vulkan without the file format, next to the CPU
 *     reference (test_vk_ops.c, test_vk_variants.c, the int8 suites);
 *   the float comparison of the two (test_vk_ops.c, test_vk_variants.c).
 *
 * Every helper fails the running test on an error, with `what` in the
 * message where it takes one. */
#ifndef RFX_TEST_VK_TEST_UTIL_H
#define RFX_TEST_VK_TEST_UTIL_H

#include "check_util.h"
#include "core/model.h"
#include "cpu/cpu.h"
#include "graph/builder.h"
#include "vk/plan.h"

/* ---- building graphs ---------------------------------------------------- */

/* A constant of values uniform in [-scale, scale] from *seed, stored as dt
 * (F32, or F16 rounded from the same values). */
uint32_t test_rand_const(rfx_builder *b, const char *name, rfx_dtype dt,
                         uint32_t rank, const uint32_t *dims, float scale,
                         uint32_t *seed);

/* A CONV2D layer's attributes: `stride` on both axes, `pad` on all four
 * sides, dilation 1, group 1, activation `act` (its parameters untouched). */
void test_conv_attrs(rfx_layer *l, int32_t stride, int32_t pad, int act);

/* A POOL2D layer's attributes: `kind`, the kernel and dilation given,
 * strides 1-3, each padding below half the kernel, ceil mode and
 * count_include_pad drawn from *seed. test_pool_name() writes them after
 * `what` and the input's shape xd, for a failure's message. */
void test_pool_attrs(rfx_layer *l, int kind, uint32_t kh, uint32_t kw,
                     uint32_t dh, uint32_t dw, uint32_t *seed);
void test_pool_name(const rfx_layer *l, const char *what, rfx_dtype prec,
                    const uint32_t xd[4], char *out, size_t len);

/* Appends a classifier head to y ([1, width, H, W]): global average pool
 * "gap", reshape "flatten" to [1, width], fc "fc" of `classes` outputs
 * (fc.w uniform in [-1, 1], fc.b in [-0.1, 0.1], from *seed), softmax.
 * Returns the "prob" tensor; the caller makes it an output. */
uint32_t test_classifier_head(rfx_builder *b, uint32_t y, uint32_t width,
                              uint32_t classes, uint32_t *seed);

/* Starts b as input "image" [1, 3, size, size] -> conv0 (3x3, stride 2)
 * -> conv1 .. conv<convs-1> (3x3, stride 1), each `width` channels, pad 1
 * and ReLU, weights from *seed -> the classifier head of 10 classes, "prob"
 * the output. b stays open (a golden pair may be added). */
void test_conv_net(rfx_builder *b, uint32_t size, uint32_t width,
                   uint32_t convs, uint32_t *seed);

/* rfx_builder_finish. */
void test_finish(rfx_builder *b, rfx_graph *g, const char *what);
/* Infers l, makes y the output and finishes b into g. */
void test_finish_layer(rfx_builder *b, rfx_layer *l, uint32_t y, rfx_graph *g,
                       const char *what);
/* Finishes b and writes it as .rfx bytes (64-byte aligned, free()). */
void *test_model_bytes(rfx_builder *b, size_t *nbytes);

/* ---- a graph on Vulkan without a file ----------------------------------- */

/* The model and session of one graph, made straight from the rfx_graph (no
 * file, no reader), with no pipeline cache. The graph stays the caller's. */
typedef struct vk_test_run {
	rfx_model m;
	rfx_session s;
} vk_test_run;

/* Uploads g's weights (a failure fails the test) and creates the session;
 * returns the session's status (on failure nothing is left to close). */
rfx_status vk_test_open(vk_test_run *r, rfx_context *ctx, const rfx_graph *g,
                        const char *what);
void vk_test_close(vk_test_run *r);
/* Copies every input from the CPU session cs (already filled) into r and
 * runs both sessions to completion. */
void vk_test_run_both(vk_test_run *r, rfx_cpu_session *cs, const rfx_graph *g);

/* ---- float graphs against the CPU reference ------------------------------ */

/* The contract of a float storage precision (test_vk_ops.c says why):
 * |got - want| <= abs + rel |want|. */
typedef struct vk_test_tol {
	double abs, rel;
} vk_test_tol;
vk_test_tol vk_test_tolerance(rfx_dtype prec);

/* The activation `act` with the parameters these tests use for it (unused
 * ones 0). */
void vk_test_set_act(rfx_layer *l, int slot, int act);

/* Runs g on the CPU reference and on Vulkan with the same inputs, uniform
 * in [-1, 1] from *seed, and compares every output element within tol (NaN
 * on both sides agrees). With `variant` set it is forced
 * (RFX_FORCE_VARIANT) and layer `layer` must run it. Consumes (finishes) g. */
void vk_test_check_float(rfx_context *ctx, rfx_graph *g, uint32_t *seed,
                         vk_test_tol tol, const char *variant, uint32_t layer,
                         const char *what);

/* The index of g's layer named `name` (the test fails without one). */
uint32_t vk_test_layer_index(const rfx_graph *g, const char *name);
/* No two tensors the plan p gives bytes of their own (views folded into
 * their roots) share a byte while both live: lifetimes recomputed from g's
 * layers, a layer's inputs read at the layer its work runs in, run_in[l]
 * (NULL: each layer in its own). */
void vk_test_check_disjoint(const rfx_graph *g, const rfx_plan *p,
                            const uint32_t *run_in);

#endif
