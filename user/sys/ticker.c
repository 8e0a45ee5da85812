// SPDX-License-Identifier: GPL-2.0-only
/* ticker.c - a periodic timer as an fd (ticker.h). */
#include <errno.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sys/ticker.h"

int ticker_open(long every_ms)
{
	struct timespec every = { every_ms / 1000, (every_ms % 1000) * 1000000L };
	struct itimerspec it = { .it_interval = every, .it_value = every };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &it, NULL)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

int ticker_fired(int fd)
{
	uint64_t n;

	return read(fd, &n, sizeof(n)) == sizeof(n) && n > 0;
}
