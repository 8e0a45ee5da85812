/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce_loader.h - bring the CE datapath up on a WAN and take it down again.
 *
 * up: load the skeleton with its maps pinned under MAPCE_PIN_ROOT/<wan>/
 * (reused when they exist: NAT state survives a reload), write config and
 * rules, add the MAP IPv6 address, the IPv4 default route via the BR's
 * IPv6 next hop, attach XDP (ingress) and the tc egress filter, install
 * the port forwards.  Any failure undoes this run's steps in reverse.
 * What up created is recorded in the state file (ce_state.h) for down,
 * the config file it read in config_file.h's record for `mapce portmap`.
 */
#ifndef MAPCE_CE_LOADER_H
#define MAPCE_CE_LOADER_H

#include <limits.h>
#include <stdbool.h>
#include <net/if.h>
#include "mapce_abi.h"
#include "sys/attach.h"
#include "ce/portmap.h"

/* rtm_protocol of the routes mapce adds ("M"): down removes exactly these. */
#define RTPROT_MAPCE 0x4d

/* Program names (the skeleton's), how attach.h finds them again. */
#define MAPCE_XDP_PROG_NAME "mapce_xdp_ingress"
#define MAPCE_TC_PROG_NAME "mapce_tc_egress"
#define MAPCE_TC_IN_PROG_NAME "mapce_tc_ingress" /* outer-fragment reassembly */

/* Smallest IPv4 MTU over the tunnel --mtu accepts (and the IPv6 minimum). */
#define MAPCE_MIN_MTU 1280
/* IPv6 header added by the encapsulation. */
#define MAPCE_ENCAP_OVERHEAD 40
/* RFC 2473 destination options header with the encapsulation limit. */
#define MAPCE_ENCAP_LIMIT_OVERHEAD 8
/* Smallest non-zero --mss-clamp (RFC 879's default MSS). */
#define MAPCE_MIN_MSS 536

struct ce_up_params {
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct mapce_config cfg; /* complete, exactly as it will be pinned */
	struct mapce_rule rules[MAPCE_MAX_RULES];
	int n_rules;
	bool mesh;               /* fill mapce_fmr_lpm with the FMRs */
	enum attach_xdp_mode xdp_mode;
	__u32 max_flows;         /* 0: what is pinned, else the default */
	/* Port forwards (checked against the port set): up makes the STATIC
	 * entries of the maps exactly these, also when already up. */
	const struct portmap *portmaps;
	int n_portmaps;
	char config_path[PATH_MAX]; /* the config file used, "" none: recorded
				     * for `mapce portmap` */
};

/* Returns the exit status (0, or 1 after an pr_err() saying what failed). */
int ce_up(const struct ce_up_params *p);
/* Remove everything up created on ifname (best effort for leftovers).
 * Exit status: 1 "not up" when nothing was found. */
int ce_down(const char *ifname);

#endif
