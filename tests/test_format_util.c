/* What the format suites share (test_format_util.h). */
#include <stdlib.h>

#include "check_util.h"
#include "format/rfx_format.h"
#include "test_format_util.h"

tg *classifier(void)
{
	tg *b = malloc(sizeof(*b));

	ck_assert_ptr_nonnull(b);
	tg_classifier(b);
	return b;
}

/* The classifier as file bytes (64-byte aligned, free()). */
unsigned char *classifier_bytes(size_t *size)
{
	tg *b = classifier();
	void *bytes;
	char err[256];
	rfx_status st = rfx_format_write(&b->g, &bytes, size, err, sizeof(err));

	ck_assert_msg(st == RFX_OK, "write: %s", err);
	free(b);
	return bytes;
}

void wr32(unsigned char *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (unsigned char)(v >> (8 * k));
}

void wr64(unsigned char *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}
