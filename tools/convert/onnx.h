/* onnx.h — reading ONNX protobuf (models and TensorProto files) into the
 * converter's IR, through the protobuf-c code generated at build time from
 * ONNX's own onnx.proto. */
#ifndef RFX_CONVERT_ONNX_H
#define RFX_CONVERT_ONNX_H

#include <stddef.h>

#include "convert/ir.h"

/* ONNX TensorProto data types the converter names in messages. */
const char *rfx_onnx_type_name(int onnx_type);

/*
 * Parses a serialized ModelProto into g (initialised by the caller): graph
 * inputs (free dimensions recorded as -1), constants from initializers,
 * nodes in file order with their attributes, graph outputs, and the opset
 * of the default domain. Nodes must be in topological order (the ONNX
 * rule). Errors (RFX_E_FORMAT for malformed protobuf or references,
 * RFX_E_UNSUPPORTED for external data, unsupported dtypes, other domains,
 * subgraph-valued inputs) leave a message in g->err.
 */
rfx_status rfx_onnx_load(const void *data, size_t size, rfx_ir_graph *g);

/*
 * Parses a serialized TensorProto (an ONNX test's input_0.pb) into *out,
 * which then owns its data. The source dtype goes to *onnx_type and the
 * tensor's name, if any, is copied into name (may be NULL). Messages go
 * into err.
 */
rfx_status rfx_onnx_tensor_load(const void *data, size_t size,
                                rfx_ir_tensor *out, int *onnx_type,
                                char *name, size_t name_len, char *err,
                                size_t errlen);

#endif
