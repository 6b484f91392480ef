/*
 * Whole int8 networks (test_vk_int8.c checks the layers one by one): a
 * small network with every int8 op kind, its int8 tensors all outputs,
 * byte-identical on the CPU reference and on Vulkan on the packed
 * dot-product path and on the unpacking fallback; then the same network
 * through the file format and the public API.
 */
#include <stdlib.h>
#include <string.h>

#include "format/rfx_format.h"
#include "test_vk_int8_util.h"

/* quantize -> conv 3x3 relu -> maxpool -> conv 1x1 + residual (the pool)
 * -> add (the pool again) -> global average -> reshape -> fc -> dequantize
 * -> softmax: every int8 tensor is also an output, so all are compared. */
static void network_graph(rfx_graph *g)
{
	rfx_builder b;
	uint32_t xd[4] = {1, 3, 16, 16}, w1d[4] = {8, 3, 3, 3}, w2d[4] = {8, 8, 1, 1};
	uint32_t w3d[2] = {10, 8}, rd[2] = {1, 8}, w1, b1, w2, b2, w3, b3;
	float m1, m2, m3;

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, xd);
	uint32_t q = i8_tensor(&b, "q", 1.0f / 127.0f, 0);
	rfx_layer *l = rfx_builder_layer(&b, RFX_OP_QUANTIZE, "quant", &x, 1, q);
	l->precision = RFX_DTYPE_I8;
	rfx_builder_infer(&b, l);
	weights(&b, "w1", 4, w1d, 0, &w1, &b1, &m1);
	uint32_t c1 = i8_tensor(&b, "c1", out_scale(1.0f / 127.0f, m1, 27, 0), -128);
	l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv1", (uint32_t[]){q, w1, b1}, 3, c1);
	l->precision = RFX_DTYPE_I8;
	test_conv_attrs(l, 1, 1, RFX_ACT_RELU);
	rfx_builder_infer(&b, l);
	const rfx_tensor *c1t = rfx_builder_tensor_at(&b, c1);
	float c1s = c1t->scale;
	uint32_t p = i8_tensor(&b, "p", c1s, -128);
	l = rfx_builder_layer(&b, RFX_OP_POOL2D, "pool", &c1, 1, p);
	l->precision = RFX_DTYPE_I8;
	l->i[RFX_POOL_KIND] = RFX_POOL_MAX;
	l->i[RFX_POOL_KERNEL_H] = l->i[RFX_POOL_KERNEL_W] = 2;
	l->i[RFX_POOL_STRIDE_H] = l->i[RFX_POOL_STRIDE_W] = 2;
	l->i[RFX_POOL_DIL_H] = l->i[RFX_POOL_DIL_W] = 1;
	rfx_builder_infer(&b, l);
	weights(&b, "w2", 4, w2d, 0, &w2, &b2, &m2);
	uint32_t c2 = i8_tensor(&b, "c2", out_scale(c1s, m2, 8, 0), 5);
	l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv2", (uint32_t[]){p, w2, b2, p}, 4, c2);
	l->precision = RFX_DTYPE_I8;
	test_conv_attrs(l, 1, 0, RFX_ACT_CLIP);
	l->f[0] = 0.0f;
	l->f[1] = 6.0f * c1s * 20.0f;
	rfx_builder_infer(&b, l);
	uint32_t s = i8_tensor(&b, "s", c1s * 1.5f, -20);
	l = rfx_builder_layer(&b, RFX_OP_BINARY, "add", (uint32_t[]){c2, p}, 2, s);
	l->precision = RFX_DTYPE_I8;
	l->i[RFX_BINARY_KIND] = RFX_BINARY_ADD;
	rfx_builder_infer(&b, l);
	uint32_t gp = i8_tensor(&b, "gp", c1s, -10);
	l = rfx_builder_layer(&b, RFX_OP_GLOBAL_POOL, "gap", &s, 1, gp);
	l->precision = RFX_DTYPE_I8;
	l->i[RFX_GPOOL_KIND] = RFX_POOL_AVG;
	rfx_builder_infer(&b, l);
	uint32_t r = rfx_builder_tensor(&b, "r", RFX_DTYPE_I8, 2, rd);
	set_q(&b, r, c1s, -10);
	l = rfx_builder_layer(&b, RFX_OP_RESHAPE, "flatten", &gp, 1, r);
	l->precision = RFX_DTYPE_I8;
	rfx_builder_infer(&b, l);
	weights(&b, "w3", 2, w3d, 0, &w3, &b3, &m3);
	uint32_t f = i8_tensor(&b, "f", out_scale(c1s, m3, 8, 0), 3);
	l = rfx_builder_layer(&b, RFX_OP_FC, "fc", (uint32_t[]){r, w3, b3}, 3, f);
	l->precision = RFX_DTYPE_I8;
	rfx_builder_infer(&b, l);
	uint32_t logits = rfx_builder_tensor(&b, "logits", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_DEQUANTIZE, "dequant", &f, 1, logits);
	rfx_builder_infer(&b, l);
	uint32_t prob = rfx_builder_tensor(&b, "prob", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_SOFTMAX, "softmax", &logits, 1, prob);
	l->i[RFX_SOFTMAX_AXIS] = 1;
	rfx_builder_infer(&b, l);
	rfx_builder_output(&b, c1);
	rfx_builder_output(&b, c2);
	rfx_builder_output(&b, s);
	rfx_builder_output(&b, f);
	rfx_builder_output(&b, logits);
	rfx_builder_output(&b, prob);
	test_finish(&b, g, "network");
}

static void network(void)
{
	rfx_graph g;

	network_graph(&g);
	/* softmax (float, expf) still runs; its output is compared with a
	 * tolerance in test_file_round_trip, not here */
	g.n_outputs--;
	g.tensors[g.outputs[g.n_outputs]].flags &= ~RFX_TENSOR_OUTPUT;
	check_graph(&g, "int8 network");
}

START_TEST(test_network)
{
	for (use_dot = 1; use_dot >= 0; use_dot--)
		for (int i = 0; i < 3; i++)
			network();
}
END_TEST

/* The network through the file format and the public API: written,
 * loaded (the reader's checks), run on the CPU and on Vulkan; every int8
 * output and the dequantized logits are byte-identical, the float softmax
 * after them agrees within 1e-5 (expf vs the driver's exp, as
 * test_vk_ops.c justifies). */
START_TEST(test_file_round_trip)
{
	rfx_graph g;
	void *bytes = NULL;
	size_t size = 0;
	char err[256];
	rfx_context *cpu = test_context(RFX_BACKEND_CPU);
	rfx_model *m[2];
	rfx_session *s[2];
	float *in;
	rfx_tensor_info info;

	network_graph(&g);
	ck_assert_msg(rfx_format_write(&g, &bytes, &size, err, sizeof(err)) == RFX_OK,
		      "write: %s", err);
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(rfx_model_load_memory(k ? ctx : cpu, bytes, size, &m[k]),
				 RFX_OK);
		ck_assert_msg(rfx_session_create(m[k], NULL, &s[k]) == RFX_OK, "%s",
			      rfx_context_last_error(k ? ctx : cpu));
	}
	for (int rep = 0; rep < 3; rep++) {
		for (int k = 0; k < 2; k++) {
			uint32_t st = seed;
			in = rfx_session_input(s[k], 0, &info);
			for (uint64_t e = 0; e < 3 * 16 * 16; e++)
				in[e] = test_randf(&st, -1.2f, 1.2f);
			ck_assert_int_eq(rfx_session_run(s[k], UINT64_MAX), RFX_OK);
		}
		test_rand(&seed);
		for (uint32_t o = 0; o < g.n_outputs; o++) {
			const rfx_tensor *t = &g.tensors[g.outputs[o]];
			const void *a = rfx_session_output(s[0], o, NULL);
			const void *v = rfx_session_output(s[1], o, NULL);
			if (o + 1 < g.n_outputs) {
				ck_assert_msg(memcmp(a, v, rfx_tensor_bytes(t)) == 0,
					      "output '%s' differs", t->name);
				continue;
			}
			for (uint32_t e = 0; e < 10; e++)
				ck_assert_float_eq_tol(((const float *)a)[e],
						       ((const float *)v)[e], 1e-5f);
		}
	}
	for (int k = 0; k < 2; k++) {
		rfx_session_destroy(s[k]);
		rfx_model_destroy(m[k]);
	}
	free(bytes);
	rfx_graph_finish(&g);
	test_context_done(cpu);
}
END_TEST

int main(void)
{
	test_case cases[] = {
		{"network", test_network},
		{"file", test_file_round_trip},
	};
	Suite *s = suite_create("vk_int8_nets");

	add_test_cases(s, cases, sizeof(cases) / sizeof(cases[0]), setup, teardown,
		       600);
	return run_suite(s);
}
