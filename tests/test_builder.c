/*
 * The graph builder (ownership, layout, the checks rfx_builder_finish
 * makes) and the fp16 conversions of engine/graph/half.c, the latter over
 * every fp16 value against a formula written from the IEEE definition.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "graph/builder.h"
#include "graph/half.h"

/* x[1,2,4,4] -> conv 3x3 (w, b constants) -> y */
static rfx_layer *conv_graph(rfx_builder *b, float *w, float *bias)
{
	const uint32_t xd[4] = {1, 2, 4, 4}, wd[4] = {3, 2, 3, 3}, bd[1] = {3};
	uint32_t ins[3], y;
	rfx_layer *l;

	rfx_builder_init(b);
	ins[0] = rfx_builder_input(b, "x", RFX_DTYPE_F32, 4, xd);
	ins[1] = rfx_builder_const(b, "w", RFX_DTYPE_F32, 4, wd, w);
	ins[2] = rfx_builder_const(b, "b", RFX_DTYPE_F32, 1, bd, bias);
	y = rfx_builder_tensor(b, "y", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(b, RFX_OP_CONV2D, "conv1", ins, 3, y);
	ck_assert_ptr_nonnull(l);
	l->i[RFX_CONV_STRIDE_H] = l->i[RFX_CONV_STRIDE_W] = 1;
	l->i[RFX_CONV_DIL_H] = l->i[RFX_CONV_DIL_W] = 1;
	l->i[RFX_CONV_GROUP] = 1;
	return l;
}

START_TEST(test_finish_owns_everything)
{
	float w[54], bias[3] = {1, 2, 3};
	const float mean[4] = {0.5f, 0.4f, 0.3f, 0}, std[4] = {0.2f, 0.2f, 0.2f, 1};
	const float gin[32] = {0};
	float gout[12];
	char err[200];
	rfx_builder b;
	rfx_graph g;

	for (int k = 0; k < 54; k++)
		w[k] = (float)k;
	for (int k = 0; k < 12; k++)
		gout[k] = (float)k;
	rfx_layer *l = conv_graph(&b, w, bias);
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	rfx_tensor *y = rfx_builder_tensor_at(&b, l->outputs[0]);
	ck_assert_uint_eq(y->rank, 4);
	ck_assert_uint_eq(y->dims[1], 3);
	ck_assert_uint_eq(y->dims[2], 2);
	ck_assert_uint_eq(y->dims[3], 2);
	rfx_builder_output(&b, l->outputs[0]);
	rfx_builder_set_labels(&b, "cat\ndog\nbird\n");
	rfx_builder_set_color(&b, "bgr");
	rfx_builder_set_converter(&b, "test");
	rfx_builder_set_source(&b, "net.onnx", 42);
	rfx_builder_set_preprocess(&b, 1.0f / 255, mean, std, 4, 4);
	rfx_builder_set_golden(&b, gin, sizeof(gin), gout, sizeof(gout));
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_OK);
	/* the sources may go away: everything was copied */
	memset(w, 0, sizeof(w));
	memset(gout, 0, sizeof(gout));

	ck_assert_ptr_nonnull(g.arena);
	ck_assert_ptr_null(g.file_bytes);
	ck_assert_uint_eq(g.n_tensors, 4);
	ck_assert_uint_eq(g.n_layers, 1);
	ck_assert_uint_eq(g.n_inputs, 1);
	ck_assert_uint_eq(g.n_outputs, 1);
	ck_assert_str_eq(g.tensors[g.inputs[0]].name, "x");
	ck_assert_str_eq(g.tensors[g.outputs[0]].name, "y");
	ck_assert_uint_eq(g.tensors[g.inputs[0]].flags, RFX_TENSOR_INPUT);
	ck_assert_uint_eq(g.tensors[g.outputs[0]].flags, RFX_TENSOR_OUTPUT);
	const rfx_tensor *wt = &g.tensors[1];
	ck_assert_uint_eq(wt->flags, RFX_TENSOR_CONST);
	ck_assert_uint_eq(wt->size, 54 * 4);
	ck_assert_uint_eq((uintptr_t)wt->data % 64, 0);
	ck_assert_float_eq(((const float *)wt->data)[53], 53.0f);
	ck_assert_uint_eq((uintptr_t)g.tensors[2].data % 64, 0);
	ck_assert_str_eq(g.layers[0].name, "conv1");
	ck_assert_uint_eq(g.layers[0].n_inputs, 3);
	ck_assert_uint_eq(g.layers[0].outputs[0], 3);
	ck_assert_uint_eq(g.meta.n_labels, 3);
	ck_assert_str_eq(g.meta.labels, "cat\ndog\nbird\n");
	ck_assert_str_eq(g.meta.color, "bgr");
	ck_assert_str_eq(g.meta.layout, "NCHW");
	ck_assert_str_eq(g.meta.converter, "test");
	ck_assert_str_eq(g.meta.source_name, "net.onnx");
	ck_assert_uint_eq(g.meta.source_hash, 42);
	ck_assert_float_eq(g.meta.std[1], 0.2f);
	ck_assert_uint_eq(g.meta.input_w, 4);
	ck_assert_uint_eq(g.meta.golden_output_size, sizeof(gout));
	ck_assert_float_eq(((const float *)g.meta.golden_output)[11], 11.0f);
	/* the builder is empty and reusable */
	ck_assert_uint_eq(b.n_tensors, 0);
	rfx_graph_finish(&g);
	ck_assert_ptr_null(g.arena);
	rfx_graph_finish(NULL);
}
END_TEST

START_TEST(test_finish_errors)
{
	float w[54] = {0}, bias[3] = {0};
	const uint32_t d1[1] = {4}, d0[1] = {0};
	char err[200];
	rfx_builder b;
	rfx_graph g;

	/* the rule fails: the message names the layer and the rule */
	rfx_layer *l = conv_graph(&b, w, bias);
	l->i[RFX_CONV_GROUP] = 0;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_E_FORMAT);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_E_FORMAT);
	ck_assert_ptr_nonnull(strstr(err, "conv1"));
	ck_assert_ptr_nonnull(strstr(err, "group"));
	ck_assert_ptr_null(g.arena);

	/* an output shape that disagrees with the rule (never inferred) */
	l = conv_graph(&b, w, bias);
	rfx_builder_output(&b, l->outputs[0]);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_E_FORMAT);
	ck_assert_ptr_nonnull(strstr(err, "shape rule"));

	/* duplicate names */
	l = conv_graph(&b, w, bias);
	rfx_builder_infer(&b, l);
	rfx_builder_output(&b, l->outputs[0]);
	rfx_builder_tensor(&b, "w", RFX_DTYPE_F32, 1, d1);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_E_INVALID_ARGUMENT);
	ck_assert_ptr_nonnull(strstr(err, "'w'"));

	/* no output */
	l = conv_graph(&b, w, bias);
	rfx_builder_infer(&b, l);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_E_INVALID_ARGUMENT);

	/* a layer reading a tensor no earlier layer wrote */
	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 1, d1);
	uint32_t t = rfx_builder_tensor(&b, "t", RFX_DTYPE_F32, 1, d1);
	uint32_t y = rfx_builder_tensor(&b, "y", RFX_DTYPE_F32, 1, d1);
	rfx_builder_layer(&b, RFX_OP_UNARY, "first", &t, 1, y);
	rfx_builder_layer(&b, RFX_OP_UNARY, "second", &x, 1, t);
	rfx_builder_output(&b, y);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_E_INVALID_ARGUMENT);
	ck_assert_ptr_nonnull(strstr(err, "first"));

	/* writing an input */
	rfx_builder_init(&b);
	x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 1, d1);
	y = rfx_builder_input(&b, "y", RFX_DTYPE_F32, 1, d1);
	rfx_builder_layer(&b, RFX_OP_UNARY, "u", &x, 1, y);
	rfx_builder_output(&b, y);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_E_INVALID_ARGUMENT);

	/* errors are sticky: the first one is reported */
	rfx_builder_init(&b);
	ck_assert_uint_eq(rfx_builder_input(&b, "x", RFX_DTYPE_F32, 1, d0), RFX_BUILDER_NONE);
	ck_assert_uint_eq(rfx_builder_input(&b, "z", RFX_DTYPE_F32, 1, d1), RFX_BUILDER_NONE);
	ck_assert_ptr_null(rfx_builder_layer(&b, RFX_OP_UNARY, "u", &x, 1, x));
	ck_assert_int_eq(rfx_builder_infer(&b, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_E_INVALID_ARGUMENT);
	ck_assert_ptr_nonnull(strstr(err, "'x'"));
	ck_assert_ptr_nonnull(strstr(err, "dimension 0 is 0"));

	/* a bad tensor index */
	rfx_builder_init(&b);
	x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 1, d1);
	ck_assert_ptr_null(rfx_builder_layer(&b, RFX_OP_UNARY, "u", &x, 1, 7));
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_E_INVALID_ARGUMENT);

	/* golden sizes must match the first input and output */
	l = conv_graph(&b, w, bias);
	rfx_builder_infer(&b, l);
	rfx_builder_output(&b, l->outputs[0]);
	rfx_builder_set_golden(&b, w, 8, w, 48);
	ck_assert_int_eq(rfx_builder_finish(&b, &g, err, sizeof(err)), RFX_E_INVALID_ARGUMENT);
	ck_assert_ptr_nonnull(strstr(err, "golden input"));

	/* out NULL discards */
	l = conv_graph(&b, w, bias);
	ck_assert_int_eq(rfx_builder_finish(&b, NULL, NULL, 0), RFX_OK);
}
END_TEST

/* The IEEE binary16 value of bits h, from the definition. */
static double f16_value(uint16_t h)
{
	int e = h >> 10 & 31, m = h & 1023;
	double v = e == 0 ? ldexp(m, -24) : ldexp(1024 + m, e - 25);

	return h & 0x8000 ? -v : v;
}

START_TEST(test_half_every_value)
{
	for (uint32_t h = 0; h < 65536; h++) {
		float f = rfx_f16_to_f32((uint16_t)h);
		int e = h >> 10 & 31;

		if (e == 31 && (h & 1023)) {
			ck_assert(isnan(f));
			ck_assert(isnan(rfx_f16_to_f32(rfx_f32_to_f16(f))));
			continue;
		}
		if (e == 31) {
			ck_assert(isinf(f));
			ck_assert_int_eq(signbit(f) != 0, (h & 0x8000) != 0);
		} else {
			ck_assert_msg((double)f == f16_value((uint16_t)h),
				      "0x%04x -> %a", h, (double)f);
		}
		/* every fp16 value survives the round trip, -0 included */
		ck_assert_uint_eq(rfx_f32_to_f16(f), h);
	}
}
END_TEST

START_TEST(test_half_ties_and_limits)
{
	/* between each pair of neighbours: the midpoint goes to the even
	 * one, a hair off it to the nearer one */
	for (uint32_t h = 0; h < 0x7bff; h++) {
		double lo = f16_value((uint16_t)h), hi = f16_value((uint16_t)(h + 1));
		float mid = (float)((lo + hi) / 2); /* exact: fp16 has 11 bits */
		uint16_t even = (h & 1) ? (uint16_t)(h + 1) : (uint16_t)h;

		ck_assert_uint_eq(rfx_f32_to_f16(mid), even);
		ck_assert_uint_eq(rfx_f32_to_f16(nextafterf(mid, 0)), h);
		ck_assert_uint_eq(rfx_f32_to_f16(nextafterf(mid, INFINITY)), h + 1);
		ck_assert_uint_eq(rfx_f32_to_f16(-mid), even | 0x8000);
	}
	ck_assert_uint_eq(rfx_f32_to_f16(65520.0f), 0x7c00);
	ck_assert_uint_eq(rfx_f32_to_f16(nextafterf(65520.0f, 0)), 0x7bff);
	ck_assert_uint_eq(rfx_f32_to_f16(1e30f), 0x7c00);
	ck_assert_uint_eq(rfx_f32_to_f16(-INFINITY), 0xfc00);
	ck_assert_uint_eq(rfx_f32_to_f16(0x1p-25f), 0x0000); /* tie to even 0 */
	ck_assert_uint_eq(rfx_f32_to_f16(nextafterf(0x1p-25f, 1)), 0x0001);
	ck_assert_uint_eq(rfx_f32_to_f16(1e-45f), 0x0000); /* f32 subnormal */
	ck_assert_uint_eq(rfx_f32_to_f16(-0.0f), 0x8000);
	ck_assert_float_eq(rfx_round_f16(0.1f), 0.0999755859375f);

	float src[3] = {1.0f, -2.0f, 0.5f}, back[3];
	uint16_t h[3];
	rfx_f32_to_f16_n(h, src, 3);
	rfx_f16_to_f32_n(back, h, 3);
	ck_assert_mem_eq(src, back, sizeof(src));
}
END_TEST

static Suite *builder_suite(void)
{
	Suite *s = suite_create("builder");
	TCase *tc;

	tc = tcase_create("builder");
	tcase_add_test(tc, test_finish_owns_everything);
	tcase_add_test(tc, test_finish_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("half");
	tcase_add_test(tc, test_half_every_value);
	tcase_add_test(tc, test_half_ties_and_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(builder_suite());
}
