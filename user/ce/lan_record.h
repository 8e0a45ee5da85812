/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lan_record.h - the record of a program `up` attached to a LAN device
 * (the XDP fast path: MAPCE_RUN_DIR/<wan>.fastpath; ipip6's hairpin hook:
 * <wan>.hairpin): the LAN's name and ifindex, the program's id and how it
 * is attached, so down, a later up and status know the program as
 * mapce's without CAP_SYS_ADMIN (which reading a program's name by id
 * takes).  A program at the hook that is not the recorded one is never
 * detached or replaced.
 */
#ifndef MAPCE_CE_LAN_RECORD_H
#define MAPCE_CE_LAN_RECORD_H

#include <net/if.h>
#include <linux/types.h>

struct lan_record {
	char lan[IF_NAMESIZE];
	int ifindex;
	__u32 prog_id;
	__u8 mode; /* XDP: XDP_ATTACHED_*; tc: 1 when up created the clsact qdisc */
};

/* The record of wan's hook (suffix ".fastpath", ".hairpin"): 0, or
 * -ENOENT (none), another -errno. */
int lan_record_load(const char *wan, const char *suffix, struct lan_record *r);
/* Write it; what names the hook in the file's comment.  0, or -errno. */
int lan_record_save(const char *wan, const char *suffix, const char *what,
		    const struct lan_record *r);
void lan_record_forget(const char *wan, const char *suffix);

#endif
