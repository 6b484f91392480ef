/*
 * quantize.h — the int8 pass: an all-F32 rfx_graph becomes a graph whose
 * layers compute in int8 wherever the int8 arithmetic (engine/graph/
 * quant.h) can express them, with explicit QUANTIZE / DEQUANTIZE layers
 * where int8 and float meet.
 *
 * The pass works on the lowered graph rather than on the converter's IR:
 * the tensors it calibrates, the graph the CPU reference runs for the
 * accuracy report and the graph it rewrites are then one and the same,
 * indexed alike, and the pass serves any rfx_graph (a test can build one
 * with the builder) no matter which importer made it.
 *
 * 1. Split (rfx_quant_split): an activation int8 cannot fuse (anything but
 *    RELU and CLIP) is moved out of its CONV2D/FC/BINARY into a UNARY
 *    layer reading a new tensor "<y>:pre". In fp32 this is the same
 *    arithmetic bit for bit (the executor applies the activation to the
 *    stored f32 sum either way); it lets the convolution run in int8 and
 *    gives calibration the pre-activation tensor to watch. The split graph
 *    is the fp32 reference of everything that follows.
 *
 * 2. Plan (rfx_quant_plan_*): each activation tensor gets its int8 scale
 *    and zero point, from the model's own QDQ scales where it has them,
 *    else from the calibrated range (rfx_quant_range); each layer gets a
 *    precision, in order:
 *     - CONV2D, FC: I8 when the activation is NONE/RELU/CLIP, the weights
 *       and bias are F32 constants and every tensor involved has
 *       parameters;
 *     - BINARY ADD/SUB/MUL (NONE/RELU/CLIP) of two activations: I8 likewise;
 *     - CONCAT: I8 when one of its inputs is I8 and all have parameters;
 *     - POOL2D, GLOBAL_POOL, UNARY RELU/CLIP/NONE, RESHAPE, TRANSPOSE, PAD:
 *       I8 when their input is I8 (they follow it);
 *     - everything else (SOFTMAX, REDUCE_MEAN, DIV, sigmoid...) F32.
 *    Layers named in `demote` (mixed precision) are F16 instead, F32 if
 *    they write a graph output. Parameters that the arithmetic needs equal,
 *    or that gain nothing from a new scale, are copied from the input:
 *    RESHAPE, TRANSPOSE, PAD (required by quant.h), max pooling (its
 *    result is one of its inputs), average pooling unless the model's QDQ
 *    scales say otherwise (quant.h rounds the mean to the input's grid
 *    first: another grid would round twice). A CONCAT's output keeps its
 *    calibrated range, and each input that nothing else reads, produced
 *    by a requantizing I8 layer or quantized from float for the CONCAT
 *    alone, takes the CONCAT's parameters, so the CONCAT is a plain copy
 *    for it (no second rounding).
 *
 * 3. Build (rfx_quant_build): the graph through the builder. I8 CONV2D/FC
 *    weights become I8 constants, symmetric per output channel
 *    (rfx_quant_weights_per_channel, or the model's QDQ scales), with an
 *    F32 "<w>.scales" constant; the bias an I32 constant at
 *    x_scale * w_scale[c] (rfx_quant_bias). An I8 layer reading a float
 *    tensor reads "<t>:q", written by a QUANTIZE layer inserted once per
 *    tensor; a float layer reading an I8 tensor reads "<t>:f" from a
 *    DEQUANTIZE. Graph inputs and outputs stay F32 under their names: an
 *    I8 layer that writes a graph output writes "<y>:q" and a DEQUANTIZE
 *    writes y.
 */
#ifndef RFX_CONVERT_QUANTIZE_H
#define RFX_CONVERT_QUANTIZE_H

#include <stddef.h>
#include <stdint.h>

#include "convert/qdq.h"
#include "graph/graph.h"

/* The int8 parameters of one fp32 tensor. */
typedef struct rfx_quant_param {
	float scale;
	int32_t zero_point;
	uint8_t known;   /* 0: no range and no QDQ scale */
	uint8_t from_qdq;
} rfx_quant_param;

typedef struct rfx_quant_plan {
	uint32_t n_tensors, n_layers;  /* of the (split) fp32 graph */
	rfx_quant_param *base;         /* per tensor: from plan_params */
	rfx_quant_param *param;        /* per tensor: final (plan_decide) */
	rfx_dtype *precision;          /* per layer: I8, F16 or F32 */
	uint8_t *demote;               /* per layer: keep in fp16 */
	/* Scratch for plan_decide, per tensor: I8, readers. */
	uint8_t *i8;
	uint32_t *readers;
} rfx_quant_plan;

/* Step 1. *out is a new graph (the caller finishes it); *split counts the
 * activations moved out. */
rfx_status rfx_quant_split(const rfx_graph *fp, rfx_graph *out,
                           uint32_t *split, char *err, size_t errlen);

/* Step 2. init allocates for g (all unknown, all F32, nothing demoted). */
rfx_status rfx_quant_plan_init(rfx_quant_plan *p, const rfx_graph *g);
void rfx_quant_plan_finish(rfx_quant_plan *p);
/* Parameters: the model's QDQ activation scales (qdq may be NULL), then
 * for every tensor still unknown whose have[t] is set, the range
 * [lo[t], hi[t]] (lo/hi/have may be NULL). */
void rfx_quant_plan_params(rfx_quant_plan *p, const rfx_graph *g,
                           const rfx_qdq_table *qdq, const float *lo,
                           const float *hi, const uint8_t *have);
/* Precisions from the rules above and p->demote, then the copied and
 * unified parameters. Run after plan_params (again after changing
 * demote: it starts from the parameters plan_params set). */
void rfx_quant_plan_decide(rfx_quant_plan *p, const rfx_graph *g);

/* Step 3. The metadata (labels, preprocessing, provenance) is copied from
 * g, the golden pair from the arguments (NULL: none). where (NULL, or
 * g->n_tensors entries) receives for each tensor of g the index of the
 * built tensor holding its value as its layer wrote it (I8 or float), or
 * UINT32_MAX for constants. */
rfx_status rfx_quant_build(const rfx_graph *g, const rfx_quant_plan *p,
                           const rfx_qdq_table *qdq, const void *golden_in,
                           uint64_t golden_in_size, const void *golden_out,
                           uint64_t golden_out_size, rfx_graph *out,
                           uint32_t *where, char *err, size_t errlen);

#endif
