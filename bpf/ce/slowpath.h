/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * slowpath.h - the stages of the CE's TC ingress (mapce_tc_ingress), the
 * slow path after XDP: XDP passes up untouched the outer IPv6 fragments of
 * tunnel packets and the tunnel packets holding an IPv4 fragment that came
 * before its first.  Both are reassembled here (reasm.h), then translated
 * with the TC helpers as XDP would have; everything else continues into
 * the stack at once (one protocol test for non-IPv6, a few loads for other
 * IPv6).
 */
#ifndef MAPCE_BPF_CE_SLOWPATH_H
#define MAPCE_BPF_CE_SLOWPATH_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "lib/consts.h"
#include "lib/ctx.h"
#include "lib/parse.h"
#include "maps.h"
#include "common.h"
#include "napt.h"
#include "ingress.h"
#include "reasm.h"

/* What the slow path does with a packet */
enum {
	SLOW_NONE = 0,	/* not for the slow path: into the stack */
	SLOW_OUTER = 1, /* an outer IPv6 fragment of a tunnel packet to us */
	SLOW_INNER = 2, /* a tunnel packet to us holding an IPv4 fragment */
};

/* Which slow-path packet skb is (SLOW_*); *cfg is set unless SLOW_NONE. */
static __always_inline int slow_path_kind(struct __sk_buff *skb, const struct mapce_config **cfg)
{
	void *data, *data_end;
	struct ipv6hdr *ip6;
	struct frag_hdr *fh;
	int kind;

	if (skb->protocol != bpf_htons(ETH_P_IPV6))
		return SLOW_NONE;
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	if (data + REASM_HDRS > data_end) {
		if (skb->len < REASM_HDRS)
			return SLOW_NONE;
		bpf_skb_pull_data(skb, REASM_HDRS);
		data = skb_data(skb);
		data_end = skb_data_end(skb);
	}
	ip6 = data + ETH_HLEN;
	fh = data + ETH_HLEN + IPV6_HLEN;
	if ((void *)(fh + 1) > data_end)
		return SLOW_NONE;
	if (ip6->nexthdr == NEXTHDR_FRAGMENT) {
		if (fh->nexthdr != IPPROTO_IPIP)
			return SLOW_NONE;
		kind = SLOW_OUTER;
	} else if (ip6->nexthdr == IPPROTO_IPIP) {
		/* XDP passes a tunnel packet up only when its IPv4 is a
		 * fragment that must wait for its first (REQ-14). */
		struct iphdr *iph = (void *)fh;

		if ((void *)(iph + 1) > data_end || !(iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
			return SLOW_NONE;
		kind = SLOW_INNER;
	} else {
		return SLOW_NONE;
	}
	*cfg = config_get();
	if (!*cfg || !ipv6_equal(&ip6->daddr, (*cfg)->ce_ipv6))
		return SLOW_NONE;
	return kind;
}

/*
 * A reassembled tunnel packet (Ethernet | IPv6 | IPv4) in skb: the same
 * checks and translation as XDP ingress, through the TC helpers, then the
 * outer header comes off.  TCP, UDP and ICMP echo (fragmented tunnel
 * packets are big: data, not errors).
 */
static __always_inline int tc_decap_in(struct __sk_buff *skb, const struct mapce_config *cfg,
				       __u32 *reason)
{
	__u32 pull =
		skb->len < EGRESS_PULL_LEN + IPV6_HLEN ? skb->len : EGRESS_PULL_LEN + IPV6_HLEN;
	__be16 proto = bpf_htons(ETH_P_IP);
	struct v4_info v = {};
	struct mapce_flow *f;
	struct ipv6hdr *ip6;
	void *data, *data_end;
	int rc;

	bpf_skb_pull_data(skb, pull);
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	ip6 = data + ETH_HLEN;
	if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_IPIP) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return TC_ACT_SHOT;
	}
	rc = parse_ipv4_len(data, data_end, skb->len, ETH_HLEN + IPV6_HLEN, &v);
	if (rc != PARSE_OK || !v.dport_off) {
		*reason =
			rc == PARSE_OK ? MAPCE_R_DROP_ICMP_UNSUPPORTED : parse_reason(rc, v.proto);
		return TC_ACT_SHOT;
	}
	if (!ingress_tunnel_ok(cfg, ip6, &v, 1, reason))
		return TC_ACT_SHOT;
	f = ingress_flow(cfg, &v, reason);
	if (!f)
		return TC_ACT_SHOT;
	flow_account(f, 1, v.tot_len, v.tcp_flags, v.proto);
	if (tc_dnat(skb, &v, f->ip, f->port) ||
	    bpf_skb_adjust_room(skb, -IPV6_HLEN, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_DECAP_L3_IPV4) ||
	    bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0)) {
		*reason = MAPCE_R_DROP_DECAP_FAILED;
		return TC_ACT_SHOT;
	}
	*reason = MAPCE_R_DECAP;
	return TC_ACT_OK;
}

/* Hold the fragment kind says skb is; once its datagram is whole,
 * translate and decapsulate it.  Held or invalid fragments are consumed. */
static __always_inline int slow_path(struct __sk_buff *skb, const struct mapce_config *cfg,
				     int kind, __u32 *reason)
{
	int rc = kind == SLOW_OUTER ? reasm_add(skb) : reasm_inner_add(skb);

	if (rc == REASM_DONE)
		return tc_decap_in(skb, cfg, reason);
	*reason = rc == REASM_HELD ? MAPCE_R_REASM_HELD : MAPCE_R_DROP_REASM_INVALID;
	return TC_ACT_SHOT; /* held in the map, or invalid */
}

#endif
