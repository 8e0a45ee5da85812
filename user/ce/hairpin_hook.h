/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hairpin_hook.h - ipip6 hairpinning's hook on a LAN device (`up --hairpin
 * LAN_IF`, bpf/ce/hairpin_lan.h): a tc ingress filter, attached, detached
 * and recorded (MAPCE_RUN_DIR/<wan>.hairpin, lan_record.h; mode: 1 when
 * up created the device's clsact qdisc, which down then removes when no
 * filter is left on it).
 */
#ifndef MAPCE_CE_HAIRPIN_HOOK_H
#define MAPCE_CE_HAIRPIN_HOOK_H

#include "ce/lan_record.h"

/* What this up wants. */
struct hairpin_want {
	const char *wan;
	const char *lan; /* the LAN's name (messages), when ifindex */
	int ifindex;	 /* the LAN device; 0: no hook (not ipip6, or not asked) */
	int prog_fd;	 /* mapce_tc_lan of this run's object */
};

/* The record of wan's hook: 0, or -ENOENT (none), another -errno. */
int hairpin_record_load(const char *wan, struct lan_record *r);

/* Bring the hook of w->wan to w: on w->ifindex (ours already there stays;
 * another LAN's is detached), or none.  0, or -1 after pr_err() (nothing
 * half-done: a filter it attached is detached again). */
int hairpin_sync(const struct hairpin_want *w);

/* down: detach the recorded filter (only when it is still the one at
 * the hook) and forget the record. */
void hairpin_down(const char *wan);

#endif
