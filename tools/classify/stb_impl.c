/* The stb implementations rfx-classify uses (Debian libstb-dev's headers),
 * built on their own without -Werror: their style is not ours to police.
 * stb_image decodes JPEG, PNG and BMP only, and refuses sides above
 * CLS_MAX_SIDE itself too. */
#include <stdlib.h>

#include "classify.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_FAILURE_USERMSG
#define STBI_MAX_DIMENSIONS CLS_MAX_SIDE
/* stb_image's internal asserts abort on some malformed JPEGs (an
 * incomplete Huffman table: a shift by 32 inside the assert; found by
 * tests/fuzz/fuzz_frame); a damaged file must fail to decode, not end the
 * process. */
#define STBI_ASSERT(x) ((void)0)
/* Zeroed memory: stb_image 2.27 takes state a damaged JPEG never sets (a
 * quantization table no DQT defines, a component no scan covers) from
 * memory it did not clear, so such a file decoded to whatever the heap
 * held. Zeroed, it decodes the same every time, and no earlier data shows
 * through. */
#define STBI_MALLOC(n) calloc(1, (n))
#define STBI_REALLOC(p, n) realloc((p), (n))
#define STBI_FREE(p) free(p)
#include <stb_image.h>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include <stb_easy_font.h>

/* stb_easy_font indexes its tables with (c - 32): only printable ASCII may
 * reach it (labels can hold UTF-8). */
static void printable(const char *text, char *out, size_t cap)
{
	size_t i = 0;

	for (; text[i] && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)text[i];
		out[i] = (c >= 32 && c < 127) ? (char)c : '?';
	}
	out[i] = '\0';
}

int cls_easy_font_quads(float x, float y, const char *text, void *buf,
                        int buf_bytes)
{
	char s[256];

	printable(text, s, sizeof(s));
	return stb_easy_font_print(x, y, s, NULL, buf, buf_bytes);
}

int cls_easy_font_width(const char *text)
{
	char s[256];

	printable(text, s, sizeof(s));
	return stb_easy_font_width(s);
}
