/* Context: creation, device choice, and a real dispatch of an embedded
 * kernel checked element by element. Runs with validation on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "core/context.h"
#include "graph/graph.h"
#include "vk/buffer.h"
#include "vk/kernel.h"

START_TEST(test_status_names)
{
	const char *seen[16];
	int n = 0;

	for (int st = RFX_OK; st >= RFX_E_INTERNAL; st--) {
		const char *s = rfx_status_str((rfx_status)st);
		ck_assert_ptr_nonnull(s);
		ck_assert_str_ne(s, "unknown status");
		for (int i = 0; i < n; i++)
			ck_assert_str_ne(s, seen[i]);
		seen[n++] = s;
	}
	ck_assert_str_eq(rfx_status_str((rfx_status)42), "unknown status");
	ck_assert_uint_eq(rfx_version(), RFX_VERSION);
	ck_assert_str_eq(rfx_version_string(), "0.1.0");
}
END_TEST

START_TEST(test_bad_arguments)
{
	rfx_context_options opt;

	ck_assert_int_eq(rfx_context_create(NULL, NULL), RFX_E_INVALID_ARGUMENT);
	rfx_context_options_default(&opt);
	opt.backend = (rfx_backend)7;
	rfx_context *ctx = NULL;
	ck_assert_int_eq(rfx_context_create(&opt, &ctx), RFX_E_INVALID_ARGUMENT);
	ck_assert_ptr_null(ctx);
	rfx_context_destroy(NULL); /* allowed */
	ck_assert_int_eq(rfx_device_list(NULL, NULL, 1, NULL),
			 RFX_E_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_create_default)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	rfx_device_info info;

	ck_assert_int_eq(rfx_context_device_info(ctx, &info), RFX_OK);
	ck_assert(strlen(info.name) > 0);
	ck_assert(info.chosen);
	ck_assert_uint_gt(info.max_workgroup_invocations, 0);
	ck_assert_uint_gt(info.max_storage_buffer_range, 0);
	ck_assert_uint_ge(info.max_push_constants_size, 128); /* Vulkan minimum */
	test_context_done(ctx);
}
END_TEST

START_TEST(test_create_cpu)
{
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	rfx_device_info info;

	ck_assert_int_eq(rfx_context_device_info(ctx, &info), RFX_E_UNSUPPORTED);
	test_context_done(ctx);
}
END_TEST

START_TEST(test_device_list_and_choice)
{
	rfx_device_info devs[16];
	uint32_t n = 0, chosen = 0;
	rfx_context_options opt;
	rfx_context *ctx = NULL;
	char part[8];

	ck_assert_int_eq(rfx_device_list(NULL, devs, 16, &n), RFX_OK);
	ck_assert_uint_ge(n, 1);
	for (uint32_t i = 0; i < n && i < 16; i++)
		chosen += (uint32_t)devs[i].chosen;
	ck_assert_uint_eq(chosen, 1);

	/* By index. */
	rfx_context_options_default(&opt);
	opt.device_index = (int)n - 1;
	ck_assert_int_eq(rfx_context_create(&opt, &ctx), RFX_OK);
	ck_assert_str_eq(ctx->vk.info.name, devs[n - 1].name);
	rfx_context_destroy(ctx);

	/* By a name substring, in another case. */
	snprintf(part, sizeof(part), "%.4s", devs[0].name);
	for (char *p = part; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p + (*p >= 'A' && *p <= 'Z' ? 32 : 0));
	rfx_context_options_default(&opt);
	opt.device_name = part;
	ck_assert_int_eq(rfx_context_create(&opt, &ctx), RFX_OK);
	/* devs[0] matches, and the first match wins. */
	ck_assert_str_eq(ctx->vk.info.name, devs[0].name);
	rfx_context_destroy(ctx);

	/* Choices that match nothing: a named status, no crash. */
	rfx_context_options_default(&opt);
	opt.device_index = (int)n + 3;
	ctx = NULL;
	ck_assert_int_eq(rfx_context_create(&opt, &ctx), RFX_E_NO_DEVICE);
	ck_assert_ptr_null(ctx);
	rfx_context_options_default(&opt);
	opt.device_name = "no-such-device-anywhere";
	ck_assert_int_eq(rfx_context_create(&opt, &ctx), RFX_E_NO_DEVICE);

	/* The environment variable, when the options say nothing. */
	setenv("RFX_DEVICE", "no-such-device-anywhere", 1);
	ck_assert_int_eq(rfx_context_create(NULL, &ctx), RFX_E_NO_DEVICE);
	setenv("RFX_DEVICE", "0", 1);
	ck_assert_int_eq(rfx_context_create(NULL, &ctx), RFX_OK);
	ck_assert_str_eq(ctx->vk.info.name, devs[0].name);
	rfx_context_destroy(ctx);
	unsetenv("RFX_DEVICE");
}
END_TEST

/* The formula each activation must compute, written out independently of
 * the shader and of engine/cpu. */
static float expect_act(rfx_act act, float x, float a0, float a1)
{
	switch (act) {
	case RFX_ACT_RELU: return x > 0 ? x : 0;
	case RFX_ACT_CLIP: return x < a0 ? a0 : x > a1 ? a1 : x;
	case RFX_ACT_LEAKY_RELU: return x >= 0 ? x : a0 * x;
	case RFX_ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
	case RFX_ACT_HARD_SIGMOID: {
		float v = a0 * x + a1;
		return v < 0 ? 0 : v > 1 ? 1 : v;
	}
	case RFX_ACT_HARD_SWISH: {
		float v = x / 6.0f + 0.5f;
		return x * (v < 0 ? 0 : v > 1 ? 1 : v);
	}
	case RFX_ACT_TANH: return tanhf(x);
	case RFX_ACT_SWISH: return x / (1.0f + expf(-x));
	default: return x;
	}
}

START_TEST(test_dispatch_embedded_kernel)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	VkDevice dev = ctx->vk.device;
	const uint32_t n = 1000, wg = 64;
	rfx_vk_buffer x, y;
	rfx_vk_kernel k;
	uint32_t seed = 1234;
	rfx_vk_kernel_desc kd = {
		.shader = "unary_ff", .n_bindings = 2, .push_size = 16,
		.n_spec = 1, .spec = {wg},
	};
	struct { uint32_t n, act; float a0, a1; } pc;

	ck_assert_int_eq(rfx_vk_buffer_create(ctx, n * 4,
		VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, RFX_VK_HOST_VISIBLE, &x), RFX_OK);
	ck_assert_int_eq(rfx_vk_buffer_create(ctx, n * 4,
		VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, RFX_VK_HOST_VISIBLE, &y), RFX_OK);
	ck_assert_int_eq(rfx_vk_kernel_create(ctx, VK_NULL_HANDLE, &kd, &k), RFX_OK);

	VkDescriptorPoolSize ps = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 2};
	VkDescriptorPoolCreateInfo dpi = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
		.maxSets = 1, .poolSizeCount = 1, .pPoolSizes = &ps,
	};
	VkDescriptorPool pool;
	ck_assert_int_eq(vkCreateDescriptorPool(dev, &dpi, NULL, &pool), VK_SUCCESS);
	VkDescriptorSetAllocateInfo dsa = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
		.descriptorPool = pool, .descriptorSetCount = 1,
		.pSetLayouts = &k.set_layout,
	};
	VkDescriptorSet set;
	ck_assert_int_eq(vkAllocateDescriptorSets(dev, &dsa, &set), VK_SUCCESS);
	VkDescriptorBufferInfo bi[2] = {{x.buf, 0, VK_WHOLE_SIZE},
					{y.buf, 0, VK_WHOLE_SIZE}};
	VkWriteDescriptorSet w = {
		.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
		.dstSet = set, .dstBinding = 0, .descriptorCount = 2,
		.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
		.pBufferInfo = bi,
	};
	vkUpdateDescriptorSets(dev, 1, &w, 0, NULL);

	VkCommandPoolCreateInfo cpi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
		.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
		.queueFamilyIndex = ctx->vk.queue_family,
	};
	VkCommandPool cp;
	ck_assert_int_eq(vkCreateCommandPool(dev, &cpi, NULL, &cp), VK_SUCCESS);
	VkCommandBufferAllocateInfo cai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = cp, .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	VkCommandBuffer cb;
	ck_assert_int_eq(vkAllocateCommandBuffers(dev, &cai, &cb), VK_SUCCESS);
	VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
	VkFence fence;
	ck_assert_int_eq(vkCreateFence(dev, &fci, NULL, &fence), VK_SUCCESS);

	for (int act = RFX_ACT_NONE; act < RFX_ACT_COUNT_; act++) {
		float *xs = x.map, *ys = y.map;
		pc.n = n;
		pc.act = (uint32_t)act;
		pc.a0 = act == RFX_ACT_LEAKY_RELU ? 0.1f : act == RFX_ACT_CLIP ? -1.5f : 0.2f;
		pc.a1 = act == RFX_ACT_CLIP ? 2.5f : 0.5f;
		for (uint32_t i = 0; i < n; i++) {
			xs[i] = test_randf(&seed, -8.0f, 8.0f);
			ys[i] = NAN;
		}
		VkCommandBufferBeginInfo begin = {
			.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
			.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
		};
		vkBeginCommandBuffer(cb, &begin);
		vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, k.pipeline);
		vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, k.layout,
					0, 1, &set, 0, NULL);
		vkCmdPushConstants(cb, k.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
				   sizeof(pc), &pc);
		vkCmdDispatch(cb, (n + wg - 1) / wg, 1, 1);
		VkMemoryBarrier mb = {
			.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
			.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
			.dstAccessMask = VK_ACCESS_HOST_READ_BIT,
		};
		vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
				     VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0,
				     NULL, 0, NULL);
		ck_assert_int_eq(vkEndCommandBuffer(cb), VK_SUCCESS);
		VkSubmitInfo si = {
			.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
			.commandBufferCount = 1, .pCommandBuffers = &cb,
		};
		ck_assert_int_eq(vkQueueSubmit(ctx->vk.queues[0], 1, &si, fence), VK_SUCCESS);
		ck_assert_int_eq(vkWaitForFences(dev, 1, &fence, VK_TRUE, UINT64_MAX),
				 VK_SUCCESS);
		vkResetFences(dev, 1, &fence);
		for (uint32_t i = 0; i < n; i++) {
			float e = expect_act((rfx_act)act, xs[i], pc.a0, pc.a1);
			/* exp/tanh differ by a few ulp between libm and the
			 * driver; everything else must be exact. */
			float tol = 2e-6f * (1.0f + fabsf(e));
			ck_assert_msg(fabsf(ys[i] - e) <= tol,
				      "act %d, element %u: x=%g got %g want %g",
				      act, i, xs[i], ys[i], e);
		}
	}
	vkDestroyFence(dev, fence, NULL);
	vkDestroyCommandPool(dev, cp, NULL);
	vkDestroyDescriptorPool(dev, pool, NULL);
	rfx_vk_kernel_destroy(ctx, &k);
	rfx_vk_buffer_destroy(ctx, &x);
	rfx_vk_buffer_destroy(ctx, &y);
	test_context_done(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("context");
	TCase *api = tcase_create("api");
	TCase *dev = tcase_create("device");
	TCase *dispatch = tcase_create("dispatch");

	tcase_add_test(api, test_status_names);
	tcase_add_test(api, test_bad_arguments);
	tcase_add_test(dev, test_create_default);
	tcase_add_test(dev, test_create_cpu);
	tcase_add_test(dev, test_device_list_and_choice);
	tcase_add_test(dispatch, test_dispatch_embedded_kernel);
	tcase_set_timeout(dispatch, 300);
	suite_add_tcase(s, api);
	suite_add_tcase(s, dev);
	suite_add_tcase(s, dispatch);
	return run_suite(s);
}
