/* simplify.h — graph simplification passes. Each returns how many nodes it
 * changed so the converter can say what it did. */
#ifndef RFX_CONVERT_SIMPLIFY_H
#define RFX_CONVERT_SIMPLIFY_H

#include "convert/ir.h"

/* Before translation: removes Identity and inference-mode Dropout (a
 * Dropout in training mode, or whose mask is used, is an error). One whose
 * output is a graph output that cannot take over its input's producer
 * stays (translated as a copy). */
rfx_status rfx_simplify_drop_identity(rfx_ir_graph *g, uint32_t *removed);

/* BatchNormalization folded into the Conv/FC before it when that layer's
 * output has no other reader (*folded); any other BN becomes BINARY mul +
 * add with per-channel constants (*expanded). */
rfx_status rfx_simplify_fold_bn(rfx_ir_graph *g, uint32_t *folded,
                                uint32_t *expanded);

/* x * HardSigmoid(x; alpha=1/6, beta=1/2) (the opset < 14 export of
 * HardSwish) -> HardSwish(x). */
rfx_status rfx_simplify_fuse_hardswish(rfx_ir_graph *g, uint32_t *fused);

/* x * Sigmoid(x) (SiLU as PyTorch exports it before opset 22) -> one
 * SWISH activation, which fuse_act then folds into x's producer: two
 * layers fewer per SiLU (EfficientNet has 49). */
rfx_status rfx_simplify_fuse_swish(rfx_ir_graph *g, uint32_t *fused);

/* A standalone activation fused into the Conv/FC/BINARY that feeds it
 * when that producer has no activation and no other reader. */
rfx_status rfx_simplify_fuse_act(rfx_ir_graph *g, uint32_t *fused);

/* Add(conv(x), r) (+ its fused activation) -> conv with residual r, when
 * the conv has no activation, its output no other reader, and r the same
 * shape. The conv moves to the Add's place, after r is computed. */
rfx_status rfx_simplify_fuse_residual(rfx_ir_graph *g, uint32_t *fused);

#endif
