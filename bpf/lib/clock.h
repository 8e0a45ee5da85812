/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * clock.h - CLOCK_MONOTONIC_COARSE for the per-packet path without a
 * helper call a packet.  bpf_ktime_get_coarse_ns() is a call into the
 * timekeeper (about 10 ns of an established packet's XDP ingress by `make
 * bench`); bpf_jiffies64() is one load (the verifier inlines it).  The
 * coarse clock moves only at the tick, which moves jiffies, so each CPU
 * keeps its last reading and the jiffies it read it at (struct
 * clock_cache, in a per-CPU map of the caller's) and reads the clock again
 * only when jiffies moved.
 *
 * What a caller gets: a value the coarse clock had during this tick or the
 * one before (a reader can see the new jiffies a moment before the
 * timekeeper's update: it then keeps the old reading for a tick), so at
 * most two ticks behind a fresh reading, never ahead of one, never
 * backwards on one CPU.  Across CPUs two cached values can differ by that
 * much either way: a stamp that another CPU compares against its own
 * cached now must not be taken this way (the binding and fragment
 * timestamps are not).  For flow activity stamps (read by the expiry
 * sweep and userspace against fresh clocks) and per-CPU caches.
 */
#ifndef MAPCE_BPF_LIB_CLOCK_H
#define MAPCE_BPF_LIB_CLOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* A CPU's last coarse clock reading and the jiffies it was taken at. */
struct clock_cache {
	__u64 jiffies;
	__u64 ns;
};

/* The coarse clock now, give or take the above, through the per-CPU
 * array (one struct clock_cache) clock_map. */
static __always_inline __u64 clock_coarse_ns_cached(void *clock_map)
{
	__u32 zero = 0;
	struct clock_cache *c = bpf_map_lookup_elem(clock_map, &zero);
	__u64 j = bpf_jiffies64();

	if (!c)
		return bpf_ktime_get_coarse_ns();
	/* A fresh cache (jiffies 0, which jiffies64 never is: it starts
	 * near 2^32) is read on its first use like any old one. */
	if (c->jiffies != j) {
		c->ns = bpf_ktime_get_coarse_ns();
		c->jiffies = j;
	}
	return c->ns;
}

#endif
