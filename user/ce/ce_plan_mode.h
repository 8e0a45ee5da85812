/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce_plan_mode.h - the part of ce_plan() that depends on the mode
 * (core/mode.h): what MAP-E gets from its rules, the other modes get from
 * their own options and the WAN's addresses.
 *
 *   ipip6   the fixed address (--ipv4), NAPT over 1024-65535 (k = 0),
 *           tunnel address = the WAN's /64 + --iid (default: the legacy
 *           MAP IID of the address with PSID 0), to --br
 *   lw4o6   the binding (--ipv4 --psid --psid-len [--psid-offset], or
 *           DHCPv6 option 96's S46_V4V6BIND), the tunnel source the WAN's
 *           global address (option 96: from the bind prefix), to --br (or
 *           S46_BR); no FMRs
 *   dslite  no NAT, the B4's 192.0.0.2, the tunnel source the WAN's
 *           global address, to --aftr or DHCPv6 option 64's name (an
 *           address: cmd_up resolves names, ce_plan_aftr)
 */
#ifndef MAPCE_CE_PLAN_MODE_H
#define MAPCE_CE_PLAN_MODE_H

#include <stddef.h>
#include "ce/ce_plan.h"
#include "core/rule_config.h"

/* The mode's parameters into *d (and o: the prefix that was used), for a
 * mode other than MAP-E.  src: the rule source, a DHCPv6 option only of
 * the mode's own kind (dslite 64, lw4o6 96; others none).  0, or a
 * message in err and MAPCE_ERR_VALUE or MAPCE_ERR_USAGE. */
int ce_plan_mode(const struct up_settings *s, struct rule_source *src, const struct wan_facts *w,
		 struct mapce_opts *o, struct mapce_derived *d, char *err, size_t errlen);

/*
 * dslite: the AFTR as given, an address or a name still to resolve, and
 * where it came from (what: "--aftr", "FILE:N: aftr", "DHCPv6 option 64
 * (FILE)").  An explicit aftr (command line or config file) wins over
 * DHCPv6 option 64, as --br wins over S46_BR: *other is then the
 * option's differing name (for a note), else NULL.  NULL when neither
 * gives one.
 */
const char *ce_plan_aftr(const struct up_settings *s, const struct rule_source *src, char *what,
			 size_t whatlen, const char **other);

/* The WAN's global IPv6 address the tunnel of a mode leaves from (the
 * first preferred non-/128 one, else any usable one) into addr.  0, or
 * -1 + message. */
int ce_plan_wan_addr(const struct wan_facts *w, __u8 addr[16], char *err, size_t errlen);

#endif
