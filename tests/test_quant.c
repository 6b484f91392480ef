/*
 * The int8 arithmetic of engine/graph/quant.h on inputs whose answers are
 * worked out by hand in the comments: multipliers and shifts (exact powers
 * of two, mantissa rounding into the next binade, the smallest and largest
 * representable multipliers), requantization at exact ties of both signs
 * and one unit either side of a tie, saturation, quantization ties to even
 * and clamping at -128/127, zero and one-sided ranges, weights and bias.
 * Every expected value is exact: integers compare with ==.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "check_util.h"
#include "graph/quant.h"

#define P30 1073741824 /* 2^30 */

static void mult(double real, int32_t want_m, int32_t want_shift)
{
	int32_t m = -1, s = -1;

	ck_assert_msg(rfx_quant_multiplier(real, &m, &s) == 0, "real %.17g", real);
	ck_assert_msg(m == want_m && s == want_shift,
		      "real %.17g: m %d shift %d, want %d %d", real, m, s,
		      want_m, want_shift);
}

START_TEST(test_multiplier)
{
	int32_t m, s;

	mult(0.5, P30, 31);               /* 0.5 * 2^0: m = 0.5 * 2^31 */
	mult(1.0, P30, 30);               /* 0.5 * 2^1 */
	mult(0.75, 1610612736, 31);       /* 0.75 * 2^31 */
	mult(1.0 / 3.0, 1431655765, 32);  /* 2/3 * 2^-1; 2/3 * 2^31 = 1431655765.33 */
	mult(2.0 / 3.0, 1431655765, 31);
	mult(65536.0, P30, 14);           /* 0.5 * 2^17 */
	/* q * 2^31 = 2^31 - 2^-9 rounds to 2^31: renormalized to 2^30, e + 1 */
	mult(1.0 - ldexp(1.0, -40), P30, 30);
	/* the largest mantissa: (2^31 - 1) / 2^31 exactly */
	mult((2147483647.0) / 2147483648.0, 2147483647, 31);
	/* smallest representable: 2^-32 = 0.5 * 2^-31, shift 62 */
	mult(ldexp(1.0, -32), P30, 62);
	/* below that every int32 rounds to 0: m = 0 */
	mult(ldexp(1.0, -33), 0, 31);
	mult(1e-300, 0, 31);
	mult(0.0, 0, 31);
	/* the largest accepted: just under 2^30, shift 1 */
	mult(ldexp(1.0, 30) - 1.0, 2147483646, 1); /* (2^30 - 1) * 2 = m */
	/* refused: 2^30 and above, negative, NaN, infinite */
	ck_assert_int_eq(rfx_quant_multiplier(ldexp(1.0, 30), &m, &s), -1);
	ck_assert(m == 0 && s == 31);
	ck_assert_int_eq(rfx_quant_multiplier(-0.5, &m, &s), -1);
	ck_assert_int_eq(rfx_quant_multiplier(NAN, &m, &s), -1);
	ck_assert_int_eq(rfx_quant_multiplier(INFINITY, &m, &s), -1);
}
END_TEST

START_TEST(test_requantize_ties)
{
	/* m / 2^shift = 0.5: 5 * 0.5 = 2.5 -> 3, -2.5 -> -3 (away from 0) */
	ck_assert_int_eq(rfx_requantize(5, P30, 31), 3);
	ck_assert_int_eq(rfx_requantize(-5, P30, 31), -3);
	ck_assert_int_eq(rfx_requantize(3, P30, 31), 2);   /* 1.5 */
	ck_assert_int_eq(rfx_requantize(-3, P30, 31), -2);
	ck_assert_int_eq(rfx_requantize(1, P30, 31), 1);   /* 0.5 */
	ck_assert_int_eq(rfx_requantize(-1, P30, 31), -1);
	ck_assert_int_eq(rfx_requantize(4, P30, 31), 2);   /* exact */
	ck_assert_int_eq(rfx_requantize(-4, P30, 31), -2);
	ck_assert_int_eq(rfx_requantize(0, P30, 31), 0);
	/* one unit of 2^-31 above and below a tie */
	ck_assert_int_eq(rfx_requantize(1, P30 + 1, 31), 1);   /* 0.5 + 2^-31 */
	ck_assert_int_eq(rfx_requantize(-1, P30 + 1, 31), -1);
	ck_assert_int_eq(rfx_requantize(1, INT32_MAX, 32), 0); /* 0.5 - 2^-32 */
	ck_assert_int_eq(rfx_requantize(-1, INT32_MAX, 32), 0);
	/* 1/3: 3 * 1431655765 / 2^32 = 0.99999999977 -> 1 */
	ck_assert_int_eq(rfx_requantize(3, 1431655765, 32), 1);
	ck_assert_int_eq(rfx_requantize(-3, 1431655765, 32), -1);
	ck_assert_int_eq(rfx_requantize(1, 1431655765, 32), 0);
	/* 300 * 1/3 = 99.99999998 -> 100; 301/3 = 100.33 -> 100; 302/3 = 100.67 -> 101 */
	ck_assert_int_eq(rfx_requantize(300, 1431655765, 32), 100);
	ck_assert_int_eq(rfx_requantize(301, 1431655765, 32), 100);
	ck_assert_int_eq(rfx_requantize(-302, 1431655765, 32), -101);
	/* at shift 62: INT32_MIN * 2^30 / 2^62 = -0.5 -> -1; 2^30 * 2^30 / 2^61 = 0.5 -> 1 */
	ck_assert_int_eq(rfx_requantize(INT32_MIN, P30, 62), -1);
	ck_assert_int_eq(rfx_requantize(P30, P30, 61), 1);
	ck_assert_int_eq(rfx_requantize(P30 - 1, P30, 61), 0);
	/* -(2^62 - 2^31) / 2^62 = -(1 - 2^-31) -> -1 */
	ck_assert_int_eq(rfx_requantize(INT32_MIN, INT32_MAX, 62), -1);
}
END_TEST

START_TEST(test_requantize_identity_and_saturation)
{
	const int32_t v[] = {INT32_MIN, INT32_MIN + 1, -255, -1, 0, 1, 127, INT32_MAX};

	/* R(v; 1) = v: m = 2^30, shift 30 */
	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_int_eq(rfx_requantize(v[i], P30, 30), v[i]);
	/* 2^29 (shift 1): saturates */
	ck_assert_int_eq(rfx_requantize(INT32_MAX, P30, 1), INT32_MAX);
	ck_assert_int_eq(rfx_requantize(INT32_MIN, P30, 1), INT32_MIN);
	ck_assert_int_eq(rfx_requantize(4, P30, 1), INT32_MAX);  /* 2^31 */
	ck_assert_int_eq(rfx_requantize(-4, P30, 1), INT32_MIN); /* -2^31 fits */
	ck_assert_int_eq(rfx_requantize(-5, P30, 1), INT32_MIN);
	ck_assert_int_eq(rfx_requantize(3, P30, 1), 1610612736);  /* 3 * 2^29 */
	/* 2^16 (the sum scale): 255 * 2^16 */
	ck_assert_int_eq(rfx_requantize_real(255, 65536.0), 16711680);
	ck_assert_int_eq(rfx_requantize_real(-255, 65536.0), -16711680);
	/* back by 2^-16 (m 2^30, shift 46): 98304 / 65536 = 1.5 -> 2; 32767 -> 0.49998 -> 0 */
	ck_assert_int_eq(rfx_requantize(98304, P30, 46), 2);
	ck_assert_int_eq(rfx_requantize(-98304, P30, 46), -2);
	ck_assert_int_eq(rfx_requantize(32767, P30, 46), 0);
	ck_assert_int_eq(rfx_requantize(32768, P30, 46), 1);
	ck_assert_int_eq(rfx_requantize(-32768, P30, 46), -1);
	/* m = 0 is zero */
	ck_assert_int_eq(rfx_requantize(INT32_MAX, 0, 31), 0);
	ck_assert_int_eq(rfx_requantize_real(INT32_MAX, ldexp(1.0, -40)), 0);
}
END_TEST

START_TEST(test_quantize_value)
{
	/* inv_scale 1: ties to even */
	ck_assert_int_eq(rfx_quantize_value(2.5f, 1.0f, 0), 2);
	ck_assert_int_eq(rfx_quantize_value(3.5f, 1.0f, 0), 4);
	ck_assert_int_eq(rfx_quantize_value(-2.5f, 1.0f, 0), -2);
	ck_assert_int_eq(rfx_quantize_value(-3.5f, 1.0f, 0), -4);
	ck_assert_int_eq(rfx_quantize_value(0.5f, 1.0f, 0), 0);
	ck_assert_int_eq(rfx_quantize_value(-0.5f, 1.0f, 0), 0);
	ck_assert_int_eq(rfx_quantize_value(1.5f, 1.0f, 0), 2);
	ck_assert_int_eq(rfx_quantize_value(2.5000002f, 1.0f, 0), 3);
	ck_assert_int_eq(rfx_quantize_value(-2.4999998f, 1.0f, 0), -2);
	/* 0.5 - 2^-25 is below the tie: floor(x + 0.5) would say 1 */
	ck_assert_int_eq(rfx_quantize_value(0.49999997f, 1.0f, 0), 0);
	ck_assert_int_eq(rfx_quantize_value(-0.49999997f, 1.0f, 0), 0);
	/* zero point added after rounding, then the clamp */
	ck_assert_int_eq(rfx_quantize_value(2.5f, 1.0f, 3), 5);
	ck_assert_int_eq(rfx_quantize_value(117.0f, 1.0f, 10), 127);
	ck_assert_int_eq(rfx_quantize_value(118.0f, 1.0f, 10), 127);
	ck_assert_int_eq(rfx_quantize_value(-138.0f, 1.0f, 10), -128);
	ck_assert_int_eq(rfx_quantize_value(-139.0f, 1.0f, 10), -128);
	ck_assert_int_eq(rfx_quantize_value(127.0f, 1.0f, 0), 127);
	ck_assert_int_eq(rfx_quantize_value(127.5f, 1.0f, 0), 127); /* 128 clamped */
	ck_assert_int_eq(rfx_quantize_value(-128.0f, 1.0f, 0), -128);
	ck_assert_int_eq(rfx_quantize_value(-128.5f, 1.0f, 0), -128);
	ck_assert_int_eq(rfx_quantize_value(1e30f, 1.0f, -128), 127);
	ck_assert_int_eq(rfx_quantize_value(INFINITY, 1.0f, 0), 127);
	ck_assert_int_eq(rfx_quantize_value(-INFINITY, 1.0f, 0), -128);
	/* the clamp at +-256 comes before the zero point: -256 + 127 = -129 */
	ck_assert_int_eq(rfx_quantize_value(-1e9f, 1.0f, 127), -128);
	ck_assert_int_eq(rfx_quantize_value(-255.0f, 1.0f, 127), -128);
	ck_assert_int_eq(rfx_quantize_value(-254.0f, 1.0f, 127), -127);
	/* NaN is real 0: the zero point */
	ck_assert_int_eq(rfx_quantize_value(NAN, 1.0f, -7), -7);
	/* scale 0.25: inv 4 exactly; 0.625 * 4 = 2.5 -> 2 */
	ck_assert(rfx_quant_inv_scale(0.25f) == 4.0f);
	ck_assert_int_eq(rfx_quantize_value(0.625f, 4.0f, 0), 2);
	ck_assert_int_eq(rfx_quantize_value(0.875f, 4.0f, 0), 4);
	/* scale 0.1f: 1 / 0.100000001490116 = 9.99999985 rounds to 10.0f */
	ck_assert(rfx_quant_inv_scale(0.1f) == 10.0f);
}
END_TEST

START_TEST(test_dequantize_value)
{
	ck_assert(rfx_dequantize_value(-128, 0.5f, -128) == 0.0f);
	ck_assert(rfx_dequantize_value(127, 0.5f, -128) == 127.5f);
	ck_assert(rfx_dequantize_value(-128, 0.25f, 127) == -63.75f);
	/* 10 * 0.100000001490116 = 1.0000000149 rounds to 1.0f */
	ck_assert(rfx_dequantize_value(10, 0.1f, 0) == 1.0f);
}
END_TEST

START_TEST(test_round_div_and_adds)
{
	ck_assert_int_eq(rfx_quant_round_div(5, 2), 3);   /* 2.5 away */
	ck_assert_int_eq(rfx_quant_round_div(-5, 2), -3);
	ck_assert_int_eq(rfx_quant_round_div(7, 3), 2);   /* 2.33 */
	ck_assert_int_eq(rfx_quant_round_div(8, 3), 3);   /* 2.67 */
	ck_assert_int_eq(rfx_quant_round_div(-8, 3), -3);
	ck_assert_int_eq(rfx_quant_round_div(-7, 3), -2);
	ck_assert_int_eq(rfx_quant_round_div(0, 7), 0);
	ck_assert_int_eq(rfx_quant_round_div(255 * 9, 9), 255);
	ck_assert_int_eq(rfx_quant_round_div(-255 * 9, 9), -255);
	ck_assert_int_eq(rfx_quant_round_div(3, 1), 3);
	/* the largest window: 255 * 2^23 / 2^23 */
	ck_assert_int_eq(rfx_quant_round_div(-255 * (int32_t)RFX_QUANT_MAX_WINDOW,
					     (int32_t)RFX_QUANT_MAX_WINDOW), -255);
	ck_assert_int_eq(rfx_quant_sat_add(INT32_MAX, 1), INT32_MAX);
	ck_assert_int_eq(rfx_quant_sat_add(INT32_MIN, -1), INT32_MIN);
	ck_assert_int_eq(rfx_quant_sat_add(INT32_MIN, INT32_MAX), -1);
	ck_assert_int_eq(rfx_quant_sat_add(5, -7), -2);
	ck_assert_int_eq(rfx_quant_wrap_add(INT32_MAX, 1), INT32_MIN);
	ck_assert_int_eq(rfx_quant_wrap_add(INT32_MIN, -1), INT32_MAX);
	ck_assert_int_eq(rfx_quant_wrap_add(-3, 10), 7);
}
END_TEST

static void range(float lo, float hi, float want_scale, int32_t want_zp)
{
	float s;
	int32_t z;

	rfx_quant_range(lo, hi, &s, &z);
	ck_assert_msg(s == want_scale && z == want_zp,
		      "[%g, %g]: scale %.9g zp %d, want %.9g %d", (double)lo,
		      (double)hi, (double)s, z, (double)want_scale, want_zp);
}

START_TEST(test_range)
{
	range(0.0f, 255.0f, 1.0f, -128);     /* zp = -128 + 0 */
	range(-255.0f, 0.0f, 1.0f, 127);     /* -128 + 255 */
	range(-128.0f, 127.0f, 1.0f, 0);
	range(-0.5f, 254.5f, 1.0f, -128);    /* -128 + round(0.5) = -128 + 0 (even) */
	range(-1.5f, 253.5f, 1.0f, -126);    /* -128 + round(1.5) = -128 + 2 */
	range(-2.5f, 252.5f, 1.0f, -126);    /* round(2.5) = 2 */
	/* a range that excludes 0 is widened to reach it */
	range(51.0f, 510.0f, 2.0f, -128);    /* [0, 510] */
	range(-510.0f, -51.0f, 2.0f, 127);   /* [-510, 0] */
	/* zero ranges: scale 1, zero point 0 */
	range(0.0f, 0.0f, 1.0f, 0);
	range(3.0f, -3.0f, 1.0f, 0);  /* inverted: widened to [0, 0] */
	range(NAN, 1.0f, 1.0f, 0);
	/* a one-sided tiny range is kept (scale above 0) */
	{
		float s;
		int32_t z;
		rfx_quant_range(0.0f, 1e-35f, &s, &z);
		ck_assert(s >= FLT_MIN && z == -128);
	}
}
END_TEST

START_TEST(test_weights_and_bias)
{
	const float w[4] = {0.5f, -1.0f, 0.25f, 0.0f};
	/* channel 0: max 127/64, so scale 1/64 and inv 64 exactly */
	const float w2[6] = {1.984375f, -1.0f, 0.5078125f, 0.0f, 0.0f, -0.0f};
	int8_t q[6];
	float scales[2], s;

	/* scale 1/127; inv rounds to 127.0f; 0.5 * 127 = 63.5 -> 64 (even) */
	s = rfx_quant_weights(w, 4, q);
	ck_assert(s == 1.0f / 127.0f);
	ck_assert(rfx_quant_inv_scale(s) == 127.0f);
	ck_assert_int_eq(q[0], 64);
	ck_assert_int_eq(q[1], -127);
	ck_assert_int_eq(q[2], 32); /* 31.75 */
	ck_assert_int_eq(q[3], 0);
	/* per channel: a zero channel has scale 0 and zero weights */
	rfx_quant_weights_per_channel(w2, 2, 3, q, scales);
	ck_assert(scales[0] == 1.0f / 64.0f && scales[1] == 0.0f);
	ck_assert_int_eq(q[0], 127);
	ck_assert_int_eq(q[1], -64);
	ck_assert_int_eq(q[2], 32); /* 32.5 -> 32 (even) */
	ck_assert(q[3] == 0 && q[4] == 0 && q[5] == 0);
	/* non-finite weights are 0 and do not set the scale */
	{
		const float bad[2] = {INFINITY, 0.5f};
		s = rfx_quant_weights(bad, 2, q);
		ck_assert(s == 0.5f / 127.0f);
		ck_assert_int_eq(q[0], 0);
		ck_assert_int_eq(q[1], 127);
	}
	/* bias: b / (x_scale * w_scale), half away from zero */
	ck_assert_int_eq(rfx_quant_bias(1.0f, 0.5f, 0.25f), 8);
	ck_assert_int_eq(rfx_quant_bias(2.5f, 1.0f, 1.0f), 3);
	ck_assert_int_eq(rfx_quant_bias(-2.5f, 1.0f, 1.0f), -3);
	ck_assert_int_eq(rfx_quant_bias(-0.3f, 0.1f, 1.0f), -3);
	ck_assert_int_eq(rfx_quant_bias(1.0f, 0.0f, 1.0f), 0);
	ck_assert_int_eq(rfx_quant_bias(NAN, 1.0f, 1.0f), 0);
	ck_assert_int_eq(rfx_quant_bias(1e10f, 1.0f, 1.0f), INT32_MAX);
	ck_assert_int_eq(rfx_quant_bias(-1e10f, 1.0f, 1.0f), INT32_MIN);
}
END_TEST

static Suite *quant_suite(void)
{
	Suite *s = suite_create("quant");
	TCase *tc = tcase_create("multiplier");

	tcase_add_test(tc, test_multiplier);
	suite_add_tcase(s, tc);
	tc = tcase_create("requantize");
	tcase_add_test(tc, test_requantize_ties);
	tcase_add_test(tc, test_requantize_identity_and_saturation);
	tcase_add_test(tc, test_round_div_and_adds);
	suite_add_tcase(s, tc);
	tc = tcase_create("quantize");
	tcase_add_test(tc, test_quantize_value);
	tcase_add_test(tc, test_dequantize_value);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_weights_and_bias);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(quant_suite());
}
