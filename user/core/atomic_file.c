// SPDX-License-Identifier: GPL-2.0-only
/* atomic_file.c - replace a file atomically (atomic_file.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/atomic_file.h"

int atomic_write(const char *path, mode_t mode, void (*fn)(FILE *f, const void *ctx),
		 const void *ctx)
{
	char tmp[PATH_MAX];
	struct stat st;
	FILE *f;
	int fd, e = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp); /* O_EXCL, mode 0600 until the fchmod below */
	if (fd < 0)
		return -errno;
	if (!stat(path, &st)) {
		/* an edit keeps who may read the file; another owner's file
		 * stays theirs when we are allowed to say so */
		if (fchmod(fd, st.st_mode & 07777) ||
		    (fchown(fd, st.st_uid, st.st_gid) && errno != EPERM))
			e = errno;
	} else if (fchmod(fd, mode)) {
		e = errno;
	}
	f = e ? NULL : fdopen(fd, "w");
	if (!f) {
		e = e ? e : errno;
		close(fd);
		goto fail;
	}
	errno = 0;
	fn(f, ctx);
	if (fflush(f) || ferror(f))
		e = errno ? errno : EIO;
	else if (fsync(fileno(f)))
		e = errno;
	if (fclose(f) && !e)
		e = errno;
	if (!e && rename(tmp, path))
		e = errno;
	if (!e)
		return 0;
fail:
	unlink(tmp);
	return -e;
}

static void put_text(FILE *f, const void *text)
{
	fputs(text, f);
}

int atomic_write_text(const char *path, mode_t mode, const char *text)
{
	return atomic_write(path, mode, put_text, text);
}
