// SPDX-License-Identifier: GPL-2.0-only
/*
 * daemon.c - the pid file that is also `mapce run`'s lock, and systemd's
 * notifications (daemon.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "core/policy.h"
#include "sys/daemon.h"
#include "sys/kv_file.h"

void pidfile_path(const char *wan, char *buf, size_t len)
{
	if (kv_run_path(buf, len, "", wan, ".pid"))
		buf[0] = '\0'; /* not a device name: no file, open fails */
}

/* The pid written in the file open on fd (0 when none). */
static pid_t read_pid(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

int pidfile_acquire(const char *wan, struct pidfile *pf, pid_t *holder)
{
	char path[PATH_MAX];

	pidfile_path(wan, path, sizeof(path));
	return pidfile_acquire_at(path, pf, holder);
}

int pidfile_acquire_at(const char *path, struct pidfile *pf, pid_t *holder)
{
	struct stat a, b;
	char buf[32];
	int fd, ret, len;

	*holder = 0;
	pf->fd = -1;
	snprintf(pf->path, sizeof(pf->path), "%s", path);
	ret = run_dir_ensure(true);
	if (ret)
		return ret;
	/* The file a dying holder unlinks after we opened it would lock
	 * fine but be nobody's: try again with the one on the path. */
	for (int tries = 0; tries < 3; tries++) {
		fd = open(pf->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
			if (ret == -EBUSY)
				*holder = read_pid(fd);
			close(fd);
			return ret;
		}
		if (!fstat(fd, &a) && !stat(pf->path, &b) && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		return -EAGAIN;
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)len, 0) != len) {
		ret = -errno;
		unlink(pf->path);
		close(fd);
		return ret;
	}
	pf->fd = fd;
	return 0;
}

void pidfile_release(struct pidfile *pf)
{
	if (pf->fd < 0)
		return;
	unlink(pf->path); /* while still locked: nobody takes a dying file */
	close(pf->fd);
	pf->fd = -1;
	run_dir_prune();
}

pid_t pidfile_running(const char *wan)
{
	char path[PATH_MAX], comm[32] = "";
	pid_t pid;
	FILE *f;
	int fd;

	pidfile_path(wan, path, sizeof(path));
	fd = kv_file_open(path);
	if (fd < 0)
		return 0;
	pid = read_pid(fd);
	close(fd);
	if (pid <= 0)
		return 0;
	/* a pid left by a run killed hard may have been reused */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strncmp(comm, "mapce", 5) ? pid : 0;
}

void notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void notify_reloading(void)
{
	struct timespec ts;

	/* MONOTONIC_USEC: what Type=notify-reload wants with RELOADING=1 */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ULL +
			   (unsigned long long)ts.tv_nsec / 1000ULL);
}

void notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

long watchdog_interval_ms(void)
{
	uint64_t usec = 0;

	/* WATCHDOG_USEC (and WATCHDOG_PID, when set, ours): half of it,
	 * at least 100 ms */
	if (sd_watchdog_enabled(0, &usec) <= 0 || !usec)
		return 0;
	return usec / 2000 > 100 ? (long)(usec / 2000) : 100;
}

void notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}
