/* Switches read from the environment (RFX_VALIDATION, RFX_NO_INT_DOT,
 * RFX_NO_FUSE, RFX_FORCE_STAGING): one rule for what "set" means. */
#include <stdlib.h>
#include <string.h>

#include "core/context.h"

int rfx_env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}
