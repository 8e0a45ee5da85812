/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce_plan.h - the policy of `mapce up` as a pure function: from the
 * merged settings (config_file.h) and what the system says about the WAN,
 * the complete parameters of ce_up(), or a message saying what is wrong.
 *
 *   MTU      default MAPCE_DEFAULT_MTU, clamped to the WAN MTU - 40 (- 48
 *            with --encap-limit); an explicit --mtu above that is refused,
 *            a WAN too small for the MAPCE_MIN_MTU too
 *   MSS      auto (MTU - 40), off, or N at most MTU - 40
 *   prefix   --prefix, else the first r6 + o bits of a global WAN address
 *            (or of the prefix-from interface's) inside a rule IPv6 prefix
 *            (shorter-than-/128 addresses first, deprecated ones last: a
 *            renumbered line keeps the old prefix deprecated for a while;
 *            link-local, tentative and DAD-failed ones never)
 *   rules    validated, the BMR derived; one shared IPv4 address only
 *   forwards inside the port set
 *
 * cmd_up gathers the facts; nothing here reads the system, so
 * tests/unit/test_ce_plan.c checks every rule without root.
 */
#ifndef MAPCE_CE_PLAN_H
#define MAPCE_CE_PLAN_H

#include <stddef.h>
#include "ce/ce_loader.h"
#include "core/config_file.h"
#include "core/rule_source.h"
#include "sys/netlink.h"

/* What cmd_up reads from the system about the WAN. */
struct wan_facts {
	const char *name; /* the WAN, for messages */
	int ifindex;
	unsigned int mtu;
	const struct nl_addr6 *addrs; /* its IPv6 addresses, kernel order */
	int n_addrs;		      /* or -errno: listing them failed */
	const char *addrs_of;	      /* whose addresses those are when not the
				       * WAN's (prefix-from), for messages */
};

/* Fill *out (zeroed first; out->portmaps points into s).  0, or a message
 * in err and MAPCE_ERR_VALUE or MAPCE_ERR_USAGE.  The tunnel MTU clamped to
 * the WAN's is a warning on stderr, the detected prefix a note with -v. */
int ce_plan(const struct up_settings *s, struct rule_source *src, const struct wan_facts *w,
	    struct ce_up_params *out, char *err, size_t errlen);

#endif
