/* Frame input: turning raw camera bytes into the model's input tensor.
 * The parameters are computed on the host (rfx_frame_params_make) and read
 * by both the CPU reference (engine/cpu/preprocess.c) and the kernel
 * (shaders/preprocess.comp), which compute the same formula:
 *
 *   for output pixel (dx, dy) inside the covered region [ox0, ox0+ow) x
 *   [oy0, oy0+oh):  fx = x0 + (dx - ox0 + 0.5) * sx - 0.5, clamped to
 *   [0, src_w - 1] (likewise fy); the four neighbours are blended
 *   bilinearly, colour converted to RGB (YUYV: BT.601 limited range,
 *   clamped to 0..255), then per model channel c (in the model's colour
 *   order): out = (v * scale - mean[c]) * inv_std[c]; outside the region:
 *   the same formula with v = 0 (black letterbox bars). 1-channel models
 *   take luma 0.299 R + 0.587 G + 0.114 B (GRAY8 frames: the byte).
 */
#ifndef RFX_CORE_FRAME_H
#define RFX_CORE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "reflex.h"

/* std430-compatible: every field 4 bytes, read as one storage buffer. */
typedef struct rfx_frame_params {
	uint32_t format, src_w, src_h, stride; /* stride: bytes per row */
	float x0, y0, sx, sy;
	int32_t ox0, oy0, ow, oh;
	uint32_t dst_w, dst_h, channels, bgr;  /* bgr: model wants B,G,R */
	float scale;
	uint32_t enabled; /* 0: leave the input tensor as the caller wrote it */
	float pad1, pad2;
	float mean[4];
	float inv_std[4];
} rfx_frame_params;

/* Bytes per pixel of a format (YUYV: 2), 0 for RFX_PIXEL_NONE/unknown. */
uint32_t rfx_pixel_bytes(rfx_pixel_format f);

/* Fills the mapping for a src_w x src_h frame into the model input
 * described by pp, with the given fit. stride 0 means packed. Returns
 * RFX_E_INVALID_ARGUMENT for a zero size, an odd YUYV width or a stride
 * smaller than a row. */
rfx_status rfx_frame_params_make(const rfx_preprocess *pp, rfx_pixel_format f,
                                 rfx_frame_fit fit, uint32_t src_w,
                                 uint32_t src_h, uint32_t stride,
                                 rfx_frame_params *out);

/* The CPU reference: writes channels x dst_h x dst_w floats into out
 * (NCHW, one image) from the frame bytes. */
void rfx_frame_preprocess(const rfx_frame_params *p, const uint8_t *frame,
                          float *out);

/* Session-level frame state (engine/core/session_frame.c). */
struct rfx_session;
/* Validates the options against the model and fills the session's frame
 * state; the CPU frame buffer is allocated here, the Vulkan one by the
 * Vulkan session (which then points s->frame_params at mapped memory). */
rfx_status rfx_frame_setup(struct rfx_session *s, const rfx_session_options *o);
void rfx_frame_finish(struct rfx_session *s);
/* Turns preprocessing off or on for the next submits (the golden check
 * writes the input tensor itself). Returns the previous state. */
int rfx_frame_enable(struct rfx_session *s, int on);
/* CPU backend: preprocess into the input tensor before running. */
void rfx_frame_run_cpu(struct rfx_session *s);

#endif
