/*
 * npy.h — NumPy .npy files (format versions 1.0, 2.0, 3.0) for the tools
 * and tests: read little-endian '<f4', '<f2', '<f8', '<i8', '<i4', '|i1',
 * '|u1' arrays in C order, converted to float; write '<f4'.
 *
 * A file is untrusted input: the header is parsed strictly (a Python dict
 * literal with exactly the keys 'descr', 'fortran_order', 'shape'), every
 * dimension and the element count are checked for overflow and against
 * RFX_NPY_MAX_ELEMENTS, and the data must be exactly as long as the shape
 * says.
 */
#ifndef RFX_TOOLS_NPY_H
#define RFX_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "reflex.h"

#define RFX_NPY_MAX_RANK 8
#define RFX_NPY_MAX_ELEMENTS (1ull << 31)

typedef struct rfx_npy {
	char descr[8];       /* as in the file, e.g. "<f4", "|u1" */
	int is_float;        /* the file held floating-point values */
	uint32_t rank;       /* 0 for a scalar */
	uint64_t dims[RFX_NPY_MAX_RANK];
	uint64_t count;      /* product of dims (1 for a scalar) */
	float *data;         /* count values; '<f8' rounded to float, '<i8'
	                        and '<i4' rounded beyond 2^24 */
} rfx_npy;

/* Reads a .npy file / buffer into *out (free it with rfx_npy_finish).
 * Statuses: RFX_OK, RFX_E_INVALID_ARGUMENT (NULL), RFX_E_IO (unreadable
 * file), RFX_E_FORMAT (not a valid .npy, err says why), RFX_E_UNSUPPORTED
 * (a dtype or layout outside the list above, e.g. big-endian or Fortran
 * order), RFX_E_OUT_OF_MEMORY. On failure *out is zeroed. */
rfx_status rfx_npy_read_file(const char *path, rfx_npy *out, char *err,
                             size_t errlen);
rfx_status rfx_npy_read_memory(const void *bytes, size_t size, rfx_npy *out,
                               char *err, size_t errlen);

/* Frees the data and zeroes *a; NULL is allowed. */
void rfx_npy_finish(rfx_npy *a);

/* Writes count = product(dims) floats as a '<f4' C-order .npy file
 * (version 1.0, header padded to 64 bytes). Statuses: RFX_OK,
 * RFX_E_INVALID_ARGUMENT, RFX_E_IO (err names the path and the reason). */
rfx_status rfx_npy_write_f32(const char *path, const float *data,
                             uint32_t rank, const uint64_t *dims, char *err,
                             size_t errlen);

/* "[1,3,224,224]" into buf (for messages). */
void rfx_npy_shape_str(uint32_t rank, const uint64_t *dims, char *buf,
                       size_t len);

#endif
