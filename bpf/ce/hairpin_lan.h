/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hairpin_lan.h - ipip6 hairpinning (mapce_tc_lan: TC ingress on the LAN
 * device of `up --hairpin LAN_IF`).
 *
 * MAP-E hairpins at the WAN's TC egress (egress_hairpin): its public
 * address is no address of the box, so a LAN host's packet to it is
 * routed out of the WAN.  ipip6's fixed address is the box's own as well
 * (its services answer on it), so the kernel would deliver such a packet
 * locally and the WAN never see it.  This hook takes what the outside
 * could reach through the fixed address - TCP or UDP to a port a mapping
 * or a forward holds (mapce_ports) - through TC egress's NAPT stages here,
 * on the LAN: translated both ways (filtering as from outside) and sent to
 * the LAN (egress_hairpin_lan).  Everything else (pings, the box's own
 * services on free ports, fragments, other modes, all other LAN traffic)
 * goes on to the kernel untouched and uncounted (*reason MAPCE_R__MAX).
 */
#ifndef MAPCE_BPF_CE_HAIRPIN_LAN_H
#define MAPCE_BPF_CE_HAIRPIN_LAN_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "lib/consts.h"
#include "lib/ctx.h"
#include "maps.h"
#include "common.h"
#include "egress.h"
#include "modes.h"

/* The L4 ports of a TCP or UDP header: the same first four bytes. */
struct hairpin_ports {
	__be16 sport;
	__be16 dport;
};

/* Is the frame at the LAN's ingress ipip6 hairpin traffic?  Its config. */
static __always_inline const struct mapce_config *hairpin_lan_match(struct __sk_buff *skb)
{
	void *data = skb_data(skb), *data_end = skb_data_end(skb);
	struct iphdr *ip = data + ETH_HLEN;
	const struct mapce_config *cfg;
	struct mapce_endpoint ep = {};
	struct hairpin_ports *pp;

	if (skb->protocol != bpf_htons(ETH_P_IP) || (void *)(ip + 1) > data_end)
		return NULL;
	/* a later fragment has no ports, and its first must take the same
	 * way: fragments stay the kernel's */
	if ((ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP) ||
	    (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)) || ip->ihl < 5)
		return NULL;
	cfg = config_get();
	if (!cfg || !mode_ipip6(cfg) || ip->daddr != cfg->ipv4)
		return NULL;
	/* ihl is 4 bits: the offset is bounded for the verifier */
	pp = (void *)ip + ip->ihl * 4;
	if ((void *)(pp + 1) > data_end)
		return NULL;
	ep.ip = cfg->ipv4;
	ep.port = pp->dport;
	ep.proto = ip->protocol;
	/* no mapping, no forward: the box's own */
	return bpf_map_lookup_elem(&mapce_ports, &ep) ? cfg : NULL;
}

static __always_inline int hairpin_lan(struct __sk_buff *skb, __u32 *reason)
{
	const struct mapce_config *cfg = hairpin_lan_match(skb);
	struct v4_info v = {};

	*reason = MAPCE_R__MAX;
	if (!cfg || egress_parse(skb, &v) != PARSE_OK)
		return TC_ACT_OK; /* a broken header: the kernel's to judge */
	return egress_napt(skb, cfg, &v, reason);
}

#endif
