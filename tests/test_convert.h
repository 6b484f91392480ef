/* Shared by the converter's test files. */
#ifndef RFX_TEST_CONVERT_H
#define RFX_TEST_CONVERT_H

#include <check.h>

#include "convert/convert.h"

/* Converts ONNX bytes, failing the test on an error. opt may be NULL. */
void tc_convert(const void *onnx, size_t size, const rfx_convert_options *opt,
                rfx_graph *g, rfx_convert_stats *stats);
/* Converts, expecting status `want`; the message goes into err. */
void tc_convert_fails(const void *onnx, size_t size,
                      const rfx_convert_options *opt, rfx_status want,
                      char *err, size_t errlen);
/* Runs g on the CPU backend through the public API (written to .rfx bytes,
 * loaded, a session run): inputs[i] are f32 arrays for graph input i.
 * Returns a malloc()ed copy of output `out` and its element count. */
float *tc_run(const rfx_graph *g, const float *const *inputs, uint32_t out,
              uint64_t *count);
/* |got - want| <= atol + rtol * |want| for every element. */
void tc_close(const float *got, const float *want, uint64_t n, double atol,
              double rtol, const char *what);
/* Layers of op `op` in g. */
uint32_t tc_count_op(const rfx_graph *g, rfx_op op);

TCase *tc_ops_case(void);
TCase *tc_errors_case(void);

#endif
