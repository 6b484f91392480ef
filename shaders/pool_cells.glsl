// The cells an average pool divides by (engine/cpu/pool2d.c's rule): of
// the window of kh x kw taps (dilations dh, dw) starting at (y0, x0), those
// inside the padded input with include_pad, else those inside the real
// input. Included after a push-constant block p with H, W, PT, PB, PL, PR
// and include_pad (pool2d_i8.comp, pool2d_row.comp).

// How many of start + k*dil (k < kernel) lie in [lo, hi).
int count_in(int start, uint kernel, uint dil, int lo, int hi)
{
	int c = 0;
	for (uint k = 0u; k < kernel; k++) {
		int q = start + int(k * dil);
		c += (q >= lo && q < hi) ? 1 : 0;
	}
	return c;
}

int pool_cells(int y0, int x0, uint kh, uint dh, uint kw, uint dw)
{
	if (p.include_pad != 0u)
		return count_in(y0, kh, dh, -int(p.PT), int(p.H + p.PB)) *
		       count_in(x0, kw, dw, -int(p.PL), int(p.W + p.PR));
	return count_in(y0, kh, dh, 0, int(p.H)) * count_in(x0, kw, dw, 0, int(p.W));
}
