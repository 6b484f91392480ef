/*
 * cpu.h — the CPU reference executor: what every layer must compute (see
 * the precision rules at the top of executor.c).
 *
 * Every op works on float arrays: the executor hands it f32 views of its
 * inputs (F16 tensors are widened once, when written) and an f32 output
 * array, and rounds that array to fp16 afterwards when the output tensor is
 * F16. Shapes come from the tensors, already checked by rfx_layer_infer().
 */
#ifndef RFX_CPU_CPU_H
#define RFX_CPU_CPU_H

#include "graph/graph.h"

/* One layer's operands, prepared at session creation. */
typedef struct rfx_cpu_args {
	const rfx_layer *layer;
	uint32_t n_in;
	const rfx_tensor *in_t[RFX_MAX_LAYER_INPUTS];
	const float *in[RFX_MAX_LAYER_INPUTS];
	const rfx_tensor *out_t;
	float *out;
} rfx_cpu_args;

/* One function per op, in the file named like the op. */
void rfx_cpu_conv2d(const rfx_cpu_args *a);
void rfx_cpu_fc(const rfx_cpu_args *a);
void rfx_cpu_pool2d(const rfx_cpu_args *a);
void rfx_cpu_global_pool(const rfx_cpu_args *a);
void rfx_cpu_binary(const rfx_cpu_args *a);
void rfx_cpu_unary(const rfx_cpu_args *a);
void rfx_cpu_concat(const rfx_cpu_args *a);
void rfx_cpu_reshape(const rfx_cpu_args *a);
void rfx_cpu_transpose(const rfx_cpu_args *a);
void rfx_cpu_pad(const rfx_cpu_args *a);
void rfx_cpu_softmax(const rfx_cpu_args *a);
void rfx_cpu_reduce_mean(const rfx_cpu_args *a);

/* activation.c: the same formulas as shaders/activation.glsl. */
float rfx_cpu_act(float v, rfx_act act, float a0, float a1);
/* y[k] = act(y[k]) for k < n. */
void rfx_cpu_act_n(float *y, uint64_t n, rfx_act act, float a0, float a1);

/* The executor: per-tensor storage allocated once, layers run in order. */
typedef struct rfx_cpu_session rfx_cpu_session;

/* Checks that the CPU executor can run g (every layer's shape rule, the
 * execution order, supported precisions) and allocates all storage. g must
 * outlive the session. On failure writes a message into err. Statuses:
 * RFX_OK, RFX_E_FORMAT (inconsistent graph), RFX_E_UNSUPPORTED (int8 layers,
 * non-float activations), RFX_E_OUT_OF_MEMORY. */
rfx_status rfx_cpu_session_create(const rfx_graph *g, rfx_cpu_session **out,
                                  char *err, size_t errlen);
void rfx_cpu_session_destroy(rfx_cpu_session *s);

/* A tensor's storage in its own dtype (F32: float, F16: uint16_t fp16
 * bits): for graph inputs, what the caller writes; for outputs, what it
 * reads. NULL for a bad index. */
void *rfx_cpu_session_tensor(rfx_cpu_session *s, uint32_t tensor);

/* Runs every layer once, reading the graph inputs' storage. Allocates
 * nothing. */
void rfx_cpu_session_run(rfx_cpu_session *s);

#endif
