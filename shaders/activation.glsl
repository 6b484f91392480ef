// Activation functions, numbered as rfx_act in engine/graph/graph.h. The CPU
// reference is engine/cpu/activation.c; both must compute the same formula.
#define ACT_NONE 0u
#define ACT_RELU 1u
#define ACT_CLIP 2u
#define ACT_LEAKY_RELU 3u
#define ACT_SIGMOID 4u
#define ACT_HARD_SIGMOID 5u
#define ACT_HARD_SWISH 6u
#define ACT_TANH 7u
#define ACT_SWISH 8u

float apply_act(float v, uint act, float a0, float a1)
{
	switch (act) {
	case ACT_RELU: return max(v, 0.0);
	case ACT_CLIP: return min(max(v, a0), a1);
	case ACT_LEAKY_RELU: return v < 0.0 ? a0 * v : v;
	case ACT_SIGMOID: return 1.0 / (1.0 + exp(-v));
	case ACT_HARD_SIGMOID: return clamp(a0 * v + a1, 0.0, 1.0);
	case ACT_HARD_SWISH: return v * clamp(v / 6.0 + 0.5, 0.0, 1.0);
	case ACT_TANH: return tanh(clamp(v, -20.0, 20.0)); // exp overflow
	case ACT_SWISH: return v * (1.0 / (1.0 + exp(-v)));
	default: return v;
	}
}
