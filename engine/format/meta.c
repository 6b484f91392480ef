/* Metadata keys of the .rfx format, and label lists. */
#include <string.h>

#include "format/rfx_format.h"

static const struct {
	const char *name;
	rfx_meta_type type;
} keys[RFX_MK_COUNT] = {
	[RFX_MK_LABELS] = {"labels", RFX_META_STRING},
	[RFX_MK_COLOR] = {"input.color", RFX_META_STRING},
	[RFX_MK_LAYOUT] = {"input.layout", RFX_META_STRING},
	[RFX_MK_SCALE] = {"input.scale", RFX_META_F32},
	[RFX_MK_MEAN] = {"input.mean", RFX_META_F32},
	[RFX_MK_STD] = {"input.std", RFX_META_F32},
	[RFX_MK_SIZE] = {"input.size", RFX_META_U32},
	[RFX_MK_CONVERTER] = {"converter", RFX_META_STRING},
	[RFX_MK_SOURCE_NAME] = {"source.name", RFX_META_STRING},
	[RFX_MK_SOURCE_HASH] = {"source.hash", RFX_META_U64},
	[RFX_MK_GOLDEN_INPUT] = {"golden.input", RFX_META_BYTES},
	[RFX_MK_GOLDEN_OUTPUT] = {"golden.output", RFX_META_BYTES},
};

const char *rfx_meta_key_name(rfx_meta_key k)
{
	return (unsigned)k < RFX_MK_COUNT ? keys[k].name : NULL;
}

rfx_meta_type rfx_meta_key_type(rfx_meta_key k)
{
	return (unsigned)k < RFX_MK_COUNT ? keys[k].type : (rfx_meta_type)0;
}

rfx_meta_key rfx_meta_key_find(const char *s)
{
	for (int k = 0; k < RFX_MK_COUNT; k++)
		if (strcmp(s, keys[k].name) == 0)
			return (rfx_meta_key)k;
	return RFX_MK_COUNT;
}

uint32_t rfx_labels_count(const char *labels)
{
	uint32_t n = 0;
	const char *p = labels;

	if (!p || !*p)
		return 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == 0 || n == UINT32_MAX)
			return 0;
		n++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

const char *rfx_section_name(rfx_section s)
{
	static const char *names[RFX_SEC_COUNT] = {
		"strings", "tensors", "layers", "indices",
		"inputs", "outputs", "metadata", "weights",
	};
	return (unsigned)s < RFX_SEC_COUNT ? names[s] : "unknown";
}
