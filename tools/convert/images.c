/* Sample images: listing, decoding (stb_image), preprocessing. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stb_image.h>

#include "convert/images.h"
#include "format/rfx_format.h"

#define MAX_IMAGE_FILE_BYTES (256u << 20)

static int is_image_name(const char *name)
{
	static const char *const ext[] = {".jpg", ".jpeg", ".png", ".bmp"};
	size_t n = strlen(name);

	if (name[0] == '.')
		return 0;
	for (size_t k = 0; k < sizeof(ext) / sizeof(ext[0]); k++) {
		size_t e = strlen(ext[k]);
		if (n > e && strcasecmp(name + n - e, ext[k]) == 0)
			return 1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void rfx_image_list_finish(rfx_image_list *l)
{
	if (!l)
		return;
	for (uint32_t k = 0; k < l->count; k++)
		free(l->paths[k]);
	free(l->paths);
	memset(l, 0, sizeof(*l));
}

rfx_status rfx_image_list_dir(const char *dir, uint32_t max,
                              rfx_image_list *out, char *err, size_t errlen)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	uint32_t n = 0, cap = 0;
	rfx_status st = RFX_OK;

	memset(out, 0, sizeof(*out));
	d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return RFX_E_IO;
	}
	while ((e = readdir(d))) {
		if (!is_image_name(e->d_name))
			continue;
		if (n == cap) {
			uint32_t nc = cap ? cap * 2 : 64;
			char **nn = nc > cap ? realloc(names, nc * sizeof(*nn)) : NULL;
			if (!nn) {
				st = RFX_E_OUT_OF_MEMORY;
				goto out;
			}
			names = nn;
			cap = nc;
		}
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n]) {
			st = RFX_E_OUT_OF_MEMORY;
			goto out;
		}
		snprintf(names[n], len, "%s/%s", dir, e->d_name);
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "%s: no .jpg, .jpeg, .png or .bmp image",
			 dir);
		st = RFX_E_INVALID_ARGUMENT;
		goto out;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	if (max && n > max) {
		for (uint32_t k = max; k < n; k++)
			free(names[k]);
		n = max;
	}
	out->paths = names;
	out->count = n;
	names = NULL;
	n = 0;
out:
	if (st == RFX_E_OUT_OF_MEMORY)
		snprintf(err, errlen, "%s: out of memory", dir);
	for (uint32_t k = 0; k < n; k++)
		free(names[k]);
	free(names);
	closedir(d);
	return st;
}

/* Source coordinate of destination index x (pixel centres aligned). */
static void src_coord(uint32_t x, uint32_t src, uint32_t dst, uint32_t *i0,
                      uint32_t *i1, float *frac)
{
	double s = ((double)x + 0.5) * src / dst - 0.5;

	if (s < 0)
		s = 0;
	if (s > src - 1)
		s = src - 1;
	*i0 = (uint32_t)s;
	*i1 = *i0 + 1 < src ? *i0 + 1 : *i0;
	*frac = (float)(s - *i0);
}

void rfx_image_preprocess(const uint8_t *px, uint32_t iw, uint32_t ih,
                          const rfx_meta *meta, uint32_t c, uint32_t h,
                          uint32_t w, float *dst)
{
	int bgr = meta->color && strcmp(meta->color, "bgr") == 0 && c >= 3;
	float scale = meta->scale > 0 ? meta->scale : 1.0f;
	uint64_t plane = (uint64_t)h * w;

	for (uint32_t y = 0; y < h; y++) {
		uint32_t y0, y1, x0, x1;
		float fy, fx;
		src_coord(y, ih, h, &y0, &y1, &fy);
		for (uint32_t x = 0; x < w; x++) {
			src_coord(x, iw, w, &x0, &x1, &fx);
			for (uint32_t ch = 0; ch < c; ch++) {
				/* BGR: model channel 0 reads the file's blue. */
				uint32_t sc = bgr && ch < 3 ? 2 - ch : ch;
				const uint8_t *r0 = px + (size_t)y0 * iw * c;
				const uint8_t *r1 = px + (size_t)y1 * iw * c;
				float a = r0[x0 * c + sc], b = r0[x1 * c + sc];
				float d = r1[x0 * c + sc], e = r1[x1 * c + sc];
				float top = a + (b - a) * fx;
				float bot = d + (e - d) * fx;
				float v = top + (bot - top) * fy;
				float mean = ch < 4 ? meta->mean[ch] : 0.0f;
				float sd = ch < 4 && meta->std[ch] > 0
						   ? meta->std[ch] : 1.0f;
				dst[ch * plane + (uint64_t)y * w + x] =
					(v * scale - mean) / sd;
			}
		}
	}
}

rfx_status rfx_image_load_input(const char *path, const rfx_meta *meta,
                                uint32_t c, uint32_t h, uint32_t w, float *dst,
                                char *err, size_t errlen)
{
	void *bytes = NULL;
	size_t size = 0;
	int iw, ih, ic;
	uint8_t *px;
	rfx_status st;

	if (c != 1 && c != 3 && c != 4) {
		snprintf(err, errlen, "%s: the model's input has %u channels; "
			 "images feed 1, 3 or 4", path, c);
		return RFX_E_UNSUPPORTED;
	}
	if ((st = rfx_file_read(path, MAX_IMAGE_FILE_BYTES, &bytes, &size, err,
				errlen)))
		return st;
	if (size > INT32_MAX ||
	    !stbi_info_from_memory(bytes, (int)size, &iw, &ih, &ic)) {
		snprintf(err, errlen, "%s: not a JPEG, PNG or BMP image (%s)",
			 path, stbi_failure_reason());
		free(bytes);
		return RFX_E_IO;
	}
	if (iw < 1 || ih < 1 ||
	    (uint64_t)iw * (uint64_t)ih > RFX_IMAGE_MAX_PIXELS) {
		snprintf(err, errlen, "%s: %dx%d pixels (at most %u)", path, iw,
			 ih, RFX_IMAGE_MAX_PIXELS);
		free(bytes);
		return RFX_E_UNSUPPORTED;
	}
	px = stbi_load_from_memory(bytes, (int)size, &iw, &ih, &ic, (int)c);
	free(bytes);
	if (!px) {
		snprintf(err, errlen, "%s: %s", path, stbi_failure_reason());
		return RFX_E_IO;
	}
	rfx_image_preprocess(px, (uint32_t)iw, (uint32_t)ih, meta, c, h, w, dst);
	stbi_image_free(px);
	return RFX_OK;
}

static rfx_status image_sample(void *user, uint32_t k, const rfx_graph *g,
                               float *dst, char *err, size_t errlen)
{
	const rfx_image_list *l = user;

	if (k >= l->count || g->n_inputs < 1)
		return RFX_E_INVALID_ARGUMENT;
	const rfx_tensor *x = &g->tensors[g->inputs[0]];
	if (x->rank != 4 || x->dims[0] != 1 || x->dtype != RFX_DTYPE_F32) {
		snprintf(err, errlen, "images feed an F32 [1, C, H, W] input; "
			 "input '%s' is not one", x->name);
		return RFX_E_UNSUPPORTED;
	}
	return rfx_image_load_input(l->paths[k], &g->meta, x->dims[1],
				    x->dims[2], x->dims[3], dst, err, errlen);
}

void rfx_image_source(const rfx_image_list *l, rfx_sample_source *out)
{
	out->count = l->count;
	out->get = image_sample;
	out->user = (void *)l;
}
