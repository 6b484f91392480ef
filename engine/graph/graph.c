/* Tensor sizes, names of dtypes/ops/activations, and freeing a graph. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"

size_t rfx_dtype_size(rfx_dtype dt)
{
	switch (dt) {
	case RFX_DTYPE_F32: return 4;
	case RFX_DTYPE_F16: return 2;
	case RFX_DTYPE_I8: return 1;
	case RFX_DTYPE_I32: return 4;
	case RFX_DTYPE_U8: return 1;
	}
	return 0;
}

const char *rfx_dtype_name(rfx_dtype dt)
{
	switch (dt) {
	case RFX_DTYPE_F32: return "f32";
	case RFX_DTYPE_F16: return "f16";
	case RFX_DTYPE_I8: return "i8";
	case RFX_DTYPE_I32: return "i32";
	case RFX_DTYPE_U8: return "u8";
	}
	return "unknown";
}

/* Saturates at UINT64_MAX, so a hostile shape can never wrap to a small
 * count; callers compare against RFX_MAX_ELEMENTS. */
uint64_t rfx_tensor_elements(const rfx_tensor *t)
{
	uint64_t n = 1;
	uint32_t rank = t->rank < RFX_MAX_RANK ? t->rank : RFX_MAX_RANK;

	for (uint32_t d = 0; d < rank; d++) {
		if (t->dims[d] != 0 && n > UINT64_MAX / t->dims[d])
			return UINT64_MAX;
		n *= t->dims[d];
	}
	return n;
}

uint64_t rfx_tensor_bytes(const rfx_tensor *t)
{
	uint64_t n = rfx_tensor_elements(t);
	size_t es = rfx_dtype_size(t->dtype);

	if (es == 0)
		return 0;
	if (n > UINT64_MAX / es)
		return UINT64_MAX;
	return n * es;
}

void rfx_graph_finish(rfx_graph *g)
{
	if (!g)
		return;
	free(g->arena);
	free(g->file_bytes);
	memset(g, 0, sizeof(*g));
}

const char *rfx_op_name(rfx_op op)
{
	switch (op) {
	case RFX_OP_CONV2D: return "conv2d";
	case RFX_OP_FC: return "fc";
	case RFX_OP_POOL2D: return "pool2d";
	case RFX_OP_GLOBAL_POOL: return "global_pool";
	case RFX_OP_BINARY: return "binary";
	case RFX_OP_UNARY: return "unary";
	case RFX_OP_CONCAT: return "concat";
	case RFX_OP_RESHAPE: return "reshape";
	case RFX_OP_TRANSPOSE: return "transpose";
	case RFX_OP_PAD: return "pad";
	case RFX_OP_SOFTMAX: return "softmax";
	case RFX_OP_REDUCE_MEAN: return "reduce_mean";
	case RFX_OP_QUANTIZE: return "quantize";
	case RFX_OP_DEQUANTIZE: return "dequantize";
	case RFX_OP_COUNT_: break;
	}
	return "unknown";
}

int rfx_act_slot(rfx_op op)
{
	switch (op) {
	case RFX_OP_CONV2D: return RFX_CONV_ACT;
	case RFX_OP_FC: return RFX_FC_ACT;
	case RFX_OP_BINARY: return RFX_BINARY_ACT;
	case RFX_OP_UNARY: return RFX_UNARY_ACT;
	default: return -1;
	}
}

const char *rfx_act_name(rfx_act act)
{
	switch (act) {
	case RFX_ACT_NONE: return "none";
	case RFX_ACT_RELU: return "relu";
	case RFX_ACT_CLIP: return "clip";
	case RFX_ACT_LEAKY_RELU: return "leaky_relu";
	case RFX_ACT_SIGMOID: return "sigmoid";
	case RFX_ACT_HARD_SIGMOID: return "hard_sigmoid";
	case RFX_ACT_HARD_SWISH: return "hard_swish";
	case RFX_ACT_TANH: return "tanh";
	case RFX_ACT_SWISH: return "swish";
	case RFX_ACT_COUNT_: break;
	}
	return "unknown";
}
