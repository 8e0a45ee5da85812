/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * br_loader.h - bring the stateless BR up on a device and take it down.
 *
 * The lifecycle is sys/deploy.h's, shared with the CE; the BR's own steps
 * are its tables (rules and the rule LPM), the BR address (/128, nodad,
 * unless present) and one route per rule: "<rule IPv4 prefix> via inet6
 * <next hop toward the rule IPv6 prefix> dev <dev>".  Its programs: XDP
 * (ingress decapsulation) and tc egress (encapsulation).
 */
#ifndef MAPCE_BR_LOADER_H
#define MAPCE_BR_LOADER_H

#include <stdbool.h>
#include <net/if.h>
#include "mapce_abi.h"
#include "core/policy.h"
#include "core/xdp_mode.h"
#include "sys/deploy.h"

struct br_up_params {
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct mapce_config cfg; /* complete, exactly as it will be pinned */
	struct mapce_rule rules[MAPCE_MAX_RULES];
	int n_rules;
	enum attach_xdp_mode xdp_mode;
};

/* What the BR is made of (programs, pins, messages): `br down` is
 * deploy_down_exit(&br_spec, dev); br_status queries it. */
extern const struct deploy_spec br_spec;

/* Returns the exit status (0, or 1 after a pr_err() saying what failed). */
int br_up(const struct br_up_params *p);
/* Print config, rules, attach state, routes and counters of one device
 * (ifname) or of every BR (NULL).  Exit status. */
int br_status(const char *ifname);

#endif
