/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * resolve_follow.h - when to ask again for a name that is followed (a
 * DS-Lite AFTR's name, RFC 6333 §5.5): when the answer's TTL ends
 * (clamped to RESOLVE_FOLLOW_MIN_S..RESOLVE_FOLLOW_MAX_S), sooner after a
 * failure (backoff doubling from RESOLVE_FOLLOW_RETRY_S up to
 * RESOLVE_FOLLOW_RETRY_MAX_S), and at once when the WAN prefix changes.
 * A failure keeps the last good address.  Pure: the caller resolves
 * (resolve_aaaa) and passes the time in seconds (a monotonic clock).
 */
#ifndef MAPCE_RESOLVE_FOLLOW_H
#define MAPCE_RESOLVE_FOLLOW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <linux/types.h>

#define RESOLVE_FOLLOW_MIN_S 30	       /* a shorter TTL is not re-asked sooner */
#define RESOLVE_FOLLOW_MAX_S 86400     /* a longer TTL is re-asked after a day */
#define RESOLVE_FOLLOW_RETRY_S 5       /* the first retry after a failure */
#define RESOLVE_FOLLOW_RETRY_MAX_S 300 /* the backoff's ceiling */

struct resolve_follow {
	bool have;	      /* addr holds a good answer */
	struct in6_addr addr; /* the last good answer */
	__u32 ttl;	      /* its TTL as received */
	__u64 next;	      /* when to ask again (seconds) */
	__u32 retry;	      /* the current backoff; 0: no failure since the last good */
};

/* A good answer at now: true when the address changed (re-apply). */
bool resolve_follow_ok(struct resolve_follow *f, const struct in6_addr *a, __u32 ttl, __u64 now);
/* A failed question at now: the next is after the backoff; addr stays. */
void resolve_follow_fail(struct resolve_follow *f, __u64 now);
/* The WAN prefix changed at now: ask at once. */
void resolve_follow_wan_changed(struct resolve_follow *f, __u64 now);
/* Whether to ask now. */
bool resolve_follow_due(const struct resolve_follow *f, __u64 now);

#endif
