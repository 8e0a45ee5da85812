// SPDX-License-Identifier: GPL-2.0-only
/* run_worker.c - a run service's thread, eventfd and timer (run_worker.h). */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/types.h>

#include "ce/run_worker.h"
#include "core/parse.h"

int run_worker_open(struct run_worker *w, const char *name, char *err, size_t errlen)
{
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->efd < 0 || w->tfd < 0)
		return mapce_errf(err, errlen, "%s: eventfd/timerfd: %s", name, strerror(errno));
	return 0;
}

int run_worker_fds(void *arg, int *fds, int max)
{
	const struct run_worker *w = arg;
	int n = 0;

	if (w->efd >= 0 && n < max)
		fds[n++] = w->efd;
	if (w->tfd >= 0 && n < max)
		fds[n++] = w->tfd;
	return n;
}

static void *trampoline(void *arg)
{
	struct run_worker *w = arg;
	__u64 one = 1;
	ssize_t n;

	w->fn(w->arg);
	n = write(w->efd, &one, sizeof(one)); /* cannot fail: an eventfd takes 8 bytes */
	(void)n;
	return NULL;
}

int run_worker_start(struct run_worker *w, void (*fn)(void *arg), void *arg)
{
	int ret;

	if (w->busy)
		return EBUSY;
	run_worker_disarm(w);
	w->fn = fn;
	w->arg = arg;
	ret = pthread_create(&w->thread, NULL, trampoline, w);
	if (!ret)
		w->busy = true;
	return ret;
}

void run_worker_ready(void *arg, int fd)
{
	struct run_worker *w = arg;
	__u64 n;

	if (fd < 0 || read(fd, &n, sizeof(n)) != sizeof(n))
		return;
	if (fd == w->tfd) {
		w->on_timer();
	} else if (fd == w->efd && w->busy) {
		pthread_join(w->thread, NULL);
		w->busy = false;
		w->on_ended();
	}
}

void run_worker_arm(struct run_worker *w, unsigned long long seconds)
{
	struct itimerspec at = { 0 };

	if (seconds)
		at.it_value.tv_sec = (time_t)seconds;
	else
		at.it_value.tv_nsec = 1; /* at once (0 would disarm) */
	if (w->tfd >= 0)
		timerfd_settime(w->tfd, 0, &at, NULL);
}

void run_worker_disarm(struct run_worker *w)
{
	struct itimerspec off = { 0 };

	if (w->tfd >= 0)
		timerfd_settime(w->tfd, 0, &off, NULL);
}

void run_worker_close(struct run_worker *w)
{
	if (w->busy) {
		pthread_join(w->thread, NULL);
		w->busy = false;
	}
	if (w->efd >= 0)
		close(w->efd);
	if (w->tfd >= 0)
		close(w->tfd);
	w->efd = w->tfd = -1;
}

bool run_worker_leave(struct run_worker *w)
{
	if (!w->busy) {
		run_worker_close(w);
		return false;
	}
	pthread_detach(w->thread);
	w->busy = false;
	if (w->tfd >= 0)
		close(w->tfd);
	w->tfd = -1; /* the eventfd stays open: the thread still writes to it */
	return true;
}
