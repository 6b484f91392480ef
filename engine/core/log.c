/* Logging: nothing is printed unless the application installed a callback. */
#include <stdio.h>
#include <string.h>

#include "core/context.h"

static void vlog(rfx_context *ctx, rfx_log_level level, const char *fmt,
                 va_list ap)
{
	char msg[sizeof(ctx->last_error)];

	if (!ctx || (!ctx->log && level != RFX_LOG_ERROR))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (level == RFX_LOG_ERROR)
		snprintf(ctx->last_error, sizeof(ctx->last_error), "%s", msg);
	if (ctx->log && level <= ctx->log_level)
		ctx->log(level, msg, ctx->log_user);
}

void rfx_log(rfx_context *ctx, rfx_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(ctx, level, fmt, ap);
	va_end(ap);
}

rfx_status rfx_fail(rfx_context *ctx, rfx_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(ctx, RFX_LOG_ERROR, fmt, ap);
	va_end(ap);
	return st;
}

const char *rfx_context_last_error(const rfx_context *ctx)
{
	return ctx ? ctx->last_error : "";
}
