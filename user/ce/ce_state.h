/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce_state.h - what `mapce up` created on a WAN, so that `mapce down`
 * removes exactly that and nothing that was there before (an address or a
 * clsact qdisc someone else owns).  A small text file,
 * MAPCE_RUN_DIR/<wan>.state, rewritten (atomically) after every step of
 * up, so a crash leaves an accurate record.
 */
#ifndef MAPCE_CE_STATE_H
#define MAPCE_CE_STATE_H

#include <stdbool.h>
#include <linux/types.h>

struct ce_state {
	int ifindex;       /* the WAN's ifindex when up ran (a recreated
			    * device has another: its records are void) */
	bool pins_created; /* up created the pinned maps */
	bool addr_added;   /* up added addr/128 (EEXIST: not ours) */
	__u8 addr[16];
	bool route_added;  /* up added the IPv4 default route (proto RTPROT_MAPCE) */
	bool hook_created; /* up created the clsact qdisc */
};

/* 0, -ENOENT when there is no state file, -EINVAL when it is garbled. */
int ce_state_load(const char *ifname, struct ce_state *st);
int ce_state_save(const char *ifname, const struct ce_state *st);
/* 0 removed, -ENOENT none. */
int ce_state_remove(const char *ifname);

#endif
