/* What the int8 Vulkan suites share: the fixture, random quantized
 * tensors and weights, and the byte-for-byte comparison of the Vulkan
 * kernels with the CPU reference (test_vk_int8_util.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/half.h"
#include "test_vk_int8_util.h"
#include "vk/vk_session.h"

rfx_context *ctx;
uint32_t seed;
int use_dot;
const char *force_variant;
int dot_seen;
int extremes;

void setup(void)
{
	ctx = test_context(RFX_BACKEND_VULKAN);
	seed = 20261129;
}

void teardown(void)
{
	unsetenv("RFX_NO_INT_DOT");
	test_context_done(ctx);
}

uint32_t rnd(uint32_t lo, uint32_t hi) /* inclusive */
{
	return lo + test_rand(&seed) % (hi - lo + 1);
}

static int8_t rnd8(void)
{
	return (int8_t)(int32_t)rnd(0, 255) - 128;
}

/* A random scale: 2^-k in tie iterations, else in [2^-9, 2^-3). */
float rscale(int ties)
{
	if (ties)
		return ldexpf(1.0f, -(int)rnd(3, 8));
	return ldexpf(1.0f + test_randf(&seed, 0.0f, 1.0f), -(int)rnd(4, 9));
}

void set_q(rfx_builder *b, uint32_t t, float scale, int32_t zp)
{
	rfx_tensor *ts = rfx_builder_tensor_at(b, t);
	ck_assert_ptr_nonnull(ts);
	ts->scale = scale;
	ts->zero_point = zp;
}

uint32_t i8_input(rfx_builder *b, const char *name, uint32_t rank,
                         const uint32_t *dims, int ties)
{
	uint32_t t = rfx_builder_input(b, name, RFX_DTYPE_I8, rank, dims);
	set_q(b, t, rscale(ties), (int32_t)rnd(0, 255) - 128);
	return t;
}

uint32_t i8_tensor(rfx_builder *b, const char *name, float scale,
                          int32_t zp)
{
	uint32_t t = rfx_builder_tensor(b, name, RFX_DTYPE_I8, 0, NULL);
	set_q(b, t, scale, zp);
	return t;
}

/* Per-channel weights [M, ...] in [-128, 127] (the quantizer writes
 * [-127, 127]; a file may hold -128) with their F32 scales; bias I32 or
 * F32 (either is allowed at I8). */
void weights(rfx_builder *b, const char *name, uint32_t rank,
                    const uint32_t *dims, int ties, uint32_t *w,
                    uint32_t *bias, float *mean_scale)
{
	uint64_t n = 1;
	uint32_t M = dims[0];
	char nm[64];
	for (uint32_t k = 0; k < rank; k++)
		n *= dims[k];
	int8_t *q = malloc(n);
	float *s = malloc(M * sizeof(float));
	int32_t *bq = malloc(M * sizeof(int32_t));
	float *bf = malloc(M * sizeof(float));
	int f32_bias = (int)rnd(0, 1);
	*mean_scale = 0.0f;
	for (uint64_t i = 0; i < n; i++) /* -128 too: a file may hold it */
		q[i] = (int8_t)((int32_t)rnd(0, 255) - 128);
	for (uint64_t i = 0; extremes && i < n; i++) {
		uint64_t per_m = n / M, m = i / per_m;
		int sign = m % 2 ? -1 : 1;
		if (extremes == 1)
			q[i] = (int8_t)(sign > 0 ? 127 : -128);
		else /* 2/3 of them 63, the last third -126 */
			q[i] = (int8_t)(sign * (3 * (i % per_m) < 2 * per_m ? 63 : -126));
	}
	for (uint32_t c = 0; c < M; c++) {
		s[c] = rscale(ties);
		*mean_scale += s[c] / (float)M;
		bq[c] = (int32_t)rnd(0, 20000) - 10000;
		bf[c] = test_randf(&seed, -0.5f, 0.5f);
		if (extremes)
			bq[c] = 0, bf[c] = 0.0f;
	}
	snprintf(nm, sizeof(nm), "%s_scales", name);
	uint32_t st = rfx_builder_const(b, nm, RFX_DTYPE_F32, 1, &M, s);
	*w = rfx_builder_const(b, name, RFX_DTYPE_I8, rank, dims, q);
	rfx_tensor *wt = rfx_builder_tensor_at(b, *w);
	wt->channel_scales = st;
	wt->qaxis = 0;
	snprintf(nm, sizeof(nm), "%s_bias", name);
	*bias = rfx_builder_const(b, nm, f32_bias ? RFX_DTYPE_F32 : RFX_DTYPE_I32,
				  1, &M, f32_bias ? (void *)bf : (void *)bq);
	free(q);
	free(s);
	free(bq);
	free(bf);
}

void fill_inputs(const rfx_graph *g, rfx_cpu_session *cs)
{
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		const rfx_tensor *t = &g->tensors[g->inputs[i]];
		uint64_t n = rfx_tensor_elements(t);
		void *c = rfx_cpu_session_tensor(cs, g->inputs[i]);
		for (uint64_t k = 0; k < n; k++) {
			if (t->dtype == RFX_DTYPE_I8) {
				((int8_t *)c)[k] = extremes ? -128 : rnd8();
				continue;
			}
			/* floats for QUANTIZE: random, exact halves of a step,
			 * beyond the range, and the odd NaN or infinity */
			float v = test_randf(&seed, -1.0f, 1.0f);
			uint32_t r = rnd(0, 99);
			if (r < 30)
				v = ldexpf((float)((int32_t)rnd(0, 1200) - 600) + 0.5f, -7);
			else if (r < 33)
				v = (r & 1 ? 1.0f : -1.0f) * 1e6f;
			else if (r == 33)
				v = NAN;
			else if (r == 34)
				v = -INFINITY;
			if (t->dtype == RFX_DTYPE_F16)
				((uint16_t *)c)[k] = rfx_f32_to_f16(v);
			else
				((float *)c)[k] = v;
		}
	}
}

/* Runs g on both backends with the same random inputs; every output must
 * be byte-identical. Consumes (finishes) g. */
void check_graph(rfx_graph *g, const char *what)
{
	rfx_cpu_session *cs = NULL;
	rfx_vk_session_stats stats;
	vk_test_run r;
	char err[256];
	rfx_status st;

	if (use_dot)
		unsetenv("RFX_NO_INT_DOT");
	else
		setenv("RFX_NO_INT_DOT", "1", 1);
	st = rfx_cpu_session_create(g, &cs, err, sizeof(err));
	ck_assert_msg(st == RFX_OK, "%s: cpu session: %s", what, err);

	st = vk_test_open(&r, ctx, g, what);
	ck_assert_msg(st == RFX_OK, "%s: vk session: %s", what, rfx_context_last_error(ctx));
	rfx_vk_session_stats_get(&r.s, &stats);
	dot_seen = (int)stats.int8_dot;
	/* the depthwise kernels' names say "_dw", the pooling ones "pool" */
	int dw = force_variant && strstr(force_variant, "_dw") != NULL;
	int pool = force_variant && strncmp(force_variant, "pool", 4) == 0;
	for (uint32_t l = 0; force_variant && l < g->n_layers; l++) {
		const rfx_layer *ly = &g->layers[l];
		if (pool ? ly->op == RFX_OP_POOL2D
			 : ly->op == RFX_OP_CONV2D && (ly->i[RFX_CONV_GROUP] > 1) == dw)
			ck_assert_msg(strcmp(rfx_vk_session_layer_variant(&r.s, l),
					     force_variant) == 0,
				      "%s: layer %u runs '%s', not '%s'", what, l,
				      rfx_vk_session_layer_variant(&r.s, l),
				      force_variant);
	}
	if (!use_dot)
		ck_assert_msg(stats.int8_dot == 0, "%s: fallback forced, %u dot dispatches",
			      what, stats.int8_dot);

	fill_inputs(g, cs);
	vk_test_run_both(&r, cs, g);

	for (uint32_t o = 0; o < g->n_outputs; o++) {
		const rfx_tensor *t = &g->tensors[g->outputs[o]];
		const uint8_t *want = rfx_cpu_session_tensor(cs, g->outputs[o]);
		const uint8_t *got = rfx_vk_session_output(&r.s, o);
		uint64_t bytes = rfx_tensor_bytes(t), es = rfx_dtype_size(t->dtype);
		if (memcmp(want, got, bytes) == 0)
			continue;
		for (uint64_t k = 0; k < bytes; k++)
			ck_assert_msg(want[k] == got[k],
				      "%s: output %u ('%s', %s) element %llu of %llu "
				      "differs: vulkan byte %u, cpu %u (%s path)", what, o,
				      t->name, rfx_dtype_name(t->dtype),
				      (unsigned long long)(k / es),
				      (unsigned long long)(bytes / es), got[k], want[k],
				      use_dot ? "dot" : "fallback");
	}
	vk_test_close(&r);
	rfx_cpu_session_destroy(cs);
	rfx_graph_finish(g);
}

/* The output scale that spreads a dot product of K int8 terms over the
 * int8 range: acc has a standard deviation near 74 * 73 * sqrt(K). */
float out_scale(float xs, float ws, uint32_t K, int ties)
{
	float s = xs * ws * 74.0f * 73.0f * sqrtf((float)K) / 50.0f;
	return ties ? ldexpf(1.0f, (int)lrintf(log2f(s))) : s;
}
