/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run_service.h - what `mapce run` keeps beside the CE: each service
 * (a binding log writer, a port-mapping server, an update call, a bridge)
 * is a table of hooks the loop calls; none of them knows the loop.
 *
 * Order: start() once after the first up; then its fds are polled with
 * the loop's own (POLLIN; ready() when one is readable; fds() is asked
 * again at every turn, so a service may open, close or replace its fds,
 * e.g. a timerfd armed for a retry); applied() after every pass that
 * brought the CE to the line (a new prefix, a reload, a repair, and the
 * periodic check that found nothing to do), with what runs now; stop()
 * once at exit, before the CE is taken down.  After ready(), want_pass()
 * asks whether the service wants a pass of its own (what it learnt
 * changes the plan: a followed AFTR name's new address).  A service says
 * what it does with run_say() (one log line, the run log's format).
 *
 * A service never blocks the loop for long: its work per call is bounded
 * (non-blocking sockets, bounded reads); the CE's own work comes first.
 */
#ifndef MAPCE_RUN_SERVICE_H
#define MAPCE_RUN_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include "ce/ce_loader.h"

#define RUN_SERVICE_MAX 8     /* services in one run */
#define RUN_SERVICE_MAX_FDS 8 /* fds one service polls */

/* A pass that brought the CE to the line, as applied() sees it. */
struct run_applied {
	const struct ce_up_params *cur; /* what runs now */
	bool reload;			/* after a SIGHUP */
	/* The WAN's /64 (cfg.ce_ipv6, the tunnel's source) differs from the
	 * previous pass's: said once here for every service. */
	bool prefix_moved;
};

struct run_service {
	const char *name; /* "binding-log", "pcp", ...: in its log lines */
	void *arg;	  /* the service's own state, passed to every hook */
	/* After the first up, with what runs.  0, or -1 with the reason in
	 * err: the services started are stopped and run exits 1, the CE
	 * left as `up` would leave it (its NAT state is not lost); check
	 * settings when they are parsed, so this fails only on the system
	 * (a port taken, a path not writable). */
	int (*start)(void *arg, const char *wan, const struct ce_up_params *cur, char *err,
		     size_t errlen);
	/* The fds to poll now (at most max); the count.  NULL: none. */
	int (*fds)(void *arg, int *fds, int max);
	/* fd (one of fds()') is readable. */
	void (*ready)(void *arg, int fd);
	/* A pass brought the CE to the line.  NULL: not asked. */
	void (*applied)(void *arg, const struct run_applied *pass);
	/* After ready(): true to have the loop plan and apply again (once,
	 * after the debounce); the service clears its wish.  NULL: never. */
	bool (*want_pass)(void *arg);
	/* At exit. */
	void (*stop)(void *arg);
};

/* One line of the run log from a service: "TIME WAN EVENT MESSAGE". */
void run_say(const char *wan, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
