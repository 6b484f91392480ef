/* A model's weights on the device: uploaded once at load, shared by every
 * session of the model. */
#ifndef RFX_VK_VK_MODEL_H
#define RFX_VK_VK_MODEL_H

#include "core/model.h"
#include "vk/buffer.h"

struct rfx_vk_model {
	rfx_vk_buffer weights;   /* every constant tensor, device-local */
	VkDeviceSize *offset;    /* per tensor; meaningful for constants */
	VkDeviceSize align;      /* offset alignment of every binding */
};

/* Uploads m->graph's constants (staging where device-local memory is not
 * host-visible). Statuses: RFX_OK, RFX_E_OUT_OF_MEMORY, RFX_E_UNSUPPORTED
 * (a tensor beyond maxStorageBufferRange), RFX_E_VULKAN, RFX_E_DEVICE_LOST. */
rfx_status rfx_vk_model_init(rfx_model *m);
void rfx_vk_model_finish(rfx_model *m);

/* The offset alignment every tensor binding honours on this device. */
VkDeviceSize rfx_vk_binding_alignment(rfx_context *ctx);

/* Records and runs one command buffer on the context's queue, waiting for
 * it: for one-off transfers at load time, never on the hot path. */
rfx_status rfx_vk_run_once(rfx_context *ctx,
                           void (*record)(VkCommandBuffer cb, void *user),
                           void *user);

#endif
