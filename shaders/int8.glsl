// int8 arithmetic, written to give exactly the integers of
// engine/graph/quant.c (the definitions are in engine/graph/quant.h).
// Only 32-bit integer operations: the 62-bit product of a requantization
// is held as two words (imulExtended) and rounded with explicit carries.
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#ifdef DOT
#extension GL_EXT_spirv_intrinsics : require
#endif

#define I32_MAX 0x7fffffff
#define I32_MIN (-0x7fffffff - 1)

// rfx_requantize(): round(v * m / 2^n), ties away from zero, saturated.
// p = v * m exactly as (hi, lo); p + 2^(n-1) - (p < 0); floor-shift by n.
int requant(int v, int m, int n)
{
	int hi, lo_s;
	imulExtended(v, m, hi, lo_s);
	uint neg = hi < 0 ? 1u : 0u;
	uint clo = n <= 32 ? (1u << uint(n - 1)) : 0u;
	uint chi = n <= 32 ? 0u : (1u << uint(n - 33));
	uint borrow, carry;
	clo = usubBorrow(clo, neg, borrow);
	chi -= borrow;
	uint lo = uaddCarry(uint(lo_s), clo, carry);
	int h = hi + int(chi) + int(carry);
	if (n >= 32)
		return h >> (n - 32);
	int rh = h >> n;
	uint rl = (lo >> uint(n)) | (uint(h) << uint(32 - n));
	if (rh > 0 || (rh == 0 && rl >= 0x80000000u))
		return I32_MAX;
	if (rh < -1 || (rh == -1 && rl < 0x80000000u))
		return I32_MIN;
	return int(rl);
}

// rfx_quant_sat_add()
int sat_add(int a, int b)
{
	int s = a + b;
	if (((a ^ s) & (b ^ s)) < 0)
		s = a < 0 ? I32_MIN : I32_MAX;
	return s;
}

// out(v) = clamp(v + zp, lo, hi) in exact integers (v first limited to a
// range where the addition cannot wrap and the result is unchanged).
int quant_out(int v, int zp, int lo, int hi)
{
	return clamp(clamp(v, -1024, 1024) + zp, lo, hi);
}

// rfx_quant_round_div(): s / c rounded half away from zero.
int round_div(int s, uint c)
{
	uint mag = s < 0 ? uint(-s) : uint(s);
	int q = int((mag + c / 2u) / c);
	return s < 0 ? -q : q;
}

// rfx_quantize_value(): one fp32 multiply (precise: never fused), NaN is 0,
// clamp to [-256, 256], round half to even by exact comparisons, + zp,
// clamp to [-128, 127].
int quantize_value(float x, float inv_scale, int zp)
{
	precise float v = x * inv_scale;
	float c = v;
	if (isnan(c))
		c = 0.0;
	c = c < -256.0 ? -256.0 : (c > 256.0 ? 256.0 : c);
	float fl = floor(c);
	float half_up = fl + 0.5;
	int r = int(fl);
	if (c > half_up || (c == half_up && (r & 1) != 0))
		r++;
	return clamp(r + zp, -128, 127);
}

#ifdef DOT
// OpSDot on two words of 4 packed int8 (SPV_KHR_integer_dot_product),
// emitted through GL_EXT_spirv_intrinsics: Debian's glslang has no
// GL_EXT_integer_dot_product. Exact: 4 products of int8, summed in int32.
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"],
		  capabilities = [6019, 6018], id = 4450)
int sdot4(uint a, uint b, spirv_literal int packed_format);
#define DOT4(a, b) sdot4((a), (b), 0)
#endif
