/* lower.h — the simplified IR into an rfx_graph, through the graph
 * builder (engine/graph/builder.h), which checks every layer again with the
 * engine's shape rules. */
#ifndef RFX_CONVERT_LOWER_H
#define RFX_CONVERT_LOWER_H

#include "convert/ir.h"
#include "graph/builder.h"

/*
 * Adds g's inputs, every live layer in order, the constants they read and
 * the outputs to b. precision F32: everything f32. F16: conv/fc weights
 * are stored as F16 constants and every layer computes in F16 (its output
 * tensor is F16), except layers that write a graph output, which stay F32
 * so graph inputs and outputs are always F32. Biases and other constants
 * stay F32.
 */
rfx_status rfx_lower(rfx_ir_graph *g, rfx_dtype precision, rfx_builder *b);

#endif
