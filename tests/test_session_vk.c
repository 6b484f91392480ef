/*
 * Vulkan sessions through the public API: deadlines, the in-flight state
 * machine, the hot-path contract (no allocation, no Vulkan object, no
 * recording after creation), determinism, concurrency, an adopted device,
 * the golden self-check, the pipeline cache file and the memory count.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vk/vk.h"
#include "vk/vk_session.h"
#include "vk_test_util.h"

/* ---- counting interposers --------------------------------------------- */

/* Every heap call of the process while `counting` is set, split into those
 * made inside the Vulkan driver's submit/wait entry points (the driver's
 * business: lavapipe allocates per vkQueueSubmit) and all others (reflex's,
 * which must be none). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* The sanitizers own malloc: no interposers there (the heap count is then
 * skipped; the Vulkan-call count still runs). */
#define NO_HEAP_COUNT 1
#endif
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static _Thread_local int counting; /* the calling thread only: a driver's
					     worker threads are its own */
static atomic_long heap_calls, driver_heap_calls;
static _Thread_local int in_driver;

#ifndef NO_HEAP_COUNT
static void count_heap(void)
{
	if (counting)
		atomic_fetch_add(in_driver ? &driver_heap_calls : &heap_calls, 1);
}

void *malloc(size_t n)
{
	count_heap();
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	count_heap();
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	count_heap();
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (p)
		count_heap();
	__libc_free(p);
}
#endif

#define WRAP_DRIVER(name, params, args)                                      \
	VkResult __real_##name params;                                       \
	VkResult __wrap_##name params;                                       \
	VkResult __wrap_##name params                                        \
	{                                                                    \
		in_driver = 1;                                               \
		VkResult r = __real_##name args;                             \
		in_driver = 0;                                               \
		return r;                                                    \
	}
WRAP_DRIVER(vkQueueSubmit, (VkQueue q, uint32_t n, const VkSubmitInfo *i, VkFence f), (q, n, i, f))
WRAP_DRIVER(vkWaitForFences, (VkDevice d, uint32_t n, const VkFence *f, VkBool32 all, uint64_t t), (d, n, f, all, t))
WRAP_DRIVER(vkResetFences, (VkDevice d, uint32_t n, const VkFence *f), (d, n, f))

/* Vulkan object creation and command recording by reflex (linked with
 * -Wl,--wrap=... for each of these, see tests/meson.build). */
static atomic_long vk_calls;
#define WRAP(ret, name, params, args)                                        \
	ret __real_##name params;                                            \
	ret __wrap_##name params;                                            \
	ret __wrap_##name params                                             \
	{                                                                    \
		atomic_fetch_add(&vk_calls, 1);                              \
		return __real_##name args;                                   \
	}
WRAP(VkResult, vkCreateBuffer, (VkDevice d, const VkBufferCreateInfo *i, const VkAllocationCallbacks *a, VkBuffer *o), (d, i, a, o))
WRAP(VkResult, vkAllocateMemory, (VkDevice d, const VkMemoryAllocateInfo *i, const VkAllocationCallbacks *a, VkDeviceMemory *o), (d, i, a, o))
WRAP(VkResult, vkCreateComputePipelines, (VkDevice d, VkPipelineCache c, uint32_t n, const VkComputePipelineCreateInfo *i, const VkAllocationCallbacks *a, VkPipeline *o), (d, c, n, i, a, o))
WRAP(VkResult, vkCreateShaderModule, (VkDevice d, const VkShaderModuleCreateInfo *i, const VkAllocationCallbacks *a, VkShaderModule *o), (d, i, a, o))
WRAP(VkResult, vkCreateDescriptorPool, (VkDevice d, const VkDescriptorPoolCreateInfo *i, const VkAllocationCallbacks *a, VkDescriptorPool *o), (d, i, a, o))
WRAP(VkResult, vkAllocateDescriptorSets, (VkDevice d, const VkDescriptorSetAllocateInfo *i, VkDescriptorSet *o), (d, i, o))
WRAP(VkResult, vkCreateFence, (VkDevice d, const VkFenceCreateInfo *i, const VkAllocationCallbacks *a, VkFence *o), (d, i, a, o))
WRAP(VkResult, vkCreateCommandPool, (VkDevice d, const VkCommandPoolCreateInfo *i, const VkAllocationCallbacks *a, VkCommandPool *o), (d, i, a, o))
WRAP(VkResult, vkAllocateCommandBuffers, (VkDevice d, const VkCommandBufferAllocateInfo *i, VkCommandBuffer *o), (d, i, o))
WRAP(VkResult, vkBeginCommandBuffer, (VkCommandBuffer c, const VkCommandBufferBeginInfo *i), (c, i))
WRAP(VkResult, vkCreatePipelineCache, (VkDevice d, const VkPipelineCacheCreateInfo *i, const VkAllocationCallbacks *a, VkPipelineCache *o), (d, i, a, o))

/* ---- models ------------------------------------------------------------ */

/* test_conv_net() as .rfx bytes. `size` and `width` set the work (heavy:
 * tens of ms on lavapipe). */
static void *make_model(uint32_t size, uint32_t width, uint32_t convs,
                        size_t *nbytes, int golden_bad)
{
	rfx_builder b;
	uint32_t seed = 7;

	test_conv_net(&b, size, width, convs, &seed);
	if (golden_bad >= 0) {
		/* A golden pair; the output is the CPU answer computed by the
		 * caller (see golden test), or a wrong one. */
		float *in = malloc((size_t)3 * size * size * sizeof(float));
		float out[10];
		for (uint32_t i = 0; i < 3 * size * size; i++)
			in[i] = test_randf(&seed, 0.0f, 1.0f);
		for (int i = 0; i < 10; i++)
			out[i] = golden_bad ? 0.1f : -1.0f; /* -1: filled later */
		rfx_builder_set_golden(&b, in, (uint64_t)3 * size * size * 4, out,
				       sizeof(out));
		free(in);
	}
	return test_model_bytes(&b, nbytes);
}

static void fill_input(rfx_session *s, uint32_t salt)
{
	rfx_tensor_info info;
	float *in = rfx_session_input(s, 0, &info);
	uint32_t st = 99 + salt;

	ck_assert_ptr_nonnull(in);
	for (size_t i = 0; i < info.size_bytes / 4; i++)
		in[i] = test_randf(&st, 0.0f, 1.0f);
}

/* The CPU reference's answer for input `salt`. */
static void cpu_answer(const void *bytes, size_t n, uint32_t salt, float out[10])
{
	rfx_context *cpu = test_context(RFX_BACKEND_CPU);
	rfx_model *m;
	rfx_session *s;

	ck_assert_int_eq(rfx_model_load_memory(cpu, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	fill_input(s, salt);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	memcpy(out, rfx_session_output(s, 0, NULL), 10 * sizeof(float));
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	test_context_done(cpu);
}

static void assert_close(const float *got, const float *want, const char *what)
{
	for (int i = 0; i < 10; i++)
		ck_assert_msg(fabsf(got[i] - want[i]) <= 1e-5f + 1e-4f * fabsf(want[i]),
			      "%s: class %d: vulkan %g cpu %g", what, i, got[i], want[i]);
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(test_deadline_and_busy)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	size_t n;
	void *bytes = make_model(128, 32, 6, &n, -1); /* tens of ms of work */
	rfx_model *m;
	rfx_session *s;
	float want[10];

	cpu_answer(bytes, n, 1, want);
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	ck_assert_int_eq(rfx_session_wait(s, UINT64_MAX), RFX_E_NOT_SUBMITTED);

	fill_input(s, 1);
	/* A deadline already in the past: the frame stays in flight. */
	ck_assert_int_eq(rfx_session_run(s, rfx_time_now_ns() - 1), RFX_E_DEADLINE);
	ck_assert_int_eq(rfx_session_submit(s), RFX_E_BUSY);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_E_BUSY);
	/* A later wait collects it, with the right answer. */
	ck_assert_int_eq(rfx_session_wait(s, rfx_time_now_ns() + 60ull * 1000000000ull),
			 RFX_OK);
	assert_close(rfx_session_output(s, 0, NULL), want, "after a missed deadline");
	ck_assert_int_eq(rfx_session_wait(s, UINT64_MAX), RFX_E_NOT_SUBMITTED);
	/* And the next run is correct. */
	fill_input(s, 1);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	assert_close(rfx_session_output(s, 0, NULL), want, "next run");
	/* Submit twice. */
	ck_assert_int_eq(rfx_session_submit(s), RFX_OK);
	ck_assert_int_eq(rfx_session_submit(s), RFX_E_BUSY);
	ck_assert_int_eq(rfx_session_wait(s, UINT64_MAX), RFX_OK);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

START_TEST(test_hot_path)
{
	/* No validation layer here: it allocates on every call it checks. */
	rfx_context_options opt;
	rfx_context *ctx;
	size_t n;
	void *bytes = make_model(16, 8, 2, &n, -1);
	rfx_model *m;
	rfx_session *s;
	rfx_tensor_info info;

	rfx_context_options_default(&opt);
	opt.validation = 0;
	unsetenv("RFX_VALIDATION");
	ck_assert_int_eq(rfx_context_create(&opt, &ctx), RFX_OK);
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	fill_input(s, 3);

	long vk_before = atomic_load(&vk_calls);
	int bad = 0;
	atomic_store(&heap_calls, 0);
	atomic_store(&driver_heap_calls, 0);
	counting = 1;
	/* No assertion inside the loop: Check's macros allocate. */
	for (int i = 0; i < 1000; i++) {
		float *in = rfx_session_input(s, 0, &info);
		in[0] = (float)i / 1000.0f;
		bad += rfx_session_submit(s) != RFX_OK;
		bad += rfx_session_wait(s, UINT64_MAX) != RFX_OK;
		bad += rfx_session_run(s, UINT64_MAX) != RFX_OK;
		bad += rfx_session_output(s, 0, &info) == NULL;
	}
	counting = 0;
	long heap = atomic_load(&heap_calls);
	long vk = atomic_load(&vk_calls) - vk_before;
	ck_assert_int_eq(bad, 0);
	fprintf(stderr, "hot path, 2000 frames: %ld heap calls by reflex, %ld "
		"inside the driver's submit/wait, %ld Vulkan object creations or "
		"recordings\n", heap, atomic_load(&driver_heap_calls), vk);
#ifndef NO_HEAP_COUNT
	ck_assert_msg(heap == 0, "%ld heap calls in 2000 frames", heap);
#endif
	ck_assert_msg(vk == 0, "%ld Vulkan creations/recordings in 2000 frames", vk);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	rfx_context_destroy(ctx);
	free(bytes);
}
END_TEST

START_TEST(test_determinism)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	size_t n;
	void *bytes = make_model(24, 12, 3, &n, -1);
	rfx_model *m;
	rfx_session *s;
	float first[10];

	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	fill_input(s, 5);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	memcpy(first, rfx_session_output(s, 0, NULL), sizeof(first));
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
		ck_assert_msg(memcmp(first, rfx_session_output(s, 0, NULL),
				     sizeof(first)) == 0, "run %d differs", i);
	}
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

struct worker {
	rfx_model *m;
	uint32_t salt;
	const float *want;
	int runs, failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	rfx_session *s;

	if (rfx_session_create(w->m, NULL, &s) != RFX_OK) {
		w->failures = -1;
		return NULL;
	}
	for (int i = 0; i < w->runs; i++) {
		fill_input(s, w->salt);
		if (rfx_session_run(s, UINT64_MAX) != RFX_OK) {
			w->failures++;
			continue;
		}
		const float *o = rfx_session_output(s, 0, NULL);
		for (int k = 0; k < 10; k++)
			if (fabsf(o[k] - w->want[k]) > 1e-5f + 1e-4f * fabsf(w->want[k]))
				w->failures++;
	}
	rfx_session_destroy(s);
	return NULL;
}

START_TEST(test_two_threads)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	size_t n;
	void *bytes = make_model(24, 12, 3, &n, -1);
	rfx_model *m;
	float want[2][10];
	pthread_t th[2];
	struct worker w[2];

	cpu_answer(bytes, n, 11, want[0]);
	cpu_answer(bytes, n, 12, want[1]);
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct worker){m, 11 + (uint32_t)i, want[i], 200, 0};
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(w[i].failures == 0, "thread %d: %d failures", i,
			      w[i].failures);
	}
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

START_TEST(test_adopted_device)
{
	/* An application that owns its Vulkan instance and device. */
	VkApplicationInfo app = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.apiVersion = VK_API_VERSION_1_1,
	};
	VkInstanceCreateInfo ici = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pApplicationInfo = &app,
	};
	VkInstance inst;
	VkPhysicalDevice pd;
	uint32_t one = 1;
	ck_assert_int_eq(vkCreateInstance(&ici, NULL, &inst), VK_SUCCESS);
	VkResult r = vkEnumeratePhysicalDevices(inst, &one, &pd);
	ck_assert(r == VK_SUCCESS || r == VK_INCOMPLETE);
	VkQueueFamilyProperties q[8];
	uint32_t nq = 8, fam = 0;
	vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, q);
	while (!(q[fam].queueFlags & VK_QUEUE_COMPUTE_BIT))
		fam++;
	float prio = 1.0f;
	VkDeviceQueueCreateInfo qci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
		.queueFamilyIndex = fam, .queueCount = 1, .pQueuePriorities = &prio,
	};
	VkDeviceCreateInfo dci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.queueCreateInfoCount = 1, .pQueueCreateInfos = &qci,
	};
	VkDevice dev;
	VkQueue queue;
	ck_assert_int_eq(vkCreateDevice(pd, &dci, NULL, &dev), VK_SUCCESS);
	vkGetDeviceQueue(dev, fam, 0, &queue);

	rfx_context_options opt;
	rfx_context *ctx;
	rfx_context_options_default(&opt);
	opt.vk_instance = inst;
	opt.vk_physical_device = pd;
	opt.vk_device = dev;
	opt.vk_queue = queue;
	opt.vk_queue_family = fam;
	ck_assert_int_eq(rfx_context_create(&opt, &ctx), RFX_OK);
	size_t n;
	void *bytes = make_model(20, 8, 2, &n, -1);
	float want[10];
	cpu_answer(bytes, n, 21, want);
	rfx_model *m;
	rfx_session *s;
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	fill_input(s, 21);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	assert_close(rfx_session_output(s, 0, NULL), want, "adopted device");
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	rfx_context_destroy(ctx);
	/* Still ours, still alive. */
	ck_assert_int_eq(vkDeviceWaitIdle(dev), VK_SUCCESS);
	vkDestroyDevice(dev, NULL);
	vkDestroyInstance(inst, NULL);
	free(bytes);
}
END_TEST

START_TEST(test_golden_check)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	size_t n;
	void *bad = make_model(16, 8, 2, &n, 1);
	rfx_model *m;
	rfx_session *s = NULL;
	rfx_session_options so;

	rfx_session_options_default(&so);
	so.golden_check = 1;
	ck_assert_int_eq(rfx_model_load_memory(ctx, bad, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, &so, &s), RFX_E_MISMATCH);
	ck_assert_ptr_null(s);
	/* Without the check the same model runs. */
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bad);
	test_context_done(ctx);
}
END_TEST

static int warnings;

static void count_warnings(rfx_log_level level, const char *msg, void *user)
{
	(void)msg;
	(void)user;
	if (level == RFX_LOG_WARNING)
		warnings++;
}

START_TEST(test_pipeline_cache)
{
	rfx_context_options opt;
	rfx_context *ctx;
	char dir[] = "/tmp/rfx-cache-XXXXXX", path[256];
	size_t n;
	void *bytes = make_model(16, 8, 2, &n, -1);
	rfx_model *m;
	rfx_session *s;
	rfx_session_options so;
	struct stat stt;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/pipelines.bin", dir);
	rfx_context_options_default(&opt);
	opt.log = count_warnings;
	ck_assert_int_eq(rfx_context_create(&opt, &ctx), RFX_OK);
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	rfx_session_options_default(&so);
	so.pipeline_cache_path = path;
	ck_assert_int_eq(rfx_session_create(m, &so, &s), RFX_OK);
	rfx_session_destroy(s);
	ck_assert_int_eq(stat(path, &stt), 0);
	ck_assert_int_gt(stt.st_size, 0);

	/* A corrupted cache file is ignored and rebuilt. */
	FILE *f = fopen(path, "wb");
	fputs("this is not a pipeline cache", f);
	fclose(f);
	ck_assert_int_eq(rfx_session_create(m, &so, &s), RFX_OK);
	rfx_session_destroy(s);
	ck_assert_int_eq(stat(path, &stt), 0);
	ck_assert_int_ne(stt.st_size, (off_t)strlen("this is not a pipeline cache"));

	/* An unwritable place: the session works, with a warning. */
	warnings = 0;
	snprintf(path, sizeof(path), "%s/file/pipelines.bin", dir);
	char blocker[256];
	snprintf(blocker, sizeof(blocker), "%s/file", dir);
	f = fopen(blocker, "w"); /* a file where a directory would go */
	fclose(f);
	ck_assert_int_eq(rfx_session_create(m, &so, &s), RFX_OK);
	ck_assert_int_ge(warnings, 1);
	fill_input(s, 1);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	ck_assert_uint_eq(rfx_context_validation_count(ctx), 0);
	rfx_context_destroy(ctx);
	free(bytes);
}
END_TEST

START_TEST(test_io_and_plan)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	size_t n;
	void *bytes = make_model(32, 8, 4, &n, -1);
	rfx_model *m;
	rfx_session *s;
	rfx_tensor_info info;
	rfx_vk_session_stats stats;

	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	ck_assert_ptr_nonnull(rfx_session_input(s, 0, &info));
	ck_assert_str_eq(info.name, "image");
	ck_assert_uint_eq(info.rank, 4);
	ck_assert_uint_eq(info.dims[3], 32);
	ck_assert_uint_eq(info.size_bytes, 3 * 32 * 32 * 4);
	ck_assert_ptr_null(rfx_session_input(s, 1, &info));
	ck_assert_ptr_null(rfx_session_output(s, 1, &info));
	ck_assert_ptr_null(rfx_session_input(NULL, 0, &info));
	ck_assert_ptr_nonnull(rfx_session_output(s, 0, &info));
	ck_assert_uint_eq(info.dims[1], 10);
	/* A chain of 4 convs needs 2 live activations at a time, not 4+. */
	rfx_vk_session_stats_get(s, &stats);
	ck_assert_uint_gt(stats.arena_bytes, 0);
	ck_assert_uint_lt(stats.arena_bytes, stats.tensor_bytes);
	/* One dispatch per layer, two for a kernel that packs its input
	 * first (conv_c4_tb), three for Winograd (input transform, products,
	 * output transform), none for the reshape (a view) nor for the
	 * global pool (fused into the fc's dispatch, test_fusion.c). */
	uint32_t want = 0;
	for (uint32_t l = 0; l < m->graph.n_layers; l++) {
		const char *k = rfx_vk_session_layer_variant(s, l);
		if (m->graph.layers[l].op != RFX_OP_RESHAPE &&
		    rfx_vk_session_layer_fused_into(s, l) == l)
			want += strstr(k, "wino") ? 3 : strstr(k, "c4") ? 2 : 1;
	}
	ck_assert_uint_ne(rfx_vk_session_layer_fused_into(s, 4), 4);
	ck_assert_uint_eq(m->graph.n_layers, 4 + 1 + 1 + 1 + 1);
	ck_assert_uint_eq(stats.dispatches, want);
	/* The model cannot go while a session uses it. */
	rfx_model_destroy(m);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

START_TEST(test_timing_and_profile)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	size_t n;
	void *bytes = make_model(48, 16, 3, &n, -1);
	rfx_model *m;
	rfx_session *s;
	rfx_session_options so;
	rfx_device_info info;
	uint64_t gpu = 0, total = 0, sum = 0, layers[7];

	ck_assert_int_eq(rfx_context_device_info(ctx, &info), RFX_OK);
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	/* Off by default. */
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	ck_assert_int_eq(rfx_session_gpu_time_ns(s, &gpu), RFX_E_UNSUPPORTED);
	ck_assert_int_eq(rfx_session_profile(s, layers, 7, &total), RFX_E_UNSUPPORTED);
	rfx_session_destroy(s);
	if (!info.timestamps) { /* nothing more to check on such a queue */
		rfx_model_destroy(m);
		free(bytes);
		test_context_done(ctx);
		return;
	}
	rfx_session_options_default(&so);
	so.gpu_timing = 1;
	so.profile = 1;
	ck_assert_int_eq(rfx_session_create(m, &so, &s), RFX_OK);
	fill_input(s, 1);
	ck_assert_int_eq(rfx_session_submit(s), RFX_OK);
	ck_assert_int_eq(rfx_session_gpu_time_ns(s, &gpu), RFX_E_BUSY);
	ck_assert_int_eq(rfx_session_wait(s, UINT64_MAX), RFX_OK);
	ck_assert_int_eq(rfx_session_gpu_time_ns(s, &gpu), RFX_OK);
	ck_assert_uint_gt(gpu, 0);
	ck_assert_int_eq(rfx_session_profile(s, layers, 6, &total), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_session_profile(s, layers, 7, &total), RFX_OK);
	for (int l = 0; l < 7; l++)
		sum += layers[l];
	/* Consecutive timestamps: the layers partition the whole run. */
	ck_assert_uint_eq(sum, total);
	ck_assert_uint_gt(layers[0], 0);     /* conv0 */
	ck_assert_uint_eq(layers[4], 0);     /* the reshape is a view */
	/* The production buffer still answers correctly afterwards. */
	float want[10];
	cpu_answer(bytes, n, 1, want);
	fill_input(s, 1);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	assert_close(rfx_session_output(s, 0, NULL), want, "after profiling");
	rfx_session_destroy(s);
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

START_TEST(test_device_lost)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	size_t n;
	void *bytes = make_model(16, 8, 2, &n, -1);
	rfx_model *m;
	rfx_session *s, *other;

	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	ck_assert_int_eq(rfx_session_create(m, NULL, &other), RFX_OK);
	fill_input(s, 1);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	atomic_store(&rfx_fault_device_lost, 1);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_E_DEVICE_LOST);
	/* Every later call fails cleanly. */
	ck_assert_int_eq(rfx_session_submit(s), RFX_E_DEVICE_LOST);
	ck_assert_int_eq(rfx_session_wait(s, UINT64_MAX), RFX_E_DEVICE_LOST);
	ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_E_DEVICE_LOST);
	ck_assert_str_ne(rfx_context_last_error(ctx), "");
	/* (The injected loss is the session's; the other still runs.) */
	fill_input(other, 1);
	ck_assert_int_eq(rfx_session_run(other, UINT64_MAX), RFX_OK);
	rfx_session_destroy(s);
	rfx_session_destroy(other);
	rfx_model_destroy(m);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

START_TEST(test_memory_usage)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	rfx_context *cpu = test_context(RFX_BACKEND_CPU);
	size_t n;
	void *bytes = make_model(32, 8, 4, &n, -1);
	rfx_model *m;
	rfx_session *s;
	rfx_session_stats stats;
	rfx_tensor_info in, out;
	rfx_memory_usage u0, um, us, ur, u2;

	ck_assert_int_eq(rfx_context_memory_usage(NULL, &u0), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_context_memory_usage(ctx, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_context_memory_usage(cpu, &u0), RFX_E_UNSUPPORTED);
	test_context_done(cpu);
	ck_assert_int_eq(rfx_context_memory_usage(ctx, &u0), RFX_OK);
	ck_assert_uint_eq(u0.allocated_bytes, 0);
	ck_assert_uint_eq(u0.allocations, 0);
	if (!u0.heap_usage_valid)
		ck_assert(u0.heap_usage_bytes == 0 && u0.heap_budget_bytes == 0);
	/* The model holds its weights. */
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, n, &m), RFX_OK);
	ck_assert_int_eq(rfx_context_memory_usage(ctx, &um), RFX_OK);
	ck_assert_uint_ge(um.allocations, 1);
	ck_assert_uint_gt(um.allocated_bytes, 0);
	/* A session adds at least its arena, input and output. */
	ck_assert_int_eq(rfx_session_create(m, NULL, &s), RFX_OK);
	ck_assert_int_eq(rfx_session_stats_get(s, &stats), RFX_OK);
	ck_assert_ptr_nonnull(rfx_session_input(s, 0, &in));
	ck_assert_ptr_nonnull(rfx_session_output(s, 0, &out));
	ck_assert_int_eq(rfx_context_memory_usage(ctx, &us), RFX_OK);
	ck_assert_uint_ge(us.allocations, um.allocations + 3);
	ck_assert_uint_ge(us.allocated_bytes - um.allocated_bytes,
			  stats.arena_bytes + in.size_bytes + out.size_bytes);
	/* Running allocates nothing. */
	for (int i = 0; i < 50; i++) {
		fill_input(s, (uint32_t)i);
		ck_assert_int_eq(rfx_session_run(s, UINT64_MAX), RFX_OK);
	}
	ck_assert_int_eq(rfx_context_memory_usage(ctx, &ur), RFX_OK);
	ck_assert_uint_eq(ur.allocated_bytes, us.allocated_bytes);
	ck_assert_uint_eq(ur.allocations, us.allocations);
	/* Every byte comes back: the session's, then the model's. */
	rfx_session_destroy(s);
	ck_assert_int_eq(rfx_context_memory_usage(ctx, &u2), RFX_OK);
	ck_assert_uint_eq(u2.allocated_bytes, um.allocated_bytes);
	ck_assert_uint_eq(u2.allocations, um.allocations);
	rfx_model_destroy(m);
	ck_assert_int_eq(rfx_context_memory_usage(ctx, &u2), RFX_OK);
	ck_assert_uint_eq(u2.allocated_bytes, 0);
	ck_assert_uint_eq(u2.allocations, 0);
	free(bytes);
	test_context_done(ctx);
}
END_TEST

int main(void)
{
	test_case cases[] = {
		{"deadline", test_deadline_and_busy},
		{"hot_path", test_hot_path},
		{"determinism", test_determinism},
		{"threads", test_two_threads},
		{"adopted_device", test_adopted_device},
		{"golden", test_golden_check},
		{"pipeline_cache", test_pipeline_cache},
		{"io_and_plan", test_io_and_plan},
		{"timing", test_timing_and_profile},
		{"device_lost", test_device_lost},
		{"memory_usage", test_memory_usage},
	};
	Suite *s = suite_create("session_vk");

	add_test_cases(s, cases, sizeof(cases) / sizeof(cases[0]), NULL, NULL, 600);
	return run_suite(s);
}
