// SPDX-License-Identifier: GPL-2.0-only
/*
 * hairpin_hook.c - ipip6 hairpinning's tc ingress filter on the LAN device
 * (hairpin_hook.h): attached by up and run after the WAN's programs,
 * detached by down or when the mode or the config no longer asks for it.
 * It sits at mapce's fixed tc handle and priority on the LAN's clsact
 * ingress; a filter there that is not the recorded one is named and left
 * alone.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "ce/hairpin_hook.h"
#include "core/output.h"
#include "core/policy.h"
#include "sys/attach.h"

#define RECORD_SUFFIX ".hairpin"
#define RECORD_WHAT "ipip6 hairpin filter (tc ingress)"

int hairpin_record_load(const char *wan, struct lan_record *r)
{
	return lan_record_load(wan, RECORD_SUFFIX, r);
}

/* The filter at our handle on ifindex's ingress: its program id, 0. */
static __u32 filter_at(int ifindex)
{
	struct tc_info t;

	if (ifindex <= 0 ||
	    tc_query(ifindex, BPF_TC_INGRESS, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY, &t))
		return 0;
	return t.prog_id;
}

/* Detach what r recorded, if it is still there (and the clsact qdisc up
 * made, once empty). */
static int detach_recorded(const struct lan_record *r)
{
	int ret;

	if (filter_at(r->ifindex) != r->prog_id)
		return 0;
	ret = tc_detach(r->ifindex, BPF_TC_INGRESS, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY);
	if (ret) {
		pr_err("detaching the hairpin filter from %s: %s", r->lan, strerror(-ret));
		return ret;
	}
	if (r->mode)
		tc_hook_destroy_if_empty(r->ifindex);
	return 0;
}

int hairpin_sync(const struct hairpin_want *w)
{
	struct lan_record r, now = {};
	bool had = hairpin_record_load(w->wan, &r) == 0, created = false;
	struct tc_info t = {};
	int ret;

	if (had && (r.ifindex != w->ifindex || filter_at(r.ifindex) != r.prog_id)) {
		/* another LAN (or none) now, or ours gone from the hook */
		if (detach_recorded(&r))
			return -1;
		lan_record_forget(w->wan, RECORD_SUFFIX);
		had = false;
	}
	if (!w->ifindex || had)
		return 0; /* none wanted, or ours in place */
	if (!tc_query(w->ifindex, BPF_TC_INGRESS, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY, &t) &&
	    t.prog_id) {
		pr_err("--hairpin %s: a tc ingress filter (program %u%s%s) sits at handle 0x%x "
		       "priority 0x%x of %s already, not mapce's; remove it first",
		       w->lan, t.prog_id, t.prog_name[0] ? ", " : "", t.prog_name, MAPCE_TC_HANDLE,
		       MAPCE_TC_PRIORITY, w->lan);
		return -1;
	}
	ret = tc_hook_create(w->ifindex, &created);
	if (!ret)
		ret = tc_attach(w->ifindex, BPF_TC_INGRESS, w->prog_fd, MAPCE_TC_HANDLE,
				MAPCE_TC_PRIORITY, false);
	if (ret) {
		pr_err("--hairpin %s: attaching the tc ingress filter: %s", w->lan, strerror(-ret));
		if (created)
			tc_hook_destroy_if_empty(w->ifindex);
		return -1;
	}
	snprintf(now.lan, sizeof(now.lan), "%s", w->lan);
	now.ifindex = w->ifindex;
	now.prog_id = filter_at(w->ifindex);
	now.mode = created;
	ret = now.prog_id ? lan_record_save(w->wan, RECORD_SUFFIX, RECORD_WHAT, &now) : -ENOENT;
	if (ret) {
		pr_err("--hairpin %s: recording the filter: %s", w->lan, strerror(-ret));
		tc_detach(w->ifindex, BPF_TC_INGRESS, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY);
		if (created)
			tc_hook_destroy_if_empty(w->ifindex);
		return -1;
	}
	return 0;
}

void hairpin_down(const char *wan)
{
	struct lan_record r;

	if (hairpin_record_load(wan, &r) == 0 && detach_recorded(&r) == 0)
		lan_record_forget(wan, RECORD_SUFFIX);
}
