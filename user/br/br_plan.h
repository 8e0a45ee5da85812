/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * br_plan.h - the policy of `mapce br up` as pure functions: from the
 * options and what the system says about the device, the complete
 * parameters of br_up(), or a message saying what is wrong.
 *
 *   rules    validated as for a CE (without a CE prefix); no two with one
 *            IPv4 prefix (the BR could not tell which a packet belongs to)
 *   --br     a global unicast IPv6 address
 *   MTU      the IPv4 routes' MTU: the device's MTU - 40 by default, never
 *            more; a device below MAPCE_BR_MIN_MTU + 40 is refused
 *
 * cmd_br gathers the facts; nothing here reads the system, so
 * tests/unit/test_ce_plan.c checks the BR's rules too, without root.
 */
#ifndef MAPCE_BR_PLAN_H
#define MAPCE_BR_PLAN_H

#include <stddef.h>
#include "br/br_loader.h"
#include "core/rule_config.h"

/* What `br up` was asked for. */
struct br_settings {
	struct mapce_opts rule;	 /* the rules, --br, --legacy-iid */
	unsigned long hop_limit; /* 1..255 */
	unsigned long mtu;	 /* 0: the device's MTU - MAPCE_ENCAP_OVERHEAD */
	enum attach_xdp_mode xdp_mode;
};

/* What cmd_br reads from the system about the device. */
struct br_link_facts {
	const char *name; /* the device, for messages */
	int ifindex;
	unsigned int mtu;
};

/* The checks that need no device (rules, duplicates, --br), on o in place
 * (validation fills in derived fields).  0, or a message in err and
 * MAPCE_ERR_VALUE or MAPCE_ERR_USAGE. */
int br_plan_rules(struct mapce_opts *o, char *err, size_t errlen);
/* br_plan_rules on a copy of s->rule, the MTU against the device's, and
 * the parameters in *out (zeroed first).  0, or as br_plan_rules. */
int br_plan(const struct br_settings *s, const struct br_link_facts *w, struct br_up_params *out,
	    char *err, size_t errlen);

#endif
