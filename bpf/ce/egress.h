/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * egress.h - the stages of the CE's TC egress (mapce_tc_egress): IPv4 the
 * kernel routes out of the WAN (forwarded from the LAN or sent by the box
 * itself) is NAPT-ed into the port set (napt.h) and encapsulated in IPv6
 * to the BR or, for an FMR destination, to the owning CE.
 *
 * The csum helpers used here handle CHECKSUM_PARTIAL skbs (locally
 * generated or offloaded traffic) as well as complete ones.  Each stage
 * returns the TC verdict and sets *reason, or returns STAGE_NEXT.
 */
#ifndef MAPCE_BPF_CE_EGRESS_H
#define MAPCE_BPF_CE_EGRESS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "mapce_rule.h"
#include "lib/consts.h"
#include "lib/ctx.h"
#include "lib/parse.h"
#include "lib/encap.h"
#include "lib/fib.h"
#include "lib/ipv4.h"
#include "binlog.h"
#include "lib/mss.h"
#include "lib/stats.h"
#include "maps.h"
#include "common.h"
#include "napt.h"
#include "gc.h"
#include "frag.h"
#include "icmp4_err.h"
#include "reject.h"
#include "modes.h"

/* Pull the headers into the linear area and parse the IPv4 packet into
 * v.  Returns a PARSE_* code. */
static __always_inline int egress_parse(struct __sk_buff *skb, struct v4_info *v)
{
	void *data = skb_data(skb);
	void *data_end = skb_data_end(skb);

	if (data + EGRESS_PULL_LEN > data_end && data_end - data < skb->len) {
		/* Headers may sit in paged data: make them linear (short
		 * packets stay short: pull what exists).  A packet all in
		 * the linear area (a bare TCP ACK, shorter than the pull)
		 * needs no helper call. */
		bpf_skb_pull_data(skb, skb->len < EGRESS_PULL_LEN ? skb->len : EGRESS_PULL_LEN);
		data = skb_data(skb);
		data_end = skb_data_end(skb);
	}
	if (data + ETH_HLEN > data_end)
		return PARSE_MALFORMED;
	return parse_ipv4_len(data, data_end, skb->len, ETH_HLEN, v);
}

/*
 * Rewrite the IPv4 source address and id of v in place, and the source
 * port (or echo id) when port_too: direct writes, the header checksum
 * updated incrementally.  The IPv4 header checksum is never offloaded and
 * a header that keeps its checksum right sums the same (CHECKSUM_COMPLETE
 * stays true), so this is what bpf_l3_csum_replace and
 * bpf_skb_store_bytes did, without two helper calls a field; the
 * transport checksum is the caller's (egress_snat).  Packet pointers stay
 * valid.  Returns 0, or -1 when the headers are not in the linear area.
 * Verifier-sensitive: a program that writes packet data directly gets a
 * prologue that unclones a cloned skb (the box's own TCP) before it runs,
 * what bpf_skb_store_bytes did for the packets it translated; passthrough
 * packets pay it too now.
 */
static __always_inline int egress_rewrite_src(struct __sk_buff *skb, const struct v4_info *v,
					      __be32 new_ip, __be16 new_id, int port_too,
					      __be16 new_port)
{
	void *data = skb_data(skb);
	void *data_end = skb_data_end(skb);
	struct iphdr *iph;
	__u32 change;
	__be16 *p;

	/* Verifier-sensitive: the offsets come from egress_parse on this
	 * buffer (l3_off 14, ports within ihl <= 60); restate the bounds. */
	if (v->l3_off > ETH_HLEN || v->sport_off > EGRESS_PULL_LEN)
		return -1;
	iph = data + v->l3_off;
	if ((void *)(iph + 1) > data_end)
		return -1;
	if (port_too) {
		p = data + v->sport_off;
		if ((void *)(p + 1) > data_end)
			return -1;
		*p = new_port;
	}
	/* one update of the header's checksum for both fields */
	change = csum_change4(iph->saddr, new_ip) + ipv4_id_set_change(iph, new_id);
	iph->saddr = new_ip;
	csum_apply(&iph->check, change);
	return 0;
}

/*
 * Rewrite the source address and port (or echo id) of the IPv4 packet to
 * the outside endpoint, and its id to new_id.  The transport checksum
 * goes through bpf_l4_csum_replace, which knows a CHECKSUM_PARTIAL skb
 * (its field holds the pseudo header's sum only); BPF_F_MARK_MANGLED_0
 * keeps a zero UDP checksum zero.
 */
static __always_inline int egress_snat(struct __sk_buff *skb, const struct v4_info *v,
				       __be32 new_ip, __be16 new_port, __be16 new_id)
{
	__u64 l4flags = v->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;

	if (egress_rewrite_src(skb, v, new_ip, new_id, 1, new_port))
		return -1;
	if (v->proto != IPPROTO_ICMP &&
	    bpf_l4_csum_replace(skb, v->csum_off, v->saddr, new_ip,
				l4flags | BPF_F_PSEUDO_HDR | sizeof(new_ip)))
		return -1;
	return bpf_l4_csum_replace(skb, v->csum_off, v->sport, new_port,
				   l4flags | sizeof(new_port));
}

/*
 * Encapsulate the (translated) packet v to the BR, or to the CE that owns
 * its destination under fmr, and point the frame at the next hop toward
 * that CE: the kernel resolved the MAC of the route's IPv6 next hop toward
 * the BR.
 */
static __always_inline int egress_encap(struct __sk_buff *skb, const struct mapce_config *cfg,
					const struct v4_info *v, const struct mapce_rule *fmr,
					__u32 *reason)
{
	__u8 dst[16] __attribute__((aligned(8))); /* ipv6_copy's two words */

	if (fmr)
		mapce_ce_address_for_port(fmr, v->daddr, bpf_ntohs(v->dport),
					  cfg->flags & MAPCE_CFG_F_LEGACY_IID, dst);
	else
		ipv6_copy(dst, cfg->br_ipv6);
	if (tc_encap_ipv6(skb, cfg->ce_ipv6, dst, v->tos, cfg->hop_limit, v->tot_len,
			  cfg->encap_limit)) {
		*reason = MAPCE_R_DROP_ENCAP_FAILED;
		return TC_ACT_SHOT;
	}
	if (fmr)
		fib_set_macs(skb, cfg->ce_ipv6, dst);
	*reason = MAPCE_R_ENCAP;
	return TC_ACT_OK;
}

/* A later fragment: no ports; it follows its first fragment (same new id),
 * only the source address changes, and goes to the BR. */
static __always_inline int egress_later_fragment(struct __sk_buff *skb,
						 const struct mapce_config *cfg,
						 const struct v4_info *v, __u32 *reason)
{
	if (egress_rewrite_src(skb, v, cfg->ipv4, frag_out_id(v, cfg->ipv4), 0, 0)) {
		*reason = MAPCE_R_DROP_ENCAP_FAILED;
		return TC_ACT_SHOT;
	}
	return egress_encap(skb, cfg, v, NULL, reason);
}

/* A LAN host's ICMP error about a packet we delivered: translated
 * (icmp4_err.h), to the BR. */
static __always_inline int egress_icmp_error(struct __sk_buff *skb, const struct mapce_config *cfg,
					     const struct v4_info *v, __u32 *reason)
{
	if (icmp4_err_out(skb, v, cfg)) {
		*reason = MAPCE_R_DROP_ICMP_ERR_NO_FLOW;
		return TC_ACT_SHOT;
	}
	return egress_encap(skb, cfg, v, NULL, reason);
}

/*
 * The flow of packet v: found, or created (napt.h).  NULL when refused,
 * with *reason and *verdict set: out of ports (or over the host's limit)
 * the host is told so (reject.h), else the packet is dropped.
 */
static __always_inline struct mapce_flow *egress_flow(struct __sk_buff *skb,
						      const struct mapce_config *cfg,
						      const struct v4_info *v, __u32 *reason,
						      int *verdict)
{
	struct mapce_tuple ko = {};
	struct mapce_flow *f = napt_flow_out(cfg, v, &ko, reason);

	if (f)
		return f;
	binlog_flow(&ko, cfg->ipv4, 0, MAPCE_BINLOG_REFUSED, *reason);
	*verdict = TC_ACT_SHOT;
	if (*reason == MAPCE_R_DROP_NO_PORTS || *reason == MAPCE_R_DROP_HOST_LIMIT) {
		*verdict = tc_reject(skb, v, cfg->ipv4);
		if (*verdict == TC_ACT_REDIRECT)
			stats_count(&mapce_stats, MAPCE_R_EV_REJECT_SENT, 0);
	}
	return NULL;
}

/* Answer a DF packet too big for mtu (IPv4 bytes) with ICMPv4
 * "fragmentation needed" (RFC 1191), or drop it under fail. */
static __always_inline int egress_frag_needed(struct __sk_buff *skb, const struct mapce_config *cfg,
					      const struct v4_info *v, __u16 mtu, __u32 fail,
					      __u32 *reason)
{
	int verdict = tc_frag_needed(skb, v, cfg->ipv4, mtu);

	*reason = verdict == TC_ACT_REDIRECT ? MAPCE_R_FRAG_NEEDED_SENT : fail;
	return verdict;
}

/*
 * Is v too big to leave?  TC cannot fragment, so what does not fit gets an
 * answer or a counted drop, never a frame too big for the WAN.  pmtu is
 * the path MTU to the BR learned from Packet Too Big, or 0.
 */
static __always_inline int egress_too_big(struct __sk_buff *skb, const struct mapce_config *cfg,
					  const struct v4_info *v, __u32 pmtu, __u32 *reason)
{
	if (cfg->mtu && v->tot_len > cfg->mtu && skb->gso_segs <= 1) {
		/* The route's MTU makes the kernel fragment or refuse such
		 * packets before they get here; this one bypassed it (a raw
		 * socket). */
		if ((v->frag_off & IP_DF) && v->proto != IPPROTO_TCP)
			return egress_frag_needed(skb, cfg, v, cfg->mtu, MAPCE_R_DROP_TOO_BIG,
						  reason);
		*reason = MAPCE_R_DROP_TOO_BIG;
		return TC_ACT_SHOT;
	}
	if (pmtu && v->tot_len + IPV6_HLEN > pmtu && (v->frag_off & IP_DF) &&
	    v->proto != IPPROTO_TCP && skb->gso_segs <= 1)
		/* Known not to fit the path to the BR: tell the host now
		 * rather than lose the packet (TCP: see mss_ceiling). */
		return egress_frag_needed(skb, cfg, v, pmtu - IPV6_HLEN, MAPCE_R_DROP_ENCAP_FAILED,
					  reason);
	return STAGE_NEXT;
}

/*
 * Count an egress packet on its flow as the wire will see it: a GSO skb
 * leaves as gso_segs packets, each with its own IPv4 and transport header.
 */
static __always_inline void egress_account(struct __sk_buff *skb, struct mapce_flow *f,
					   const struct v4_info *v)
{
	__u32 segs = skb->gso_segs > 1 ? skb->gso_segs : 1;
	__u32 hdrs = v->l4_off - v->l3_off + v->l4_hlen;
	__u32 len = skb->len - ETH_HLEN + (segs - 1) * hdrs;

	if (flow_account(f, segs, segs > 1 ? len : v->tot_len, v->tcp_flags, v->proto))
		binlog_closed(v, f, 0);
}

/* Is v for our own public address and a port of our set (hairpinning)? */
static __always_inline int egress_is_hairpin(const struct mapce_config *cfg,
					     const struct v4_info *v)
{
	return v->daddr == cfg->ipv4 && v->dport_off && v->proto != IPPROTO_ICMP &&
	       mapce_port_in_set(cfg->psid_offset, cfg->psid_len, cfg->psid, bpf_ntohs(v->dport));
}

/*
 * ipip6's hairpin, translated, to the LAN host dip (at the LAN's TC
 * ingress: hairpin_lan.h).  Back in through the WAN as MAP-E's it would be
 * a martian (its source, the fixed address, is the box's own), so it goes
 * straight out of the device the kernel routes dip to from the LAN it
 * came in on, the neighbour resolved by bpf_redirect_neigh().
 */
static __always_inline int egress_hairpin_lan(struct __sk_buff *skb, const struct mapce_config *cfg,
					      __be32 dip, __u32 *reason)
{
	struct bpf_fib_lookup fib = {};
	void *data, *data_end;
	struct iphdr *ip;
	long rc;

	/* forwarded LAN to LAN: one hop (hairpin_lan_match saw TTL > 1) */
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	ip = data + ETH_HLEN;
	if ((void *)(ip + 1) > data_end) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return TC_ACT_SHOT;
	}
	ipv4_ttl_dec(ip);
	fib.family = AF_INET;
	fib.ifindex = skb->ingress_ifindex;
	fib.ipv4_src = cfg->ipv4;
	fib.ipv4_dst = dip;
	/* tot_len 0: the helper checks the skb itself against the MTU */
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if ((rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) ||
	    fib.ifindex == cfg->wan_ifindex) {
		*reason = MAPCE_R_DROP_HAIRPIN_NO_ROUTE;
		return TC_ACT_SHOT;
	}
	*reason = MAPCE_R_HAIRPIN;
	return (int)bpf_redirect_neigh(fib.ifindex, NULL, 0, 0);
}

/*
 * Hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8): a LAN host sent to our
 * public address and a port of our set.  The source is translated as for
 * any flow, the destination to the inside host mapped on that port (subject
 * to filtering, as from outside), and the packet goes back in through the
 * WAN's ingress, so the target sees our public address and the sender's
 * mapped port.
 */
static __always_inline int egress_hairpin(struct __sk_buff *skb, const struct mapce_config *cfg,
					  const struct v4_info *v, struct mapce_flow *f,
					  __u32 *reason)
{
	struct mapce_tuple ki = {
		.local_ip = cfg->ipv4,
		.local_port = v->dport,
		.remote_ip = f->ip,
		.remote_port = f->port,
		.proto = v->proto,
	};
	struct mapce_flow *fi = bpf_map_lookup_elem(&mapce_flow_in, &ki);
	__u8 macs[2 * ETH_ALEN];
	__be32 sip = f->ip, dip;
	__be16 sport = f->port, dport;
	void *data, *data_end;

	if (!fi) {
		fi = flow_open_inbound(cfg, &ki, reason);
		if (!fi)
			return TC_ACT_SHOT;
	}
	flow_account(fi, 1, v->tot_len, v->tcp_flags, v->proto);
	dip = fi->ip;
	dport = fi->port;
	if (egress_snat(skb, v, sip, sport, v->id) || tc_dnat(skb, v, dip, dport)) {
		*reason = MAPCE_R_DROP_ENCAP_FAILED;
		return TC_ACT_SHOT;
	}
	if (mode_ipip6(cfg))
		return egress_hairpin_lan(skb, cfg, dip, reason);
	/* Received as if from the wire: to our own MAC, from the peer's. */
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	if (data + 2 * ETH_ALEN > data_end) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return TC_ACT_SHOT;
	}
	__builtin_memcpy(macs, data + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(macs + ETH_ALEN, data, ETH_ALEN);
	if (bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0)) {
		*reason = MAPCE_R_DROP_ENCAP_FAILED;
		return TC_ACT_SHOT;
	}
	*reason = MAPCE_R_HAIRPIN;
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

/* The path MTU to the BR that matters for v, or 0.  Any learned path MTU
 * is >= 1280 (the IPv6 minimum): only SYNs and bigger packets need to
 * look. */
static __always_inline __u32 egress_pmtu(const struct v4_info *v)
{
	if (v->tot_len + IPV6_HLEN > IPV6_MIN_MTU || (v->tcp_flags & TCP_FLAG_SYN))
		return pmtu_to_br();
	return 0;
}

/*
 * A packet that leaves untranslated: any IPv4 of a DS-Lite B4 (the AFTR
 * translates), what the box itself sends from its fixed ipip6 address, or
 * what a LAN host sends from an address of ipip6's routed prefix.
 * The same tunnel care as a translated one: the size checks, SYNs with
 * their MSS clamped, then to the far end.
 */
static __always_inline int egress_plain(struct __sk_buff *skb, const struct mapce_config *cfg,
					const struct v4_info *v, __u32 *reason)
{
	__u32 pmtu = egress_pmtu(v);
	int verdict;

	verdict = egress_too_big(skb, cfg, v, pmtu, reason);
	if (verdict != STAGE_NEXT)
		return verdict;
	if (tc_mss_clamp(skb, v, mss_ceiling(cfg, pmtu)) > 0)
		stats_count(&mapce_stats, MAPCE_R_EV_MSS_CLAMPED, 0);
	return egress_encap(skb, cfg, v, NULL, reason);
}

/* Does v leave untranslated (egress_plain)?  rc: egress_parse's. */
static __always_inline int egress_is_plain(const struct mapce_config *cfg, const struct v4_info *v,
					   int rc)
{
	if (rc == PARSE_MALFORMED || rc == PARSE_BAD_CSUM)
		return 0;
	return !mode_napt(cfg) ||
	       (mode_ipip6(cfg) && (v->saddr == cfg->ipv4 || mode_routed(cfg, v->saddr)));
}

/*
 * A packet with ports (or an echo id): its flow, the size checks, then
 * hairpinned back in, or source-translated (SYNs with their MSS clamped)
 * and encapsulated.  The established fast path.
 */
static __always_inline int egress_napt(struct __sk_buff *skb, const struct mapce_config *cfg,
				       const struct v4_info *v, __u32 *reason)
{
	struct mapce_flow *f;
	__u32 pmtu = 0;
	int verdict;

	if (!v->sport_off) {
		/* e.g. an echo reply: nothing inside answers unsolicited pings */
		*reason = MAPCE_R_DROP_ICMP_UNSUPPORTED;
		return TC_ACT_SHOT;
	}
	f = egress_flow(skb, cfg, v, reason, &verdict);
	if (!f)
		return verdict;
	if (egress_is_hairpin(cfg, v)) {
		/* back in, never through the tunnel: its MTU does not apply */
		egress_account(skb, f, v);
		return egress_hairpin(skb, cfg, v, f, reason);
	}
	pmtu = egress_pmtu(v);
	verdict = egress_too_big(skb, cfg, v, pmtu, reason);
	if (verdict != STAGE_NEXT)
		return verdict;
	egress_account(skb, f, v);
	if (egress_snat(skb, v, f->ip, f->port, frag_out_id(v, f->ip))) {
		*reason = MAPCE_R_DROP_ENCAP_FAILED;
		return TC_ACT_SHOT;
	}
	/* SYNs leave with an MSS that fits the tunnel. */
	if (tc_mss_clamp(skb, v, mss_ceiling(cfg, pmtu)) > 0)
		stats_count(&mapce_stats, MAPCE_R_EV_MSS_CLAMPED, 0);
	return egress_encap(skb, cfg, v, fmr_lookup(cfg, v->daddr), reason);
}

#endif
