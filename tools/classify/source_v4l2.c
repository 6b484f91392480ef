/* A V4L2 camera as a frame source: YUYV or MJPEG, a frame size from the
 * device's list, mmap streaming. A YUYV buffer becomes a frame like a raw
 * stream's (source_stream.c); an MJPEG buffer is decoded like an image file
 * (decode.c, with the standard Huffman tables that cameras leave out). To
 * keep up, the newest filled buffer is taken and older ones are requeued
 * and counted as dropped, as are gaps in the driver's sequence numbers. */
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "classify.h"

#define N_BUFFERS 4
#define FRAME_TIMEOUT_MS 5000

struct v4l2 {
	cls_source base;
	int fd;
	char dev[200];
	uint32_t pixfmt; /* V4L2_PIX_FMT_YUYV, _MJPEG or _JPEG */
	uint32_t w, h, stride;
	int channels;
	void *map[N_BUFFERS];
	size_t map_len[N_BUFFERS];
	uint32_t n_bufs;
	int streaming;
	uint64_t n;
	int have_seq;
	uint32_t last_seq;
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR && !cls_stop);
	return r;
}

static void fourcc_str(uint32_t f, char out[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)((f >> (8 * i)) & 0xff);
		out[i] = c >= 32 && c < 127 ? c : '?';
	}
	out[4] = '\0';
}

/* Picks from the device's size list: the smallest (by area) that covers
 * want_w x want_h, else the largest. Stepwise/continuous ranges give the
 * wanted size rounded up to the step and clamped to the range. */
static int choose_size(int fd, uint32_t pixfmt, uint32_t want_w,
                       uint32_t want_h, uint32_t *w, uint32_t *h)
{
	struct v4l2_frmsizeenum fs;
	uint64_t best_cover = UINT64_MAX, best_any = 0;
	uint32_t cw = 0, ch = 0, aw = 0, ah = 0;

	memset(&fs, 0, sizeof(fs));
	fs.pixel_format = pixfmt;
	if (xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) != 0)
		return -1;
	if (fs.type != V4L2_FRMSIZE_TYPE_DISCRETE) {
		const struct v4l2_frmsize_stepwise *s = &fs.stepwise;
		uint32_t sw = s->step_width ? s->step_width : 1;
		uint32_t sh = s->step_height ? s->step_height : 1;
		uint32_t x = want_w < s->min_width ? s->min_width : want_w;
		uint32_t y = want_h < s->min_height ? s->min_height : want_h;
		x = s->min_width + (x - s->min_width + sw - 1) / sw * sw;
		y = s->min_height + (y - s->min_height + sh - 1) / sh * sh;
		*w = x > s->max_width ? s->max_width : x;
		*h = y > s->max_height ? s->max_height : y;
		return 0;
	}
	for (fs.index = 0; xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) == 0; fs.index++) {
		uint32_t fw = fs.discrete.width, fh = fs.discrete.height;
		uint64_t area = (uint64_t)fw * fh;
		if (fw >= want_w && fh >= want_h && area < best_cover) {
			best_cover = area;
			cw = fw;
			ch = fh;
		}
		if (area > best_any) {
			best_any = area;
			aw = fw;
			ah = fh;
		}
	}
	if (cw) {
		*w = cw;
		*h = ch;
	} else if (aw) {
		*w = aw;
		*h = ah;
	} else {
		return -1;
	}
	return 0;
}

/* Requeues a buffer; failure ends the capture at the next frame. */
static void requeue(struct v4l2 *v, struct v4l2_buffer *b)
{
	if (xioctl(v->fd, VIDIOC_QBUF, b) != 0)
		v->streaming = 0;
}

static int dequeue(struct v4l2 *v, struct v4l2_buffer *b)
{
	memset(b, 0, sizeof(*b));
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = V4L2_MEMORY_MMAP;
	return xioctl(v->fd, VIDIOC_DQBUF, b);
}

/* Frames the driver lost: gaps in the sequence numbers of the buffers
 * dequeued, in order (stale buffers skipped here are counted apart). */
static void saw(struct v4l2 *v, const struct v4l2_buffer *b)
{
	if (v->have_seq && b->sequence > v->last_seq + 1)
		v->base.dropped += b->sequence - v->last_seq - 1;
	v->have_seq = 1;
	v->last_seq = b->sequence;
}

static int v4l2_next(cls_source *src, cls_frame *f, char *err, size_t errlen)
{
	struct v4l2 *v = (struct v4l2 *)src;
	struct v4l2_buffer b, newer;
	struct pollfd pfd = {.fd = v->fd, .events = POLLIN};

	if (cls_stop)
		return 0;
	if (!v->streaming) {
		snprintf(err, errlen, "%s: capture stopped (a buffer could not be requeued)", v->dev);
		return -1;
	}
	for (;;) {
		int r = poll(&pfd, 1, FRAME_TIMEOUT_MS);
		if (cls_stop)
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: poll: %s", v->dev, strerror(errno));
			return -1;
		}
		if (r == 0) {
			snprintf(err, errlen, "%s: no frame for %d s", v->dev,
				 FRAME_TIMEOUT_MS / 1000);
			return -1;
		}
		if (dequeue(v, &b) == 0)
			break;
		if (errno != EAGAIN) {
			snprintf(err, errlen, "%s: VIDIOC_DQBUF: %s", v->dev, strerror(errno));
			return -1;
		}
	}
	/* Keep up: take the newest filled buffer, drop the older ones. */
	saw(v, &b);
	while (dequeue(v, &newer) == 0) {
		requeue(v, &b);
		src->dropped++;
		b = newer;
		saw(v, &b);
	}

	uint64_t t0 = rfx_time_now_ns();
	memset(f, 0, sizeof(*f));
	f->index = v->n++;
	snprintf(f->name, sizeof(f->name), "%s#%llu", v->dev,
		 (unsigned long long)f->index);
	size_t used = b.bytesused;
	const uint8_t *data = b.index < v->n_bufs ? v->map[b.index] : NULL;
	if (!data || used > v->map_len[b.index]) {
		cls_frame_fail(f, RFX_E_IO, "driver returned a bad buffer");
	} else if (b.flags & V4L2_BUF_FLAG_ERROR) {
		cls_frame_fail(f, RFX_E_IO, "the driver marked the frame corrupted");
	} else if (v->pixfmt != V4L2_PIX_FMT_YUYV) { /* MJPEG or JPEG */
		cls_decode_mjpeg(data, used, v->channels, f);
	} else if (used < (size_t)v->stride * (v->h - 1) + (size_t)v->w * 2) {
		cls_frame_fail(f, RFX_E_IO, "short YUYV frame: %zu bytes for %ux%u",
			       used, v->w, v->h);
	} else if (!(f->px = malloc((size_t)v->stride * v->h))) {
		cls_frame_fail(f, RFX_E_OUT_OF_MEMORY, "out of memory");
	} else {
		memcpy(f->px, data, used < (size_t)v->stride * v->h ?
		       used : (size_t)v->stride * v->h);
		f->w = v->w;
		f->h = v->h;
		f->stride = v->stride;
		f->format = RFX_PIXEL_YUYV;
		f->status = RFX_OK;
	}
	f->decode_ns = rfx_time_now_ns() - t0;
	requeue(v, &b);
	return 1;
}

static void v4l2_destroy(cls_source *src)
{
	struct v4l2 *v = (struct v4l2 *)src;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	if (!v)
		return;
	if (v->fd >= 0)
		xioctl(v->fd, VIDIOC_STREAMOFF, &type);
	for (uint32_t i = 0; i < v->n_bufs; i++)
		if (v->map[i] && v->map[i] != MAP_FAILED)
			munmap(v->map[i], v->map_len[i]);
	if (v->fd >= 0)
		close(v->fd);
	free(v);
}

rfx_status cls_source_v4l2(const char *dev, const char *pixfmt,
                           uint32_t want_w, uint32_t want_h, uint32_t req_w,
                           uint32_t req_h, int channels, cls_source **out,
                           char *err, size_t errlen)
{
	struct v4l2 *v = calloc(1, sizeof(*v));
	struct v4l2_capability cap;
	struct v4l2_fmtdesc fd;
	struct v4l2_format fmt;
	struct v4l2_requestbuffers rb;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int has_yuyv = 0;
	uint32_t has_mjpeg = 0;
	char cc[5];

	if (!v)
		return RFX_E_OUT_OF_MEMORY;
	v->channels = channels;
	snprintf(v->dev, sizeof(v->dev), "%s", dev);
	v->fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (v->fd < 0) {
		snprintf(err, errlen, "%s: %s", dev, strerror(errno));
		goto fail;
	}
	memset(&cap, 0, sizeof(cap));
	if (xioctl(v->fd, VIDIOC_QUERYCAP, &cap) != 0) {
		snprintf(err, errlen, "%s: not a V4L2 device (%s)", dev, strerror(errno));
		goto fail;
	}
	uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ?
			cap.device_caps : cap.capabilities;
	if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
		snprintf(err, errlen, "%s: not a streaming video capture device", dev);
		goto fail;
	}
	memset(&fd, 0, sizeof(fd));
	fd.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	for (fd.index = 0; xioctl(v->fd, VIDIOC_ENUM_FMT, &fd) == 0; fd.index++) {
		has_yuyv |= fd.pixelformat == V4L2_PIX_FMT_YUYV;
		if (fd.pixelformat == V4L2_PIX_FMT_MJPEG ||
		    (fd.pixelformat == V4L2_PIX_FMT_JPEG && !has_mjpeg))
			has_mjpeg = fd.pixelformat;
	}
	/* has_mjpeg holds the fourcc: MJPG, or JPEG as some drivers say. */
	if (pixfmt && strcmp(pixfmt, "mjpeg") == 0)
		v->pixfmt = has_mjpeg;
	else if (pixfmt && strcmp(pixfmt, "yuyv") == 0)
		v->pixfmt = has_yuyv ? V4L2_PIX_FMT_YUYV : 0;
	else
		v->pixfmt = has_yuyv ? V4L2_PIX_FMT_YUYV : has_mjpeg;
	if (!v->pixfmt) {
		snprintf(err, errlen, "%s: offers no %s frames", dev,
			 pixfmt ? pixfmt : "YUYV or MJPEG");
		goto fail;
	}
	uint32_t w = req_w, h = req_h;
	if (!(w && h) && choose_size(v->fd, v->pixfmt, want_w, want_h, &w, &h) != 0) {
		w = 640; /* no size list: ask for VGA, S_FMT adjusts */
		h = 480;
	}
	memset(&fmt, 0, sizeof(fmt));
	fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	fmt.fmt.pix.width = w;
	fmt.fmt.pix.height = h;
	fmt.fmt.pix.pixelformat = v->pixfmt;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(v->fd, VIDIOC_S_FMT, &fmt) != 0) {
		snprintf(err, errlen, "%s: VIDIOC_S_FMT %ux%u: %s", dev, w, h,
			 strerror(errno));
		goto fail;
	}
	if (fmt.fmt.pix.pixelformat != v->pixfmt) {
		fourcc_str(fmt.fmt.pix.pixelformat, cc);
		snprintf(err, errlen, "%s: the driver switched to %s frames", dev, cc);
		goto fail;
	}
	v->w = fmt.fmt.pix.width;
	v->h = fmt.fmt.pix.height;
	v->stride = fmt.fmt.pix.bytesperline;
	if (v->pixfmt == V4L2_PIX_FMT_YUYV && v->stride < v->w * 2)
		v->stride = v->w * 2;
	if (v->w == 0 || v->h == 0 || v->w > CLS_MAX_FRAME_SIDE ||
	    v->h > CLS_MAX_FRAME_SIDE || (v->pixfmt == V4L2_PIX_FMT_YUYV && (v->w & 1))) {
		snprintf(err, errlen, "%s: unusable frame size %ux%u", dev, v->w, v->h);
		goto fail;
	}

	memset(&rb, 0, sizeof(rb));
	rb.count = N_BUFFERS;
	rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	rb.memory = V4L2_MEMORY_MMAP;
	if (xioctl(v->fd, VIDIOC_REQBUFS, &rb) != 0 || rb.count < 2) {
		snprintf(err, errlen, "%s: cannot get mmap buffers", dev);
		goto fail;
	}
	v->n_bufs = rb.count < N_BUFFERS ? rb.count : N_BUFFERS;
	for (uint32_t i = 0; i < v->n_bufs; i++) {
		struct v4l2_buffer b;
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		if (xioctl(v->fd, VIDIOC_QUERYBUF, &b) != 0) {
			snprintf(err, errlen, "%s: VIDIOC_QUERYBUF: %s", dev, strerror(errno));
			goto fail;
		}
		v->map_len[i] = b.length;
		v->map[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED,
				 v->fd, b.m.offset);
		if (v->map[i] == MAP_FAILED) {
			snprintf(err, errlen, "%s: mmap: %s", dev, strerror(errno));
			goto fail;
		}
		if (xioctl(v->fd, VIDIOC_QBUF, &b) != 0) {
			snprintf(err, errlen, "%s: VIDIOC_QBUF: %s", dev, strerror(errno));
			goto fail;
		}
	}
	if (xioctl(v->fd, VIDIOC_STREAMON, &type) != 0) {
		snprintf(err, errlen, "%s: VIDIOC_STREAMON: %s", dev, strerror(errno));
		goto fail;
	}
	v->streaming = 1;
	v->base.next = v4l2_next;
	v->base.destroy = v4l2_destroy;
	v->base.max_w = v->w;
	v->base.max_h = v->h;
	v->base.format = v->pixfmt == V4L2_PIX_FMT_YUYV ? RFX_PIXEL_YUYV :
			 channels == 1 ? RFX_PIXEL_GRAY8 : RFX_PIXEL_RGB24;
	fourcc_str(v->pixfmt, cc);
	snprintf(v->base.desc, sizeof(v->base.desc), "%s (%s), %ux%u %s", dev,
		 (const char *)cap.card, v->w, v->h, cc);
	*out = &v->base;
	return RFX_OK;
fail:
	v4l2_destroy(&v->base);
	return RFX_E_IO;
}
