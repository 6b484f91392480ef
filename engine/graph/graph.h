/*
 * graph.h — the in-memory model shared by the reader, the writer, the
 * converter, the CPU reference executor and the Vulkan backend.
 *
 * A graph is a list of tensors and a list of layers in execution order
 * (every layer reads only tensors that are constants, graph inputs, or
 * outputs of earlier layers). Activations are NCHW (rank-4 for image ops);
 * other ops take tensors up to RFX_MAX_RANK. Each layer has a fixed set of
 * integer and float attributes whose meaning depends on the op; the table
 * below is the single definition, used by the file format as well.
 */
#ifndef RFX_GRAPH_H
#define RFX_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "reflex.h"

/* Documented maxima (a denial-of-service defence: the reader rejects more). */
#define RFX_MAX_DIM (1u << 24)          /* any one dimension */
#define RFX_MAX_ELEMENTS (1ull << 31)   /* elements of one tensor */
#define RFX_MAX_TENSORS (1u << 20)
#define RFX_MAX_LAYERS (1u << 18)
#define RFX_MAX_LAYER_INPUTS 64
#define RFX_LAYER_IATTRS 16
#define RFX_LAYER_FATTRS 4

size_t rfx_dtype_size(rfx_dtype dt); /* 0 for an unknown dtype */
const char *rfx_dtype_name(rfx_dtype dt);

/* Tensor flags. */
#define RFX_TENSOR_INPUT 1u  /* a graph input, written by the caller */
#define RFX_TENSOR_OUTPUT 2u /* a graph output, read by the caller */
#define RFX_TENSOR_CONST 4u  /* data stored in the file (weights) */

typedef struct rfx_tensor {
	const char *name;
	rfx_dtype dtype;
	uint32_t flags;
	uint32_t rank;               /* 0..RFX_MAX_RANK; rank 0 is a scalar */
	uint32_t dims[RFX_MAX_RANK]; /* unused dims are 1 */
	/* Quantization (int8 tensors): real = scale * (q - zero_point).
	 * Per-channel weights: channel_scales != UINT32_MAX names an F32
	 * constant tensor of dims[qaxis] scales, and scale is unused. */
	float scale;
	int32_t zero_point;
	uint32_t qaxis;
	uint32_t channel_scales;
	/* Constants: the bytes, dims-packed row-major, and their count. */
	const void *data;
	uint64_t size;
} rfx_tensor;

typedef enum rfx_op {
	RFX_OP_CONV2D = 1,
	RFX_OP_FC,          /* fully connected (Gemm, MatMul with constant) */
	RFX_OP_POOL2D,      /* max or average pooling, with window */
	RFX_OP_GLOBAL_POOL, /* global average or max pooling over H, W */
	RFX_OP_BINARY,      /* elementwise add/sub/mul/div, broadcasting */
	RFX_OP_UNARY,       /* a standalone activation */
	RFX_OP_CONCAT,
	RFX_OP_RESHAPE,     /* Reshape/Flatten/Squeeze/Unsqueeze: a copy */
	RFX_OP_TRANSPOSE,
	RFX_OP_PAD,         /* constant padding */
	RFX_OP_SOFTMAX,
	RFX_OP_REDUCE_MEAN,
	RFX_OP_QUANTIZE,    /* float -> int8 with the output's scale/zero point */
	RFX_OP_DEQUANTIZE,  /* int8 -> float */
	RFX_OP_COUNT_
} rfx_op;

/* Activations, fused into CONV2D/FC/BINARY or standalone as UNARY. Their
 * parameters are f[0] and f[1] of the layer. */
typedef enum rfx_act {
	RFX_ACT_NONE = 0,
	RFX_ACT_RELU,
	RFX_ACT_CLIP,        /* min(max(x, f0), f1); ReLU6 is CLIP(0, 6) */
	RFX_ACT_LEAKY_RELU,  /* x < 0 ? f0 * x : x */
	RFX_ACT_SIGMOID,
	RFX_ACT_HARD_SIGMOID, /* max(0, min(1, f0 * x + f1)) */
	RFX_ACT_HARD_SWISH,   /* x * max(0, min(1, x / 6 + 1/2)) */
	RFX_ACT_TANH,
	RFX_ACT_SWISH,        /* x * sigmoid(x) (SiLU); format version 2 */
	RFX_ACT_COUNT_
} rfx_act;

typedef enum rfx_binary_kind {
	RFX_BINARY_ADD = 0,
	RFX_BINARY_SUB,
	RFX_BINARY_MUL,
	RFX_BINARY_DIV,
	RFX_BINARY_COUNT_
} rfx_binary_kind;

typedef enum rfx_pool_kind { RFX_POOL_MAX = 0, RFX_POOL_AVG = 1 } rfx_pool_kind;

/*
 * Attribute slots, per op (i[] integers, f[] floats). Unlisted slots are 0.
 *
 * CONV2D  in: x [N,C,H,W], w [M, C/group, kH, kW], b [M] (F32, may be
 *         zero), optional residual r [N,M,OH,OW] added before the activation.
 *         out: y [N,M,OH,OW], OH = (H + pt + pb - (dH*(kH-1)+1)) / sH + 1.
 *         i: STRIDE_H, STRIDE_W, PAD_T, PAD_L, PAD_B, PAD_R, DIL_H, DIL_W,
 *            GROUP, ACT.  f: activation parameters.
 * FC      in: x [..., K], w [N, K], b [N].  out: y [..., N].  i: ACT.
 * POOL2D  in: x [N,C,H,W].  out: y [N,C,OH,OW] (floor or ceil division).
 *         i: KIND, KERNEL_H, KERNEL_W, STRIDE_H, STRIDE_W, PAD_T, PAD_L,
 *            PAD_B, PAD_R, CEIL_MODE, COUNT_INCLUDE_PAD, DIL_H, DIL_W.
 *         Padded cells never win a max; an average divides by the cells
 *         inside the padded input when COUNT_INCLUDE_PAD, else by the cells
 *         inside the real input. Windows that ceil mode starts inside the
 *         padding are clipped to it.
 * GLOBAL_POOL  in: x [N,C,H,W].  out: [N,C,1,1].  i: KIND.
 * BINARY  in: a, b (numpy broadcasting; either may be a constant).
 *         out: the broadcast shape.  i: KIND, ACT.  f: activation params.
 * UNARY   in: x.  out: same shape.  i: ACT.  f: activation params.
 * CONCAT  in: 1..RFX_MAX_LAYER_INPUTS tensors of equal rank.  i: AXIS.
 * RESHAPE in: x.  out: same element count, any shape.  (no attributes)
 * TRANSPOSE in: x.  out: dims permuted.  i[0..rank-1]: PERM.
 * PAD     in: x.  out: dims[d] + begin[d] + end[d].  i[0..rank-1]: begins,
 *         i[rank..2*rank-1]: ends (rank <= 6, pads >= 0).  f[0]: value.
 * SOFTMAX in: x.  out: same shape.  i: AXIS, LEGACY.  LEGACY=0 normalizes
 *         along AXIS (opset >= 13); LEGACY=1 normalizes over all dims from
 *         AXIS to the last, flattened (opset < 13).
 * REDUCE_MEAN in: x.  out: reduced dims set to 1 (KEEPDIMS) or removed.
 *         i: AXES (bitmask of input dims), KEEPDIMS.
 * QUANTIZE in: x (F32/F16).  out: same shape, I8 (precision I8), with the
 *         output tensor's scale and zero point.  (no attributes)
 * DEQUANTIZE in: x (I8).  out: same shape, F32 or F16 (the precision).
 *         (no attributes)
 * int8 (precision I8; the definition is engine/graph/quant.h and the CPU
 * reference engine/cpu/, and the Vulkan kernels must equal it bit for bit):
 *  - activations: I8 per tensor, asymmetric: real = scale * (q - zero_point),
 *    zero_point in [-128, 127];
 *  - CONV2D/FC weights: I8, symmetric per output channel (zero_point 0,
 *    qaxis 0, channel_scales = an F32 constant of M scales); bias: I32
 *    constant, real = bias_q * x_scale * w_scale[c];
 *  - an I8 layer accumulates exactly in int32 and requantizes to its output
 *    scale with an integer multiplier and shift derived on the host, by one
 *    shared function, from the float scales in the file; fused ReLU/Clip
 *    are clamps in the integer domain. Other activations are not fused
 *    into I8 layers (the converter keeps such layers in float).
 *  - every activation input of an I8 layer is I8, and float layers read
 *    float activations only: QUANTIZE / DEQUANTIZE layers are the
 *    crossings. I8 RESHAPE, TRANSPOSE and PAD keep the input's scale and
 *    zero point on their output; CONV2D, FC, POOL2D, GLOBAL_POOL, BINARY
 *    (ADD, SUB, MUL), UNARY (NONE, RELU, CLIP) and CONCAT requantize to
 *    their output's. The exact formula of each is in graph/quant.h;
 *    SOFTMAX, REDUCE_MEAN and BINARY DIV have no I8 form.
 */
enum {
	RFX_CONV_STRIDE_H = 0, RFX_CONV_STRIDE_W, RFX_CONV_PAD_T, RFX_CONV_PAD_L,
	RFX_CONV_PAD_B, RFX_CONV_PAD_R, RFX_CONV_DIL_H, RFX_CONV_DIL_W,
	RFX_CONV_GROUP, RFX_CONV_ACT
};
enum { RFX_FC_ACT = 0 };
enum {
	RFX_POOL_KIND = 0, RFX_POOL_KERNEL_H, RFX_POOL_KERNEL_W,
	RFX_POOL_STRIDE_H, RFX_POOL_STRIDE_W, RFX_POOL_PAD_T, RFX_POOL_PAD_L,
	RFX_POOL_PAD_B, RFX_POOL_PAD_R, RFX_POOL_CEIL_MODE,
	RFX_POOL_COUNT_INCLUDE_PAD, RFX_POOL_DIL_H, RFX_POOL_DIL_W
};
enum { RFX_GPOOL_KIND = 0 };
enum { RFX_BINARY_KIND = 0, RFX_BINARY_ACT };
enum { RFX_UNARY_ACT = 0 };
enum { RFX_CONCAT_AXIS = 0 };
enum { RFX_SOFTMAX_AXIS = 0, RFX_SOFTMAX_LEGACY };
enum { RFX_REDUCE_AXES = 0, RFX_REDUCE_KEEPDIMS };

typedef struct rfx_layer {
	rfx_op op;
	rfx_dtype precision;   /* arithmetic: F32, F16 (fp16 storage), I8 */
	const char *name;      /* the source node's name, for messages */
	uint32_t n_inputs;
	uint32_t n_outputs;    /* always 1 today */
	uint32_t *inputs;      /* tensor indices */
	uint32_t *outputs;
	int32_t i[RFX_LAYER_IATTRS];
	float f[RFX_LAYER_FATTRS];
} rfx_layer;

/* Model metadata a user should not have to repeat. */
typedef struct rfx_meta {
	const char *labels;        /* class names, '\n'-separated; NULL if none */
	uint32_t n_labels;
	const char *color;         /* "rgb" or "bgr" */
	const char *layout;        /* "NCHW" */
	float scale;               /* pixel * scale, then (x - mean) / std */
	float mean[4], std[4];     /* per channel, in the model's colour order */
	uint32_t input_w, input_h; /* expected size of image input */
	const char *converter;     /* "rfx-convert 0.1.0" */
	const char *source_name;   /* the ONNX file's name */
	uint64_t source_hash;      /* FNV-1a 64 of the ONNX file's bytes */
	/* Optional golden pair (CPU reference answer), one input and one
	 * output, in the graph's first input/output dtype and shape. */
	const void *golden_input;
	uint64_t golden_input_size;
	const void *golden_output;
	uint64_t golden_output_size;
} rfx_meta;

typedef struct rfx_graph {
	uint32_t n_tensors;
	rfx_tensor *tensors;
	uint32_t n_layers;
	rfx_layer *layers;
	uint32_t n_inputs, n_outputs;
	uint32_t *inputs;  /* tensor indices, in declaration order */
	uint32_t *outputs;
	rfx_meta meta;
	/* Backing storage owned by the graph (strings, index arrays, and for a
	 * loaded file the file bytes that constant data points into). */
	void *arena;
	void *file_bytes;
} rfx_graph;

/* Element count of a tensor (product of dims over rank; 1 for rank 0),
 * saturating at UINT64_MAX; bytes likewise (0 for an unknown dtype). */
uint64_t rfx_tensor_elements(const rfx_tensor *t);
uint64_t rfx_tensor_bytes(const rfx_tensor *t);

/* Frees everything a graph owns, then zeroes it. NULL is allowed.
 * A graph owns exactly two blocks, each released with free(): `arena`, one
 * allocation holding the tensor, layer and index arrays (and, for a built
 * graph, names and constant data; see graph/builder.h), and `file_bytes`,
 * the bytes of a loaded file that names, metadata and constant data point
 * into (see format/rfx_format.h). */
void rfx_graph_finish(rfx_graph *g);

/*
 * Per-op rules, one file per op under engine/graph/ops/. Checks a layer's
 * attributes and input shapes and computes its output shape into *out
 * (dtype, rank, dims only). On failure writes a message naming the rule into
 * err (size errlen) and returns RFX_E_FORMAT. Used by the reader to check a
 * file, by the converter to infer shapes, and by the executors as the one
 * definition of each op's output.
 *
 * Common rules (engine/graph/ops/ops.c): n_outputs == 1; input and output
 * indices < g->n_tensors; precision is F32, F16 or I8 and is the output's
 * dtype; activation inputs are F32, F16 or I8 (any mix); attribute slots
 * not listed for the op must be 0; every output dim is 1..RFX_MAX_DIM and
 * the element count <= RFX_MAX_ELEMENTS. Weights (conv2d, fc) are constants:
 * F32 precision takes F32 w and b, F16 takes F16/F32 w and F32/F16 b, I8
 * takes I8 w and I32/F32 b. RESHAPE has no attributes: its target shape is
 * the recorded shape of its output tensor, which must hold as many elements.
 * POOL2D: each pad is less than the kernel extent dil*(k-1)+1; in ceil mode
 * a last window starting at or past H + pad_t is dropped (as PyTorch and
 * onnxruntime do).
 */
rfx_status rfx_layer_infer(const rfx_graph *g, const rfx_layer *l,
                           rfx_tensor *out, char *err, size_t errlen);

const char *rfx_op_name(rfx_op op);
const char *rfx_act_name(rfx_act act);
/* The attribute slot (i[]) of an op's activation, or -1 for an op that
 * has none (CONV2D, FC, BINARY and UNARY have one). */
int rfx_act_slot(rfx_op op);

#endif /* RFX_GRAPH_H */
