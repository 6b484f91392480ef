/*
 * half.h — IEEE 754 binary16 ("fp16") conversions, in plain C so they give
 * the same bits on every compiler and CPU. Shared by the CPU executor (F16
 * layers round their outputs with them), the converter (fp16 weights) and
 * the tools (.npy '<f2' files).
 */
#ifndef RFX_GRAPH_HALF_H
#define RFX_GRAPH_HALF_H

#include <stddef.h>
#include <stdint.h>

/* Rounds to the nearest fp16, ties to even. Values beyond the fp16 range
 * become +-inf, values below half the smallest subnormal become +-0, NaN
 * stays NaN (quiet, top payload bits kept). */
uint16_t rfx_f32_to_f16(float f);

/* Exact: every fp16 value is a float. */
float rfx_f16_to_f32(uint16_t h);

/* f16(f32(x)) for a float: what storing x in an fp16 tensor keeps. */
float rfx_round_f16(float f);

/* Array forms; src and dst must not overlap. */
void rfx_f32_to_f16_n(uint16_t *dst, const float *src, size_t n);
void rfx_f16_to_f32_n(float *dst, const uint16_t *src, size_t n);

#endif
