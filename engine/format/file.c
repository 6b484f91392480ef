/* Whole-file reads into aligned memory, and atomic writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/rfx_format.h"

static rfx_status io_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static rfx_status io_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return RFX_E_IO;
}

rfx_status rfx_file_read(const char *path, uint64_t max_size, void **out,
                         size_t *out_size, char *err, size_t errlen)
{
	struct stat sb;
	unsigned char *buf = NULL;
	size_t size, got = 0;
	void *p;
	int fd;

	if (!path || !out || !out_size)
		return RFX_E_INVALID_ARGUMENT;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return io_fail(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		io_fail(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		io_fail(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (sb.st_size < 0 || (uint64_t)sb.st_size > max_size ||
	    (uint64_t)sb.st_size >= SIZE_MAX - RFX_FORMAT_ALIGN) {
		io_fail(err, errlen, "%s: %lld bytes, more than the limit of %llu",
			path, (long long)sb.st_size, (unsigned long long)max_size);
		goto fail;
	}
	size = (size_t)sb.st_size;
	if (posix_memalign(&p, RFX_FORMAT_ALIGN, size + 1) != 0) {
		close(fd);
		return RFX_E_OUT_OF_MEMORY;
	}
	buf = p;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			io_fail(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0) {
			io_fail(err, errlen, "%s: file shrank while reading (%zu of %zu bytes)",
				path, got, size);
			goto fail;
		}
		got += (size_t)n;
	}
	buf[size] = 0;
	close(fd);
	*out = buf;
	*out_size = size;
	return RFX_OK;
fail:
	free(buf);
	close(fd);
	return RFX_E_IO;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Through a temporary file renamed over path; `durable`: fsync()ed first,
 * and the directory after the rename. */
static rfx_status write_replace(const char *path, const void *bytes,
                                size_t size, int durable, char *err,
                                size_t errlen)
{
	char *tmp, *dir;
	size_t len;
	int fd, e;

	if (!path || !*path || (!bytes && size))
		return RFX_E_INVALID_ARGUMENT;
	len = strlen(path);
	tmp = malloc(len + sizeof(".tmp.XXXXXX"));
	if (!tmp)
		return RFX_E_OUT_OF_MEMORY;
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	fd = mkstemp(tmp);
	if (fd < 0) {
		io_fail(err, errlen, "%s: cannot create a temporary file: %s",
			path, strerror(errno));
		free(tmp);
		return RFX_E_IO;
	}
	/* mkstemp() makes 0600; a model file is as readable as any other. */
	if (fchmod(fd, 0644) != 0 || write_all(fd, bytes, size) != 0 ||
	    (durable && fsync(fd) != 0)) {
		e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		return io_fail(err, errlen, "%s: %s", path, strerror(e));
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		free(tmp);
		return io_fail(err, errlen, "%s: %s", path, strerror(e));
	}
	free(tmp);
	if (!durable)
		return RFX_OK;
	/* Make the rename itself durable; failure here loses nothing. */
	dir = strdup(path);
	if (dir) {
		char *slash = strrchr(dir, '/');
		int dfd;

		if (slash == dir)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	return RFX_OK;
}

rfx_status rfx_file_write_atomic(const char *path, const void *bytes,
                                 size_t size, char *err, size_t errlen)
{
	return write_replace(path, bytes, size, 1, err, errlen);
}

rfx_status rfx_file_write_cache(const char *path, const void *bytes,
                                size_t size, char *err, size_t errlen)
{
	return write_replace(path, bytes, size, 0, err, errlen);
}
