/*
 * quant_layer.h — the integers an int8 layer runs on, derived once from the
 * float scales of its tensors (the formulas are in graph/quant.h). The CPU
 * reference and the Vulkan session both take them from here, so the two
 * backends requantize with the same multipliers by construction.
 */
#ifndef RFX_GRAPH_QUANT_LAYER_H
#define RFX_GRAPH_QUANT_LAYER_H

#include <stddef.h>

#include "graph/graph.h"
#include "graph/quant.h"

typedef struct rfx_quant_layer {
	/* Per input, in layer order (CONV2D: x at 0, residual at 3). */
	int32_t in_zp[RFX_MAX_LAYER_INPUTS];
	/* The input's rescale: to the output scale (POOL2D, GLOBAL_POOL,
	 * UNARY, CONCAT), to the sum scale s_y / T (BINARY ADD/SUB, CONV2D
	 * residual); BINARY MUL: in_rq[0] is the product's s_a s_b / s_y. */
	rfx_requant in_rq[RFX_MAX_LAYER_INPUTS];
	rfx_requant sum_rq;  /* 1/T: sum scale -> output scale */
	int has_sum;         /* ADD/SUB and residual CONV2D use sum_rq */
	int32_t out_zp;
	int32_t lo, hi;      /* output clamp, the fused activation included */
	float inv_scale;     /* QUANTIZE: rfx_quant_inv_scale(s_y) */
	float scale;         /* DEQUANTIZE: s_x */
	int32_t pad_value;   /* PAD: Q(f0) */
	/* CONV2D, FC: per output channel. */
	uint32_t channels;
	int32_t *bias;       /* bias_q[c] */
	rfx_requant *ch_rq;  /* acc -> output (-> sum scale with a residual) */
	int32_t *w_sum;      /* sum of the channel's weights (wrapping int32):
	                        kernels that sum x * w instead of (x - z_x) * w
	                        subtract z_x * w_sum */
} rfx_quant_layer;

/* Whether layer l runs on int8 parameters: precision I8, QUANTIZE or
 * DEQUANTIZE. */
int rfx_quant_layer_is_int8(const rfx_layer *l);

/*
 * Derives l's parameters into *q (zeroed first; per-channel arrays
 * allocated). l must already satisfy its shape rule. For a float layer it
 * only checks that no activation input is I8 and leaves *q zeroed.
 * Statuses: RFX_OK; RFX_E_FORMAT (bad quantization fields: an I8 tensor
 * with scale <= 0 or not finite, a zero point outside -128..127, weights
 * with a zero point or bad channel scales); RFX_E_UNSUPPORTED (an op,
 * activation or dtype mix that has no int8 form, see quant.h, or a
 * multiplier out of range); RFX_E_OUT_OF_MEMORY. err names the layer.
 */
rfx_status rfx_quant_layer_init(const rfx_graph *g, const rfx_layer *l,
                                 rfx_quant_layer *q, char *err, size_t errlen);

/* Frees the per-channel arrays; NULL and zeroed structs are allowed. */
void rfx_quant_layer_finish(rfx_quant_layer *q);

#endif
