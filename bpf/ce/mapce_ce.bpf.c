// SPDX-License-Identifier: GPL-2.0-only
/*
 * mapce_ce.bpf.c - the CE datapath on the WAN interface.
 *
 *   TC egress  (mapce_tc_egress):   IPv4 the kernel routes out of the WAN
 *              (forwarded from the LAN or sent by the box itself) is NAPT-ed
 *              into the port set and encapsulated in IPv6 to the BR (or, for
 *              an FMR destination, to the owning CE).
 *   XDP ingress (mapce_xdp_ingress): IPv4-in-IPv6 to our MAP address from the
 *              BR (or an FMR CE) is decapsulated, reverse-NAPT-ed and passed
 *              to the kernel, which routes it to the LAN (nftables forward
 *              rules still apply).  Everything else passes untouched.
 *
 * Every packet is counted under exactly one reason (mapce_abi.h) at the
 * single exit of each program.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/defs.h"
#include "lib/ctx.h"
#include "maps.h"
#include "lib/parse.h"
#include "lib/csum.h"
#include "lib/encap.h"
#include "lib/stats.h"
#include "napt.h"
#include "gc.h"
#include "lib/mss.h"
#include "lib/ecn.h"
#include "icmp6_err.h"
#include "frag.h"
#include "icmp4_err.h"
#include "reject.h"
#include "reasm.h"
#include "mapce_rule.h"

/* Headers that must be in the linear area before direct access. */
#define EGRESS_PULL_LEN (ETH_HLEN + 60 + 20)

static __always_inline const struct mapce_config *config_get(void)
{
	__u32 zero = 0;
	const struct mapce_config *cfg = bpf_map_lookup_elem(&mapce_config, &zero);

	return cfg && (cfg->flags & MAPCE_CFG_F_ENABLED) ? cfg : NULL;
}

/* Map a parse failure to its reason. */
static __always_inline __u32 parse_reason(int rc, __u8 proto)
{
	switch (rc) {
	case PARSE_FRAGMENT:
		return MAPCE_R_DROP_FRAGMENT;
	case PARSE_UNSUPPORTED:
		return proto == IPPROTO_ICMP ? MAPCE_R_DROP_ICMP_UNSUPPORTED
					     : MAPCE_R_DROP_UNSUPPORTED_PROTO;
	default:
		return MAPCE_R_DROP_MALFORMED;
	}
}

/*
 * The FMR whose IPv4 prefix covers addr (mesh mode), or NULL.  An FMR
 * destination is reached directly at its owning CE, not via the BR.
 */
static __always_inline const struct mapce_rule *fmr_lookup(const struct mapce_config *cfg,
							   __be32 addr)
{
	struct mapce_lpm_v4_key k = { .prefixlen = 32, .addr = addr };
	__u32 *idx;

	if (!(cfg->flags & MAPCE_CFG_F_MESH))
		return NULL;
	idx = bpf_map_lookup_elem(&mapce_fmr_lpm, &k);
	if (!idx)
		return NULL;
	return bpf_map_lookup_elem(&mapce_rules, idx);
}

/* ------------------------------------------------------------------ */
/* WAN egress: NAPT + encapsulation                                    */
/* ------------------------------------------------------------------ */

/* Rewrite the IPv4 source address only: all a later fragment needs. */
static __always_inline int egress_set_saddr(struct __sk_buff *skb, const struct v4_info *v,
					    __be32 new_ip)
{
	if (bpf_l3_csum_replace(skb, v->l3_off + offsetof(struct iphdr, check), v->saddr, new_ip,
				sizeof(new_ip)))
		return -1;
	return bpf_skb_store_bytes(skb, v->l3_off + offsetof(struct iphdr, saddr), &new_ip,
				   sizeof(new_ip), 0);
}

/*
 * Rewrite the source address and port (or echo id) of the IPv4 packet to
 * the outside endpoint.  The csum helpers handle CHECKSUM_PARTIAL skbs
 * (locally generated or offloaded traffic) as well as complete ones;
 * BPF_F_MARK_MANGLED_0 keeps a zero UDP checksum zero.
 */
static __always_inline int egress_snat(struct __sk_buff *skb, const struct v4_info *v,
				       __be32 new_ip, __be16 new_port)
{
	__u64 l4flags = v->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;

	if (v->proto != IPPROTO_ICMP &&
	    bpf_l4_csum_replace(skb, v->csum_off, v->saddr, new_ip,
				l4flags | BPF_F_PSEUDO_HDR | sizeof(new_ip)))
		return -1;
	if (bpf_l4_csum_replace(skb, v->csum_off, v->sport, new_port, l4flags | sizeof(new_port)))
		return -1;
	if (egress_set_saddr(skb, v, new_ip))
		return -1;
	return bpf_skb_store_bytes(skb, v->sport_off, &new_port, sizeof(new_port), 0);
}

/* Rewrite the destination address and port (or echo id) through the TC
 * csum helpers: hairpinned packets, reassembled tunnel packets. */
static __always_inline int tc_dnat(struct __sk_buff *skb, const struct v4_info *v,
				   __be32 new_ip, __be16 new_port)
{
	__u64 l4flags = v->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;

	if ((v->proto != IPPROTO_ICMP &&
	     bpf_l4_csum_replace(skb, v->csum_off, v->daddr, new_ip,
				 l4flags | BPF_F_PSEUDO_HDR | sizeof(new_ip))) ||
	    bpf_l4_csum_replace(skb, v->csum_off, v->dport, new_port, l4flags | sizeof(new_port)) ||
	    bpf_l3_csum_replace(skb, v->l3_off + offsetof(struct iphdr, check), v->daddr, new_ip,
				sizeof(new_ip)) ||
	    bpf_skb_store_bytes(skb, v->l3_off + offsetof(struct iphdr, daddr), &new_ip,
				sizeof(new_ip), 0) ||
	    bpf_skb_store_bytes(skb, v->dport_off, &new_port, sizeof(new_port), 0))
		return -1;
	return 0;
}

/*
 * Hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8): a LAN host sent to our
 * public address and a port of our set.  The source is translated as for
 * any flow, the destination to the inside host mapped on that port (subject
 * to filtering, as from outside), and the packet goes back in through the
 * WAN's ingress, so the target sees our public address and the sender's
 * mapped port.  Returns the TC verdict; *reason is set.
 */
static __always_inline int egress_hairpin(struct __sk_buff *skb, const struct mapce_config *cfg,
					  const struct v4_info *v, struct mapce_flow *f,
					  __u32 *reason)
{
	struct mapce_tuple ki = {
		.local_ip = cfg->ipv4, .local_port = v->dport,
		.remote_ip = f->ip, .remote_port = f->port, .proto = v->proto,
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
	if (egress_snat(skb, v, sip, sport) || tc_dnat(skb, v, dip, dport)) {
		*reason = MAPCE_R_DROP_ENCAP_FAILED;
		return TC_ACT_SHOT;
	}
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

/* Rewrite the IPv4 id (a no-op when it stays). */
static __always_inline int egress_set_id(struct __sk_buff *skb, const struct v4_info *v,
					 __be16 new_id)
{
	if (new_id == v->id)
		return 0;
	if (bpf_l3_csum_replace(skb, v->l3_off + offsetof(struct iphdr, check), v->id, new_id,
				sizeof(new_id)))
		return -1;
	return bpf_skb_store_bytes(skb, v->l3_off + offsetof(struct iphdr, id), &new_id,
				   sizeof(new_id), 0);
}

/*
 * The path MTU to the BR learned from Packet Too Big, while it is fresh
 * (IPv6 bytes), or 0.
 */
static __always_inline __u32 pmtu_to_br(void)
{
	__u32 zero = 0;
	struct mapce_pmtu *pm = bpf_map_lookup_elem(&mapce_pmtu, &zero);

	if (!pm || !pm->mtu)
		return 0;
	if (bpf_ktime_get_coarse_ns() - pm->learned_ns > MAPCE_PMTU_EXPIRE_S * 1000000000ull)
		return 0;
	return pm->mtu;
}

/* The MSS ceiling for a SYN now: the configured clamp, lowered while a
 * smaller path MTU to the BR is known (IPv4 + TCP headers and the outer
 * IPv6 header come off the path MTU). */
static __always_inline __u16 mss_ceiling(const struct mapce_config *cfg, __u32 pmtu)
{
	__u16 clamp = cfg->mss_clamp;

	if (clamp && pmtu && pmtu - 80 < clamp)
		clamp = pmtu - 80;
	return clamp;
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

	flow_account(f, segs, segs > 1 ? len : v->tot_len, v->tcp_flags, v->proto);
}

/*
 * Set the frame's MACs for an outer destination that is not the BR (an FMR
 * CE): the kernel resolved the MAC of the route's IPv6 next hop toward the
 * BR, which need not be the one toward that CE.  When the FIB has no
 * resolved neighbour the kernel's choice stays.
 */
static __always_inline void egress_set_nexthop_mac(struct __sk_buff *skb, const __u8 *dst)
{
	struct bpf_fib_lookup fib = {};

	fib.family = 10; /* AF_INET6 */
	fib.ifindex = skb->ifindex;
	__builtin_memcpy(fib.ipv6_dst, dst, 16);
	if (bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT) != BPF_FIB_LKUP_RET_SUCCESS ||
	    fib.ifindex != skb->ifindex)
		return;
	bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_dest), fib.dmac, ETH_ALEN, 0);
	bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_source), fib.smac, ETH_ALEN, 0);
}

SEC("tc")
int mapce_tc_egress(struct __sk_buff *skb)
{
	__u32 reason = MAPCE_R_PASS_NATIVE, len = skb->len;
	const struct mapce_config *cfg;
	const struct mapce_rule *fmr;
	struct mapce_tuple ko = {};
	struct mapce_flow *f;
	struct v4_info v = {};
	__u8 dst[16];
	__u32 pmtu = 0;
	int rc, verdict = TC_ACT_OK;
	void *data, *data_end;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		goto out;
	cfg = config_get();
	if (!cfg) {
		/* IPv4 routed to a WAN with no MAP config would leak
		 * untranslated: never let it out. */
		reason = MAPCE_R_DROP_NOT_CONFIGURED;
		verdict = TC_ACT_SHOT;
		goto out;
	}
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	if (data + EGRESS_PULL_LEN > data_end) {
		/* Headers may sit in paged data: make them linear (short
		 * packets stay short: pull what exists). */
		bpf_skb_pull_data(skb, skb->len < EGRESS_PULL_LEN ? skb->len : EGRESS_PULL_LEN);
		data = skb_data(skb);
		data_end = skb_data_end(skb);
	}
	if (data + ETH_HLEN > data_end) {
		reason = MAPCE_R_DROP_MALFORMED;
		verdict = TC_ACT_SHOT;
		goto out;
	}
	rc = parse_ipv4_len(data, data_end, skb->len, ETH_HLEN, &v);
	if (rc == PARSE_FRAGMENT) {
		/* A later fragment: no ports; it follows its first fragment
		 * (same new id), only the source address changes. */
		if (egress_set_saddr(skb, &v, cfg->ipv4) ||
		    egress_set_id(skb, &v, frag_out_id(&v, cfg->ipv4))) {
			reason = MAPCE_R_DROP_ENCAP_FAILED;
			verdict = TC_ACT_SHOT;
			goto out;
		}
		__builtin_memcpy(dst, cfg->br_ipv6, sizeof(dst));
		goto encap;
	}
	if (rc == PARSE_UNSUPPORTED && v.proto == IPPROTO_ICMP && icmp4_is_error(v.icmp_type)) {
		/* a LAN host's error about a packet we delivered */
		if (icmp4_err_out(skb, &v, cfg)) {
			reason = MAPCE_R_DROP_ICMP_ERR_NO_FLOW;
			verdict = TC_ACT_SHOT;
			goto out;
		}
		__builtin_memcpy(dst, cfg->br_ipv6, sizeof(dst));
		goto encap;
	}
	if (rc != PARSE_OK) {
		reason = parse_reason(rc, v.proto);
		verdict = TC_ACT_SHOT;
		goto out;
	}

	if (!v.sport_off) {
		/* e.g. an echo reply: nothing inside answers unsolicited pings */
		reason = MAPCE_R_DROP_ICMP_UNSUPPORTED;
		verdict = TC_ACT_SHOT;
		goto out;
	}
	ko.local_ip = v.saddr;
	ko.remote_ip = v.daddr;
	ko.local_port = v.sport;
	ko.remote_port = v.dport;
	ko.proto = v.proto;
	f = bpf_map_lookup_elem(&mapce_flow_out, &ko);
	if (!f) {
		gc_ensure_armed(cfg);
		f = flow_create(cfg, &ko, &reason);
		if (!f) {
			verdict = TC_ACT_SHOT;
			/* Out of ports (or over the host's limit): say so. */
			if (reason == MAPCE_R_DROP_NO_PORTS || reason == MAPCE_R_DROP_HOST_LIMIT) {
				verdict = tc_reject(skb, &v, cfg->ipv4);
				if (verdict == TC_ACT_REDIRECT)
					stats_count(&mapce_stats, MAPCE_R_EV_REJECT_SENT, 0);
			}
			goto out;
		}
	}
	if (cfg->mtu && v.tot_len > cfg->mtu && skb->gso_segs <= 1) {
		/* The route's MTU makes the kernel fragment or refuse such
		 * packets before they get here; one that bypassed it (a raw
		 * socket) gets an answer or a counted drop, never a frame too
		 * big for the WAN.  (TC cannot fragment.) */
		if ((v.frag_off & IP_DF) && v.proto != IPPROTO_TCP) {
			verdict = tc_frag_needed(skb, &v, cfg->ipv4, cfg->mtu);
			reason = verdict == TC_ACT_REDIRECT ? MAPCE_R_FRAG_NEEDED_SENT
							    : MAPCE_R_DROP_TOO_BIG;
		} else {
			verdict = TC_ACT_SHOT;
			reason = MAPCE_R_DROP_TOO_BIG;
		}
		goto out;
	}
	/* Any learned path MTU is >= 1280 (the IPv6 minimum): only SYNs and
	 * bigger packets need to look. */
	if (v.tot_len + IPV6_HLEN > 1280 || (v.tcp_flags & TCP_FLAG_SYN))
		pmtu = pmtu_to_br();
	if (pmtu && v.tot_len + IPV6_HLEN > pmtu && (v.frag_off & IP_DF) &&
	    v.proto != IPPROTO_TCP && skb->gso_segs <= 1) {
		/* Known not to fit the path to the BR: tell the host now
		 * rather than lose the packet (TCP: see mss_ceiling). */
		verdict = tc_frag_needed(skb, &v, cfg->ipv4, pmtu - IPV6_HLEN);
		reason = verdict == TC_ACT_REDIRECT ? MAPCE_R_FRAG_NEEDED_SENT
						    : MAPCE_R_DROP_ENCAP_FAILED;
		goto out;
	}
	egress_account(skb, f, &v);

	if (v.daddr == cfg->ipv4 && v.dport_off && v.proto != IPPROTO_ICMP &&
	    mapce_port_in_set(cfg->psid_offset, cfg->psid_len, cfg->psid, bpf_ntohs(v.dport))) {
		verdict = egress_hairpin(skb, cfg, &v, f, &reason);
		goto out;
	}

	if (egress_snat(skb, &v, f->ip, f->port) ||
	    egress_set_id(skb, &v, frag_out_id(&v, f->ip))) {
		reason = MAPCE_R_DROP_ENCAP_FAILED;
		verdict = TC_ACT_SHOT;
		goto out;
	}

	/* SYNs leave with an MSS that fits the tunnel. */
	if (tc_mss_clamp(skb, &v, mss_ceiling(cfg, pmtu)) > 0)
		stats_count(&mapce_stats, MAPCE_R_EV_MSS_CLAMPED, 0);

	fmr = fmr_lookup(cfg, v.daddr);
	if (fmr)
		mapce_ce_address_for_port(fmr, v.daddr, bpf_ntohs(v.dport),
					  cfg->flags & MAPCE_CFG_F_LEGACY_IID, dst);
	else
		__builtin_memcpy(dst, cfg->br_ipv6, sizeof(dst));
encap:
	if (tc_encap_ipv6(skb, cfg->ce_ipv6, dst, v.tos, cfg->hop_limit, v.tot_len,
			  cfg->encap_limit)) {
		reason = MAPCE_R_DROP_ENCAP_FAILED;
		verdict = TC_ACT_SHOT;
		goto out;
	}
	if (fmr)
		egress_set_nexthop_mac(skb, dst);
	reason = MAPCE_R_ENCAP;
out:
	stats_count(&mapce_stats, reason, len);
	return verdict;
}

/* ------------------------------------------------------------------ */
/* WAN ingress: decapsulation + reverse NAPT                           */
/* ------------------------------------------------------------------ */

/*
 * Is the tunnel source allowed (RFC 7597 §8.1)?  The BR always; in mesh
 * mode also the CE that owns the inner source address and port under an
 * FMR.
 */
static __always_inline int tunnel_src_ok(const struct mapce_config *cfg, const struct ipv6hdr *ip6,
					 const struct v4_info *v)
{
	const struct mapce_rule *fmr;
	__u8 expect[16];

	if (ipv6_equal(&ip6->saddr, cfg->br_ipv6))
		return 1;
	fmr = fmr_lookup(cfg, v->saddr);
	if (!fmr)
		return 0;
	mapce_ce_address_for_port(fmr, v->saddr, bpf_ntohs(v->sport),
				  cfg->flags & MAPCE_CFG_F_LEGACY_IID, expect);
	return ipv6_equal(&ip6->saddr, expect);
}

/* Rewrite the destination to the inside endpoint; full checksums (XDP). */
static __always_inline void ingress_dnat(void *data, void *data_end, const struct v4_info *v,
					 __be32 ip, __be16 port)
{
	struct iphdr *iph = data + v->l3_off;
	__sum16 *l4sum;
	__be16 *dport;

	if ((void *)(iph + 1) > data_end)
		return;
	csum_replace4(&iph->check, iph->daddr, ip);
	iph->daddr = ip;

	/* Offsets come from parse_ipv4 on this very buffer; re-check them
	 * for the verifier (they are bounded by ihl <= 60). */
	if (v->csum_off > 200 || v->dport_off > 200)
		return;
	l4sum = data + v->csum_off;
	dport = data + v->dport_off;
	if ((void *)(l4sum + 1) > data_end || (void *)(dport + 1) > data_end)
		return;
	switch (v->proto) {
	case IPPROTO_TCP:
		csum_replace4(l4sum, v->daddr, ip);
		csum_replace2(l4sum, *dport, port);
		break;
	case IPPROTO_UDP:
		udp_csum_replace4(l4sum, v->daddr, ip);
		udp_csum_replace2(l4sum, *dport, port);
		break;
	default: /* ICMP: no pseudo header */
		csum_replace2(l4sum, *dport, port);
		break;
	}
	*dport = port;
}

/* Is this tunnel packet from an allowed source and to our IPv4 address?
 * Else *reason says why not.  (XDP fast path and TC slow path alike.) */
static __always_inline int ingress_tunnel_ok(const struct mapce_config *cfg,
					     const struct ipv6hdr *ip6, const struct v4_info *v,
					     __u32 *reason)
{
	if (!tunnel_src_ok(cfg, ip6, v)) {
		*reason = MAPCE_R_DROP_BAD_TUNNEL_SRC;
		return 0;
	}
	if (v->daddr != cfg->ipv4) {
		*reason = MAPCE_R_DROP_WRONG_IPV4;
		return 0;
	}
	return 1;
}

/* The inbound half of the flow of decapsulated packet v: found, or opened
 * when the filtering mode lets its remote in.  NULL with *reason set. */
static __always_inline struct mapce_flow *ingress_flow(const struct mapce_config *cfg,
						       const struct v4_info *v, __u32 *reason)
{
	struct mapce_tuple ki = {};
	struct mapce_flow *f;

	if (!v->dport_off ||
	    !mapce_port_in_set(cfg->psid_offset, cfg->psid_len, cfg->psid, bpf_ntohs(v->dport))) {
		*reason = MAPCE_R_DROP_PORT_OUT_OF_SET;
		return NULL;
	}
	ki.local_ip = v->daddr;
	ki.remote_ip = v->saddr;
	ki.local_port = v->dport;
	ki.remote_port = v->sport;
	ki.proto = v->proto;
	f = bpf_map_lookup_elem(&mapce_flow_in, &ki);
	return f ? f : flow_open_inbound(cfg, &ki, reason);
}

/* Set the inner ECN field (RFC 6040 decapsulation), fixing the checksum. */
static __always_inline void ingress_set_ecn(void *data, void *data_end, const struct v4_info *v,
					    __u8 ecn)
{
	struct iphdr *iph = data + v->l3_off;
	__be16 old, new;

	if ((void *)(iph + 1) > data_end)
		return;
	__u8 vihl = *(__u8 *)iph, tos = iph->tos, ntos = (tos & ~3) | ecn;

	/* the first 16-bit word of the header: version/ihl and TOS */
	old = bpf_htons((__u16)vihl << 8 | tos);
	new = bpf_htons((__u16)vihl << 8 | ntos);
	iph->tos = ntos;
	csum_replace2(&iph->check, old, new);
}

/*
 * A later fragment from the tunnel: it goes where its first fragment went
 * (only the destination address changes), or is dropped and counted when
 * the first fragment has not been seen.
 */
static __always_inline int ingress_later_fragment(struct xdp_md *ctx,
						  const struct mapce_config *cfg,
						  const struct ipv6hdr *ip6,
						  const struct v4_info *v, __u32 *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct mapce_frag_key k = {};
	struct mapce_frag *r;
	struct iphdr *iph;

	if (!ipv6_equal(&ip6->saddr, cfg->br_ipv6)) {
		/* no ports to check an FMR source against */
		*reason = MAPCE_R_DROP_BAD_TUNNEL_SRC;
		return XDP_DROP;
	}
	if (v->daddr != cfg->ipv4) {
		*reason = MAPCE_R_DROP_WRONG_IPV4;
		return XDP_DROP;
	}
	frag_key(&k, v, MAPCE_DIR_IN);
	r = frag_find(&k);
	if (!r) {
		/* Its first fragment has not come: the slow path holds it
		 * (RFC 4787 REQ-14), still encapsulated. */
		*reason = MAPCE_R_FRAG_TO_SLOW_PATH;
		return XDP_PASS;
	}
	iph = data + v->l3_off;
	if ((void *)(iph + 1) > data_end) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return XDP_DROP;
	}
	csum_replace4(&iph->check, iph->daddr, r->ip);
	iph->daddr = r->ip;
	if (xdp_decap_ipv6(ctx)) {
		*reason = MAPCE_R_DROP_DECAP_FAILED;
		return XDP_DROP;
	}
	*reason = MAPCE_R_DECAP;
	return XDP_PASS;
}

/*
 * An ICMP error from the internet about one of our flows: translated back
 * (icmp4_err.h) and delivered to the inside host.
 */
static __always_inline int ingress_icmp_error(struct xdp_md *ctx, const struct mapce_config *cfg,
					      const struct ipv6hdr *ip6, const struct v4_info *v,
					      __u32 *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__be32 inside;

	if (bpf_ntohs(ip6->payload_len) != v->tot_len) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return XDP_DROP;
	}
	if (!ipv6_equal(&ip6->saddr, cfg->br_ipv6)) {
		*reason = MAPCE_R_DROP_BAD_TUNNEL_SRC;
		return XDP_DROP;
	}
	if (v->daddr != cfg->ipv4) {
		*reason = MAPCE_R_DROP_WRONG_IPV4;
		return XDP_DROP;
	}
	if (icmp4_err_in(data, data_end, v, cfg, &inside)) {
		*reason = MAPCE_R_DROP_ICMP_ERR_NO_FLOW;
		return XDP_DROP;
	}
	if (xdp_decap_ipv6(ctx)) {
		*reason = MAPCE_R_DROP_DECAP_FAILED;
		return XDP_DROP;
	}
	*reason = MAPCE_R_DECAP;
	return XDP_PASS;
}

SEC("xdp")
int mapce_xdp_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 reason = MAPCE_R_PASS_NATIVE, len = data_end - data;
	const struct mapce_config *cfg;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6;
	struct mapce_flow *f;
	struct v4_info v = {};
	int rc, ecn, verdict = XDP_PASS;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		goto out;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > data_end ||
	    (ip6->nexthdr != IPPROTO_IPIP && ip6->nexthdr != IPPROTO_ICMPV6_NH))
		goto out;
	cfg = config_get();
	if (!cfg || !ipv6_equal(&ip6->daddr, cfg->ce_ipv6))
		goto out; /* not to our MAP address: not ours to judge */
	if (ip6->nexthdr == IPPROTO_ICMPV6_NH) {
		/* An error about a tunnel packet goes to the inside host. */
		verdict = icmp6_err_to_icmp4(ctx, cfg, &reason);
		goto out;
	}

	/* From here on it is MAP traffic: pass nothing untranslated. */
	verdict = XDP_DROP;
	rc = parse_ipv4(data, data_end, ETH_HLEN + IPV6_HLEN, &v);
	if (rc == PARSE_FRAGMENT) {
		verdict = ingress_later_fragment(ctx, cfg, ip6, &v, &reason);
		goto out;
	}
	if (rc == PARSE_UNSUPPORTED && v.proto == IPPROTO_ICMP && icmp4_is_error(v.icmp_type)) {
		verdict = ingress_icmp_error(ctx, cfg, ip6, &v, &reason);
		goto out;
	}
	if (rc != PARSE_OK) {
		reason = parse_reason(rc, v.proto);
		goto out;
	}
	if (bpf_ntohs(ip6->payload_len) != v.tot_len) {
		reason = MAPCE_R_DROP_MALFORMED;
		goto out;
	}
	if (!ingress_tunnel_ok(cfg, ip6, &v, &reason))
		goto out;
	if ((v.frag_off & IP_MF) && reasm_inner_pending(data + ETH_HLEN + IPV6_HLEN)) {
		/* a first fragment whose later ones came first: join them */
		reason = MAPCE_R_FRAG_TO_SLOW_PATH;
		verdict = XDP_PASS;
		goto out;
	}
	f = ingress_flow(cfg, &v, &reason);
	if (!f)
		goto out;
	ecn = ecn_decap(ipv6_tclass(ip6) & 3, v.tos & 3);
	if (ecn < 0) {
		reason = MAPCE_R_DROP_ECN_CE_NOT_ECT;
		goto out;
	}
	flow_account(f, 1, v.tot_len, v.tcp_flags, v.proto);
	if (v.frag_off & IP_MF) {
		/* first fragment: its later fragments go to the same host */
		struct mapce_frag_key fk = {};

		frag_key(&fk, &v, MAPCE_DIR_IN);
		frag_record(&fk, f->ip, 0);
	}
	ingress_dnat(data, data_end, &v, f->ip, f->port);
	if (ecn != (v.tos & 3))
		ingress_set_ecn(data, data_end, &v, (__u8)ecn);
	/* SYN-ACKs from the internet: clamp the MSS the LAN host will use. */
	if ((v.tcp_flags & TCP_FLAG_SYN) &&
	    xdp_mss_clamp(data, data_end, &v, mss_ceiling(cfg, pmtu_to_br())))
		stats_count(&mapce_stats, MAPCE_R_EV_MSS_CLAMPED, 0);

	if (xdp_decap_ipv6(ctx)) {
		reason = MAPCE_R_DROP_DECAP_FAILED;
		goto out;
	}
	reason = MAPCE_R_DECAP;
	verdict = XDP_PASS;
out:
	stats_count(&mapce_stats, reason, len);
	return verdict;
}

/* ------------------------------------------------------------------ */
/* WAN ingress slow path: outer IPv6 fragments                          */
/* ------------------------------------------------------------------ */

/*
 * A reassembled tunnel packet (Ethernet | IPv6 | IPv4) in skb: the same
 * checks and translation as mapce_xdp_ingress, through the TC helpers, then
 * the outer header comes off.  TCP, UDP and ICMP echo (fragmented tunnel
 * packets are big: data, not errors).
 */
static __always_inline int tc_decap_in(struct __sk_buff *skb, const struct mapce_config *cfg,
				       __u32 *reason)
{
	__u32 pull = skb->len < EGRESS_PULL_LEN + IPV6_HLEN ? skb->len : EGRESS_PULL_LEN + IPV6_HLEN;
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
		*reason = rc == PARSE_OK ? MAPCE_R_DROP_ICMP_UNSUPPORTED : parse_reason(rc, v.proto);
		return TC_ACT_SHOT;
	}
	if (!ingress_tunnel_ok(cfg, ip6, &v, reason))
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

/*
 * WAN TC ingress: after XDP, which passes up untouched the IPv6 fragments
 * and the tunnel packets holding an IPv4 fragment that came before its
 * first.  Both are reassembled here (reasm.h), then translated;
 * everything else continues into the stack at once (one protocol test for
 * non-IPv6, a few loads for other IPv6).
 */
SEC("tc")
int mapce_tc_ingress(struct __sk_buff *skb)
{
	__u32 reason, len = skb->len;
	const struct mapce_config *cfg;
	struct ipv6hdr *ip6;
	struct frag_hdr *fh;
	void *data, *data_end;
	int rc, verdict;

	if (skb->protocol != bpf_htons(ETH_P_IPV6))
		return TC_ACT_OK;
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	if (data + REASM_HDRS > data_end) {
		if (skb->len < REASM_HDRS)
			return TC_ACT_OK;
		bpf_skb_pull_data(skb, REASM_HDRS);
		data = skb_data(skb);
		data_end = skb_data_end(skb);
	}
	ip6 = data + ETH_HLEN;
	fh = data + ETH_HLEN + IPV6_HLEN;
	if ((void *)(fh + 1) > data_end)
		return TC_ACT_OK;
	if (ip6->nexthdr == NEXTHDR_FRAGMENT) {
		if (fh->nexthdr != IPPROTO_IPIP)
			return TC_ACT_OK;
	} else if (ip6->nexthdr == IPPROTO_IPIP) {
		/* XDP passes a tunnel packet up only when its IPv4 is a
		 * fragment that must wait for its first (REQ-14). */
		struct iphdr *iph = (void *)fh;

		if ((void *)(iph + 1) > data_end || !(iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
			return TC_ACT_OK;
	} else {
		return TC_ACT_OK;
	}
	cfg = config_get();
	if (!cfg || !ipv6_equal(&ip6->daddr, cfg->ce_ipv6))
		return TC_ACT_OK;

	rc = ip6->nexthdr == NEXTHDR_FRAGMENT ? reasm_add(skb) : reasm_inner_add(skb);
	if (rc == REASM_DONE) {
		verdict = tc_decap_in(skb, cfg, &reason);
	} else {
		verdict = TC_ACT_SHOT; /* held in the map, or invalid */
		reason = rc == REASM_HELD ? MAPCE_R_REASM_HELD : MAPCE_R_DROP_REASM_INVALID;
	}
	stats_count(&mapce_stats, reason, len);
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
