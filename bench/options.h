/* Command-line values shared by the bench tools (rfx-bench's options.c
 * defines them; rfx-soak uses them too). Each returns 0 with *out set, or
 * prints "<prog>: <option> ..., not '<value>'" on stderr and returns -1. */
#ifndef RFX_BENCH_OPTIONS_H
#define RFX_BENCH_OPTIONS_H

#include <stdint.h>

#include "reflex.h"

/* A decimal integer in lo..hi: no sign, nothing after the digits. */
int bench_parse_u64(const char *prog, const char *opt, const char *s,
                    uint64_t lo, uint64_t hi, uint64_t *out);
/* A finite number in lo..hi. */
int bench_parse_double(const char *prog, const char *opt, const char *s,
                       double lo, double hi, double *out);
/* --backend: "vulkan" or "cpu". */
int bench_parse_backend(const char *prog, const char *s, rfx_backend *out);

#endif
