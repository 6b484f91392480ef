/*
 * images.h — sample images for calibration and the accuracy report: a
 * folder listed in name order, each file decoded with stb_image (JPEG,
 * PNG, BMP) and turned into the model's input with the model's own
 * metadata, the way a user of the model would feed it:
 *
 *   1. decode to 8-bit pixels: 1 channel (stb_image's luma) for a
 *      1-channel model, 3 (RGB) for a 3-channel one;
 *   2. resize to the input's H x W with bilinear interpolation, pixel
 *      centres aligned (x_src = (x + 0.5) * src_w / dst_w - 0.5, clamped
 *      at the edges; PyTorch's align_corners=False, no antialiasing);
 *   3. reorder to BGR when meta->color is "bgr";
 *   4. x = (pixel * meta->scale - mean[c]) / std[c], channel-planar
 *      (NCHW, batch 1).
 */
#ifndef RFX_CONVERT_IMAGES_H
#define RFX_CONVERT_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#include "convert/calibrate.h"
#include "graph/graph.h"

/* The largest image decoded (width * height), a denial-of-service bound. */
#define RFX_IMAGE_MAX_PIXELS (64u << 20)

typedef struct rfx_image_list {
	uint32_t count;
	char **paths; /* "dir/name", sorted by name */
} rfx_image_list;

/* Files in dir whose names end in .jpg, .jpeg, .png or .bmp (any case),
 * sorted by name (strcmp), at most max of them (0: all). Subfolders are
 * not entered. An empty result is an error (RFX_E_INVALID_ARGUMENT), as is
 * a folder that cannot be read (RFX_E_IO). */
rfx_status rfx_image_list_dir(const char *dir, uint32_t max,
                              rfx_image_list *out, char *err, size_t errlen);
void rfx_image_list_finish(rfx_image_list *l);

/* Preprocesses decoded pixels px (ih rows of iw pixels of ich interleaved
 * 8-bit channels; ich == c) into dst, c * h * w floats, steps 2-4 above.
 * c is 1..4 and at most 4 entries of mean/std are read. */
void rfx_image_preprocess(const uint8_t *px, uint32_t iw, uint32_t ih,
                          const rfx_meta *meta, uint32_t c, uint32_t h,
                          uint32_t w, float *dst);

/* Decodes the image at path and writes the [1, c, h, w] input into dst.
 * c is 1, 3 or 4 (RFX_E_UNSUPPORTED otherwise). Statuses: RFX_OK,
 * RFX_E_IO (unreadable or undecodable file), RFX_E_UNSUPPORTED,
 * RFX_E_OUT_OF_MEMORY. */
rfx_status rfx_image_load_input(const char *path, const rfx_meta *meta,
                                uint32_t c, uint32_t h, uint32_t w, float *dst,
                                char *err, size_t errlen);

/* A sample source (calibrate.h) over a list: sample k is image k for the
 * graph's first input, which must be F32 [1, C, H, W]. The list must
 * outlive the source. */
void rfx_image_source(const rfx_image_list *l, rfx_sample_source *out);

#endif
