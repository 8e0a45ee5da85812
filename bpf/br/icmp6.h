/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * icmp6.h - the BR's part of the ICMPv6 error translation (lib/icmp6_err.h
 * does the rest): an error about a packet the BR encapsulated toward a CE
 * goes, as an ICMPv4 error, to the IPv4 host that sent the inner packet.
 * Without it a path MTU below the link MTU anywhere between the BR and a
 * CE black-holes every download: the internet host never learns that its
 * 1460-byte packets do not fit once 40 bytes of IPv6 are added.
 *
 * The quote is our packet: IPv6 (from the BR to a CE, next header 4) + the
 * IPv4 packet as the internet host sent it (the BR is stateless: no
 * translation to undo).  It is translated only when the quoted IPv6
 * destination is the CE that owns the quoted IPv4 destination and port,
 * i.e. a packet this BR can have sent.
 *
 * IPv4 source: the quoted packet's destination, i.e. the CE's (shared)
 * address.  The BR has no IPv4 address of its own in its config, and the
 * kernel would drop, as a martian, a packet arriving with one of its own
 * local addresses as source.  The CE's address is routed out of this very
 * device, so the packet passes reverse-path filtering here, and the host
 * sees an error from the peer it was talking to: it matches the host's
 * conntrack as RELATED and passes its "error from the path of this
 * connection" checks.  (Linux ignores the source of a frag-needed anyway:
 * TCP and UDP find the socket by the quoted addresses and ports.)
 */
#ifndef MAPCE_BPF_BR_ICMP6_H
#define MAPCE_BPF_BR_ICMP6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "lib/consts.h"
#include "lib/parse.h"
#include "lib/icmp6_err.h"
#include "owner.h"

/* Can an ICMPv4 error go to this address?  (RFC 1122 §3.2.2: not to
 * "this network", loopback, multicast or class E / broadcast.) */
static __always_inline int br_v4_unicast(__be32 a)
{
	__u8 first = bpf_ntohl(a) >> 24;

	return first != 0 && first != 127 && first < 224;
}

/* An ICMPv4 error type of any kind: no error is sent about one (RFC 1122
 * §3.2.2), source quench and redirect included. */
static __always_inline int br_icmp4_is_any_error(__u8 type)
{
	return icmp4_is_error(type) || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT;
}

/* The BR's lookup (lib/icmp6_err.h, step 5). */
static __always_inline __u32 icmp6_err_lookup(const struct mapce_config *cfg, void *data,
					      void *data_end, const struct ipv6hdr *q6,
					      struct icmp6_xlat *e)
{
	const struct v4_info *q = &e->q;
	struct mapce_rule *rule;
	__u64 ce[2]; /* u64 words: the verifier rejects misaligned stack access */
	int res;

	/* RFC 1122 §3.2.2: no error about a later fragment, about an ICMP
	 * error, or to an address that is not a host's. */
	if (e->rc == PARSE_FRAGMENT || !br_v4_unicast(q->saddr) ||
	    (q->proto == IPPROTO_ICMP && br_icmp4_is_any_error(q->icmp_type)))
		return MAPCE_R_BR_DROP_UNSUPPORTED;
	/* Could the BR have sent the quoted packet?  Its IPv6 destination
	 * must be the CE that owns its IPv4 destination (and port). */
	rule = br_rule_for(q->daddr);
	if (!rule)
		return MAPCE_R_BR_DROP_NO_RULE;
	res = br_ce_address(rule, data, data_end, e->rc, q, BR_TO_CE,
			    !!(cfg->flags & MAPCE_CFG_F_LEGACY_IID), (__u8 *)ce);
	if (res != BR_OWNER_OK)
		return res;
	if (!ipv6_equal(&q6->daddr, ce))
		return MAPCE_R_BR_DROP_SPOOFED;
	e->saddr = q->daddr; /* the CE's address: see above */
	e->daddr = q->saddr;
	/* precedence "internetwork control", as Linux sends its ICMP errors */
	e->tos = 0xc0;
	return 0;
}

#endif
