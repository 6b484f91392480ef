/*
 * quant.h — int8 arithmetic: THE definition. The CPU reference
 * (engine/cpu/) calls these functions, the Vulkan kernels
 * (shaders/int8.glsl) are written to give the same integers, and the
 * converter quantizes with the same helpers. Every int8 layer is an exact
 * integer function of its int8 inputs and of integers the host derives
 * once from the float scales in the file (engine/graph/quant_layer.c).
 *
 * Representation (graph.h): an I8 activation tensor holds q in
 * [-128, 127] with real = scale * (q - zero_point), scale > 0,
 * zero_point in [-128, 127] (asymmetric, per tensor). I8 weights are
 * symmetric (zero point 0), per output channel (channel_scales) or per
 * tensor (scale). Bias is I32 (real = bias_q * x_scale * w_scale[c]) or
 * F32 (quantized at session creation with rfx_quant_bias()).
 *
 * Building blocks (notation used below and in quant_layer.h):
 *
 *   R(v; r)   requantization of the int32 v by the real multiplier r > 0:
 *             (m, n) = rfx_quant_multiplier(r), then rfx_requantize(v, m, n)
 *             = round(v * m / 2^n), one rounding of the exact 62-bit
 *             product, ties away from zero, saturated to int32.
 *   Q(x)      rfx_quantize_value(x, rfx_quant_inv_scale(s), z): the fp32
 *             product x * (1/s) rounded to nearest, ties to even (as ONNX
 *             QuantizeLinear), plus z, clamped to [-128, 127].
 *   D(q)      rfx_dequantize_value(q, s, z) = (float)(q - z) * s, one fp32
 *             multiply (correctly rounded on every Vulkan device).
 *   rdiv(S,c) rfx_quant_round_div(): S / c rounded half away from zero.
 *   sat_add   int32 addition saturated to [INT32_MIN, INT32_MAX].
 *   out(v)    clamp(v + z_y, lo, hi) in exact integers; [lo, hi] is
 *             [-128, 127] narrowed by the fused activation: RELU lo =
 *             max(lo, z_y); CLIP lo = max(lo, Q(f0)), hi = min(hi, Q(f1))
 *             with the output's scale and zero point. Other activations
 *             are not fused into int8 layers.
 *   T = 2^RFX_QUANT_SUM_BITS: sums of differently scaled terms are formed
 *             at scale s_y / T, then brought to s_y by R(.; 1/T).
 *
 * Ops at precision I8 (all activation inputs and the output are I8):
 *   CONV2D, FC  acc[c] = bias_q[c] + sum (x - z_x) * w[c, ...] over the taps
 *               inside the input (padding contributes nothing), in int32
 *               with two's-complement wrap-around (never reached by real
 *               models; defined so both backends agree regardless).
 *               no residual:  y = out(R(acc; s_x s_w[c] / s_y))
 *               residual r:   y = out(R(sat_add(R(acc; s_x s_w[c] T / s_y),
 *                                               R(r - z_r; s_r T / s_y)); 1/T))
 *   POOL2D MAX, GLOBAL_POOL MAX
 *               y = out(R(max over the window's cells inside the input of
 *                         (x - z_x); s_x / s_y))       (activation NONE)
 *   POOL2D AVG, GLOBAL_POOL AVG
 *               S = sum of (x - z_x) over the cells inside the input, cnt
 *               as the float rule counts them (graph.h);
 *               y = out(R(rdiv(S, cnt); s_x / s_y)), z_y if cnt is 0.
 *               A window (or plane) of more than 2^23 cells is refused.
 *   BINARY ADD, SUB
 *               y = out(R(sat_add(R(a - z_a; s_a T / s_y),
 *                                 R(±(b - z_b); s_b T / s_y)); 1/T))
 *   BINARY MUL  y = out(R((a - z_a) (b - z_b); s_a s_b / s_y))
 *   UNARY       (NONE, RELU, CLIP) y = out(R(x - z_x; s_x / s_y))
 *   CONCAT      each input k: y = out(R(x_k - z_k; s_k / s_y))
 *   RESHAPE, TRANSPOSE   the bytes move unchanged; the output's scale and
 *               zero point must equal the input's.
 *   PAD         likewise, and the padding is Q(f0) with the output's scale.
 * When s_x == s_y and z_x == z_y, R(v; 1) = v exactly, so a rescale that
 * is not needed changes nothing.
 * Conversions (graph.h):
 *   QUANTIZE    (precision I8, input F32/F16)  y = Q(x) with the output's
 *               scale and zero point.
 *   DEQUANTIZE  (precision F32/F16, input I8)  y = D(x); an F16 output is
 *               then rounded once to fp16 like any F16 layer.
 * Not available at I8 (RFX_E_UNSUPPORTED when a session is created):
 * BINARY DIV, SOFTMAX, REDUCE_MEAN, activations other than RELU/CLIP.
 * Float layers read float activations only; crossings are explicit
 * QUANTIZE / DEQUANTIZE layers.
 */
#ifndef RFX_GRAPH_QUANT_H
#define RFX_GRAPH_QUANT_H

#include <stdint.h>

#define RFX_QUANT_MIN (-128)
#define RFX_QUANT_MAX 127
#define RFX_QUANT_WEIGHT_MAX 127 /* symmetric weights use [-127, 127] */
#define RFX_QUANT_SUM_BITS 16    /* T = 2^16 above */
#define RFX_QUANT_MAX_WINDOW (1u << 23) /* cells of one average window */

/* An integer multiplier: real ≈ m * 2^-shift. */
typedef struct rfx_requant {
	int32_t m;     /* 0, or in [2^30, 2^31 - 1] */
	int32_t shift; /* total right shift, 1..62 */
} rfx_requant;

/*
 * real = q * 2^e with q in [0.5, 1) (frexp); m = round(q * 2^31) (half
 * away from zero; m = 2^31 becomes 2^30 with e + 1); shift = 31 - e.
 * real == 0, or so small that shift > 62 (real < 2^-32: every int32
 * times it rounds to 0), gives m = 0, shift = 31. Returns 0 on success,
 * -1 if real is NaN, negative or >= 2^30 (shift would be < 1); *m and
 * *shift are then set to 0 and 31.
 */
int rfx_quant_multiplier(double real, int32_t *m, int32_t *shift);

/*
 * round(acc * m / 2^shift): p = acc * m exactly (|p| < 2^62), then
 * (p + 2^(shift-1) - (p < 0)) >> shift with an arithmetic (flooring)
 * shift — a single rounding, ties away from zero — saturated to
 * [INT32_MIN, INT32_MAX]. Needs m >= 0 and 1 <= shift <= 62 (as
 * rfx_quant_multiplier() makes them).
 */
int32_t rfx_requantize(int32_t acc, int32_t m, int32_t shift);

/* rfx_quant_multiplier() then rfx_requantize(); for tests and tools. */
int32_t rfx_requantize_real(int32_t acc, double real);

/* The fp32 reciprocal the quantizer multiplies by: (float)(1.0 / scale)
 * computed in double. Computed on the host and handed to kernels as bits.
 * scale must be > 0. */
float rfx_quant_inv_scale(float scale);

/*
 * Q(x): v = x * inv_scale as one fp32 multiply (never fused with anything:
 * kernels mark it `precise`); NaN counts as 0; v is clamped to
 * [-256, 256]; r = v rounded to nearest, ties to even (decided by exact
 * comparisons against floor(v) + 0.5); returns clamp(r + zp, -128, 127).
 */
int8_t rfx_quantize_value(float x, float inv_scale, int32_t zp);

/* D(q) = (float)(q - zp) * scale, one fp32 multiply. */
float rfx_dequantize_value(int32_t q, float scale, int32_t zp);

/* sum / count rounded half away from zero: sign(sum) * ((|sum| +
 * count / 2) / count) in integers (count / 2 rounded down); count >= 1,
 * |sum| < 2^31 - count. */
int32_t rfx_quant_round_div(int32_t sum, int32_t count);

/* a + b saturated to int32. */
int32_t rfx_quant_sat_add(int32_t a, int32_t b);

/* a + b with two's-complement wrap-around (the accumulators' rule). */
static inline int32_t rfx_quant_wrap_add(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a + (uint32_t)b);
}

/*
 * Asymmetric activation parameters from a calibrated range: the range is
 * widened to include 0 (lo = min(lo, 0), hi = max(hi, 0)); an empty range
 * (hi - lo == 0, or NaN bounds) gives scale 1, zero point 0; otherwise
 * scale = (hi - lo) / 255 (computed in double, at least FLT_MIN) and
 * zp = clamp(-128 + round_half_even(-lo / scale), -128, 127), so real 0 is
 * exactly representable.
 */
void rfx_quant_range(float lo, float hi, float *scale, int32_t *zp);

/*
 * Symmetric weights of one output channel: scale = max|w| / 127 (0 if every
 * weight is 0 or the channel is empty), q = clamp(round_half_even(w /
 * scale), -127, 127) computed as Q() with zero point 0 (all 0 for a zero
 * scale). Returns the scale. Non-finite weights count as 0.
 */
float rfx_quant_weights(const float *w, uint64_t n, int8_t *q);

/* Every channel of a [channels, per_channel] row-major array: scales[c]
 * and q as rfx_quant_weights(). */
void rfx_quant_weights_per_channel(const float *w, uint32_t channels,
                                   uint64_t per_channel, int8_t *q,
                                   float *scales);

/* Bias of channel c: round(b / (x_scale * w_scale)) computed in double,
 * half away from zero, saturated to int32; 0 when the denominator is 0 or
 * b is NaN. */
int32_t rfx_quant_bias(float b, float x_scale, float w_scale);

#endif /* RFX_GRAPH_QUANT_H */
