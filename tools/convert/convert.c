/* The import pipeline: ONNX bytes -> simplified, validated rfx_graph. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "convert/int8.h"
#include "convert/lower.h"
#include "convert/onnx.h"
#include "convert/simplify.h"
#include "convert/translate.h"
#include "graph/builder.h"

void rfx_convert_options_default(rfx_convert_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->precision = RFX_DTYPE_F32;
	opt->golden_seed = 1;
}

const char *rfx_convert_version(void)
{
	return "rfx-convert " RFX_CONVERT_VERSION;
}

uint64_t rfx_fnv1a64(const void *data, size_t size)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t k = 0; k < size; k++)
		h = (h ^ p[k]) * 0x100000001b3ull;
	return h;
}

static void say(const rfx_convert_options *opt, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const rfx_convert_options *opt, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!opt->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	opt->log(opt->log_user, line);
}

/* Graph inputs named by --freeze become constants. */
static rfx_status freeze_inputs(rfx_ir_graph *g, const rfx_convert_options *opt)
{
	for (uint32_t f = 0; f < opt->n_freeze; f++) {
		const rfx_convert_freeze *fz = &opt->freeze[f];
		int32_t v = rfx_ir_value_find(g, fz->name);
		uint32_t k;
		uint64_t n;
		char s1[96], s2[96];

		if (v < 0 || !g->values[v].is_input)
			return rfx_ir_fail(g, RFX_E_INVALID_ARGUMENT,
					   "--freeze: the model has no graph "
					   "input '%s'", fz->name);
		rfx_ir_value *val = &g->values[v];
		int ok = val->t.rank == fz->value.rank;
		for (uint32_t d = 0; ok && d < val->t.rank; d++)
			ok = val->t.dims[d] < 0 ||
			     val->t.dims[d] == fz->value.dims[d];
		if (!ok)
			return rfx_ir_fail(g, RFX_E_INVALID_ARGUMENT,
					   "--freeze: input '%s' has shape %s, "
					   "the value %s", fz->name,
					   rfx_ir_shape_str(&val->t, s1, sizeof(s1)),
					   rfx_ir_shape_str(&fz->value, s2,
							    sizeof(s2)));
		if (rfx_ir_tensor_count(&fz->value, &n) < 0 ||
		    (fz->value.type != RFX_IR_FLOAT &&
		     fz->value.type != RFX_IR_INT) || (n && !fz->value.data))
			return rfx_ir_fail(g, RFX_E_INVALID_ARGUMENT,
					   "--freeze: bad value for '%s'",
					   fz->name);
		rfx_ir_tensor t = fz->value;
		t.data = NULL;
		rfx_status st = rfx_ir_tensor_alloc(g, &t);
		if (st)
			return st;
		if (n)
			memcpy(t.data, fz->value.data,
			       (size_t)n * rfx_ir_type_size(t.type));
		val = &g->values[v];
		rfx_ir_tensor_free(&val->t);
		val->t = t;
		val->is_input = 0;
		for (k = 0; k < g->n_inputs && g->inputs[k] != v; k++)
			;
		memmove(&g->inputs[k], &g->inputs[k + 1],
			(g->n_inputs - k - 1) * sizeof(g->inputs[0]));
		g->n_inputs--;
	}
	return RFX_OK;
}

/* Free dimensions: batch -> 1, H/W of a rank-4 input from --input-size. */
static rfx_status fix_free_dims(rfx_ir_graph *g, const rfx_convert_options *opt)
{
	for (uint32_t k = 0; k < g->n_inputs; k++) {
		rfx_ir_value *v = &g->values[g->inputs[k]];
		for (uint32_t d = 0; d < v->t.rank; d++) {
			uint32_t want = 0;
			if (v->t.rank == 4 && d == 2)
				want = opt->input_h;
			else if (v->t.rank == 4 && d == 3)
				want = opt->input_w;
			if (v->t.dims[d] >= 0) {
				if (want && v->t.dims[d] != want)
					return rfx_ir_fail(
						g, RFX_E_INVALID_ARGUMENT,
						"--input-size: input '%s' has a "
						"fixed size %lldx%lld",
						v->name, (long long)v->t.dims[3],
						(long long)v->t.dims[2]);
				continue;
			}
			if (d == 0)
				v->t.dims[d] = 1;
			else if (want)
				v->t.dims[d] = want;
			else
				return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
						   "graph input '%s' has a free "
						   "dimension at axis %u; give "
						   "its size (--input-size WxH "
						   "for an image's height and "
						   "width)", v->name, d);
		}
	}
	return RFX_OK;
}

static rfx_status simplify(rfx_ir_graph *g, const rfx_convert_options *opt,
                           rfx_convert_stats *s)
{
	uint32_t live;
	rfx_status st;

	if ((st = rfx_simplify_drop_identity(g, &s->identity_removed)))
		return st;
	say(opt, "drop-identity: %u Identity/Dropout removed",
	    s->identity_removed);
	if ((st = rfx_translate(g, &s->folded)))
		return st;
	say(opt, "fold-constants: %u nodes evaluated into constants",
	    s->folded);
	s->dead_removed = rfx_ir_remove_dead(g);
	say(opt, "dead-code: %u unused nodes removed", s->dead_removed);
	if ((st = rfx_simplify_fold_bn(g, &s->bn_folded, &s->bn_expanded)))
		return st;
	say(opt, "fold-bn: %u BatchNormalization folded into Conv/Gemm, %u "
	    "expanded to mul+add", s->bn_folded, s->bn_expanded);
	if ((st = rfx_simplify_fuse_hardswish(g, &s->hardswish_fused)))
		return st;
	say(opt, "fuse-hardswish: %u x*HardSigmoid(x) turned into HardSwish",
	    s->hardswish_fused);
	if ((st = rfx_simplify_fuse_swish(g, &s->swish_fused)))
		return st;
	say(opt, "fuse-swish: %u x*Sigmoid(x) turned into Swish",
	    s->swish_fused);
	if ((st = rfx_simplify_fuse_act(g, &s->act_fused)))
		return st;
	say(opt, "fuse-activation: %u activations fused into their producer",
	    s->act_fused);
	if ((st = rfx_simplify_fuse_residual(g, &s->residual_fused)))
		return st;
	say(opt, "fuse-residual: %u residual Add fused into Conv",
	    s->residual_fused);
	s->dead_removed += rfx_ir_remove_dead(g);
	live = rfx_ir_live_nodes(g);
	say(opt, "layers: %u ONNX nodes -> %u layers", s->onnx_nodes, live);
	return RFX_OK;
}

static rfx_status set_meta(rfx_ir_graph *g, const rfx_convert_options *opt,
                           const rfx_convert_stats *s, rfx_builder *b)
{
	float mean[4] = {0, 0, 0, 0}, std[4] = {1, 1, 1, 1};
	uint32_t w = 0, h = 0;

	if (g->n_inputs) {
		const rfx_ir_value *in = &g->values[g->inputs[0]];
		if (in->t.rank == 4) {
			h = (uint32_t)in->t.dims[2];
			w = (uint32_t)in->t.dims[3];
		}
		int64_t c = in->t.rank == 4 ? in->t.dims[1] : 0;
		if ((opt->n_mean && (int64_t)opt->n_mean != c) ||
		    (opt->n_std && (int64_t)opt->n_std != c))
			return rfx_ir_fail(g, RFX_E_INVALID_ARGUMENT,
					   "--mean/--std need one value per "
					   "channel of input '%s' (%lld)",
					   in->name, (long long)c);
	}
	if (opt->n_mean > 4 || opt->n_std > 4)
		return rfx_ir_fail(g, RFX_E_INVALID_ARGUMENT,
				   "--mean/--std take at most 4 values");
	for (uint32_t c = 0; c < opt->n_mean; c++)
		mean[c] = opt->mean[c];
	for (uint32_t c = 0; c < opt->n_std; c++) {
		if (!(opt->std[c] > 0))
			return rfx_ir_fail(g, RFX_E_INVALID_ARGUMENT,
					   "--std values must be > 0");
		std[c] = opt->std[c];
	}
	if (opt->scale < 0 || (opt->scale != opt->scale))
		return rfx_ir_fail(g, RFX_E_INVALID_ARGUMENT,
				   "--scale must be > 0");
	if (opt->color && strcmp(opt->color, "rgb") != 0 &&
	    strcmp(opt->color, "bgr") != 0)
		return rfx_ir_fail(g, RFX_E_INVALID_ARGUMENT,
				   "--color is rgb or bgr, not '%s'", opt->color);
	rfx_builder_set_preprocess(b, opt->scale > 0 ? opt->scale : 1.0f, mean,
				   std, w, h);
	if (opt->color)
		rfx_builder_set_color(b, opt->color);
	if (opt->labels)
		rfx_builder_set_labels(b, opt->labels);
	rfx_builder_set_converter(b, rfx_convert_version());
	rfx_builder_set_source(b, opt->source_name ? opt->source_name : "",
			       s->source_hash);
	return RFX_OK;
}

/* The graph is immutable once built: compute the golden pair on it, then
 * lower the IR again with the pair in the builder. */
static rfx_status add_golden(rfx_ir_graph *g, const rfx_convert_options *opt,
                             const rfx_convert_stats *s, rfx_graph *out)
{
	void *gi = NULL, *go = NULL;
	uint64_t ni = 0, no = 0;
	rfx_builder b;
	rfx_status st;

	st = rfx_convert_golden(out, opt->golden_seed, &gi, &ni, &go, &no,
				g->err, sizeof(g->err));
	rfx_graph_finish(out);
	if (st)
		return st;
	rfx_builder_init(&b);
	if ((st = rfx_lower(g, opt->precision, &b)) ||
	    (st = set_meta(g, opt, s, &b))) {
		rfx_builder_finish(&b, NULL, NULL, 0);
	} else {
		rfx_builder_set_golden(&b, gi, ni, go, no);
		st = rfx_builder_finish(&b, out, g->err, sizeof(g->err));
	}
	free(gi);
	free(go);
	if (st == RFX_OK)
		say(opt, "golden: stored the CPU reference's output for a "
		    "seeded random input");
	return st;
}

rfx_status rfx_convert_onnx(const void *onnx, size_t size,
                            const rfx_convert_options *opt, rfx_graph *out,
                            rfx_convert_stats *stats, char *err,
                            size_t errlen)
{
	rfx_convert_options defaults;
	rfx_convert_stats s;
	rfx_ir_graph g;
	rfx_builder b;
	rfx_qdq_table qdq;
	rfx_status st;

	if (!out)
		return RFX_E_INVALID_ARGUMENT;
	memset(out, 0, sizeof(*out));
	if (!opt) {
		rfx_convert_options_default(&defaults);
		opt = &defaults;
	}
	memset(&s, 0, sizeof(s));
	rfx_ir_init(&g);
	g.fold_budget = RFX_FOLD_MIN_BUDGET + 4 * (uint64_t)size;
	rfx_builder_init(&b);
	rfx_qdq_table_init(&qdq);
	if (opt->precision != RFX_DTYPE_F32 && opt->precision != RFX_DTYPE_F16 &&
	    opt->precision != RFX_DTYPE_I8) {
		st = rfx_ir_fail(&g, RFX_E_INVALID_ARGUMENT,
				 "precision must be fp32, fp16 or int8");
		goto fail;
	}
	s.source_hash = rfx_fnv1a64(onnx, size);
	if ((st = rfx_onnx_load(onnx, size, &g)))
		goto fail;
	s.onnx_nodes = g.onnx_nodes;
	s.opset = g.opset;
	say(opt, "parse: %u nodes, opset %lld, %u inputs, %u outputs",
	    g.onnx_nodes, (long long)g.opset, g.n_inputs, g.n_outputs);
	if ((st = freeze_inputs(&g, opt)) || (st = fix_free_dims(&g, opt)))
		goto fail;
	if (g.n_inputs == 0) {
		st = rfx_ir_fail(&g, RFX_E_UNSUPPORTED,
				 "the graph has no (unfrozen) input");
		goto fail;
	}
	/* A model quantized with Q/DQ pairs: float graph + its scales. */
	if ((st = rfx_qdq_import(&g, &qdq)))
		goto fail;
	if (qdq.pairs_removed || qdq.consts_folded || qdq.qlinear)
		say(opt, "qdq: %u QuantizeLinear/DequantizeLinear pairs, %u "
		    "quantized constants, %u QLinear ops read%s",
		    qdq.pairs_removed, qdq.consts_folded, qdq.qlinear,
		    opt->precision == RFX_DTYPE_I8 ? ""
		    : " (their scales are used only with --precision int8)");
	/* int8 starts from the fp32 graph (int8.h). */
	if ((st = simplify(&g, opt, &s)) ||
	    (st = rfx_lower(&g, opt->precision == RFX_DTYPE_I8 ? RFX_DTYPE_F32
							      : opt->precision,
			    &b)) ||
	    (st = set_meta(&g, opt, &s, &b)))
		goto fail;
	st = rfx_builder_finish(&b, out, g.err, sizeof(g.err));
	if (st != RFX_OK)
		goto fail_finished;
	if (opt->precision == RFX_DTYPE_I8) {
		rfx_graph fp = *out;
		st = rfx_convert_int8(&fp, &qdq, opt->quant, opt->golden,
				      opt->golden_seed, opt->log, opt->log_user,
				      out, opt->report, g.err, sizeof(g.err));
		rfx_graph_finish(&fp);
		if (st != RFX_OK)
			goto fail_finished;
	} else if (opt->golden && (st = add_golden(&g, opt, &s, out))) {
		goto fail_finished;
	}
	rfx_convert_measure(out, &s);
	s.layers = out->n_layers;
	if (stats)
		*stats = s;
	rfx_ir_finish(&g);
	rfx_qdq_table_finish(&qdq);
	return RFX_OK;
fail:
	rfx_builder_finish(&b, NULL, NULL, 0);
fail_finished:
	if (err && errlen)
		snprintf(err, errlen, "%s", g.err[0] ? g.err : rfx_status_str(st));
	rfx_ir_finish(&g);
	rfx_qdq_table_finish(&qdq);
	memset(out, 0, sizeof(*out));
	return st;
}
