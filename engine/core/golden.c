/* rfx_golden_compare(): see golden.h. */
#include <math.h>
#include <stdio.h>

#include "core/golden.h"
#include "graph/half.h"

/* Element k of a tensor of dtype dt, as a double (exact for every dtype). */
static double value(rfx_dtype dt, const void *p, uint64_t k)
{
	switch (dt) {
	case RFX_DTYPE_F32: return ((const float *)p)[k];
	case RFX_DTYPE_F16: return rfx_f16_to_f32(((const uint16_t *)p)[k]);
	case RFX_DTYPE_I8: return ((const int8_t *)p)[k];
	case RFX_DTYPE_I32: return ((const int32_t *)p)[k];
	case RFX_DTYPE_U8: return ((const uint8_t *)p)[k];
	}
	return 0.0;
}

rfx_status rfx_golden_compare(const rfx_tensor *t, const void *got,
                              const void *want, float tol, char *msg,
                              size_t msglen)
{
	const uint64_t n = rfx_tensor_elements(t);
	const int is_float = t->dtype == RFX_DTYPE_F32 ||
			     t->dtype == RFX_DTYPE_F16;
	double scale = 0.0, worst = 0.0, bound;
	uint64_t worst_k = 0;
	int bad = 0;

	if (rfx_dtype_size(t->dtype) == 0) {
		if (msg && msglen)
			snprintf(msg, msglen, "'%s': unknown dtype", t->name);
		return RFX_E_MISMATCH;
	}
	for (uint64_t k = 0; k < n; k++) {
		double w = fabs(value(t->dtype, want, k));
		if (isfinite(w) && w > scale)
			scale = w;
	}
	bound = is_float ? (double)tol * scale : 0.0;
	for (uint64_t k = 0; k < n; k++) {
		double g = value(t->dtype, got, k), w = value(t->dtype, want, k);
		double e;

		if (isnan(w) || isinf(w)) {
			int same = isnan(w) ? isnan(g) : g == w;
			e = same ? 0.0 : INFINITY;
		} else {
			e = isnan(g) ? INFINITY : fabs(g - w);
		}
		if (e > bound && (!bad || e > worst)) {
			bad = 1;
			worst = e;
			worst_k = k;
		}
	}
	if (!bad)
		return RFX_OK;
	if (msg && msglen)
		snprintf(msg, msglen,
			 "'%s' element %llu is %.9g, expected %.9g (error %.3g, allowed %.3g)",
			 t->name ? t->name : "", (unsigned long long)worst_k,
			 value(t->dtype, got, worst_k),
			 value(t->dtype, want, worst_k), worst, bound);
	return RFX_E_MISMATCH;
}
