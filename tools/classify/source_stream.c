/* Raw frames back to back on a file descriptor (stdin: ffmpeg -f rawvideo,
 * a pipe from a capture program). Every frame is read; none is dropped. A
 * frame cut short by the end of the stream is reported as failed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"

struct stream {
	cls_source base;
	int fd;
	uint32_t w, h;
	rfx_pixel_format format;
	size_t frame_bytes;
	uint64_t n;
	int ended;
	char name[200];
};

/* Reads up to len bytes; stops early only at the end of the stream. Returns
 * the count read, or -1 on an error (errno) or a stop request. */
static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR && !cls_stop)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int stream_next(cls_source *src, cls_frame *f, char *err, size_t errlen)
{
	struct stream *st = (struct stream *)src;

	if (st->ended || cls_stop)
		return 0;
	memset(f, 0, sizeof(*f));
	f->index = st->n;
	snprintf(f->name, sizeof(f->name), "%s#%llu", st->name,
		 (unsigned long long)st->n);
	uint64_t t0 = rfx_time_now_ns();
	f->px = malloc(st->frame_bytes);
	if (!f->px) {
		snprintf(err, errlen, "%s: out of memory", st->name);
		return -1;
	}
	ssize_t got = read_full(st->fd, f->px, st->frame_bytes);
	if (got < 0) {
		int e = errno;
		cls_frame_finish(f);
		if (cls_stop)
			return 0;
		snprintf(err, errlen, "%s: read error: %s", st->name, strerror(e));
		return -1;
	}
	if (got == 0) {
		cls_frame_finish(f);
		st->ended = 1;
		return 0;
	}
	st->n++;
	if ((size_t)got < st->frame_bytes) {
		st->ended = 1;
		cls_frame_fail(f, RFX_E_IO,
			       "stream ended mid-frame: %zd of %zu bytes of a %ux%u "
			       "%s frame", got, st->frame_bytes, st->w, st->h,
			       cls_pixel_name(st->format));
		return 1;
	}
	f->w = st->w;
	f->h = st->h;
	f->stride = st->w * cls_pixel_bytes(st->format);
	f->format = st->format;
	f->status = RFX_OK;
	f->decode_ns = rfx_time_now_ns() - t0;
	return 1;
}

static void stream_destroy(cls_source *src)
{
	free(src);
}

rfx_status cls_source_stream(int fd, const char *name, uint32_t w, uint32_t h,
                             rfx_pixel_format format, cls_source **out,
                             char *err, size_t errlen)
{
	uint32_t bpp = cls_pixel_bytes(format);
	struct stream *st;

	if (!bpp || w == 0 || h == 0 || w > CLS_MAX_SIDE || h > CLS_MAX_SIDE ||
	    (format == RFX_PIXEL_YUYV && (w & 1))) {
		snprintf(err, errlen, "a raw stream needs 1..%u pixels per side%s",
			 CLS_MAX_SIDE, format == RFX_PIXEL_YUYV ?
			 " and an even width for yuyv" : "");
		return RFX_E_INVALID_ARGUMENT;
	}
	if (!(st = calloc(1, sizeof(*st))))
		return RFX_E_OUT_OF_MEMORY;
	st->fd = fd;
	st->w = w;
	st->h = h;
	st->format = format;
	st->frame_bytes = (size_t)w * h * bpp;
	snprintf(st->name, sizeof(st->name), "%s", name);
	st->base.next = stream_next;
	st->base.destroy = stream_destroy;
	st->base.max_w = w;
	st->base.max_h = h;
	st->base.format = format;
	snprintf(st->base.desc, sizeof(st->base.desc), "%s, %ux%u %s frames",
		 name, w, h, cls_pixel_name(format));
	*out = &st->base;
	return RFX_OK;
}
