/* The golden self-check: a device's answer against the CPU reference's. */
#ifndef RFX_CORE_GOLDEN_H
#define RFX_CORE_GOLDEN_H

#include "graph/graph.h"

/*
 * Compares `got` with `want`, both rfx_tensor_elements(t) values of dtype
 * t->dtype (F32, F16 as fp16 bits, I8, I32, U8).
 *  - Integer dtypes: every element equal.
 *  - Float dtypes, tol == 0: every element equal as a value (-0 == +0; a
 *    NaN matches only a NaN): what the CPU backend must reproduce.
 *  - Float dtypes, tol > 0: |got - want| <= tol * max_k |want_k| for every
 *    element: an error relative to the tensor's largest magnitude, so
 *    values near zero are not held to a relative bound they cannot meet.
 *    Where want is inf or NaN, got must be the same.
 * Returns RFX_OK or RFX_E_MISMATCH, writing into msg (may be NULL) the
 * worst element: its index, both values and the bound.
 */
rfx_status rfx_golden_compare(const rfx_tensor *t, const void *got,
                              const void *want, float tol, char *msg,
                              size_t msglen);

#endif
