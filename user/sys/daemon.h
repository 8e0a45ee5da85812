/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daemon.h - what a long-running mapce (`mapce run`) needs from the
 * system: its pid file, which is also its lock, and systemd's readiness
 * notifications.
 *
 * The pid file MAPCE_RUN_DIR/<wan>.pid holds the pid of the `mapce run`
 * that keeps the CE on <wan> (a DHCPv6 client hook sends it SIGHUP from
 * there) and is flock()ed while it runs: a second run on the same WAN
 * finds it locked and refuses, naming the pid; a run killed with -9 left
 * it unlocked, so the next one takes it over.  It is removed at exit.
 *
 * Notifications go to $NOTIFY_SOCKET (sd_notify(3); nothing without it):
 * READY=1 once up, RELOADING=1 and READY=1 around a SIGHUP, STOPPING=1 on
 * SIGTERM/SIGINT, STATUS=<one line> whenever the parameters change,
 * WATCHDOG=1 every WatchdogSec/2 while the loop turns.
 */
#ifndef MAPCE_DAEMON_H
#define MAPCE_DAEMON_H

#include <limits.h>
#include <sys/types.h>

struct pidfile {
	int fd;
	char path[PATH_MAX];
};

/* MAPCE_RUN_DIR[/net:INODE]/<wan>.pid into buf (kv_run_path). */
void pidfile_path(const char *wan, char *buf, size_t len);
/* Create and lock the pid file of wan, write our pid.  0, -EBUSY when
 * another process holds it (*holder: its pid, 0 when unreadable), or
 * -errno. */
int pidfile_acquire(const char *wan, struct pidfile *pf, pid_t *holder);
/* The same for the pid file at path (MAPCE_RUN_DIR[/net:INODE]/...): the
 * binding log's reader lock (ce/binlog_read.h). */
int pidfile_acquire_at(const char *path, struct pidfile *pf, pid_t *holder);
/* Remove it and drop the lock. */
void pidfile_release(struct pidfile *pf);
/* The pid of the `mapce run` that keeps wan, 0 when none runs (no pid
 * file, or its process is gone or is not mapce). */
pid_t pidfile_running(const char *wan);

void notify_ready(const char *status);
void notify_reloading(void);
void notify_status(const char *status);
void notify_stopping(void);
/* WatchdogSec=: how often to send WATCHDOG=1 (half the period systemd
 * gave in WATCHDOG_USEC), 0 when it gave none. */
long watchdog_interval_ms(void);
void notify_watchdog(void);

#endif
