/* How each op becomes dispatches: which kernel variant, which tensors at
 * which bindings, push constants and workgroup counts. One file per op in
 * engine/vk/ops/, named like the op. */
#ifndef RFX_VK_OPS_H
#define RFX_VK_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "graph/quant_layer.h"

#define RFX_VK_MAX_BINDINGS_PER_DISPATCH 5
#define RFX_VK_PUSH_WORDS 32
#define RFX_VK_DISPATCH_SPEC 3
#define RFX_VK_LOOP_EXTRA 16u /* rfx_vk_dispatch.loops */

/* How a binding is read: a storage buffer, or a uniform texel buffer
 * through a view of that format (created once by the session). */
enum rfx_vk_view {
	RFX_VK_VIEW_STORAGE = 0,
	RFX_VK_VIEW_R32F,
	RFX_VK_VIEW_R16F,
	RFX_VK_VIEW_RGBA32F,
	RFX_VK_VIEW_RGBA16F,
	RFX_VK_VIEW_R8I,      /* int8 kernels: one int8 per texel */
	RFX_VK_VIEW_RGBA8I,   /* four int8 */
	RFX_VK_VIEW_RGBA32I,  /* four int32 (parameter blocks) */
};

/* One float of dtype dt per texel (fp32 or fp16). */
static inline uint8_t rfx_vk_view_r(rfx_dtype dt)
{
	return dt == RFX_DTYPE_F16 ? RFX_VK_VIEW_R16F : RFX_VK_VIEW_R32F;
}

/* The most dispatches one layer's variant records (conv_wino*_tb). */
#define RFX_VK_MAX_LAYER_DISPATCHES 3u

typedef struct rfx_vk_dispatch {
	char shader[32];       /* embedded variant, e.g. "conv2d_ffff" */
	char variant[24];      /* the kernel family chosen, e.g. "conv_gemm_tb"
	                          (rfx_vk_layer_variants()); "" when the op has
	                          one kernel */
	uint32_t n_bindings;
	uint32_t tensor[RFX_VK_MAX_BINDINGS_PER_DISPATCH]; /* per binding */
	uint8_t view[RFX_VK_MAX_BINDINGS_PER_DISPATCH];    /* enum rfx_vk_view */
	uint32_t out_binding;  /* the binding written; the others are read */
	/* Bytes of the output tensor written (all of it unless a slice). */
	uint64_t write_offset, write_bytes;
	uint32_t push[RFX_VK_PUSH_WORDS];
	uint32_t push_size;    /* bytes */
	uint32_t local[2];     /* workgroup size x, y (specialization 0, 1) */
	/* Specialization constants 2.. of the kernels that declare them (0
	 * where unused; a pipeline is built per distinct set). */
	uint32_t spec[RFX_VK_DISPATCH_SPEC];
	uint32_t groups[3];
	/* Bytes of the session's scratch buffer (RFX_VK_SCRATCH) it uses. */
	uint64_t scratch_bytes;
	/* Loop passes one invocation runs, all its loops together: some
	 * drivers end a shader's loops early (lavapipe after 65535 in all,
	 * rfx_vk.max_loops), so a kernel past the device's limit is not a
	 * candidate. A loop entered once with n trips counts n + 1 (its exit
	 * test is a pass too: measured, tests/test_vk_ops.c "long_loops");
	 * a loop of a constant count counts nothing when it encloses no other
	 * loop (the compiler unrolls it) and its passes times what it encloses
	 * otherwise; RFX_VK_LOOP_EXTRA covers a kernel's short fixed loops.
	 * 0: no loop depends on the layer's shape. */
	uint64_t loops;
} rfx_vk_dispatch;

/* rfx_vk_dispatch.loops of a loop over kh rows around a loop over kw taps,
 * entered once: kh + 1 passes, and kw + 1 in each row. */
static inline uint64_t rfx_vk_window_loops(uint64_t kh, uint64_t kw)
{
	return kh + 1 + kh * (kw + 1);
}

/* What the device offers the int8 kernels (filled by the session). */
typedef struct rfx_vk_caps {
	int int8;    /* int8 storage buffers and int8 arithmetic in shaders */
	int int_dot; /* packed 4x8 integer dot product (OpSDot); 0 takes the
	                unpacking fallback (the session clears it when the
	                environment has RFX_NO_INT_DOT=1) */
	int texel;   /* uniform texel buffers of R32F, R16F, RGBA32F, RGBA16F */
	int texel_i8; /* and of R8I, RGBA8I, RGBA32I (the int8 texel kernels) */
} rfx_vk_caps;

/* Fills d[0..*n) (room for RFX_MAX_LAYER_INPUTS) for layer l; int8 layers
 * (graph/quant_layer.h) get the int8 kernels. On failure writes a message
 * naming the layer and returns RFX_E_UNSUPPORTED (or the status of
 * rfx_quant_layer_init()). */
rfx_status rfx_vk_layer_dispatches(const rfx_graph *g, const rfx_layer *l,
                                   const rfx_vk_caps *caps,
                                   rfx_vk_dispatch *d, uint32_t *n, char *err,
                                   size_t errlen);

/*
 * Buffers that are not tensors: a binding whose tensor index is
 * g->n_tensors or more names a buffer of the session. n_tensors + 0 and
 * + 1 are the frame input and its parameters (vk_session.c);
 * n_tensors + RFX_VK_EXTRA_LAYER_PARAMS + i is layer i's int8 parameter
 * block (rfx_vk_layer_params()), written once at session creation;
 * n_tensors + RFX_VK_EXTRA_LAYER_PARAMS + n_layers + i is layer i's packed
 * weights (rfx_vk_layer_packed()).
 */
#define RFX_VK_EXTRA_LAYER_PARAMS 2u
/* The session's scratch buffer, one for all layers (a layer's dispatches
 * use it in turn; barriers order them like tensors): what a variant needs
 * between its own dispatches (conv_c4_tb: the input packed by 4). */
#define RFX_VK_SCRATCH(g) \
	((g)->n_tensors + RFX_VK_EXTRA_LAYER_PARAMS + 2u * (g)->n_layers)
uint32_t rfx_vk_layer_params_binding(const rfx_graph *g, const rfx_layer *l);

/* The int8 parameter block of l (engine/vk/ops/int8_params.c): for int8
 * CONV2D and FC, 4 int32 per output channel c: bias_q[c],
 * bias_q[c] - z_x * sum(w[c]) (wrapping), multiplier, shift; no words for
 * other layers. Counts into *n_words; fills words when non-NULL. */
rfx_status rfx_vk_layer_params(const rfx_graph *g, const rfx_layer *l,
                               int32_t *words, uint64_t *n_words, char *err,
                               size_t errlen);

/*
 * Kernel variants (engine/vk/ops/conv2d_tb.c lists them; the tuner,
 * engine/vk/tune.c, chooses among them per layer):
 *
 * float CONV2D, texel-buffer kernels:
 *   "conv_gemm4_tb"   1x1, stride 1, no padding; pixels read a vec4 at a time
 *   "conv_gemm_tb"    the same, a pixel at a time
 *   "conv_gemm4s_tb"  1x1, a larger stride, no padding: the kept pixels
 *                     copied dense into the scratch buffer, then the GEMM
 *   "conv_wino4_tb"   3x3, stride 1, dilation 1, group 1: Winograd
 *   "conv_wino_tb"    F(4x4, 3x3) / F(2x2, 3x3), three dispatches through
 *                     the scratch buffer (engine/vk/ops/conv2d_wino.c)
 *   "conv_c4_tb"      group 1: the input packed by 4 channels into the
 *                     scratch buffer, then 4 channels per fetch
 *   "conv_direct_tb"  group 1, any kernel
 *   "conv_dw3v4_tb"   the same as conv_dw3_tb, each row window read 4
 *                     pixels per texel (the input a whole number of texels)
 *   "conv_dw3_tb"     depthwise 3x3, dilation 1, stride 1 or 2 both ways:
 *                     a row window of input fetched once per 8 outputs
 *   "conv_dw_tb"      depthwise, any kernel
 *   "conv_dw_c4_tb"   depthwise, one output channel per input channel, the
 *                     input packed by 4 as for conv_c4_tb
 *   and "conv2d_sb", the storage-buffer kernel that serves every shape;
 * float FC: "fc_tb", "fc_sb"; float POOL2D: "pool2d_row_tb" (8 outputs of
 * a row per invocation, each input row of their windows fetched once, 4
 * values per texel), "pool2d_tb" (the input through a texel buffer, 4
 * outputs per invocation), "pool2d_sb"; int8 POOL2D: "pool2d_row_tb" (the
 * same kernel on an RGBA8I view), "pool2d_i8_tb" (the input through an R8I
 * texel buffer), "pool2d_i8_sb";
 * int8 CONV2D, group 1: "conv_i8_wino_tb" (3x3, stride 1: Winograd
 * F(2x2, 3x3) in exact integers, engine/vk/ops/conv2d_wino.c),
 * "conv_i8_gemm4_tb" (1x1, stride 1, no padding, N*C*H*W % 4 == 0: one
 * dispatch reading 4 int8 pixels per fetch, fp32 weights),
 * "conv_i8_gemm_tb" (1x1, no padding, any stride: the same three steps
 * without a transform, an exact GEMM),
 * "conv_i8_c4_tb" (the input packed by 4 channels into the scratch
 * buffer, 8x8 int32 register blocks), "conv2d_i8_sb" (storage buffers,
 * the packed dot product where the device has it); int8 depthwise:
 * "conv_i8_dw3v4_tb" and "conv_i8_dw3_tb" (3x3, dilation 1, stride 1 or 2
 * both ways: row windows as conv_dw3v4_tb and conv_dw3_tb), "conv_i8_dw_tb" (texel buffers, a channel x 8 pixels of
 * a row per invocation), "conv2d_i8_sb".
 *
 * rfx_vk_layer_variants() writes the names that serve l on a device with
 * `caps` into out[0..cap), in the order a device takes without measuring,
 * and returns how many (0 for a layer with a single kernel).
 */
#define RFX_VK_MAX_VARIANTS 5
uint32_t rfx_vk_layer_variants(const rfx_graph *g, const rfx_layer *l,
                               const rfx_vk_caps *caps, const char **out,
                               uint32_t cap);
/* The dispatches of l with the named variant (one of those above). */
rfx_status rfx_vk_layer_variant_dispatches(const rfx_graph *g,
                                           const rfx_layer *l,
                                           const rfx_vk_caps *caps,
                                           const char *variant,
                                           rfx_vk_dispatch *d, uint32_t *n,
                                           char *err, size_t errlen);
/* The binding of layer l's packed weights (a session buffer), and the
 * packing the named variant reads (only the variant a session runs is
 * packed): conv_gemm4_tb, conv_gemm_tb, conv_direct_tb, conv_c4_tb read
 * conv weights [M][K'] (K' = C*KH*KW), fc_tb fc weights [N][K], as
 * [ceil(M/8)*2][K'][4] (four output channels per texel, zero padded) in
 * the weights' own dtype (conv_i8_gemm4_tb: its int8 weights as fp32); conv_wino_tb, conv_wino4_tb and conv_i8_wino_tb
 * their transformed weights (rfx_vk_wino_pack()), conv_i8_gemm_tb its
 * weights as fp32 the same way (tile 1, no transform); conv_i8_c4_tb int8 [ceil(M/8)][ceil(C/4)]
 * [KK][8][4]. Bytes into *bytes (0 when the variant reads none); fills
 * dst when non-NULL. */
uint32_t rfx_vk_layer_packed_binding(const rfx_graph *g, const rfx_layer *l);
void rfx_vk_layer_packed(const rfx_graph *g, const rfx_layer *l,
                         const char *variant, void *dst, uint64_t *bytes);

/* Winograd convolution (engine/vk/ops/conv2d_wino.c), tile 2 for
 * F(2x2, 3x3) ("conv_wino_tb") or 4 for F(4x4, 3x3) ("conv_wino4_tb"), 1
 * for an int8 1x1 layer without a transform ("conv_i8_gemm_tb"):
 * whether it serves l (a 3x3 convolution, stride 1, dilation 1, group 1);
 * its weights U = G g G^T as fp32 [nxi][ceil(M/8)*2][ceil(C/4)*4][4], nxi =
 * (tile+2)^2 (1 for tile 1, the weights themselves)
 * (four output channels per texel, zero padded), bytes into *bytes,
 * filled when dst is non-NULL; its three dispatches into d[0..3). */
int rfx_vk_wino_serves(const rfx_graph *g, const rfx_layer *l);
/* Whether the int8 Winograd ("conv_i8_wino_tb", F(2x2, 3x3) in exact
 * integers) serves int8 layer l: rfx_vk_wino_serves() and weights small
 * enough that 4 times any output's sum stays inside int32. Its weights are
 * rfx_vk_wino_pack(tile 2) of the int8 weights times 4 (integers). */
int rfx_vk_wino_i8_serves(const rfx_graph *g, const rfx_layer *l);
void rfx_vk_wino_pack(const rfx_graph *g, const rfx_layer *l, int tile,
                      void *dst, uint64_t *bytes);
rfx_status rfx_vk_conv_wino(const rfx_graph *g, const rfx_layer *l, int tile,
                            rfx_vk_dispatch *d, char *err, size_t errlen);

/* Shared by the per-op files. */
typedef rfx_status (*rfx_vk_op_fn)(const rfx_graph *g, const rfx_layer *l,
                                   rfx_vk_dispatch *d, uint32_t *n, char *err,
                                   size_t errlen);
rfx_status rfx_vk_op_conv2d(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_fc(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_pool2d(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_pool2d_tb(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_pool2d_i8_tb(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
/* Whether "pool2d_row_tb" serves pooling layer l: X a whole number of
 * texels of 4, and the 8 windows of a row at most 24 columns wide. */
int rfx_vk_pool2d_row_serves(const rfx_graph *g, const rfx_layer *l);
/* q: the int8 layer's quantization, NULL for a float layer. */
rfx_status rfx_vk_op_pool2d_row_tb(const rfx_graph *g, const rfx_layer *l,
                                   const rfx_quant_layer *q,
                                   rfx_vk_dispatch *d, uint32_t *n,
                                   char *err, size_t errlen);
rfx_status rfx_vk_op_global_pool(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_binary(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_unary(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_concat(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_reshape(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_transpose(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_pad(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_softmax(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);
rfx_status rfx_vk_op_reduce_mean(const rfx_graph *, const rfx_layer *, rfx_vk_dispatch *, uint32_t *, char *, size_t);

/* A classifier head fused by the plan (engine/vk/plan.h): layers
 * first..last (GLOBAL_POOL -> [RESHAPE] -> FC) as one dispatch of
 * shaders/head.comp or, int8, head_i8.comp (engine/vk/ops/head.c),
 * variant "head", recorded at the FC; fused_into is the plan's map of
 * each layer to the layer its work runs in. */
rfx_status rfx_vk_op_head(const rfx_graph *g, uint32_t first, uint32_t last,
                          const uint32_t *fused_into, rfx_vk_dispatch *d,
                          char *err, size_t errlen);

/* int8 layers: the same, with the layer's integers and the device caps. */
typedef rfx_status (*rfx_vk_op_i8_fn)(const rfx_graph *g, const rfx_layer *l,
                                      const rfx_quant_layer *q,
                                      const rfx_vk_caps *caps,
                                      rfx_vk_dispatch *d, uint32_t *n,
                                      char *err, size_t errlen);
#define RFX_VK_OP_I8(name) \
	rfx_status rfx_vk_op_##name(const rfx_graph *, const rfx_layer *, \
	                            const rfx_quant_layer *, const rfx_vk_caps *, \
	                            rfx_vk_dispatch *, uint32_t *, char *, size_t)
RFX_VK_OP_I8(conv2d_i8);
RFX_VK_OP_I8(fc_i8);
RFX_VK_OP_I8(pool2d_i8);
RFX_VK_OP_I8(global_pool_i8);
RFX_VK_OP_I8(binary_i8);
RFX_VK_OP_I8(unary_i8);
RFX_VK_OP_I8(concat_i8);
RFX_VK_OP_I8(reshape_i8);
RFX_VK_OP_I8(transpose_i8);
RFX_VK_OP_I8(pad_i8);
RFX_VK_OP_I8(quantize);
RFX_VK_OP_I8(dequantize);
/* Pushes a requantization's multiplier and shift. */
void rfx_vk_push_rq(rfx_vk_dispatch *d, rfx_requant rq);

/* Names the variant: base + one letter per tensor ('f' fp32, 'h' fp16,
 * 'b' int8). RFX_E_UNSUPPORTED for another dtype. */
rfx_status rfx_vk_variant(rfx_vk_dispatch *d, const rfx_graph *g,
                          const rfx_layer *l, const char *base,
                          const uint32_t *tensors, uint32_t n, char *err,
                          size_t errlen);
/* Binds tensors[0..n) in order, the last being the output (whole). */
void rfx_vk_bind(rfx_vk_dispatch *d, const rfx_graph *g, const uint32_t *tensors,
                 uint32_t n);
/* Workgroups for `count` invocations in 1-D (64 wide, spilling into y). */
rfx_status rfx_vk_groups_1d(rfx_vk_dispatch *d, uint64_t count, char *err,
                            size_t errlen);
/* dims of t right-aligned into 6 (leading 1s). */
void rfx_vk_dims6(const rfx_tensor *t, uint32_t out[6]);
/* Appends words to the push constants. */
void rfx_vk_push(rfx_vk_dispatch *d, const uint32_t *w, uint32_t n);
/* A convolution's geometry, the first 14 push words of every conv kernel:
 * C, H, W (input), M, OH, OW (output), KH, KW, stride h/w, padding
 * top/left, dilation h/w. */
void rfx_vk_push_conv_geometry(rfx_vk_dispatch *d, const rfx_graph *g,
                               const rfx_layer *l);
void rfx_vk_push_u(rfx_vk_dispatch *d, uint32_t v);
void rfx_vk_push_f(rfx_vk_dispatch *d, float v);

#define RFX_VK_MAX_GROUPS 65535u

#endif
