// SPDX-License-Identifier: GPL-2.0-only
/* lock.c - one lock file for every mapce run. */
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "sys/lock.h"
#include "core/output.h"
#include "sys/kv_file.h"

#define LOCK_POLL_MS 50

int mapce_lock(bool exclusive)
{
	struct timespec ts = { .tv_nsec = LOCK_POLL_MS * 1000000L };
	int fd, ret = run_dir_ensure(false);

	if (ret)
		return ret;
	/* One lock for every namespace: serializing them costs nothing, and
	 * the bpffs and /run they write are shared. */
	fd = open(MAPCE_LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (int waited = 0; waited <= LOCK_WAIT_MS; waited += LOCK_POLL_MS) {
		if (!flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB))
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			ret = -errno;
			close(fd);
			return ret;
		}
		nanosleep(&ts, NULL);
	}
	close(fd);
	return -EWOULDBLOCK;
}

void mapce_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

int mapce_lock_or_err(bool exclusive)
{
	int fd = mapce_lock(exclusive);

	if (fd >= 0)
		return fd;
	pr_err("taking the lock %s: %s", MAPCE_LOCK_FILE,
	       fd == -EWOULDBLOCK ? "another mapce is running" : strerror(-fd));
	return -1;
}
