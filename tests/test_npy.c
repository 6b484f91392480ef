/*
 * tools/npy.c: NumPy's own files (tests/data/npy, written by make.py) read
 * back to the values NumPy wrote; the writer's files read back; and
 * hostile headers refused with the right status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "npy.h"

static char *data_path(const char *name)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/npy/%s", getenv("TEST_DATA"), name);
	return path;
}

static void read_ok(const char *name, rfx_npy *a)
{
	char err[256] = "";
	rfx_status st = rfx_npy_read_file(data_path(name), a, err, sizeof(err));

	ck_assert_msg(st == RFX_OK, "%s: %s", name, err);
}

START_TEST(test_numpy_files)
{
	rfx_npy a;

	read_ok("f4.npy", &a);
	ck_assert_str_eq(a.descr, "<f4");
	ck_assert(a.is_float);
	ck_assert_uint_eq(a.rank, 2);
	ck_assert_uint_eq(a.dims[0], 2);
	ck_assert_uint_eq(a.dims[1], 3);
	ck_assert_uint_eq(a.count, 6);
	for (int k = 0; k < 6; k++)
		ck_assert_float_eq(a.data[k], (float)k * 0.5f - 1);
	rfx_npy_finish(&a);

	read_ok("f2.npy", &a);
	ck_assert_float_eq(a.data[0], 1.5f);
	ck_assert_float_eq(a.data[1], -2.0f);
	ck_assert_float_eq(a.data[2], 65504.0f);
	ck_assert_float_eq(a.data[3], 0x1p-24f);
	rfx_npy_finish(&a);

	read_ok("f8.npy", &a);
	ck_assert_float_eq(a.data[0], 0.1f); /* rounded to float */
	ck_assert_float_eq(a.data[1], -3.25f);
	rfx_npy_finish(&a);

	read_ok("i8.npy", &a);
	ck_assert(!a.is_float);
	ck_assert_uint_eq(a.rank, 2);
	ck_assert_float_eq(a.data[0], -5.0f);
	ck_assert_float_eq(a.data[1], 7.0f);
	rfx_npy_finish(&a);

	read_ok("i4.npy", &a);
	ck_assert_float_eq(a.data[1], -2.0f);
	rfx_npy_finish(&a);
	read_ok("i1.npy", &a);
	ck_assert_float_eq(a.data[0], -128.0f);
	ck_assert_float_eq(a.data[1], 127.0f);
	rfx_npy_finish(&a);
	read_ok("u1.npy", &a);
	ck_assert_float_eq(a.data[1], 255.0f);
	rfx_npy_finish(&a);

	read_ok("scalar.npy", &a);
	ck_assert_uint_eq(a.rank, 0);
	ck_assert_uint_eq(a.count, 1);
	ck_assert_float_eq(a.data[0], 2.5f);
	rfx_npy_finish(&a);
	read_ok("empty.npy", &a);
	ck_assert_uint_eq(a.count, 0);
	rfx_npy_finish(&a);
	read_ok("v2.npy", &a);
	ck_assert_uint_eq(a.count, 4);
	ck_assert_float_eq(a.data[3], 3.0f);
	rfx_npy_finish(&a);
}
END_TEST

START_TEST(test_unsupported_files)
{
	char err[256];
	rfx_npy a;

	ck_assert_int_eq(rfx_npy_read_file(data_path("fortran.npy"), &a, err, sizeof(err)),
			 RFX_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err, "Fortran"));
	ck_assert_ptr_null(a.data);
	ck_assert_int_eq(rfx_npy_read_file(data_path("big_endian.npy"), &a, err, sizeof(err)),
			 RFX_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err, "big-endian"));
	ck_assert_int_eq(rfx_npy_read_file(data_path("bool.npy"), &a, err, sizeof(err)),
			 RFX_E_UNSUPPORTED);
	ck_assert_int_eq(rfx_npy_read_file(data_path("missing.npy"), &a, err, sizeof(err)),
			 RFX_E_IO);
	ck_assert_int_eq(rfx_npy_read_file(getenv("TEST_DATA"), &a, err, sizeof(err)),
			 RFX_E_IO); /* a directory */
}
END_TEST

/* A version-1 file: magic, header, data. */
static size_t make(unsigned char *buf, const char *header, const void *data,
                   size_t data_size)
{
	size_t h = strlen(header);

	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (unsigned char)(h & 0xff);
	buf[9] = (unsigned char)(h >> 8);
	memcpy(buf + 10, header, h);
	memcpy(buf + 10 + h, data, data_size);
	return 10 + h + data_size;
}

START_TEST(test_hostile_headers)
{
	static const struct {
		const char *header;
		size_t data;
		rfx_status st;
	} cases[] = {
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, RFX_OK},
		{"{\"descr\": \"<f4\", \"shape\": (2,), \"fortran_order\": False}\n", 8, RFX_OK},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8, RFX_E_FORMAT},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8, RFX_E_FORMAT},
		{"{'descr': '<f4', 'fortran_order': False}", 4, RFX_E_FORMAT},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4, RFX_E_FORMAT},
		{"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 4, RFX_E_FORMAT},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4, RFX_E_FORMAT},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }", 4, RFX_E_FORMAT},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 4, RFX_E_FORMAT},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4, RFX_E_FORMAT},
		{"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", 4, RFX_E_FORMAT},
		{"{'descr': '<f\\4', 'fortran_order': False, 'shape': (1,), }", 4, RFX_E_UNSUPPORTED},
		{"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4, RFX_E_UNSUPPORTED},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x", 4, RFX_E_FORMAT},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ", 4, RFX_E_FORMAT},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2", 8, RFX_E_FORMAT},
		{"['descr', '<f4']", 4, RFX_E_FORMAT},
		{"{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", 8, RFX_E_UNSUPPORTED},
	};
	static const float data[4] = {1, 2, 3, 4};
	unsigned char buf[512];
	char err[256];
	rfx_npy a;

	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		size_t n = make(buf, cases[k].header, data, cases[k].data);
		err[0] = '\0';
		rfx_status st = rfx_npy_read_memory(buf, n, &a, err, sizeof(err));
		ck_assert_msg(st == cases[k].st, "case %u (%s): %s, %s", k, cases[k].header,
			      rfx_status_str(st), err);
		if (st == RFX_OK) {
			ck_assert_float_eq(a.data[1], 2.0f);
		} else {
			ck_assert_ptr_null(a.data);
			ck_assert(err[0] != '\0');
		}
		rfx_npy_finish(&a);
	}
	/* truncations of a valid file: all refused, none read out of bounds */
	size_t n = make(buf, cases[0].header, data, 8);
	for (size_t len = 0; len < n; len++)
		ck_assert_int_ne(rfx_npy_read_memory(buf, len, &a, err, sizeof(err)), RFX_OK);
	/* a header length beyond the file */
	buf[8] = 0xff;
	buf[9] = 0x7f;
	ck_assert_int_eq(rfx_npy_read_memory(buf, n, &a, err, sizeof(err)), RFX_E_FORMAT);
	/* bad magic, unknown version */
	n = make(buf, cases[0].header, data, 8);
	buf[1] = 'X';
	ck_assert_int_eq(rfx_npy_read_memory(buf, n, &a, err, sizeof(err)), RFX_E_FORMAT);
	buf[1] = 'N';
	buf[6] = 9;
	ck_assert_int_eq(rfx_npy_read_memory(buf, n, &a, err, sizeof(err)), RFX_E_UNSUPPORTED);
	ck_assert_int_eq(rfx_npy_read_memory(NULL, 0, &a, err, sizeof(err)), RFX_E_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_write_read_back)
{
	const uint64_t d3[3] = {2, 1, 3}, d1[1] = {5};
	float v[6] = {1.5f, -0.0f, 3e38f, 1e-40f, -7, 0.1f};
	char path[1024], err[256];
	rfx_npy a;
	FILE *f;

	snprintf(path, sizeof(path), "%s/test_npy_%d.npy", getenv("TEST_BUILD"), (int)getpid());
	for (int rank = 0; rank <= 3; rank += 1) {
		const uint64_t *dims = rank == 3 ? d3 : d1;
		uint64_t count = rank == 0 ? 1 : rank == 3 ? 6 : 5;
		if (rank == 2)
			continue;
		ck_assert_int_eq(rfx_npy_write_f32(path, v, (uint32_t)rank, dims, err, sizeof(err)),
				 RFX_OK);
		/* NumPy's layout: the data starts at a multiple of 64 */
		f = fopen(path, "rb");
		ck_assert_ptr_nonnull(f);
		fseek(f, 0, SEEK_END);
		ck_assert_uint_eq(((uint64_t)ftell(f) - count * 4) % 64, 0);
		fclose(f);
		ck_assert_int_eq(rfx_npy_read_file(path, &a, err, sizeof(err)), RFX_OK);
		ck_assert_uint_eq(a.rank, (uint32_t)rank);
		ck_assert_uint_eq(a.count, count);
		ck_assert_mem_eq(a.data, v, count * sizeof(float)); /* bits, -0 too */
		rfx_npy_finish(&a);
	}
	remove(path);
	ck_assert_int_eq(rfx_npy_write_f32("/nonexistent-dir/x.npy", v, 1, d1, err, sizeof(err)),
			 RFX_E_IO);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x.npy"));
}
END_TEST

static Suite *npy_suite(void)
{
	Suite *s = suite_create("npy");
	TCase *tc = tcase_create("npy");

	tcase_add_test(tc, test_numpy_files);
	tcase_add_test(tc, test_unsupported_files);
	tcase_add_test(tc, test_hostile_headers);
	tcase_add_test(tc, test_write_read_back);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(npy_suite());
}
