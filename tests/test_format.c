/*
 * The .rfx format: round trips, canonical bytes, and a reader that refuses
 * every truncated, corrupted or hostile file with a reason and never
 * crashes. Then the model API on top of it.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "core/model.h"
#include "format/rfx_format.h"
#include "test_graph.h"

/* ------------------------------------------------------------------ */
/* Helpers */

static tg *classifier(void)
{
	tg *b = malloc(sizeof(*b));

	ck_assert_ptr_nonnull(b);
	tg_classifier(b);
	return b;
}

/* The classifier as file bytes (64-byte aligned, free()). */
static unsigned char *classifier_bytes(size_t *size)
{
	tg *b = classifier();
	void *bytes;
	char err[256];
	rfx_status st = rfx_format_write(&b->g, &bytes, size, err, sizeof(err));

	ck_assert_msg(st == RFX_OK, "write: %s", err);
	free(b);
	return bytes;
}

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

static void wr32(unsigned char *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (unsigned char)(v >> (8 * k));
}

static void wr64(unsigned char *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
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
/* Round trip */

START_TEST(crc32_matches_zlib)
{
	ck_assert_uint_eq(rfx_crc32(0, "123456789", 9), 0xCBF43926u);
	ck_assert_uint_eq(rfx_crc32(0, "", 0), 0);
	/* Streaming equals one shot, across the 8-byte fast path. */
	{
		static const char text[] = "The quick brown fox jumps over the lazy dog";
		uint32_t one = rfx_crc32(0, text, sizeof(text) - 1);
		uint32_t two = rfx_crc32(rfx_crc32(0, text, 13), text + 13,
					 sizeof(text) - 1 - 13);

		ck_assert_uint_eq(one, 0x414FA339u);
		ck_assert_uint_eq(two, one);
	}
}
END_TEST

START_TEST(roundtrip_fields_and_bytes)
{
	tg *b = classifier();
	void *b1, *b2;
	size_t s1, s2;
	char err[256];
	rfx_graph g;

	ck_assert_msg(rfx_format_write(&b->g, &b1, &s1, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_uint_eq((uintptr_t)b1 % 64, 0);
	ck_assert_msg(rfx_format_read(b1, s1, &g, err, sizeof(err)) == RFX_OK, "%s", err);

	ck_assert_uint_eq(g.n_tensors, b->g.n_tensors);
	ck_assert_uint_eq(g.n_layers, b->g.n_layers);
	ck_assert_uint_eq(g.n_inputs, 1);
	ck_assert_uint_eq(g.n_outputs, 1);
	ck_assert_uint_eq(g.inputs[0], b->g.inputs[0]);
	ck_assert_uint_eq(g.outputs[0], b->g.outputs[0]);
	for (uint32_t i = 0; i < g.n_tensors; i++) {
		const rfx_tensor *x = &g.tensors[i], *y = &b->g.tensors[i];

		ck_assert_str_eq(x->name, y->name);
		ck_assert_int_eq(x->dtype, y->dtype);
		ck_assert_uint_eq(x->flags, y->flags);
		ck_assert_uint_eq(x->rank, y->rank);
		ck_assert_mem_eq(x->dims, y->dims, sizeof(x->dims));
		ck_assert_uint_eq(x->channel_scales, UINT32_MAX);
		ck_assert_uint_eq(x->size, y->size);
		if (x->flags & RFX_TENSOR_CONST) {
			ck_assert_uint_eq((uintptr_t)x->data % 64, 0);
			ck_assert_mem_eq(x->data, y->data, x->size);
		} else {
			ck_assert_ptr_null(x->data);
		}
	}
	for (uint32_t i = 0; i < g.n_layers; i++) {
		const rfx_layer *x = &g.layers[i], *y = &b->g.layers[i];

		ck_assert_int_eq(x->op, y->op);
		ck_assert_int_eq(x->precision, y->precision);
		ck_assert_str_eq(x->name, y->name);
		ck_assert_uint_eq(x->n_inputs, y->n_inputs);
		ck_assert_uint_eq(x->n_outputs, 1);
		ck_assert_mem_eq(x->inputs, y->inputs, x->n_inputs * 4);
		ck_assert_uint_eq(x->outputs[0], y->outputs[0]);
		ck_assert_mem_eq(x->i, y->i, sizeof(x->i));
		ck_assert_mem_eq(x->f, y->f, sizeof(x->f));
	}
	ck_assert_str_eq(g.meta.labels, b->g.meta.labels);
	ck_assert_uint_eq(g.meta.n_labels, 10);
	ck_assert_str_eq(g.meta.color, "bgr");
	ck_assert_str_eq(g.meta.layout, "NCHW");
	ck_assert_float_eq(g.meta.scale, 1.0f / 255.0f);
	ck_assert_mem_eq(g.meta.mean, b->g.meta.mean, sizeof(g.meta.mean));
	ck_assert_mem_eq(g.meta.std, b->g.meta.std, sizeof(g.meta.std));
	ck_assert_uint_eq(g.meta.input_w, 8);
	ck_assert_uint_eq(g.meta.input_h, 8);
	ck_assert_str_eq(g.meta.converter, "rfx-convert test");
	ck_assert_str_eq(g.meta.source_name, "classifier.onnx");
	ck_assert_uint_eq(g.meta.source_hash, 0x0123456789abcdefull);
	ck_assert_uint_eq(g.meta.golden_input_size, 3 * 8 * 8 * 4);
	ck_assert_uint_eq(g.meta.golden_output_size, 10 * 4);
	ck_assert_mem_eq(g.meta.golden_input, b->g.meta.golden_input, 3 * 8 * 8 * 4);
	ck_assert_mem_eq(g.meta.golden_output, b->g.meta.golden_output, 40);

	/* Written again from what was read: the same bytes. */
	ck_assert_msg(rfx_format_write(&g, &b2, &s2, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_uint_eq(s1, s2);
	ck_assert_mem_eq(b1, b2, s1);
	rfx_graph_finish(&g);
	free(b2);
	/* And the same graph twice: the same bytes. */
	ck_assert_int_eq(rfx_format_write(&b->g, &b2, &s2, err, sizeof(err)), RFX_OK);
	ck_assert_uint_eq(s1, s2);
	ck_assert_mem_eq(b1, b2, s1);
	free(b2);
	free(b1);
	free(b);
}
END_TEST

START_TEST(roundtrip_minimal_metadata)
{
	tg *b = classifier();
	void *b1, *b2;
	size_t s1, s2;
	char err[256];
	rfx_graph g;

	memset(&b->g.meta, 0, sizeof(b->g.meta));
	ck_assert_msg(rfx_format_write(&b->g, &b1, &s1, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_int_eq(rfx_format_read(b1, s1, &g, err, sizeof(err)), RFX_OK);
	ck_assert_ptr_null(g.meta.labels);
	ck_assert_ptr_null(g.meta.color);
	ck_assert_ptr_null(g.meta.golden_input);
	ck_assert_float_eq(g.meta.scale, 0);
	ck_assert_int_eq(rfx_format_write(&g, &b2, &s2, err, sizeof(err)), RFX_OK);
	ck_assert_uint_eq(s1, s2);
	ck_assert_mem_eq(b1, b2, s1);
	rfx_graph_finish(&g);
	free(b1);
	free(b2);
	free(b);
}
END_TEST

START_TEST(writer_refuses_bad_graphs)
{
	tg *b = classifier();
	void *bytes = NULL;
	size_t size;
	char err[256] = "";

	ck_assert_int_eq(rfx_format_write(NULL, &bytes, &size, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_format_write(&b->g, NULL, &size, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	/* A constant whose data does not match its shape. */
	b->t[1].size -= 4;
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	ck_assert_ptr_nonnull(strstr(err, "conv.w"));
	b->t[1].size += 4;
	/* A bad attribute is the reader's verdict, passed on. */
	b->l[0].i[RFX_CONV_GROUP] = 2;
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_FORMAT);
	ck_assert_msg(strstr(err, "group 2 does not divide input channels 3"), "%s", err);
	b->l[0].i[RFX_CONV_GROUP] = 1;
	/* Labels that disagree with their count. */
	b->g.meta.n_labels = 9;
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	b->g.meta.n_labels = 10;
	/* A tensor without a name, or with an empty one. */
	b->t[4].name = NULL;
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_INVALID_ARGUMENT);
	b->t[4].name = "";
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_FORMAT);
	ck_assert_msg(strstr(err, "empty name"), "%s", err);
	b->t[4].name = b->names[4];
	/* A golden input of the wrong size. */
	b->g.meta.golden_input_size -= 4;
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, err, sizeof(err)),
			 RFX_E_FORMAT);
	ck_assert_msg(strstr(err, "golden"), "%s", err);
	ck_assert_ptr_null(bytes);
	free(b);
}
END_TEST

START_TEST(write_file_atomic)
{
	tg *b = classifier();
	char dir[] = "/tmp/rfx_fmt_XXXXXX", path[64], err[256];
	void *mem, *disk;
	size_t ms, ds;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.rfx", dir);
	ck_assert_msg(rfx_format_write_file(&b->g, path, err, sizeof(err)) == RFX_OK, "%s", err);
	/* Overwrite in place: still atomic, still the same bytes. */
	ck_assert_msg(rfx_format_write_file(&b->g, path, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_int_eq(rfx_format_write(&b->g, &mem, &ms, err, sizeof(err)), RFX_OK);
	ck_assert_int_eq(rfx_file_read(path, 1 << 20, &disk, &ds, err, sizeof(err)), RFX_OK);
	ck_assert_uint_eq((uintptr_t)disk % 64, 0);
	ck_assert_uint_eq(ms, ds);
	ck_assert_mem_eq(mem, disk, ms);
	free(disk);
	/* Too large for the limit: an I/O error naming the path. */
	ck_assert_int_eq(rfx_file_read(path, 16, &disk, &ds, err, sizeof(err)), RFX_E_IO);
	ck_assert_ptr_nonnull(strstr(err, path));
	/* A directory that does not exist. */
	snprintf(path, sizeof(path), "%s/no/such/dir.rfx", dir);
	ck_assert_int_eq(rfx_format_write_file(&b->g, path, err, sizeof(err)), RFX_E_IO);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	snprintf(path, sizeof(path), "%s/m.rfx", dir);
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0); /* no temporary file left behind */
	free(mem);
	free(b);
}
END_TEST

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

/* ------------------------------------------------------------------ */
/* Model API */

START_TEST(model_load_memory_cpu)
{
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	size_t size;
	unsigned char *b = classifier_bytes(&size);
	rfx_model *m = NULL;
	rfx_tensor_info info;
	rfx_preprocess pp;

	ck_assert_int_eq(rfx_model_load_memory(ctx, b, size, &m), RFX_OK);
	free(b); /* the model keeps its own copy */
	ck_assert_uint_eq(rfx_model_input_count(m), 1);
	ck_assert_uint_eq(rfx_model_output_count(m), 1);
	ck_assert_int_eq(rfx_model_input_info(m, 0, &info), RFX_OK);
	ck_assert_str_eq(info.name, "x");
	ck_assert_int_eq(info.dtype, RFX_DTYPE_F32);
	ck_assert_uint_eq(info.rank, 4);
	ck_assert_uint_eq(info.dims[1], 3);
	ck_assert_uint_eq(info.size_bytes, 3 * 8 * 8 * 4);
	ck_assert_int_eq(rfx_model_output_info(m, 0, &info), RFX_OK);
	ck_assert_str_eq(info.name, "prob");
	ck_assert_uint_eq(info.rank, 2);
	ck_assert_uint_eq(info.dims[1], 10);
	ck_assert_uint_eq(info.size_bytes, 40);
	ck_assert_int_eq(rfx_model_input_info(m, 1, &info), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_output_info(m, 0, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_preprocess(m, &pp), RFX_OK);
	ck_assert_str_eq(pp.color, "bgr");
	ck_assert_float_eq(pp.scale, 1.0f / 255.0f);
	ck_assert_float_eq(pp.mean[1], 0.456f);
	ck_assert_float_eq(pp.std[2], 0.225f);
	ck_assert_uint_eq(pp.channels, 3);
	ck_assert_uint_eq(pp.width, 8);
	ck_assert_uint_eq(pp.height, 8);
	ck_assert_uint_eq(rfx_model_label_count(m), 10);
	ck_assert_str_eq(rfx_model_label(m, 0), "zero");
	ck_assert_str_eq(rfx_model_label(m, 9), "nine");
	ck_assert_ptr_null(rfx_model_label(m, 10));
	ck_assert_ptr_null(rfx_model_label(NULL, 0));
	ck_assert_uint_eq(rfx_model_label_count(NULL), 0);

	/* Live sessions: destroy refuses (and says so) instead of freeing. */
	atomic_store(&m->sessions, 1);
	rfx_model_destroy(m);
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(ctx), "sessions"));
	ck_assert_uint_eq(rfx_model_label_count(m), 10); /* still alive */
	atomic_store(&m->sessions, 0);
	rfx_model_destroy(m);
	rfx_model_destroy(NULL);
	test_context_done(ctx);
}
END_TEST

START_TEST(model_defaults_without_metadata)
{
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	tg *b = classifier();
	void *bytes;
	size_t size;
	rfx_model *m;
	rfx_preprocess pp;

	memset(&b->g.meta, 0, sizeof(b->g.meta));
	ck_assert_int_eq(rfx_format_write(&b->g, &bytes, &size, NULL, 0), RFX_OK);
	ck_assert_int_eq(rfx_model_load_memory(ctx, bytes, size, &m), RFX_OK);
	ck_assert_int_eq(rfx_model_preprocess(m, &pp), RFX_OK);
	ck_assert_str_eq(pp.color, "rgb");
	ck_assert_float_eq(pp.scale, 1.0f);
	ck_assert_float_eq(pp.mean[0], 0.0f);
	ck_assert_float_eq(pp.std[0], 1.0f);
	ck_assert_uint_eq(pp.width, 8);
	ck_assert_uint_eq(rfx_model_label_count(m), 0);
	ck_assert_ptr_null(rfx_model_label(m, 0));
	rfx_model_destroy(m);
	free(bytes);
	free(b);
	test_context_done(ctx);
}
END_TEST

START_TEST(model_load_file_cpu)
{
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	tg *b = classifier();
	char dir[] = "/tmp/rfx_model_XXXXXX", path[64], err[256];
	rfx_model *m = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.rfx", dir);
	ck_assert_msg(rfx_format_write_file(&b->g, path, err, sizeof(err)) == RFX_OK, "%s", err);
	ck_assert_int_eq(rfx_model_load_file(ctx, path, &m), RFX_OK);
	ck_assert_uint_eq(rfx_model_label_count(m), 10);
	rfx_model_destroy(m);
	unlink(path);

	/* Missing: RFX_E_IO naming the path and the reason. */
	m = NULL;
	ck_assert_int_eq(rfx_model_load_file(ctx, path, &m), RFX_E_IO);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(ctx), path));
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(ctx), "No such file"));
	/* A directory is not a model. */
	ck_assert_int_eq(rfx_model_load_file(ctx, dir, &m), RFX_E_IO);
	ck_assert_int_eq(rmdir(dir), 0);
	test_context_done(ctx);
	free(b);
}
END_TEST

START_TEST(model_bad_arguments_and_files)
{
	rfx_context *ctx = test_context(RFX_BACKEND_CPU);
	size_t size;
	unsigned char *b = classifier_bytes(&size);
	rfx_model *m = NULL;

	ck_assert_int_eq(rfx_model_load_file(NULL, "x.rfx", &m), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_load_file(ctx, NULL, &m), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_load_file(ctx, "x.rfx", NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_load_memory(NULL, b, size, &m), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_load_memory(ctx, NULL, size, &m), RFX_E_INVALID_ARGUMENT);
	ck_assert_int_eq(rfx_model_load_memory(ctx, b, size, NULL), RFX_E_INVALID_ARGUMENT);
	ck_assert_uint_eq(rfx_model_input_count(NULL), 0);
	ck_assert_int_eq(rfx_model_preprocess(NULL, NULL), RFX_E_INVALID_ARGUMENT);
	/* Unaligned caller memory is fine: the model copies it. */
	{
		unsigned char *odd = malloc(size + 3);

		memcpy(odd + 3, b, size);
		ck_assert_int_eq(rfx_model_load_memory(ctx, odd + 3, size, &m), RFX_OK);
		rfx_model_destroy(m);
		free(odd);
	}
	/* Corrupt: the last error names the failed check. */
	b[size - 1] ^= 1;
	m = NULL;
	ck_assert_int_eq(rfx_model_load_memory(ctx, b, size, &m), RFX_E_FORMAT);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(rfx_context_last_error(ctx), "CRC"));
	b[size - 1] ^= 1;
	wr32(b + RFX_HDR_VERSION, 9);
	ck_assert_int_eq(rfx_model_load_memory(ctx, b, size, &m), RFX_E_UNSUPPORTED);
	ck_assert_int_eq(rfx_model_load_memory(ctx, b, 0, &m), RFX_E_FORMAT);
	free(b);
	test_context_done(ctx);
}
END_TEST

START_TEST(model_load_vulkan)
{
	rfx_context *ctx = test_context(RFX_BACKEND_VULKAN);
	size_t size;
	unsigned char *b = classifier_bytes(&size);
	rfx_model *m = NULL;

	ck_assert_msg(rfx_model_load_memory(ctx, b, size, &m) == RFX_OK, "%s",
		      rfx_context_last_error(ctx));
	ck_assert_ptr_nonnull(m->vk);
	ck_assert_uint_eq(rfx_model_label_count(m), 10);
	rfx_model_destroy(m);
	free(b);
	test_context_done(ctx);
}
END_TEST

static Suite *format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_add_test(tc, crc32_matches_zlib);
	tcase_add_test(tc, roundtrip_fields_and_bytes);
	tcase_add_test(tc, roundtrip_minimal_metadata);
	tcase_add_test(tc, writer_refuses_bad_graphs);
	tcase_add_test(tc, write_file_atomic);
	suite_add_tcase(s, tc);

	tc = tcase_create("corruption");
	tcase_add_test(tc, every_truncation_fails);
	tcase_add_test(tc, bit_flips_are_caught_by_crc);
	tcase_add_test(tc, bit_flips_with_fixed_crc);
	tcase_add_test(tc, hostile_files);
	tcase_add_test(tc, reader_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_add_test(tc, model_load_memory_cpu);
	tcase_add_test(tc, model_defaults_without_metadata);
	tcase_add_test(tc, model_load_file_cpu);
	tcase_add_test(tc, model_bad_arguments_and_files);
	tcase_add_test(tc, model_load_vulkan);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(format_suite());
}
