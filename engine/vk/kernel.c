/* Pipelines from embedded SPIR-V: shapes go in push constants, workgroup
 * and tile sizes in specialization constants. */
#include <string.h>

#include "core/context.h"
#include "vk/kernel.h"
#include "vk/shaders.h"

rfx_status rfx_vk_kernel_create(rfx_context *ctx, VkPipelineCache cache,
                                const rfx_vk_kernel_desc *d,
                                rfx_vk_kernel *out)
{
	VkDevice dev = ctx->vk.device;
	const rfx_shader_blob *blob = rfx_shader_find(d->shader);
	VkDescriptorSetLayoutBinding b[RFX_VK_MAX_BINDINGS];
	VkSpecializationMapEntry map[RFX_VK_MAX_SPEC];
	VkShaderModule mod = VK_NULL_HANDLE;
	VkResult r;

	memset(out, 0, sizeof(*out));
	if (!blob)
		return rfx_fail(ctx, RFX_E_INTERNAL, "no embedded shader '%s'",
				d->shader);
	if (d->n_bindings > RFX_VK_MAX_BINDINGS || d->n_spec > RFX_VK_MAX_SPEC ||
	    d->push_size > ctx->vk.info.max_push_constants_size)
		return rfx_fail(ctx, RFX_E_INTERNAL, "kernel '%s': bad layout",
				d->shader);
	for (uint32_t i = 0; i < d->n_bindings; i++)
		b[i] = (VkDescriptorSetLayoutBinding){
			.binding = i,
			.descriptorType = d->texel[i] ?
				VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER :
				VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
			.descriptorCount = 1,
			.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
		};
	VkDescriptorSetLayoutCreateInfo dci = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
		.bindingCount = d->n_bindings,
		.pBindings = b,
	};
	r = vkCreateDescriptorSetLayout(dev, &dci, NULL, &out->set_layout);
	if (r != VK_SUCCESS)
		goto fail;
	VkPushConstantRange pc = {
		.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
		.size = d->push_size,
	};
	VkPipelineLayoutCreateInfo pli = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
		.setLayoutCount = 1,
		.pSetLayouts = &out->set_layout,
		.pushConstantRangeCount = d->push_size ? 1 : 0,
		.pPushConstantRanges = &pc,
	};
	r = vkCreatePipelineLayout(dev, &pli, NULL, &out->layout);
	if (r != VK_SUCCESS)
		goto fail;
	VkShaderModuleCreateInfo smi = {
		.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
		.codeSize = blob->size,
		.pCode = blob->code,
	};
	r = vkCreateShaderModule(dev, &smi, NULL, &mod);
	if (r != VK_SUCCESS)
		goto fail;
	for (uint32_t i = 0; i < d->n_spec; i++)
		map[i] = (VkSpecializationMapEntry){
			.constantID = i,
			.offset = i * 4,
			.size = 4,
		};
	VkSpecializationInfo spec = {
		.mapEntryCount = d->n_spec,
		.pMapEntries = map,
		.dataSize = d->n_spec * 4,
		.pData = d->spec,
	};
	VkComputePipelineCreateInfo cpi = {
		.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
		.stage = {
			.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
			.stage = VK_SHADER_STAGE_COMPUTE_BIT,
			.module = mod,
			.pName = "main",
			.pSpecializationInfo = d->n_spec ? &spec : NULL,
		},
		.layout = out->layout,
	};
	r = vkCreateComputePipelines(dev, cache, 1, &cpi, NULL, &out->pipeline);
	vkDestroyShaderModule(dev, mod, NULL);
	if (r != VK_SUCCESS)
		goto fail;
	out->n_bindings = d->n_bindings;
	out->push_size = d->push_size;
	memcpy(out->texel, d->texel, sizeof(out->texel));
	return RFX_OK;
fail:
	rfx_vk_kernel_destroy(ctx, out);
	return rfx_vk_fail(ctx, r, d->shader);
}

void rfx_vk_kernel_destroy(rfx_context *ctx, rfx_vk_kernel *k)
{
	VkDevice dev = ctx->vk.device;

	if (k->pipeline)
		vkDestroyPipeline(dev, k->pipeline, NULL);
	if (k->layout)
		vkDestroyPipelineLayout(dev, k->layout, NULL);
	if (k->set_layout)
		vkDestroyDescriptorSetLayout(dev, k->set_layout, NULL);
	memset(k, 0, sizeof(*k));
}
