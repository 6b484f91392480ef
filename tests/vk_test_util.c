/* What the Vulkan tests share (vk_test_util.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/rfx_format.h"
#include "graph/half.h"
#include "vk/vk_model.h"
#include "vk/vk_session.h"
#include "vk_test_util.h"

/* ---- building graphs ---------------------------------------------------- */

uint32_t test_rand_const(rfx_builder *b, const char *name, rfx_dtype dt,
                         uint32_t rank, const uint32_t *dims, float scale,
                         uint32_t *seed)
{
	uint64_t n = 1;
	for (uint32_t k = 0; k < rank; k++)
		n *= dims[k];
	float *f = malloc(n * sizeof(float));
	uint16_t *h = malloc(n * sizeof(uint16_t));
	ck_assert(f && h);
	for (uint64_t i = 0; i < n; i++) {
		f[i] = test_randf(seed, -scale, scale);
		h[i] = rfx_f32_to_f16(f[i]);
	}
	uint32_t t = rfx_builder_const(b, name, dt, rank, dims,
				       dt == RFX_DTYPE_F16 ? (void *)h : (void *)f);
	free(f);
	free(h);
	return t;
}

void test_conv_attrs(rfx_layer *l, int32_t stride, int32_t pad, int act)
{
	l->i[RFX_CONV_STRIDE_H] = l->i[RFX_CONV_STRIDE_W] = stride;
	l->i[RFX_CONV_PAD_T] = l->i[RFX_CONV_PAD_L] = pad;
	l->i[RFX_CONV_PAD_B] = l->i[RFX_CONV_PAD_R] = pad;
	l->i[RFX_CONV_DIL_H] = l->i[RFX_CONV_DIL_W] = 1;
	l->i[RFX_CONV_GROUP] = 1;
	l->i[RFX_CONV_ACT] = act;
}

static int32_t pick(uint32_t *seed, uint32_t lo, uint32_t hi)
{
	return (int32_t)(lo + test_rand(seed) % (hi - lo + 1));
}

void test_pool_attrs(rfx_layer *l, int kind, uint32_t kh, uint32_t kw,
                     uint32_t dh, uint32_t dw, uint32_t *seed)
{
	l->i[RFX_POOL_KIND] = kind;
	l->i[RFX_POOL_KERNEL_H] = (int32_t)kh;
	l->i[RFX_POOL_KERNEL_W] = (int32_t)kw;
	l->i[RFX_POOL_STRIDE_H] = pick(seed, 1, 3);
	l->i[RFX_POOL_STRIDE_W] = pick(seed, 1, 3);
	l->i[RFX_POOL_PAD_T] = pick(seed, 0, (kh - 1) / 2);
	l->i[RFX_POOL_PAD_L] = pick(seed, 0, (kw - 1) / 2);
	l->i[RFX_POOL_PAD_B] = pick(seed, 0, (kh - 1) / 2);
	l->i[RFX_POOL_PAD_R] = pick(seed, 0, (kw - 1) / 2);
	l->i[RFX_POOL_CEIL_MODE] = pick(seed, 0, 1);
	l->i[RFX_POOL_COUNT_INCLUDE_PAD] = pick(seed, 0, 1);
	l->i[RFX_POOL_DIL_H] = (int32_t)dh;
	l->i[RFX_POOL_DIL_W] = (int32_t)dw;
}

void test_pool_name(const rfx_layer *l, const char *what, rfx_dtype prec,
                    const uint32_t xd[4], char *out, size_t len)
{
	snprintf(out, len, "%s %s %ux%ux%ux%u kind %d k%dx%d s%dx%d d%dx%d "
		 "pad %d,%d,%d,%d ceil %d incl %d", what, rfx_dtype_name(prec),
		 xd[0], xd[1], xd[2], xd[3], l->i[RFX_POOL_KIND],
		 l->i[RFX_POOL_KERNEL_H], l->i[RFX_POOL_KERNEL_W],
		 l->i[RFX_POOL_STRIDE_H], l->i[RFX_POOL_STRIDE_W],
		 l->i[RFX_POOL_DIL_H], l->i[RFX_POOL_DIL_W], l->i[RFX_POOL_PAD_T],
		 l->i[RFX_POOL_PAD_L], l->i[RFX_POOL_PAD_B], l->i[RFX_POOL_PAD_R],
		 l->i[RFX_POOL_CEIL_MODE], l->i[RFX_POOL_COUNT_INCLUDE_PAD]);
}

uint32_t test_classifier_head(rfx_builder *b, uint32_t y, uint32_t width,
                              uint32_t classes, uint32_t *seed)
{
	uint32_t fd[2] = {1, width}, wd[2] = {classes, width}, bd[1] = {classes};

	uint32_t gap = rfx_builder_tensor(b, "gap", RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(b, RFX_OP_GLOBAL_POOL, "gap", &y, 1, gap);
	l->i[RFX_GPOOL_KIND] = RFX_POOL_AVG;
	ck_assert_int_eq(rfx_builder_infer(b, l), RFX_OK);
	uint32_t flat = rfx_builder_tensor(b, "flat", RFX_DTYPE_F32, 2, fd);
	l = rfx_builder_layer(b, RFX_OP_RESHAPE, "flatten", &gap, 1, flat);
	ck_assert_int_eq(rfx_builder_infer(b, l), RFX_OK);
	uint32_t w = test_rand_const(b, "fc.w", RFX_DTYPE_F32, 2, wd, 1.0f, seed);
	uint32_t bias = test_rand_const(b, "fc.b", RFX_DTYPE_F32, 1, bd, 0.1f, seed);
	uint32_t logits = rfx_builder_tensor(b, "logits", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(b, RFX_OP_FC, "fc", (uint32_t[]){flat, w, bias}, 3, logits);
	ck_assert_int_eq(rfx_builder_infer(b, l), RFX_OK);
	uint32_t prob = rfx_builder_tensor(b, "prob", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(b, RFX_OP_SOFTMAX, "softmax", &logits, 1, prob);
	l->i[RFX_SOFTMAX_AXIS] = 1;
	ck_assert_int_eq(rfx_builder_infer(b, l), RFX_OK);
	return prob;
}

/* A 3x3 convolution "<name>" (pad 1, ReLU) writing "<name>.y", weights
 * scaled to keep activations near 1. */
static uint32_t conv3x3(rfx_builder *b, uint32_t x, uint32_t cin, uint32_t cout,
                        const char *name, int stride, uint32_t *seed)
{
	char wn[32], bn[32], yn[32];
	uint32_t wd[4] = {cout, cin, 3, 3}, bd[1] = {cout};

	snprintf(wn, sizeof(wn), "%s.w", name);
	snprintf(bn, sizeof(bn), "%s.b", name);
	snprintf(yn, sizeof(yn), "%s.y", name);
	uint32_t w = test_rand_const(b, wn, RFX_DTYPE_F32, 4, wd,
				     1.0f / sqrtf((float)cin * 9), seed);
	uint32_t bias = test_rand_const(b, bn, RFX_DTYPE_F32, 1, bd, 0.1f, seed);
	uint32_t y = rfx_builder_tensor(b, yn, RFX_DTYPE_F32, 0, NULL);
	rfx_layer *l = rfx_builder_layer(b, RFX_OP_CONV2D, name,
					 (uint32_t[]){x, w, bias}, 3, y);
	test_conv_attrs(l, stride, 1, RFX_ACT_RELU);
	ck_assert_int_eq(rfx_builder_infer(b, l), RFX_OK);
	return y;
}

void test_conv_net(rfx_builder *b, uint32_t size, uint32_t width,
                   uint32_t convs, uint32_t *seed)
{
	uint32_t xd[4] = {1, 3, size, size};

	rfx_builder_init(b);
	uint32_t x = rfx_builder_input(b, "image", RFX_DTYPE_F32, 4, xd);
	uint32_t y = conv3x3(b, x, 3, width, "conv0", 2, seed);
	for (uint32_t i = 1; i < convs; i++) {
		char name[16];
		snprintf(name, sizeof(name), "conv%u", i);
		y = conv3x3(b, y, width, width, name, 1, seed);
	}
	rfx_builder_output(b, test_classifier_head(b, y, width, 10, seed));
}

void test_finish(rfx_builder *b, rfx_graph *g, const char *what)
{
	char err[256];
	rfx_status st = rfx_builder_finish(b, g, err, sizeof(err));
	ck_assert_msg(st == RFX_OK, "%s: builder: %s", what, err);
}

void test_finish_layer(rfx_builder *b, rfx_layer *l, uint32_t y, rfx_graph *g,
                       const char *what)
{
	ck_assert_msg(rfx_builder_infer(b, l) == RFX_OK, "%s: %s", what, b->err);
	rfx_builder_output(b, y);
	test_finish(b, g, what);
}

void *test_model_bytes(rfx_builder *b, size_t *nbytes)
{
	rfx_graph g;
	char err[256];
	void *bytes = NULL;

	test_finish(b, &g, "model");
	ck_assert_msg(rfx_format_write(&g, &bytes, nbytes, err, sizeof(err)) == RFX_OK,
		      "%s", err);
	rfx_graph_finish(&g);
	return bytes;
}

/* ---- a graph on Vulkan without a file ----------------------------------- */

rfx_status vk_test_open(vk_test_run *r, rfx_context *ctx, const rfx_graph *g,
                        const char *what)
{
	rfx_session_options opt = {.no_pipeline_cache = 1};
	rfx_status st;

	memset(r, 0, sizeof(*r));
	r->m.ctx = ctx;
	r->m.graph = *g;
	atomic_init(&r->m.sessions, 0);
	st = rfx_vk_model_init(&r->m);
	ck_assert_msg(st == RFX_OK, "%s: vk model: %s", what, rfx_context_last_error(ctx));
	r->s.model = &r->m;
	st = rfx_vk_session_create(&r->s, &opt);
	if (st != RFX_OK)
		rfx_vk_model_finish(&r->m);
	return st;
}

void vk_test_close(vk_test_run *r)
{
	rfx_vk_session_destroy(&r->s);
	rfx_vk_model_finish(&r->m);
}

void vk_test_run_both(vk_test_run *r, rfx_cpu_session *cs, const rfx_graph *g)
{
	for (uint32_t i = 0; i < g->n_inputs; i++)
		memcpy(rfx_vk_session_input(&r->s, i), rfx_cpu_session_tensor(cs, g->inputs[i]),
		       rfx_tensor_bytes(&g->tensors[g->inputs[i]]));
	rfx_cpu_session_run(cs);
	ck_assert_int_eq(rfx_vk_session_submit(&r->s), RFX_OK);
	ck_assert_int_eq(rfx_vk_session_wait(&r->s, UINT64_MAX), RFX_OK);
}

/* ---- float graphs against the CPU reference ------------------------------ */

vk_test_tol vk_test_tolerance(rfx_dtype prec)
{
	if (prec == RFX_DTYPE_F16)
		return (vk_test_tol){2e-3, 4e-3};
	return (vk_test_tol){1e-5, 1e-4};
}

void vk_test_set_act(rfx_layer *l, int slot, int act)
{
	l->i[slot] = act;
	l->f[0] = l->f[1] = 0.0f;
	if (act == RFX_ACT_CLIP) {
		l->f[0] = -0.25f;
		l->f[1] = 0.5f;
	} else if (act == RFX_ACT_LEAKY_RELU) {
		l->f[0] = 0.1f;
	} else if (act == RFX_ACT_HARD_SIGMOID) {
		l->f[0] = 0.2f;
		l->f[1] = 0.5f;
	}
}

static float value_of(const void *p, rfx_dtype dt, uint64_t i)
{
	if (dt == RFX_DTYPE_F16)
		return rfx_f16_to_f32(((const uint16_t *)p)[i]);
	return ((const float *)p)[i];
}

static void fill_uniform(const rfx_graph *g, rfx_cpu_session *cs, uint32_t *seed)
{
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		const rfx_tensor *t = &g->tensors[g->inputs[i]];
		uint64_t n = rfx_tensor_elements(t);
		void *c = rfx_cpu_session_tensor(cs, g->inputs[i]);
		for (uint64_t k = 0; k < n; k++) {
			float v = test_randf(seed, -1.0f, 1.0f);
			if (t->dtype == RFX_DTYPE_F16)
				((uint16_t *)c)[k] = rfx_f32_to_f16(v);
			else
				((float *)c)[k] = v;
		}
	}
}

static void compare(const rfx_graph *g, rfx_cpu_session *cs, vk_test_run *r,
                    vk_test_tol tol, const char *what)
{
	for (uint32_t o = 0; o < g->n_outputs; o++) {
		const rfx_tensor *t = &g->tensors[g->outputs[o]];
		const void *want = rfx_cpu_session_tensor(cs, g->outputs[o]);
		const void *got = rfx_vk_session_output(&r->s, o);
		uint64_t n = rfx_tensor_elements(t);
		for (uint64_t k = 0; k < n; k++) {
			double w = value_of(want, t->dtype, k);
			double v = value_of(got, t->dtype, k);
			ck_assert_msg(fabs(v - w) <= tol.abs + tol.rel * fabs(w) ||
				      (isnan(v) && isnan(w)),
				      "%s: output %u element %llu of %llu: vulkan %.9g, "
				      "cpu %.9g", what, o, (unsigned long long)k,
				      (unsigned long long)n, v, w);
		}
	}
}

void vk_test_check_float(rfx_context *ctx, rfx_graph *g, uint32_t *seed,
                         vk_test_tol tol, const char *variant, uint32_t layer,
                         const char *what)
{
	rfx_cpu_session *cs = NULL;
	vk_test_run r;
	char err[256];
	rfx_status st;

	if (variant)
		setenv("RFX_FORCE_VARIANT", variant, 1);
	st = rfx_cpu_session_create(g, &cs, err, sizeof(err));
	ck_assert_msg(st == RFX_OK, "%s: cpu session: %s", what, err);
	st = vk_test_open(&r, ctx, g, what);
	ck_assert_msg(st == RFX_OK, "%s: vk session: %s", what, rfx_context_last_error(ctx));
	if (variant)
		ck_assert_msg(strcmp(rfx_vk_session_layer_variant(&r.s, layer), variant) == 0,
			      "%s: runs '%s', not the forced '%s'", what,
			      rfx_vk_session_layer_variant(&r.s, layer), variant);
	fill_uniform(g, cs, seed);
	vk_test_run_both(&r, cs, g);
	compare(g, cs, &r, tol, what);
	vk_test_close(&r);
	rfx_cpu_session_destroy(cs);
	rfx_graph_finish(g);
	if (variant)
		unsetenv("RFX_FORCE_VARIANT");
}

/* No two planned roots whose lifetimes overlap share a byte, a layer's
 * inputs read at the layer its work runs in, run_in[l] (NULL: each layer
 * in its own). */
void vk_test_check_disjoint(const rfx_graph *g, const rfx_plan *p,
                            const uint32_t *run_in)
{
	uint32_t n = g->n_tensors;
	uint32_t *def = calloc(n, sizeof(*def)), *last = calloc(n, sizeof(*last));

	for (uint32_t t = 0; t < n; t++) {
		def[t] = g->n_layers;
		if (g->tensors[t].flags & RFX_TENSOR_OUTPUT)
			last[t] = g->n_layers;
	}
	for (uint32_t l = 0; l < g->n_layers; l++) {
		const rfx_layer *ly = &g->layers[l];
		uint32_t at = run_in ? run_in[l] : l;
		for (uint32_t i = 0; i < ly->n_inputs; i++) {
			uint32_t r = p->alias_of[ly->inputs[i]];
			if (last[r] < at)
				last[r] = at;
		}
		uint32_t r = p->alias_of[ly->outputs[0]];
		if (def[r] > l)
			def[r] = l;
		if (last[r] < at)
			last[r] = at;
	}
	for (uint32_t a = 0; a < n; a++)
		for (uint32_t b = a + 1; b < n; b++) {
			if (p->alias_of[a] != a || p->alias_of[b] != b ||
			    p->offset[a] == RFX_PLAN_NONE || p->offset[b] == RFX_PLAN_NONE)
				continue;
			if (def[a] > last[b] || def[b] > last[a])
				continue;
			uint64_t ea = p->offset[a] + rfx_tensor_bytes(&g->tensors[a]);
			uint64_t eb = p->offset[b] + rfx_tensor_bytes(&g->tensors[b]);
			ck_assert_msg(ea <= p->offset[b] || eb <= p->offset[a],
				      "%s and %s overlap while both live",
				      g->tensors[a].name, g->tensors[b].name);
		}
	free(def);
	free(last);
}

uint32_t vk_test_layer_index(const rfx_graph *g, const char *name)
{
	for (uint32_t l = 0; l < g->n_layers; l++)
		if (strcmp(g->layers[l].name, name) == 0)
			return l;
	ck_abort_msg("no layer %s", name);
	return 0;
}
