/* The context: a backend, its log, and (for Vulkan) the device. */
#ifndef RFX_CORE_CONTEXT_H
#define RFX_CORE_CONTEXT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "reflex.h"
#include "vk/vk.h"

struct rfx_context {
	rfx_backend backend;
	rfx_log_fn log;
	void *log_user;
	rfx_log_level log_level;
	char last_error[512];
	atomic_uint validation_count;
	/* Serializes model/session creation and destruction (not the hot path:
	 * submit/wait/run never take it). */
	pthread_mutex_t lock;
	struct rfx_vk vk; /* all zero on the CPU backend */
};

/* Whether environment variable `name` is set, not empty and not "0". */
int rfx_env_flag(const char *name);

/* Logs at `level` through the context's callback. ctx may be NULL (drop). */
void rfx_log(rfx_context *ctx, rfx_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Logs an error, keeps it as the context's last error, returns st. */
rfx_status rfx_fail(rfx_context *ctx, rfx_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
