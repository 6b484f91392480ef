/* fuzz.h — the entry point every fuzz target defines (libFuzzer's), and
 * what the standalone replay/mutation driver (driver.c) calls. */
#ifndef RFX_TESTS_FUZZ_H
#define RFX_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
