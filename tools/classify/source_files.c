/* Image files and folders as a frame source. The list is expanded when the
 * source is made (folders read and sorted), so the sessions can be sized
 * for the largest image from the headers before the first frame. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "classify.h"

struct entry {
	char *path;
	char *err; /* a folder that failed: reported as this frame */
};

struct files {
	cls_source base;
	struct entry *e;
	size_t n, cap, next;
	int channels;
};

static int add(struct files *fs, const char *path, const char *err)
{
	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 16;
		struct entry *e = realloc(fs->e, cap * sizeof(*e));
		if (!e)
			return -1;
		fs->e = e;
		fs->cap = cap;
	}
	fs->e[fs->n].path = strdup(path);
	fs->e[fs->n].err = err ? strdup(err) : NULL;
	if (!fs->e[fs->n].path || (err && !fs->e[fs->n].err)) {
		free(fs->e[fs->n].path);
		free(fs->e[fs->n].err);
		return -1;
	}
	fs->n++;
	return 0;
}

static int is_image_name(const char *name)
{
	static const char *const ext[] = {".jpg", ".jpeg", ".png", ".bmp"};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t k = strlen(ext[i]);
		if (n > k && strcasecmp(name + n - k, ext[i]) == 0)
			return 1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's image files, sorted; a folder that cannot be read or has none
 * becomes one failed entry. Returns -1 only when out of memory. */
static int add_dir(struct files *fs, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, msg[300];
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		snprintf(msg, sizeof(msg), "cannot read folder: %s", strerror(errno));
		return add(fs, dir, msg);
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !is_image_name(de->d_name))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nn = realloc(names, nc * sizeof(*nn));
			if (!nn) {
				rc = -1;
				goto out;
			}
			names = nn;
			cap = nc;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = -1;
			goto out;
		}
		n++;
	}
	if (n == 0) {
		rc = add(fs, dir, "folder holds no .jpg, .jpeg, .png or .bmp file");
		goto out;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *p = malloc(len);
		if (!p) {
			rc = -1;
			break;
		}
		snprintf(p, len, "%s%s%s", dir,
			 dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		rc = add(fs, p, NULL);
		free(p);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

static int files_next(cls_source *src, cls_frame *f, char *err, size_t errlen)
{
	struct files *fs = (struct files *)src;

	if (fs->next >= fs->n || cls_stop)
		return 0;
	const struct entry *e = &fs->e[fs->next];
	memset(f, 0, sizeof(*f));
	f->index = fs->next++;
	snprintf(f->name, sizeof(f->name), "%s", e->path);
	if (e->err) {
		cls_frame_fail(f, RFX_E_IO, "%s", e->err);
		return 1;
	}
	uint64_t t0 = rfx_time_now_ns();
	cls_decode_file(e->path, fs->channels, f);
	f->decode_ns = rfx_time_now_ns() - t0;
	return 1;
}

static void files_destroy(cls_source *src)
{
	struct files *fs = (struct files *)src;

	if (!fs)
		return;
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->e[i].path);
		free(fs->e[i].err);
	}
	free(fs->e);
	free(fs);
}

rfx_status cls_source_files(char **paths, int n, int channels,
                            cls_source **out, char *err, size_t errlen)
{
	struct files *fs = calloc(1, sizeof(*fs));
	struct stat sb;
	int rc = 0;

	if (!fs)
		return RFX_E_OUT_OF_MEMORY;
	fs->channels = channels;
	for (int i = 0; i < n && rc == 0; i++) {
		if (stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = add_dir(fs, paths[i]);
		else
			rc = add(fs, paths[i], NULL); /* open errors: at decode */
	}
	if (rc != 0) {
		files_destroy(&fs->base);
		snprintf(err, errlen, "out of memory listing the inputs");
		return RFX_E_OUT_OF_MEMORY;
	}
	/* Sessions are sized for the largest header; an image that lies in
	 * its header fails at decode, and larger ones are shrunk to fit. */
	uint32_t mw = 1, mh = 1;
	for (size_t i = 0; i < fs->n; i++) {
		uint32_t w, h;
		if (fs->e[i].err || cls_image_size(fs->e[i].path, &w, &h) != 0)
			continue;
		mw = w > mw ? w : mw;
		mh = h > mh ? h : mh;
	}
	fs->base.max_w = mw < CLS_MAX_FRAME_SIDE ? mw : CLS_MAX_FRAME_SIDE;
	fs->base.max_h = mh < CLS_MAX_FRAME_SIDE ? mh : CLS_MAX_FRAME_SIDE;
	fs->base.format = channels == 1 ? RFX_PIXEL_GRAY8 : RFX_PIXEL_RGB24;
	fs->base.next = files_next;
	fs->base.destroy = files_destroy;
	snprintf(fs->base.desc, sizeof(fs->base.desc), "%zu image file%s", fs->n,
		 fs->n == 1 ? "" : "s");
	*out = &fs->base;
	return RFX_OK;
}
