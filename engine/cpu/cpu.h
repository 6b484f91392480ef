/*
 * cpu.h — the CPU reference executor: what every layer must compute (see
 * the precision rules at the top of executor.c).
 *
 * Every op works on float arrays: the executor hands it f32 views of its
 * inputs (F16 tensors are widened once, when written) and an f32 output
 * array, and rounds that array to fp16 afterwards when the output tensor is
 * F16. Shapes come from the tensors, already checked by rfx_layer_infer().
 *
 * int8 layers (graph/quant.h) have their own functions, named <op>_i8 and
 * kept beside the op's float code: they read and write the tensors' int8
 * storage (in_raw, out_raw) with the layer's integer parameters (q).
 * QUANTIZE reads the f32 view and writes int8; DEQUANTIZE the reverse.
 */
#ifndef RFX_CPU_CPU_H
#define RFX_CPU_CPU_H

#include "graph/graph.h"
#include "graph/quant_layer.h"

/* One layer's operands, prepared at session creation. */
typedef struct rfx_cpu_args {
	const rfx_layer *layer;
	uint32_t n_in;
	const rfx_tensor *in_t[RFX_MAX_LAYER_INPUTS];
	const float *in[RFX_MAX_LAYER_INPUTS];
	const rfx_tensor *out_t;
	float *out;
	/* Storage in each tensor's own dtype (int8 layers). */
	const void *in_raw[RFX_MAX_LAYER_INPUTS];
	void *out_raw;
	const rfx_quant_layer *q; /* int8 parameters (NULL for float layers) */
	int32_t *acc;             /* int32 scratch shared by all layers */
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
void rfx_cpu_quantize(const rfx_cpu_args *a);
void rfx_cpu_dequantize(const rfx_cpu_args *a);

/* int8 forms (graph/quant.h). conv2d_i8 uses a->acc: one output plane. */
void rfx_cpu_conv2d_i8(const rfx_cpu_args *a);
void rfx_cpu_fc_i8(const rfx_cpu_args *a);
void rfx_cpu_pool2d_i8(const rfx_cpu_args *a);
void rfx_cpu_global_pool_i8(const rfx_cpu_args *a);
void rfx_cpu_binary_i8(const rfx_cpu_args *a);
void rfx_cpu_unary_i8(const rfx_cpu_args *a);
void rfx_cpu_concat_i8(const rfx_cpu_args *a);
void rfx_cpu_reshape_i8(const rfx_cpu_args *a);
void rfx_cpu_transpose_i8(const rfx_cpu_args *a);
void rfx_cpu_pad_i8(const rfx_cpu_args *a);

/* The output step every int8 op ends with: clamp(v + zp, lo, hi) in
 * exact integers. */
static inline int8_t rfx_cpu_i8_out(int32_t v, const rfx_quant_layer *q)
{
	int64_t r = (int64_t)v + q->out_zp;

	return (int8_t)(r < q->lo ? q->lo : r > q->hi ? q->hi : r);
}

/* activation.c: the same formulas as shaders/activation.glsl. */
float rfx_cpu_act(float v, rfx_act act, float a0, float a1);
/* y[k] = act(y[k]) for k < n. */
void rfx_cpu_act_n(float *y, uint64_t n, rfx_act act, float a0, float a1);

/* The executor: per-tensor storage allocated once, layers run in order. */
typedef struct rfx_cpu_session rfx_cpu_session;

/* Checks that the CPU executor can run g (every layer's shape rule, the
 * execution order, supported precisions) and allocates all storage. g must
 * outlive the session. On failure writes a message into err. Statuses:
 * RFX_OK, RFX_E_FORMAT (inconsistent graph, bad quantization fields),
 * RFX_E_UNSUPPORTED (a layer with no int8 form, float layers reading int8),
 * RFX_E_OUT_OF_MEMORY. */
rfx_status rfx_cpu_session_create(const rfx_graph *g, rfx_cpu_session **out,
                                  char *err, size_t errlen);
void rfx_cpu_session_destroy(rfx_cpu_session *s);

/* A tensor's storage in its own dtype (F32: float, F16: uint16_t fp16
 * bits, I8: int8_t): for graph inputs, what the caller writes; for outputs, what it
 * reads. NULL for a bad index. */
void *rfx_cpu_session_tensor(rfx_cpu_session *s, uint32_t tensor);

/* Runs every layer once, reading the graph inputs' storage. Allocates
 * nothing. */
void rfx_cpu_session_run(rfx_cpu_session *s);

#endif
