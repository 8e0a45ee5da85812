/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce_run.h - `mapce run`: keep the CE on a WAN in line with the line.
 *
 * Brings the CE up as `up` would (or takes over the one that runs), then
 * stays in the foreground: one poll() over an rtnetlink monitor (the
 * WAN's link, addresses and routes; sys/nl_monitor.h), a signalfd (HUP,
 * TERM, INT) and two timerfds: a debounce (RUN_DEBOUNCE_MS after the
 * first event of a burst: the burst is handled once) and a periodic check
 * (RUN_CHECK_S: a safety net for lost events).  Each pass plans the CE
 * from the settings and the WAN as it is now and lets ce_reconcile()
 * bring what runs to it, under the global lock:
 *
 *   a new prefix     new IPv4, PSID and MAP address; bindings that no
 *                    longer fit dropped, the rest kept; address and route
 *                    swapped
 *   link down / up   nothing while down; when up, what the kernel took
 *                    (the MAP address, the route) put back, NAT state kept
 *   SIGHUP           the config file read again, what changed applied in
 *                    place; a broken file refused (file:line), the running
 *                    state kept
 *   SIGTERM/SIGINT   `down`, exit 0
 *   pins gone        someone ran `mapce down`: exit 0
 *
 * One log line per event (run_log.h); systemd notifications, the pid file
 * and its lock: sys/daemon.h.  With a prometheus-file, a third timerfd
 * rewrites that textfile every MAPCE_PROM_INTERVAL_S (ce_prom.h); it is
 * removed at exit.
 */
#ifndef MAPCE_CE_RUN_H
#define MAPCE_CE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include "ce/ce_loader.h"
#include "ce/run_service.h"

#define RUN_DEBOUNCE_MS 300
#define RUN_CHECK_S 30

/* What the command line side provides (cli: settings and the plan). */
struct ce_run_ops {
	/* The config file read again and merged with the command line (a
	 * SIGHUP).  0, or the message (file:line) in err; the settings are
	 * then unchanged. */
	int (*reread)(void *ctx, char *err, size_t errlen);
	/* The parameters from the settings and the WAN as it is now.
	 * lenient: port forwards outside a new port set are left out (said
	 * in note), not refused.  0, or the message in err. */
	int (*plan)(void *ctx, bool lenient, struct ce_up_params *p, char *note, size_t notelen,
		    char *err, size_t errlen);
	/* The interface the prefix is found on when not the WAN, or NULL. */
	const char *(*prefix_from)(void *ctx);
	/* The config file of the settings, "" when none. */
	const char *(*config)(void *ctx);
	/* The Prometheus textfile to keep (ce_prom.h), or NULL; asked at
	 * every write, so a reload may change it. */
	const char *(*prometheus_file)(void *ctx);
	/* What run keeps beside the CE (run_service.h), n_services of them;
	 * NULL: none. */
	struct run_service *const *services;
	size_t n_services;
};

/* Run until SIGTERM/SIGINT or the pins are taken away; the exit status
 * (1 when the first up fails, or another run keeps wan). */
int ce_run_loop(const char *wan, const struct ce_run_ops *ops, void *ctx);

#endif
