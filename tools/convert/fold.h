/* fold.h — constant folding: evaluates ONNX nodes whose inputs are all
 * constants (and Shape, whose input only needs a known shape), so the
 * Shape/Gather/Unsqueeze/Concat/Cast chains PyTorch exports become plain
 * constants before translation. */
#ifndef RFX_CONVERT_FOLD_H
#define RFX_CONVERT_FOLD_H

#include "convert/ir.h"

/* Whether folding knows how to evaluate op_type. */
int rfx_fold_knows(const char *op_type);

/*
 * If node k (still an ONNX node) is an op folding knows and its inputs are
 * ready, computes its single output as a constant value and kills the
 * node; *folded is set to 1 then, 0 otherwise. Errors (a bad attribute,
 * an index out of range) name the node.
 */
rfx_status rfx_fold_node(rfx_ir_graph *g, uint32_t k, int *folded);

#endif
