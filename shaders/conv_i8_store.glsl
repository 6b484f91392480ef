// The end of every int8 convolution kernel (conv_i8_c4_tb.comp,
// conv_i8_dw_tb.comp, conv_i8_gemm4_tb.comp, conv_i8_gemm_out.comp and the int8 Winograd output
// transform, conv_wino_out.comp -DI8): the int32 sum acc of output
// (n, m, px) requantized with channel m's parameter block pr (bias_q, -,
// multiplier, shift: the caller fetches it once for all the outputs of m
// it stores), the residual added in the sum's scale,
// the output's zero point and clamp, as engine/cpu/conv2d.c does. The
// kernel declares prm (RGBA32I), res (R8I), y (int8_t) and push constants
// M, OH, OW, zy, lo, hi, has_res, zr, rm, rn, sm, sn.
void store(uint n, uint m, uint px, int acc, ivec4 pr)
{
	uint o = (n * p.M + m) * p.OH * p.OW + px;
	int v = requant(acc, pr.z, pr.w);
	if (p.has_res != 0u) {
		v = sat_add(v, requant(texelFetch(res, int(o)).r - p.zr, p.rm, p.rn));
		v = requant(v, p.sm, p.sn);
	}
	y[o] = int8_t(quant_out(v, p.zy, p.lo, p.hi));
}
