/*
 * Activations: the formulas of shaders/activation.glsl, written the same
 * way (GLSL max(x, y) is "x < y ? y : x", min(x, y) is "y < x ? y : x",
 * clamp(x, lo, hi) is min(max(x, lo), hi)), in f32.
 */
#include <math.h>

#include "cpu/cpu.h"

static float max_(float x, float y)
{
	return x < y ? y : x;
}

static float min_(float x, float y)
{
	return y < x ? y : x;
}

static float clamp_(float x, float lo, float hi)
{
	return min_(max_(x, lo), hi);
}

float rfx_cpu_act(float v, rfx_act act, float a0, float a1)
{
	switch (act) {
	case RFX_ACT_RELU: return max_(v, 0.0f);
	case RFX_ACT_CLIP: return min_(max_(v, a0), a1);
	case RFX_ACT_LEAKY_RELU: return v < 0.0f ? a0 * v : v;
	case RFX_ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
	case RFX_ACT_HARD_SIGMOID: return clamp_(a0 * v + a1, 0.0f, 1.0f);
	case RFX_ACT_HARD_SWISH: return v * clamp_(v / 6.0f + 0.5f, 0.0f, 1.0f);
	case RFX_ACT_TANH: return tanhf(v);
	/* The product of the sigmoid and x, as Mul(x, Sigmoid(x)) computed
	 * it before the converter fused the pair. */
	case RFX_ACT_SWISH: return v * (1.0f / (1.0f + expf(-v)));
	case RFX_ACT_NONE:
	case RFX_ACT_COUNT_: break;
	}
	return v;
}

void rfx_cpu_act_n(float *y, uint64_t n, rfx_act act, float a0, float a1)
{
	if (act == RFX_ACT_NONE)
		return;
	if (act == RFX_ACT_RELU) { /* the common case, kept vectorizable */
		for (uint64_t k = 0; k < n; k++)
			y[k] = max_(y[k], 0.0f);
		return;
	}
	for (uint64_t k = 0; k < n; k++)
		y[k] = rfx_cpu_act(y[k], act, a0, a1);
}
