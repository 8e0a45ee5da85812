/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fastpath_lan.h - the XDP fast path on a LAN device (`up --fastpath LAN_IF`):
 * attach, detach, and the record of what up attached (fastpath_lan.c).
 */
#ifndef MAPCE_CE_FASTPATH_LAN_H
#define MAPCE_CE_FASTPATH_LAN_H

#include <net/if.h>
#include <linux/types.h>
#include "core/xdp_mode.h"
#include "ce/lan_record.h"

/* What this up wants. */
struct fastpath_want {
	const char *wan;
	const char *lan; /* the LAN's name (messages), when ifindex */
	int ifindex;	 /* the LAN device; 0: the fast path off */
	int prog_fd;	 /* mapce_xdp_fastpath of this run's object */
	int map_fd;	 /* the pinned mapce_fastpath */
	enum attach_xdp_mode xdp_mode;
};

/* The record of wan's fast path (MAPCE_RUN_DIR/<wan>.fastpath, lan_record.h;
 * mode: XDP_ATTACHED_*): 0, or -ENOENT (none), another -errno. */
int fastpath_record_load(const char *wan, struct lan_record *r);

/* Bring the fast path of w->wan to w: attached to w->ifindex (a program
 * of ours already there stays; another LAN's is detached), or off.  0, or
 * -1 after pr_err() (nothing half-done: a program it attached is
 * detached again). */
int fastpath_sync(const struct fastpath_want *w);

/* down: detach the recorded program (only when it is still the one at
 * the hook) and forget the record. */
void fastpath_down(const char *wan);

#endif
