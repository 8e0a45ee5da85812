/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aftr_service.h - `mapce run` follows a DS-Lite AFTR given by name
 * (RFC 6333 §5.5; ce/aftr_name.h): the name is asked again when its
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
#include "core/config_file.h"

/* The service; settings() gives run's settings as they are now (a reload
 * replaces them): without an AFTR name it does nothing. */
struct run_service *aftr_service(const char *wan, const struct up_settings *(*settings)(void));

/*
 * For run's plan: the address to use for s's AFTR name into addr (text).
 * The followed name's last good address; a name not followed yet (the
 * first up, a reload that names another) is asked now, in the caller's
 * thread.  1: s names no AFTR (addr untouched); 0; -1 with err (no good
 * address yet: the name does not resolve).
 */
int aftr_follow_plan(const struct up_settings *s, char *addr, size_t len, char *err, size_t errlen);

#endif
