// The 8 consecutive pixels of one channel that start at element e of an
// NCHW tensor read 4 per texel (conv_tb.comp's GEMM XV4,
// conv_i8_gemm4_tb.comp). A channel starts at c * H * W, which need not be
// a multiple of 4: the 8 pixels then straddle 3 texels, shifted by
// sh = e % 4, the same for every invocation of a workgroup (p0 is a
// multiple of 8, n the workgroup's), so the branches do not diverge.
// Texels past the tensor's end (clamped to qmax) only feed pixels past its
// end, never stored. The including kernel defines TEXEL(q), texel q as a
// vec4.
void pixels8(uint e, int qmax, out vec4 xv[2])
{
	int q = int(e / 4u);
	uint sh = e % 4u;
	vec4 t0 = TEXEL(min(q, qmax)), t1 = TEXEL(min(q + 1, qmax));

	if (sh == 0u) {
		xv[0] = t0;
		xv[1] = t1;
		return;
	}
	vec4 t2 = TEXEL(min(q + 2, qmax));
	if (sh == 1u) {
		xv[0] = vec4(t0.yzw, t1.x);
		xv[1] = vec4(t1.yzw, t2.x);
	} else if (sh == 2u) {
		xv[0] = vec4(t0.zw, t1.xy);
		xv[1] = vec4(t1.zw, t2.xy);
	} else {
		xv[0] = vec4(t0.w, t1.xyz);
		xv[1] = vec4(t1.w, t2.xyz);
	}
}
