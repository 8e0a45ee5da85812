/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * deploy.h - the lifecycle the CE (`mapce up/down`) and the BR (`mapce br
 * up/down`) share.  This is its only copy: a side describes itself in a
 * struct deploy_spec (pin root, programs and where they attach, route
 * protocol, messages) and brings only its own steps (struct deploy_side:
 * its tables, its routes, what it prints).
 *
 * up (deploy_up), in order; every step that changes the system pushes its
 * undo, and a failure runs the undos backwards (the rollback):
 *   1. lock; what is there decides the mode (enum deploy_mode):
 *        FRESH        none of the spec's programs is attached: everything
 *                     below (a leftover route of the spec's protocol is
 *                     deleted first: no route without the programs)
 *        COMPLETE     up with the same parameters and complete: change
 *                     nothing (side->already_up may bring in line what may
 *                     change: the CE's forwards), unless the programs are
 *                     another build's (below)
 *        REPAIR       up with the same parameters, something missing (a
 *                     link flap took the address and the routes, a crash
 *                     left a program out): put back what is missing
 *        RECONFIGURE  up with other parameters (or a config a crash left
 *                     disabled): applied in place when d->reconcile (`mapce
 *                     run`), else refused naming the down command
 *   2. load the skeleton, its maps pinned (or reused) under
 *      <pin_root>/<dev>/; libbpf's log captured, its tail shown on failure
 *      (-v shows all of it).  The layout of the pins is checked first
 *      (layout.h): another one is a refusal before anything changed.
 *      Outside FRESH the load comes right after step 1 (deploy_probe):
 *      an attached program of ours whose tag differs from this build's
 *      is another build's, replaced in place in step 5 (d->replace), in
 *      any mode, COMPLETE included; the pins and their state stay
 *   3. the device's address /128 (nodad), unless it is there
 *   4. config last: side->write_tables (rules, LPM, ...), then the config,
 *      which enables the datapath.  FRESH disables it first (the new
 *      config without MAPCE_CFG_F_ENABLED: every IPv4 packet dropped on
 *      egress, passed on ingress, the expiry sweep on sane timeouts); the
 *      other modes rewrite in place and a side disables only when its
 *      state must be cut (deploy_config_disable)
 *   5. the spec's programs in table order: XDP, tc filters on clsact
 *      (clsact created when missing); only the missing ones outside FRESH,
 *      and those of another build, each swapped atomically (XDP_FLAGS_
 *      REPLACE; a tc replace at the same handle and priority)
 *   6. side->routes (each through deploy_route_add): after the programs, so
 *      nothing is routed to the device before they are attached with their
 *      config written
 *   7. an address of ours from an earlier run with other parameters (a
 *      new prefix) is deleted: the new one was added before
 * What up did is recorded in the state file (state_file.h) after every
 * step.  Outside FRESH a rollback never detaches a program: a route may
 * stand that only its program keeps from leaking.
 *
 * down (deploy_down): detach the spec's programs (never another's), clsact
 * if up created it and nothing else uses it, every route of the spec's
 * protocol on the device, the address if up added it, the pins, the state
 * file; one report for both sides.  It refuses, removing nothing, when a
 * program sits at one of its hooks and whose it is cannot be told, or the
 * device is gone and programs elsewhere may still use the maps
 * (deploy_query, deploy_maps_in_use).  The report:
 *   text  "<report> <dev>: xdp tc-filter clsact route address pins removed"
 *   JSON  {"<dev_key>": dev, "removed": {"xdp": bool, ..., "pins": bool}}
 */
#ifndef MAPCE_DEPLOY_H
#define MAPCE_DEPLOY_H

#include <stdbool.h>
#include <net/if.h>
#include <bpf/libbpf.h>
#include "mapce_abi.h"
#include "sys/attach.h"
#include "sys/netlink.h"
#include "sys/state_file.h"

/* ---- the spec: what a side is made of -------------------------------- */

enum deploy_hook {
	DEPLOY_XDP,	   /* XDP on the device (never replacing another's) */
	DEPLOY_TC_EGRESS,  /* a tc filter on clsact egress */
	DEPLOY_TC_INGRESS, /* a tc filter on clsact ingress */
};

/* One program of the object and where it attaches. */
struct deploy_prog {
	const char *name; /* the skeleton's program name (core/policy.h) */
	enum deploy_hook hook;
	__u32 tc_handle; /* tc hooks: the filter's fixed identity */
	__u32 tc_priority;
};

/* How deploy opens, loads and frees one side's skeleton: DEPLOY_SKEL_OPS
 * writes these for a bpftool skeleton. */
struct deploy_skel_ops {
	void *(*open)(const struct bpf_object_open_opts *opts);
	int (*load)(void *skel);
	void (*destroy)(void *skel);
	struct bpf_object *(*object)(void *skel);
};

#define DEPLOY_SKEL_OPS(name)                                                 \
	static void *name##_deploy_open(const struct bpf_object_open_opts *o) \
	{                                                                     \
		return name##__open_opts(o);                                  \
	}                                                                     \
	static int name##_deploy_load(void *s)                                \
	{                                                                     \
		return name##__load(s);                                       \
	}                                                                     \
	static void name##_deploy_destroy(void *s)                            \
	{                                                                     \
		name##__destroy(s);                                           \
	}                                                                     \
	static struct bpf_object *name##_deploy_object(void *s)               \
	{                                                                     \
		return ((struct name *)s)->obj;                               \
	}                                                                     \
	static const struct deploy_skel_ops name##_skel_ops = {               \
		name##_deploy_open,                                           \
		name##_deploy_load,                                           \
		name##_deploy_destroy,                                        \
		name##_deploy_object,                                         \
	}

struct deploy;

/* A side's own steps (NULL: nothing to do).  int hooks return 0, or -1
 * after pr_err() saying what failed. */
struct deploy_side {
	/* Already up: are the pinned tables (besides the config, which deploy
	 * compares) what this up would write? */
	bool (*tables_equal)(struct deploy *d);
	/* Already up, programs and address in place: what of the side's own
	 * is missing ("the IPv4 default route"), or NULL. */
	const char *(*missing)(struct deploy *d);
	/* Already up and complete: bring in line what may change. */
	int (*already_up)(struct deploy *d);
	/* Opened, not loaded: size maps and the like. */
	int (*before_load)(struct deploy *d);
	/* Loaded, the datapath disabled: write the tables. */
	int (*write_tables)(struct deploy *d);
	/* The address is in place: add the routes (deploy_route_add). */
	int (*routes)(struct deploy *d);
	/* Up and complete: warnings and the report. */
	void (*done)(struct deploy *d);
};

/* The words a side's messages and reports use. */
struct deploy_words {
	const char *cmd;       /* "mapce", "mapce br": "<cmd> down <dev_opt> <dev>" */
	const char *dev_opt;   /* "--wan", "--dev" */
	const char *dev_key;   /* JSON key of the device: "wan", "dev" */
	const char *report;    /* down's text: "<report> <dev>: ... removed" */
	const char *subject;   /* message prefix: "<subject>already up on <dev>" */
	const char *owner;     /* "mapce's": another program "is not <owner>" */
	const char *addr_what; /* "MAP address": messages about the address */
};

/* A side's steps in struct deploy_side's order, NULL where it has none: a
 * side's table in one statement. */
#define DEPLOY_SIDE(tables_equal_, missing_, already_up_, before_load_, write_tables_, routes_, \
		    done_)                                                                      \
	{                                                                                       \
		.tables_equal = tables_equal_, .missing = missing_, .already_up = already_up_,  \
		.before_load = before_load_, .write_tables = write_tables_, .routes = routes_,  \
		.done = done_,                                                                  \
	}

/* Where a side keeps its state. */
struct deploy_pins {
	const char *root;	  /* <root>/<dev>/: the pinned maps */
	const char *config_map;	  /* the pinned map of struct mapce_config, key 0 */
	const char *state_prefix; /* MAPCE_RUN_DIR/<prefix><dev>.state */
	const char *layout_map;	  /* the pinned struct mapce_layout (layout.h) */
};

/* What a side adds to the network configuration. */
struct deploy_net {
	__u32 addr_flags;    /* IFA_F_* of the address up adds */
	__u8 route_protocol; /* RTPROT_* of every route up adds */
	/* A neighbour entry up may add for on-link next hops (the BR's), down
	 * deletes on the device; NULL: none. */
	const __u8 *onlink_gw;
};

struct deploy_spec {
	struct deploy_words w;
	struct deploy_pins pins;
	struct deploy_net net;
	const struct deploy_prog *progs; /* attached in this order */
	int n_progs;
	const struct deploy_skel_ops *skel;
	const struct deploy_side *side;
	void (*forget)(const char *dev); /* down: the side's own records */
};

/* The spec's programs: DEPLOY_PROGS(table) in a spec initializer. */
#define DEPLOY_PROGS(table) .progs = (table), .n_progs = sizeof(table) / sizeof((table)[0])

/* ---- one run of up --------------------------------------------------- */

/* What deploy_up found (step 1 above). */
enum deploy_mode {
	DEPLOY_FRESH,
	DEPLOY_COMPLETE,
	DEPLOY_REPAIR,
	DEPLOY_RECONFIGURE,
};

/* deploy.missing: what of a side that is up was missing, put back (a
 * program is bit 1 << its index in spec->progs). */
#define DEPLOY_MISS_PROGS 0xffu
#define DEPLOY_MISS_ADDR (1u << 8)
#define DEPLOY_MISS_SIDE (1u << 9)    /* side->missing said what */
#define DEPLOY_MISS_CONFIG (1u << 10) /* the pinned config was disabled */

#define DEPLOY_PIN_FDS 16 /* pinned maps one run opens outside FRESH */

struct deploy_undo {
	void (*fn)(struct deploy *d, const struct deploy_undo *u);
	int prog;	       /* a program: index in spec->progs */
	struct nl_route route; /* a route this run added */
};

#define DEPLOY_UNDO_MAX (8 + MAPCE_MAX_RULES)

/* Embed it first in the side's own run (container_of in the hooks).
 * Fields by alignment (no padding): [c] the caller's, [u] deploy_up's for
 * the hooks and the caller to read, [r] the rollback's. */
struct deploy {
	const struct deploy_spec *spec;		  /* [c] */
	const char *source, *rule;		  /* [c] for the state file (status): may be NULL */
	void *skel;				  /* [u] the side's skeleton, while up runs (NULL
						   * when nothing was loaded: deploy_map_fd opens
						   * the pins) */
	struct up_state old, st;		  /* [u] the state file found, and this run's */
	struct deploy_undo undo[DEPLOY_UNDO_MAX]; /* [r] */
	const char *pin_name[DEPLOY_PIN_FDS];	  /* [u] pinned maps deploy_map_fd opened */
	int pin_fd[DEPLOY_PIN_FDS];
	int n_pin_fd;
	int n_undo;		       /* [r] */
	struct mapce_config cfg;       /* [c] complete, exactly as it will be pinned */
	struct mapce_config old_cfg;   /* [u] the reused pins' config (old_cfg_valid) */
	int ifindex;		       /* [c] */
	enum attach_xdp_mode xdp_mode; /* [c] */
	/* [c] When not 0, the pinned config must be this map (the pins `mapce
	 * run` keeps): gone or another one, up fails with pins_lost set
	 * (checked under the lock, so a down that ran meanwhile is never
	 * undone).  Set to the pinned config's map after a success. */
	__u32 pins_map_id;
	enum deploy_mode mode; /* [u] */
	unsigned int missing;  /* [u] DEPLOY_MISS_*: put back (REPAIR, RECONFIGURE) */
	unsigned int replace;  /* [u] programs of ours attached that differ from
				* this build's (1 << index in spec->progs):
				* replaced in place, in any mode but FRESH */
	char dev[IF_NAMESIZE]; /* [c] */
	__u8 addr[16];	       /* [c] the address up adds to the device (/128) */
	__u8 old_addr[16];     /* [u] what step 7 deleted (addr_replaced) */
	char dir[256];	       /* [u] <pin_root>/<dev> */
	bool reconcile;	       /* [c] other parameters: applied in place, not refused */
	bool quiet;	       /* [c] no notes, no report: the caller says what
				* happened */
	bool pins_lost;	       /* [u] see pins_map_id */
	bool addr_replaced;    /* [u] step 7 deleted old_addr */
	bool pins_existed;     /* [u] maps reused from an earlier run */
	bool old_cfg_valid;    /* [u] */
	bool old_valid;	       /* [u] old: the state file of this very device */
	__u8 xdp_attached;     /* [u] XDP_ATTACHED_* */
	bool had_state, dir_created, pins_created; /* [r] */
};

/* Zero d and fill the caller's fields. */
void deploy_init(struct deploy *d, const struct deploy_spec *spec, const char *dev, int ifindex,
		 const struct mapce_config *cfg, const __u8 addr[16], enum attach_xdp_mode mode);
/* Bring the side up on d->dev (d from deploy_init; set d->reconcile and
 * d->quiet after it).  0 (up, or already up as asked: d->mode says which),
 * -1 after pr_err() (what this run added is undone). */
int deploy_up(struct deploy *d);
/* deploy_init and deploy_up as one, returning the exit status (0 or 1):
 * what the sides' up commands end with. */
int deploy_up_exit(struct deploy *d, const struct deploy_spec *spec, const char *dev, int ifindex,
		   const struct mapce_config *cfg, const __u8 addr[16], enum attach_xdp_mode mode);

/* Add r (replace: a leftover of ours is in its place), record it in the
 * state file; a route added, not replaced, is deleted by a rollback.
 * 0, or -1 after pr_err(). */
int deploy_route_add(struct deploy *d, const struct nl_route *r, bool replace);
/*
 * What stands where a side wants its route to dst/len (IPv4, network
 * order), among routes[0..n): a route of ours on this device (the spec's
 * route protocol) is a leftover to replace (*ours set); another route is
 * in the way: its index is returned for the side to refuse in its own
 * words.  -1 when nothing is in the way.
 */
int deploy_route_conflict(const struct deploy *d, const struct nl_route *routes, int n, __be32 dst,
			  __u8 len, bool *ours);
/* Push an undo (fn called with a copy of *u on rollback).  0, or -1 after
 * pr_err() when the list is full (a bug). */
int deploy_undo_push(struct deploy *d, void (*fn)(struct deploy *d, const struct deploy_undo *u),
		     const struct deploy_undo *u);
/* Record r in the state file as a route of ours that stands as wanted
 * (deploy_route_add without touching it). */
void deploy_route_record(struct deploy *d, const struct nl_route *r);
/* Write the state file (a warning when it fails). */
void deploy_save_state(struct deploy *d);
/* The fd of map name: the loaded object's, else the pinned one (opened
 * once, closed when up ends); -1 when missing. */
int deploy_map_fd(struct deploy *d, const char *name);
/* For write_tables: stop the datapath while the side cuts state that no
 * longer fits (the new config without MAPCE_CFG_F_ENABLED; the config
 * written after write_tables enables it again).  0, or -1 after pr_err(). */
int deploy_config_disable(struct deploy *d);

/* ---- down and the readers --------------------------------------------- */

/* Take the side down on dev.  0 (the report printed), -1 after pr_err()
 * ("<subject>not up on <dev>" when nothing was found). */
int deploy_down(const struct deploy_spec *spec, const char *dev);
/* deploy_down's exit status (0 or 1). */
int deploy_down_exit(const struct deploy_spec *spec, const char *dev);

/*
 * What sits where the spec's program i attaches on ifindex.  A program is
 * the spec's when its kernel name is the spec's name, or, when the name
 * cannot be read (that takes CAP_SYS_ADMIN: BPF_PROG_GET_FD_BY_ID), when
 * its id is the one up recorded for the hook in the device's state file.
 * The attach dumps (rtnetlink) give the ids with CAP_NET_ADMIN alone.
 */
struct deploy_attached {
	__u32 prog_id;		       /* 0: nothing (tc: nothing at our handle) */
	char prog_name[PROG_NAME_LEN]; /* kernel name, "" when unreadable */
	__u8 xdp_mode;		       /* XDP: XDP_ATTACHED_* */
	bool ours;		       /* it is the spec's program */
	bool recorded;		       /* ours by the recorded id (name unreadable) */
	bool unknown;		       /* a program whose name cannot be read and
					* whose id is not recorded: whose it is
					* cannot be told */
};
/* 0 (a filled), or -errno. */
int deploy_query(const struct deploy_spec *spec, int i, int ifindex, struct deploy_attached *a);
/* Detach program i only if it is ours: 0, -ENOENT nothing there, -EBUSY
 * another program or one that cannot be told (a, when not NULL, says
 * which), -errno. */
int deploy_detach(const struct deploy_spec *spec, int i, int ifindex, struct deploy_attached *a);
/* Does a loaded program of the spec use the maps pinned in dir (a device
 * gone from this namespace: deleted, or moved with its programs)?  1 yes,
 * 0 no (or nothing pinned), -EPERM when the programs cannot be listed
 * (BPF_PROG_GET_NEXT_ID takes CAP_SYS_ADMIN). */
int deploy_maps_in_use(const struct deploy_spec *spec, const char *dir);
/* "XDP", "tc egress", "tc ingress". */
const char *deploy_hook_str(enum deploy_hook hook);
/* The test hook after each step of up and down (deploy.c says how
 * MAPCE_FAULT_AFTER drives it): "PHASE:STEP" is the step's name. */
void deploy_fault_point(const char *phase, const char *step);
/* libbpf_strerror() of e, for messages (a static buffer). */
const char *deploy_strerror(int e);

#endif
