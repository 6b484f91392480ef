/* The on-disk VkPipelineCache. */
#ifndef RFX_VK_PIPELINE_CACHE_H
#define RFX_VK_PIPELINE_CACHE_H

#include <stddef.h>

#include "vk/vk.h"

/* The cache file for this device: explicit_path if given, else
 * $XDG_CACHE_HOME/reflex/ (or ~/.cache/reflex/) plus a name made of vendor,
 * device, driver version and pipelineCacheUUID. 0 when none can be made. */
int rfx_vk_pipeline_cache_path(rfx_context *ctx, const char *explicit_path,
                               char *out, size_t len);
/* A pipeline cache seeded from `path` when the file is valid for this
 * device; an empty one otherwise (NULL path: empty). VK_NULL_HANDLE only if
 * the driver refuses to create any. */
VkPipelineCache rfx_vk_pipeline_cache_load(rfx_context *ctx, const char *path);
/* Writes the cache atomically (temp file + rename); failure is a warning. */
void rfx_vk_pipeline_cache_save(rfx_context *ctx, VkPipelineCache cache,
                                const char *path);

/* Writes n bytes to path atomically (temp file + rename), making the
 * directories; failure is a warning naming `what`. 0 on success. */
int rfx_vk_cache_write(rfx_context *ctx, const char *path, const void *data,
                       size_t n, const char *what);

#endif
