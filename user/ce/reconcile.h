/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reconcile.h - what a change of the CE's parameters means for the state
 * that runs, as pure functions (tests/unit/test_reconcile.c):
 *
 *   the config        which fields differ, and what each kind asks for:
 *                     a new public address or port set (CE_CH_NAT) cuts the
 *                     NAT state that no longer fits, a new MAP address
 *                     (CE_CH_ADDRESS) is swapped, anything else (timeouts,
 *                     filtering, limits, MTU, MSS, hop limit, BR...) is
 *                     rewritten in place with every binding kept
 *   a NAT entry       fits when its outside address is the config's and
 *                     its port (or ICMP id) is in the config's port set
 *   a kernel event    whether `mapce run` must look again (the WAN's link,
 *                     addresses and routes; its own echoes are no news)
 */
#ifndef MAPCE_RECONCILE_H
#define MAPCE_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include "mapce_abi.h"
#include "sys/nl_monitor.h"

/* ce_config_diff() bits */
#define CE_CH_NAT (1u << 0)	/* ipv4, psid, psid_len, psid_offset */
#define CE_CH_ADDRESS (1u << 1) /* ce_ipv6 */
#define CE_CH_BR (1u << 2)	/* br_ipv6: the learned path MTU is void */
#define CE_CH_TUNE (1u << 3)	/* any other field but the WAN's ifindex */
#define CE_CH_IFINDEX (1u << 4) /* wan_ifindex: the WAN was recreated */

unsigned int ce_config_diff(const struct mapce_config *old, const struct mapce_config *new);

/*
 * The fields that differ, "name old -> new" joined by ", " into buf
 * ("" when none): with nat, the address and port set ones too ("ipv4
 * 198.51.100.18 -> 198.51.100.86, psid 52 -> 86, MAP address A -> B"),
 * then the others ("filtering adf -> eif, timeout udp 300 -> 120").
 * Returns the length written.
 */
size_t ce_config_diff_text(const struct mapce_config *old, const struct mapce_config *new, bool nat,
			   char *buf, size_t len);

/* Does the outside endpoint ip:port (network order; an ICMP echo id is a
 * port) belong to c's address and port set? */
bool ce_outside_fits(const struct mapce_config *c, __be32 ip, __be16 port);

/* What `mapce run` watches. */
struct ce_watch {
	char wan[IF_NAMESIZE];
	int wan_ifindex;   /* 0: the WAN is gone */
	int addr_ifindex;  /* where the prefix is found (prefix-from), else the WAN */
	__u8 map_addr[16]; /* the MAP address it put there */
};

enum ce_ev_verdict {
	CE_EV_IGNORE,	 /* no news */
	CE_EV_CHECK,	 /* look again (after the debounce) */
	CE_EV_LINK_DOWN, /* the WAN is down or lost its carrier */
	CE_EV_LINK_UP,	 /* the WAN is up and running (look again) */
	CE_EV_GONE,	 /* the WAN was deleted */
};

enum ce_ev_verdict ce_event_verdict(const struct ce_watch *w, const struct nl_event *ev);

#endif
