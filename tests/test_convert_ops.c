/*
 * rfx-convert on models built here with protobuf-c: one ONNX rule at a
 * time (opset-dependent forms, folding, fusion), each compared with the
 * ONNX operator definition computed in plain C below; and the errors.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "onnx_build.h"
#include "test_convert.h"

/* Converts b, runs it on inputs, returns output 0. */
static float *convert_run(ob *b, const rfx_convert_options *opt,
                          const float *const *inputs, rfx_graph *g,
                          rfx_convert_stats *s, uint64_t *n)
{
	size_t size;
	void *bytes = ob_pack(b, &size);

	tc_convert(bytes, size, opt, g, s);
	free(bytes);
	return tc_run(g, inputs, 0, n);
}

static void fill(float *x, uint32_t n, uint32_t seed)
{
	uint32_t s = seed;

	for (uint32_t k = 0; k < n; k++)
		x[k] = test_randf(&s, -2.0f, 2.0f);
}

/* Softmax over [2,3,4] with axis 1: opset 11 normalizes over the flattened
 * dims 1..2 (12 values), opset 13 over dim 1 alone (3 values). */
START_TEST(test_softmax_legacy)
{
	int64_t opset = _i ? 13 : 11, d[3] = {2, 3, 4};
	float x[24], want[24];
	rfx_graph g;
	uint64_t n;
	ob b;

	fill(x, 24, 11);
	for (int i = 0; i < 2; i++) {
		if (opset == 11) {
			double m = -INFINITY, sum = 0;
			for (int k = 0; k < 12; k++)
				m = fmax(m, x[i * 12 + k]);
			for (int k = 0; k < 12; k++)
				sum += exp(x[i * 12 + k] - m);
			for (int k = 0; k < 12; k++)
				want[i * 12 + k] =
					(float)(exp(x[i * 12 + k] - m) / sum);
			continue;
		}
		for (int w = 0; w < 4; w++) {
			double m = -INFINITY, sum = 0;
			for (int c = 0; c < 3; c++)
				m = fmax(m, x[i * 12 + c * 4 + w]);
			for (int c = 0; c < 3; c++)
				sum += exp(x[i * 12 + c * 4 + w] - m);
			for (int c = 0; c < 3; c++)
				want[i * 12 + c * 4 + w] = (float)(
					exp(x[i * 12 + c * 4 + w] - m) / sum);
		}
	}
	ob_init(&b, opset);
	ob_input(&b, "x", 1, 3, d);
	ob_node(&b, "Softmax", "x", "y");
	ob_attr_i(&b, "axis", 1);
	ob_output(&b, "y");
	const float *in[1] = {x};
	float *y = convert_run(&b, NULL, in, &g, NULL, &n);
	ck_assert_uint_eq(n, 24);
	ck_assert_int_eq(g.layers[0].i[RFX_SOFTMAX_LEGACY], opset < 13);
	/* float exp and sums of <= 12 terms: within 1e-6 of the double
	 * reference (values are in (0, 1)). */
	tc_close(y, want, n, 1e-6, 1e-5, "softmax");
	free(y);
	rfx_graph_finish(&g);
	ob_finish(&b);
}
END_TEST

/* Clip: attributes before opset 11, optional inputs after (max only). */
START_TEST(test_clip_forms)
{
	int64_t d[1] = {8}, sd[1] = {0};
	float x[8] = {-3, -0.6f, -0.5f, 0, 0.25f, 0.5f, 0.75f, 9};
	float want[8];
	float hi = 0.5f;
	rfx_graph g;
	uint64_t n;
	ob b;

	ob_init(&b, _i ? 13 : 9);
	ob_input(&b, "x", 1, 1, d);
	if (_i) {
		ob_init_f(&b, "hi", 0, sd, &hi);
		ob_node(&b, "Clip", "x,,hi", "y"); /* no min: -inf */
	} else {
		ob_node(&b, "Clip", "x", "y");
		ob_attr_f(&b, "min", -0.5f);
		ob_attr_f(&b, "max", 0.5f);
	}
	ob_output(&b, "y");
	for (int k = 0; k < 8; k++)
		want[k] = fminf(fmaxf(x[k], _i ? -INFINITY : -0.5f), 0.5f);
	const float *in[1] = {x};
	float *y = convert_run(&b, NULL, in, &g, NULL, &n);
	tc_close(y, want, 8, 0, 0, "clip"); /* exact */
	free(y);
	rfx_graph_finish(&g);
	ob_finish(&b);
}
END_TEST

/* Gemm with alpha, beta, transposes and a matrix or vector C, computed in
 * double: y = alpha * op(A) op(B) + beta * C. */
START_TEST(test_gemm)
{
	const int ta = _i & 1, tb = (_i >> 1) & 1, matrix = _i < 2;
	const int M = 3, K = 4, N = 5;
	int64_t ad[2] = {ta ? K : M, ta ? M : K};
	int64_t bd[2] = {tb ? N : K, tb ? K : N};
	int64_t cd[2] = {M, N}, vd[1] = {N};
	float a[12], bw[20], c[15], want[15];
	rfx_graph g;
	uint64_t n;
	ob b;

	fill(a, 12, 1);
	fill(bw, 20, 2);
	fill(c, 15, 3);
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double s = 0;
			for (int k = 0; k < K; k++)
				s += (double)a[ta ? k * M + i : i * K + k] *
				     bw[tb ? j * K + k : k * N + j];
			want[i * N + j] = (float)(0.5 * s +
					  2.0 * c[matrix ? i * N + j : j]);
		}
	ob_init(&b, 13);
	ob_input(&b, "a", 1, 2, ad);
	ob_init_f(&b, "b", 2, bd, bw);
	if (matrix)
		ob_init_f(&b, "c", 2, cd, c);
	else
		ob_init_f(&b, "c", 1, vd, c);
	ob_node(&b, "Gemm", "a,b,c", "y");
	ob_attr_f(&b, "alpha", 0.5f);
	ob_attr_f(&b, "beta", 2.0f);
	ob_attr_i(&b, "transA", ta);
	ob_attr_i(&b, "transB", tb);
	ob_output(&b, "y");
	const float *in[1] = {a};
	float *y = convert_run(&b, NULL, in, &g, NULL, &n);
	ck_assert_uint_eq(n, 15);
	ck_assert_uint_eq(tc_count_op(&g, RFX_OP_FC), 1);
	ck_assert_uint_eq(tc_count_op(&g, RFX_OP_TRANSPOSE), (uint32_t)ta);
	ck_assert_uint_eq(tc_count_op(&g, RFX_OP_BINARY), (uint32_t)matrix);
	tc_close(y, want, 15, 1e-5, 1e-5, "gemm"); /* 4-term float sums */
	free(y);
	rfx_graph_finish(&g);
	ob_finish(&b);
}
END_TEST

/* PyTorch's x.view(x.size(0), -1): Shape, Gather, Unsqueeze (attribute
 * before opset 13, input from 13), Concat with -1, Reshape -- folded to
 * one reshape. Then Reshape's 0 (copy a dim) and -1 (infer). */
START_TEST(test_shape_chain)
{
	int64_t opset = _i ? 13 : 11, d[4] = {2, 3, 2, 2};
	int64_t zero = 0, minus1 = -1, sd[1] = {1}, td[1] = {3};
	int64_t tshape[3] = {0, -1, 2};
	float x[24];
	rfx_graph g;
	rfx_convert_stats s;
	uint64_t n;
	ob b;

	fill(x, 24, 5);
	ob_init(&b, opset);
	ob_input(&b, "x", 1, 4, d);
	ob_init_i(&b, "idx", 0, sd, &zero);
	ob_init_i(&b, "m1", 1, sd, &minus1);
	ob_init_i(&b, "ax", 1, sd, &zero);
	ob_init_i(&b, "t", 1, td, tshape);
	ob_node(&b, "Shape", "x", "s");
	ob_node(&b, "Gather", "s,idx", "n");
	if (opset < 13) {
		ob_node(&b, "Unsqueeze", "n", "n1");
		ob_attr_ints(&b, "axes", 1, &zero);
	} else {
		ob_node(&b, "Unsqueeze", "n,ax", "n1");
	}
	ob_node(&b, "Concat", "n1,m1", "shape");
	ob_attr_i(&b, "axis", 0);
	ob_node(&b, "Reshape", "x,shape", "flat");   /* [2, 12] */
	ob_node(&b, "Relu", "flat", "r");
	ob_node(&b, "Reshape", "r,t", "y");          /* [2, 6, 2] */
	ob_output(&b, "y");
	const float *in[1] = {x};
	float *y = convert_run(&b, NULL, in, &g, &s, &n);
	ck_assert_uint_eq(s.folded, 4);
	ck_assert_uint_eq(g.n_layers, 3);
	const rfx_tensor *out = &g.tensors[g.outputs[0]];
	ck_assert_uint_eq(out->rank, 3);
	ck_assert_uint_eq(out->dims[0], 2);
	ck_assert_uint_eq(out->dims[1], 6);
	ck_assert_uint_eq(out->dims[2], 2);
	for (int k = 0; k < 24; k++)
		ck_assert_float_eq(y[k], fmaxf(x[k], 0));
	free(y);
	rfx_graph_finish(&g);
	ob_finish(&b);
}
END_TEST

/* Pad (constant): pads and value as attributes before opset 11, inputs
 * after. Output [1, 2+1, 2+2] from [1, 2, 2] with begins {0,1,0}, ends
 * {0,0,2}. */
START_TEST(test_pad_forms)
{
	int64_t d[3] = {1, 2, 2}, pd[1] = {6}, sd[1] = {0};
	int64_t pads[6] = {0, 1, 0, 0, 0, 2};
	float x[4] = {1, 2, 3, 4}, v = -7.5f, want[12];
	rfx_graph g;
	uint64_t n;
	ob b;

	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 4; c++)
			want[r * 4 + c] = r >= 1 && c < 2 ? x[(r - 1) * 2 + c] : v;
	ob_init(&b, _i ? 13 : 9);
	ob_input(&b, "x", 1, 3, d);
	if (_i) {
		ob_init_i(&b, "pads", 1, pd, pads);
		ob_init_f(&b, "v", 0, sd, &v);
		ob_node(&b, "Pad", "x,pads,v", "y");
	} else {
		ob_node(&b, "Pad", "x", "y");
		ob_attr_ints(&b, "pads", 6, pads);
		ob_attr_f(&b, "value", v);
	}
	ob_output(&b, "y");
	const float *in[1] = {x};
	float *y = convert_run(&b, NULL, in, &g, NULL, &n);
	ck_assert_uint_eq(n, 12);
	tc_close(y, want, 12, 0, 0, "pad");
	free(y);
	rfx_graph_finish(&g);
	ob_finish(&b);
}
END_TEST

/* A 1x1 conv (+ bias) computed here: y[m] = b[m] + sum_c w[m,c] x[c]. */
static void conv1x1(const float *x, const float *w, const float *bias,
                    int C, int M, int HW, float *y)
{
	for (int m = 0; m < M; m++)
		for (int p = 0; p < HW; p++) {
			double s = bias[m];
			for (int c = 0; c < C; c++)
				s += (double)w[m * C + c] * x[c * HW + p];
			y[m * HW + p] = (float)s;
		}
}

/* Conv -> BN -> Relu folds into one conv; a BN with no conv before it
 * becomes mul + add; Conv + x -> Relu fuses into a conv with a residual. */
START_TEST(test_bn_and_residual)
{
	int64_t xd[4] = {1, 2, 3, 3}, wd[4] = {2, 2, 1, 1}, cd[1] = {2};
	float x[18], w[4] = {0.5f, -1, 2, 0.25f}, bias[2] = {0.1f, -0.2f};
	float sc[2] = {1.5f, -0.5f}, sh[2] = {0.25f, 1}, mean[2] = {0.3f, -1};
	float var[2] = {2, 0.5f}, eps = 1e-3f;
	float conv[18], want[18];
	rfx_graph g;
	rfx_convert_stats s;
	uint64_t n;
	ob b;

	fill(x, 18, 9);
	ob_init(&b, 13);
	ob_input(&b, "x", 1, 4, xd);
	ob_init_f(&b, "w", 4, wd, w);
	ob_init_f(&b, "b", 1, cd, bias);
	ob_init_f(&b, "s", 1, cd, sc);
	ob_init_f(&b, "sh", 1, cd, sh);
	ob_init_f(&b, "m", 1, cd, mean);
	ob_init_f(&b, "v", 1, cd, var);
	/* a = relu(bn(conv(x))); c = bn(x) (standalone); y = relu(conv(a) + c) */
	ob_node(&b, "Conv", "x,w,b", "c1");
	ob_node(&b, "BatchNormalization", "c1,s,sh,m,v", "bn1");
	ob_attr_f(&b, "epsilon", eps);
	ob_node(&b, "Relu", "bn1", "a");
	ob_node(&b, "BatchNormalization", "x,s,sh,m,v", "c");
	ob_attr_f(&b, "epsilon", eps);
	ob_node(&b, "Conv", "a,w,b", "c2");
	ob_node(&b, "Add", "c2,c", "sum");
	ob_node(&b, "Relu", "sum", "y");
	ob_output(&b, "y");

	float a[18], c[18];
	conv1x1(x, w, bias, 2, 2, 9, conv);
	for (int k = 0; k < 18; k++) {
		int ch = k / 9;
		double is = sc[ch] / sqrt((double)var[ch] + eps);
		a[k] = (float)fmax(0, (conv[k] - mean[ch]) * is + sh[ch]);
		c[k] = (float)((x[k] - mean[ch]) * is + sh[ch]);
	}
	conv1x1(a, w, bias, 2, 2, 9, conv);
	for (int k = 0; k < 18; k++)
		want[k] = fmaxf(conv[k] + c[k], 0);

	const float *in[1] = {x};
	float *y = convert_run(&b, NULL, in, &g, &s, &n);
	ck_assert_uint_eq(s.bn_folded, 1);
	ck_assert_uint_eq(s.bn_expanded, 1);
	ck_assert_uint_eq(s.residual_fused, 1);
	ck_assert_uint_eq(tc_count_op(&g, RFX_OP_CONV2D), 2);
	ck_assert_uint_eq(tc_count_op(&g, RFX_OP_BINARY), 2);
	ck_assert_uint_eq(g.n_layers, 4);
	const rfx_layer *last = &g.layers[g.n_layers - 1];
	ck_assert_int_eq(last->op, RFX_OP_CONV2D);
	ck_assert_uint_eq(last->n_inputs, 4);
	ck_assert_int_eq(last->i[RFX_CONV_ACT], RFX_ACT_RELU);
	/* Folded scale in float vs double here: 1e-5 relative. */
	tc_close(y, want, 18, 1e-5, 1e-5, "bn/residual");
	free(y);
	rfx_graph_finish(&g);
	ob_finish(&b);
}
END_TEST

static double silu(double v)
{
	return v / (1.0 + exp(-v));
}

/* x * Sigmoid(x), as PyTorch exports SiLU, becomes one swish activation:
 * fused into the conv that makes x (either operand order), or standalone
 * on a graph input; not where the sigmoid's output is read elsewhere (here
 * a graph output). Outputs: y = a*Sigmoid(a) (a = conv swish), the kept
 * sigmoid s2, z = x*Sigmoid(x). */
START_TEST(test_swish)
{
	int64_t xd[4] = {1, 2, 3, 3}, wd[4] = {2, 2, 1, 1}, cd[1] = {2};
	float x[18], w[4] = {0.5f, -1, 2, 0.25f}, bias[2] = {0.1f, -0.2f};
	float conv[18], want_y[18], want_s[18], want_z[18];
	rfx_graph g;
	rfx_convert_stats s;
	uint64_t n;
	ob b;

	fill(x, 18, 12);
	ob_init(&b, 13);
	ob_input(&b, "x", 1, 4, xd);
	ob_init_f(&b, "w", 4, wd, w);
	ob_init_f(&b, "b", 1, cd, bias);
	ob_node(&b, "Conv", "x,w,b", "c1");
	ob_node(&b, "Sigmoid", "c1", "s1");
	ob_node(&b, "Mul", "s1,c1", "a");
	ob_node(&b, "Sigmoid", "a", "s2");
	ob_node(&b, "Mul", "a,s2", "y");
	ob_node(&b, "Sigmoid", "x", "s3");
	ob_node(&b, "Mul", "x,s3", "z");
	ob_output(&b, "y");
	ob_output(&b, "s2");
	ob_output(&b, "z");

	conv1x1(x, w, bias, 2, 2, 9, conv);
	for (int k = 0; k < 18; k++) {
		double a = silu(conv[k]);
		want_s[k] = (float)(1.0 / (1.0 + exp(-a)));
		want_y[k] = (float)(a * want_s[k]);
		want_z[k] = (float)silu(x[k]);
	}
	const float *in[1] = {x};
	float *y = convert_run(&b, NULL, in, &g, &s, &n);
	ck_assert_uint_eq(s.swish_fused, 2);
	ck_assert_uint_eq(g.n_layers, 4);
	ck_assert_int_eq(g.layers[0].op, RFX_OP_CONV2D);
	ck_assert_int_eq(g.layers[0].i[RFX_CONV_ACT], RFX_ACT_SWISH);
	ck_assert_uint_eq(tc_count_op(&g, RFX_OP_BINARY), 1);
	ck_assert_uint_eq(tc_count_op(&g, RFX_OP_UNARY), 2);
	/* one f32 exp and a few roundings per value, twice: 1e-6 */
	tc_close(y, want_y, 18, 1e-6, 1e-6, "x*sigmoid(x) after a swish conv");
	free(y);
	y = tc_run(&g, in, 1, &n);
	tc_close(y, want_s, 18, 1e-6, 1e-6, "the sigmoid that is an output");
	free(y);
	y = tc_run(&g, in, 2, &n);
	tc_close(y, want_z, 18, 1e-6, 1e-6, "swish of a graph input");
	free(y);
	rfx_graph_finish(&g);
	ob_finish(&b);
}
END_TEST

/* Identity from a graph input to a graph output stays as a copy;
 * Dropout (inference) disappears; float16 and float64 initializers are
 * converted to float32. */
START_TEST(test_identity_dropout_dtypes)
{
	int64_t d[1] = {4};
	float x[4] = {-1, 0.5f, 2, -3}, want[4];
	uint16_t h[4] = {0x3c00, 0xc000, 0x3800, 0x0000}; /* 1 -2 0.5 0 */
	double dv[4] = {0.25, 1e-3, -4, 8};
	rfx_graph g;
	rfx_convert_stats s;
	uint64_t n;
	ob b;

	ob_init(&b, 13);
	ob_input(&b, "x", 1, 1, d);
	ob_init_raw(&b, "h", 10, 1, d, h, sizeof(h));
	ob_init_raw(&b, "dv", 11, 1, d, dv, sizeof(dv));
	ob_node(&b, "Identity", "x", "copy");
	ob_node(&b, "Dropout", "x", "dx");
	ob_node(&b, "Mul", "dx,h", "t");
	ob_node(&b, "Add", "t,dv", "y");
	ob_output(&b, "y");
	ob_output(&b, "copy");
	const float hv[4] = {1, -2, 0.5f, 0};
	for (int k = 0; k < 4; k++)
		want[k] = x[k] * hv[k] + (float)dv[k];
	const float *in[1] = {x};
	float *y = convert_run(&b, NULL, in, &g, &s, &n);
	ck_assert_uint_eq(s.identity_removed, 1); /* the Dropout */
	tc_close(y, want, 4, 0, 0, "dtypes");
	free(y);
	y = tc_run(&g, in, 1, &n);
	tc_close(y, x, 4, 0, 0, "identity copy");
	ck_assert_str_eq(g.tensors[g.outputs[1]].name, "copy");
	free(y);
	rfx_graph_finish(&g);
	ob_finish(&b);
}
END_TEST

/* A free batch becomes 1; free H/W come from input_w/h; a frozen input
 * becomes a constant. */
START_TEST(test_free_dims_and_freeze)
{
	int64_t d[4] = {-1, 1, -1, -1}, bd[4] = {1, 1, 1, 1};
	float bias = 0.5f;
	rfx_convert_options opt;
	rfx_convert_freeze fz;
	rfx_graph g;
	char err[512];
	size_t size;
	ob b;

	ob_init(&b, 13);
	ob_input(&b, "x", 1, 4, d);
	ob_input(&b, "bias", 1, 4, bd);
	ob_node(&b, "Add", "x,bias", "y");
	ob_output(&b, "y");
	void *bytes = ob_pack(&b, &size);
	rfx_convert_options_default(&opt);
	memset(&fz, 0, sizeof(fz));
	fz.name = "bias";
	fz.value.type = RFX_IR_FLOAT;
	fz.value.rank = 4;
	for (int k = 0; k < 4; k++)
		fz.value.dims[k] = 1;
	fz.value.data = &bias;
	opt.freeze = &fz;
	opt.n_freeze = 1;
	tc_convert_fails(bytes, size, &opt, RFX_E_UNSUPPORTED, err, sizeof(err));
	ck_assert_msg(strstr(err, "--input-size"), "%s", err);
	opt.input_w = 5;
	opt.input_h = 3;
	tc_convert(bytes, size, &opt, &g, NULL);
	ck_assert_uint_eq(g.n_inputs, 1);
	const rfx_tensor *x = &g.tensors[g.inputs[0]];
	ck_assert_uint_eq(x->dims[0], 1);
	ck_assert_uint_eq(x->dims[2], 3);
	ck_assert_uint_eq(x->dims[3], 5);
	ck_assert_uint_eq(g.meta.input_w, 5);
	ck_assert_uint_eq(g.meta.input_h, 3);
	rfx_graph_finish(&g);
	fz.name = "nope";
	tc_convert_fails(bytes, size, &opt, RFX_E_INVALID_ARGUMENT, err,
			 sizeof(err));
	ck_assert_msg(strstr(err, "nope"), "%s", err);
	free(bytes);
	ob_finish(&b);
}
END_TEST

TCase *tc_ops_case(void)
{
	TCase *tc = tcase_create("ops");

	tcase_add_loop_test(tc, test_softmax_legacy, 0, 2);
	tcase_add_loop_test(tc, test_clip_forms, 0, 2);
	tcase_add_loop_test(tc, test_gemm, 0, 4);
	tcase_add_loop_test(tc, test_shape_chain, 0, 2);
	tcase_add_loop_test(tc, test_pad_forms, 0, 2);
	tcase_add_test(tc, test_bn_and_residual);
	tcase_add_test(tc, test_swish);
	tcase_add_test(tc, test_identity_dropout_dtypes);
	tcase_add_test(tc, test_free_dims_and_freeze);
	return tc;
}

/* ---- errors ---- */

/* A one-node model: x [1,2,4,4] -> op -> y, with attributes set by fn. */
static void *one_node(int64_t opset, const char *op, const char *name,
                      void (*attrs)(ob *), size_t *size)
{
	int64_t d[4] = {1, 2, 4, 4};
	ob b;

	ob_init(&b, opset);
	ob_input(&b, "x", 1, 4, d);
	ob_node(&b, op, "x", "y")->name = (char *)name;
	if (attrs)
		attrs(&b);
	ob_output(&b, "y");
	void *bytes = ob_pack(&b, size);
	ob_finish(&b);
	return bytes;
}

static void attrs_reflect(ob *b)
{
	static const int64_t pads[8] = {0, 0, 1, 1, 0, 0, 1, 1};

	ob_attr_s(b, "mode", "reflect");
	ob_attr_ints(b, "pads", 8, pads);
}

static void attrs_pool_bad_autopad(ob *b)
{
	static const int64_t k[2] = {2, 2};

	ob_attr_ints(b, "kernel_shape", 2, k);
	ob_attr_s(b, "auto_pad", "SAME_SIDEWAYS");
}

static void attrs_unknown(ob *b)
{
	ob_attr_i(b, "frobnicate", 1);
}

/* Unsupported ops, attribute values and opsets: RFX_E_UNSUPPORTED with a
 * message naming the node, its op type and the opset. */
START_TEST(test_unsupported)
{
	static const struct {
		int64_t opset;
		const char *op, *name, *extra;
		void (*attrs)(ob *);
	} cases[] = {
		{13, "Erf", "my_erf", "not supported", NULL},
		{11, "Pad", "pad_node", "reflect", attrs_reflect},
		{12, "MaxPool", "pool_node", "SAME_SIDEWAYS",
		 attrs_pool_bad_autopad},
		{13, "Relu", "relu_node", "frobnicate", attrs_unknown},
		{13, "Gather", "gather_node", "constant", NULL},
	};
	char err[1024], opset[32];
	size_t size;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		void *bytes = one_node(cases[c].opset, cases[c].op,
				       cases[c].name, cases[c].attrs, &size);
		tc_convert_fails(bytes, size, NULL, RFX_E_UNSUPPORTED, err,
				 sizeof(err));
		snprintf(opset, sizeof(opset), "opset %lld",
			 (long long)cases[c].opset);
		ck_assert_msg(strstr(err, cases[c].name) &&
			      strstr(err, cases[c].op) && strstr(err, opset) &&
			      strstr(err, cases[c].extra),
			      "case %zu: %s", c, err);
		free(bytes);
	}
	/* Beyond opset 17. */
	void *bytes = one_node(18, "Relu", "r", NULL, &size);
	tc_convert_fails(bytes, size, NULL, RFX_E_UNSUPPORTED, err, sizeof(err));
	ck_assert_msg(strstr(err, "18") && strstr(err, "17"), "%s", err);
	free(bytes);
}
END_TEST

/* A 3-D (1-D spatial) convolution, an integer graph input, a graph output
 * that folds to a constant, data kept in an external file. */
START_TEST(test_unsupported_inputs)
{
	int64_t d3[3] = {1, 1, 8}, wd[3] = {1, 1, 3}, d2[2] = {2, 2};
	float w[4] = {1, 2, 3, 4}; /* 3 for the conv, 4 for the [2,2] add */
	char err[1024];
	size_t size;
	void *bytes;
	ob b;

	ob_init(&b, 13);
	ob_input(&b, "x", 1, 3, d3);
	ob_init_f(&b, "w", 3, wd, w);
	ob_node(&b, "Conv", "x,w", "y")->name = "conv1d";
	ob_output(&b, "y");
	bytes = ob_pack(&b, &size);
	tc_convert_fails(bytes, size, NULL, RFX_E_UNSUPPORTED, err, sizeof(err));
	ck_assert_msg(strstr(err, "conv1d") && strstr(err, "rank 3"), "%s", err);
	free(bytes);
	ob_finish(&b);

	ob_init(&b, 13);
	ob_input(&b, "x", 2 /* uint8 */, 2, d2);
	ob_node(&b, "Relu", "x", "y");
	ob_output(&b, "y");
	bytes = ob_pack(&b, &size);
	tc_convert_fails(bytes, size, NULL, RFX_E_UNSUPPORTED, err, sizeof(err));
	ck_assert_msg(strstr(err, "integer"), "%s", err);
	free(bytes);
	ob_finish(&b);

	ob_init(&b, 13);
	ob_input(&b, "x", 1, 2, d2);
	ob_node(&b, "Shape", "x", "y");
	ob_output(&b, "y");
	bytes = ob_pack(&b, &size);
	tc_convert_fails(bytes, size, NULL, RFX_E_UNSUPPORTED, err, sizeof(err));
	ck_assert_msg(strstr(err, "constant"), "%s", err);
	free(bytes);
	ob_finish(&b);

	ob_init(&b, 13);
	ob_input(&b, "x", 1, 2, d2);
	ob_init_f(&b, "w", 2, d2, w);
	b.init[0].has_data_location = 1;
	b.init[0].data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	ob_node(&b, "Add", "x,w", "y");
	ob_output(&b, "y");
	bytes = ob_pack(&b, &size);
	tc_convert_fails(bytes, size, NULL, RFX_E_UNSUPPORTED, err, sizeof(err));
	ck_assert_msg(strstr(err, "external"), "%s", err);
	free(bytes);
	ob_finish(&b);
}
END_TEST

/* Malformed bytes: every truncation of a small model and single-byte
 * corruptions either convert (a shorter model can still be valid) or fail
 * with a message; never a crash, never RFX_E_INTERNAL. */
START_TEST(test_malformed)
{
	int64_t d[2] = {2, 3}, cd[1] = {3};
	float c[3] = {1, 2, 3};
	char err[1024];
	size_t size;
	uint32_t seed = 99;
	ob b;

	ob_init(&b, 13);
	ob_input(&b, "x", 1, 2, d);
	ob_init_f(&b, "c", 1, cd, c);
	ob_node(&b, "Add", "x,c", "t");
	ob_node(&b, "Relu", "t", "y");
	ob_output(&b, "y");
	uint8_t *bytes = ob_pack(&b, &size);
	ob_finish(&b);
	uint8_t *copy = malloc(size);
	ck_assert_ptr_nonnull(copy);
	for (size_t len = 0; len < size + 200; len++) {
		rfx_graph g;
		size_t n = len < size ? len : size;
		memcpy(copy, bytes, size);
		if (len >= size) /* past the truncations: corruptions */
			copy[test_rand(&seed) % size] ^=
				(uint8_t)(1u << (test_rand(&seed) % 8));
		err[0] = '\0';
		rfx_status st = rfx_convert_onnx(copy, n, NULL, &g, NULL, err,
						 sizeof(err));
		ck_assert_int_ne(st, RFX_E_INTERNAL);
		if (st == RFX_OK)
			rfx_graph_finish(&g);
		else
			ck_assert_msg(err[0], "no message for length %zu", len);
	}
	tc_convert_fails("garbage", 7, NULL, RFX_E_FORMAT, err, sizeof(err));
	free(copy);
	free(bytes);
}
END_TEST

/* A folding bomb: ConstantOfShape of a 2^29-element shape, in a few
 * hundred bytes, used by an Add so that it must be folded. The converter
 * refuses it by its folding budget (16 MiB + 4x the file) instead of
 * allocating 2 GiB; a 1,000-element one still folds. */
START_TEST(test_fold_budget)
{
	int64_t d[1] = {1}, sd[1] = {1};
	char err[1024];
	float one = 1.0f;
	size_t size;
	ob b;

	for (int big = 0; big < 2; big++) {
		int64_t shape[1] = {big ? (int64_t)1 << 29 : 1000};
		rfx_graph g;
		ob_init(&b, 13);
		ob_input(&b, "x", 1, 1, d);
		ob_init_i(&b, "s", 1, sd, shape);
		ob_node(&b, "ConstantOfShape", "s", "z");
		ob_attr_tensor_f(&b, "value", 1, d, &one);
		ob_node(&b, "Add", "x,z", "y");
		ob_output(&b, "y");
		void *bytes = ob_pack(&b, &size);
		ob_finish(&b);
		err[0] = '\0';
		rfx_status st = rfx_convert_onnx(bytes, size, NULL, &g, NULL,
						 err, sizeof(err));
		free(bytes);
		if (!big) {
			ck_assert_msg(st == RFX_OK, "%s", err);
			ck_assert_uint_eq(g.tensors[g.outputs[0]].dims[0],
					  1000);
			rfx_graph_finish(&g);
			continue;
		}
		ck_assert_int_eq(st, RFX_E_UNSUPPORTED);
		ck_assert_msg(strstr(err, "constant folding would need"), "%s",
			      err);
	}
}
END_TEST

TCase *tc_errors_case(void)
{
	TCase *tc = tcase_create("errors");

	tcase_add_test(tc, test_unsupported);
	tcase_add_test(tc, test_unsupported_inputs);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_fold_budget);
	return tc;
}
