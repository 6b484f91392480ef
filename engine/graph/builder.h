/*
 * builder.h — constructs an rfx_graph in memory, for the converter and for
 * tests. The builder owns copies of every name, constant and metadata string
 * until rfx_builder_finish() packs them into one allocation that the graph
 * owns (g->arena; rfx_graph_finish() frees it).
 *
 * Errors are sticky: the first failed call records a message, later calls
 * do nothing and return RFX_BUILDER_NONE / NULL, and rfx_builder_finish()
 * reports the first error. So a converter can make a run of calls and check
 * once:
 *
 *     rfx_builder b;
 *     rfx_graph g;
 *     uint32_t dims[4] = {1, 3, 32, 32}, wd[4] = {8, 3, 3, 3}, bd[1] = {8};
 *     rfx_builder_init(&b);
 *     uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, dims);
 *     uint32_t w = rfx_builder_const(&b, "w", RFX_DTYPE_F32, 4, wd, wdata);
 *     uint32_t bias = rfx_builder_const(&b, "b", RFX_DTYPE_F32, 1, bd, bdata);
 *     uint32_t y = rfx_builder_tensor(&b, "y", RFX_DTYPE_F32, 0, NULL);
 *     rfx_layer *l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv",
 *                                      (uint32_t[]){x, w, bias}, 3, y);
 *     if (l) {
 *         l->i[RFX_CONV_STRIDE_H] = l->i[RFX_CONV_STRIDE_W] = 1;
 *         ...
 *     }
 *     rfx_builder_infer(&b, l);          // fills y's dtype and shape
 *     rfx_builder_output(&b, y);
 *     if (rfx_builder_finish(&b, &g, err, sizeof(err)) != RFX_OK) ...
 */
#ifndef RFX_GRAPH_BUILDER_H
#define RFX_GRAPH_BUILDER_H

#include "graph/graph.h"

#define RFX_BUILDER_NONE UINT32_MAX /* the index returned after an error */

/* Private fields: use the functions below. */
typedef struct rfx_builder {
	rfx_tensor *tensors; /* names and constant data owned by the builder */
	uint32_t n_tensors, cap_tensors;
	rfx_layer **layers;  /* one allocation each: pointers stay valid */
	uint32_t n_layers, cap_layers;
	uint32_t *inputs, n_inputs, cap_inputs;
	uint32_t *outputs, n_outputs, cap_outputs;
	rfx_meta meta;       /* strings and golden data owned by the builder */
	rfx_status status;   /* the first failure, or RFX_OK */
	char err[256];
} rfx_builder;

/* Empty builder; metadata defaults: layout "NCHW", color "rgb", scale 1,
 * mean 0, std 1. Cannot fail. */
void rfx_builder_init(rfx_builder *b);

/* An activation tensor (not a constant, not an input). rank 0 with dims
 * NULL is a placeholder whose shape rfx_builder_infer() fills in later (it
 * is then a scalar until inferred). dims: rank entries, each 1..
 * RFX_MAX_DIM. The name is copied and must be unique in the graph (checked
 * by rfx_builder_finish()). Returns the tensor index. */
uint32_t rfx_builder_tensor(rfx_builder *b, const char *name, rfx_dtype dtype,
                            uint32_t rank, const uint32_t *dims);

/* A graph input, in declaration order. */
uint32_t rfx_builder_input(rfx_builder *b, const char *name, rfx_dtype dtype,
                           uint32_t rank, const uint32_t *dims);

/* A constant: rfx_tensor_bytes() bytes of `data` (row-major) are copied
 * into 64-byte-aligned storage. */
uint32_t rfx_builder_const(rfx_builder *b, const char *name, rfx_dtype dtype,
                           uint32_t rank, const uint32_t *dims,
                           const void *data);

/* Marks a tensor as a graph output, in declaration order. */
void rfx_builder_output(rfx_builder *b, uint32_t tensor);

/* The tensor at an index, to set quantization fields or to read its shape;
 * valid until the next call that adds a tensor. NULL for a bad index. */
rfx_tensor *rfx_builder_tensor_at(rfx_builder *b, uint32_t tensor);

/* Appends a layer (execution order is append order) reading `inputs` and
 * writing the one tensor `output`. Precision F32, all attributes 0: set
 * them through the returned pointer, which stays valid until
 * rfx_builder_finish(). The name is copied (NULL: ""). NULL on error. */
rfx_layer *rfx_builder_layer(rfx_builder *b, rfx_op op, const char *name,
                             const uint32_t *inputs, uint32_t n_inputs,
                             uint32_t output);

/* Runs the op's shape rule (rfx_layer_infer) on a layer whose attributes
 * and precision are set, and writes the result (dtype, rank, dims) into its
 * output tensor. RESHAPE has no attributes: its target is the shape its
 * output tensor was created with, so create that tensor with the shape.
 * l may be NULL (after an error: returns the recorded status). */
rfx_status rfx_builder_infer(rfx_builder *b, rfx_layer *l);

/* Metadata. Strings are copied; NULL clears. labels: '\n'-separated class
 * names (n_labels counts them; a trailing '\n' does not start a label). */
void rfx_builder_set_labels(rfx_builder *b, const char *labels);
void rfx_builder_set_color(rfx_builder *b, const char *color);
void rfx_builder_set_layout(rfx_builder *b, const char *layout);
void rfx_builder_set_converter(rfx_builder *b, const char *converter);
void rfx_builder_set_source(rfx_builder *b, const char *name, uint64_t hash);
void rfx_builder_set_preprocess(rfx_builder *b, float scale,
                                const float mean[4], const float std[4],
                                uint32_t width, uint32_t height);
/* The golden pair: bytes of the first input and first output, copied. Sizes
 * are checked against those tensors by rfx_builder_finish(). */
void rfx_builder_set_golden(rfx_builder *b, const void *input,
                            uint64_t input_size, const void *output,
                            uint64_t output_size);

/*
 * Checks the graph and hands it over: every tensor has a unique non-empty
 * name, every layer reads only constants, inputs or outputs of earlier
 * layers and writes a tensor nothing else writes, each layer's output
 * matches its shape rule, there is at least one input and one output, and
 * the golden sizes match. On RFX_OK *out owns everything (one arena, freed
 * by rfx_graph_finish()). On failure writes the reason into err (may be
 * NULL) and leaves *out zeroed. Either way the builder is emptied and may
 * be reused after rfx_builder_init(). out NULL discards the builder.
 * Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT (builder misuse: bad index,
 * duplicate name, order), RFX_E_FORMAT (a shape rule failed),
 * RFX_E_OUT_OF_MEMORY.
 */
rfx_status rfx_builder_finish(rfx_builder *b, rfx_graph *out, char *err,
                              size_t errlen);

#endif
