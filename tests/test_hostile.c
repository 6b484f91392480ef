/*
 * Hostile and wrong inputs that no module's own suite covers (issue 10;
 * README "Hostile inputs" lists every item and where its test is): every
 * public function given NULL or an index out of range, a model destroyed
 * while sessions use it, NaN and infinity in an input, and a model beyond
 * the device's maxStorageBufferRange or memory heap. Each is a named
 * status (or a documented outcome), never a crash.
 *
 * The device limits are lowered in the context after creation (these tests
 * link the internal library): the same checks run as on a device whose
 * real limits are that small, without allocating gigabytes here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "vk/vk_session.h"
#include "vk_test_util.h"

/* ---- the model ---------------------------------------------------------- */

/* x [1,3,8,8] -> conv 3x3 pad 1 + ReLU -> "feat" [1,4,8,8] -> max pool 2x2
 * -> "pool" [1,4,4,4] -> global average -> FC 3 -> softmax -> "prob".
 * feat, pool and prob are all outputs, so a test can see how far a value
 * travels. Weights: 4*3*3*3 floats = 432 bytes, the largest constant. */
#define X_BYTES (3 * 8 * 8 * 4)
#define W_BYTES (4 * 3 * 3 * 3 * 4)

static void *make_model(size_t *nbytes)
{
	const uint32_t xd[4] = {1, 3, 8, 8}, wd[4] = {4, 3, 3, 3}, bd[1] = {4};
	uint32_t seed = 5;
	rfx_builder b;
	rfx_layer *l;

	rfx_builder_init(&b);
	uint32_t x = rfx_builder_input(&b, "x", RFX_DTYPE_F32, 4, xd);
	uint32_t w = test_rand_const(&b, "w", RFX_DTYPE_F32, 4, wd, 0.5f, &seed);
	uint32_t bias = test_rand_const(&b, "b", RFX_DTYPE_F32, 1, bd, 0.1f, &seed);
	uint32_t feat = rfx_builder_tensor(&b, "feat", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_CONV2D, "conv", (uint32_t[]){x, w, bias}, 3, feat);
	test_conv_attrs(l, 1, 1, RFX_ACT_RELU);
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	uint32_t pool = rfx_builder_tensor(&b, "pool", RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(&b, RFX_OP_POOL2D, "pool", &feat, 1, pool);
	l->i[RFX_POOL_KIND] = RFX_POOL_MAX;
	l->i[RFX_POOL_KERNEL_H] = l->i[RFX_POOL_KERNEL_W] = 2;
	l->i[RFX_POOL_STRIDE_H] = l->i[RFX_POOL_STRIDE_W] = 2;
	l->i[RFX_POOL_DIL_H] = l->i[RFX_POOL_DIL_W] = 1;
	ck_assert_int_eq(rfx_builder_infer(&b, l), RFX_OK);
	uint32_t prob = test_classifier_head(&b, pool, 4, 3, &seed);
	rfx_builder_output(&b, feat);
	rfx_builder_output(&b, pool);
	rfx_builder_output(&b, prob);
	rfx_builder_set_labels(&b, "a\nb\nc\n");
	return test_model_bytes(&b, nbytes);
}

static void fill_input(rfx_session *s)
{
	float *in = rfx_session_input(s, 0, NULL);
	uint32_t seed = 3;

	ck_assert_ptr_nonnull(in);
	for (int i = 0; i < X_BYTES / 4; i++)
		in[i] = test_randf(&seed, 0.0f, 1.0f);
}

static const rfx_backend backends[2] = {RFX_BACKEND_CPU, RFX_BACKEND_VULKAN};
static const char *const backend_names[2] = {"cpu", "vulkan"};

/* ---- API misuse --------------------------------------------------------- */

/* Every public function that takes a pointer or an index, given NULL or
 * one out of range: a named status, NULL or 0, never a crash. */
START_TEST(test_null_and_bad_indices)
{
	rfx_context *ctx = test_context(backends[_i]);
	rfx_tensor_info ti;
	rfx_preprocess pp;
	rfx_device_info di;
	rfx_memory_usage mu;
	rfx_session_stats ss;
	uint64_t ns, layer_ns[6];
	size_t n;
	void *bytes = make_model(&n);
	rfx_model *m;
	rfx_session *s;

	/* Context. */
	rfx_context_options_default(NULL);
	rfx_session_options_default(NULL);
	ck_assert_str_eq(rfx_context_last_error(NULL), "");
	ck_assert_uint_eq(rfx_context_validation_count(NULL), 0);
	ck_assert_int_eq(rfx_context_device_info(NULL, &di), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_context_device_info(ctx, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_context_memory_usage(NULL, &mu), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_context_memory_usage(ctx, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_device_list(NULL, NULL, 0, NULL), RFX_E_INVALID_ARGUMENT);

	/* Model. */
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	ck_assert_uint_eq(rfx_model_output_count(NULL), 0);
	ck_assert_int_eq(rfx_model_input_info(NULL, 0, &ti), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_input_info(m, 0, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_input_info(m, 1, &ti), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_input_info(m, UINT32_MAX, &ti), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_output_info(NULL, 0, &ti), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_output_info(m, 0, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_output_info(m, 3, &ti), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_output_info(m, 2, &ti), RFX_OK); /* the last */
	ck_assert_int_eq(rfx_model_preprocess(m, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_preprocess(NULL, &pp), RFX_E_INVALID_ARGUMENT);
	ck_assert_uint_eq(rfx_model_label_count(NULL), 0);
	ck_assert_uint_eq(rfx_model_label_count(m), 3);
	ck_assert_ptr_null(rfx_model_label(NULL, 0));
	ck_assert_ptr_null(rfx_model_label(m, 3));
	ck_assert_str_eq(rfx_model_label(m, 2), "c");
	rfx_model_destroy(NULL);

	/* Session. */
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	ck_assert_ptr_null(rfx_session_input(s, 1, &ti));
	ck_assert_ptr_null(rfx_session_input(s, UINT32_MAX, NULL));
	ck_assert_ptr_null(rfx_session_output(s, 3, &ti));
	ck_assert_ptr_nonnull(rfx_session_output(s, 2, NULL));
	ck_assert_int_eq(rfx_session_stats_get(NULL, &ss), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_stats_get(s, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_gpu_time_ns(NULL, &ns), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_gpu_time_ns(s, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_profile(NULL, layer_ns, 6, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_profile(s, NULL, 6, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_profile(s, layer_ns, 5, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_ptr_null(rfx_session_frame(NULL, NULL));
	ck_assert_ptr_null(rfx_session_frame(s, NULL)); /* no frame input */
	ck_assert_int_eq(rfx_session_set_frame(NULL, 8, 8, 0), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_set_frame(s, 8, 8, 0), RFX_E_INVALID_ARGUMENT);
	/* wait with nothing submitted, then the session still works. */
	ck_assert_int_eq(rfx_session_wait(s, UINT64_MAX), RFX_E_NOT_SUBMITTED);
	ck_assert_int_eq(rfx_session_wait(s, 0), RFX_E_NOT_SUBMITTED);
	fill_input(s);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	ck_assert_int_eq(rfx_session_wait(s, UINT64_MAX), RFX_E_NOT_SUBMITTED);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

/* rfx_model_destroy() on a model with live sessions: refused with an error
 * naming the reason, the model left intact (its sessions keep running on
 * it); destroyed for real once they are gone. ASan and valgrind runs of
 * this test check that nothing is freed early or leaked. */
START_TEST(test_destroy_model_in_use)
{
	rfx_context *ctx = test_context(backends[_i]);
	size_t n;
	void *bytes = make_model(&n);
	rfx_model *m;
	rfx_session *s1, *s2;
	float want[3];

	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	free(bytes); /* the model holds its own copy */
	ck_assert_int_eq(rfx_session_create(m, NULL, &s1), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s2), RFX_OK);
	fill_input(s1);
	ck_assert_int_eq(rfx_session_run(s1, UINT64_MAX), RFX_OK);
	memcpy(want, rfx_session_output(s1, 2, NULL), sizeof(want));

	rfx_model_destroy(m);
	ck_assert_msg(strstr(rfx_context_last_error(ctx), "2 sessions still use the model"),
		      "%s", rfx_context_last_error(ctx));
	/* Still whole: both sessions run and read its weights. */
	fill_input(s2);
	ck_assert_int_eq(rfx_session_run(s2, UINT64_MAX), RFX_OK);
	ck_assert_mem_eq(rfx_session_output(s2, 2, NULL), want, sizeof(want));
	ck_assert_uint_eq(rfx_model_output_count(m), 3);
	rfx_session_destroy(s1);
	rfx_model_destroy(m);
	ck_assert_msg(strstr(rfx_context_last_error(ctx), "1 sessions still use the model"),
		      "%s", rfx_context_last_error(ctx));
	ck_assert_int_eq(rfx_session_run(s2, UINT64_MAX), RFX_OK);
	rfx_session_destroy(s2);
	rfx_model_destroy(m); /* now freed */
	test_context_done(ctx);
}
END_TEST

/* ---- data --------------------------------------------------------------- */

/* Whether output element k of feat [4,8,8] or pool [4,4,4] can depend on
 * input pixel (py, px): feat through the 3x3 window, pool through its 2x2
 * window of feat. A convolution computed by Winograd F(t x t, 3x3) (tile
 * t, 1 otherwise) computes each t x t block of outputs from one (t+2) x
 * (t+2) input patch, whose transform mixes every value of the patch: the
 * whole block depends on each of them (a non-finite one makes the block
 * non-finite, even where its weight is 0). */
static int feat_reaches(int k, int py, int px, int tile)
{
	int y = (k % 64) / 8, x = k % 8;
	int y0 = y / tile * tile, x0 = x / tile * tile; /* the block */

	return py >= y0 - 1 && py <= y0 + tile && px >= x0 - 1 && px <= x0 + tile;
}

static int pool_reaches(int k, int py, int px, int tile)
{
	int y = (k % 16) / 4, x = k % 4;

	for (int dy = 0; dy < 2; dy++)
		for (int dx = 0; dx < 2; dx++)
			if (feat_reaches((2 * y + dy) * 8 + 2 * x + dx, py, px, tile))
				return 1;
	return 0;
}

/* The Winograd tile of the session's convolution (layer 0), 1 without. */
static int conv_tile(rfx_session *s)
{
	const char *v = s->vk ? rfx_vk_session_layer_variant(s, 0) : "";

	return strcmp(v, "conv_wino4_tb") == 0 ? 4 : strcmp(v, "conv_wino_tb") == 0 ? 2 : 1;
}

/* NaN, +Inf and -Inf written into one input value: reflex does not
 * inspect input values (that would be a pass over every frame), so the run
 * succeeds and:
 * - every output the bad value cannot reach (feat_reaches(): on Vulkan
 *   through a Winograd kernel's whole output block) is exactly the clean
 *   run's;
 * - on the CPU backend the values it reaches follow IEEE 754: a NaN makes
 *   the conv sums NaN, and ReLU (x < 0 ? 0 : x) keeps NaN; an infinity
 *   times one weight makes them +-Inf, which ReLU turns into +Inf or 0.
 *   On Vulkan they are the device's: SPIR-V leaves min/max of NaN
 *   undefined (lavapipe's ReLU turns NaN into 0), so what is promised
 *   there is the rest of this list;
 * - the frame leaves nothing behind: the next clean frame gives the clean
 *   answer to the bit. */
START_TEST(test_nan_and_inf_inputs)
{
	static const float bad[3] = {NAN, INFINITY, -INFINITY};
	const int py = 2, px = 5;
	rfx_context *ctx = test_context(backends[_i]);
	size_t n;
	void *bytes = make_model(&n);
	rfx_model *m;
	rfx_session *s;
	float feat[256], pool[64], prob[3];

	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	fill_input(s);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	memcpy(feat, rfx_session_output(s, 0, NULL), sizeof(feat));
	memcpy(pool, rfx_session_output(s, 1, NULL), sizeof(pool));
	memcpy(prob, rfx_session_output(s, 2, NULL), sizeof(prob));
	for (int k = 0; k < 3; k++)
		ck_assert(isfinite(prob[k]));

	int tile = conv_tile(s);
	for (int b = 0; b < 3; b++) {
		float *in = rfx_session_input(s, 0, NULL);
		fill_input(s);
		in[py * 8 + px] = bad[b]; /* channel 0 */
		ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
		const float *f = rfx_session_output(s, 0, NULL);
		const float *p = rfx_session_output(s, 1, NULL);
		for (int k = 0; k < 256; k++) {
			if (!feat_reaches(k, py, px, tile)) {
				ck_assert_msg(memcmp(&f[k], &feat[k], 4) == 0,
					      "%s, input %g: feat[%d] %g, clean %g",
					      backend_names[_i], bad[b], k, f[k], feat[k]);
			} else if (backends[_i] == RFX_BACKEND_CPU) {
				ck_assert_msg(isnan(bad[b]) ? isnan(f[k]) :
					      f[k] == INFINITY || f[k] == 0.0f,
					      "cpu, input %g: feat[%d] is %g", bad[b], k, f[k]);
			}
		}
		for (int k = 0; k < 64; k++)
			if (!pool_reaches(k, py, px, tile))
				ck_assert_msg(memcmp(&p[k], &pool[k], 4) == 0,
					      "%s, input %g: pool[%d] %g, clean %g",
					      backend_names[_i], bad[b], k, p[k], pool[k]);
		/* The next clean frame: the clean answer, to the bit. */
		fill_input(s);
		ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
		ck_assert_mem_eq(rfx_session_output(s, 0, NULL), feat, sizeof(feat));
		ck_assert_mem_eq(rfx_session_output(s, 1, NULL), pool, sizeof(pool));
		ck_assert_mem_eq(rfx_session_output(s, 2, NULL), prob, sizeof(prob));
	}
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

/* ---- device limits ------------------------------------------------------ */

/* A constant larger than maxStorageBufferRange: the model does not load;
 * an activation larger than it: the model loads, no session is made. Both
 * RFX_E_UNSUPPORTED, and the message names the limit. */
START_TEST(test_beyond_max_storage_buffer_range)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	uint32_t real = ctx->vk.info.max_storage_buffer_range;
	size_t n;
	void *bytes = make_model(&n);
	rfx_model *m = NULL;
	rfx_session *s = NULL;

	/* The weights (432 bytes) do not fit. */
	ctx->vk.info.max_storage_buffer_range = W_BYTES - 4;
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_E_UNSUPPORTED);
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(rfx_context_last_error(ctx), "maxStorageBufferRange (428)") &&
		      strstr(rfx_context_last_error(ctx), "'w' is 432 bytes"),
		      "%s", rfx_context_last_error(ctx));

	/* The weights fit; the input (768 bytes) and feat (1024) do not. */
	ctx->vk.info.max_storage_buffer_range = W_BYTES;
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_E_UNSUPPORTED);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(rfx_context_last_error(ctx), "maxStorageBufferRange (432)"),
		      "%s", rfx_context_last_error(ctx));

	/* With the real limit the same model runs. */
	ctx->vk.info.max_storage_buffer_range = real;
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	fill_input(s);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

/* Weights larger than the device-local heap: RFX_E_OUT_OF_MEMORY from the
 * model, naming the heap; a session whose buffers do not fit their heap:
 * RFX_E_OUT_OF_MEMORY from the session, naming the heap, before any
 * allocation is attempted (the validation layer would report an
 * allocation larger than its heap). */
START_TEST(test_beyond_memory_heap)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	uint64_t real = ctx->vk.info.device_local_bytes;
	VkDeviceSize heap[VK_MAX_MEMORY_HEAPS];
	size_t n;
	void *bytes = make_model(&n);
	rfx_model *m = NULL;
	rfx_session *s = NULL;

	ctx->vk.info.device_local_bytes = 256;
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_E_OUT_OF_MEMORY);
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(rfx_context_last_error(ctx), "device-local heap has 256"),
		      "%s", rfx_context_last_error(ctx));
	ctx->vk.info.device_local_bytes = real;

	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	/* Every heap shrunk below the session's arena (feat alone is 1 KiB,
	 * and the weights already sit in theirs). */
	for (uint32_t h = 0; h < ctx->vk.mem.memoryHeapCount; h++) {
		heap[h] = ctx->vk.mem.memoryHeaps[h].size;
		ctx->vk.mem.memoryHeaps[h].size = 512;
	}
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_E_OUT_OF_MEMORY);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(rfx_context_last_error(ctx), "memory heap"),
		      "%s", rfx_context_last_error(ctx));
	for (uint32_t h = 0; h < ctx->vk.mem.memoryHeapCount; h++)
		ctx->vk.mem.memoryHeaps[h].size = heap[h];
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	fill_input(s);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("api");

	tcase_add_loop_test(tc, test_null_and_bad_indices, 0, 2);
	tcase_add_loop_test(tc, test_destroy_model_in_use, 0, 2);
	suite_add_tcase(s, tc);
	tc = tcase_create("data");
	tcase_add_loop_test(tc, test_nan_and_inf_inputs, 0, 2);
	suite_add_tcase(s, tc);
	tc = tcase_create("device_limits");
	tcase_add_test(tc, test_beyond_max_storage_buffer_range);
	tcase_add_test(tc, test_beyond_memory_heap);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
