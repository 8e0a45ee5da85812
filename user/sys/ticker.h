/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ticker.h - a periodic timer as an fd for poll(): what `mapce run` does
 * on its own clock (its safety-net pass, the Prometheus textfile, the
 * systemd watchdog's ping; the binding log's reads, the UPnP lease file's
 * checks).
 */
#ifndef MAPCE_SYS_TICKER_H
#define MAPCE_SYS_TICKER_H

/* A non-blocking timerfd (CLOCK_MONOTONIC) that becomes readable every
 * every_ms, the first time every_ms from now: the fd, or -errno. */
int ticker_open(long every_ms);

/* Read a ticker's expirations: 1 when it fired since the last call, 0
 * when it has not (a poll woken for another fd). */
int ticker_fired(int fd);

#endif
