/* Image decoding for every source: files, camera MJPEG frames. stb_image
 * does the decoding; this file refuses what stb would take on trust (sizes
 * beyond CLS_MAX_SIDE, truncated files it fills in silently) with a
 * message a user can act on. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb_image.h>

#include "classify.h"

void cls_frame_finish(cls_frame *f)
{
	if (!f)
		return;
	free(f->px);
	f->px = NULL;
}

void cls_frame_fail(cls_frame *f, rfx_status st, const char *fmt, ...)
{
	va_list ap;

	free(f->px);
	f->px = NULL;
	f->status = st;
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
}

uint32_t cls_pixel_bytes(rfx_pixel_format f)
{
	switch (f) {
	case RFX_PIXEL_RGB24:
	case RFX_PIXEL_BGR24: return 3;
	case RFX_PIXEL_GRAY8: return 1;
	case RFX_PIXEL_YUYV: return 2;
	case RFX_PIXEL_RGBA32: return 4;
	default: return 0;
	}
}

static const char *const pixel_names[] = {
	[RFX_PIXEL_RGB24] = "rgb24", [RFX_PIXEL_BGR24] = "bgr24",
	[RFX_PIXEL_GRAY8] = "gray8", [RFX_PIXEL_YUYV] = "yuyv",
	[RFX_PIXEL_RGBA32] = "rgba32",
};

const char *cls_pixel_name(rfx_pixel_format f)
{
	if ((unsigned)f < sizeof(pixel_names) / sizeof(pixel_names[0]) &&
	    pixel_names[f])
		return pixel_names[f];
	return "none";
}

rfx_pixel_format cls_pixel_parse(const char *s)
{
	for (unsigned i = 1; i < sizeof(pixel_names) / sizeof(pixel_names[0]); i++)
		if (pixel_names[i] && strcmp(s, pixel_names[i]) == 0)
			return (rfx_pixel_format)i;
	return RFX_PIXEL_NONE;
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

enum kind { K_UNKNOWN, K_PNG, K_JPEG, K_BMP };

static enum kind sniff(const uint8_t *d, size_t n)
{
	static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

	if (n >= 8 && memcmp(d, png_sig, 8) == 0)
		return K_PNG;
	if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return K_JPEG;
	if (n >= 2 && d[0] == 'B' && d[1] == 'M')
		return K_BMP;
	return K_UNKNOWN;
}

/* Markers without a length field. */
static int standalone(uint8_t m)
{
	return m == 0x01 || m == 0xd8 || m == 0xd9 || (m >= 0xd0 && m <= 0xd7);
}

static int is_sof(uint8_t m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

/* Walks a JPEG's marker segments from after SOI up to the first scan.
 * Returns the offset just past the SOS header (0 if none is reached inside
 * the data) and reports a DHT and the SOF's size on the way. */
static size_t jpeg_walk(const uint8_t *d, size_t n, int *has_dht, uint32_t *w,
                        uint32_t *h)
{
	size_t p = 2;

	while (p + 4 <= n) {
		if (d[p] != 0xff)
			return 0;
		uint8_t m = d[p + 1];
		if (m == 0xff) { /* fill byte */
			p++;
			continue;
		}
		if (standalone(m)) {
			p += 2;
			continue;
		}
		uint32_t len = be16(d + p + 2);
		if (len < 2 || p + 2 + len > n)
			return 0;
		if (m == 0xc4 && has_dht)
			*has_dht = 1;
		if (is_sof(m) && len >= 7 && w && h) {
			*h = be16(d + p + 5);
			*w = be16(d + p + 7);
		}
		p += 2 + len;
		if (m == 0xda)
			return p;
	}
	return 0;
}

/* Whether every Huffman table (DHT) of the JPEG holds at most 256 codes
 * and lies inside its segment and the data: Debian's stb_image (2.26) does
 * not check the count and writes past its tables (found by
 * tests/fuzz/fuzz_frame; stb upstream added the check later), and reads a
 * cut-short table on as zeros. Deliberately conservative: every FF C4 in
 * the data is taken for a DHT, wherever it is (stb skips junk between
 * segments, so a walk of the segments could miss one stb reads; entropy-
 * coded data never holds FF C4, as FF is stuffed as FF 00 there, and an
 * embedded thumbnail's tables are valid ones). */
static int jpeg_tables_ok(const uint8_t *d, size_t n)
{
	for (size_t p = 2; p + 1 < n; p++) {
		if (d[p] != 0xff || d[p + 1] != 0xc4)
			continue;
		if (p + 4 > n)
			return 0;
		size_t q = p + 4, end = p + 2 + be16(d + p + 2);
		if (end > n)
			return 0;
		while (q < end) {
			size_t codes = 0;
			if (q + 17 > end)
				return 0;
			for (int i = 1; i <= 16; i++)
				codes += d[q + i];
			if (codes > 256 || q + 17 + codes > end)
				return 0;
			q += 17 + codes;
		}
	}
	return 1;
}

/* Where stb_image resumes after a scan's entropy-coded data: the first
 * marker that is not a stuffed FF 00 or a restart marker (its decoder
 * reads no byte past such a marker; FF fill bytes before a code belong to
 * the marker). */
static size_t after_scan(const uint8_t *d, size_t n, size_t p)
{
	for (; p + 1 < n; p++) {
		if (d[p] != 0xff)
			continue;
		size_t q = p + 1;
		while (q < n && d[q] == 0xff)
			q++;
		if (q < n && d[q] != 0x00 && (d[q] < 0xd0 || d[q] > 0xd7))
			return q - 1;
		p = q;
	}
	return n;
}

/* 0 when every scan uses only Huffman tables a DHT defined before it;
 * else -1 with the reason in why. Debian's stb_image (2.27) keeps its
 * decoder state in uninitialized memory and does not check the symbol index
 * it computes from a table (upstream added the check later): a scan on a
 * table no DHT defined reads outside the table. This follows stb's own walk
 * of the markers (stbi__decode_jpeg_header, stbi__decode_jpeg_image):
 * wherever stb stops with an error, no table is used after that point, so
 * the rest is left to stb. Baseline scans use their DC and AC tables;
 * progressive ones the DC table (first DC scans) or the AC table. */
static int jpeg_undefined_table(const uint8_t *d, size_t n, char *why,
                                size_t cap)
{
	int defined[2][4] = {{0}}, progressive = -1; /* -1: before SOF */
	size_t p = 2;

	for (;;) {
		if (progressive < 0 && p > 2) /* stb skips junk here */
			while (p < n && d[p] != 0xff)
				p++;
		if (p + 4 > n || d[p] != 0xff)
			return 0; /* stb fails here (a scan needs more bytes) */
		while (p + 4 <= n && d[p + 1] == 0xff)
			p++;
		if (p + 4 > n)
			return 0; /* fill bytes up to the end (found by fuzz_frame) */
		uint8_t m = d[p + 1];
		size_t len = be16(d + p + 2), end = p + 2 + len;
		if (m == 0xd9)
			return 0;
		if (m == 0xda && progressive >= 0 && end > n) {
			/* stb would read the missing bytes as zeros. */
			snprintf(why, cap, "truncated JPEG (a scan header runs past the end)");
			return -1;
		}
		if (len < 2 || end > n)
			return 0;
		if (m == 0xc0 || m == 0xc1 || m == 0xc2) {
			if (progressive >= 0)
				return 0;
			progressive = m == 0xc2;
		} else if (m == 0xc4) {
			for (size_t q = p + 4; q + 17 <= end;) {
				uint32_t tc = d[q] >> 4, th = d[q] & 15, codes = 0;
				if (tc > 1 || th > 3)
					return 0;
				for (int i = 1; i <= 16; i++)
					codes += d[q + i];
				defined[tc][th] = 1;
				q += 17 + codes;
			}
		} else if (m == 0xda && progressive >= 0) {
			if (len < 8)
				return 0; /* stb refuses it: no component */
			uint32_t ns = d[p + 4];
			if (len != 6 + 2 * ns)
				return 0;
			uint32_t ss = d[p + 5 + 2 * ns], ah = d[p + 7 + 2 * ns] >> 4;
			int dc = !progressive || (ss == 0 && ah == 0);
			int ac = !progressive || ss != 0;
			for (uint32_t i = 0; i < ns; i++) {
				uint32_t td = d[p + 6 + 2 * i] >> 4, ta = d[p + 6 + 2 * i] & 15;
				if (td > 3 || ta > 3)
					return 0;
				if ((dc && !defined[0][td]) || (ac && !defined[1][ta])) {
					int is_dc = dc && !defined[0][td];
					snprintf(why, cap, "damaged JPEG (a scan uses Huffman "
						 "table %s %u, which no DHT defines)",
						 is_dc ? "DC" : "AC", is_dc ? td : ta);
					return -1;
				}
			}
			p = after_scan(d, n, end);
			continue;
		} else if (!(m == 0xdb || m == 0xdd || (m == 0xdc && progressive >= 0) ||
			     (m >= 0xe0 && m <= 0xef) || m == 0xfe)) {
			return 0; /* stb's "unknown marker" */
		}
		p = end;
	}
}

/* The size from the header, without stb_image; 0 when found. */
static int header_size(enum kind k, const uint8_t *d, size_t n, uint32_t *w,
                       uint32_t *h)
{
	switch (k) {
	case K_PNG:
		if (n < 24 || memcmp(d + 12, "IHDR", 4) != 0)
			return -1;
		*w = be32(d + 16);
		*h = be32(d + 20);
		return 0;
	case K_BMP:
		if (n < 26)
			return -1;
		if (le32(d + 14) == 12) { /* OS/2 header: 16-bit sizes */
			*w = le16(d + 18);
			*h = le16(d + 20);
			return 0;
		}
		int32_t sw = (int32_t)le32(d + 18), sh = (int32_t)le32(d + 22);
		if (sw < 0 || sh == INT32_MIN)
			return -1;
		*w = (uint32_t)sw;
		*h = (uint32_t)(sh < 0 ? -sh : sh); /* negative: top-down rows */
		return 0;
	case K_JPEG: {
		uint32_t jw = 0, jh = 0;
		jpeg_walk(d, n, NULL, &jw, &jh);
		if (jw == 0 && jh == 0)
			return -1;
		*w = jw;
		*h = jh;
		return 0;
	}
	default:
		return -1;
	}
}

/* NULL when the file is complete as far as its structure tells; else why
 * it is not. stb_image decodes a JPEG or BMP cut short without complaint,
 * filling the missing part in. */
static const char *truncation(enum kind k, const uint8_t *d, size_t n)
{
	switch (k) {
	case K_PNG: {
		uint64_t p = 8;
		while (p + 12 <= n) {
			uint64_t len = be32(d + p);
			if (memcmp(d + p + 4, "IEND", 4) == 0)
				return NULL;
			p += 12 + len;
		}
		return "truncated PNG (it ends before its IEND chunk)";
	}
	case K_JPEG: {
		size_t p = jpeg_walk(d, n, NULL, NULL, NULL);
		if (p == 0)
			return "truncated or damaged JPEG (no complete scan header)";
		/* Entropy-coded data never holds FF D9: FF is stuffed as FF 00. */
		for (; p + 1 < n; p++)
			if (d[p] == 0xff && d[p + 1] == 0xd9)
				return NULL;
		return "truncated JPEG (no end-of-image marker)";
	}
	case K_BMP: {
		if (n < 34 || le32(d + 14) < 40)
			return NULL; /* OS/2 or a short header: stb decides */
		uint64_t off = le32(d + 10);
		int32_t sw = (int32_t)le32(d + 18), sh = (int32_t)le32(d + 22);
		uint64_t bpp = le16(d + 28), comp = le32(d + 30);
		if (comp != 0 && comp != 3)
			return NULL; /* RLE: its length is in the stream */
		uint64_t ah = sh < 0 ? (uint64_t)(-(int64_t)sh) : (uint64_t)sh;
		uint64_t row = ((uint64_t)(sw < 0 ? 0 : sw) * bpp + 31) / 32 * 4;
		if (off + row * ah > n)
			return "truncated BMP (shorter than its pixel rows)";
		return NULL;
	}
	default:
		return NULL;
	}
}

/* Averages k x k blocks: w x h x c -> (w/k) x (h/k) x c. A side shorter
 * than k is averaged whole (one pixel), so a long thin image keeps a row
 * or column instead of shrinking to nothing. */
static uint8_t *box_shrink(const uint8_t *px, uint32_t w, uint32_t h,
                           uint32_t c, uint32_t k, uint32_t *ow, uint32_t *oh)
{
	uint32_t kx = k < w ? k : w, ky = k < h ? k : h;
	uint32_t nw = w / kx, nh = h / ky;
	uint64_t area = (uint64_t)kx * ky;
	uint8_t *out = malloc((size_t)nw * nh * c);

	if (!out)
		return NULL;
	for (uint32_t y = 0; y < nh; y++)
		for (uint32_t x = 0; x < nw; x++)
			for (uint32_t ch = 0; ch < c; ch++) {
				uint64_t sum = 0;
				for (uint32_t j = 0; j < ky; j++) {
					const uint8_t *r = px + ((size_t)(y * ky + j) * w + (size_t)x * kx) * c + ch;
					for (uint32_t i = 0; i < kx; i++)
						sum += r[(size_t)i * c];
				}
				out[((size_t)y * nw + x) * c + ch] =
					(uint8_t)((sum + area / 2) / area);
			}
	*ow = nw;
	*oh = nh;
	return out;
}

rfx_status cls_decode_image(const uint8_t *data, size_t len, int channels,
                            cls_frame *f)
{
	enum kind k = sniff(data, len);
	uint32_t w = 0, h = 0;
	int iw, ih, n;
	const char *why;
	char reason[96];

	if (len == 0) {
		cls_frame_fail(f, RFX_E_IO, "empty file (0 bytes)");
		return f->status;
	}
	if (len > INT_MAX) {
		cls_frame_fail(f, RFX_E_IO, "file too large (%zu bytes)", len);
		return f->status;
	}
	if (k == K_UNKNOWN) {
		cls_frame_fail(f, RFX_E_IO, "not a JPEG, PNG or BMP image");
		return f->status;
	}
	if (header_size(k, data, len, &w, &h) != 0) {
		cls_frame_fail(f, RFX_E_IO, "damaged %s header",
			       k == K_PNG ? "PNG" : k == K_JPEG ? "JPEG" : "BMP");
		return f->status;
	}
	if (w == 0 || h == 0) {
		cls_frame_fail(f, RFX_E_IO, "zero-sized image (%ux%u)", w, h);
		return f->status;
	}
	if (w > CLS_MAX_SIDE || h > CLS_MAX_SIDE) {
		cls_frame_fail(f, RFX_E_UNSUPPORTED,
			       "image too large: %ux%u pixels (at most %u per side)",
			       w, h, CLS_MAX_SIDE);
		return f->status;
	}
	if ((why = truncation(k, data, len))) {
		cls_frame_fail(f, RFX_E_IO, "%s", why);
		return f->status;
	}
	if (k == K_JPEG && !jpeg_tables_ok(data, len)) {
		cls_frame_fail(f, RFX_E_IO,
			       "damaged JPEG (a Huffman table with more than 256 codes "
			       "or past its segment)");
		return f->status;
	}
	if (k == K_JPEG && jpeg_undefined_table(data, len, reason, sizeof(reason))) {
		cls_frame_fail(f, RFX_E_IO, "%s", reason);
		return f->status;
	}
	uint8_t *px = stbi_load_from_memory(data, (int)len, &iw, &ih, &n, channels);
	if (!px) {
		cls_frame_fail(f, RFX_E_IO, "cannot decode: %s", stbi_failure_reason());
		return f->status;
	}
	w = (uint32_t)iw;
	h = (uint32_t)ih;
	if (w > CLS_MAX_FRAME_SIDE || h > CLS_MAX_FRAME_SIDE) {
		uint32_t big = w > h ? w : h;
		uint32_t kk = (big + CLS_MAX_FRAME_SIDE - 1) / CLS_MAX_FRAME_SIDE;
		uint8_t *small = box_shrink(px, w, h, (uint32_t)channels, kk, &w, &h);
		stbi_image_free(px);
		if (!small) {
			cls_frame_fail(f, RFX_E_OUT_OF_MEMORY, "out of memory");
			return f->status;
		}
		px = small;
	} else {
		/* stb's buffer comes from its STBI_MALLOC (stb_impl.c), but
		 * hand over a plain one so every frame is freed the same way. */
		size_t bytes = (size_t)w * h * (size_t)channels;
		uint8_t *own = malloc(bytes);
		if (!own) {
			stbi_image_free(px);
			cls_frame_fail(f, RFX_E_OUT_OF_MEMORY, "out of memory");
			return f->status;
		}
		memcpy(own, px, bytes);
		stbi_image_free(px);
		px = own;
	}
	free(f->px);
	f->px = px;
	f->w = w;
	f->h = h;
	f->stride = w * (uint32_t)channels;
	f->format = channels == 1 ? RFX_PIXEL_GRAY8 : RFX_PIXEL_RGB24;
	f->status = RFX_OK;
	f->err[0] = '\0';
	return RFX_OK;
}

rfx_status cls_decode_file(const char *path, int channels, cls_frame *f)
{
	struct stat sb;
	uint8_t *buf = NULL;
	FILE *fp = fopen(path, "rb");
	rfx_status st;

	if (!fp) {
		cls_frame_fail(f, RFX_E_IO, "cannot open: %s", strerror(errno));
		return f->status;
	}
	if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(fp);
		cls_frame_fail(f, RFX_E_IO, "not a regular file");
		return f->status;
	}
	if ((uint64_t)sb.st_size > CLS_MAX_FILE_BYTES) {
		fclose(fp);
		cls_frame_fail(f, RFX_E_IO, "file too large (%lld bytes, at most %u)",
			       (long long)sb.st_size, CLS_MAX_FILE_BYTES);
		return f->status;
	}
	size_t size = (size_t)sb.st_size;
	buf = malloc(size ? size : 1);
	if (!buf) {
		fclose(fp);
		cls_frame_fail(f, RFX_E_OUT_OF_MEMORY, "out of memory");
		return f->status;
	}
	size_t got = fread(buf, 1, size, fp);
	int rerr = ferror(fp);
	fclose(fp);
	if (rerr || got != size) {
		free(buf);
		cls_frame_fail(f, RFX_E_IO, "read error");
		return f->status;
	}
	st = cls_decode_image(buf, size, channels, f);
	free(buf);
	return st;
}

/* Reads at most cap bytes of the file at path into a new buffer. */
static uint8_t *read_head(const char *path, size_t cap, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;

	if (!fp)
		return NULL;
	if (!(buf = malloc(cap))) {
		fclose(fp);
		return NULL;
	}
	*len = fread(buf, 1, cap, fp);
	fclose(fp);
	return buf;
}

/* Not stbi_info(): it parses a JPEG's Huffman tables with the same missing
 * check as its decoder (see jpeg_tables_ok()). The header is found in the
 * first MiB of almost every file; else the whole file is read. */
int cls_image_size(const char *path, uint32_t *w, uint32_t *h)
{
	size_t len = 0;
	uint8_t *d = read_head(path, 1u << 20, &len);
	int rc;

	if (!d)
		return -1;
	rc = header_size(sniff(d, len), d, len, w, h);
	if (rc != 0 && len == 1u << 20) {
		free(d);
		if (!(d = read_head(path, CLS_MAX_FILE_BYTES, &len)))
			return -1;
		rc = header_size(sniff(d, len), d, len, w, h);
	}
	free(d);
	return rc == 0 && *w > 0 && *h > 0 ? 0 : -1;
}

/* ---- MJPEG -------------------------------------------------------------- */

/* JPEG Annex K.3 (libjpeg's jstdhuff.c): counts of codes per length 1..16,
 * then the symbols. */
static const uint8_t dc_lum_bits[16] = {0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t dc_chr_bits[16] = {0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
static const uint8_t dc_vals[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
static const uint8_t ac_lum_bits[16] = {0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d};
static const uint8_t ac_lum_vals[162] = {
	0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06,
	0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
	0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72,
	0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
	0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
	0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
	0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75,
	0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
	0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3,
	0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
	0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,
	0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
	0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4,
	0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
};
static const uint8_t ac_chr_bits[16] = {0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77};
static const uint8_t ac_chr_vals[162] = {
	0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41,
	0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
	0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1,
	0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
	0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44,
	0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
	0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74,
	0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
	0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a,
	0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
	0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
	0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4,
	0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
};

/* The DHT segment: marker, length, then four tables (class << 4 | id). */
#define STD_DHT_BYTES (4 + 4 * 17 + 2 * 12 + 2 * 162)

static size_t put_table(uint8_t *p, uint8_t tc_th, const uint8_t bits[16],
                        const uint8_t *vals, size_t n_vals)
{
	p[0] = tc_th;
	memcpy(p + 1, bits, 16);
	memcpy(p + 17, vals, n_vals);
	return 17 + n_vals;
}

int cls_jpeg_has_dht(const uint8_t *data, size_t len)
{
	int has = 0;

	if (sniff(data, len) != K_JPEG)
		return 0;
	jpeg_walk(data, len, &has, NULL, NULL);
	return has;
}

uint8_t *cls_jpeg_add_std_dht(const uint8_t *data, size_t len, size_t *out_len)
{
	uint8_t *out, *p;

	if (sniff(data, len) != K_JPEG || len > SIZE_MAX - STD_DHT_BYTES)
		return NULL;
	out = malloc(len + STD_DHT_BYTES);
	if (!out)
		return NULL;
	memcpy(out, data, 2); /* SOI */
	p = out + 2;
	p[0] = 0xff;
	p[1] = 0xc4;
	p[2] = (uint8_t)((STD_DHT_BYTES - 2) >> 8);
	p[3] = (uint8_t)((STD_DHT_BYTES - 2) & 0xff);
	p += 4;
	p += put_table(p, 0x00, dc_lum_bits, dc_vals, 12);
	p += put_table(p, 0x10, ac_lum_bits, ac_lum_vals, 162);
	p += put_table(p, 0x01, dc_chr_bits, dc_vals, 12);
	p += put_table(p, 0x11, ac_chr_bits, ac_chr_vals, 162);
	memcpy(p, data + 2, len - 2);
	*out_len = len + STD_DHT_BYTES;
	return out;
}

rfx_status cls_decode_mjpeg(const uint8_t *data, size_t len, int channels,
                            cls_frame *f)
{
	size_t n;
	uint8_t *full;
	rfx_status st;

	if (sniff(data, len) != K_JPEG || cls_jpeg_has_dht(data, len))
		return cls_decode_image(data, len, channels, f);
	full = cls_jpeg_add_std_dht(data, len, &n);
	if (!full) {
		cls_frame_fail(f, RFX_E_OUT_OF_MEMORY, "out of memory");
		return f->status;
	}
	st = cls_decode_image(full, n, channels, f);
	free(full);
	return st;
}

/* ---- annotation input --------------------------------------------------- */

static uint8_t clamp_u8(float v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)(v + 0.5f);
}

uint8_t *cls_frame_to_rgb(const cls_frame *f)
{
	uint8_t *out = malloc((size_t)f->w * f->h * 3);

	if (!out)
		return NULL;
	for (uint32_t y = 0; y < f->h; y++) {
		const uint8_t *row = f->px + (size_t)y * f->stride;
		uint8_t *o = out + (size_t)y * f->w * 3;
		for (uint32_t x = 0; x < f->w; x++, o += 3) {
			switch (f->format) {
			case RFX_PIXEL_GRAY8:
				o[0] = o[1] = o[2] = row[x];
				break;
			case RFX_PIXEL_BGR24:
				o[0] = row[x * 3 + 2];
				o[1] = row[x * 3 + 1];
				o[2] = row[x * 3];
				break;
			case RFX_PIXEL_RGBA32:
				memcpy(o, row + (size_t)x * 4, 3);
				break;
			case RFX_PIXEL_YUYV: {
				const uint8_t *pair = row + (size_t)(x & ~1u) * 2;
				float Y = (float)pair[(x & 1) ? 2 : 0] - 16.0f;
				float U = (float)pair[1] - 128.0f, V = (float)pair[3] - 128.0f;
				o[0] = clamp_u8(1.164f * Y + 1.596f * V);
				o[1] = clamp_u8(1.164f * Y - 0.392f * U - 0.813f * V);
				o[2] = clamp_u8(1.164f * Y + 2.017f * U);
				break;
			}
			default:
				memcpy(o, row + (size_t)x * 3, 3);
				break;
			}
		}
	}
	return out;
}
