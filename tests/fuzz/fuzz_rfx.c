/*
 * fuzz_rfx.c — bytes as a .rfx file: rfx_model_load_memory() on a CPU
 * context (the reader and every validation rule), and, when the model loads,
 * a CPU session and one run on a deterministic input. A loaded model must
 * also be readable through every public accessor.
 *
 * Byte 0 is a mode, the rest the file: with bit 0 set the target first
 * writes the true file size and CRC-32 into the header (a copy), so that
 * mutations reach the structural checks behind the checksum; without it the
 * bytes go in as they are (the size and CRC checks themselves).
 *
 * Resource guard: a valid model may legitimately describe gigabytes of
 * activations or billions of multiply-adds; the target does not create a
 * session for models above FUZZ_MAX_BYTES of tensors or FUZZ_MAX_COST of
 * estimated work, so the fuzzer looks for bugs, not for slow valid models.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "format/rfx_format.h"
#include "fuzz.h"
#include "reflex.h"

#define FUZZ_MAX_BYTES (4ull << 20)
#define FUZZ_MAX_COST (20ull << 20)

static rfx_context *cpu_context(void)
{
	static rfx_context *ctx;
	if (!ctx) {
		rfx_context_options opt;
		rfx_context_options_default(&opt);
		opt.backend = RFX_BACKEND_CPU;
		opt.validation = 0;
		if (rfx_context_create(&opt, &ctx) != RFX_OK)
			abort(); /* the harness itself is broken */
	}
	return ctx;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Bytes of all tensors, and a rough count of multiply-adds: per layer the
 * output's elements times the per-row size of a rank >= 2 second input
 * (a conv or fc weight, a matmul operand), plus its inputs' elements. */
static int too_big(const rfx_graph *g)
{
	uint64_t bytes = 0, cost = 0;

	for (uint32_t t = 0; t < g->n_tensors; t++)
		bytes = sat_add(bytes, rfx_tensor_bytes(&g->tensors[t]));
	for (uint32_t l = 0; l < g->n_layers; l++) {
		const rfx_layer *ly = &g->layers[l];
		uint64_t out = 0;
		for (uint32_t o = 0; o < ly->n_outputs; o++)
			out = sat_add(out, rfx_tensor_elements(&g->tensors[ly->outputs[o]]));
		cost = sat_add(cost, out);
		for (uint32_t i = 0; i < ly->n_inputs; i++) {
			const rfx_tensor *t = &g->tensors[ly->inputs[i]];
			uint64_t n = rfx_tensor_elements(t);
			cost = sat_add(cost, n);
			if (i == 1 && t->rank >= 2 && t->dims[0])
				cost = sat_add(cost, sat_mul(out, n / t->dims[0]));
		}
		/* Pooling windows: the window's area per output. */
		if (ly->op == RFX_OP_POOL2D)
			cost = sat_add(cost, sat_mul(out, 64));
	}
	return bytes > FUZZ_MAX_BYTES || cost > FUZZ_MAX_COST;
}

static void touch_model(rfx_model *m)
{
	rfx_tensor_info ti;
	rfx_preprocess pp;
	uint32_t n;

	n = rfx_model_input_count(m);
	for (uint32_t i = 0; i <= n; i++)
		(void)rfx_model_input_info(m, i, &ti);
	n = rfx_model_output_count(m);
	for (uint32_t i = 0; i <= n; i++)
		(void)rfx_model_output_info(m, i, &ti);
	n = rfx_model_label_count(m);
	for (uint32_t i = 0; i <= n; i++)
		(void)rfx_model_label(m, i);
	(void)rfx_model_preprocess(m, &pp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rfx_context *ctx = cpu_context();
	rfx_model *m = NULL;
	rfx_session *s = NULL;
	uint8_t *fixed = NULL;
	rfx_status st;

	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	if ((mode & 1) && size >= RFX_FORMAT_HEADER_SIZE) {
		fixed = malloc(size);
		if (!fixed)
			return 0;
		memcpy(fixed, data, size);
		uint64_t fs = size;
		for (int k = 0; k < 8; k++)
			fixed[RFX_HDR_FILE_SIZE + k] = (uint8_t)(fs >> (8 * k));
		uint32_t crc = rfx_crc32(0, fixed + RFX_FORMAT_HEADER_SIZE,
					 size - RFX_FORMAT_HEADER_SIZE);
		for (int k = 0; k < 4; k++)
			fixed[RFX_HDR_CRC + k] = (uint8_t)(crc >> (8 * k));
		data = fixed;
	}
	st = rfx_model_load_memory(ctx, data, size, &m);
	free(fixed);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_rfx: load %s: %s\n", rfx_status_str(st),
			st ? rfx_context_last_error(ctx) : "");
	if (st != RFX_OK)
		return 0;
	touch_model(m);
	if (too_big(&m->graph))
		goto out;
	st = rfx_session_create(m, NULL, &s);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_rfx: session %s\n", rfx_status_str(st));
	if (st != RFX_OK)
		goto out;
	for (uint32_t i = 0; i < m->graph.n_inputs; i++) {
		rfx_tensor_info info;
		uint8_t *in = rfx_session_input(s, i, &info);
		if (!in)
			continue;
		/* Small bytes: finite values in every dtype. */
		for (size_t k = 0; k < info.size_bytes; k++)
			in[k] = (uint8_t)(k * 7u) & 0x3f;
	}
	st = rfx_session_run(s, UINT64_MAX);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_rfx: run %s\n", rfx_status_str(st));
	for (uint32_t i = 0; i < m->graph.n_outputs; i++)
		(void)rfx_session_output(s, i, NULL);
out:
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	return 0;
}
