// Storage types of each binding, chosen per variant by -D defines in
// shaders/meson.build: X (main input), B (second input), W (weights),
// R (residual), Y (output); <NAME>_F16 stores that tensor as float16_t.
// Arithmetic is always fp32: fp16 is a storage format here.
#if defined(X_F16) || defined(B_F16) || defined(W_F16) || defined(R_F16) || defined(Y_F16)
#extension GL_EXT_shader_16bit_storage : require
#endif
// <NAME>_I8 stores int8_t (data movement of int8 tensors: values pass
// through float exactly).
#if defined(X_I8) || defined(Y_I8)
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#endif

#if defined(X_I8)
#define X_T int8_t
#elif defined(X_F16)
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
#if defined(Y_I8)
#define Y_T int8_t
#elif defined(Y_F16)
#define Y_T float16_t
#else
#define Y_T float
#endif

// A flat invocation index over a dispatch of (x, y) workgroups: large 1-D
// work is spread over y too, since x may be limited to 65535 groups.
#define LINEAR_ID (gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x + gl_GlobalInvocationID.x)
