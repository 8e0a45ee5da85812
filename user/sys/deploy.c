// SPDX-License-Identifier: GPL-2.0-only
/*
 * deploy.c - up, the part the CE and the BR share (deploy.h): the lock,
 * what is there (the mode: fresh, complete, repair, reconfigure), the run
 * of the steps (deploy_steps.c) with the state file after every step, and
 * the undo list a failure runs backwards.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "core/addrfmt.h"
#include "core/output.h"
#include "sys/deploy.h"
#include "sys/deploy_steps.h"
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

int deploy_map_fd(struct deploy *d, const char *name)
{
	struct bpf_map *map;
	int fd;

	if (d->skel) {
		map = bpf_object__find_map_by_name(d->spec->skel->object(d->skel), name);
		return map ? bpf_map__fd(map) : -1;
	}
	for (int i = 0; i < d->n_pin_fd; i++) {
		if (!strcmp(d->pin_name[i], name))
			return d->pin_fd[i];
	}
	if (d->n_pin_fd == DEPLOY_PIN_FDS)
		return -1;
	fd = pin_open(d->dir, name);
	if (fd < 0)
		return -1;
	d->pin_name[d->n_pin_fd] = name;
	d->pin_fd[d->n_pin_fd++] = fd;
	return fd;
}

/*
 * A test hook (tests/lab/test_faults.sh), not a feature: with
 * MAPCE_FAULT_AFTER=PHASE:STEP in the environment this process raises
 * SIGKILL right after that step of up or down, as a kill -9 or a crash
 * there would; MAPCE_FAULT_AFTER=list prints "fault-point PHASE:STEP" on
 * stderr at every step it passes, so the test kills at each step the
 * binary has (a new step is covered without touching the test).  Unset,
 * it does nothing.
 */
void deploy_fault_point(const char *phase, const char *step)
{
	const char *want = getenv("MAPCE_FAULT_AFTER");
	char name[128];

	if (!want || !*want)
		return;
	snprintf(name, sizeof(name), "%s:%s", phase, step);
	if (!strcmp(want, "list"))
		fprintf(stderr, "fault-point %s\n", name);
	else if (!strcmp(want, name))
		raise(SIGKILL);
}

static void close_pins(struct deploy *d)
{
	while (d->n_pin_fd > 0)
		close(d->pin_fd[--d->n_pin_fd]);
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
		ret = pin_dir_remove(d->spec->pins.root, d->dev);
		if (ret < 0)
			pr_warn("rollback: removing %s: %s", d->dir, strerror(-ret));
	} else if (d->dir_created) {
		pin_dir_prune(d->spec->pins.root, d->dev); /* and the parents left empty */
	}
}

/* ---- 1. what is there ------------------------------------------------ */

/* What of the spec's programs, the address and the side's own pieces is
 * missing on a device that is up: DEPLOY_MISS_* bits. */
static unsigned int what_is_missing(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	struct deploy_attached a;
	unsigned int m = 0;

	for (int i = 0; i < s->n_progs; i++) {
		if (s->progs[i].hook == DEPLOY_XDP)
			continue; /* the one that says "up" */
		if (deploy_query(s, i, d->ifindex, &a) || !a.ours)
			m |= 1u << i;
	}
	if (nl_addr6_present(d->ifindex, d->addr) != 1)
		m |= DEPLOY_MISS_ADDR;
	if (s->side->missing && s->side->missing(d))
		m |= DEPLOY_MISS_SIDE;
	return m;
}

/* Up and complete: bring in line what may change, say so. */
static int already_up(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;

	if (!d->quiet)
		pr_warn("%salready up on %s", s->w.subject, d->dev);
	if (s->side->already_up && s->side->already_up(d))
		return -1;
	if (out_json && !d->quiet) { /* stdout stays a document */
		out_open_object(NULL);
		out_str(s->w.dev_key, NULL, d->dev);
		out_bool("already_up", NULL, true);
		out_close_object();
		out_finish();
	}
	return 0;
}

/* d->mode from what is on the device and pinned; -1 (error printed) when
 * up must refuse. */
static int check_existing(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	struct deploy_attached xdp = {};
	struct mapce_config cur;
	__u32 key = 0;
	bool same, disabled, mine;
	int fd, ret = 0;

	d->mode = DEPLOY_FRESH;
	if (d->pins_map_id) {
		fd = pin_open(d->dir, s->pins.config_map);
		d->pins_lost = fd < 0 || map_id_of_fd(fd) != d->pins_map_id;
		if (fd >= 0)
			close(fd);
		if (d->pins_lost) {
			pr_err("the pinned maps in %s are gone or were replaced (by '%s'?)", d->dir,
			       deploy_down_cmd(d));
			return -1;
		}
	}
	/* "Up" is our XDP program on the device: what else must be there is
	 * checked once the parameters are known. */
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
		       d->dev, xdp.prog_name, xdp.prog_id, d->dir, deploy_down_cmd(d));
		return -1;
	}
	/* Whether it runs on these very maps takes its fd (CAP_SYS_ADMIN);
	 * without, the id recorded in this device's state file vouches for
	 * it (up writes both under the lock). */
	ret = prog_uses_map(xdp.prog_id, map_id_of_fd(fd));
	mine = ret == 1 || (ret == -EPERM && xdp.recorded);
	ret = bpf_map_lookup_elem(fd, &key, &cur);
	close(fd);
	/* A config left disabled is a change a crash cut short: the state
	 * must be brought to these parameters whatever it was. */
	disabled = ret || !(cur.flags & MAPCE_CFG_F_ENABLED);
	same = !disabled && !memcmp(&cur, &d->cfg, sizeof(cur)) &&
	       (!s->side->tables_equal || s->side->tables_equal(d));
	if (!mine || (!same && !disabled && !d->reconcile)) {
		pr_err("%salready up on %s with other parameters; run '%s' first", s->w.subject,
		       d->dev, deploy_down_cmd(d));
		return -1;
	}
	d->missing = what_is_missing(d) | (disabled ? DEPLOY_MISS_CONFIG : 0);
	d->mode = same && !d->missing ? DEPLOY_COMPLETE : same ? DEPLOY_REPAIR : DEPLOY_RECONFIGURE;
	return 0;
}

/* ---- the run -------------------------------------------------------------- */

/* An upgrade says so, also to `mapce run` (which folds it into its log
 * line): which programs this build replaced. */
static void note_replaced(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	char list[64];
	size_t n = 0;

	list[0] = '\0';
	for (int i = 0; i < s->n_progs && n + 1 < sizeof(list); i++) {
		if (d->replace & (1u << i))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "",
					      deploy_hook_str(s->progs[i].hook));
	}
	pr_warn("%s: programs replaced by this build's (%s); the pinned maps and their state "
		"kept",
		d->dev, list);
}

/* Everything up to the first change: what was there, the state file's
 * undo, the pin directory. */
static int start(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;

	d->had_state = state_load(s->pins.state_prefix, d->dev, &d->old) == 0;
	d->old_valid = d->had_state && d->old.ifindex == d->ifindex;
	/* What an earlier run recorded stands until a step says otherwise:
	 * a crash between steps leaves down an accurate record (the address
	 * it added, the pins and clsact it created).  Routes are recorded
	 * again as the side puts them in place. */
	if (d->old_valid) {
		d->st = d->old;
		d->st.n_routes = 0;
	} else {
		memset(&d->st, 0, sizeof(d->st));
		d->st.ifindex = d->ifindex;
	}
	d->pins_existed = pin_exists(d->dir, s->pins.config_map);
	if (deploy_undo_push(d, undo_state, NULL))
		return -1;
	if (pin_dir_make(s->pins.root, d->dev, &d->dir_created))
		return -1;
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

/* The map id of the pinned config (0 when it cannot be read). */
static __u32 pinned_config_id(struct deploy *d)
{
	int fd = pin_open(d->dir, d->spec->pins.config_map);
	__u32 id = fd >= 0 ? map_id_of_fd(fd) : 0;

	if (fd >= 0)
		close(fd);
	return id;
}

/* The steps after check_existing (deploy.h's 2..7). */
static int run_steps(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	/* outside FRESH deploy_probe loaded it already */
	bool load = !d->skel;

	if (start(d))
		return -1;
	deploy_fault_point("up", "pin-dir");
	if (d->mode == DEPLOY_FRESH)
		step_drop_leftover_routes(d);
	if (load) {
		if (step_load(d))
			return -1;
		deploy_fault_point("up", "load");
	}
	if (step_address(d))
		return -1;
	deploy_fault_point("up", "address");
	if (step_config_last(d))
		return -1;
	deploy_fault_point("up", "config");
	if (step_attach(d)) /* a fault point after each program */
		return -1;
	if (s->side->routes) {
		if (s->side->routes(d))
			return -1;
		deploy_fault_point("up", "routes");
	}
	step_old_address(d);
	deploy_fault_point("up", "old-address");
	return 0;
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
	if (!ret && d->mode != DEPLOY_FRESH) {
		/* up already: this build's programs may differ (an upgrade) */
		d->pins_existed = true;
		ret = deploy_probe(d);
	}
	if (ret || (d->mode == DEPLOY_COMPLETE && !d->replace)) {
		if (!ret)
			ret = already_up(d);
		if (!ret)
			d->pins_map_id = pinned_config_id(d);
		goto out;
	}
	ret = run_steps(d);
	if (ret) {
		rollback(d);
	} else {
		d->pins_map_id = pinned_config_id(d);
		if (d->replace)
			note_replaced(d);
		if (s->side->done)
			s->side->done(d);
	}
out:
	if (d->skel)
		s->skel->destroy(d->skel);
	d->skel = NULL;
	close_pins(d);
	mapce_unlock(lock);
	return ret;
}

int deploy_up_exit(struct deploy *d, const struct deploy_spec *spec, const char *dev, int ifindex,
		   const struct mapce_config *cfg, const __u8 addr[16], enum attach_xdp_mode mode)
{
	deploy_init(d, spec, dev, ifindex, cfg, addr, mode);
	return deploy_up(d) ? 1 : 0;
}
