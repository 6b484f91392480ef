/*
 * The .rfx reader against files it must refuse: every truncation, random
 * bit flips (caught by the CRC, and again with the CRC recomputed so the
 * structural checks behind it are what runs), one-field hostile patches,
 * and bad arguments; each refusal with a reason, never a crash. Round trips
 * are test_format.c's.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "format/rfx_format.h"
#include "test_format_util.h"

/* ------------------------------------------------------------------ */
/* Helpers */

/* An aligned copy of bytes[0, n). */
static unsigned char *copy_of(const unsigned char *bytes, size_t n)
{
	void *p;

	ck_assert_int_eq(posix_memalign(&p, 64, n ? n : 1), 0);
	memcpy(p, bytes, n);
	return p;
}

static unsigned char *find(unsigned char *hay, size_t n, const char *needle,
                           size_t len)
{
	for (size_t k = 0; k + len <= n; k++)
		if (memcmp(hay + k, needle, len) == 0)
			return hay + k;
	return NULL;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Test only: recomputes the header's CRC after a deliberate change, so the
 * structural checks behind it are what the test exercises. */
static void fix_crc(unsigned char *b, size_t size)
{
	if (size < RFX_FORMAT_HEADER_SIZE)
		return;
	wr32(b + RFX_HDR_CRC, rfx_crc32(0, b + RFX_FORMAT_HEADER_SIZE,
					size - RFX_FORMAT_HEADER_SIZE));
}

static unsigned char *section(unsigned char *b, size_t size, rfx_section s)
{
	rfx_format_info info;

	ck_assert_int_eq(rfx_format_info_read(b, size, &info), RFX_OK);
	return b + info.sections[s].offset;
}

static unsigned char *tensor_rec(unsigned char *b, size_t size, uint32_t i)
{
	return section(b, size, RFX_SEC_TENSORS) + 72 * i;
}

static unsigned char *layer_rec(unsigned char *b, size_t size, uint32_t i)
{
	return section(b, size, RFX_SEC_LAYERS) + 104 * i;
}

/* Reads b and expects `want`, with `needle` in the message (may be NULL). */
static void expect_read(const unsigned char *b, size_t size, rfx_status want,
                        const char *needle)
{
	char err[512] = "";
	rfx_graph g;
	rfx_status st = rfx_format_read(b, size, &g, err, sizeof(err));

	ck_assert_msg(st == want, "status %s, expected %s (%s)",
		      rfx_status_str(st), rfx_status_str(want), err);
	if (st == RFX_OK) {
		rfx_graph_finish(&g);
		return;
	}
	ck_assert_msg(err[0] != '\0', "no message");
	if (needle)
		ck_assert_msg(strstr(err, needle), "message '%s' lacks '%s'",
			      err, needle);
}

/* Applies `patch` to a fresh classifier file, fixes the CRC, reads it. */
typedef void (*patch_fn)(unsigned char *b, size_t size);

static void hostile(patch_fn patch, rfx_status want, const char *needle)
{
	size_t size;
	unsigned char *b = classifier_bytes(&size);

	patch(b, size);
	fix_crc(b, size);
	expect_read(b, size, want, needle);
	free(b);
}

/* ------------------------------------------------------------------ */
/* Corruption */

START_TEST(every_truncation_fails)
{
	size_t size;
	unsigned char *b = classifier_bytes(&size);

	for (size_t n = 0; n < size; n++) {
		unsigned char *c = copy_of(b, n);
		char err[256] = "";
		rfx_graph g;
		rfx_status st = rfx_format_read(c, n, &g, err, sizeof(err));

		ck_assert_msg(st == RFX_E_FORMAT, "truncated to %zu: %s", n,
			      rfx_status_str(st));
		ck_assert_msg(err[0], "truncated to %zu: no message", n);
		free(c);
	}
	/* Even with a header patched to match the shorter length. */
	for (size_t n = RFX_FORMAT_HEADER_SIZE; n < size; n += 7) {
		unsigned char *c = copy_of(b, n);

		wr64(c + RFX_HDR_FILE_SIZE, n);
		fix_crc(c, n);
		expect_read(c, n, RFX_E_FORMAT, NULL);
		free(c);
	}
	free(b);
}
END_TEST

START_TEST(bit_flips_are_caught_by_crc)
{
	size_t size;
	unsigned char *b = classifier_bytes(&size);
	uint32_t seed = 0xC0FFEE;

	for (int k = 0; k < 3000; k++) {
		size_t at = test_rand(&seed) % size;
		unsigned char bit = (unsigned char)(1u << (test_rand(&seed) % 8));
		char err[256];
		rfx_graph g;
		rfx_status st;

		b[at] ^= bit;
		st = rfx_format_read(b, size, &g, err, sizeof(err));
		/* A flipped version bit may claim a newer format. */
		ck_assert_msg(st == RFX_E_FORMAT ||
			      (st == RFX_E_UNSUPPORTED && at >= 4 && at < 8),
			      "flip at %zu bit 0x%x: %s", at, bit, rfx_status_str(st));
		b[at] ^= bit;
	}
	expect_read(b, size, RFX_OK, NULL);
	free(b);
}
END_TEST

/* With the CRC recomputed, a file with bits flipped or fields set to
 * boundary values is either refused or accepted;
 * an accepted one must be canonical: writing what was read gives back the
 * mutated bytes exactly. */
START_TEST(bit_flips_with_fixed_crc)
{
	size_t size;
	unsigned char *orig = classifier_bytes(&size);
	unsigned char *b = copy_of(orig, size);
	uint32_t seed = 0xBADF00D;
	int refused = 0, accepted = 0;

	for (int k = 0; k < 4000; k++) {
		int flips = 1 + (int)(test_rand(&seed) % 3);
		char err[256];
		rfx_graph g;
		rfx_status st;

		memcpy(b, orig, size);
		for (int f = 0; f < flips; f++) {
			/* Mostly the tables (where structure lives). */
			size_t span = test_rand(&seed) % 4 ? size / 2 : size;
			size_t at = test_rand(&seed) % span;

			if (test_rand(&seed) % 2) {
				b[at] ^= (unsigned char)(1u << (test_rand(&seed) % 8));
			} else if (at + 4 <= size) {
				/* A field set to a boundary value. */
				static const uint32_t edge[] = {
					0, 1, 2, 3, 63, 64, 0x7FFFFFFFu, 0x80000000u,
					0xFFFFFFFFu, 1u << 24, (1u << 24) + 1, 1000,
				};
				wr32(b + (at & ~(size_t)3),
				     edge[test_rand(&seed) % (sizeof(edge) / sizeof(edge[0]))]);
			}
		}
		fix_crc(b, size);
		st = rfx_format_read(b, size, &g, err, sizeof(err));
		if (st != RFX_OK) {
			ck_assert_msg(st == RFX_E_FORMAT || st == RFX_E_UNSUPPORTED,
				      "mutation %d: %s", k, rfx_status_str(st));
			ck_assert_msg(err[0], "mutation %d: no message", k);
			refused++;
			continue;
		}
		{
			void *again;
			size_t n;

			ck_assert_msg(rfx_format_write(&g, &again, &n, err, sizeof(err)) == RFX_OK,
				      "mutation %d accepted, but not written again: %s", k, err);
			ck_assert_msg(n == size && memcmp(again, b, size) == 0,
				      "mutation %d accepted, but not canonical", k);
			free(again);
		}
		rfx_graph_finish(&g);
		accepted++;
	}
	/* Both outcomes happen: the structure checks are exercised, and the
	 * weights carry bits no check can judge. */
	ck_assert_int_gt(refused, 1000);
	ck_assert_int_gt(accepted, 10);
	free(b);
	free(orig);
}
END_TEST

/* Hostile files, each one change away from a valid one. */

static void p_magic(unsigned char *b, size_t s) { (void)s; b[0] = 'X'; }
static void p_version(unsigned char *b, size_t s) { (void)s; wr32(b + RFX_HDR_VERSION, RFX_FORMAT_VERSION + 1); }
static void p_version0(unsigned char *b, size_t s) { (void)s; wr32(b + RFX_HDR_VERSION, 0); }
static void p_header_size(unsigned char *b, size_t s) { (void)s; wr32(b + RFX_HDR_HEADER_SIZE, 256); }
static void p_flags(unsigned char *b, size_t s) { (void)s; wr32(b + RFX_HDR_FLAGS, 1); }
static void p_file_size(unsigned char *b, size_t s) { wr64(b + RFX_HDR_FILE_SIZE, s + 64); }
static void p_huge_tensor_count(unsigned char *b, size_t s)
{
	(void)s;
	wr32(b + RFX_HDR_SECTIONS + RFX_SEC_TENSORS * 24 + 16, 0xFFFFFFFFu);
}
static void p_huge_string_count(unsigned char *b, size_t s)
{
	(void)s;
	wr32(b + RFX_HDR_SECTIONS + RFX_SEC_STRINGS * 24 + 16, 0x7FFFFFFFu);
}
static void p_count_mismatch(unsigned char *b, size_t s)
{
	unsigned char *d = b + RFX_HDR_SECTIONS + RFX_SEC_LAYERS * 24 + 16;

	(void)s;
	wr32(d, rd32(d) + 1);
}
static void p_offset_past_end(unsigned char *b, size_t s)
{
	(void)s;
	wr64(b + RFX_HDR_SECTIONS + RFX_SEC_META * 24, 0xFFFFFFFFFFFFFFC0ull);
}
static void p_size_past_end(unsigned char *b, size_t s)
{
	(void)s;
	wr64(b + RFX_HDR_SECTIONS + RFX_SEC_WEIGHTS * 24 + 8, 0xFFFFFFFFFFFFFF00ull);
}
/* Tensor 2 (conv.b) placed on top of tensor 1 (conv.w). */
static void p_overlap(unsigned char *b, size_t s)
{
	wr64(tensor_rec(b, s, 2) + 56, rd32(tensor_rec(b, s, 1) + 56));
}
static void p_misaligned(unsigned char *b, size_t s)
{
	unsigned char *t = tensor_rec(b, s, 2);

	wr64(t + 56, rd32(t + 56) + 4);
}
static void p_data_past_blob(unsigned char *b, size_t s)
{
	wr64(tensor_rec(b, s, 2) + 56, 1ull << 40);
}
/* x [1,3,8,8] -> [2^24, 2^24, 8, 8]: every dim legal, the product not. */
static void p_shape_overflow(unsigned char *b, size_t s)
{
	unsigned char *t = tensor_rec(b, s, 0);

	wr32(t + 16, 1u << 24);
	wr32(t + 20, 1u << 24);
}
static void p_dim_zero(unsigned char *b, size_t s) { wr32(tensor_rec(b, s, 0) + 24, 0); }
static void p_dim_huge(unsigned char *b, size_t s) { wr32(tensor_rec(b, s, 0) + 24, (1u << 24) + 1); }
static void p_unused_dim(unsigned char *b, size_t s) { wr32(tensor_rec(b, s, 0) + 36, 2); }
static void p_rank(unsigned char *b, size_t s) { wr32(tensor_rec(b, s, 0) + 12, 7); }
static void p_dtype(unsigned char *b, size_t s) { wr32(tensor_rec(b, s, 0) + 4, 99); }
static void p_tensor_flags(unsigned char *b, size_t s) { wr32(tensor_rec(b, s, 0) + 8, 0x11); }
static void p_const_input(unsigned char *b, size_t s) { wr32(tensor_rec(b, s, 1) + 8, RFX_TENSOR_CONST | RFX_TENSOR_INPUT); }
static void p_channel_scales(unsigned char *b, size_t s) { wr32(tensor_rec(b, s, 1) + 52, 5); }
/* The conv layer (0) reads its own output. */
static void p_cycle_self(unsigned char *b, size_t s)
{
	unsigned char *ix = section(b, s, RFX_SEC_INDICES);

	wr32(ix, rd32(ix + 12));
}
/* The conv layer reads the relu's output (a later layer). */
static void p_cycle_later(unsigned char *b, size_t s)
{
	unsigned char *ix = section(b, s, RFX_SEC_INDICES);

	wr32(ix, rd32(ix + 4 * 5));
}
static void p_index_range(unsigned char *b, size_t s)
{
	wr32(section(b, s, RFX_SEC_INDICES) + 4, 1000);
}
static void p_double_writer(unsigned char *b, size_t s)
{
	unsigned char *ix = section(b, s, RFX_SEC_INDICES);

	wr32(ix + 4 * 5, rd32(ix + 12)); /* relu writes conv's output */
}
static void p_layer_run(unsigned char *b, size_t s) { wr32(layer_rec(b, s, 1) + 20, 0); }
static void p_op(unsigned char *b, size_t s) { wr32(layer_rec(b, s, 1), 77); }
static void p_precision(unsigned char *b, size_t s) { wr32(layer_rec(b, s, 1) + 4, RFX_DTYPE_I32); }
static void p_n_inputs(unsigned char *b, size_t s) { wr32(layer_rec(b, s, 1) + 12, 100000); }
static void p_group(unsigned char *b, size_t s) { wr32(layer_rec(b, s, 0) + 24 + 4 * RFX_CONV_GROUP, 3); }
static void p_stride0(unsigned char *b, size_t s) { wr32(layer_rec(b, s, 0) + 24, 0); }
static void p_act(unsigned char *b, size_t s) { wr32(layer_rec(b, s, 1) + 24, 55); }
static void p_unused_attr(unsigned char *b, size_t s) { wr32(layer_rec(b, s, 1) + 24 + 4 * 9, 1); }
/* The conv output (tensor 3) recorded as [1,4,8,7]. */
static void p_wrong_shape(unsigned char *b, size_t s) { wr32(tensor_rec(b, s, 3) + 28, 7); }
/* conv.b -> conv.w: two tensors of one name. */
static void p_duplicate(unsigned char *b, size_t s)
{
	unsigned char *str = section(b, s, RFX_SEC_STRINGS);
	unsigned char *hit = find(str, 64, "conv.b", 7);

	ck_assert_ptr_nonnull(hit);
	hit[5] = 'w';
}
static void p_unterminated(unsigned char *b, size_t s)
{
	rfx_format_info info;

	rfx_format_info_read(b, s, &info);
	b[info.sections[RFX_SEC_STRINGS].offset +
	  info.sections[RFX_SEC_STRINGS].size - 1] = 'x';
}
static void p_string_index(unsigned char *b, size_t s) { wr32(tensor_rec(b, s, 0), 100000); }
/* conv.w holds 432 bytes; conv.b starts at 448: the gap must be zero. */
static void p_padding(unsigned char *b, size_t s)
{
	section(b, s, RFX_SEC_WEIGHTS)[440] = 1;
}
static void p_graph_input_range(unsigned char *b, size_t s) { wr32(section(b, s, RFX_SEC_INPUTS), 999); }
static void p_output_unflagged(unsigned char *b, size_t s) { wr32(section(b, s, RFX_SEC_OUTPUTS), 3); }

/* Metadata records, found by key. */
static unsigned char *meta_rec(unsigned char *b, size_t s, int k)
{
	return section(b, s, RFX_SEC_META) + 32 * k;
}
static void p_color(unsigned char *b, size_t s)
{
	unsigned char *str = section(b, s, RFX_SEC_STRINGS);
	unsigned char *hit = find(str, 2048, "bgr", 4);

	ck_assert_ptr_nonnull(hit);
	memcpy(hit, "xyz", 3);
}
static void p_labels_count(unsigned char *b, size_t s) { wr32(meta_rec(b, s, 0) + 8, 11); }
static void p_meta_type(unsigned char *b, size_t s) { wr32(meta_rec(b, s, 0) + 4, RFX_META_F32); }
/* The key "input.size" renamed "input.mean": a repeated key. */
static void p_meta_order(unsigned char *b, size_t s)
{
	unsigned char *hit = find(section(b, s, RFX_SEC_STRINGS), 2048,
				  "input.size", 11);

	ck_assert_ptr_nonnull(hit);
	memcpy(hit, "input.mean", 10);
}
static void p_scale_nan(unsigned char *b, size_t s) { wr32(meta_rec(b, s, 3) + 16, 0x7FC00000u); }
static void p_std_zero(unsigned char *b, size_t s) { wr32(meta_rec(b, s, 5) + 20, 0); }
static void p_golden_size(unsigned char *b, size_t s) { wr64(meta_rec(b, s, 11) + 24, 36); }

START_TEST(hostile_files)
{
	static const struct {
		patch_fn patch;
		rfx_status want;
		const char *needle;
	} cases[] = {
		{p_magic, RFX_E_FORMAT, "magic"},
		{p_version, RFX_E_UNSUPPORTED, "newer"},
		{p_version0, RFX_E_FORMAT, "version 0"},
		{p_header_size, RFX_E_FORMAT, "header size"},
		{p_flags, RFX_E_FORMAT, "flags"},
		{p_file_size, RFX_E_FORMAT, "file size"},
		{p_huge_tensor_count, RFX_E_FORMAT, "count 4294967295 exceeds"},
		{p_huge_string_count, RFX_E_FORMAT, "exceeds"},
		{p_count_mismatch, RFX_E_FORMAT, "entries of 104 bytes"},
		{p_offset_past_end, RFX_E_FORMAT, "metadata section at offset"},
		{p_size_past_end, RFX_E_FORMAT, "runs past the end"},
		{p_overlap, RFX_E_FORMAT, "overlaps"},
		{p_misaligned, RFX_E_FORMAT, "aligned"},
		{p_data_past_blob, RFX_E_FORMAT, "runs past the weights"},
		{p_shape_overflow, RFX_E_FORMAT, "elements, more than"},
		{p_dim_zero, RFX_E_FORMAT, "dim 2 is 0"},
		{p_dim_huge, RFX_E_FORMAT, "outside 1..16777216"},
		{p_unused_dim, RFX_E_FORMAT, "unused dim"},
		{p_rank, RFX_E_FORMAT, "rank 7"},
		{p_dtype, RFX_E_FORMAT, "unknown dtype 99"},
		{p_tensor_flags, RFX_E_FORMAT, "unknown flags"},
		{p_const_input, RFX_E_FORMAT, "constant cannot be"},
		{p_channel_scales, RFX_E_FORMAT, "quantization fields"},
		{p_cycle_self, RFX_E_FORMAT, "before any layer writes it"},
		{p_cycle_later, RFX_E_FORMAT, "before any layer writes it"},
		{p_index_range, RFX_E_FORMAT, "names tensor 1000"},
		{p_double_writer, RFX_E_FORMAT, "already written"},
		{p_layer_run, RFX_E_FORMAT, "index run"},
		{p_op, RFX_E_FORMAT, "unknown op 77"},
		{p_precision, RFX_E_FORMAT, "precision"},
		{p_n_inputs, RFX_E_FORMAT, "100000 inputs"},
		{p_group, RFX_E_FORMAT, "group 3 does not divide output channels 4"},
		{p_stride0, RFX_E_FORMAT, "stride_h 0 out of range"},
		{p_act, RFX_E_FORMAT, "activation 55"},
		{p_unused_attr, RFX_E_FORMAT, "unused attribute i[9]"},
		{p_wrong_shape, RFX_E_FORMAT, "rule gives"},
		{p_duplicate, RFX_E_FORMAT, "share the name 'conv.w'"},
		{p_unterminated, RFX_E_FORMAT, "not NUL-terminated"},
		{p_string_index, RFX_E_FORMAT, "string index 100000 out of range"},
		{p_padding, RFX_E_FORMAT, "padding"},
		{p_graph_input_range, RFX_E_FORMAT, "names tensor 999"},
		{p_output_unflagged, RFX_E_FORMAT, "not flagged"},
		{p_color, RFX_E_FORMAT, "not rgb or bgr"},
		{p_labels_count, RFX_E_FORMAT, "11 labels recorded"},
		{p_meta_type, RFX_E_FORMAT, "type"},
		{p_meta_order, RFX_E_FORMAT, "out of order"},
		{p_scale_nan, RFX_E_FORMAT, "input.scale"},
		{p_std_zero, RFX_E_FORMAT, "input.std"},
		{p_golden_size, RFX_E_FORMAT, "golden pair"},
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		hostile(cases[k].patch, cases[k].want, cases[k].needle);
}
END_TEST

START_TEST(reader_arguments)
{
	size_t size;
	unsigned char *b = classifier_bytes(&size);
	unsigned char *odd = malloc(size + 1);
	rfx_graph g;
	char err[128];

	ck_assert_int_eq(rfx_format_read(NULL, size, &g, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_format_read(b, size, NULL, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	/* Constants are used in place: the bytes must be aligned. */
	memcpy(odd + 1, b, size);
	ck_assert_int_eq(rfx_format_read(odd + 1, size, &g, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	/* A message never overflows a small buffer. */
	b[0] = 'Z';
	ck_assert_int_eq(rfx_format_read(b, size, &g, err, 8), RFX_E_FORMAT);
	ck_assert_uint_eq(strlen(err), 7);
	rfx_graph_finish(NULL);
	free(odd);
	free(b);
}
END_TEST

static Suite *format_hostile_suite(void)
{
	Suite *s = suite_create("format_hostile");
	TCase *tc = tcase_create("corruption");

	tcase_add_test(tc, every_truncation_fails);
	tcase_add_test(tc, bit_flips_are_caught_by_crc);
	tcase_add_test(tc, bit_flips_with_fixed_crc);
	tcase_add_test(tc, hostile_files);
	tcase_add_test(tc, reader_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(format_hostile_suite());
}
