// SPDX-License-Identifier: GPL-2.0-only
/* text_file.c - read a small text file whole (text_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/parse.h"
#include "core/text_file.h"

int text_file_read(const char *path, size_t max, char **out, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	char *buf;
	int fd;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return mapce_errf(err, errlen, "cannot read %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return mapce_errf(err, errlen, "%s is not a regular file", path);
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		return mapce_errf(err, errlen, "%s is larger than %zu bytes", path, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return mapce_errf(err, errlen, "out of memory reading %s", path);
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0 || n != st.st_size) {
		free(buf);
		return mapce_errf(err, errlen, "cannot read %s: %s", path,
				  n < 0 ? strerror(errno) : "short read");
	}
	if (memchr(buf, '\0', (size_t)n)) {
		size_t line = 1;

		for (const char *q = buf; *q; q++)
			line += *q == '\n';
		free(buf);
		return mapce_errf(err, errlen, "%s:%zu: a NUL byte", path, line);
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}
