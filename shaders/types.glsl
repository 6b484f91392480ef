// Storage types of each binding, chosen per variant by -D defines in
// shaders/meson.build: X (main input), B (second input), W (weights),
// R (residual), Y (output); <NAME>_F16 stores that tensor as float16_t.
// Arithmetic is always fp32: fp16 is a storage format here.
#if defined(X_F16) || defined(B_F16) || defined(W_F16) || defined(R_F16) || defined(Y_F16)
#extension GL_EXT_shader_16bit_storage : require
#endif

#ifdef X_F16
#define X_T float16_t
#else
#define X_T float
#endif
#ifdef B_F16
#define B_T float16_t
#else
#define B_T float
#endif
#ifdef W_F16
#define W_T float16_t
#else
#define W_T float
#endif
#ifdef R_F16
#define R_T float16_t
#else
#define R_T float
#endif
#ifdef Y_F16
#define Y_T float16_t
#else
#define Y_T float
#endif

// A flat invocation index over a dispatch of (x, y) workgroups: large 1-D
// work is spread over y too, since x may be limited to 65535 groups.
#define LINEAR_ID (gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x + gl_GlobalInvocationID.x)
