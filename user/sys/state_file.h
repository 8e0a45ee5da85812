/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * state_file.h - what `up` created on a device (CE or BR, one record
 * type), so that `down` removes exactly that and nothing that was there
 * before (an address or a clsact qdisc someone else owns).  A small
 * kv_file.h record, MAPCE_RUN_DIR/<prefix><dev>.state, rewritten after
 * every step of up, so a crash leaves an accurate record.
 *
 *   ifindex=3  pins_created=1  addr_added=1  addr=2001:db8::1
 *   route_added=1  hook_created=1  route=198.51.100.0/24,fe80::1 ...
 *   progs=12,13,14
 */
#ifndef MAPCE_STATE_FILE_H
#define MAPCE_STATE_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "mapce_abi.h"

/* One IPv4 route up added: DST/LEN via inet6 GW dev <dev>. */
struct state_route {
	__be32 dst;
	__u8 dst_len;
	__u8 gw[16];
};

#define STATE_PROGS_MAX 8 /* programs of one side (deploy.h: DEPLOY_MISS_PROGS) */

struct up_state {
	int ifindex;	   /* the device's ifindex when up ran (a recreated
			    * device has another: its records are void) */
	bool pins_created; /* up created the pinned maps */
	bool hook_created; /* up created the clsact qdisc */
	bool addr_added;   /* up added addr/128 (already there: not ours) */
	__u8 addr[16];
	int n_routes; /* routes up added or took over (its protocol) */
	struct state_route routes[MAPCE_MAX_RULES];
	/* The id of the program up attached at each hook of the side (in its
	 * spec's order; 0 none known): how down, up and status tell the
	 * side's programs without CAP_SYS_ADMIN, which reading a program's
	 * name by id takes.  "progs=12,13,14". */
	__u32 prog_id[STATE_PROGS_MAX];
	/* For `status` (nothing down needs): where the rule came from, the
	 * rule, and since when (Unix time) the device's address is the one it
	 * is: a new prefix (a new MAP address) restarts it. */
	char source[PATH_MAX + 64];
	char rule[256];
	long long since;
};

/* 0, -ENOENT when there is no state file, -EINVAL when it is garbled. */
int state_load(const char *prefix, const char *dev, struct up_state *st);
/* cmd ("mapce", "mapce br") names the writer in the file's comment. */
int state_save(const char *prefix, const char *dev, const char *cmd, const struct up_state *st);
/* 0 removed, -ENOENT none. */
int state_remove(const char *prefix, const char *dev);

#endif
