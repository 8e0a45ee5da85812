// SPDX-License-Identifier: GPL-2.0-only
/*
 * fastpath_lan.c - the XDP fast path on the LAN device (`up --fastpath
 * LAN_IF`, bpf/ce/fastpath_out.h): attached by up and run after the WAN's
 * programs and route, detached by down, its LAN device written to the
 * pinned mapce_fastpath map (which both XDP programs read).
 *
 * What up attached is recorded in MAPCE_RUN_DIR/<wan>.fastpath (the LAN's
 * name and ifindex, the program's id and XDP mode), so down, a later up
 * and status know the program as mapce's without CAP_SYS_ADMIN (which
 * reading a program's name by id takes): a program at the LAN's XDP hook
 * that is not the recorded one is never detached or replaced.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mapce_abi.h"
#include "mapce_ce.skel.h"

#include "ce/fastpath_lan.h"
#include "ce/lan_record.h"
#include "core/output.h"
#include "sys/attach.h"
#include "sys/pin.h"

#define RECORD_SUFFIX ".fastpath"
#define RECORD_WHAT "XDP fast path"

int fastpath_record_load(const char *wan, struct lan_record *r)
{
	return lan_record_load(wan, RECORD_SUFFIX, r);
}

/* Is the program at r's LAN XDP hook the one r recorded? */
static bool record_attached(const struct lan_record *r)
{
	struct xdp_info x;

	return r->ifindex > 0 && !xdp_query(r->ifindex, &x) && x.prog_id == r->prog_id;
}

/* Detach what r recorded, if it is still there. */
static int detach_recorded(const struct lan_record *r)
{
	int ret;

	if (!record_attached(r))
		return 0;
	ret = xdp_detach_id(r->ifindex, r->prog_id, r->mode);
	if (ret)
		pr_err("detaching the fast path from %s: %s", r->lan, strerror(-ret));
	return ret;
}

/* Tell the XDP programs the LAN's ifindex (0: the fast path off). */
static int map_write(int map_fd, __u32 lan_ifindex)
{
	struct mapce_fastpath v = { .lan_ifindex = lan_ifindex };
	__u32 zero = 0;

	if (map_fd < 0)
		return -EBADF;
	return bpf_map_update_elem(map_fd, &zero, &v, BPF_ANY) ? -errno : 0;
}

int fastpath_sync(const struct fastpath_want *w)
{
	struct lan_record r, now = {};
	bool had = fastpath_record_load(w->wan, &r) == 0;
	struct xdp_info x;
	int ret;

	if (!w->ifindex) {
		/* off: the map first (the programs stop using the LAN), then
		 * the program */
		ret = map_write(w->map_fd, 0);
		if (ret) {
			pr_err("turning the fast path off: mapce_fastpath: %s", strerror(-ret));
			return -1;
		}
		if (had && detach_recorded(&r))
			return -1;
		lan_record_forget(w->wan, RECORD_SUFFIX);
		return 0;
	}
	if (had && r.ifindex == w->ifindex && record_attached(&r))
		return map_write(w->map_fd, (__u32)w->ifindex) ? -1 : 0; /* in place */
	/* another LAN before, or ours gone from the hook */
	if (had && r.ifindex != w->ifindex && (map_write(w->map_fd, 0) || detach_recorded(&r)))
		return -1;
	if (!xdp_query(w->ifindex, &x) && x.prog_id) {
		pr_err("--fastpath %s: an XDP program (id %u%s%s) is attached to %s already, not "
		       "mapce's fast path; detach it first",
		       w->lan, x.prog_id, x.prog_name[0] ? ", " : "", x.prog_name, w->lan);
		return -1;
	}
	ret = xdp_attach(w->ifindex, w->prog_fd, w->xdp_mode, &now.mode);
	if (ret) {
		pr_err("--fastpath %s: attaching the XDP fast path: %s", w->lan, strerror(-ret));
		return -1;
	}
	snprintf(now.lan, sizeof(now.lan), "%s", w->lan);
	now.ifindex = w->ifindex;
	now.prog_id = prog_id_of_fd(w->prog_fd);
	ret = lan_record_save(w->wan, RECORD_SUFFIX, RECORD_WHAT, &now);
	if (!ret)
		ret = map_write(w->map_fd, (__u32)w->ifindex);
	if (ret) {
		pr_err("--fastpath %s: recording the fast path: %s", w->lan, strerror(-ret));
		xdp_detach_id(now.ifindex, now.prog_id, now.mode);
		lan_record_forget(w->wan, RECORD_SUFFIX);
		return -1;
	}
	return 0;
}

void fastpath_down(const char *wan)
{
	struct lan_record r;

	if (fastpath_record_load(wan, &r) == 0 && detach_recorded(&r) == 0)
		lan_record_forget(wan, RECORD_SUFFIX);
}
