/* Context creation: instance, validation, device choice, compute queues. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "vk/vk.h"

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

void rfx_context_options_default(rfx_context_options *opt)
{
	if (!opt)
		return;
	memset(opt, 0, sizeof(*opt));
	opt->backend = RFX_BACKEND_VULKAN;
	opt->device_index = -1;
	opt->validation = rfx_env_flag("RFX_VALIDATION");
	opt->log_level = RFX_LOG_INFO;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL
on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
              VkDebugUtilsMessageTypeFlagsEXT type,
              const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
	rfx_context *ctx = user;
	rfx_log_level level = RFX_LOG_DEBUG;

	if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
		level = RFX_LOG_ERROR;
	else if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)
		level = RFX_LOG_WARNING;
	if (level <= RFX_LOG_WARNING)
		atomic_fetch_add(&ctx->validation_count, 1);
	rfx_log(ctx, level, "validation: %s", data->pMessage);
	return VK_FALSE;
}

static int layer_present(const char *name)
{
	VkLayerProperties layers[64];
	uint32_t n = 64;

	if (vkEnumerateInstanceLayerProperties(&n, layers) < 0)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(layers[i].layerName, name) == 0)
			return 1;
	return 0;
}

static int instance_ext_present(const char *name)
{
	VkExtensionProperties ext[128];
	uint32_t n = 128;

	if (vkEnumerateInstanceExtensionProperties(NULL, &n, ext) < 0)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(ext[i].extensionName, name) == 0)
			return 1;
	return 0;
}

static rfx_status create_instance(rfx_context *ctx, int validation)
{
	struct rfx_vk *vk = &ctx->vk;
	const char *layers[1], *exts[2];
	uint32_t n_layers = 0, n_exts = 0;
	VkDebugUtilsMessengerCreateInfoEXT dbg = {
		.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
		.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
				   VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
		.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
			       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
			       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
		.pfnUserCallback = on_validation,
		.pUserData = ctx,
	};
	VkApplicationInfo app = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.pApplicationName = "reflex",
		.pEngineName = "reflex",
		.engineVersion = RFX_VERSION,
		.apiVersion = VK_API_VERSION_1_3,
	};
	VkInstanceCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pApplicationInfo = &app,
	};
	VkResult r;

	if (validation) {
		if (!layer_present(VALIDATION_LAYER) ||
		    !instance_ext_present(VK_EXT_DEBUG_UTILS_EXTENSION_NAME)) {
			rfx_log(ctx, RFX_LOG_WARNING,
				"validation requested but %s is not installed "
				"(Debian: vulkan-validationlayers)", VALIDATION_LAYER);
			validation = 0;
		} else {
			layers[n_layers++] = VALIDATION_LAYER;
			exts[n_exts++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
			ci.pNext = &dbg; /* also covers instance creation */
		}
	}
	/* Portability drivers (MoltenVK) are listed only when asked for. */
	if (instance_ext_present(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
		exts[n_exts++] = VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME;
		ci.flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
	}
	ci.enabledLayerCount = n_layers;
	ci.ppEnabledLayerNames = layers;
	ci.enabledExtensionCount = n_exts;
	ci.ppEnabledExtensionNames = exts;
	r = vkCreateInstance(&ci, NULL, &vk->instance);
	if (r == VK_ERROR_INCOMPATIBLE_DRIVER || r == VK_ERROR_INITIALIZATION_FAILED)
		return rfx_fail(ctx, RFX_E_NO_DEVICE,
				"no Vulkan driver: vkCreateInstance: %s "
				"(Debian: mesa-vulkan-drivers provides lavapipe)",
				rfx_vk_result_str(r));
	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "vkCreateInstance");
	if (validation) {
		PFN_vkCreateDebugUtilsMessengerEXT create =
			(PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
				vk->instance, "vkCreateDebugUtilsMessengerEXT");
		dbg.pNext = NULL;
		if (create)
			create(vk->instance, &dbg, NULL, &vk->messenger);
		rfx_log(ctx, RFX_LOG_INFO, "validation layer enabled");
	}
	return RFX_OK;
}

static rfx_status pick_device(rfx_context *ctx, const rfx_context_options *opt)
{
	struct rfx_vk *vk = &ctx->vk;
	VkPhysicalDevice pds[16];
	rfx_device_info infos[16];
	uint32_t n = 16;
	VkResult r = vkEnumeratePhysicalDevices(vk->instance, &n, pds);

	if (r < 0 || n == 0)
		return rfx_fail(ctx, RFX_E_NO_DEVICE,
				"no Vulkan device (vkEnumeratePhysicalDevices: %s, "
				"%u devices)", rfx_vk_result_str(r), n);
	for (uint32_t i = 0; i < n; i++)
		rfx_vk_probe(pds[i], i, &infos[i]);
	int c = rfx_vk_choose(infos, n, opt);
	if (c < 0)
		return rfx_fail(ctx, RFX_E_NO_DEVICE,
				"no Vulkan device matches the choice (index %d, "
				"name \"%s\", RFX_DEVICE=\"%s\"); %u present",
				opt->device_index,
				opt->device_name ? opt->device_name : "",
				getenv("RFX_DEVICE") ? getenv("RFX_DEVICE") : "", n);
	vk->phys = pds[c];
	vk->max_loops = rfx_vk_max_loops(vk->phys);
	vk->info = infos[c];
	vk->info.chosen = 1;
	return RFX_OK;
}

static int device_ext_present(VkPhysicalDevice pd, const char *name)
{
	VkExtensionProperties *ext;
	uint32_t n = 0;
	int found = 0;

	vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL);
	ext = calloc(n ? n : 1, sizeof(*ext));
	if (!ext)
		return 0;
	vkEnumerateDeviceExtensionProperties(pd, NULL, &n, ext);
	for (uint32_t i = 0; i < n && !found; i++)
		found = strcmp(ext[i].extensionName, name) == 0;
	free(ext);
	return found;
}

static rfx_status create_device(rfx_context *ctx)
{
	struct rfx_vk *vk = &ctx->vk;
	const rfx_device_info *d = &vk->info;
	int v13 = VK_API_VERSION_MINOR(d->api_version) >= 3;
	int v12 = v13 || VK_API_VERSION_MINOR(d->api_version) >= 2;
	float prio[RFX_VK_MAX_QUEUES] = {1, 1, 1, 1, 1, 1, 1, 1};
	VkQueueFamilyProperties q[32];
	uint32_t nq = 32, family = UINT32_MAX;
	const char *exts[3];
	uint32_t n_exts = 0;

	vkGetPhysicalDeviceQueueFamilyProperties(vk->phys, &nq, q);
	for (uint32_t i = 0; i < nq; i++)
		if ((q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) &&
		    (family == UINT32_MAX || !(q[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)))
			family = i;
	if (family == UINT32_MAX)
		return rfx_fail(ctx, RFX_E_NO_DEVICE, "%s has no compute queue",
				d->name);

	VkPhysicalDeviceVulkan13Features f13 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES,
		.shaderIntegerDotProduct = (VkBool32)d->integer_dot_product,
	};
	VkPhysicalDeviceVulkan12Features f12 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
		.pNext = v13 ? &f13 : NULL,
		.shaderFloat16 = (VkBool32)d->shader_float16,
		.shaderInt8 = (VkBool32)d->shader_int8,
		.storageBuffer8BitAccess = (VkBool32)d->storage_8bit,
	};
	VkPhysicalDeviceVulkan11Features f11 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
		.pNext = v12 ? &f12 : NULL,
		.storageBuffer16BitAccess = (VkBool32)d->storage_16bit,
	};
	VkPhysicalDeviceFeatures2 feats = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
		.pNext = &f11,
	};
	VkDeviceQueueCreateInfo qci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
		.queueFamilyIndex = family,
		.queueCount = q[family].queueCount < RFX_VK_MAX_QUEUES ?
				      q[family].queueCount : RFX_VK_MAX_QUEUES,
		.pQueuePriorities = prio,
	};
	VkDeviceCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.pNext = &feats,
		.queueCreateInfoCount = 1,
		.pQueueCreateInfos = &qci,
	};
	/* A portability driver requires this extension to be enabled. */
	if (device_ext_present(vk->phys, "VK_KHR_portability_subset"))
		exts[n_exts++] = "VK_KHR_portability_subset";
	if (!v13 && d->integer_dot_product &&
	    device_ext_present(vk->phys,
			       VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME))
		exts[n_exts++] = VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME;
	/* The device's own usage figure for rfx_context_memory_usage(): a
	 * query only, enabling it changes nothing else. */
	vk->memory_budget = device_ext_present(vk->phys,
					       VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
	if (vk->memory_budget)
		exts[n_exts++] = VK_EXT_MEMORY_BUDGET_EXTENSION_NAME;
	ci.enabledExtensionCount = n_exts;
	ci.ppEnabledExtensionNames = exts;

	VkResult r = vkCreateDevice(vk->phys, &ci, NULL, &vk->device);
	if (r != VK_SUCCESS)
		return rfx_vk_fail(ctx, r, "vkCreateDevice");
	vk->queue_family = family;
	vk->n_queues = qci.queueCount;
	for (uint32_t i = 0; i < vk->n_queues; i++)
		vkGetDeviceQueue(vk->device, family, i, &vk->queues[i]);
	vk->f16 = d->shader_float16;
	vk->int8 = d->shader_int8;
	vk->storage8 = d->storage_8bit;
	vk->storage16 = d->storage_16bit;
	vk->int_dot = d->integer_dot_product;
	return RFX_OK;
}

static rfx_status adopt(rfx_context *ctx, const rfx_context_options *opt)
{
	struct rfx_vk *vk = &ctx->vk;

	if (!opt->vk_instance || !opt->vk_physical_device || !opt->vk_device ||
	    !opt->vk_queue)
		return rfx_fail(ctx, RFX_E_INVALID_ARGUMENT,
				"adopting Vulkan objects needs instance, physical "
				"device, device and queue");
	vk->adopted = 1;
	vk->instance = (VkInstance)opt->vk_instance;
	vk->phys = (VkPhysicalDevice)opt->vk_physical_device;
	vk->device = (VkDevice)opt->vk_device;
	vk->queues[0] = (VkQueue)opt->vk_queue;
	vk->n_queues = 1;
	vk->queue_family = opt->vk_queue_family;
	rfx_vk_probe(vk->phys, 0, &vk->info);
	vk->max_loops = rfx_vk_max_loops(vk->phys);
	vk->info.chosen = 1;
	/* We cannot know what the application enabled beyond Vulkan 1.0:
	 * use only the core features every kernel can run with. */
	return RFX_OK;
}

rfx_status rfx_context_create(const rfx_context_options *opt_in,
                              rfx_context **out)
{
	rfx_context_options opt;
	rfx_context *ctx;
	rfx_status st;

	if (!out)
		return RFX_E_INVALID_ARGUMENT;
	if (opt_in)
		opt = *opt_in;
	else
		rfx_context_options_default(&opt);
	if (opt.backend != RFX_BACKEND_VULKAN && opt.backend != RFX_BACKEND_CPU)
		return RFX_E_INVALID_ARGUMENT;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return RFX_E_OUT_OF_MEMORY;
	ctx->backend = opt.backend;
	ctx->log = opt.log;
	ctx->log_user = opt.log_user;
	ctx->log_level = opt.log_level;
	atomic_init(&ctx->validation_count, 0);
	pthread_mutex_init(&ctx->lock, NULL);
	for (int i = 0; i < RFX_VK_MAX_QUEUES; i++)
		pthread_mutex_init(&ctx->vk.queue_locks[i], NULL);
	atomic_init(&ctx->vk.next_queue, 0);
	atomic_init(&ctx->vk.mem_bytes, 0);
	atomic_init(&ctx->vk.mem_allocs, 0);
	if (opt.backend == RFX_BACKEND_CPU) {
		*out = ctx;
		return RFX_OK;
	}
	if (rfx_env_flag("RFX_VALIDATION"))
		opt.validation = 1;
	if (opt.vk_device) {
		st = adopt(ctx, &opt);
	} else {
		st = create_instance(ctx, opt.validation);
		if (st == RFX_OK)
			st = pick_device(ctx, &opt);
		if (st == RFX_OK)
			st = create_device(ctx);
	}
	if (st != RFX_OK) {
		if (opt_in && opt_in->log && ctx->last_error[0] == '\0')
			rfx_log(ctx, RFX_LOG_ERROR, "%s", rfx_status_str(st));
		rfx_context_destroy(ctx);
		return st;
	}
	vkGetPhysicalDeviceMemoryProperties(ctx->vk.phys, &ctx->vk.mem);
	rfx_log(ctx, RFX_LOG_INFO, "device: %s (%s)", ctx->vk.info.name,
		ctx->vk.info.driver_info);
	*out = ctx;
	return RFX_OK;
}

void rfx_context_destroy(rfx_context *ctx)
{
	struct rfx_vk *vk;

	if (!ctx)
		return;
	vk = &ctx->vk;
	if (!vk->adopted) {
		if (vk->device)
			vkDestroyDevice(vk->device, NULL);
		if (vk->messenger) {
			PFN_vkDestroyDebugUtilsMessengerEXT destroy =
				(PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
					vk->instance, "vkDestroyDebugUtilsMessengerEXT");
			if (destroy)
				destroy(vk->instance, vk->messenger, NULL);
		}
		if (vk->instance)
			vkDestroyInstance(vk->instance, NULL);
	}
	for (int i = 0; i < RFX_VK_MAX_QUEUES; i++)
		pthread_mutex_destroy(&ctx->vk.queue_locks[i]);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

VkResult rfx_vk_submit(struct rfx_vk *vk, uint32_t q, VkCommandBuffer cb,
                       VkFence fence)
{
	VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1,
		.pCommandBuffers = &cb,
	};
	VkResult r;

	pthread_mutex_lock(&vk->queue_locks[q]);
	r = vkQueueSubmit(vk->queues[q], 1, &si, fence);
	pthread_mutex_unlock(&vk->queue_locks[q]);
	return r;
}

uint32_t rfx_context_validation_count(const rfx_context *ctx)
{
	return ctx ? atomic_load(&((rfx_context *)ctx)->validation_count) : 0;
}

rfx_status rfx_context_device_info(const rfx_context *ctx, rfx_device_info *out)
{
	if (!ctx || !out)
		return RFX_E_INVALID_ARGUMENT;
	if (ctx->backend != RFX_BACKEND_VULKAN)
		return RFX_E_UNSUPPORTED;
	*out = ctx->vk.info;
	return RFX_OK;
}

rfx_status rfx_context_memory_usage(const rfx_context *ctx,
                                    rfx_memory_usage *out)
{
	struct rfx_vk *vk; /* not const: C11 atomics load from non-const */

	if (!ctx || !out)
		return RFX_E_INVALID_ARGUMENT;
	if (ctx->backend != RFX_BACKEND_VULKAN)
		return RFX_E_UNSUPPORTED;
	vk = &((rfx_context *)ctx)->vk;
	memset(out, 0, sizeof(*out));
	out->allocated_bytes = atomic_load(&vk->mem_bytes);
	out->allocations = atomic_load(&vk->mem_allocs);
	if (vk->memory_budget) {
		VkPhysicalDeviceMemoryBudgetPropertiesEXT budget = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT,
		};
		VkPhysicalDeviceMemoryProperties2 props = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2,
			.pNext = &budget,
		};
		vkGetPhysicalDeviceMemoryProperties2(vk->phys, &props);
		for (uint32_t h = 0; h < props.memoryProperties.memoryHeapCount; h++) {
			out->heap_usage_bytes += budget.heapUsage[h];
			out->heap_budget_bytes += budget.heapBudget[h];
		}
		out->heap_usage_valid = 1;
	}
	return RFX_OK;
}
