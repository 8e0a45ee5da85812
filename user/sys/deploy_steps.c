// SPDX-License-Identifier: GPL-2.0-only
/*
 * deploy_steps.c - the steps of up that change the system (deploy.h's
 * numbers; deploy.c decides the mode and runs them): load, the address,
 * config last, the programs, the routes' recording, the old address.
 * Each pushes the undo of what it added; outside FRESH the programs push
 * none (a rollback must never leave a route without its program).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "core/addrfmt.h"
#include "core/output.h"
#include "sys/deploy_steps.h"
#include "sys/layout.h"
#include "sys/load_log.h"

const char *deploy_down_cmd(const struct deploy *d)
{
	static char buf[64 + IF_NAMESIZE];

	snprintf(buf, sizeof(buf), "%s down %s %s", d->spec->w.cmd, d->spec->w.dev_opt, d->dev);
	return buf;
}

/* ---- undos ------------------------------------------------------------- */

static void undo_address(struct deploy *d, const struct deploy_undo *u)
{
	int ret = nl_addr6_del(d->ifindex, d->addr, 128);

	if (ret)
		pr_warn("rollback: deleting the %s: %s", d->spec->w.addr_what, nl_strerror(ret));
}

static void undo_route(struct deploy *d, const struct deploy_undo *u)
{
	char s[256];
	int ret = nl_route_del(&u->route);

	if (ret)
		pr_warn("rollback: deleting '%s': %s", nl_route_str(&u->route, s, sizeof(s)),
			nl_strerror(ret));
}

static void undo_prog(struct deploy *d, const struct deploy_undo *u)
{
	int ret = deploy_detach(d->spec, u->prog, d->ifindex, NULL);

	if (ret)
		pr_warn("rollback: detaching %s: %s", deploy_hook_str(d->spec->progs[u->prog].hook),
			deploy_strerror(ret));
}

static void undo_clsact(struct deploy *d, const struct deploy_undo *u)
{
	int ret = tc_hook_destroy_if_empty(d->ifindex);

	if (ret && ret != -ENOTEMPTY)
		pr_warn("rollback: removing clsact: %s", deploy_strerror(ret));
}

/* ---- leftover routes ------------------------------------------------- */

void step_drop_leftover_routes(struct deploy *d)
{
	struct nl_route *rts;
	int n = nl_route_list_all(AF_INET, 0, &rts);

	for (int i = 0; i < n; i++) {
		if (rts[i].protocol == d->spec->net.route_protocol && rts[i].oif == d->ifindex)
			nl_route_del(&rts[i]);
	}
	if (n >= 0)
		free(rts);
}

/* ---- 2. load ----------------------------------------------------------- */

static int load_skel(void *d)
{
	const struct deploy *dp = d;

	return dp->spec->skel->load(dp->skel);
}

/* Open this build's object, size it (side->before_load), check its layout
 * against the pins (layout.h: a refusal changes nothing), load it over
 * them, write its layout record.  *pinning: set just before the load,
 * from which on libbpf may pin maps that were not there. */
static int load_object(struct deploy *d, bool *pinning)
{
	const struct deploy_spec *s = d->spec;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = d->dir);
	struct bpf_map *map;
	char name[64];
	__u64 hash;
	int ret;

	d->skel = s->skel->open(&oo);
	if (!d->skel) {
		pr_err("opening the BPF object: %s", deploy_strerror(-errno));
		return -1;
	}
	if (s->side->before_load && s->side->before_load(d))
		return -1;
	if (layout_check(s->skel->object(d->skel), d->dir, s->pins.layout_map, deploy_down_cmd(d),
			 &hash))
		return -1;
	*pinning = true;
	ret = load_log_run(load_skel, d, verbose > 0);
	if (ret == -ENOMEM && !load_log_failed_map(name, sizeof(name))) {
		map = bpf_object__find_map_by_name(s->skel->object(d->skel), name);
		pr_err("cannot create map %s (%u entries): out of memory", name,
		       map ? bpf_map__max_entries(map) : 0);
		return -1;
	}
	if (ret) {
		if (d->pins_existed)
			pr_err("loading the BPF programs with the maps pinned in %s: %s (the "
			       "verifier log above says why)",
			       d->dir, deploy_strerror(ret));
		else
			pr_err("loading the BPF programs: %s (the verifier log above says why)",
			       deploy_strerror(ret));
		return -1;
	}
	ret = layout_record(deploy_map_fd(d, s->pins.layout_map), hash);
	if (ret) {
		pr_err("writing the layout record %s/%s: %s", d->dir, s->pins.layout_map,
		       strerror(-ret));
		return -1;
	}
	return 0;
}

int deploy_load_object(struct deploy *d)
{
	bool pinning = false;

	return load_object(d, &pinning);
}

int step_load(struct deploy *d)
{
	bool pinning = false;
	int ret = load_object(d, &pinning);

	/* libbpf pins the maps while loading: from then on they are ours to
	 * remove on failure, unless they were there before. */
	if (pinning) {
		d->pins_created = !d->pins_existed;
		d->st.pins_created = d->pins_created || (d->old_valid && d->old.pins_created);
	}
	if (ret)
		return -1;
	deploy_save_state(d);
	return 0;
}

/* ---- 3. the address ------------------------------------------------------ */

int step_address(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	bool ours_before = d->old_valid && d->old.addr_added && !memcmp(d->old.addr, d->addr, 16);
	char a[IP6_STRLEN];
	int ret;

	memcpy(d->st.addr, d->addr, 16);
	/* the same address as before keeps its age: a new prefix restarts it */
	d->st.since = d->old_valid && d->old.since && !memcmp(d->old.addr, d->addr, 16)
			      ? d->old.since
			      : (long long)time(NULL);
	snprintf(d->st.source, sizeof(d->st.source), "%s", d->source ? d->source : "");
	snprintf(d->st.rule, sizeof(d->st.rule), "%s", d->rule ? d->rule : "");
	ret = nl_addr6_present(d->ifindex, d->addr);
	if (ret < 0) {
		pr_err("listing the addresses of %s: %s", d->dev, nl_strerror(ret));
		return -1;
	}
	ret = ret ? -EEXIST : nl_addr6_add(d->ifindex, d->addr, 128, s->net.addr_flags);
	if (ret == -EEXIST) {
		/* Not ours, unless an earlier run of ours added it. */
		d->st.addr_added = ours_before;
	} else if (ret) {
		pr_err("adding the %s %s/128 to %s: %s", s->w.addr_what, ip6_str(d->addr, a),
		       d->dev, nl_strerror(ret));
		return -1;
	} else {
		d->st.addr_added = true;
		if (deploy_undo_push(d, undo_address, NULL))
			return -1;
	}
	deploy_save_state(d);
	return 0;
}

/* ---- 4. config last ------------------------------------------------------ */

int deploy_config_disable(struct deploy *d)
{
	const char *name = d->spec->pins.config_map;
	struct mapce_config off = d->cfg;
	__u32 key = 0;

	/* Not zeros: the expiry sweep reads the timeouts of this config. */
	off.flags &= (__u8)~MAPCE_CFG_F_ENABLED;
	if (bpf_map_update_elem(deploy_map_fd(d, name), &key, &off, BPF_ANY)) {
		pr_err("writing %s: %s", name, deploy_strerror(-errno));
		return -1;
	}
	return 0;
}

/* The tables, then the config, which enables the datapath.  A fresh up
 * (reused pins may hold old tables) disables it first; an up that runs
 * changes its tables in place and leaves disabling to the side. */
int step_config_last(struct deploy *d)
{
	const char *name = d->spec->pins.config_map;
	int fd = deploy_map_fd(d, name);
	__u32 key = 0;

	if (fd < 0) {
		pr_err("no map %s in %s", name, d->dir);
		return -1;
	}
	d->old_cfg_valid = d->pins_existed && !bpf_map_lookup_elem(fd, &key, &d->old_cfg) &&
			   (d->old_cfg.flags & MAPCE_CFG_F_ENABLED);
	if (d->mode == DEPLOY_FRESH && deploy_config_disable(d))
		return -1;
	if (d->spec->side->write_tables && d->spec->side->write_tables(d))
		return -1;
	if (bpf_map_update_elem(fd, &key, &d->cfg, BPF_ANY)) {
		pr_err("writing %s: %s", name, deploy_strerror(-errno));
		return -1;
	}
	return 0;
}

/* ---- 6. routes (the side's, through this) -------------------------------- */

int deploy_route_conflict(const struct deploy *d, const struct nl_route *routes, int n, __be32 dst,
			  __u8 len, bool *ours)
{
	*ours = false;
	for (int i = 0; i < n; i++) {
		if (routes[i].dst_len != len || memcmp(routes[i].dst, &dst, 4))
			continue;
		if (routes[i].protocol == d->spec->net.route_protocol &&
		    routes[i].oif == d->ifindex) {
			*ours = true; /* left by an earlier run: replace it */
			continue;
		}
		return i;
	}
	return -1;
}

void deploy_route_record(struct deploy *d, const struct nl_route *r)
{
	struct state_route *sr;

	if (d->st.n_routes < MAPCE_MAX_RULES) {
		sr = &d->st.routes[d->st.n_routes++];
		memcpy(&sr->dst, r->dst, 4);
		sr->dst_len = r->dst_len;
		memcpy(sr->gw, r->gw, 16);
	}
	deploy_save_state(d);
}

int deploy_route_add(struct deploy *d, const struct nl_route *r, bool replace)
{
	struct deploy_undo u = { .route = *r };
	char s[256];
	int ret = replace ? nl_route_replace(r) : nl_route_add(r);

	if (ret) {
		pr_err("adding the route '%s': %s", nl_route_str(r, s, sizeof(s)),
		       nl_strerror(ret));
		return -1;
	}
	if (!replace && deploy_undo_push(d, undo_route, &u))
		return -1;
	deploy_route_record(d, r);
	return 0;
}

/* ---- 5. the programs ----------------------------------------------------- */

int deploy_prog_fd(struct deploy *d, int i)
{
	struct bpf_object *obj = d->spec->skel->object(d->skel);
	struct bpf_program *p = bpf_object__find_program_by_name(obj, d->spec->progs[i].name);

	return p ? bpf_program__fd(p) : -ENOENT;
}

/* Program i is attached as id: recorded (down, up and status tell it by
 * that id when they may not read its name). */
static void record_prog(struct deploy *d, int i, __u32 id)
{
	if (i < STATE_PROGS_MAX)
		d->st.prog_id[i] = id;
	deploy_save_state(d);
}

/* Attached: a fresh up undoes it on failure; an up that runs keeps it. */
static int attached(struct deploy *d, int i)
{
	struct deploy_undo u = { .prog = i };

	record_prog(d, i, prog_id_of_fd(deploy_prog_fd(d, i)));
	return d->mode == DEPLOY_FRESH ? deploy_undo_push(d, undo_prog, &u) : 0;
}

/* XDP on the device, never replacing someone else's program. */
static int attach_xdp(struct deploy *d, int i)
{
	struct deploy_attached xi;
	int ret;

	ret = deploy_query(d->spec, i, d->ifindex, &xi);
	if (ret) {
		pr_err("querying the XDP program of %s: %s", d->dev, deploy_strerror(ret));
		return -1;
	}
	if (xi.ours && d->mode != DEPLOY_FRESH) {
		d->xdp_attached = xi.xdp_mode; /* ours, running: kept, or replaced */
		if (!(d->replace & (1u << i))) {
			record_prog(d, i, xi.prog_id);
			return 0;
		}
		if (deploy_replace_xdp(d, i, &xi))
			return -1;
		record_prog(d, i, prog_id_of_fd(deploy_prog_fd(d, i)));
		return 0;
	}
	if (xi.prog_id) {
		pr_err("%s already has XDP program %u (%s, %s mode) attached; refusing to replace "
		       "it",
		       d->dev, xi.prog_id,
		       xi.prog_name[0] ? xi.prog_name
		       : xi.unknown    ? "name unreadable without CAP_SYS_ADMIN"
				       : "unnamed",
		       xdp_mode_str(xi.xdp_mode));
		return -1;
	}
	ret = xdp_attach(d->ifindex, deploy_prog_fd(d, i), d->xdp_mode, &d->xdp_attached);
	if (ret) {
		pr_err("attaching XDP (%s) to %s: %s", xdp_mode_wanted_str(d->xdp_mode), d->dev,
		       deploy_strerror(ret));
		return -1;
	}
	return attached(d, i);
}

/* The clsact qdisc the tc filters hang on (created once per run). */
static int ensure_clsact(struct deploy *d, bool *have)
{
	bool created;
	int ret;

	if (*have)
		return 0;
	ret = tc_hook_create(d->ifindex, &created);
	if (ret) {
		pr_err("creating the clsact qdisc on %s: %s", d->dev, deploy_strerror(ret));
		return -1;
	}
	*have = true;
	d->st.hook_created = created || d->st.hook_created;
	if (created && deploy_undo_push(d, undo_clsact, NULL))
		return -1;
	deploy_save_state(d);
	return 0;
}

/* A tc filter at the program's fixed handle and priority, replacing only
 * a leftover of ours (outside FRESH, ours is kept as it is, unless this
 * build's differs: replaced in place, one atomic swap in the kernel). */
static int attach_tc(struct deploy *d, int i, bool *clsact)
{
	const struct deploy_prog *p = &d->spec->progs[i];
	bool egress = p->hook == DEPLOY_TC_EGRESS;
	const char *what = egress ? "egress" : "ingress";
	struct deploy_attached a;
	int ret;

	ret = deploy_query(d->spec, i, d->ifindex, &a);
	if (ret) {
		pr_err("querying the tc filters of %s: %s", d->dev, deploy_strerror(ret));
		return -1;
	}
	if (a.ours && d->mode != DEPLOY_FRESH && !(d->replace & (1u << i))) {
		record_prog(d, i, a.prog_id);
		return 0;
	}
	if (a.prog_id && !a.ours) {
		pr_err("%s %s already has a tc filter at handle 0x%x priority 0x%x (program %u, "
		       "%s); refusing to replace it",
		       d->dev, what, p->tc_handle, p->tc_priority, a.prog_id, a.prog_name);
		return -1;
	}
	if (ensure_clsact(d, clsact))
		return -1;
	ret = tc_attach(d->ifindex, egress ? BPF_TC_EGRESS : BPF_TC_INGRESS, deploy_prog_fd(d, i),
			p->tc_handle, p->tc_priority, a.prog_id != 0 /* a leftover of ours */);
	if (ret) {
		pr_err("attaching the tc %s filter to %s: %s", what, d->dev, deploy_strerror(ret));
		return -1;
	}
	if (attached(d, i))
		return -1;
	deploy_save_state(d);
	return 0;
}

int step_attach(struct deploy *d)
{
	bool clsact = false;

	for (int i = 0; i < d->spec->n_progs; i++) {
		int ret = d->spec->progs[i].hook == DEPLOY_XDP ? attach_xdp(d, i)
							       : attach_tc(d, i, &clsact);

		if (ret)
			return -1;
		deploy_fault_point("up:attach", d->spec->progs[i].name);
	}
	return 0;
}

/* ---- 7. the old address ------------------------------------------------- */

void step_old_address(struct deploy *d)
{
	char a[IP6_STRLEN];
	int ret;

	if (!d->old_valid || !d->old.addr_added || !memcmp(d->old.addr, d->addr, 16))
		return;
	ret = nl_addr6_del(d->ifindex, d->old.addr, 128);
	if (ret && ret != -EADDRNOTAVAIL)
		pr_warn("%s: deleting the old %s %s: %s", d->dev, d->spec->w.addr_what,
			ip6_str(d->old.addr, a), nl_strerror(ret));
	d->addr_replaced = true;
	memcpy(d->old_addr, d->old.addr, 16);
}
