/* Annotated frames: the frame as a PNG with its result written on it in
 * stb_easy_font's segment font, rasterized here (its quads are
 * axis-aligned rectangles). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb_image_write.h>

#include "classify.h"

#define MIN_WIDTH 320 /* small frames are enlarged to about this */
#define LINE_PX 12    /* stb_easy_font's line height */

struct canvas {
	uint8_t *px; /* RGB24 */
	int w, h;
};

static void fill(struct canvas *c, int x0, int y0, int x1, int y1,
                 const uint8_t rgb[3], int alpha)
{
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > c->w ? c->w : x1;
	y1 = y1 > c->h ? c->h : y1;
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++) {
			uint8_t *p = c->px + ((size_t)y * c->w + x) * 3;
			for (int k = 0; k < 3; k++)
				p[k] = (uint8_t)((p[k] * (256 - alpha) + rgb[k] * alpha) >> 8);
		}
}

static void text(struct canvas *c, int x, int y, int scale, const char *s)
{
	static float quads[4000 * 16]; /* 4000 quads of 64 bytes */
	static const uint8_t white[3] = {255, 255, 255};
	int n = cls_easy_font_quads(0, 0, s, quads, (int)sizeof(quads));

	for (int q = 0; q < n; q++) {
		/* 4 vertices of {x, y, z, rgba}: 16 bytes each */
		const float *v = quads + q * 16;
		float qx0 = v[0], qy0 = v[1], qx1 = v[0], qy1 = v[1];
		for (int i = 1; i < 4; i++) {
			float vx = v[i * 4], vy = v[i * 4 + 1];
			qx0 = vx < qx0 ? vx : qx0;
			qx1 = vx > qx1 ? vx : qx1;
			qy0 = vy < qy0 ? vy : qy0;
			qy1 = vy > qy1 ? vy : qy1;
		}
		fill(c, x + (int)(qx0 * scale), y + (int)(qy0 * scale),
		     x + (int)(qx1 * scale), y + (int)(qy1 * scale), white, 256);
	}
}

/* "<index>_<file name without folders or extension>.png", safe chars. */
static void out_name(const char *dir, const cls_frame *f, char *out, size_t cap)
{
	const char *base = strrchr(f->name, '/');
	char stem[128];
	size_t n = 0;

	base = base ? base + 1 : f->name;
	for (; *base && n + 1 < sizeof(stem); base++) {
		char ch = *base;
		if (ch == '.' && strchr(base + 1, '.') == NULL)
			break; /* the extension */
		stem[n++] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ? ch : '_';
	}
	stem[n] = '\0';
	snprintf(out, cap, "%s/%06llu_%s.png", dir, (unsigned long long)f->index, stem);
}

int cls_annotate(const char *dir, const cls_frame *f, const char *const *lines,
                 int n_lines, char *err, size_t errlen)
{
	static const uint8_t band[3] = {0, 0, 0};
	struct canvas c;
	uint8_t *rgb;
	char path[1024];
	int up = 1, scale, width = 0;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!(rgb = cls_frame_to_rgb(f))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (f->w < MIN_WIDTH)
		up = (int)((MIN_WIDTH + f->w - 1) / f->w);
	c.w = (int)f->w * up;
	c.h = (int)f->h * up;
	if (up == 1) {
		c.px = rgb;
	} else {
		c.px = malloc((size_t)c.w * c.h * 3);
		if (!c.px) {
			free(rgb);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (int y = 0; y < c.h; y++)
			for (int x = 0; x < c.w; x++)
				memcpy(c.px + ((size_t)y * c.w + x) * 3,
				       rgb + ((size_t)(y / up) * f->w + (size_t)(x / up)) * 3, 3);
		free(rgb);
	}
	/* Lines about a tenth of the height, at least the font's size, and
	 * no wider than the frame where possible. */
	for (int i = 0; i < n_lines; i++) {
		int tw = cls_easy_font_width(lines[i]);
		width = tw > width ? tw : width;
	}
	scale = c.h / (10 * LINE_PX);
	scale = scale < 1 ? 1 : scale;
	while (scale > 1 && (width + 6) * scale > c.w)
		scale--;
	fill(&c, 0, 0, (width + 6) * scale, (n_lines * LINE_PX + 4) * scale, band, 176);
	for (int i = 0; i < n_lines; i++)
		text(&c, 3 * scale, (3 + i * LINE_PX) * scale, scale, lines[i]);

	out_name(dir, f, path, sizeof(path));
	int ok = stbi_write_png(path, c.w, c.h, 3, c.px, c.w * 3);
	free(c.px);
	if (!ok) {
		snprintf(err, errlen, "cannot write %s", path);
		return -1;
	}
	return 0;
}
