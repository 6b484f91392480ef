/* Status names, version and the deadline clock. */
#include <time.h>

#include "reflex.h"

#define STR_(x) #x
#define STR(x) STR_(x)

uint32_t rfx_version(void)
{
	return RFX_VERSION;
}

const char *rfx_version_string(void)
{
	return STR(RFX_VERSION_MAJOR) "." STR(RFX_VERSION_MINOR) "." STR(
		RFX_VERSION_PATCH);
}

const char *rfx_status_str(rfx_status st)
{
	switch (st) {
	case RFX_OK: return "RFX_OK";
	case RFX_E_INVALID_ARGUMENT: return "RFX_E_INVALID_ARGUMENT: invalid argument";
	case RFX_E_IO: return "RFX_E_IO: input/output error";
	case RFX_E_FORMAT: return "RFX_E_FORMAT: malformed model file";
	case RFX_E_UNSUPPORTED: return "RFX_E_UNSUPPORTED: not supported";
	case RFX_E_NO_DEVICE: return "RFX_E_NO_DEVICE: no usable Vulkan device";
	case RFX_E_OUT_OF_MEMORY: return "RFX_E_OUT_OF_MEMORY: out of memory";
	case RFX_E_DEVICE_LOST: return "RFX_E_DEVICE_LOST: device lost";
	case RFX_E_DEADLINE: return "RFX_E_DEADLINE: deadline passed";
	case RFX_E_BUSY: return "RFX_E_BUSY: a frame is in flight";
	case RFX_E_NOT_SUBMITTED: return "RFX_E_NOT_SUBMITTED: nothing in flight";
	case RFX_E_VULKAN: return "RFX_E_VULKAN: Vulkan error";
	case RFX_E_MISMATCH: return "RFX_E_MISMATCH: self-check failed";
	case RFX_E_INTERNAL: return "RFX_E_INTERNAL: internal error";
	}
	return "unknown status";
}

uint64_t rfx_time_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
