/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce_loader.h - bring the CE datapath up on a WAN and take it down again.
 *
 * The lifecycle is sys/deploy.h's, shared with the BR; the CE's own steps
 * are its tables (rules, the FMR LPM, the port forwards; pinned NAT state
 * of another address or port set flushed), the MAP IPv6 address and the
 * IPv4 default route via the BR's IPv6 next hop.  Its programs: XDP
 * (ingress), tc egress (NAPT + encapsulation), tc ingress (reassembly of
 * outer IPv6 fragments).  The config file up read is recorded for `mapce
 * portmap` (sys/config_record.h).
 */
#ifndef MAPCE_CE_LOADER_H
#define MAPCE_CE_LOADER_H

#include <limits.h>
#include <stdbool.h>
#include <net/if.h>
#include "mapce_abi.h"
#include "core/policy.h"
#include "core/portmap.h"
#include "core/xdp_mode.h"
#include "ce/nat_prune.h"
#include "sys/deploy.h"

struct ce_up_params {
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct mapce_config cfg; /* complete, exactly as it will be pinned */
	struct mapce_rule rules[MAPCE_MAX_RULES];
	int n_rules;
	__u8 prefix[16]; /* the CE prefix the parameters come from (for run's log) */
	__u8 prefix_len;
	bool mesh; /* fill mapce_fmr_lpm with the FMRs */
	enum attach_xdp_mode xdp_mode;
	__u32 max_flows; /* 0: what is pinned, else the default */
	/* Port forwards (checked against the port set): up makes the STATIC
	 * entries of the maps exactly these, also when already up. */
	const struct portmap *portmaps;
	int n_portmaps;
	char source[PATH_MAX + 64]; /* where the rule came from (rule_source.h) */
	char rule[256];		    /* the BMR, as --rule writes it (and its table) */
	char config_path[PATH_MAX]; /* the config file used, "" none: recorded
				     * for `mapce portmap` */
	char fastpath[IF_NAMESIZE]; /* the XDP fast path's LAN device, when fastpath_ifindex */
	int fastpath_ifindex;	    /* 0: the fast path off */
	char hairpin[IF_NAMESIZE];  /* ipip6's hairpin hook's LAN device, when hairpin_ifindex */
	int hairpin_ifindex;	    /* 0: no hook (not ipip6, or not asked) */
};

/* What the CE is made of (programs, pins, messages): `down` is
 * deploy_down_exit(&ce_spec, wan); status readers query it. */
extern const struct deploy_spec ce_spec;

/* Returns the exit status (0, or 1 after a pr_err() saying what failed).
 * Up with the same parameters and something missing (a link flap took the
 * address and the route): put back.  Up with others: refused. */
int ce_up(const struct ce_up_params *p);

/* What ce_reconcile did, for `mapce run`'s log. */
struct ce_up_result {
	enum deploy_mode mode;
	unsigned int missing; /* DEPLOY_MISS_*: put back */
	bool old_cfg_valid;   /* old_cfg: the config that ran before */
	struct mapce_config old_cfg;
	bool pruned; /* a new address or port set: nat says what went */
	struct nat_pruned nat;
	int forwards_added, forwards_removed;
	bool route_changed; /* the route's next hop or MTU: old_gw -> gw */
	__u8 old_gw[16], gw[16];
	__u32 old_mtu;
	bool addr_replaced; /* the old MAP address deleted */
	__u8 old_addr[16];
	bool pins_lost; /* failed: the pins are gone or not *pins any more */
	/* done, but for the config's forwards: why one was refused in place
	 * (a live mapping holds its port; "" when none was), the forwards
	 * left as they were.  Only ce_reconcile's: `up` fails then. */
	char forwards_refused[1600];
};

/* `mapce run`: bring the CE on p->ifname to p whatever runs there: up when
 * nothing does, put back what is missing, other parameters applied in
 * place (bindings that fit the address and port set kept).  Quiet: *res
 * says what changed.  *pins: the map id of the pinned config run keeps (0
 * at first), set after a success.  0 (res->forwards_refused set: but for
 * the forwards), or -1 after pr_err() (the CE runs on as before, but for what
 * a failing step could not undo). */
int ce_reconcile(const struct ce_up_params *p, __u32 *pins, struct ce_up_result *res);

/* The DEPLOY_MISS_* bits of the CE as words: "the IPv4 default route, the
 * MAP address" into buf. */
const char *ce_missing_str(unsigned int missing, char *buf, size_t len);

#endif
