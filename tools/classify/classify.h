/*
 * classify.h — the parts of rfx-classify: frame sources (image files and
 * folders, a raw stream, a V4L2 camera), decoding, the two-session pipeline,
 * the report and the annotated frames.
 *
 * Every source hands out the same thing, a cls_frame: 8-bit pixels in one
 * of the engine's frame formats (rfx_pixel_format), tightly packed or with a
 * stride. After that a frame takes one path whatever its origin: it is
 * copied into a session's mapped frame buffer, and the session's own command
 * buffer resizes, converts and normalizes it into the model's input and runs
 * the network (engine/core/frame.h).
 */
#ifndef RFX_CLASSIFY_H
#define RFX_CLASSIFY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "reflex.h"

/* Largest side of a decoded image or a raw frame, as in the engine's frame
 * input and stb_image's own defence: a header claiming more is refused
 * before anything is allocated. */
#define CLS_MAX_SIDE 16384u
/* Largest side a frame is handed to a session with: larger images (up to
 * CLS_MAX_SIDE) are first shrunk on the host by an integer box filter, so
 * the sessions' mapped frame buffers stay small. */
#define CLS_MAX_FRAME_SIDE 4096u
/* Largest image file read (bytes). */
#define CLS_MAX_FILE_BYTES (256u << 20)

typedef struct cls_frame {
	uint64_t index;          /* position in the source, from 0 */
	char name[512];          /* file path, "stdin#12", "/dev/video0#12" */
	uint8_t *px;             /* malloc'd pixels, owned; NULL when failed */
	uint32_t w, h, stride;   /* pixels, pixels, bytes per row */
	rfx_pixel_format format;
	rfx_status status;       /* RFX_OK, or why the frame failed: */
	char err[256];           /* a message naming the file and the problem */
	uint64_t decode_ns;      /* read + decode time on the host */
} cls_frame;

void cls_frame_finish(cls_frame *f);
/* Marks a frame failed with a message (printf-style). */
void cls_frame_fail(cls_frame *f, rfx_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- decoding (decode.c) ------------------------------------------------ */

/* Decodes a JPEG, PNG or BMP held in memory into f (GRAY8 when channels is
 * 1, RGB24 when 3), refusing empty data, zero-sized images, images larger
 * than CLS_MAX_SIDE on a side (from the header, before decoding) and
 * truncated files that stb_image would otherwise fill in silently (a JPEG
 * without its end-of-image marker, a BMP shorter than its pixel rows).
 * Images larger than CLS_MAX_FRAME_SIDE are box-shrunk. On failure f is
 * marked failed (f->status, f->err) and RFX_E_IO or RFX_E_UNSUPPORTED is
 * returned. */
rfx_status cls_decode_image(const uint8_t *data, size_t len, int channels,
                            cls_frame *f);

/* Reads a whole file (at most CLS_MAX_FILE_BYTES) and decodes it. */
rfx_status cls_decode_file(const char *path, int channels, cls_frame *f);

/* A JPEG frame from a camera (MJPEG): many cameras leave out the Huffman
 * tables and rely on the standard ones (JPEG Annex K.3, as in the AVI1
 * MJPEG convention); those are inserted before decoding. */
rfx_status cls_decode_mjpeg(const uint8_t *data, size_t len, int channels,
                            cls_frame *f);
/* Whether JPEG data defines Huffman tables before its first scan; the
 * insertion above (exposed for the tests). Returns a malloc'd copy with
 * the standard tables after SOI, its size in *out_len; NULL on a bad
 * JPEG or no memory. */
int cls_jpeg_has_dht(const uint8_t *data, size_t len);
uint8_t *cls_jpeg_add_std_dht(const uint8_t *data, size_t len,
                              size_t *out_len);

/* Reads the size of an image from its header (PNG IHDR, BMP header, JPEG
 * SOF) without decoding it; 0 on success. */
int cls_image_size(const char *path, uint32_t *w, uint32_t *h);

/* Bytes per pixel of a frame format (0 for none). */
uint32_t cls_pixel_bytes(rfx_pixel_format f);
/* "rgb24", "bgr24", "gray8", "yuyv", "rgba32" and back (0: unknown). */
const char *cls_pixel_name(rfx_pixel_format f);
rfx_pixel_format cls_pixel_parse(const char *s);

/* The frame as tightly packed RGB24 (for annotation); BT.601 limited range
 * for YUYV, the same formula as the engine's preprocessing. NULL on no
 * memory. */
uint8_t *cls_frame_to_rgb(const cls_frame *f);

/* ---- sources (source_files.c, source_stream.c, source_v4l2.c) ---------- */

typedef struct cls_source cls_source;
struct cls_source {
	/* The next frame: 1 and *f filled (possibly a failed frame, which
	 * the run reports and goes past), 0 at the end of the input, -1 on
	 * a fatal error of the source (message in err). */
	int (*next)(cls_source *src, cls_frame *f, char *err, size_t errlen);
	void (*destroy)(cls_source *src);
	/* Frames the source skipped to keep up (a camera: stale buffers,
	 * gaps in the driver's sequence numbers); a stream never skips. */
	uint64_t dropped;
	/* The largest frame this source will produce (sessions are created
	 * for it). */
	uint32_t max_w, max_h;
	rfx_pixel_format format;
	char desc[256]; /* for the summary: "12 files", "stdin 64x48 yuyv" */
};

/* Image files and folders (each folder's .jpg/.jpeg/.png/.bmp files in
 * strcmp order; other files in a folder are skipped, explicit arguments are
 * all tried). A folder that cannot be read or holds no image becomes one
 * failed frame. channels: 1 or 3 (decode to GRAY8 or RGB24). */
rfx_status cls_source_files(char **paths, int n, int channels,
                            cls_source **out, char *err, size_t errlen);

/* Raw frames of w x h pixels in `format`, back to back, read from fd until
 * end of file; a frame cut short by the end is reported as a failed frame.
 * Never drops: it reads as fast as the pipeline takes frames. */
rfx_status cls_source_stream(int fd, const char *name, uint32_t w, uint32_t h,
                             rfx_pixel_format format, cls_source **out,
                             char *err, size_t errlen);

/* A V4L2 capture device, YUYV or MJPEG (pixfmt: NULL to prefer YUYV,
 * "yuyv" or "mjpeg"), frame size from the device's list: the smallest that
 * covers want_w x want_h, else the largest (req_w/req_h > 0 ask for a size
 * instead), mmap streaming with four buffers. */
rfx_status cls_source_v4l2(const char *dev, const char *pixfmt,
                           uint32_t want_w, uint32_t want_h, uint32_t req_w,
                           uint32_t req_h, int channels, cls_source **out,
                           char *err, size_t errlen);

/* Set from a signal handler: sources end at the next frame. */
extern volatile sig_atomic_t cls_stop;

/* ---- the report (report.c) ---------------------------------------------- */

typedef struct cls_class {
	uint32_t index;
	float p;
} cls_class;

/* Turns the model's output (n values) into probabilities in place: if the
 * values already are a probability vector (all in [0, 1], summing to 1
 * within 1e-2, which fp16 outputs need) they are kept; otherwise softmax.
 * Returns 1 if softmax was applied. */
int cls_probabilities(float *v, uint32_t n);

/* The k largest entries of p[0..n), largest first (ties: lower index
 * first); returns how many were written (min(k, n)). */
uint32_t cls_top_k(const float *p, uint32_t n, uint32_t k, cls_class *out);

/* Type-7 (linear interpolation) percentile q in [0, 1] of sorted[0..n). */
double cls_percentile(const double *sorted, size_t n, double q);

/* Writes s as a JSON string (quoted, escaped) to f. */
void cls_json_string(FILE *f, const char *s);

/* ---- annotated frames (annotate.c) -------------------------------------- */

/* Writes dir/<index>_<base name>.png: the frame (enlarged by an integer
 * factor when small, so the text fits) with `lines` of text drawn on a
 * dark band at the top. Returns 0, or -1 with a message in err. */
int cls_annotate(const char *dir, const cls_frame *f, const char *const *lines,
                 int n_lines, char *err, size_t errlen);

/* The stb_easy_font quads of text at (x, y), unscaled (stb_impl.c). Returns
 * the number of quads written into buf (4 vertices of 16 bytes each). */
int cls_easy_font_quads(float x, float y, const char *text, void *buf,
                        int buf_bytes);
int cls_easy_font_width(const char *text);

/* ---- the run (run.c) ----------------------------------------------------- */

typedef struct cls_options {
	const char *model_path;
	rfx_backend backend;
	int device_index;        /* -1: not given */
	const char *device_name; /* NULL: not given */
	rfx_frame_fit fit;
	double crop_ratio;       /* (0, 1]: keep the centre of each frame */
	double deadline_ms;      /* 0: none */
	uint32_t top_k;
	int json, quiet;
	const char *annotate_dir; /* NULL: none */
	uint64_t max_frames;      /* 0: all */
} cls_options;

/* The context, the model and what the run needs to know about it. */
typedef struct cls_engine {
	rfx_context *ctx;
	rfx_model *model;
	rfx_preprocess pp;
	uint32_t channels, in_w, in_h; /* input 0: [1, channels, in_h, in_w] */
	uint32_t n_classes;            /* elements of output 0 */
	uint32_t n_labels;
	char device[256];              /* "llvmpipe (...)", "CPU reference" */
} cls_engine;

/* Creates the context and loads the model; checks that input 0 is an
 * image and output 0 a float score vector. On failure writes a message
 * into err. */
rfx_status cls_engine_open(const cls_options *o, cls_engine *e, char *err,
                           size_t errlen);
void cls_engine_close(cls_engine *e);

/* What a run did, for the caller (dropped: by the source). */
typedef struct cls_counts {
	uint64_t frames, ok, failed, dropped, deadline_misses;
} cls_counts;

/* Classifies every frame of src with two sessions of the model (one frame
 * on the device while the next is read, decoded and staged), prints the
 * results and the summary, and fills *counts (may be NULL). Returns the
 * exit status: 0 if every frame was classified, 1 otherwise. */
int cls_run(const cls_options *o, cls_engine *e, cls_source *src,
            cls_counts *counts);

#endif
