/* Vulkan state of a context, and the helpers every Vulkan file uses. */
#ifndef RFX_VK_VK_H
#define RFX_VK_VK_H

#include <pthread.h>
#include <stdatomic.h>
#include <vulkan/vulkan.h>

#include "reflex.h"

#define RFX_VK_MAX_QUEUES 8

struct rfx_vk {
	VkInstance instance;
	VkPhysicalDevice phys;
	VkDevice device;
	uint32_t queue_family;
	/* Up to RFX_VK_MAX_QUEUES queues of the compute family; each session
	 * takes its own (round robin), so sessions on different threads do
	 * not contend. vkQueueSubmit needs a queue externally synchronized:
	 * where the family has fewer queues than live sessions (lavapipe has
	 * one), sessions share one, and its lock is held only around the
	 * submit call itself (microseconds), never while waiting. */
	uint32_t n_queues;
	VkQueue queues[RFX_VK_MAX_QUEUES];
	pthread_mutex_t queue_locks[RFX_VK_MAX_QUEUES];
	atomic_uint next_queue;
	int adopted; /* the application owns instance and device */
	VkDebugUtilsMessengerEXT messenger;
	VkPhysicalDeviceMemoryProperties mem;
	rfx_device_info info;
	/* Features enabled on the device (a subset of info). */
	int f16, int8, storage8, storage16, int_dot;
	int memory_budget; /* VK_EXT_memory_budget enabled */
	/* Loop iterations one shader invocation may run, all its loops
	 * together, before the driver ends them (rfx_vk_max_loops()). */
	uint64_t max_loops;
	/* reflex's live VkDeviceMemory (rfx_context_memory_usage()): sessions
	 * on several threads allocate and free concurrently. */
	atomic_uint_fast64_t mem_bytes;
	atomic_uint mem_allocs;
};

/* Submits one command buffer on queue q, holding that queue's lock. */
VkResult rfx_vk_submit(struct rfx_vk *vk, uint32_t q, VkCommandBuffer cb,
                       VkFence fence);

/* The name of a VkResult ("VK_ERROR_DEVICE_LOST"). */
const char *rfx_vk_result_str(VkResult r);

/* Maps a failed VkResult to a status, logging "what: VK_ERROR_...". */
rfx_status rfx_vk_fail(rfx_context *ctx, VkResult r, const char *what);

/* Fills *info from a physical device (index is its enumeration index). */
void rfx_vk_probe(VkPhysicalDevice pd, uint32_t index, rfx_device_info *info);

/* How many loop iterations one invocation of a shader may run on pd, all
 * its loops together: Mesa's llvmpipe (lavapipe) ends them after 65535
 * (gallivm's loop limiter, against shaders that never end) and the
 * invocation goes on with partial results, silently; no limit elsewhere
 * (UINT64_MAX). RFX_MAX_LOOPS=N lowers it to N (a driver reflex does not
 * know, or tests of the limit on any device). */
uint64_t rfx_vk_max_loops(VkPhysicalDevice pd);

/* Picks a device index among n probed ones, following the options and
 * RFX_DEVICE. Returns -1 when none matches. */
int rfx_vk_choose(const rfx_device_info *infos, uint32_t n,
                  const rfx_context_options *opt);

/* Index of a memory type with all of `want` among `type_bits`, or -1. */
int rfx_vk_memory_type(const struct rfx_vk *vk, uint32_t type_bits,
                       VkMemoryPropertyFlags want);

#endif
