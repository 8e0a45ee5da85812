/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stats.h - count a packet (or an event) under its reason.
 * The counter map is passed in so the CE and the BR share the code.
 */
#ifndef MAPCE_BPF_LIB_STATS_H
#define MAPCE_BPF_LIB_STATS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mapce_abi.h"

/* Per-CPU array slot: plain adds, no atomics needed. */
static __always_inline void stats_count(void *stats_map, __u32 reason, __u64 bytes)
{
	struct mapce_counter *c = bpf_map_lookup_elem(stats_map, &reason);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
#ifdef MAPCE_BUILD_VARIANT
	/* tests/lab/test_upgrade.sh: other program bytes (and tags), the
	 * same behaviour and map layout */
	asm volatile("r0 = %0" ::"i"(MAPCE_BUILD_VARIANT) : "r0");
#endif
}

#endif
