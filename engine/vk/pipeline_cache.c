/* The VkPipelineCache file: loaded at session creation, saved after it, so a
 * second start skips pipeline compilation where the driver caches. The file
 * is untrusted: its header must name this exact device and driver, or it is
 * ignored and rebuilt. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/context.h"
#include "format/rfx_format.h"
#include "vk/pipeline_cache.h"

#define MAX_CACHE_BYTES (256u << 20)

int rfx_vk_pipeline_cache_path(rfx_context *ctx, const char *explicit_path,
                               char *out, size_t len)
{
	VkPhysicalDeviceProperties p;
	const char *base = getenv("XDG_CACHE_HOME");
	char dir[512];

	if (explicit_path)
		return snprintf(out, len, "%s", explicit_path) < (int)len;
	if (base && *base)
		snprintf(dir, sizeof(dir), "%s/reflex", base);
	else if (getenv("HOME"))
		snprintf(dir, sizeof(dir), "%s/.cache/reflex", getenv("HOME"));
	else
		return 0;
	vkGetPhysicalDeviceProperties(ctx->vk.phys, &p);
	char uuid[2 * VK_UUID_SIZE + 1];
	for (unsigned i = 0; i < VK_UUID_SIZE; i++)
		snprintf(uuid + 2 * i, 3, "%02x", p.pipelineCacheUUID[i]);
	return snprintf(out, len, "%s/pipelines-%04x-%04x-%08x-%s.bin", dir,
			p.vendorID, p.deviceID, p.driverVersion, uuid) < (int)len;
}

/* The header Vulkan defines (VkPipelineCacheHeaderVersionOne). */
static int header_matches(rfx_context *ctx, const uint8_t *d, size_t n)
{
	VkPhysicalDeviceProperties p;
	uint32_t hdr_len, version, vendor, device;

	if (n < 16 + VK_UUID_SIZE)
		return 0;
	memcpy(&hdr_len, d, 4);
	memcpy(&version, d + 4, 4);
	memcpy(&vendor, d + 8, 4);
	memcpy(&device, d + 12, 4);
	vkGetPhysicalDeviceProperties(ctx->vk.phys, &p);
	return hdr_len >= 16 + VK_UUID_SIZE && hdr_len <= n &&
	       version == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
	       vendor == p.vendorID && device == p.deviceID &&
	       memcmp(d + 16, p.pipelineCacheUUID, VK_UUID_SIZE) == 0;
}

VkPipelineCache rfx_vk_pipeline_cache_load(rfx_context *ctx, const char *path)
{
	VkPipelineCacheCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
	};
	VkPipelineCache cache = VK_NULL_HANDLE;
	uint8_t *data = NULL;
	FILE *f = path ? fopen(path, "rb") : NULL;

	if (f) {
		long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
		if (n > 0 && (unsigned long)n <= MAX_CACHE_BYTES &&
		    fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)n)) &&
		    fread(data, 1, (size_t)n, f) == (size_t)n &&
		    header_matches(ctx, data, (size_t)n)) {
			ci.initialDataSize = (size_t)n;
			ci.pInitialData = data;
		} else {
			rfx_log(ctx, RFX_LOG_INFO,
				"pipeline cache %s is not for this device or is "
				"damaged: rebuilding it", path);
		}
		fclose(f);
	}
	if (vkCreatePipelineCache(ctx->vk.device, &ci, NULL, &cache) != VK_SUCCESS &&
	    ci.initialDataSize) {
		ci.initialDataSize = 0;
		ci.pInitialData = NULL;
		if (vkCreatePipelineCache(ctx->vk.device, &ci, NULL, &cache) != VK_SUCCESS)
			cache = VK_NULL_HANDLE;
	}
	free(data);
	return cache;
}

/* mkdir -p of path's directory; -1 with errno set on failure. */
static int make_dirs(const char *path)
{
	char *dir = strdup(path);
	int e = 0;

	if (!dir)
		return -1;
	for (char *p = dir + 1; *p && !e; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			e = errno;
		*p = '/';
	}
	free(dir);
	errno = e;
	return e ? -1 : 0;
}

int rfx_vk_cache_write(rfx_context *ctx, const char *path, const void *data,
                       size_t n, const char *what)
{
	char err[600];
	rfx_status st;

	if (make_dirs(path) != 0) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
	} else {
		st = rfx_file_write_cache(path, data, n, err, sizeof(err));
		if (st == RFX_OK)
			return 0;
		if (st != RFX_E_IO) /* no message of its own */
			snprintf(err, sizeof(err), "%s: %s", path, rfx_status_str(st));
	}
	rfx_log(ctx, RFX_LOG_WARNING, "cannot write the %s %s (the next start "
		"does that work again)", what, err);
	return -1;
}

void rfx_vk_pipeline_cache_save(rfx_context *ctx, VkPipelineCache cache,
                                const char *path)
{
	size_t n = 0;
	void *data = NULL;

	if (!cache || !path)
		return;
	if (vkGetPipelineCacheData(ctx->vk.device, cache, &n, NULL) != VK_SUCCESS ||
	    n == 0 || n > MAX_CACHE_BYTES || !(data = malloc(n)) ||
	    vkGetPipelineCacheData(ctx->vk.device, cache, &n, data) != VK_SUCCESS) {
		free(data);
		return;
	}
	rfx_vk_cache_write(ctx, path, data, n, "pipeline cache");
	free(data);
}
