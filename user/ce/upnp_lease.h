/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * upnp_lease.h - miniupnpd's lease file (its lease_file option): one port
 * mapping a line, as miniupnpd 2.x writes it,
 *   PROTO:EXT_PORT:INT_IP:INT_PORT:EXPIRY:DESCRIPTION
 * PROTO TCP or UDP, EXPIRY the mapping's end in seconds since the epoch
 * (0: none), DESCRIPTION the client's text (may hold ':').  Pure parsing:
 * the bridge that reads the file is upnp_bridge.h.
 */
#ifndef MAPCE_CE_UPNP_LEASE_H
#define MAPCE_CE_UPNP_LEASE_H

#include <stddef.h>
#include <stdint.h>
#include "core/portmap.h"

#define UPNP_LEASE_MAX 1024 /* leases read from one file; more are refused */
#define UPNP_DESC_LEN 48    /* of the description, kept for the log */

struct upnp_lease {
	struct portmap pm; /* one port: first == last; line = the file's line */
	uint64_t expires;  /* seconds since the epoch, 0: none */
	char desc[UPNP_DESC_LEN];
};

/* One line (without its newline).  0 ok, -1 with a message naming the bad
 * field and its value. */
int upnp_lease_parse_line(const char *line, struct upnp_lease *l, char *err, size_t errlen);

/* A bad line of a file: its number and the message. */
typedef void (*upnp_lease_bad_fn)(void *arg, unsigned int line, const char *msg);

/* The whole file's text (len bytes, need not end in NUL): the good leases
 * into out (at most max), each bad line to bad() (may be NULL).  Empty
 * lines are skipped.  Returns the count of good leases. */
int upnp_lease_parse(const char *text, size_t len, struct upnp_lease *out, int max,
		     upnp_lease_bad_fn bad, void *arg);

/* Has the lease ended at now (seconds since the epoch)? */
static inline int upnp_lease_expired(const struct upnp_lease *l, uint64_t now)
{
	return l->expires && l->expires <= now;
}

#endif
