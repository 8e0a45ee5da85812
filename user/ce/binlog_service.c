// SPDX-License-Identifier: GPL-2.0-only
/* binlog_service.c - mapce run's binding log file (binlog_service.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ce/binlog_read.h"
#include "ce/binlog_service.h"
#include "core/output.h"
#include "sys/ticker.h"

struct binlog_file {
	char wan[IF_NAMESIZE];
	char path[PATH_MAX];
	struct binlog_reader r;
	bool reading;
	int tick; /* timerfd: the read every MAPCE_BINLOG_FLUSH_MS, or -1 */
	FILE *f;
};

static struct binlog_file L = { .tick = -1 };

/* Open (or reopen) the file for appending: 0, or -errno. */
static int file_open(void)
{
	int fd = open(L.path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	FILE *f;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "a");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	if (L.f)
		fclose(L.f);
	L.f = f;
	return 0;
}

/* One record into the file, through the printer `mapce log` uses. */
static void on_record(const struct mapce_binlog_event *e, void *arg)
{
	FILE *prev;

	if (!L.f)
		return;
	prev = out_stream(L.f);
	binlog_print(e);
	out_stream(prev);
}

/* The file and the timer closed (the reader is binlog_close's). */
static void svc_close(void)
{
	if (L.tick >= 0)
		close(L.tick);
	L.tick = -1;
	if (L.f)
		fclose(L.f);
	L.f = NULL;
}

static int svc_start(void *arg, const char *wan, const struct ce_up_params *cur, char *err,
		     size_t errlen)
{
	int ret;

	snprintf(L.wan, sizeof(L.wan), "%s", wan);
	ret = file_open();
	if (ret) {
		snprintf(err, errlen, "binding-log %s: %s", L.path, strerror(-ret));
		return -1;
	}
	/* the reader's clock: the datapath wakes it only for a burst
	 * (mapce_binlog.h) */
	L.tick = ticker_open(MAPCE_BINLOG_FLUSH_MS);
	if (L.tick < 0)
		snprintf(err, errlen, "binding-log: a timer: %s", strerror(-L.tick));
	if (L.tick < 0 || binlog_open(&L.r, wan, on_record, NULL, err, errlen)) {
		svc_close();
		return -1;
	}
	L.reading = true;
	run_say(wan, "binding-log", "writing the binding log to %s", L.path);
	return 0;
}

static int svc_fds(void *arg, int *fds, int max)
{
	if (!L.reading || max < 2)
		return 0;
	fds[0] = binlog_fd(&L.r);
	fds[1] = L.tick;
	return 2;
}

/* Is the open file still the one at the path?  A rotation that came
 * without its SIGHUP (or with a reload refused) is seen here. */
static bool file_moved(void)
{
	struct stat a, b;

	if (!L.f || fstat(fileno(L.f), &a))
		return false;
	return stat(L.path, &b) || a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static void svc_ready(void *arg, int fd)
{
	int n;

	if (fd == L.tick && !ticker_fired(fd))
		return;
	if (file_moved() && file_open() == 0)
		run_say(L.wan, "binding-log", "reopened %s (it was moved)", L.path);
	n = binlog_read(&L.r);

	if (n < 0)
		run_say(L.wan, "error", "binding-log: reading the ring: %s", strerror(-n));
	else if (L.f && ferror(L.f)) {
		run_say(L.wan, "error", "binding-log %s: write failed", L.path);
		clearerr(L.f);
	}
}

/* A SIGHUP: what is queued goes to the old file, later records to the
 * file now at the path (logrotate moved the old one away). */
static void svc_applied(void *arg, const struct run_applied *pass)
{
	int ret;

	if (!pass->reload || !L.reading)
		return;
	binlog_read(&L.r);
	ret = file_open();
	if (ret)
		run_say(L.wan, "error",
			"binding-log %s: reopening: %s (still writing the old file)", L.path,
			strerror(-ret));
	else
		run_say(L.wan, "binding-log", "reopened %s", L.path);
}

static void svc_stop(void *arg)
{
	if (L.reading) {
		binlog_read(&L.r);
		binlog_close(&L.r);
		L.reading = false;
	}
	svc_close();
}

static struct run_service service = {
	.name = "binding-log",
	.start = svc_start,
	.fds = svc_fds,
	.ready = svc_ready,
	.applied = svc_applied,
	.stop = svc_stop,
};

struct run_service *binlog_service(const char *path)
{
	snprintf(L.path, sizeof(L.path), "%s", path);
	return &service;
}
