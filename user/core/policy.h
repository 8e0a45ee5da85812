/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * policy.h - every number and name mapce decides on its own, in one
 * place: defaults and minimums of the settings, the MTU arithmetic of the
 * encapsulation, the identities of what `up` installs (program names, tc
 * handles and priorities, route protocols) and where mapce keeps its files
 * (pin roots, run and config directories).
 *
 * What the BPF programs must agree on (map layouts, sizes, flags) is the
 * ABI in include/mapce_abi.h, not here; MAPCE_DEFAULT_GC_INTERVAL_MS stays
 * there because the datapath falls back to it.
 */
#ifndef MAPCE_POLICY_H
#define MAPCE_POLICY_H

/* ---- defaults of `mapce up` (struct mapce_config) ------------------- */

#define MAPCE_DEFAULT_MTU 1460		    /* IPv4 MTU over the tunnel: 1500 - 40 */
#define MAPCE_DEFAULT_HOP_LIMIT 64	    /* outer IPv6 hop limit (CE and BR) */
#define MAPCE_DEFAULT_TIMEOUT_UDP 300	    /* seconds (RFC 4787 REQ-5 recommends 300) */
#define MAPCE_DEFAULT_TIMEOUT_TCP_EST 7440  /* seconds: RFC 5382 REQ-5, 2 h 4 min */
#define MAPCE_DEFAULT_TIMEOUT_TCP_TRANS 240 /* seconds: RFC 5382 REQ-5, 4 min */
#define MAPCE_DEFAULT_TIMEOUT_ICMP 60	    /* seconds: RFC 5508 REQ-2 */
#define MAPCE_DEFAULT_PSID_OFFSET 6	    /* a, RFC 7597 §5.1 */

/* ---- minimums the settings are checked against --------------------- */

/* Timeouts the standards ask for (seconds); allow-short-timeouts lifts
 * them for tests. */
#define MAPCE_MIN_TIMEOUT_UDP 120	/* RFC 4787 REQ-5 */
#define MAPCE_MIN_TIMEOUT_TCP_EST 7440	/* RFC 5382 REQ-5: 2 h 4 min */
#define MAPCE_MIN_TIMEOUT_TCP_TRANS 240 /* RFC 5382 REQ-5: 4 min */
#define MAPCE_MIN_TIMEOUT_ICMP 60	/* RFC 5508 REQ-2 */

/* --max-flows: the NAT tables' size (MAPCE_MAX_FLOWS, the default, is ABI). */
#define MAPCE_MIN_FLOWS 16
#define MAPCE_MAX_FLOWS_LIMIT (1u << 24)

/* ---- MTU and MSS ---------------------------------------------------- */

/* Smallest IPv4 MTU over the tunnel the CE's --mtu accepts (the IPv6
 * minimum, so that every tunnel packet fits any IPv6 path). */
#define MAPCE_MIN_MTU 1280
/* The IPv6 header the encapsulation adds (CE and BR): an IPv4 packet of
 * MTU bytes leaves as MTU + 40. */
#define MAPCE_ENCAP_OVERHEAD 40
/* The RFC 2473 destination options header carrying the encapsulation
 * limit (--encap-limit), on top of MAPCE_ENCAP_OVERHEAD. */
#define MAPCE_ENCAP_LIMIT_OVERHEAD 8
/* IPv4 (20) + TCP (20) headers: the MSS that fills an MTU is MTU - 40. */
#define MAPCE_MSS_OVERHEAD 40
/* Smallest non-zero --mss-clamp (RFC 879's default MSS). */
#define MAPCE_MIN_MSS 536
/* Smallest IPv4 route MTU the BR's --mtu accepts (RFC 791's minimum
 * datagram every host must take). */
#define MAPCE_BR_MIN_MTU 576u

/* ---- what up installs, and how down finds it again ------------------ */

/* Program names (the skeletons'); the kernel keeps the first 15
 * characters, attach.h compares those. */
#define MAPCE_XDP_PROG_NAME "mapce_xdp_ingress"
#define MAPCE_TC_PROG_NAME "mapce_tc_egress"
#define MAPCE_TC_IN_PROG_NAME "mapce_tc_ingress" /* outer-fragment reassembly */
#define MAPCE_BR_XDP_PROG_NAME "mapce_br_xdp"
#define MAPCE_BR_TC_PROG_NAME "mapce_br_tc_egress"

/* tc filters on the clsact hooks: fixed handle and priority, so a second
 * up finds (and replaces) its own leftover and never another's.  The BR's
 * differ from the CE's so a CE and a BR can share a host. */
#define MAPCE_TC_HANDLE 0x4d41u	  /* "MA" */
#define MAPCE_TC_PRIORITY 0x4345u /* "CE" */
#define MAPCE_BR_TC_HANDLE (MAPCE_TC_HANDLE + 1u)
#define MAPCE_BR_TC_PRIORITY 0x4252u /* "BR" */

/* rtm_protocol of the routes up adds: down removes exactly these, with
 * or without a state file. */
#define RTPROT_MAPCE 0x4d    /* "M": the CE's IPv4 default route */
#define RTPROT_MAPCE_BR 0x42 /* "B": the BR's rule IPv4 prefixes */

/* A rule whose IPv6 prefix is on-link (CEs on the BR's own link, no IPv6
 * router between): the kernel routes an IPv4 prefix only via a next hop
 * whose neighbour it can resolve, and the CEs are many.  So its route
 * goes via this link-local address, given a permanent neighbour entry of
 * MAPCE_BR_ONLINK_MAC (mapce_abi.h): the BR's tc program sees that MAC
 * in a frame and finds the packet's CE on the link itself. */
#define MAPCE_BR_ONLINK_GW                                                             \
	{                                                                              \
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x6d, 0x61, 0x70, 0x63, 0x62, 0x72 \
	} /* fe80::6d61:7063:6272 */

/* ---- where mapce keeps its files ------------------------------------ */

#define MAPCE_PIN_ROOT "/sys/fs/bpf/mapce"	 /* CE: MAPCE_PIN_ROOT/<wan>/ */
#define MAPCE_BR_PIN_ROOT "/sys/fs/bpf/mapce_br" /* BR: MAPCE_BR_PIN_ROOT/<dev>/ */
#define MAPCE_RUN_DIR "/run/mapce"		 /* state files, the lock */
#define MAPCE_PROM_INTERVAL_S 5 /* mapce run --prometheus-file: rewritten this often */
/* mapce run --upnp-leases: the lease file is read at least this often */
#define MAPCE_UPNP_CHECK_S 5
/* mapce run --pcp (ce/pcp_table.h): NAT-PMP / PCP mappings.  One LAN
 * host may hold MAPCE_PCP_PER_CLIENT of them (so that one host cannot take
 * the whole port set: 32 of v6プラス's 240 ports), the server
 * MAPCE_PCP_MAX in all; a lifetime asked for is granted up to
 * MAPCE_PCP_LIFETIME_MAX seconds (a day); a new mapping tries at most
 * MAPCE_PCP_TRY_MAX ports of the set, nearest the one asked for first. */
#define MAPCE_PCP_PER_CLIENT 32
#define MAPCE_PCP_MAX 1024
#define MAPCE_PCP_LIFETIME_MAX 86400
#define MAPCE_PCP_TRY_MAX 256
#define MAPCE_LOCK_FILE MAPCE_RUN_DIR "/lock"
/* The BR's state files are MAPCE_RUN_DIR/br:<dev>.state: a ':' is never
 * in a device name, so a CE on a WAN "br-X" cannot take a BR's on "X". */
#define MAPCE_BR_STATE_PREFIX "br:"
#define MAPCE_CONF_DIR "/etc/mapce"	    /* <wan>.conf, read by up */
#define MAPCE_CONF_DIR_ENV "MAPCE_CONF_DIR" /* moves MAPCE_CONF_DIR */

#endif
