/*
 * A V4L2 camera in user space, for rfx-classify's camera path on machines
 * without one: an LD_PRELOAD library that answers open/ioctl/mmap/poll for
 * the path /dev/fake-video0 and passes everything else to libc.
 *
 * It offers the formats in $FAKE_V4L2_FORMATS ("yuyv", "mjpeg" or
 * "yuyv,mjpeg"), the sizes 640x480, 160x120 and 320x240 (in that order),
 * and fills buffers like a camera running faster than its reader: each
 * poll() fills $FAKE_V4L2_BURST (default 1) queued buffers, so a reader
 * that wants the newest frame must skip the others; every 4th frame the
 * sequence number jumps by 2, as when a driver drops a frame itself.
 * YUYV frames are uniform: Y U Y V = $FAKE_V4L2_YUV ("Y,U,V"). MJPEG
 * frames are the bytes of the file $FAKE_V4L2_JPEG.
 *
 * At close it writes the sequence number of the last buffer dequeued to
 * $FAKE_V4L2_LOG.
 *
 * It is a test double, not a driver model: it checks that rfx-classify
 * makes the calls in a valid order (REQBUFS before QUERYBUF, buffers
 * queued before STREAMON, no DQBUF before STREAMON) and fails them with
 * EINVAL otherwise.
 */
/* Both open and open64 are defined here: no redirection of one to the
 * other (64-bit off_t is the default on 64-bit systems anyway). */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FAKE_PATH "/dev/fake-video0"
#define N_BUF 4
#define MAX_BYTES (640 * 480 * 2 + (1 << 20))

static const uint32_t sizes[3][2] = {{640, 480}, {160, 120}, {320, 240}};

static struct {
	int fd;                 /* an eventfd standing for the device */
	uint32_t fmts[2], n_fmts;
	uint32_t pixfmt, w, h;
	int streaming;
	uint32_t n_bufs;
	uint8_t *mem[N_BUF];
	int state[N_BUF];       /* 0 owned by app, 1 queued empty, 2 filled */
	uint32_t used[N_BUF], seq[N_BUF], order[N_BUF];
	uint32_t next_seq, filled_count, fill_order;
	int64_t last_dq_seq;    /* written to $FAKE_V4L2_LOG at close */
	uint8_t *jpeg;
	size_t jpeg_len;
} cam = {.fd = -1, .last_dq_seq = -1};

int fake_v4l2_open(const char *path, int flags, mode_t mode);
int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int ioctl(int fd, unsigned long req, ...);
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
int poll(struct pollfd *fds, nfds_t n, int timeout);
int close(int fd);

/* libc's own definition of a function (ISO C cannot convert dlsym's
 * object pointer to a function pointer, so the bytes are copied). */
#define REAL(var, name)                                                   \
	do {                                                              \
		void *sym_ = dlsym(RTLD_NEXT, name);                      \
		memcpy(&(var), &sym_, sizeof(var));                       \
	} while (0)

static void load_jpeg(void)
{
	const char *path = getenv("FAKE_V4L2_JPEG");
	FILE *f = path ? fopen(path, "rb") : NULL;

	if (!f)
		return;
	cam.jpeg = malloc(MAX_BYTES);
	if (cam.jpeg)
		cam.jpeg_len = fread(cam.jpeg, 1, MAX_BYTES, f);
	fclose(f);
}

int fake_v4l2_open(const char *path, int flags, mode_t mode)
{
	if (strcmp(path, FAKE_PATH) != 0) {
		int (*real)(const char *, int, ...);
		REAL(real, "open");
		return real(path, flags, mode);
	}
	const char *f = getenv("FAKE_V4L2_FORMATS");
	cam.n_fmts = 0;
	if (!f || strstr(f, "yuyv"))
		cam.fmts[cam.n_fmts++] = V4L2_PIX_FMT_YUYV;
	if (f && strstr(f, "mjpeg"))
		cam.fmts[cam.n_fmts++] = V4L2_PIX_FMT_MJPEG;
	load_jpeg();
	cam.fd = eventfd(0, EFD_CLOEXEC);
	return cam.fd;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return fake_v4l2_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return fake_v4l2_open(path, flags, mode);
}

static uint32_t frame_bytes(void)
{
	return cam.pixfmt == V4L2_PIX_FMT_YUYV ? cam.w * cam.h * 2 : MAX_BYTES;
}

/* One queued buffer becomes a captured frame. */
static void fill_one(void)
{
	for (uint32_t i = 0; i < cam.n_bufs; i++) {
		if (cam.state[i] != 1)
			continue;
		if (cam.pixfmt == V4L2_PIX_FMT_YUYV) {
			unsigned y = 128, u = 128, v = 128;
			const char *e = getenv("FAKE_V4L2_YUV");
			if (e)
				sscanf(e, "%u,%u,%u", &y, &u, &v);
			for (uint32_t p = 0; p < cam.w * cam.h / 2; p++) {
				cam.mem[i][p * 4] = cam.mem[i][p * 4 + 2] = (uint8_t)y;
				cam.mem[i][p * 4 + 1] = (uint8_t)u;
				cam.mem[i][p * 4 + 3] = (uint8_t)v;
			}
			cam.used[i] = frame_bytes();
		} else {
			memcpy(cam.mem[i], cam.jpeg, cam.jpeg_len);
			cam.used[i] = (uint32_t)cam.jpeg_len;
		}
		cam.filled_count++;
		if (cam.filled_count % 4 == 0)
			cam.next_seq++; /* the driver lost one */
		cam.seq[i] = cam.next_seq++;
		cam.order[i] = cam.fill_order++;
		cam.state[i] = 2;
		return;
	}
}

static int fail(void)
{
	errno = EINVAL;
	return -1;
}

static int cam_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VIDIOC_QUERYCAP: {
		struct v4l2_capability *c = arg;
		memset(c, 0, sizeof(*c));
		snprintf((char *)c->card, sizeof(c->card), "fake camera");
		c->capabilities = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING |
				  V4L2_CAP_DEVICE_CAPS;
		c->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
		return 0;
	}
	case VIDIOC_ENUM_FMT: {
		struct v4l2_fmtdesc *d = arg;
		if (d->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || d->index >= cam.n_fmts)
			return fail();
		d->pixelformat = cam.fmts[d->index];
		return 0;
	}
	case VIDIOC_ENUM_FRAMESIZES: {
		struct v4l2_frmsizeenum *s = arg;
		if (s->index >= 3)
			return fail();
		s->type = V4L2_FRMSIZE_TYPE_DISCRETE;
		s->discrete.width = sizes[s->index][0];
		s->discrete.height = sizes[s->index][1];
		return 0;
	}
	case VIDIOC_S_FMT: {
		struct v4l2_format *f = arg;
		int ok = 0;
		for (uint32_t i = 0; i < cam.n_fmts; i++)
			ok |= cam.fmts[i] == f->fmt.pix.pixelformat;
		if (cam.streaming || !ok)
			return fail();
		/* The nearest listed size, as drivers answer. */
		uint32_t best = 0, bd = UINT32_MAX;
		for (uint32_t i = 0; i < 3; i++) {
			uint32_t d = (uint32_t)abs((int)sizes[i][0] - (int)f->fmt.pix.width) +
				     (uint32_t)abs((int)sizes[i][1] - (int)f->fmt.pix.height);
			if (d < bd) {
				bd = d;
				best = i;
			}
		}
		cam.pixfmt = f->fmt.pix.pixelformat;
		cam.w = f->fmt.pix.width = sizes[best][0];
		cam.h = f->fmt.pix.height = sizes[best][1];
		f->fmt.pix.bytesperline = cam.pixfmt == V4L2_PIX_FMT_YUYV ? cam.w * 2 : 0;
		f->fmt.pix.sizeimage = frame_bytes();
		return 0;
	}
	case VIDIOC_REQBUFS: {
		struct v4l2_requestbuffers *r = arg;
		if (r->memory != V4L2_MEMORY_MMAP || !cam.pixfmt || cam.n_bufs)
			return fail();
		r->count = r->count > N_BUF ? N_BUF : r->count;
		cam.n_bufs = r->count;
		for (uint32_t i = 0; i < cam.n_bufs; i++)
			cam.mem[i] = NULL;
		return 0;
	}
	case VIDIOC_QUERYBUF:
	case VIDIOC_QBUF: {
		struct v4l2_buffer *b = arg;
		if (b->index >= cam.n_bufs || b->memory != V4L2_MEMORY_MMAP)
			return fail();
		if (req == VIDIOC_QUERYBUF) {
			b->length = frame_bytes();
			b->m.offset = b->index * 4096u * 1024u;
			return 0;
		}
		if (!cam.mem[b->index] || cam.state[b->index] != 0)
			return fail(); /* not mapped, or queued twice */
		cam.state[b->index] = 1;
		return 0;
	}
	case VIDIOC_DQBUF: {
		struct v4l2_buffer *b = arg;
		if (!cam.streaming)
			return fail();
		int pick = -1;
		for (uint32_t i = 0; i < cam.n_bufs; i++)
			if (cam.state[i] == 2 &&
			    (pick < 0 || cam.order[i] < cam.order[pick]))
				pick = (int)i;
		if (pick < 0) {
			errno = EAGAIN;
			return -1;
		}
		cam.state[pick] = 0;
		b->index = (uint32_t)pick;
		b->bytesused = cam.used[pick];
		b->sequence = cam.seq[pick];
		cam.last_dq_seq = cam.seq[pick];
		b->flags = 0;
		return 0;
	}
	case VIDIOC_STREAMON:
		for (uint32_t i = 0; i < cam.n_bufs; i++)
			if (cam.state[i] != 1)
				return fail(); /* rfx-classify queues all first */
		cam.streaming = 1;
		return 0;
	case VIDIOC_STREAMOFF:
		cam.streaming = 0;
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (fd >= 0 && fd == cam.fd)
		return cam_ioctl(req, arg);
	int (*real)(int, unsigned long, ...);
	REAL(real, "ioctl");
	return real(fd, req, arg);
}

static void *fake_mmap(void *addr, size_t len, int prot, int flags, int fd,
                       off_t off)
{
	if (fd < 0 || fd != cam.fd) {
		void *(*real)(void *, size_t, int, int, int, off_t);
		REAL(real, "mmap");
		return real(addr, len, prot, flags, fd, off);
	}
	uint32_t i = (uint32_t)(off / (4096 * 1024));
	if (i >= cam.n_bufs || len != frame_bytes() || cam.mem[i]) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	cam.mem[i] = calloc(1, len);
	return cam.mem[i] ? cam.mem[i] : MAP_FAILED;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return fake_mmap(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return fake_mmap(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	for (uint32_t i = 0; i < cam.n_bufs; i++)
		if (addr && addr == cam.mem[i]) {
			free(cam.mem[i]);
			cam.mem[i] = NULL;
			return 0;
		}
	int (*real)(void *, size_t);
	REAL(real, "munmap");
	return real(addr, len);
}

/* glibc declares poll's array write-only (access attribute), which makes
 * reading fd, as every poll does, look uninitialized to GCC. */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (n == 1 && fds[0].fd >= 0 && fds[0].fd == cam.fd) {
		const char *e = getenv("FAKE_V4L2_BURST");
		int burst = e ? atoi(e) : 1;
		for (int k = 0; k < burst; k++)
			fill_one();
		int ready = 0;
		for (uint32_t i = 0; i < cam.n_bufs; i++)
			ready |= cam.state[i] == 2;
		fds[0].revents = ready ? POLLIN : 0;
		return ready;
	}
	int (*real)(struct pollfd *, nfds_t, int);
	REAL(real, "poll");
	return real(fds, n, timeout);
}

int close(int fd)
{
	int (*real)(int);
	REAL(real, "close");
	if (fd >= 0 && fd == cam.fd) {
		const char *log = getenv("FAKE_V4L2_LOG");
		FILE *f = log ? fopen(log, "w") : NULL;
		if (f) {
			fprintf(f, "%lld\n", (long long)cam.last_dq_seq);
			fclose(f);
		}
		cam.fd = -1;
	}
	return real(fd);
}
