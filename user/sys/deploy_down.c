// SPDX-License-Identifier: GPL-2.0-only
/*
 * deploy_down.c - down, the part the CE and the BR share (deploy.h), and
 * the queries by program name that down, up and the status readers make
 * from a spec.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "core/addrfmt.h"
#include "core/output.h"
#include "sys/deploy.h"
#include "sys/lock.h"
#include "sys/pin.h"

#define PROG_SCAN_MAX 65536 /* loaded programs down looks through */

const char *deploy_hook_str(enum deploy_hook hook)
{
	switch (hook) {
	case DEPLOY_XDP:
		return "XDP";
	case DEPLOY_TC_EGRESS:
		return "tc egress";
	case DEPLOY_TC_INGRESS:
		return "tc ingress";
	}
	return "?";
}

static enum bpf_tc_attach_point tc_point(enum deploy_hook hook)
{
	return hook == DEPLOY_TC_EGRESS ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

/* The id up recorded for program i on ifindex (0: none): the state file
 * of the device of that index, when it is that device's. */
static __u32 recorded_id(const struct deploy_spec *spec, int i, int ifindex)
{
	static struct up_state st; /* large (paths): not on the stack */
	char dev[IF_NAMESIZE];

	if (i >= STATE_PROGS_MAX || !if_indextoname((unsigned int)ifindex, dev) ||
	    state_load(spec->pins.state_prefix, dev, &st) || st.ifindex != ifindex)
		return 0;
	return st.prog_id[i];
}

int deploy_query(const struct deploy_spec *spec, int i, int ifindex, struct deploy_attached *a)
{
	const struct deploy_prog *p = &spec->progs[i];
	char name[PROG_NAME_LEN];
	struct xdp_info xi;
	struct tc_info ti;
	int ret;

	memset(a, 0, sizeof(*a));
	if (p->hook == DEPLOY_XDP) {
		ret = xdp_query(ifindex, &xi);
		if (ret)
			return ret;
		a->prog_id = xi.prog_id;
		a->xdp_mode = xi.mode;
		memcpy(a->prog_name, xi.prog_name, PROG_NAME_LEN);
	} else {
		ret = tc_query(ifindex, tc_point(p->hook), p->tc_handle, p->tc_priority, &ti);
		if (ret == -ENOENT)
			return 0;
		if (ret)
			return ret;
		a->prog_id = ti.prog_id;
		memcpy(a->prog_name, ti.prog_name, PROG_NAME_LEN);
	}
	if (!a->prog_id)
		return 0;
	a->ours = prog_name_is(a->prog_name, p->name);
	/* no name: unreadable (no CAP_SYS_ADMIN), or a program without one */
	if (!a->ours && !a->prog_name[0] && prog_name_by_id(a->prog_id, name)) {
		a->recorded = a->ours = recorded_id(spec, i, ifindex) == a->prog_id;
		a->unknown = !a->ours;
	}
	return 0;
}

int deploy_detach(const struct deploy_spec *spec, int i, int ifindex, struct deploy_attached *a)
{
	const struct deploy_prog *p = &spec->progs[i];
	struct deploy_attached tmp;
	int ret;

	if (!a)
		a = &tmp;
	ret = deploy_query(spec, i, ifindex, a);
	if (ret)
		return ret;
	if (!a->prog_id)
		return -ENOENT;
	if (!a->ours)
		return -EBUSY;
	if (p->hook == DEPLOY_XDP)
		return xdp_detach_id(ifindex, a->prog_id, a->xdp_mode);
	return tc_detach(ifindex, tc_point(p->hook), p->tc_handle, p->tc_priority);
}

int deploy_maps_in_use(const struct deploy_spec *spec, const char *dir)
{
	int fd = pin_open(dir, spec->pins.config_map);
	__u32 map_id, id = 0;
	int used = 0;

	if (fd < 0)
		return 0;
	map_id = map_id_of_fd(fd);
	close(fd);
	for (int i = 0; i < PROG_SCAN_MAX && map_id && !used; i++) {
		char name[PROG_NAME_LEN];

		if (bpf_prog_get_next_id(id, &id))
			return errno == EPERM ? -EPERM : 0;
		if (prog_name_by_id(id, name))
			continue;
		for (int k = 0; k < spec->n_progs && !used; k++)
			used = prog_name_is(name, spec->progs[k].name) &&
			       prog_uses_map(id, map_id) == 1;
	}
	return used;
}

/* What down removed, for the report. */
struct removed {
	bool xdp, tc_filter, clsact, route, address, pins;
	bool found; /* anything of ours at all (clsact alone is not) */
};

static void detach_progs(const struct deploy_spec *spec, const char *dev, int ifindex,
			 struct removed *rm)
{
	for (int i = 0; i < spec->n_progs; i++) {
		const char *what = deploy_hook_str(spec->progs[i].hook);
		bool xdp = spec->progs[i].hook == DEPLOY_XDP;
		struct deploy_attached a;
		int ret = deploy_detach(spec, i, ifindex, &a);

		if (!ret) {
			*(xdp ? &rm->xdp : &rm->tc_filter) = true;
			rm->found = true;
		} else if (ret == -EBUSY && a.unknown) {
			/* deploy_down refused before: only a program that came
			 * since */
			pr_warn("%s: %s program %u: cannot tell whose it is: left in place", dev,
				what, a.prog_id);
		} else if (ret == -EBUSY && xdp) {
			pr_warn("%s: XDP program %u (%s) is not %s: left in place", dev, a.prog_id,
				a.prog_name, spec->w.owner);
		} else if (ret == -EBUSY) {
			pr_warn("%s: the %s filter at %s handle runs program %u (%s): left in "
				"place",
				dev, what, spec->w.owner, a.prog_id, a.prog_name);
		} else if (ret != -ENOENT) {
			pr_warn("%s: detaching %s: %s", dev, what, deploy_strerror(ret));
		}
		deploy_fault_point("down:detach", spec->progs[i].name);
	}
}

/* Our routes carry the spec's protocol: no state needed to find them. */
static void delete_routes(const struct deploy_spec *spec, const char *dev, int ifindex,
			  struct removed *rm)
{
	struct nl_route *rts;
	char s[256];
	int n = nl_route_list_all(AF_INET, 0, &rts);

	if (n < 0) {
		pr_warn("%s: listing the IPv4 routes: %s", dev, nl_strerror(n));
		return;
	}
	for (int i = 0; i < n; i++) {
		int ret;

		if (rts[i].protocol != spec->net.route_protocol || rts[i].oif != ifindex)
			continue;
		ret = nl_route_del(&rts[i]);
		if (!ret)
			rm->route = rm->found = true;
		else if (ret != -ESRCH)
			pr_warn("%s: deleting '%s': %s", dev, nl_route_str(&rts[i], s, sizeof(s)),
				nl_strerror(ret));
	}
	free(rts);
}

static void teardown_device(const struct deploy_spec *spec, const char *dev, int ifindex,
			    const struct up_state *st, struct removed *rm)
{
	char a[IP6_STRLEN];
	int ret;

	/* The routes first: a route to the device without the egress
	 * program sends LAN IPv4 out untranslated (a down cut short must
	 * not leave that). */
	delete_routes(spec, dev, ifindex, rm);
	if (spec->net.onlink_gw) {
		ret = nl_neigh6_del(ifindex, spec->net.onlink_gw);
		if (!ret)
			rm->route = rm->found = true;
		else if (ret != -ENOENT)
			pr_warn("%s: deleting the on-link next hop's neighbour entry: %s", dev,
				nl_strerror(ret));
	}
	deploy_fault_point("down", "routes");
	detach_progs(spec, dev, ifindex, rm);
	if (st->hook_created) {
		ret = tc_hook_destroy_if_empty(ifindex);
		if (!ret)
			rm->clsact = true;
		else if (ret == -ENOTEMPTY)
			pr_warn("%s: clsact kept: other tc filters remain", dev);
		else if (ret != -ENOENT && ret != -EINVAL)
			pr_warn("%s: removing clsact: %s", dev, deploy_strerror(ret));
		deploy_fault_point("down", "clsact");
	}
	if (st->addr_added) {
		ret = nl_addr6_del(ifindex, st->addr, 128);
		if (!ret)
			rm->address = rm->found = true;
		else if (ret != -EADDRNOTAVAIL && ret != -ENODEV)
			pr_warn("%s: deleting the %s %s: %s", dev, spec->w.addr_what,
				ip6_str(st->addr, a), nl_strerror(ret));
		deploy_fault_point("down", "address");
	}
}

/*
 * Before anything is removed: may down go on?  Not when a program sits at
 * one of the spec's hooks and whose it is cannot be told (its name needs
 * CAP_SYS_ADMIN and its id is not the one up recorded): removing the
 * routes and the pins around a program left attached would leave it
 * running on stale maps, or unmanaged.  Not either when the device is not
 * here and programs elsewhere may still use the maps.  1 after pr_err().
 */
static int cannot_tell(const struct deploy_spec *spec, const char *dev, int ifindex,
		       const char *dir)
{
	struct deploy_attached a;
	int ret;

	for (int i = 0; ifindex && i < spec->n_progs; i++) {
		if (deploy_query(spec, i, ifindex, &a) || !a.unknown)
			continue;
		pr_err("%s: cannot tell whether %s program %u is %s: reading its name takes "
		       "CAP_SYS_ADMIN and the state file records no such program id; nothing "
		       "removed (run '%s down %s %s' as root)",
		       dev, deploy_hook_str(spec->progs[i].hook), a.prog_id, spec->w.owner,
		       spec->w.cmd, spec->w.dev_opt, dev);
		return 1;
	}
	if (ifindex)
		return 0;
	ret = deploy_maps_in_use(spec, dir);
	if (ret == 1)
		pr_err("no device %s in this network namespace, but mapce programs still use the "
		       "maps in %s: run '%s down %s %s' in the device's namespace",
		       dev, dir, spec->w.cmd, spec->w.dev_opt, dev);
	else if (ret == -EPERM)
		pr_err("no device %s in this network namespace, and whether mapce programs "
		       "elsewhere still use the maps in %s cannot be told: listing programs takes "
		       "CAP_SYS_ADMIN; nothing removed (run '%s down %s %s' as root)",
		       dev, dir, spec->w.cmd, spec->w.dev_opt, dev);
	return ret != 0;
}

static void report(const struct deploy_spec *spec, const char *dev, const struct removed *rm)
{
	char text[64];

	snprintf(text, sizeof(text), "%s %%s:", spec->w.report); /* "down on %s:" */
	out_open_object(NULL);
	out_str(spec->w.dev_key, text, dev);
	out_open_object("removed");
	out_bool("xdp", rm->xdp ? " xdp" : NULL, rm->xdp);
	out_bool("tc_filter", rm->tc_filter ? " tc-filter" : NULL, rm->tc_filter);
	out_bool("clsact", rm->clsact ? " clsact" : NULL, rm->clsact);
	out_bool("route", rm->route ? " route" : NULL, rm->route);
	out_bool("address", rm->address ? " address" : NULL, rm->address);
	out_bool("pins", rm->pins ? " pins" : NULL, rm->pins);
	out_close_object();
	out_text(" removed\n");
	out_close_object();
	out_finish();
}

int deploy_down(const struct deploy_spec *spec, const char *dev)
{
	int ifindex = (int)if_nametoindex(dev);
	struct removed rm = {};
	struct up_state st;
	char dir[256];
	int lock, ret;

	ret = pin_dir_path(dir, sizeof(dir), spec->pins.root, dev);
	if (ret) {
		pr_err("pin path for %s: %s", dev, strerror(-ret));
		return -1;
	}
	lock = mapce_lock_or_err(true);
	if (lock < 0)
		return -1;
	/* Nothing through a link or in a directory someone else made. */
	if (pin_dir_check(spec->pins.root, dev) == -EPERM) {
		mapce_unlock(lock);
		return -1;
	}
	if (cannot_tell(spec, dev, ifindex, dir)) {
		mapce_unlock(lock);
		return -1;
	}
	/* Records about a device that has since been recreated are void. */
	if (state_load(spec->pins.state_prefix, dev, &st) || st.ifindex != ifindex)
		st.addr_added = st.hook_created = false;
	if (ifindex)
		teardown_device(spec, dev, ifindex, &st, &rm);
	if (pin_dir_exists(spec->pins.root, dev)) {
		ret = pin_dir_remove(spec->pins.root, dev);
		if (ret < 0)
			pr_warn("removing %s: %s", dir, strerror(-ret));
		else
			rm.pins = true;
		rm.found = true;
		deploy_fault_point("down", "pins");
	}
	if (state_remove(spec->pins.state_prefix, dev) == 0)
		rm.found = true;
	deploy_fault_point("down", "state");
	if (spec->forget)
		spec->forget(dev);
	pin_dir_prune(spec->pins.root, dev); /* only what is empty: others keep theirs */
	mapce_unlock(lock);
	if (!rm.found) {
		pr_err("%snot up on %s", spec->w.subject, dev);
		return -1;
	}
	report(spec, dev, &rm);
	return 0;
}

int deploy_down_exit(const struct deploy_spec *spec, const char *dev)
{
	return deploy_down(spec, dev) ? 1 : 0;
}
