/*
 * The int8 pass on a network built here with the graph builder: which
 * layers become int8, where QUANTIZE/DEQUANTIZE go, the parameters of
 * concatenated and copied tensors, the weights and biases against an
 * independent computation, and the int8 network's output against fp32.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "convert/int8.h"
#include "convert/quantize.h"
#include "graph/builder.h"
#include "graph/quant.h"
#include "test_quantize.h"

struct net {
	rfx_builder b;
	uint32_t seed;
};

/* A constant of n values uniform in [-a, a]. */
static uint32_t rand_const(struct net *n, const char *name, uint32_t rank,
                           const uint32_t *dims, float a)
{
	uint64_t cnt = 1;
	for (uint32_t d = 0; d < rank; d++)
		cnt *= dims[d];
	float *v = malloc(cnt * sizeof(*v));
	ck_assert_ptr_nonnull(v);
	for (uint64_t k = 0; k < cnt; k++)
		v[k] = test_randf(&n->seed, -a, a);
	uint32_t t = rfx_builder_const(&n->b, name, RFX_DTYPE_F32, rank, dims, v);
	free(v);
	return t;
}

static uint32_t conv(struct net *n, const char *name, uint32_t x, uint32_t cin,
                     uint32_t cout, uint32_t k, rfx_act act)
{
	char wn[64], bn[64];
	uint32_t wd[4] = {cout, cin, k, k}, bd[1] = {cout};
	/* He-like scale keeps the activations from vanishing. */
	float a = sqrtf(6.0f / (float)(cin * k * k));

	snprintf(wn, sizeof(wn), "%s.w", name);
	snprintf(bn, sizeof(bn), "%s.b", name);
	uint32_t w = rand_const(n, wn, 4, wd, a);
	uint32_t b = rand_const(n, bn, 1, bd, 0.2f);
	uint32_t y = rfx_builder_tensor(&n->b, name, RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(&n->b, RFX_OP_CONV2D, name,
					 (uint32_t[]){x, w, b}, 3, y);
	ck_assert_ptr_nonnull(l);
	l->i[RFX_CONV_STRIDE_H] = l->i[RFX_CONV_STRIDE_W] = 1;
	l->i[RFX_CONV_DIL_H] = l->i[RFX_CONV_DIL_W] = 1;
	l->i[RFX_CONV_GROUP] = 1;
	l->i[RFX_CONV_PAD_T] = l->i[RFX_CONV_PAD_L] = (int32_t)k / 2;
	l->i[RFX_CONV_PAD_B] = l->i[RFX_CONV_PAD_R] = (int32_t)k / 2;
	l->i[RFX_CONV_ACT] = act;
	ck_assert_int_eq(rfx_builder_infer(&n->b, l), RFX_OK);
	return y;
}

static uint32_t layer1(struct net *n, rfx_op op, const char *name,
                       const uint32_t *in, uint32_t n_in, const int32_t *iv,
                       uint32_t rank, const uint32_t *dims)
{
	uint32_t y = rfx_builder_tensor(&n->b, name, RFX_DTYPE_F32, rank, dims);
	rfx_layer *l = rfx_builder_layer(&n->b, op, name, in, n_in, y);
	ck_assert_ptr_nonnull(l);
	for (int k = 0; iv && iv[k] >= 0; k += 2)
		l->i[iv[k]] = iv[k + 1];
	ck_assert_int_eq(rfx_builder_infer(&n->b, l), RFX_OK);
	return y;
}

/*
 * x[1,3,12,12] -> a = conv3x3 relu -> b = conv3x3 hardswish (split:
 * conv int8, hardswish fp32) and c = conv1x1 -> cat = concat(b, c) ->
 * p = maxpool 2x2 -> d = conv1x1 -> s = relu(p + d) -> g = global avg
 * -> f = reshape [1,16] -> fc = fc 10 -> y = softmax (fp32 output).
 */
static void build_net(rfx_graph *g)
{
	struct net n = {.seed = 99};
	uint32_t xd[4] = {1, 3, 12, 12};
	char err[256];

	rfx_builder_init(&n.b);
	uint32_t x = rfx_builder_input(&n.b, "x", RFX_DTYPE_F32, 4, xd);
	uint32_t a = conv(&n, "a", x, 3, 8, 3, RFX_ACT_RELU);
	uint32_t b = conv(&n, "b", a, 8, 8, 3, RFX_ACT_HARD_SWISH);
	uint32_t c = conv(&n, "c", a, 8, 8, 1, RFX_ACT_NONE);
	uint32_t cat = layer1(&n, RFX_OP_CONCAT, "cat", (uint32_t[]){b, c}, 2,
			      (int32_t[]){RFX_CONCAT_AXIS, 1, -1}, 0, NULL);
	uint32_t p = layer1(&n, RFX_OP_POOL2D, "p", &cat, 1,
			    (int32_t[]){RFX_POOL_KIND, RFX_POOL_MAX,
					RFX_POOL_KERNEL_H, 2, RFX_POOL_KERNEL_W, 2,
					RFX_POOL_STRIDE_H, 2, RFX_POOL_STRIDE_W, 2,
					RFX_POOL_DIL_H, 1, RFX_POOL_DIL_W, 1, -1},
			    0, NULL);
	uint32_t d = conv(&n, "d", p, 16, 16, 1, RFX_ACT_NONE);
	uint32_t s = layer1(&n, RFX_OP_BINARY, "s", (uint32_t[]){p, d}, 2,
			    (int32_t[]){RFX_BINARY_KIND, RFX_BINARY_ADD,
					RFX_BINARY_ACT, RFX_ACT_RELU, -1}, 0, NULL);
	uint32_t gp = layer1(&n, RFX_OP_GLOBAL_POOL, "g", &s, 1,
			     (int32_t[]){RFX_GPOOL_KIND, RFX_POOL_AVG, -1}, 0,
			     NULL);
	uint32_t f = layer1(&n, RFX_OP_RESHAPE, "f", &gp, 1, NULL, 2,
			    (uint32_t[]){1, 16});
	uint32_t wd[2] = {10, 16}, bd[1] = {10};
	uint32_t w = rand_const(&n, "fc.w", 2, wd, 0.6f);
	uint32_t bb = rand_const(&n, "fc.b", 1, bd, 0.2f);
	uint32_t fc = layer1(&n, RFX_OP_FC, "fc", (uint32_t[]){f, w, bb}, 3,
			     NULL, 0, NULL);
	uint32_t y = layer1(&n, RFX_OP_SOFTMAX, "y", &fc, 1,
			    (int32_t[]){RFX_SOFTMAX_AXIS, 1, -1}, 0, NULL);
	rfx_builder_output(&n.b, y);
	ck_assert_int_eq(rfx_builder_finish(&n.b, g, err, sizeof(err)), RFX_OK);
}

static const rfx_layer *layer_named(const rfx_graph *g, const char *name)
{
	for (uint32_t k = 0; k < g->n_layers; k++)
		if (strcmp(g->layers[k].name, name) == 0)
			return &g->layers[k];
	ck_abort_msg("no layer '%s'", name);
	return NULL;
}

static void convert(const rfx_graph *fp, const rfx_quant_options *o,
                    rfx_graph *q, rfx_quant_report *rep)
{
	char err[512] = "";
	rfx_status st = rfx_convert_int8(fp, NULL, o, 0, 0, NULL, NULL, q, rep,
					 err, sizeof(err));

	ck_assert_msg(st == RFX_OK, "int8: %s: %s", rfx_status_str(st), err);
}

/* The layout of the int8 graph, rule by rule (quantize.h). */
START_TEST(test_plan)
{
	rfx_graph fp, q;
	rfx_quant_options o;
	rfx_quant_report rep;
	tq_random r = {1, -1.0f, 1.0f};

	build_net(&fp);
	rfx_quant_options_default(&o);
	tq_random_source(&r, 6, &o.calib);
	convert(&fp, &o, &q, &rep);
	static const struct { const char *name; rfx_dtype prec; } want[] = {
		{"a", RFX_DTYPE_I8}, {"b", RFX_DTYPE_I8},
		{"b:act", RFX_DTYPE_F32}, {"c", RFX_DTYPE_I8},
		{"cat", RFX_DTYPE_I8}, {"p", RFX_DTYPE_I8}, {"d", RFX_DTYPE_I8},
		{"s", RFX_DTYPE_I8}, {"g", RFX_DTYPE_I8}, {"f", RFX_DTYPE_I8},
		{"fc", RFX_DTYPE_I8}, {"y", RFX_DTYPE_F32},
	};
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		ck_assert_msg(layer_named(&q, want[k].name)->precision ==
			      want[k].prec, "layer %s", want[k].name);
	ck_assert_uint_eq(rep.split, 1);
	ck_assert_int_eq(layer_named(&q, "b")->i[RFX_CONV_ACT], RFX_ACT_NONE);
	ck_assert_int_eq(layer_named(&q, "b:act")->i[RFX_UNARY_ACT],
			 RFX_ACT_HARD_SWISH);
	/* x -> x:q; b:pre -> b:pre:f -> hardswish -> b -> b:q; fc -> fc:f */
	ck_assert_uint_eq(tq_count_op(&q, RFX_OP_QUANTIZE), 2);
	ck_assert_uint_eq(tq_count_op(&q, RFX_OP_DEQUANTIZE), 2);
	ck_assert_int_eq(q.tensors[tq_tensor(&q, "x")].dtype, RFX_DTYPE_F32);
	ck_assert(q.tensors[tq_tensor(&q, "x")].flags & RFX_TENSOR_INPUT);
	ck_assert_int_eq(q.tensors[tq_tensor(&q, "x:q")].dtype, RFX_DTYPE_I8);
	ck_assert_int_eq(tq_producer(&q, tq_tensor(&q, "b:pre:f"))->op,
			 RFX_OP_DEQUANTIZE);
	ck_assert_int_eq(tq_producer(&q, tq_tensor(&q, "b:q"))->op,
			 RFX_OP_QUANTIZE);
	uint32_t y = tq_tensor(&q, "y");
	ck_assert(q.n_outputs == 1 && q.outputs[0] == y);
	ck_assert_int_eq(q.tensors[y].dtype, RFX_DTYPE_F32);
	/* Concatenated tensors on the concat's grid (b through its
	 * QUANTIZE, c from its conv), max pooling and reshape copy theirs. */
	const rfx_tensor *cat = &q.tensors[tq_tensor(&q, "cat")];
	const char *same[] = {"b:q", "c", "p", "cat"};
	for (size_t k = 0; k < 4; k++) {
		const rfx_tensor *t = &q.tensors[tq_tensor(&q, same[k])];
		ck_assert_msg(t->scale == cat->scale &&
			      t->zero_point == cat->zero_point, "%s", same[k]);
	}
	const rfx_tensor *gt = &q.tensors[tq_tensor(&q, "g")];
	const rfx_tensor *ft = &q.tensors[tq_tensor(&q, "f")];
	ck_assert(gt->scale == ft->scale && gt->zero_point == ft->zero_point);
	/* ReLU outputs: the range starts at 0, zero point -128. */
	ck_assert_int_eq(q.tensors[tq_tensor(&q, "a")].zero_point, -128);
	ck_assert_int_eq(q.tensors[tq_tensor(&q, "s")].zero_point, -128);
	rfx_quant_report_finish(&rep);
	rfx_graph_finish(&q);
	rfx_graph_finish(&fp);
}
END_TEST

/*
 * Weights and bias of conv "a" against an independent computation: per
 * output channel, scale = max|w| / 127 and q = round(w / scale) (ties
 * cannot matter with random weights: the fp32 product the quantizer uses
 * and this division agree away from ties), bias = round(b / (x_scale *
 * w_scale)) half away from zero.
 */
START_TEST(test_weights)
{
	rfx_graph fp, q;
	rfx_quant_options o;
	tq_random r = {2, -1.0f, 1.0f};

	build_net(&fp);
	rfx_quant_options_default(&o);
	tq_random_source(&r, 4, &o.calib);
	convert(&fp, &o, &q, NULL);
	const rfx_layer *l = layer_named(&q, "a");
	const rfx_tensor *x = &q.tensors[l->inputs[0]];
	const rfx_tensor *w = &q.tensors[l->inputs[1]];
	const rfx_tensor *b = &q.tensors[l->inputs[2]];
	const rfx_tensor *wf = &fp.tensors[tq_tensor(&fp, "a.w")];
	const rfx_tensor *bf = &fp.tensors[tq_tensor(&fp, "a.b")];
	ck_assert_int_eq(w->dtype, RFX_DTYPE_I8);
	ck_assert_int_eq(b->dtype, RFX_DTYPE_I32);
	ck_assert(w->channel_scales < q.n_tensors && w->qaxis == 0);
	const float *sc = q.tensors[w->channel_scales].data;
	const int8_t *wq = w->data;
	const int32_t *bq = b->data;
	const float *wv = wf->data, *bv = bf->data;
	uint32_t per = 3 * 3 * 3;
	for (uint32_t c = 0; c < 8; c++) {
		float m = 0;
		for (uint32_t i = 0; i < per; i++)
			m = fmaxf(m, fabsf(wv[c * per + i]));
		ck_assert_float_eq_tol(sc[c], m / 127.0f, 1e-7f * m);
		for (uint32_t i = 0; i < per; i++) {
			double e = rint((double)wv[c * per + i] / sc[c]);
			ck_assert_int_eq(wq[c * per + i], (int)e);
		}
		double bb = (double)bv[c] / ((double)x->scale * sc[c]);
		double br = bb < 0 ? -floor(-bb + 0.5) : floor(bb + 0.5);
		ck_assert_int_eq(bq[c], (int32_t)br);
	}
	rfx_graph_finish(&q);
	rfx_graph_finish(&fp);
}
END_TEST

/*
 * int8 against fp32 on fresh random inputs (not the calibration ones),
 * through the CPU reference. The bound: 8-bit activations carry about
 * 6 dB per bit, ~48 dB for one rounding; a dozen layers of accumulated
 * roundings and the softmax's exponent bring the output to the mid
 * 20s dB on this network (measured ~30 dB); 20 dB (1% of the signal's
 * power as error) still fails a wrong scale, zero point, rounding or
 * layer order by a wide margin.
 */
START_TEST(test_accuracy)
{
	rfx_graph fp, q;
	rfx_quant_options o;
	rfx_quant_report rep;
	tq_random r = {3, -1.0f, 1.0f};
	uint32_t state = 4242;
	float x[3 * 12 * 12];

	build_net(&fp);
	rfx_quant_options_default(&o);
	tq_random_source(&r, 16, &o.calib);
	o.report = 1;
	convert(&fp, &o, &q, &rep);
	ck_assert_uint_eq(rep.eval_samples, 16);
	ck_assert_msg(rep.output_sqnr_db > 20, "report: output %.1f dB",
		      rep.output_sqnr_db);
	ck_assert_uint_eq(rep.top1_rows, 16);
	for (int k = 0; k < 8; k++) {
		uint64_t n, n2;
		for (size_t e = 0; e < sizeof(x) / sizeof(x[0]); e++)
			x[e] = test_randf(&state, -1.0f, 1.0f);
		float *a = tq_run_cpu(&fp, x, &n);
		float *b = tq_run_cpu(&q, x, &n2);
		ck_assert_uint_eq(n, n2);
		double s = tq_sqnr(a, b, n);
		ck_assert_msg(s > 20, "input %d: %.1f dB", k, s);
		free(a);
		free(b);
	}
	/* Every layer measured; the int8 ones well above noise. */
	for (uint32_t k = 0; k < rep.n_layers; k++) {
		const rfx_quant_layer_stat *l = &rep.layers[k];
		ck_assert_msg(!isnan(l->sqnr_db) && l->cosine > 0.99,
			      "%s: %.1f dB, cosine %g", l->name, l->sqnr_db,
			      l->cosine);
	}
	rfx_quant_report_finish(&rep);
	rfx_graph_finish(&q);
	rfx_graph_finish(&fp);
}
END_TEST

/*
 * Mixed precision: a bound no int8 layer meets (90 dB) leaves no int8
 * layer, and the output then matches fp32 far better; a bound every
 * layer meets (-50 dB) changes nothing.
 */
START_TEST(test_mixed)
{
	rfx_graph fp, q;
	rfx_quant_options o;
	rfx_quant_report plain, mixed, none;
	tq_random r = {5, -1.0f, 1.0f};

	build_net(&fp);
	rfx_quant_options_default(&o);
	tq_random_source(&r, 6, &o.calib);
	o.report = 1;
	convert(&fp, &o, &q, &plain);
	rfx_graph_finish(&q);
	o.mixed = 1;
	o.min_sqnr = 90;
	convert(&fp, &o, &q, &mixed);
	/* Every int8 layer that computes is demoted; those that only
	 * follow their input's precision (pooling, reshape) turn float. */
	ck_assert_uint_eq(mixed.n_i8, 0);
	ck_assert_uint_gt(mixed.demoted, 0);
	ck_assert_uint_le(mixed.demoted, plain.n_i8);
	ck_assert_uint_gt(mixed.rounds, 1);
	ck_assert_uint_gt(mixed.n_f16, 0);
	ck_assert_int_eq(layer_named(&q, "a")->precision, RFX_DTYPE_F16);
	ck_assert_msg(mixed.output_sqnr_db > plain.output_sqnr_db + 15,
		      "fp16 %.1f dB vs int8 %.1f dB", mixed.output_sqnr_db,
		      plain.output_sqnr_db);
	rfx_graph_finish(&q);
	/* A bound between the layers' own figures demotes exactly the int8
	 * layers below it, judged alone (not by their end-to-end figure). */
	double own[64];
	uint32_t n_own = 0;
	for (uint32_t k = 0; k < plain.n_layers && n_own < 64; k++)
		if (plain.layers[k].precision == RFX_DTYPE_I8 &&
		    isfinite(plain.layers[k].own_sqnr_db))
			own[n_own++] = plain.layers[k].own_sqnr_db;
	ck_assert_uint_gt(n_own, 4);
	double bound = 0;
	for (uint32_t k = 0; k < n_own; k++) /* the median, roughly */
		bound += own[k] / n_own;
	o.min_sqnr = bound;
	rfx_quant_report half;
	convert(&fp, &o, &q, &half);
	uint32_t below = 0;
	for (uint32_t k = 0; k < plain.n_layers; k++) {
		const rfx_quant_layer_stat *a = &plain.layers[k];
		int want = a->precision == RFX_DTYPE_I8 && a->own_sqnr_db < bound;
		below += want;
		ck_assert_msg(half.layers[k].demoted == want, "%s: own %.1f dB, "
			      "bound %.1f", a->name, a->own_sqnr_db, bound);
	}
	ck_assert_uint_gt(below, 0);
	ck_assert_uint_lt(below, n_own);
	ck_assert_uint_eq(half.demoted, below);
	rfx_quant_report_finish(&half);
	rfx_graph_finish(&q);
	o.min_sqnr = -50;
	convert(&fp, &o, &q, &none);
	ck_assert_uint_eq(none.demoted, 0);
	ck_assert_uint_eq(none.n_i8, plain.n_i8);
	ck_assert_uint_eq(none.rounds, 1);
	rfx_quant_report_finish(&plain);
	rfx_quant_report_finish(&mixed);
	rfx_quant_report_finish(&none);
	rfx_graph_finish(&q);
	rfx_graph_finish(&fp);
}
END_TEST

/* Different calibration methods give different grids; no samples and no
 * QDQ scales is refused. */
START_TEST(test_methods)
{
	rfx_graph fp, q1, q2;
	rfx_quant_options o;
	tq_random r = {6, -1.0f, 1.0f};
	char err[256] = "";

	build_net(&fp);
	rfx_quant_options_default(&o);
	tq_random_source(&r, 6, &o.calib);
	convert(&fp, &o, &q1, NULL);
	rfx_calib_method_parse("entropy", &o.method);
	convert(&fp, &o, &q2, NULL);
	uint32_t differ = 0;
	const char *names[] = {"a", "c", "cat", "d", "s", "g", "fc"};
	for (size_t k = 0; k < 7; k++) {
		const rfx_tensor *t1 = &q1.tensors[tq_tensor(&q1, names[k])];
		const rfx_tensor *t2 = &q2.tensors[tq_tensor(&q2, names[k])];
		differ += t1->scale != t2->scale;
		ck_assert(t2->scale <= t1->scale * 1.0001f); /* clipped */
	}
	ck_assert_uint_gt(differ, 0);
	rfx_graph_finish(&q1);
	rfx_graph_finish(&q2);
	rfx_quant_options_default(&o);
	ck_assert_int_eq(rfx_convert_int8(&fp, NULL, &o, 0, 0, NULL, NULL, &q1,
					  NULL, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	ck_assert(strstr(err, "--calib") != NULL);
	rfx_graph_finish(&fp);
}
END_TEST

TCase *tq_pass_case(void)
{
	TCase *tc = tcase_create("pass");

	tcase_add_test(tc, test_plan);
	tcase_add_test(tc, test_weights);
	tcase_add_test(tc, test_accuracy);
	tcase_add_test(tc, test_mixed);
	tcase_add_test(tc, test_methods);
	return tc;
}
