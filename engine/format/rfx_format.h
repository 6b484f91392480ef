/*
 * rfx_format.h — the .rfx file: on-disk layout, reader, writer.
 *
 * Every field is little-endian and fixed-width. A file is laid out
 * canonically: each byte has exactly one place, so the reader can demand it
 * and a file written from a graph read from a file is byte-identical.
 *
 *   [header]   RFX_FORMAT_HEADER_SIZE bytes at offset 0
 *   [STRINGS]  \
 *   [TENSORS]   |
 *   [LAYERS]    |  each at the next multiple of 8 after the previous
 *   [INDICES]   |  section's end; gap bytes are zero
 *   [INPUTS]    |
 *   [OUTPUTS]   |
 *   [META]     /
 *   [WEIGHTS]  at the next multiple of 64; the file ends where it ends
 *
 * Header (224 bytes):
 *   off size
 *     0    4  magic "RFX\0" (52 46 58 00)
 *     4    4  u32 version: rfx_format_version_of(graph), at most
 *             RFX_FORMAT_VERSION. Older than 1, or older than the graph
 *             needs: RFX_E_FORMAT; newer than this build: RFX_E_UNSUPPORTED.
 *     8    4  u32 header_size: 224 for version 1
 *    12    4  u32 flags: 0 (no flag is defined; others are rejected)
 *    16    8  u64 file_size: the file's length in bytes
 *    24    4  u32 crc32: CRC-32 (IEEE 802.3, zlib's crc32()) of the bytes
 *             [header_size, file_size)
 *    28    4  u32 reserved: 0
 *    32  192  8 section descriptors, in the order above, 24 bytes each:
 *             u64 offset (from file start), u64 size (bytes),
 *             u32 count (entries), u32 reserved (0)
 *
 * STRINGS: `count` NUL-terminated byte strings back to back, nothing else.
 *   Other tables name a string by its index (0-based) in this list. Each
 *   string is named exactly once, in this order: tensor names, layer names,
 *   then per metadata record its key and, for a STRING, its value.
 *
 * TENSORS: count entries of 72 bytes (rfx_tensor):
 *     0 u32 name (string index; non-empty, unique among tensors)
 *     4 u32 dtype (rfx_dtype)
 *     8 u32 flags (RFX_TENSOR_INPUT | _OUTPUT | _CONST; CONST excludes
 *       the other two)
 *    12 u32 rank (0..6)
 *    16 u32 dims[6] (dims[d] in 1..RFX_MAX_DIM for d < rank, 1 beyond;
 *       product <= RFX_MAX_ELEMENTS)
 *    40 f32 scale       \  quantization (graph.h); F32/F16 tensors: all
 *    44 i32 zero_point   | zero and channel_scales 0xFFFFFFFF. I8: scale >
 *    48 u32 qaxis        | 0 and zero_point in -128..127, or per-channel
 *    52 u32 channel_scales / (channel_scales names a constant F32 [dims[qaxis]])
 *    56 u64 data_offset (constants: into WEIGHTS, a multiple of 64; else 0)
 *    64 u64 data_size   (constants: elements * dtype size; else 0)
 *   Constants are placed in tensor order, each at the first multiple of 64
 *   after the previous one's end (so they never overlap), padding zero.
 *
 * LAYERS: count entries of 104 bytes (rfx_layer), in execution order:
 *     0 u32 op (rfx_op)
 *     4 u32 precision (rfx_dtype: F32, F16 or I8)
 *     8 u32 name (string index; may be empty)
 *    12 u32 n_inputs (<= RFX_MAX_LAYER_INPUTS)
 *    16 u32 n_outputs (1)
 *    20 u32 first: index into INDICES of the layer's inputs then outputs;
 *       layers take consecutive runs: first = sum of earlier layers' counts
 *    24 i32 i[16]
 *    88 f32 f[4]  (attribute slots: graph.h)
 *
 * INDICES: count u32 tensor indices (the runs of LAYERS).
 * INPUTS, OUTPUTS: count u32 tensor indices each, the graph's inputs and
 *   outputs in declaration order (at least one each; exactly the tensors
 *   flagged INPUT / OUTPUT, once each).
 *
 * META: count entries of 32 bytes, at most one per key, in the order of
 *   the key list below (rfx_meta_key):
 *     0 u32 key (string index)
 *     4 u32 type (rfx_meta_type)
 *     8 u32 count
 *    12 u32 reserved (0)
 *    16 16 bytes of value, unused bytes zero:
 *       STRING: u32 string index
 *       F32:    count (1..4) f32
 *       U32:    count (1..4) u32
 *       U64:    one u64 (count 1)
 *       BYTES:  u64 offset into WEIGHTS (a multiple of 64), u64 size
 *       (count 1)
 *   Keys (rfx_meta in graph.h), all optional:
 *     labels        STRING  count = number of labels; '\n'-separated,
 *                           non-empty labels, one trailing '\n' allowed;
 *                           at most the element count of output 0
 *     input.color   STRING  "rgb" or "bgr"
 *     input.layout  STRING  "NCHW"
 *     input.scale   F32[1]  finite, > 0
 *     input.mean    F32[k]  finite, not all zero  \ k: channels of input 0
 *     input.std     F32[k]  finite, > 0           / if it is [N,1..4,H,W], else 4
 *     input.size    U32[2]  width, height, each 1..RFX_MAX_DIM
 *     converter     STRING
 *     source.name   STRING
 *     source.hash   U64     FNV-1a 64 of the source model file (not 0)
 *     golden.input  BYTES   rfx_tensor_bytes() of input 0   \ both or
 *     golden.output BYTES   rfx_tensor_bytes() of output 0  / neither
 *   BYTES values follow the constants in WEIGHTS in record order, placed
 *   like constants.
 *
 * WEIGHTS: count = constants + BYTES records; the blob described above.
 *
 * Graph rules the reader enforces after the tables: every layer reads only
 * constants, graph inputs and outputs of earlier layers (no cycles, no use
 * before definition); every tensor that is neither a constant nor an input
 * is written by exactly one layer; inputs and constants are never written;
 * graph outputs are written by a layer; rfx_layer_infer() accepts each
 * layer and gives exactly its output tensor's dtype, rank and dims.
 *
 * Maxima (denial-of-service defence): RFX_MAX_DIM per dim, RFX_MAX_ELEMENTS
 * per tensor, RFX_MAX_TENSORS tensors, RFX_MAX_LAYERS layers,
 * RFX_MAX_LAYER_INPUTS inputs per layer (graph.h), RFX_FORMAT_MAX_META
 * metadata entries, RFX_FORMAT_MAX_FILE_SIZE bytes per file.
 */
#ifndef RFX_FORMAT_H
#define RFX_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "reflex maps constant data straight from .rfx files: little-endian only"
#endif

#define RFX_FORMAT_MAGIC "RFX\0"
/* The newest version this build reads and writes. Version 2 adds
 * activation 8 (RFX_ACT_SWISH); nothing else changed. A file is written
 * with the lowest version that holds what it uses (rfx_format_version_of),
 * so a model without swish stays a version-1 file that older builds read;
 * one with swish is version 2, which they refuse as newer
 * (RFX_E_UNSUPPORTED) instead of as corrupt. */
#define RFX_FORMAT_VERSION 2u
#define RFX_FORMAT_HEADER_SIZE 224u
#define RFX_FORMAT_ALIGN 64u /* weights blob and every item in it */
#define RFX_FORMAT_TABLE_ALIGN 8u
#define RFX_FORMAT_MAX_META 32u
#define RFX_FORMAT_MAX_FILE_SIZE (1ull << 36) /* 64 GiB */

#define RFX_FORMAT_TENSOR_SIZE 72u
#define RFX_FORMAT_LAYER_SIZE 104u
#define RFX_FORMAT_META_SIZE 32u
#define RFX_FORMAT_NONE 0xFFFFFFFFu /* "no tensor" (channel_scales) */

/* Header field offsets. */
enum {
	RFX_HDR_MAGIC = 0,
	RFX_HDR_VERSION = 4,
	RFX_HDR_HEADER_SIZE = 8,
	RFX_HDR_FLAGS = 12,
	RFX_HDR_FILE_SIZE = 16,
	RFX_HDR_CRC = 24,
	RFX_HDR_RESERVED = 28,
	RFX_HDR_SECTIONS = 32,
	RFX_HDR_SECTION_SIZE = 24
};

typedef enum rfx_section {
	RFX_SEC_STRINGS = 0,
	RFX_SEC_TENSORS,
	RFX_SEC_LAYERS,
	RFX_SEC_INDICES,
	RFX_SEC_INPUTS,
	RFX_SEC_OUTPUTS,
	RFX_SEC_META,
	RFX_SEC_WEIGHTS,
	RFX_SEC_COUNT
} rfx_section;

typedef enum rfx_meta_type {
	RFX_META_STRING = 1,
	RFX_META_F32 = 2,
	RFX_META_U32 = 3,
	RFX_META_U64 = 4,
	RFX_META_BYTES = 5
} rfx_meta_type;

/* Metadata keys, in the order the writer emits them. */
typedef enum rfx_meta_key {
	RFX_MK_LABELS = 0,
	RFX_MK_COLOR,
	RFX_MK_LAYOUT,
	RFX_MK_SCALE,
	RFX_MK_MEAN,
	RFX_MK_STD,
	RFX_MK_SIZE,
	RFX_MK_CONVERTER,
	RFX_MK_SOURCE_NAME,
	RFX_MK_SOURCE_HASH,
	RFX_MK_GOLDEN_INPUT,
	RFX_MK_GOLDEN_OUTPUT,
	RFX_MK_COUNT
} rfx_meta_key;

/* "labels", "input.color", ...; NULL beyond RFX_MK_COUNT. */
const char *rfx_meta_key_name(rfx_meta_key k);
rfx_meta_type rfx_meta_key_type(rfx_meta_key k);
/* The key named s, or RFX_MK_COUNT. */
rfx_meta_key rfx_meta_key_find(const char *s);

/* Labels in a '\n'-separated list (one trailing '\n' allowed); 0 when the
 * list is empty or has an empty label. */
uint32_t rfx_labels_count(const char *labels);

/* A header as decoded, for tools (rfx-inspect). */
typedef struct rfx_format_info {
	uint32_t version;
	uint32_t header_size;
	uint32_t flags;
	uint64_t file_size;
	uint32_t crc32;
	struct {
		uint64_t offset, size;
		uint32_t count;
	} sections[RFX_SEC_COUNT];
} rfx_format_info;

const char *rfx_section_name(rfx_section s);

/* The lowest format version that holds every layer of g: 2 when a layer's
 * activation is RFX_ACT_SWISH, else 1. The writer writes it; the reader
 * refuses a file whose version is lower. Layer index of the first layer
 * that needs it into *layer (when non-NULL and the version is above 1). */
uint32_t rfx_format_version_of(const rfx_graph *g, uint32_t *layer);

/* CRC-32 as zlib's crc32(): pass 0 first, then the previous result to
 * continue. rfx_crc32(0, "123456789", 9) == 0xCBF43926. */
uint32_t rfx_crc32(uint32_t crc, const void *data, size_t n);

/* Decodes the header fields without judging them (rfx_format_read does).
 * RFX_E_FORMAT if size < RFX_FORMAT_HEADER_SIZE or the magic is wrong. */
rfx_status rfx_format_info_read(const void *bytes, size_t size,
                                rfx_format_info *out);

/*
 * Validates a whole file (every rule above) and describes it in *out.
 *
 * bytes must be 64-byte aligned (constants are used in place) and stay
 * alive and unchanged while the graph is used: out's names, metadata
 * strings, golden data and constant data point into it. The graph borrows
 * the bytes (out->file_bytes stays NULL); to hand them over, set
 * out->file_bytes = bytes after RFX_OK and rfx_graph_finish() will free()
 * them. out->arena is one allocation with the tensor/layer/index arrays.
 *
 * Statuses: RFX_OK; RFX_E_INVALID_ARGUMENT (NULL, misaligned bytes);
 * RFX_E_FORMAT (err names the failed check); RFX_E_UNSUPPORTED (a newer
 * format version); RFX_E_OUT_OF_MEMORY. On failure *out is zeroed.
 */
rfx_status rfx_format_read(const void *bytes, size_t size, rfx_graph *out,
                           char *err, size_t errlen);

/*
 * Serializes a graph. *out_bytes receives a 64-byte-aligned buffer to
 * free(), *out_size its length. The result is checked with
 * rfx_format_read() before it is returned, so the writer never produces a
 * file the reader rejects. Deterministic: the same graph gives the same
 * bytes, and writing a graph read from a file gives that file's bytes.
 * Strings are stored once per reference (no sharing). Absent metadata
 * (NULL strings, zero numbers) is not written; mean/std keep k values,
 * k = the channel count of input 0 when it is rank 4 with 1..4 channels,
 * else 4.
 * Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT (NULL, a tensor without a name,
 * a constant whose data is missing or of the wrong size), RFX_E_FORMAT (the
 * graph breaks a rule above; err says which), RFX_E_OUT_OF_MEMORY.
 */
rfx_status rfx_format_write(const rfx_graph *g, void **out_bytes,
                            size_t *out_size, char *err, size_t errlen);

/* rfx_format_write() to `path`, atomically (see rfx_file_write_atomic). */
rfx_status rfx_format_write_file(const rfx_graph *g, const char *path,
                                 char *err, size_t errlen);

/* Writes bytes to path through a temporary file in the same directory,
 * fsync()ed and then rename()d over path, so path is never partial.
 * Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT, RFX_E_IO (err names the path
 * and the errno text). */
rfx_status rfx_file_write_atomic(const char *path, const void *bytes,
                                 size_t size, char *err, size_t errlen);

/* rfx_file_write_atomic() without the fsync()s, for caches: path is still
 * never partial while the system runs, but a crash may leave it empty or
 * stale, which a cache's reader checks for anyway; and the caller (session
 * creation) does not wait on the disk. Same statuses. */
rfx_status rfx_file_write_cache(const char *path, const void *bytes,
                                size_t size, char *err, size_t errlen);

/* Reads a regular file of at most max_size bytes into a 64-byte-aligned
 * buffer (free()), NUL-padded past the end. Statuses: RFX_OK,
 * RFX_E_INVALID_ARGUMENT, RFX_E_IO (missing, unreadable, not a regular
 * file, larger than max_size: err names the path and the reason),
 * RFX_E_OUT_OF_MEMORY. */
rfx_status rfx_file_read(const char *path, uint64_t max_size, void **out,
                         size_t *out_size, char *err, size_t errlen);

#endif
