/* A tiny graph builder for format and shape tests: fixed-size storage
 * inside one struct, no allocation, nothing owned by the rfx_graph (so
 * rfx_graph_finish() must not be called on tg.g). */
#ifndef RFX_TEST_GRAPH_H
#define RFX_TEST_GRAPH_H

#include "graph/graph.h"

#define TG_TENSORS 48
#define TG_LAYERS 24
#define TG_DATA (16 * 1024) /* floats of constant storage */

typedef struct tg {
	rfx_graph g;
	rfx_tensor t[TG_TENSORS];
	rfx_layer l[TG_LAYERS];
	uint32_t idx[TG_LAYERS * (RFX_MAX_LAYER_INPUTS + 1)];
	uint32_t n_idx;
	uint32_t in[8], out[8];
	char names[TG_TENSORS + TG_LAYERS][32];
	float data[TG_DATA] __attribute__((aligned(64)));
	size_t n_data;
	uint32_t seed;
} tg;

void tg_init(tg *b);
/* An activation tensor (rank 0 dims NULL: shape filled by tg_layer). */
uint32_t tg_tensor(tg *b, const char *name, rfx_dtype dt, uint32_t rank,
                   const uint32_t *dims);
uint32_t tg_input(tg *b, const char *name, rfx_dtype dt, uint32_t rank,
                  const uint32_t *dims);
/* A constant with pseudo-random contents (zeros if zero != 0). */
uint32_t tg_const(tg *b, const char *name, rfx_dtype dt, uint32_t rank,
                  const uint32_t *dims, int zero);
void tg_output(tg *b, uint32_t t);
/* A layer writing a new tensor `out_name` (F32 precision, attributes 0);
 * the output's shape is set by tg_infer() once attributes are filled. */
rfx_layer *tg_layer(tg *b, rfx_op op, const char *out_name,
                    const uint32_t *inputs, uint32_t n);
/* Runs rfx_layer_infer on l and writes its output tensor's shape; returns
 * the status, message in err. */
rfx_status tg_infer(tg *b, rfx_layer *l, char *err, size_t errlen);
/* The output tensor index of layer l. */
uint32_t tg_out(const rfx_layer *l);

/* The small classifier used across tests: x[1,3,8,8] -> conv3x3(4) ->
 * relu -> maxpool2 -> reshape[1,64] -> fc(10) -> softmax, with every
 * metadata key and a golden pair. */
void tg_classifier(tg *b);

#endif
