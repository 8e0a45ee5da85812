/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * binlog_read.h - read a running CE's binding log: the pinned ring buffer
 * MAPCE_PIN_ROOT/<wan>/mapce_binlog (bpf/ce/binlog.h), for `mapce log`
 * and `mapce run --binding-log`.
 *
 * A ring buffer has one consumer position: two readers would each get
 * some of the records.  So a reader holds the lock file
 * MAPCE_RUN_DIR/<wan>.binlog (flock, our pid in it) while it reads; a
 * second reader is refused, naming the holder's pid.  What is read is
 * gone from the ring.
 */
#ifndef MAPCE_BINLOG_READ_H
#define MAPCE_BINLOG_READ_H

#include <stddef.h>
#include "mapce_binlog.h"
#include "sys/daemon.h"

typedef void (*binlog_fn)(const struct mapce_binlog_event *e, void *arg);

struct binlog_reader {
	struct ring_buffer *rb;
	int map_fd;
	struct pidfile lock;
	binlog_fn fn;
	void *arg;
};

/* Take wan's binding log: the lock, then the ring.  0, or -1 with the
 * reason in err (not up, a CE without the map, another reader). */
int binlog_open(struct binlog_reader *r, const char *wan, binlog_fn fn, void *arg, char *err,
		size_t errlen);
/* An fd that polls readable when a burst of records waits (for poll()):
 * the datapath wakes its reader only then (mapce_binlog.h), so a reader
 * also calls binlog_read every MAPCE_BINLOG_FLUSH_MS. */
int binlog_fd(const struct binlog_reader *r);
/* fn() for every record queued now: how many, or -errno. */
int binlog_read(struct binlog_reader *r);
/* Wait up to timeout_ms for a burst, then read what is queued: how many,
 * or -errno (-EINTR: a signal came). */
int binlog_wait(struct binlog_reader *r, int timeout_ms);
void binlog_close(struct binlog_reader *r);

/* One record through the out_*() calls: a line in text, an object in JSON
 * (with -j, one a line):
 *   TIME EVENT PROTO INSIDE OUTSIDE REMOTE REASON
 *   {"time","event","proto","inside","outside","remote","reason"}
 * TIME is UTC, ISO 8601 with milliseconds; endpoints ip:port; an outside
 * endpoint (refused) or a remote (expired) the event has none of: "-" in
 * text, null in JSON. */
void binlog_print(const struct mapce_binlog_event *e);

#endif
