// v[i] = X[s + i], i < ROW4_SPAN: a row segment read 4 consecutive values
// per texel (an RGBA view of X; its element count a multiple of 4), NT
// texels from the one holding element s. The segment starts anywhere in
// a texel (sh = s % 4), which is a select per value, not a fetch; every
// index here is a constant once ROW4_SPAN is (a #define or a
// specialization constant). s may be negative or run past X: those
// texels are clamped to [0, qmax] and only feed values the caller masks
// (columns outside the row). The includer defines ROW4_T and ROW4_VEC
// (float and vec4, or int and ivec4), ROW4_SPAN and ROW4_TEXEL(q), texel q
// (pool2d_row.comp, conv_tb.comp's DW3 with XV4, conv_i8_dw_tb.comp).
void row4(int s, int qmax, out ROW4_T v[ROW4_SPAN])
{
	const uint NT = (ROW4_SPAN + 6u) / 4u;
	int q0 = s >> 2, sh = s & 3;
	ROW4_T t[4u * NT];
	for (uint j = 0u; j < NT; j++) {
		ROW4_VEC tx = ROW4_TEXEL(clamp(q0 + int(j), 0, qmax));
		for (uint k = 0u; k < 4u; k++)
			t[4u * j + k] = tx[k];
	}
	for (uint i = 0u; i < ROW4_SPAN; i++)
		v[i] = sh == 0 ? t[i] : sh == 1 ? t[i + 1u] :
		       sh == 2 ? t[i + 2u] : t[i + 3u];
}
