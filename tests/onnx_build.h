/* onnx_build.h — small ONNX models built in C with protobuf-c, for the
 * converter's tests (no Python at test time). A builder holds every message
 * of one model; strings are copied; attributes attach to the last node. */
#ifndef RFX_TEST_ONNX_BUILD_H
#define RFX_TEST_ONNX_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "onnx.pb-c.h"

#define OB_MAX 32

typedef struct ob {
	Onnx__ModelProto model;
	Onnx__GraphProto graph;
	Onnx__OperatorSetIdProto opset, *opset_p[1];
	Onnx__NodeProto node[OB_MAX], *node_p[OB_MAX];
	Onnx__AttributeProto attr[4 * OB_MAX], *attr_p[4 * OB_MAX];
	Onnx__TensorProto init[OB_MAX], *init_p[OB_MAX];
	Onnx__ValueInfoProto vi[2 * OB_MAX], *in_p[OB_MAX], *out_p[OB_MAX];
	Onnx__TypeProto tp[2 * OB_MAX];
	Onnx__TypeProto__Tensor tt[2 * OB_MAX];
	Onnx__TensorShapeProto sp[2 * OB_MAX];
	Onnx__TensorShapeProto__Dimension dim[8 * OB_MAX], *dim_p[8 * OB_MAX];
	uint32_t n_node, n_attr, n_init, n_vi, n_dim;
	void *owned[16 * OB_MAX];
	uint32_t n_owned;
} ob;

void ob_init(ob *b, int64_t opset);
/* A graph input; dims[d] < 0 makes dimension d symbolic ("N"). */
void ob_input(ob *b, const char *name, int elem_type, uint32_t rank,
              const int64_t *dims);
void ob_output(ob *b, const char *name);
/* Initializers: float32, int64, or raw bytes of any data type. */
void ob_init_f(ob *b, const char *name, uint32_t rank, const int64_t *dims,
               const float *data);
void ob_init_i(ob *b, const char *name, uint32_t rank, const int64_t *dims,
               const int64_t *data);
void ob_init_raw(ob *b, const char *name, int data_type, uint32_t rank,
                 const int64_t *dims, const void *raw, size_t size);
/* A node; inputs and outputs are comma-separated ("x,,w": "" = absent). */
Onnx__NodeProto *ob_node(ob *b, const char *op, const char *inputs,
                         const char *outputs);
void ob_attr_i(ob *b, const char *name, int64_t v);
void ob_attr_f(ob *b, const char *name, float v);
void ob_attr_s(ob *b, const char *name, const char *v);
void ob_attr_ints(ob *b, const char *name, uint32_t n, const int64_t *v);
/* A tensor attribute (Constant's value) of float32 data. */
void ob_attr_tensor_f(ob *b, const char *name, uint32_t rank,
                      const int64_t *dims, const float *data);
/* Serializes the model (free() the result). */
void *ob_pack(ob *b, size_t *size);
void ob_finish(ob *b);

#endif
