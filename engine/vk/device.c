/* Physical devices: what each offers, and which one reflex picks. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "vk/vk.h"

const char *rfx_vk_result_str(VkResult r)
{
	switch (r) {
#define R(x) case x: return #x
	R(VK_SUCCESS);
	R(VK_NOT_READY);
	R(VK_TIMEOUT);
	R(VK_EVENT_SET);
	R(VK_EVENT_RESET);
	R(VK_INCOMPLETE);
	R(VK_ERROR_OUT_OF_HOST_MEMORY);
	R(VK_ERROR_OUT_OF_DEVICE_MEMORY);
	R(VK_ERROR_INITIALIZATION_FAILED);
	R(VK_ERROR_DEVICE_LOST);
	R(VK_ERROR_MEMORY_MAP_FAILED);
	R(VK_ERROR_LAYER_NOT_PRESENT);
	R(VK_ERROR_EXTENSION_NOT_PRESENT);
	R(VK_ERROR_FEATURE_NOT_PRESENT);
	R(VK_ERROR_INCOMPATIBLE_DRIVER);
	R(VK_ERROR_TOO_MANY_OBJECTS);
	R(VK_ERROR_FORMAT_NOT_SUPPORTED);
	R(VK_ERROR_FRAGMENTED_POOL);
	R(VK_ERROR_UNKNOWN);
	R(VK_ERROR_OUT_OF_POOL_MEMORY);
	R(VK_ERROR_INVALID_EXTERNAL_HANDLE);
	R(VK_ERROR_FRAGMENTATION);
	R(VK_PIPELINE_COMPILE_REQUIRED);
#undef R
	default: return "VK_ERROR_(unnamed)";
	}
}

rfx_status rfx_vk_fail(rfx_context *ctx, VkResult r, const char *what)
{
	rfx_status st;

	switch (r) {
	case VK_ERROR_OUT_OF_HOST_MEMORY:
	case VK_ERROR_OUT_OF_DEVICE_MEMORY:
	case VK_ERROR_OUT_OF_POOL_MEMORY:
	case VK_ERROR_FRAGMENTED_POOL:
	case VK_ERROR_FRAGMENTATION:
	case VK_ERROR_TOO_MANY_OBJECTS: st = RFX_E_OUT_OF_MEMORY; break;
	case VK_ERROR_DEVICE_LOST: st = RFX_E_DEVICE_LOST; break;
	case VK_ERROR_INCOMPATIBLE_DRIVER:
	case VK_ERROR_INITIALIZATION_FAILED: st = RFX_E_NO_DEVICE; break;
	case VK_ERROR_FEATURE_NOT_PRESENT:
	case VK_ERROR_EXTENSION_NOT_PRESENT:
	case VK_ERROR_FORMAT_NOT_SUPPORTED: st = RFX_E_UNSUPPORTED; break;
	default: st = RFX_E_VULKAN; break;
	}
	return rfx_fail(ctx, st, "%s: %s", what, rfx_vk_result_str(r));
}

static int has_extension(const VkExtensionProperties *ext, uint32_t n,
                         const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(ext[i].extensionName, name) == 0)
			return 1;
	return 0;
}

static uint32_t compute_queue_family(VkPhysicalDevice pd, int *timestamps)
{
	VkQueueFamilyProperties q[32];
	uint32_t n = 32, best = UINT32_MAX;

	vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, q);
	for (uint32_t i = 0; i < n; i++) {
		if (!(q[i].queueFlags & VK_QUEUE_COMPUTE_BIT))
			continue;
		/* Prefer a compute family without graphics: on desktop GPUs it
		 * is the asynchronous-compute queue, shared with nobody. */
		if (best == UINT32_MAX ||
		    !(q[i].queueFlags & VK_QUEUE_GRAPHICS_BIT))
			best = i;
	}
	*timestamps = best != UINT32_MAX && q[best].timestampValidBits > 0;
	return best;
}

/* The limit of the drivers known to have one. */
static uint64_t driver_max_loops(VkPhysicalDevice pd)
{
	VkPhysicalDeviceDriverProperties drv = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
	};
	VkPhysicalDeviceProperties2 props = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
		.pNext = &drv,
	};
	VkPhysicalDeviceProperties base;

	vkGetPhysicalDeviceProperties(pd, &base);
	if (VK_API_VERSION_MAJOR(base.apiVersion) == 1 &&
	    VK_API_VERSION_MINOR(base.apiVersion) < 2)
		return UINT64_MAX; /* no driver ID to ask (llvmpipe is 1.3) */
	vkGetPhysicalDeviceProperties2(pd, &props);
	return drv.driverID == VK_DRIVER_ID_MESA_LLVMPIPE ? 65535u : UINT64_MAX;
}

uint64_t rfx_vk_max_loops(VkPhysicalDevice pd)
{
	const char *e = getenv("RFX_MAX_LOOPS");
	uint64_t limit = driver_max_loops(pd);
	char *end;

	if (e && *e) {
		unsigned long long v = strtoull(e, &end, 10);
		if (*end == '\0' && v > 0 && v < limit)
			limit = v;
	}
	return limit;
}

void rfx_vk_probe(VkPhysicalDevice pd, uint32_t index, rfx_device_info *info)
{
	VkPhysicalDeviceShaderIntegerDotProductProperties dotp = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES,
	};
	VkPhysicalDeviceDriverProperties drv = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
	};
	VkPhysicalDeviceSubgroupProperties sub = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
		.pNext = &drv,
	};
	VkPhysicalDeviceProperties2 props = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
		.pNext = &sub,
	};
	VkPhysicalDeviceVulkan13Features f13 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES,
	};
	VkPhysicalDeviceVulkan12Features f12 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
	};
	VkPhysicalDeviceVulkan11Features f11 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
		.pNext = &f12,
	};
	VkPhysicalDeviceFeatures2 feats = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
		.pNext = &f11,
	};
	VkPhysicalDeviceProperties base;
	VkPhysicalDeviceMemoryProperties mem;
	VkExtensionProperties *ext = NULL;
	uint32_t n_ext = 0;

	memset(info, 0, sizeof(*info));
	vkGetPhysicalDeviceProperties(pd, &base);
	vkEnumerateDeviceExtensionProperties(pd, NULL, &n_ext, NULL);
	ext = n_ext ? calloc(n_ext, sizeof(*ext)) : NULL;
	if (ext)
		vkEnumerateDeviceExtensionProperties(pd, NULL, &n_ext, ext);
	else
		n_ext = 0;

	/* Vulkan 1.3 structures may only be chained on 1.3 devices. */
	int v13 = VK_API_VERSION_MINOR(base.apiVersion) >= 3 ||
		  VK_API_VERSION_MAJOR(base.apiVersion) > 1;
	int v12 = v13 || VK_API_VERSION_MINOR(base.apiVersion) >= 2;
	int dot_ext = v13 || has_extension(ext, n_ext,
		VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
	if (dot_ext)
		drv.pNext = &dotp;
	if (v13)
		f12.pNext = &f13;
	if (!v12)
		f11.pNext = NULL;
	vkGetPhysicalDeviceProperties2(pd, &props);
	vkGetPhysicalDeviceFeatures2(pd, &feats);
	vkGetPhysicalDeviceMemoryProperties(pd, &mem);

	info->index = index;
	snprintf(info->name, sizeof(info->name), "%s", base.deviceName);
	if (v12) {
		snprintf(info->driver_name, sizeof(info->driver_name), "%s",
			 drv.driverName);
		snprintf(info->driver_info, sizeof(info->driver_info), "%s",
			 drv.driverInfo);
	}
	info->vendor_id = base.vendorID;
	info->device_id = base.deviceID;
	info->api_version = base.apiVersion;
	info->driver_version = base.driverVersion;
	switch (base.deviceType) {
	case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: info->type = 1; break;
	case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: info->type = 2; break;
	case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: info->type = 3; break;
	case VK_PHYSICAL_DEVICE_TYPE_CPU: info->type = 4; break;
	default: info->type = 0; break;
	}
	if (v12) {
		info->shader_float16 = f12.shaderFloat16;
		info->shader_int8 = f12.shaderInt8;
		info->storage_8bit = f12.storageBuffer8BitAccess;
	}
	info->storage_16bit = f11.storageBuffer16BitAccess;
	if (dot_ext) {
		info->integer_dot_product = v13 ? (int)f13.shaderIntegerDotProduct : 1;
		info->integer_dot_accelerated =
			dotp.integerDotProduct4x8BitPackedSignedAccelerated;
	}
	info->subgroup_size = sub.subgroupSize;
	if (sub.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT)
		info->subgroup_ops = sub.supportedOperations;
	compute_queue_family(pd, &info->timestamps);
	info->timestamps = info->timestamps &&
			   (base.limits.timestampComputeAndGraphics ||
			    base.limits.timestampPeriod > 0);
	info->timestamp_period_ns = base.limits.timestampPeriod;
	for (int i = 0; i < 3; i++)
		info->max_workgroup_size[i] = base.limits.maxComputeWorkGroupSize[i];
	info->max_workgroup_invocations = base.limits.maxComputeWorkGroupInvocations;
	info->max_storage_buffer_range = base.limits.maxStorageBufferRange;
	info->max_texel_buffer_elements = base.limits.maxTexelBufferElements;
	info->max_push_constants_size = base.limits.maxPushConstantsSize;
	for (uint32_t h = 0; h < mem.memoryHeapCount; h++)
		if ((mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) &&
		    mem.memoryHeaps[h].size > info->device_local_bytes)
			info->device_local_bytes = mem.memoryHeaps[h].size;
	for (uint32_t t = 0; t < mem.memoryTypeCount; t++) {
		VkMemoryPropertyFlags f = mem.memoryTypes[t].propertyFlags;
		if ((f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) &&
		    (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
			info->device_local_host_visible = 1;
	}
	free(ext);
}

/* Default preference: discrete, integrated, virtual, CPU, other. */
static int type_rank(int type)
{
	static const int rank[] = {0, 3, 4, 2, 1};
	return type >= 0 && type <= 4 ? rank[type] : 0;
}

static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] &&
		       tolower((unsigned char)hay[i]) ==
			       tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return n == 0;
}

static int choose_by(const rfx_device_info *infos, uint32_t n, const char *sel)
{
	char *end;
	long idx = strtol(sel, &end, 10);

	if (*sel && *end == '\0')
		return idx >= 0 && (unsigned long)idx < n ? (int)idx : -1;
	for (uint32_t i = 0; i < n; i++)
		if (contains_nocase(infos[i].name, sel))
			return (int)i;
	return -1;
}

int rfx_vk_choose(const rfx_device_info *infos, uint32_t n,
                  const rfx_context_options *opt)
{
	const char *env = getenv("RFX_DEVICE");
	int best = -1;

	if (opt && opt->device_index >= 0)
		return (uint32_t)opt->device_index < n ? opt->device_index : -1;
	if (opt && opt->device_name)
		return choose_by(infos, n, opt->device_name);
	if (env && *env)
		return choose_by(infos, n, env);
	for (uint32_t i = 0; i < n; i++)
		if (best < 0 || type_rank(infos[i].type) > type_rank(infos[best].type))
			best = (int)i;
	return best;
}

int rfx_vk_memory_type(const struct rfx_vk *vk, uint32_t type_bits,
                       VkMemoryPropertyFlags want)
{
	for (uint32_t t = 0; t < vk->mem.memoryTypeCount; t++)
		if ((type_bits & (1u << t)) &&
		    (vk->mem.memoryTypes[t].propertyFlags & want) == want)
			return (int)t;
	return -1;
}

rfx_status rfx_device_list(const rfx_context_options *opt,
                           rfx_device_info *out, uint32_t cap,
                           uint32_t *count)
{
	VkApplicationInfo app = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.pApplicationName = "reflex",
		.apiVersion = VK_API_VERSION_1_1,
	};
	VkInstanceCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pApplicationInfo = &app,
	};
	VkInstance inst;
	VkPhysicalDevice *pds = NULL;
	rfx_device_info *infos = NULL;
	uint32_t n = 0;
	rfx_status st = RFX_OK;

	if (!count || (cap && !out))
		return RFX_E_INVALID_ARGUMENT;
	*count = 0;
	if (vkCreateInstance(&ci, NULL, &inst) != VK_SUCCESS)
		return RFX_E_NO_DEVICE;
	if (vkEnumeratePhysicalDevices(inst, &n, NULL) != VK_SUCCESS || n == 0) {
		st = RFX_E_NO_DEVICE;
		goto out;
	}
	pds = calloc(n, sizeof(*pds));
	infos = calloc(n, sizeof(*infos));
	if (!pds || !infos) {
		st = RFX_E_OUT_OF_MEMORY;
		goto out;
	}
	if (vkEnumeratePhysicalDevices(inst, &n, pds) < 0) {
		st = RFX_E_NO_DEVICE;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		rfx_vk_probe(pds[i], i, &infos[i]);
	int chosen = rfx_vk_choose(infos, n, opt);
	if (chosen >= 0)
		infos[chosen].chosen = 1;
	for (uint32_t i = 0; i < n && i < cap; i++)
		out[i] = infos[i];
	*count = n;
out:
	free(infos);
	free(pds);
	vkDestroyInstance(inst, NULL);
	return st;
}
