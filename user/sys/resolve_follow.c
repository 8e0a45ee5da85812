// SPDX-License-Identifier: GPL-2.0-only
/* resolve_follow.c - the schedule of a followed name (see resolve_follow.h). */
#include <string.h>

#include "resolve_follow.h"

bool resolve_follow_ok(struct resolve_follow *f, const struct in6_addr *a, __u32 ttl, __u64 now)
{
	bool changed = !f->have || memcmp(&f->addr, a, sizeof(*a)) != 0;
	__u32 wait = ttl;

	if (wait < RESOLVE_FOLLOW_MIN_S)
		wait = RESOLVE_FOLLOW_MIN_S;
	if (wait > RESOLVE_FOLLOW_MAX_S)
		wait = RESOLVE_FOLLOW_MAX_S;
	f->have = true;
	f->addr = *a;
	f->ttl = ttl;
	f->retry = 0;
	f->next = now + wait;
	return changed;
}

void resolve_follow_fail(struct resolve_follow *f, __u64 now)
{
	if (!f->retry)
		f->retry = RESOLVE_FOLLOW_RETRY_S;
	else if (f->retry < RESOLVE_FOLLOW_RETRY_MAX_S / 2)
		f->retry *= 2;
	else
		f->retry = RESOLVE_FOLLOW_RETRY_MAX_S;
	f->next = now + f->retry;
}

void resolve_follow_wan_changed(struct resolve_follow *f, __u64 now)
{
	f->next = now;
	f->retry = 0;
}

bool resolve_follow_due(const struct resolve_follow *f, __u64 now)
{
	return now >= f->next;
}
