/* Looks up embedded kernels by name. */
#include <string.h>

#include "vk/shaders.h"

const rfx_shader_blob *rfx_shader_find(const char *name)
{
	for (size_t i = 0; name && i < rfx_shader_count; i++)
		if (strcmp(rfx_shader_table[i].name, name) == 0)
			return &rfx_shader_table[i];
	return NULL;
}
