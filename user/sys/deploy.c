// SPDX-License-Identifier: GPL-2.0-only
/*
 * deploy.c - up, the part the CE and the BR share (deploy.h): lock, the
 * already-up check, load, config last, the address, the programs, the
 * state file after every step, and the undo list a failure runs
 * backwards.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "core/addrfmt.h"
#include "core/output.h"
#include "sys/deploy.h"
#include "sys/load_log.h"
#include "sys/lock.h"
#include "sys/pin.h"

const char *deploy_strerror(int e)
{
	static char buf[128];

	libbpf_strerror(e, buf, sizeof(buf));
	return buf;
}

void deploy_save_state(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	int ret = state_save(s->pins.state_prefix, d->dev, s->w.cmd, &d->st);

	if (ret)
		pr_warn("writing the state file for %s: %s (%s down may leave things behind)",
			d->dev, strerror(-ret), s->w.cmd);
}

int deploy_map_fd(const struct deploy *d, const char *name)
{
	struct bpf_object *obj = d->spec->skel->object(d->skel);
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	return map ? bpf_map__fd(map) : -1;
}

/* ---- the undo list ---------------------------------------------------- */

int deploy_undo_push(struct deploy *d, void (*fn)(struct deploy *d, const struct deploy_undo *u),
		     const struct deploy_undo *u)
{
	if (d->n_undo == DEPLOY_UNDO_MAX) {
		pr_err("internal error: more than %d steps to undo", DEPLOY_UNDO_MAX);
		return -1;
	}
	d->undo[d->n_undo] = u ? *u : (struct deploy_undo){};
	d->undo[d->n_undo++].fn = fn;
	return 0;
}

static void rollback(struct deploy *d)
{
	while (d->n_undo > 0) {
		const struct deploy_undo *u = &d->undo[--d->n_undo];

		u->fn(d, u);
	}
}

/* The state file as it was before this run (pushed first: undone last). */
static void undo_state(struct deploy *d, const struct deploy_undo *u)
{
	const struct deploy_spec *s = d->spec;

	if (d->had_state)
		state_save(s->pins.state_prefix, d->dev, s->w.cmd, &d->old);
	else
		state_remove(s->pins.state_prefix, d->dev);
}

/* The pins, when this run created them (else the directory, when this
 * run created it empty). */
static void undo_pins(struct deploy *d, const struct deploy_undo *u)
{
	int ret;

	if (d->pins_created) {
		ret = pin_dir_remove(d->dir);
		if (ret < 0)
			pr_warn("rollback: removing %s: %s", d->dir, strerror(-ret));
	} else if (d->dir_created) {
		rmdir(d->dir);
	}
}

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

/* ---- 1. already up? ------------------------------------------------ */

/* "mapce down --wan eth0", for messages. */
static const char *down_cmd(const struct deploy *d)
{
	static char buf[64 + IF_NAMESIZE];

	snprintf(buf, sizeof(buf), "%s down %s %s", d->spec->w.cmd, d->spec->w.dev_opt, d->dev);
	return buf;
}

/* What of the spec's programs, the address and the side's own pieces is
 * missing on a device that is up: NULL, or what. */
static const char *what_is_missing(struct deploy *d)
{
	static char what[64];
	const struct deploy_spec *s = d->spec;
	struct deploy_attached a;

	for (int i = 0; i < s->n_progs; i++) {
		if (s->progs[i].hook == DEPLOY_XDP)
			continue; /* the one that says "up" */
		if (deploy_query(s, i, d->ifindex, &a) || !a.ours) {
			snprintf(what, sizeof(what), "the %s filter",
				 deploy_hook_str(s->progs[i].hook));
			return what;
		}
	}
	if (nl_addr6_present(d->ifindex, d->addr) != 1) {
		snprintf(what, sizeof(what), "the %s", s->w.addr_what);
		return what;
	}
	return s->side->missing ? s->side->missing(d) : NULL;
}

/*
 * 0: not up, go on.  1: up with exactly these parameters and complete
 * (nothing to do).  -1: up otherwise (error printed).
 */
static int check_existing(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	const char *missing;
	struct deploy_attached xdp = {};
	struct mapce_config cur;
	__u32 key = 0;
	bool same;
	int fd, ret = 0;

	/* "Up" is our XDP program on the device: what else must be there is
	 * checked once the parameters are known to be the same. */
	for (int i = 0; i < s->n_progs; i++) {
		if (s->progs[i].hook == DEPLOY_XDP) {
			ret = deploy_query(s, i, d->ifindex, &xdp);
			break;
		}
	}
	if (ret) {
		pr_err("querying the XDP program of %s: %s", d->dev, deploy_strerror(ret));
		return -1;
	}
	if (!xdp.ours)
		return 0;
	fd = pin_open(d->dir, s->pins.config_map);
	if (fd < 0) {
		pr_err("%s has a mapce XDP program (%s, id %u) but no pinned maps in %s; run '%s' "
		       "first",
		       d->dev, xdp.prog_name, xdp.prog_id, d->dir, down_cmd(d));
		return -1;
	}
	same = !bpf_map_lookup_elem(fd, &key, &cur) && !memcmp(&cur, &d->cfg, sizeof(cur)) &&
	       (!s->side->tables_equal || s->side->tables_equal(d)) &&
	       prog_uses_map(xdp.prog_id, map_id_of_fd(fd)) == 1;
	close(fd);
	if (!same) {
		pr_err("%salready up on %s with other parameters; run '%s' first", s->w.subject,
		       d->dev, down_cmd(d));
		return -1;
	}
	missing = what_is_missing(d);
	if (missing) {
		pr_err("%sup on %s, but %s is missing; run '%s' first", s->w.subject, d->dev,
		       missing, down_cmd(d));
		return -1;
	}
	pr_warn("%salready up on %s", s->w.subject, d->dev);
	if (s->side->already_up && s->side->already_up(d))
		return -1;
	if (out_json) { /* stdout stays a document */
		out_open_object(NULL);
		out_str(s->w.dev_key, NULL, d->dev);
		out_bool("already_up", NULL, true);
		out_close_object();
		out_finish();
	}
	return 1;
}

/* ---- 2. load ----------------------------------------------------------- */

static int load_skel(void *d)
{
	const struct deploy *dp = d;

	return dp->spec->skel->load(dp->skel);
}

static int step_load(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = d->dir);
	int ret;

	d->skel = s->skel->open(&oo);
	if (!d->skel) {
		pr_err("opening the BPF object: %s", deploy_strerror(-errno));
		return -1;
	}
	if (s->side->before_load && s->side->before_load(d))
		return -1;
	/* libbpf pins the maps while loading: from here on they are ours to
	 * remove on failure, unless they were there before. */
	d->pins_created = !d->pins_existed;
	d->st.pins_created = d->pins_created || (d->old_valid && d->old.pins_created);
	ret = load_log_run(load_skel, d, verbose > 0);
	if (ret) {
		if (d->pins_existed)
			pr_err("loading the BPF programs with the maps pinned in %s: %s (maps from "
			       "another mapce version? '%s' removes them)",
			       d->dir, deploy_strerror(ret), down_cmd(d));
		else
			pr_err("loading the BPF programs: %s (the verifier log above says why)",
			       deploy_strerror(ret));
		return -1;
	}
	deploy_save_state(d);
	return 0;
}

/* ---- 3. config last ------------------------------------------------------ */

/* Disabled while the tables change (reused pins may hold old ones): a
 * disabled datapath passes everything, it never misroutes.  The config
 * written last is what enables it. */
static int step_config_last(struct deploy *d)
{
	const char *name = d->spec->pins.config_map;
	struct mapce_config off = {};
	int fd = deploy_map_fd(d, name);
	__u32 key = 0;

	d->old_cfg_valid = d->pins_existed && !bpf_map_lookup_elem(fd, &key, &d->old_cfg);
	if (bpf_map_update_elem(fd, &key, &off, BPF_ANY)) {
		pr_err("writing %s: %s", name, deploy_strerror(-errno));
		return -1;
	}
	if (d->spec->side->write_tables && d->spec->side->write_tables(d))
		return -1;
	if (bpf_map_update_elem(fd, &key, &d->cfg, BPF_ANY)) {
		pr_err("writing %s: %s", name, deploy_strerror(-errno));
		return -1;
	}
	return 0;
}

/* ---- 4. the address ------------------------------------------------------ */

static int step_address(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	bool ours_before = d->old_valid && d->old.addr_added && !memcmp(d->old.addr, d->addr, 16);
	char a[IP6_STRLEN];
	int ret;

	/* A stale address of ours from an earlier run with other parameters. */
	if (d->old_valid && d->old.addr_added && memcmp(d->old.addr, d->addr, 16))
		nl_addr6_del(d->ifindex, d->old.addr, 128);
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

/* ---- 5. routes (the side's, through this) -------------------------------- */

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

int deploy_route_add(struct deploy *d, const struct nl_route *r, bool replace)
{
	struct deploy_undo u = { .route = *r };
	struct state_route *sr;
	char s[256];
	int ret = replace ? nl_route_replace(r) : nl_route_add(r);

	if (ret) {
		pr_err("adding the route '%s': %s", nl_route_str(r, s, sizeof(s)),
		       nl_strerror(ret));
		return -1;
	}
	if (!replace && deploy_undo_push(d, undo_route, &u))
		return -1;
	if (d->st.n_routes < MAPCE_MAX_RULES) {
		sr = &d->st.routes[d->st.n_routes++];
		memcpy(&sr->dst, r->dst, 4);
		sr->dst_len = r->dst_len;
		memcpy(sr->gw, r->gw, 16);
	}
	deploy_save_state(d);
	return 0;
}

/* ---- 6. the programs ----------------------------------------------------- */

static int prog_fd(struct deploy *d, int i)
{
	struct bpf_object *obj = d->spec->skel->object(d->skel);
	struct bpf_program *p = bpf_object__find_program_by_name(obj, d->spec->progs[i].name);

	return p ? bpf_program__fd(p) : -ENOENT;
}

/* XDP on the device, never replacing someone else's program. */
static int attach_xdp(struct deploy *d, int i)
{
	struct deploy_undo u = { .prog = i };
	struct xdp_info xi;
	int ret;

	ret = xdp_query(d->ifindex, &xi);
	if (ret) {
		pr_err("querying the XDP program of %s: %s", d->dev, deploy_strerror(ret));
		return -1;
	}
	if (xi.prog_id) {
		pr_err("%s already has XDP program %u (%s, %s mode) attached; refusing to replace "
		       "it",
		       d->dev, xi.prog_id, xi.prog_name[0] ? xi.prog_name : "unnamed",
		       xdp_mode_str(xi.mode));
		return -1;
	}
	ret = xdp_attach(d->ifindex, prog_fd(d, i), d->xdp_mode, &d->xdp_attached);
	if (ret) {
		pr_err("attaching XDP (%s) to %s: %s", xdp_mode_wanted_str(d->xdp_mode), d->dev,
		       deploy_strerror(ret));
		return -1;
	}
	return deploy_undo_push(d, undo_prog, &u);
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
	d->st.hook_created = created || (d->old_valid && d->old.hook_created);
	if (created && deploy_undo_push(d, undo_clsact, NULL))
		return -1;
	deploy_save_state(d);
	return 0;
}

/* A tc filter at the program's fixed handle and priority, replacing only
 * a leftover of ours. */
static int attach_tc(struct deploy *d, int i)
{
	const struct deploy_prog *p = &d->spec->progs[i];
	bool egress = p->hook == DEPLOY_TC_EGRESS;
	const char *what = egress ? "egress" : "ingress";
	struct deploy_undo u = { .prog = i };
	struct deploy_attached a;
	int ret;

	ret = deploy_query(d->spec, i, d->ifindex, &a);
	if (ret) {
		pr_err("querying the tc filters of %s: %s", d->dev, deploy_strerror(ret));
		return -1;
	}
	if (a.prog_id && !a.ours) {
		pr_err("%s %s already has a tc filter at handle 0x%x priority 0x%x (program %u, "
		       "%s); refusing to replace it",
		       d->dev, what, p->tc_handle, p->tc_priority, a.prog_id, a.prog_name);
		return -1;
	}
	ret = tc_attach(d->ifindex, egress ? BPF_TC_EGRESS : BPF_TC_INGRESS, prog_fd(d, i),
			p->tc_handle, p->tc_priority, a.prog_id != 0 /* a leftover of ours */);
	if (ret) {
		pr_err("attaching the tc %s filter to %s: %s", what, d->dev, deploy_strerror(ret));
		return -1;
	}
	if (deploy_undo_push(d, undo_prog, &u))
		return -1;
	deploy_save_state(d);
	return 0;
}

static int step_attach(struct deploy *d)
{
	bool clsact = false;

	for (int i = 0; i < d->spec->n_progs; i++) {
		int ret = d->spec->progs[i].hook == DEPLOY_XDP
				  ? attach_xdp(d, i)
				  : ensure_clsact(d, &clsact) || attach_tc(d, i);

		if (ret)
			return -1;
	}
	return 0;
}

/* ---- the run -------------------------------------------------------------- */

/* Everything up to the first change: what was there, the state file's
 * undo, the pin directory. */
static int start(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	int ret;

	d->had_state = state_load(s->pins.state_prefix, d->dev, &d->old) == 0;
	d->old_valid = d->had_state && d->old.ifindex == d->ifindex;
	memset(&d->st, 0, sizeof(d->st));
	d->st.ifindex = d->ifindex;
	d->pins_existed = pin_exists(d->dir, s->pins.config_map);
	d->dir_created = !pin_exists(s->pins.root, d->dev);
	if (deploy_undo_push(d, undo_state, NULL))
		return -1;
	ret = mkdir_p(d->dir, 0700);
	if (ret) {
		pr_err("creating %s: %s", d->dir, strerror(-ret));
		return -1;
	}
	if (deploy_undo_push(d, undo_pins, NULL))
		return -1;
	deploy_save_state(d);
	return 0;
}

void deploy_init(struct deploy *d, const struct deploy_spec *spec, const char *dev, int ifindex,
		 const struct mapce_config *cfg, const __u8 addr[16], enum attach_xdp_mode mode)
{
	memset(d, 0, sizeof(*d));
	d->spec = spec;
	snprintf(d->dev, sizeof(d->dev), "%s", dev);
	d->ifindex = ifindex;
	d->cfg = *cfg;
	memcpy(d->addr, addr, 16);
	d->xdp_mode = mode;
}

int deploy_up(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	int lock, ret;

	if (pin_prepare(s->pins.root, d->dev, d->dir, sizeof(d->dir)))
		return -1;
	lock = mapce_lock_or_err(true);
	if (lock < 0)
		return -1;
	ret = check_existing(d);
	if (ret) {
		mapce_unlock(lock);
		return ret > 0 ? 0 : -1;
	}
	ret = start(d) || step_load(d) || step_config_last(d) || step_address(d) ||
			      (s->side->routes && s->side->routes(d)) || step_attach(d)
		      ? -1
		      : 0;
	if (ret)
		rollback(d);
	else if (s->side->done)
		s->side->done(d);
	if (d->skel)
		s->skel->destroy(d->skel);
	d->skel = NULL;
	mapce_unlock(lock);
	return ret;
}

int deploy_up_exit(struct deploy *d, const struct deploy_spec *spec, const char *dev, int ifindex,
		   const struct mapce_config *cfg, const __u8 addr[16], enum attach_xdp_mode mode)
{
	deploy_init(d, spec, dev, ifindex, cfg, addr, mode);
	return deploy_up(d) ? 1 : 0;
}
