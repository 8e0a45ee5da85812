/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aftr_service.h - `mapce run` follows a DS-Lite AFTR given by name
 * (RFC 6333 §5.5; ce/aftr_name.h: --aftr NAME, else DHCPv6 option 64's,
 * or a HB46PP answer's; whichever the last plan named, through
 * aftr_follow_plan): the name is asked again when its
 * answer's TTL ends, retried with backoff after a failure (the last good
 * address kept meanwhile), and at once when the WAN prefix changes, on
 * the schedule of sys/resolve_follow.h.  The question runs in a thread
 * of its own that tells the loop through an eventfd (the loop never waits
 * on the network); a new address asks the loop for a pass
 * (run_service.want_pass), which re-plans with it: the tunnel's remote
 * changes in place, every counter and map kept.  Each change and failure
 * is one log line; the record (MAPCE_RUN_DIR/<wan>.aftr) is what
 * `mapce status` shows.
 */
#ifndef MAPCE_AFTR_SERVICE_H
#define MAPCE_AFTR_SERVICE_H

#include <stddef.h>
#include "ce/run_service.h"
#include "ce/aftr_name.h"

/* The service: while the plan names no AFTR name it does nothing. */
struct run_service *aftr_service(const char *wan);

/*
 * run's plan's aftr_lookup_fn (ce/aftr_name.h): the followed name's last
 * good address and its TTL; a name not followed yet (the first up, a
 * reload or a new option 64 that names another) is asked now, in the
 * caller's thread; no name (NULL) ends the following.  1: no name; 0;
 * -1 with err (no good address yet: the name does not resolve).
 */
aftr_lookup_fn aftr_follow_plan;

#endif
