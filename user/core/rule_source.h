/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rule_source.h - where a CE's MAP rules come from, and turning each kind
 * into the rule options (struct mapce_opts) the derivation reads:
 *
 *   options  --rule / --rule-ipv6 ... or the explicit form (as given)
 *   isp      a service's public table (isp.h): the rule holding the CE
 *            prefix (the longest one, across tables with "auto"), the
 *            table's BR for that rule and its IID format
 *   dhcpv6   RFC 7598 option 94 (every rule, F flag = FMR, the BR) or 96
 *            (the lw4o6 binding as the explicit form, the BR) (s46.h)
 *
 * Given on the command line, an option (--br, --legacy-iid, --prefix,
 * --mesh) wins over what the source says.  A PSID offset the DHCPv6
 * server did not send is RFC 7597's default, and said so on stderr.
 */
#ifndef MAPCE_RULE_SOURCE_H
#define MAPCE_RULE_SOURCE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "core/config_file.h"
#include "core/isp.h"
#include "core/rule_config.h"
#include "core/s46.h"

enum rule_origin {
	RULE_FROM_OPTIONS = 0,
	RULE_FROM_ISP,
	RULE_FROM_DHCPV6,
};

struct rule_source {
	enum rule_origin origin;
	/* RULE_FROM_ISP: the tables searched (one, or every one for "auto") */
	struct isp_table *tables;
	int n_tables;
	/* RULE_FROM_DHCPV6 */
	struct s46_params s46;
	/* what it is, for messages and `status`: "command line",
	 * "/etc/mapce/eth0.conf", "isp v6plus", "DHCPv6 option 94 (FILE)" */
	char what[PATH_MAX + 64];
	/* after rule_source_apply: the rule used, as --rule would write it
	 * (ISP: with its table), for `status` and `calc` */
	char rule[256];
	int table; /* RULE_FROM_ISP: the table of the rule, index into tables */
};

/* Load what the settings name: the ISP table(s), the DHCPv6 option (text
 * or file).  0, or -1 with a message naming the setting (file:line). */
int rule_source_load(const struct up_settings *s, struct rule_source *src, char *err,
		     size_t errlen);

/*
 * Is addr inside a rule of the source?  *len is then the end-user prefix
 * length of that rule (r6 + EA bits).  For the prefix detection of `up`
 * when the source is an ISP table (the rule options' own rules are
 * searched by the caller).
 */
bool rule_source_holds(const struct rule_source *src, const __u8 addr[16], __u8 *len);

/* Put the source's rules into o (see above).  ISP needs o's prefix.  0,
 * or -1 with a message (ISP: naming the service and the closest rules). */
int rule_source_apply(struct rule_source *src, struct mapce_opts *o, char *err, size_t errlen);

#endif
