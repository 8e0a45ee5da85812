// SPDX-License-Identifier: GPL-2.0-only
/* safe_dir.c - directories opened without following planted links (safe_dir.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/output.h"
#include "sys/safe_dir.h"

#define SAFE_DIR_PATH_MAX 4096

size_t safe_dir_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash != path ? (size_t)(slash - path) : 0;
}

/* Is the directory open on fd fit to hold mapce's files?  0, or -EPERM
 * after saying why (path names it). */
static int check_dir(int fd, const char *path, mode_t mode)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_uid != geteuid()) {
		pr_err("refusing %s: it is owned by uid %u, not by uid %u (mapce made it not); "
		       "remove it and run again",
		       path, (unsigned int)st.st_uid, (unsigned int)geteuid());
		return -EPERM;
	}
	if (st.st_mode & 07777 & ~mode) {
		pr_err("refusing %s: its mode is %04o; mapce's is %04o (others must not write "
		       "there); remove it and run again",
		       path, (unsigned int)(st.st_mode & 07777), (unsigned int)mode);
		return -EPERM;
	}
	return 0;
}

/* The trusted base: a directory owned by root (a world-writable one only
 * with the sticky bit, so nobody removes or renames what root made). */
static int open_base(const char *base)
{
	struct stat st;
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_uid != 0 ||
	    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))) {
		pr_err("refusing %s: not owned by root, or writable by others without the sticky "
		       "bit",
		       base);
		close(fd);
		return -EPERM;
	}
	return fd;
}

int safe_dir_open(const char *path, size_t base_len, mode_t mode, bool create)
{
	char buf[SAFE_DIR_PATH_MAX];
	size_t len = strlen(path);
	char *comp, *next;
	int fd, sub, ret;

	if (len >= sizeof(buf) || base_len >= len || path[base_len] != '/')
		return -EINVAL;
	memcpy(buf, path, len + 1);
	buf[base_len] = '\0';
	fd = open_base(base_len ? buf : "/");
	if (fd < 0)
		return fd;
	for (comp = buf + base_len + 1; comp && *comp; comp = next) {
		next = strchr(comp, '/');
		if (next)
			*next++ = '\0';
		if (create && mkdirat(fd, comp, mode) && errno != EEXIST) {
			ret = -errno;
			goto fail;
		}
		sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		comp[-1] = '/'; /* buf: the path up to this component */
		if (sub < 0) {
			ret = -errno;
			if (ret == -ELOOP || ret == -ENOTDIR) {
				pr_err("refusing %s: a symbolic link or not a directory (mapce "
				       "made "
				       "it not); remove it and run again",
				       buf);
				ret = -EPERM;
			}
			goto fail;
		}
		close(fd);
		fd = sub;
		ret = check_dir(fd, buf, mode);
		if (ret)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return ret;
}
