/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * slowpath.h - the stages of the CE's TC ingress (mapce_tc_ingress), the
 * slow path after XDP: XDP passes up untouched the outer IPv6 fragments of
 * tunnel packets and the tunnel packets holding an IPv4 fragment that came
 * before its first.  Both are reassembled here (reasm.h), then translated
 * with the TC helpers as XDP would have in the service's mode (modes.h:
 * DS-Lite translates nothing, ipip6 keeps what no flow takes for the box
 * itself).  So is, at once, a whole tunnel packet whose TCP/UDP checksum
 * its sender left to offload (CHECKSUM_PARTIAL, from a veth peer): the TC
 * helpers know the skb's checksum state, XDP does not.  Everything else
 * continues into the stack at once (one protocol test for non-IPv6, a few
 * loads for other IPv6).
 */
#ifndef MAPCE_BPF_CE_SLOWPATH_H
#define MAPCE_BPF_CE_SLOWPATH_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "lib/consts.h"
#include "lib/ctx.h"
#include "lib/ecn.h"
#include "lib/encap.h"
#include "lib/mss.h"
#include "lib/stats.h"
#include "lib/parse.h"
#include "maps.h"
#include "common.h"
#include "napt.h"
#include "ingress.h"
#include "reasm.h"
#include "modes.h"

/* What the slow path does with a packet */
enum {
	SLOW_NONE = 0,	/* not for the slow path: into the stack */
	SLOW_OUTER = 1, /* an outer IPv6 fragment of a tunnel packet to us */
	SLOW_INNER = 2, /* a tunnel packet to us holding an IPv4 fragment */
	SLOW_WHOLE = 3, /* a whole one XDP left to us (csum_to_slow_path) */
};

/*
 * Which slow-path packet skb is (SLOW_*); *cfg is set unless SLOW_NONE,
 * and *off to where the header after the IPv6 part starts, from the IPv6
 * header: the fragment header (SLOW_OUTER) or the IPv4 header
 * (SLOW_INNER), 40, or 48 behind the encapsulation limit option (Linux
 * keeps that option before the fragment header: unfragmentable part).
 */
static __always_inline int slow_path_kind(struct __sk_buff *skb, const struct mapce_config **cfg,
					  __u32 *off)
{
	__u32 pull = skb->len < SLOW_PATH_HDRS ? skb->len : SLOW_PATH_HDRS;
	void *data, *data_end;
	struct ipv6hdr *ip6;
	__u8 *h, nh;
	int kind;

	if (skb->protocol != bpf_htons(ETH_P_IPV6))
		return SLOW_NONE;
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	if (data + pull > data_end) {
		bpf_skb_pull_data(skb, pull);
		data = skb_data(skb);
		data_end = skb_data_end(skb);
	}
	ip6 = data + ETH_HLEN;
	if ((void *)(ip6 + 1) > data_end)
		return SLOW_NONE;
	nh = ip6->nexthdr;
	*off = IPV6_HLEN;
	if (nh == NEXTHDR_DEST) {
		__u8 b[DESTOPT_LEN];

		h = (void *)(ip6 + 1);
		if ((void *)(h + DESTOPT_LEN) > data_end)
			return SLOW_NONE;
		__builtin_memcpy(b, h, DESTOPT_LEN);
		if (!destopt_known(b))
			return SLOW_NONE; /* XDP dropped such tunnel packets */
		nh = b[0];
		*off = IPV6_HLEN + DESTOPT_LEN;
	}
	h = data + ETH_HLEN + *off;
	if ((void *)(h + FRAG_HLEN) > data_end)
		return SLOW_NONE;
	if (nh == NEXTHDR_FRAGMENT) {
		if (h[0] != IPPROTO_IPIP)
			return SLOW_NONE;
		kind = SLOW_OUTER;
	} else if (nh == IPPROTO_IPIP) {
		/* XDP passes a tunnel packet up untranslated only when its
		 * IPv4 is a fragment that must wait for its first (REQ-14),
		 * or, whole and right behind the IPv6 header, when its
		 * checksum is left to offload (csum_to_slow_path). */
		struct iphdr *iph = (void *)h;

		if ((void *)(iph + 1) > data_end)
			return SLOW_NONE;
		if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))
			kind = SLOW_INNER;
		else if (*off == IPV6_HLEN)
			kind = SLOW_WHOLE;
		else
			return SLOW_NONE;
	} else {
		return SLOW_NONE;
	}
	*cfg = config_get();
	if (!*cfg || !ipv6_equal(&ip6->daddr, (*cfg)->ce_ipv6))
		return SLOW_NONE;
	return kind;
}

/* Set the inner ECN field of v in skb by the RFC 6040 decapsulation rule
 * for an outer traffic class tclass, fixing the header checksum through
 * the TC helper.  -1: drop it (CE over a Not-ECT inner). */
static __always_inline int tc_ecn_decap(struct __sk_buff *skb, __u8 tclass, const struct v4_info *v)
{
	int ecn = ecn_decap(tclass & 3, v->tos & 3);
	__u8 vihl, tos;
	__be16 old, new;

	if (ecn < 0)
		return -1;
	if (ecn == (v->tos & 3))
		return 0;
	if (bpf_skb_load_bytes(skb, v->l3_off, &vihl, 1))
		return -1;
	tos = (v->tos & ~3) | (__u8)ecn;
	/* the first 16-bit word of the header: version/ihl and TOS */
	old = bpf_htons((__u16)vihl << 8 | v->tos);
	new = bpf_htons((__u16)vihl << 8 | tos);
	if (bpf_l3_csum_replace(skb, v->l3_off + offsetof(struct iphdr, check), old, new,
				sizeof(new)) ||
	    bpf_skb_store_bytes(skb, v->l3_off + offsetof(struct iphdr, tos), &tos, 1, 0))
		return -1;
	return 0;
}

/* A SYN from the internet in skb (v): the MSS the LAN host will use
 * clamped, as XDP does, and counted.  Packet pointers are invalid after. */
static __always_inline void tc_clamp_in(struct __sk_buff *skb, const struct mapce_config *cfg,
					const struct v4_info *v)
{
	if (tc_mss_clamp(skb, v, mss_ceiling(cfg, pmtu_to_br())) > 0)
		stats_count(&mapce_stats, MAPCE_R_EV_MSS_CLAMPED, 0);
}

/* The outer IPv6 header of the reassembled packet in skb comes off: the
 * IPv4 packet goes up, counted under ok_reason. */
static __always_inline int tc_decap_outer(struct __sk_buff *skb, __u32 ok_reason, __u32 *reason)
{
	__be16 proto = bpf_htons(ETH_P_IP);

	if (bpf_skb_adjust_room(skb, -IPV6_HLEN, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_DECAP_L3_IPV4) ||
	    bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0)) {
		*reason = MAPCE_R_DROP_DECAP_FAILED;
		return TC_ACT_SHOT;
	}
	*reason = ok_reason;
	return TC_ACT_OK;
}

/*
 * A reassembled tunnel packet v that goes in untranslated (as XDP's
 * ingress_untranslated): DS-Lite's from the AFTR, any IPv4 (a fragment, an
 * ICMP error, any protocol: the AFTR translated it), SYNs with their MSS
 * clamped as in XDP; ipip6's to the box itself (ok_reason DECAP_LOCAL).
 */
static __always_inline int tc_decap_plain(struct __sk_buff *skb, const struct mapce_config *cfg,
					  __u8 tclass, const struct v4_info *v, __u32 ok_reason,
					  __u32 *reason)
{
	if (tc_ecn_decap(skb, tclass, v)) {
		*reason = MAPCE_R_DROP_ECN_CE_NOT_ECT;
		return TC_ACT_SHOT;
	}
	if (!mode_napt(cfg) || mode_routed(cfg, v->daddr))
		tc_clamp_in(skb, cfg, v);
	return tc_decap_outer(skb, ok_reason, reason);
}

/*
 * A reassembled tunnel packet (Ethernet | IPv6 | IPv4) in skb: the same
 * checks and translation as XDP ingress, through the TC helpers, then the
 * outer header comes off.  With NAPT: TCP, UDP and ICMP echo (fragmented
 * tunnel packets are big: data, not errors), and in ipip6 what no flow
 * takes goes to the box itself; DS-Lite and an ipip6 routed prefix: whatever
 * the far end sent, as it is.
 */
static __always_inline int tc_decap_in(struct __sk_buff *skb, const struct mapce_config *cfg,
				       __u32 *reason)
{
	__u32 pull =
		skb->len < EGRESS_PULL_LEN + IPV6_HLEN ? skb->len : EGRESS_PULL_LEN + IPV6_HLEN;
	__u8 hdr[IPV4_HLEN_MAX] = {};
	struct v4_info v = {};
	struct mapce_flow *f;
	struct ipv6hdr *ip6;
	void *data, *data_end;
	__u8 tclass;
	int rc;

	bpf_skb_pull_data(skb, pull);
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	ip6 = data + ETH_HLEN;
	if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_IPIP) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return TC_ACT_SHOT;
	}
	tclass = ipv6_tclass(ip6);
	rc = parse_ipv4_len(data, data_end, skb->len, ETH_HLEN + IPV6_HLEN, &v);
	if (rc != PARSE_MALFORMED && !skb_ipv4_csum_ok(skb, v.l3_off, v.l4_off - v.l3_off, hdr))
		rc = PARSE_BAD_CSUM; /* as XDP ingress: never counted as decap */
	if ((!mode_napt(cfg) || mode_routed(cfg, v.daddr)) && rc != PARSE_MALFORMED &&
	    rc != PARSE_BAD_CSUM) {
		/* untranslated (DS-Lite, ipip6's routed prefix): from the far
		 * end, the whole datagram and no more */
		if (!ingress_len_ok(ip6, &v)) {
			*reason = MAPCE_R_DROP_MALFORMED;
			return TC_ACT_SHOT;
		}
		if (!ingress_tunnel_ok(cfg, ip6, &v, 0, reason))
			return TC_ACT_SHOT;
		return tc_decap_plain(skb, cfg, tclass, &v, MAPCE_R_DECAP, reason);
	}
	if (rc != PARSE_OK || !v.dport_off) {
		*reason =
			rc == PARSE_OK ? MAPCE_R_DROP_ICMP_UNSUPPORTED : parse_reason(rc, v.proto);
		return TC_ACT_SHOT;
	}
	if (!ingress_tunnel_ok(cfg, ip6, &v, 1, reason))
		return TC_ACT_SHOT;
	f = ingress_flow(cfg, &v, reason);
	if (!f && mode_ipip6(cfg) && *reason == MAPCE_R_DROP_NO_FLOW)
		/* as XDP: the fixed address is the box's own too */
		return tc_decap_plain(skb, cfg, tclass, &v, MAPCE_R_DECAP_LOCAL, reason);
	if (!f)
		return TC_ACT_SHOT;
	if (tc_ecn_decap(skb, tclass, &v)) {
		*reason = MAPCE_R_DROP_ECN_CE_NOT_ECT;
		return TC_ACT_SHOT;
	}
	if (flow_account(f, 1, v.tot_len, v.tcp_flags, v.proto))
		binlog_closed(&v, f, 1);
	if (tc_dnat(skb, &v, f->ip, f->port)) {
		*reason = MAPCE_R_DROP_DECAP_FAILED;
		return TC_ACT_SHOT;
	}
	tc_clamp_in(skb, cfg, &v); /* SYN-ACKs: whole ones (csum_to_slow_path) */
	return tc_decap_outer(skb, MAPCE_R_DECAP, reason);
}

/* Hold the fragment kind says skb is (its header after the IPv6 part at
 * off, see slow_path_kind); once its datagram is whole, translate and
 * decapsulate it.  Held or invalid fragments are consumed.  A whole one
 * (SLOW_WHOLE) is translated at once. */
static __always_inline int slow_path(struct __sk_buff *skb, const struct mapce_config *cfg,
				     int kind, __u32 off, __u32 *reason)
{
	int rc;

	if (kind == SLOW_WHOLE)
		return tc_decap_in(skb, cfg, reason);
	rc = kind == SLOW_OUTER ? reasm_add(skb, off) : reasm_inner_add(skb, ETH_HLEN + off);
	if (rc == REASM_DONE)
		return tc_decap_in(skb, cfg, reason);
	if (rc == REASM_HELD)
		*reason = MAPCE_R_REASM_HELD;
	else if (rc == REASM_BAD_CSUM)
		*reason = MAPCE_R_DROP_BAD_CHECKSUM;
	else
		*reason = MAPCE_R_DROP_REASM_INVALID;
	return TC_ACT_SHOT; /* held in the map, or invalid */
}

#endif
