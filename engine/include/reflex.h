/*
 * reflex.h — real-time neural-network inference for control loops.
 *
 * This header is the manual. libreflex loads a `.rfx` model (written by
 * rfx-convert), allocates everything once, records every layer as a Vulkan
 * compute dispatch into one command buffer once, and then each inference is:
 * write the input, submit, wait on a fence until an absolute deadline, read
 * the output. Nothing is allocated, created or recorded after
 * rfx_session_create() returns.
 *
 * Usage (error handling shortened; every call returns an rfx_status):
 *
 *     rfx_context *ctx;
 *     rfx_model *model;
 *     rfx_session *s;
 *     rfx_tensor_info in_info;
 *     rfx_context_create(NULL, &ctx);                  // best Vulkan device
 *     rfx_model_load_file(ctx, "net.rfx", &model);     // validated, uploaded
 *     rfx_session_create(model, NULL, &s);             // all work done here
 *     float *in = rfx_session_input(s, 0, &in_info);   // mapped, reused
 *     for (;;) {
 *         fill_frame(in, in_info.size_bytes);
 *         uint64_t deadline = rfx_time_now_ns() + 20 * 1000000ull;
 *         if (rfx_session_run(s, deadline) == RFX_E_DEADLINE)
 *             continue;  // frame still in flight: rfx_session_wait() later
 *         const float *scores = rfx_session_output(s, 0, NULL);
 *         act_on(scores);
 *     }
 *     rfx_session_destroy(s);
 *     rfx_model_destroy(model);
 *     rfx_context_destroy(ctx);
 *
 * Conventions:
 *  - Every fallible function returns rfx_status; rfx_status_str() names it.
 *    A detailed message goes to the log callback of the context and is kept
 *    by rfx_context_last_error().
 *  - The library never prints unless a log callback is installed, and never
 *    calls exit() or abort() on bad input.
 *  - create/destroy pairs: every destroy function accepts NULL.
 *  - Out-parameters are written only on RFX_OK.
 *  - Thread safety: distinct sessions may be used from distinct threads
 *    concurrently, including sessions of one shared model. One session must
 *    not be used from two threads at once. Creating and destroying models and
 *    sessions on one context is serialized by the library.
 */
#ifndef REFLEX_H
#define REFLEX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RFX_BUILDING_LIBRARY)
#define RFX_API __attribute__((visibility("default")))
#else
#define RFX_API
#endif

#define RFX_VERSION_MAJOR 0
#define RFX_VERSION_MINOR 1
#define RFX_VERSION_PATCH 0
/* Packs a version as one comparable integer: 0x00MMmmpp. */
#define RFX_MAKE_VERSION(ma, mi, pa) (((ma) << 16) | ((mi) << 8) | (pa))
#define RFX_VERSION \
	RFX_MAKE_VERSION(RFX_VERSION_MAJOR, RFX_VERSION_MINOR, RFX_VERSION_PATCH)

/* The library's version (RFX_VERSION of the build that produced it), so a
 * program can tell the header it was built with from the library it runs
 * with. */
RFX_API uint32_t rfx_version(void);
/* The same as "MAJOR.MINOR.PATCH"; a static string. */
RFX_API const char *rfx_version_string(void);

typedef enum rfx_status {
	RFX_OK = 0,
	RFX_E_INVALID_ARGUMENT = -1, /* NULL where not allowed, bad index, ... */
	RFX_E_IO = -2,               /* a file could not be read or written */
	RFX_E_FORMAT = -3,           /* a model file failed validation */
	RFX_E_UNSUPPORTED = -4,      /* valid, but beyond this build/device */
	RFX_E_NO_DEVICE = -5,        /* no Vulkan driver or no usable device */
	RFX_E_OUT_OF_MEMORY = -6,    /* host or device memory exhausted */
	RFX_E_DEVICE_LOST = -7,      /* the device failed; the session is dead */
	RFX_E_DEADLINE = -8,         /* the deadline passed; frame in flight */
	RFX_E_BUSY = -9,             /* a frame is already in flight */
	RFX_E_NOT_SUBMITTED = -10,   /* wait with nothing in flight */
	RFX_E_VULKAN = -11,          /* an unexpected Vulkan error (logged) */
	RFX_E_MISMATCH = -12,        /* self-check: device answer out of bounds */
	RFX_E_INTERNAL = -13         /* a bug in reflex: please report it */
} rfx_status;

/* A static, human-readable name for a status ("RFX_E_FORMAT: ..."). Never
 * NULL; unknown values give "unknown status". */
RFX_API const char *rfx_status_str(rfx_status st);

/* CLOCK_MONOTONIC now, in nanoseconds: the clock deadlines are measured on. */
RFX_API uint64_t rfx_time_now_ns(void);

/* ------------------------------------------------------------------------ */
/* Context: a backend (Vulkan device + compute queue, or the CPU reference). */

typedef struct rfx_context rfx_context;

typedef enum rfx_backend {
	RFX_BACKEND_VULKAN = 0, /* default */
	RFX_BACKEND_CPU = 1     /* reference executor: plain C loops */
} rfx_backend;

typedef enum rfx_log_level {
	RFX_LOG_ERROR = 0,
	RFX_LOG_WARNING = 1,
	RFX_LOG_INFO = 2,
	RFX_LOG_DEBUG = 3
} rfx_log_level;

/* Receives every message the library emits, validation-layer messages
 * included. Called from the thread that made the call that logged. */
typedef void (*rfx_log_fn)(rfx_log_level level, const char *msg, void *user);

typedef struct rfx_context_options {
	rfx_backend backend;
	/* Device choice. device_index >= 0 picks that index of
	 * rfx_device_list(); otherwise device_name, if not NULL, picks the
	 * first device whose name contains it (case-insensitive); otherwise the
	 * environment variable RFX_DEVICE (an index or a name substring);
	 * otherwise the best device: discrete GPU, integrated GPU, virtual GPU,
	 * then CPU (such as Mesa's lavapipe). Set device_index = -1 for "not
	 * given" (rfx_context_options_default() does). */
	int device_index;
	const char *device_name;
	/* Enable the Khronos validation layer. Also enabled by the environment
	 * variable RFX_VALIDATION=1. Every validation message is routed to the
	 * log and counted (rfx_context_validation_count()). */
	int validation;
	rfx_log_fn log;
	void *log_user;
	rfx_log_level log_level; /* messages above this level are dropped */

	/* Adopt Vulkan objects the application owns (all four non-NULL, as
	 * uint64/pointer-sized handles cast to void*), instead of creating an
	 * instance and device. reflex then never destroys them. The device
	 * must have been created with the queue family of `queue` supporting
	 * compute; `queue_family` names it. */
	void *vk_instance;
	void *vk_physical_device;
	void *vk_device;
	void *vk_queue;
	uint32_t vk_queue_family;
} rfx_context_options;

/* Fills *opt with defaults: Vulkan backend, automatic device choice,
 * validation off (unless RFX_VALIDATION=1), no log. */
RFX_API void rfx_context_options_default(rfx_context_options *opt);

/* Creates a context. opt may be NULL (defaults). On success *out owns the
 * instance, device and queue (unless adopted). Statuses: RFX_OK,
 * RFX_E_INVALID_ARGUMENT (out NULL, bad option), RFX_E_NO_DEVICE (no Vulkan
 * loader/driver, no device matching the choice), RFX_E_OUT_OF_MEMORY,
 * RFX_E_VULKAN. */
RFX_API rfx_status rfx_context_create(const rfx_context_options *opt,
                                      rfx_context **out);
/* Destroys a context; NULL is allowed. All models and sessions created from
 * it must have been destroyed first. */
RFX_API void rfx_context_destroy(rfx_context *ctx);

/* The last detailed error message logged on this context (thread-unsafe
 * snapshot; empty string when none). Never NULL for a non-NULL ctx. */
RFX_API const char *rfx_context_last_error(const rfx_context *ctx);

/* Number of validation-layer messages of severity warning or error seen so
 * far (0 when validation is off). Tests require it to stay 0. */
RFX_API uint32_t rfx_context_validation_count(const rfx_context *ctx);

/* What a device offers that reflex's kernels care about. */
typedef struct rfx_device_info {
	char name[256];
	uint32_t index;       /* index for rfx_context_options.device_index */
	uint32_t vendor_id, device_id;
	uint32_t api_version; /* VK_MAKE_API_VERSION packing */
	uint32_t driver_version;
	char driver_name[256]; /* e.g. "llvmpipe", from VkPhysicalDeviceDriverProperties */
	char driver_info[256];
	int type;             /* 0 other, 1 integrated, 2 discrete, 3 virtual, 4 cpu */
	int shader_float16;   /* fp16 arithmetic in shaders */
	int shader_int8;      /* int8 arithmetic in shaders */
	int storage_8bit;     /* 8-bit storage buffers */
	int storage_16bit;    /* 16-bit storage buffers */
	int integer_dot_product;     /* VK_KHR_shader_integer_dot_product */
	int integer_dot_accelerated; /* 4x8 packed signed dot is accelerated */
	uint32_t subgroup_size;
	uint32_t subgroup_ops;       /* VkSubgroupFeatureFlags for compute */
	int timestamps;              /* compute queue supports timestamps */
	float timestamp_period_ns;
	uint32_t max_workgroup_size[3];
	uint32_t max_workgroup_invocations;
	uint32_t max_storage_buffer_range;
	uint32_t max_texel_buffer_elements;
	uint32_t max_push_constants_size;
	uint64_t device_local_bytes;      /* largest device-local heap */
	int device_local_host_visible;    /* unified memory (CPU, iGPU, ReBAR) */
	int chosen;                       /* the one the default choice picks */
} rfx_device_info;

/* Lists the Vulkan devices. Writes up to `cap` entries into `out` (may be
 * NULL when cap is 0) and the total count into *count. `chosen` is set on
 * the device rfx_context_create() would pick with `opt` (may be NULL).
 * Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT, RFX_E_NO_DEVICE (no loader or no
 * driver; *count is then 0). */
RFX_API rfx_status rfx_device_list(const rfx_context_options *opt,
                                   rfx_device_info *out, uint32_t cap,
                                   uint32_t *count);

/* The device of a Vulkan context (RFX_E_UNSUPPORTED on a CPU context). */
RFX_API rfx_status rfx_context_device_info(const rfx_context *ctx,
                                           rfx_device_info *out);

/* Device memory of a Vulkan context, for watching it stay flat over a long
 * run (a soak test) or for sizing. */
typedef struct rfx_memory_usage {
	/* What reflex itself holds on this context: the bytes and the number
	 * of its live VkDeviceMemory allocations (weights, activation arenas,
	 * I/O and staging buffers of every model and session). Driver-internal
	 * memory (pipelines, descriptor pools, command buffers) is not in it. */
	uint64_t allocated_bytes;
	uint32_t allocations;
	/* The device's own figure from VK_EXT_memory_budget, summed over its
	 * heaps: the memory this process uses (everything the driver holds,
	 * not only reflex's) and the budget it may use. heap_usage_valid is 0,
	 * and both figures 0, where the device lacks the extension (lavapipe
	 * does) or the device was adopted (reflex cannot know the application
	 * enabled it). */
	int heap_usage_valid;
	uint64_t heap_usage_bytes;
	uint64_t heap_budget_bytes;
} rfx_memory_usage;

/* Fills *out; cheap (no allocation, no device work), callable from any
 * thread. Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT (NULL),
 * RFX_E_UNSUPPORTED (a CPU context: its memory is the process's heap). */
RFX_API rfx_status rfx_context_memory_usage(const rfx_context *ctx,
                                            rfx_memory_usage *out);


/* ------------------------------------------------------------------------ */
/* Tensors as the caller sees them. */

#define RFX_MAX_RANK 6

typedef enum rfx_dtype {
	RFX_DTYPE_F32 = 1,
	RFX_DTYPE_F16 = 2,
	RFX_DTYPE_I8 = 3,
	RFX_DTYPE_I32 = 4,
	RFX_DTYPE_U8 = 5
} rfx_dtype;

typedef struct rfx_tensor_info {
	const char *name;            /* owned by the model */
	rfx_dtype dtype;
	uint32_t rank;
	uint32_t dims[RFX_MAX_RANK]; /* row-major; NCHW for images */
	size_t size_bytes;
} rfx_tensor_info;

/* ------------------------------------------------------------------------ */
/* Model: a validated, immutable .rfx, shareable by several sessions. */

typedef struct rfx_model rfx_model;

/* Reads and validates a .rfx file; on the Vulkan backend also uploads its
 * weights to device memory once. Every count, offset, shape and attribute is
 * checked before use: a truncated, corrupted or hostile file gives
 * RFX_E_FORMAT (RFX_E_UNSUPPORTED for a newer format version), with the
 * failed check in rfx_context_last_error(); never a crash. Statuses: RFX_OK,
 * RFX_E_INVALID_ARGUMENT, RFX_E_IO, RFX_E_FORMAT, RFX_E_UNSUPPORTED,
 * RFX_E_OUT_OF_MEMORY, RFX_E_VULKAN, RFX_E_DEVICE_LOST. */
RFX_API rfx_status rfx_model_load_file(rfx_context *ctx, const char *path,
                                       rfx_model **out);
/* The same from memory; the bytes are copied, the caller keeps `data`. */
RFX_API rfx_status rfx_model_load_memory(rfx_context *ctx, const void *data,
                                         size_t size, rfx_model **out);
/* Destroys a model; NULL is allowed. Every session of the model must have
 * been destroyed first: a model with live sessions is not freed, the call
 * logs an error and returns (no use-after-free). */
RFX_API void rfx_model_destroy(rfx_model *m);

RFX_API uint32_t rfx_model_input_count(const rfx_model *m);
RFX_API uint32_t rfx_model_output_count(const rfx_model *m);
/* Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT (NULL, index out of range). */
RFX_API rfx_status rfx_model_input_info(const rfx_model *m, uint32_t i,
                                        rfx_tensor_info *out);
RFX_API rfx_status rfx_model_output_info(const rfx_model *m, uint32_t i,
                                         rfx_tensor_info *out);

/* How to turn a camera frame into the model's input, from the file's
 * metadata: x = (pixel * scale - mean[c]) / std[c], channels in `color`
 * order ("rgb" or "bgr"), resized to width x height. */
typedef struct rfx_preprocess {
	char color[4];
	float scale;
	float mean[4], std[4];
	uint32_t channels, width, height;
} rfx_preprocess;
RFX_API rfx_status rfx_model_preprocess(const rfx_model *m, rfx_preprocess *out);

/* Class labels from the metadata: count, and the i-th (NULL if none). The
 * strings are owned by the model. */
RFX_API uint32_t rfx_model_label_count(const rfx_model *m);
RFX_API const char *rfx_model_label(const rfx_model *m, uint32_t i);

/* ------------------------------------------------------------------------ */
/* Session: every buffer, pipeline and the recorded command buffer of one
 * model on one context; the only thing touched per frame. */

typedef struct rfx_session rfx_session;

/* Raw camera-frame formats a session can take instead of a tensor (see
 * rfx_session_options.frame_format). */
typedef enum rfx_pixel_format {
	RFX_PIXEL_NONE = 0,  /* the caller writes the input tensor itself */
	RFX_PIXEL_RGB24 = 1, /* 3 bytes per pixel, R G B */
	RFX_PIXEL_BGR24 = 2, /* 3 bytes per pixel, B G R */
	RFX_PIXEL_GRAY8 = 3, /* 1 byte per pixel */
	RFX_PIXEL_YUYV = 4,  /* YUV 4:2:2, Y0 U Y1 V per 2 pixels, BT.601 limited range */
	RFX_PIXEL_RGBA32 = 5 /* 4 bytes per pixel, R G B A (A ignored) */
} rfx_pixel_format;

/* How a frame of another aspect ratio fills the model's input. */
typedef enum rfx_frame_fit {
	RFX_FIT_STRETCH = 0,   /* resize to the input, ignoring aspect */
	RFX_FIT_CENTER_CROP = 1, /* scale to cover, crop the centre */
	RFX_FIT_LETTERBOX = 2  /* scale to fit, pad with black */
} rfx_frame_fit;

/* How a Vulkan session picks each layer's kernel (rfx_session_options). */
typedef enum rfx_tune_mode {
	RFX_TUNE_AUTO = 0,  /* the tuning cache, else measure and store it */
	RFX_TUNE_OFF = 1,   /* the device's default order; no measuring, no cache */
	RFX_TUNE_ALWAYS = 2 /* measure even when cached, and rewrite the cache */
} rfx_tune_mode;

typedef struct rfx_session_options {
	/* Run the model's golden input at creation and fail with
	 * RFX_E_MISMATCH if this device's answer is outside tolerance. */
	int golden_check;
	/* Pipeline cache file; NULL: $XDG_CACHE_HOME/reflex/ (or
	 * ~/.cache/reflex/). Unreadable or corrupt files are ignored and
	 * rebuilt; an unwritable directory is a logged warning. */
	const char *pipeline_cache_path;
	int no_pipeline_cache;
	/* Skip the warm-up run (benchmarks measure the first run with it). */
	int no_warmup;
	/* Vulkan: write a timestamp at the start and end of the recorded
	 * command buffer, read by rfx_session_gpu_time_ns() (two queries; off
	 * by default so the production command buffer carries none). */
	int gpu_timing;
	/* Vulkan: also record a separate profiling command buffer with a
	 * timestamp after every dispatch, run by rfx_session_profile(). */
	int profile;
	/* Frame input: when frame_format is not RFX_PIXEL_NONE, the session
	 * takes raw frames of up to frame_max_width x frame_max_height pixels
	 * (rfx_session_frame()) and turns them into input 0 (an image tensor
	 * [1, C, H, W], C = 1 or 3) in the same command buffer: bilinear
	 * resize (half-pixel centres) with the chosen fit, colour order, then
	 * (pixel * scale - mean[c]) / std[c] from the model's metadata. */
	rfx_pixel_format frame_format;
	uint32_t frame_max_width, frame_max_height;
	rfx_frame_fit frame_fit;
	/* Kernel tuning (Vulkan). Layers with several kernel variants (storage
	 * or texel buffers, GEMM or direct convolution, ...) run the fastest
	 * on this device: the first session of a model on a device times every
	 * variant on the layer's real shapes, within tune_budget_ms, and stores
	 * the choice next to the pipeline cache, keyed by device, driver
	 * version and model; later sessions read it and measure nothing. A
	 * budget that runs out keeps the best found so far. tune_budget_ms 0:
	 * RFX_TUNE_BUDGET_MS from the environment, else 10000 (and
	 * RFX_TUNE_BUDGET_MS=0 turns measuring off: cached choices are still
	 * used). RFX_FORCE_VARIANT=name,... in the environment overrides all. */
	rfx_tune_mode tune;
	uint32_t tune_budget_ms;
} rfx_session_options;

RFX_API void rfx_session_options_default(rfx_session_options *opt);

/* Creates a session: memory plan, buffers, pipelines, descriptor sets, the
 * recorded command buffer, and a warm-up run. opt may be NULL. Statuses:
 * RFX_OK, RFX_E_INVALID_ARGUMENT, RFX_E_OUT_OF_MEMORY, RFX_E_UNSUPPORTED,
 * RFX_E_VULKAN, RFX_E_DEVICE_LOST, RFX_E_MISMATCH. */
RFX_API rfx_status rfx_session_create(rfx_model *m,
                                      const rfx_session_options *opt,
                                      rfx_session **out);
/* Destroys a session, waiting for a frame in flight; NULL is allowed. */
RFX_API void rfx_session_destroy(rfx_session *s);

/* The mapped input/output of the session (the same pointer for the life of
 * the session): write inputs before submit, read outputs after a successful
 * wait. info may be NULL. NULL for a bad index or NULL session. */
RFX_API void *rfx_session_input(rfx_session *s, uint32_t i,
                                rfx_tensor_info *info);
RFX_API const void *rfx_session_output(rfx_session *s, uint32_t i,
                                       rfx_tensor_info *info);

/* Submits the prerecorded work; does not wait. On the CPU backend the work
 * runs inside this call. Statuses: RFX_OK, RFX_E_BUSY (a frame is in
 * flight: wait for it first), RFX_E_DEVICE_LOST, RFX_E_INVALID_ARGUMENT. */
RFX_API rfx_status rfx_session_submit(rfx_session *s);
/* Waits until the frame in flight is done or CLOCK_MONOTONIC reaches
 * deadline_ns (see rfx_time_now_ns()). Statuses: RFX_OK (outputs ready),
 * RFX_E_DEADLINE (still in flight: wait again later), RFX_E_NOT_SUBMITTED,
 * RFX_E_DEVICE_LOST (the session refuses all further work). */
RFX_API rfx_status rfx_session_wait(rfx_session *s, uint64_t deadline_ns);
/* submit + wait. */
RFX_API rfx_status rfx_session_run(rfx_session *s, uint64_t deadline_ns);


/* What a session holds: the memory plan (device arena bytes against the sum
 * of every activation tensor it places, which liveness sharing makes
 * smaller), weight bytes, and the recorded work. On the CPU backend
 * arena_bytes is the sum of its buffers and dispatches/barriers are 0. */
typedef struct rfx_session_stats {
	uint64_t arena_bytes;
	uint64_t tensor_bytes;
	uint64_t weight_bytes;
	uint32_t dispatches;
	uint32_t barriers;
	uint32_t pipelines;
} rfx_session_stats;
/* Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT. */
RFX_API rfx_status rfx_session_stats_get(const rfx_session *s,
                                         rfx_session_stats *out);


/* GPU time of the last collected frame, from the timestamps gpu_timing
 * recorded. Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT, RFX_E_UNSUPPORTED (CPU
 * backend, gpu_timing off, or no timestamps on this queue), RFX_E_BUSY
 * (frame in flight), RFX_E_NOT_SUBMITTED (nothing ran yet). */
RFX_API rfx_status rfx_session_gpu_time_ns(rfx_session *s, uint64_t *ns);

/* Runs the profiling command buffer once (blocking) and writes the GPU time
 * of each layer, in layer order, into layer_ns[0..n_layers) (layers that
 * need no dispatch get 0), and the whole run into *total_ns (may be NULL).
 * Each dispatch is serialized by a barrier there, so the times add up.
 * Not for the hot path: it is a diagnostic. Statuses: RFX_OK,
 * RFX_E_INVALID_ARGUMENT (n_layers is not the model's layer count),
 * RFX_E_UNSUPPORTED (not created with profile, CPU backend, no
 * timestamps), RFX_E_BUSY, RFX_E_DEVICE_LOST. */
RFX_API rfx_status rfx_session_profile(rfx_session *s, uint64_t *layer_ns,
                                       uint32_t n_layers, uint64_t *total_ns);


/* Frame input (sessions created with a frame_format): the mapped frame
 * buffer, valid for the life of the session; *capacity (may be NULL) is
 * its size in bytes. NULL if the session takes no frames. */
RFX_API void *rfx_session_frame(rfx_session *s, size_t *capacity);
/* Sets the size of the frame written next (width, height in pixels, stride
 * in bytes per row; 0: tightly packed). Call before submit when the size
 * changes; cheap, allocates nothing. Statuses: RFX_OK,
 * RFX_E_INVALID_ARGUMENT (no frame input, zero or too large a size, stride
 * too small), RFX_E_BUSY (a frame is in flight). */
RFX_API rfx_status rfx_session_set_frame(rfx_session *s, uint32_t width,
                                         uint32_t height, uint32_t stride);

#ifdef __cplusplus
}
#endif
#endif /* REFLEX_H */
