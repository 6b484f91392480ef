/*
 * ir.h — the converter's small mutable graph, between ONNX and rfx_graph.
 *
 * Values are named tensors (graph inputs, constants, node outputs); nodes
 * reference them by index. A node starts as an ONNX node (op_type plus
 * attributes) and the translation step turns it into an rfx layer (op,
 * i[], f[] exactly as in engine/graph/graph.h) or a batch-normalization
 * placeholder that simplification folds away. Everything is referenced by
 * index: the arrays grow with realloc, so never keep a pointer to a value
 * or node across a call that adds one.
 */
#ifndef RFX_CONVERT_IR_H
#define RFX_CONVERT_IR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

#define RFX_IR_MAX_RANK 8

/* Element types the converter computes with: every floating-point ONNX
 * type becomes float32, every integer and bool type int64. */
typedef enum rfx_ir_type {
	RFX_IR_FLOAT = 1,
	RFX_IR_INT = 2
} rfx_ir_type;

/* A shaped array; data (float[] or int64_t[]) is NULL when not constant. */
typedef struct rfx_ir_tensor {
	rfx_ir_type type;
	uint32_t rank;
	int64_t dims[RFX_IR_MAX_RANK];
	void *data;
} rfx_ir_tensor;

typedef struct rfx_ir_value {
	char *name;
	rfx_ir_tensor t;     /* t.data != NULL: a constant */
	int shape_known;
	int onnx_type;       /* the source's TensorProto data type */
	int32_t producer;    /* node index, -1 for inputs and constants */
	uint32_t uses;       /* consumers, see rfx_ir_count_uses() */
	int is_input, is_output;
} rfx_ir_value;

typedef struct rfx_ir_attr {
	char *name;
	int type;            /* ONNX AttributeProto type */
	int64_t i;
	float f;
	char *s;             /* NUL-terminated copy of a string attribute */
	uint32_t n_ints, n_floats;
	int64_t *ints;
	float *floats;
	rfx_ir_tensor *t;    /* a tensor attribute (Constant's value) */
} rfx_ir_attr;

typedef enum rfx_ir_kind {
	RFX_IR_ONNX = 0,  /* not yet translated: op_type + attrs */
	RFX_IR_LAYER,     /* an rfx layer: op, i[], f[] */
	RFX_IR_BN,        /* y = x * in[1] + in[2] per channel (axis 1) */
	RFX_IR_DEAD       /* removed */
} rfx_ir_kind;

typedef struct rfx_ir_node {
	char *name;
	char *op_type;       /* the ONNX op this node came from */
	uint32_t n_in, n_out;
	int32_t *in, *out;   /* value indices; -1 for an absent optional */
	uint32_t n_attrs;
	rfx_ir_attr *attrs;
	rfx_ir_kind kind;
	rfx_op op;
	int32_t i[RFX_LAYER_IATTRS];
	float f[RFX_LAYER_FATTRS];
} rfx_ir_node;

typedef struct rfx_ir_graph {
	rfx_ir_value *values;
	uint32_t n_values, cap_values;
	rfx_ir_node *nodes;
	uint32_t n_nodes, cap_nodes;
	int32_t *inputs, *outputs;
	uint32_t n_inputs, n_outputs;
	int64_t opset;       /* of the default ("" / "ai.onnx") domain */
	uint32_t onnx_nodes; /* node count as loaded, for the summary */
	/* Constant folding may allocate at most fold_budget bytes in all (0:
	 * RFX_FOLD_MIN_BUDGET), so that a few-KB file cannot make the
	 * converter materialise gigabytes (ConstantOfShape, Expand, Range). */
	uint64_t fold_budget, fold_bytes;
	/* name -> value index, open addressing; size is a power of two */
	int32_t *index;
	uint32_t index_size;
	char err[768];
} rfx_ir_graph;

/* Folding budget when the caller sets none; rfx_convert_onnx allows this
 * plus four times the ONNX file's size. */
#define RFX_FOLD_MIN_BUDGET ((uint64_t)16 << 20)

void rfx_ir_init(rfx_ir_graph *g);
void rfx_ir_finish(rfx_ir_graph *g);

/* Records a message in g->err and returns st. */
rfx_status rfx_ir_fail(rfx_ir_graph *g, rfx_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, prefixed with the node's name, op type and the opset. */
rfx_status rfx_ir_node_fail(rfx_ir_graph *g, uint32_t node, rfx_status st,
                            const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Adds a value named `name` (a unique name is made if it is taken or NULL,
 * from `name` or "v") and returns its index in *out. */
rfx_status rfx_ir_value_add(rfx_ir_graph *g, const char *name,
                            int32_t *out);
/* Index of the value called name, or -1. */
int32_t rfx_ir_value_find(const rfx_ir_graph *g, const char *name);
/* Adds a constant value that takes ownership of t->data. */
rfx_status rfx_ir_const_add(rfx_ir_graph *g, const char *name,
                            rfx_ir_tensor *t, int32_t *out);

/* Appends an empty node with room for n_in inputs and n_out outputs (all
 * -1) and returns its index. */
rfx_status rfx_ir_node_add(rfx_ir_graph *g, const char *name,
                           const char *op_type, uint32_t n_in,
                           uint32_t n_out, uint32_t *out);
/* Inserts an empty node at position `at` (later nodes move up by one;
 * value producers are stale until rfx_ir_count_uses()). */
rfx_status rfx_ir_node_insert(rfx_ir_graph *g, uint32_t at, const char *name,
                              const char *op_type, uint32_t n_in,
                              uint32_t n_out);
/* Replaces a node's inputs with vals[0..n-1]. */
rfx_status rfx_ir_node_set_inputs(rfx_ir_graph *g, uint32_t node,
                                  const int32_t *vals, uint32_t n);
/* Appends one input to a node. */
rfx_status rfx_ir_node_push_input(rfx_ir_graph *g, uint32_t node,
                                  int32_t value);

/* An attribute of a node, or NULL. */
const rfx_ir_attr *rfx_ir_attr_get(const rfx_ir_node *n, const char *name);
int64_t rfx_ir_attr_int(const rfx_ir_node *n, const char *name, int64_t def);
float rfx_ir_attr_float(const rfx_ir_node *n, const char *name, float def);
/* The string value, or def. */
const char *rfx_ir_attr_str(const rfx_ir_node *n, const char *name,
                            const char *def);

/* Recomputes producer and uses of every value from the live nodes. */
void rfx_ir_count_uses(rfx_ir_graph *g);
/* Makes every live node input and graph output that reads `from` read
 * `to` instead. */
void rfx_ir_replace_uses(rfx_ir_graph *g, int32_t from, int32_t to);
/* Marks dead every node whose outputs nobody reads; returns the count. */
uint32_t rfx_ir_remove_dead(rfx_ir_graph *g);
/* Moves node `from` into slot `to` (whose node is freed) and leaves an
 * empty dead node at `from`. */
void rfx_ir_node_move(rfx_ir_graph *g, uint32_t from, uint32_t to);
/* Frees the attributes of a node and marks it dead. */
void rfx_ir_node_kill(rfx_ir_node *n);
/* Live (not dead) nodes. */
uint32_t rfx_ir_live_nodes(const rfx_ir_graph *g);

/* Tensor helpers. Element count with overflow check against
 * RFX_MAX_ELEMENTS: returns 0 on success and -1 on overflow or a negative
 * dimension. */
int rfx_ir_tensor_count(const rfx_ir_tensor *t, uint64_t *count);
size_t rfx_ir_type_size(rfx_ir_type type);
/* Allocates zeroed data for t (count elements of t->type); NULL-safe
 * result check is the caller's. */
rfx_status rfx_ir_tensor_alloc(rfx_ir_graph *g, rfx_ir_tensor *t);
void rfx_ir_tensor_free(rfx_ir_tensor *t);
/* Same rank and dims. */
int rfx_ir_same_shape(const rfx_ir_tensor *a, const rfx_ir_tensor *b);
/* "[1,3,224,224]" into buf. */
const char *rfx_ir_shape_str(const rfx_ir_tensor *t, char *buf, size_t len);

/* Duplicates a string (NULL for NULL); NULL on allocation failure. */
char *rfx_ir_strdup(const char *s);

#endif
