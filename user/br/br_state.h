/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * br_state.h - what `mapce br up` created on a device, so that
 * `mapce br down` removes exactly that and nothing that was there before
 * (an address or a clsact qdisc someone else owns).  A small text file,
 * MAPCE_RUN_DIR/br-<dev>.state, "key=value" lines, rewritten atomically
 * after every step of br up so a crash leaves an accurate record.
 */
#ifndef MAPCE_BR_STATE_H
#define MAPCE_BR_STATE_H

#include <stdbool.h>
#include <linux/types.h>
#include "mapce_abi.h"

/* One IPv4 route br up added: DST/LEN via inet6 GW dev <dev>. */
struct br_state_route {
	__be32 dst;
	__u8 dst_len;
	__u8 gw[16];
};

struct br_state {
	int ifindex;       /* the device's ifindex when br up ran (a recreated
			    * device has another: its records are void) */
	bool pins_created; /* br up created the pinned maps */
	bool addr_added;   /* br up added addr/128 (already there: not ours) */
	__u8 addr[16];
	bool hook_created; /* br up created the clsact qdisc */
	int n_routes;
	struct br_state_route routes[MAPCE_MAX_RULES];
};

/* 0, -ENOENT when there is no state file, -EINVAL when it is garbled. */
int br_state_load(const char *ifname, struct br_state *st);
int br_state_save(const char *ifname, const struct br_state *st);
/* 0 removed, -ENOENT none. */
int br_state_remove(const char *ifname);

#endif
