/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run_log.h - `mapce run`'s log: one line per event.
 *
 * Text (stderr): "TIME WAN EVENT MESSAGE", e.g.
 *   2026-12-03T18:00:00Z eth0 prefix 2001:db8:12:3400::/56 -> 2001:db8:56:5600::/56:
 *   ipv4 198.51.100.18 -> 198.51.100.86, psid 52 -> 86, MAP address A -> B,
 *   14 bindings dropped, 3 kept
 * (one line).  With -j: one JSON object per line on stdout (where pr_err's
 * {"error": ...} objects go too): {"time", "wan", "event", "message"},
 * and for a new prefix "old"/"new" ({"prefix", "ipv4", "psid", "ce_ipv6"})
 * and "bindings_dropped", "bindings_kept", "flows_dropped".
 *
 * Events: start (up, or the running CE taken over), prefix, reload,
 * repair, config, route, link, waiting (what keeps it from following the
 * line), error, stop.
 */
#ifndef MAPCE_RUN_LOG_H
#define MAPCE_RUN_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "mapce_abi.h"

/* Where a CE stands, for a new prefix's old -> new. */
struct run_nat {
	char prefix[64]; /* "2001:db8:12:3400::/56" */
	__be32 ipv4;
	__u16 psid;
	__u8 ce_ipv6[16];
};

struct run_event {
	const char *event;
	char msg[2048];
	bool nat; /* old, new */
	struct run_nat old, new;
	bool counts; /* the NAT state a new prefix cut */
	long bindings_dropped, bindings_kept, flows_dropped;
};

/* "2026-12-03T18:00:00Z" (UTC) into buf (at least 21 bytes). */
const char *run_log_time(time_t t, char *buf, size_t len);
/* The text line of ev at t, without a newline. */
size_t run_log_text(const char *wan, time_t t, const struct run_event *ev, char *buf, size_t len);
/* Append ", "-separated text to ev->msg. */
void run_log_add(struct run_event *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print ev now: text on stderr, or JSON on stdout with -j. */
void run_log(const char *wan, const struct run_event *ev);

#endif
