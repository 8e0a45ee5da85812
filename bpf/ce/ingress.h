/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ingress.h - the stages of the CE's XDP ingress (mapce_xdp_ingress):
 * IPv4-in-IPv6 to our MAP address from the BR (or an FMR CE) is
 * decapsulated, reverse-NAPT-ed and passed to the kernel, which routes it
 * to the LAN (nftables forward rules still apply).  Checksums are updated
 * incrementally (lib/csum.h): XDP frames carry complete ones.
 *
 * Each stage returns the XDP verdict and sets *reason.
 */
#ifndef MAPCE_BPF_CE_INGRESS_H
#define MAPCE_BPF_CE_INGRESS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "mapce_rule.h"
#include "lib/consts.h"
#include "lib/csum.h"
#include "lib/ecn.h"
#include "lib/encap.h"
#include "lib/frag.h"
#include "lib/mss.h"
#include "lib/parse.h"
#include "lib/stats.h"
#include "maps.h"
#include "common.h"
#include "napt.h"
#include "binlog.h"
#include "frag.h"
#include "icmp4_err.h"
#include "reasm.h"
#include "modes.h"
#include "fastpath.h"

/* The IPv6 part of decapsulated packet v: the IPv6 header, maybe the
 * encapsulation limit option (lib/encap.h, tunnel_hlen). */
static __always_inline __u32 ingress_hlen(const struct v4_info *v)
{
	return v->l3_off - ETH_HLEN;
}

/* Does the IPv6 payload length agree with v's total length? */
static __always_inline int ingress_len_ok(const struct ipv6hdr *ip6, const struct v4_info *v)
{
	return bpf_ntohs(ip6->payload_len) == ingress_hlen(v) - IPV6_HLEN + v->tot_len;
}

/* Does the inner IPv4 header of v verify?  Checked before anything is
 * translated: the kernel drops a bad one after decapsulation, which would
 * have been counted as decap (and could have opened a flow).  May
 * invalidate the caller's packet pointers (xdp_ipv4_csum_ok). */
static __always_inline int ingress_csum_ok(struct xdp_md *ctx, const struct v4_info *v)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *iph;

	/* Verifier-sensitive: l3_off is 54 or 62 (tunnel_hlen). */
	if (v->l3_off > ETH_HLEN + IPV6_HLEN + DESTOPT_LEN)
		return 0;
	iph = data + v->l3_off;
	if ((void *)(iph + 1) > data_end)
		return 0;
	return xdp_ipv4_csum_ok(ctx, iph, v->l3_off);
}

/* Does the CE that owns v's inner source address and port under an FMR
 * (mesh mode) have the tunnel source address of ip6? */
static __always_inline int ingress_fmr_src_ok(const struct mapce_config *cfg,
					      const struct ipv6hdr *ip6, const struct v4_info *v)
{
	const struct mapce_rule *fmr = fmr_lookup(cfg, v->saddr);
	__u8 expect[16];

	if (!fmr)
		return 0;
	mapce_ce_address_for_port(fmr, v->saddr, bpf_ntohs(v->sport),
				  cfg->flags & MAPCE_CFG_F_LEGACY_IID, expect);
	return ipv6_equal(&ip6->saddr, expect);
}

/*
 * Is this tunnel packet from an allowed source (RFC 7597 §8.1) and to our
 * IPv4 address?  Else *reason says why not.  The BR always may send; with
 * by_port, so may the CE that owns the inner source address and port under
 * an FMR.  A later fragment or an ICMP error has no port to check an FMR
 * CE by: only the BR may send those.  (XDP and the TC slow path alike.)
 */
static __always_inline int ingress_tunnel_ok(const struct mapce_config *cfg,
					     const struct ipv6hdr *ip6, const struct v4_info *v,
					     int by_port, __u32 *reason)
{
	if (!ipv6_equal(&ip6->saddr, cfg->br_ipv6) &&
	    !(by_port && ingress_fmr_src_ok(cfg, ip6, v))) {
		*reason = MAPCE_R_DROP_BAD_TUNNEL_SRC;
		return 0;
	}
	/* DS-Lite: the LAN's own addresses come back, untranslated; ipip6:
	 * so does the rest of a routed prefix.  Anything else: not ours. */
	if (mode_napt(cfg) && v->daddr != cfg->ipv4 && !mode_routed(cfg, v->daddr)) {
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
	flow_key_of(&ki, v, 1);
	f = bpf_map_lookup_elem(&mapce_flow_in, &ki);
	return f ? f : flow_open_inbound(cfg, &ki, reason);
}

/*
 * Is v's TCP/UDP checksum left to offload (v4_csum_left_to_offload: a veth
 * WAN whose peer sends so), v right behind the IPv6 header as the TC slow
 * path takes it?  Then the slow path translates it (csum_to_slow_path):
 * the skb's checksum helpers know that state, XDP's arithmetic assumes a
 * complete checksum.  (Never from a NIC; a complete checksum that looks
 * so, once in 65536, is translated right there too.)
 */
static __always_inline int ingress_csum_left_to_offload(void *data, void *data_end,
							const struct v4_info *v)
{
	return v->l3_off == ETH_HLEN + IPV6_HLEN && v4_csum_left_to_offload(data, data_end, v);
}

/* Rewrite the destination to the inside endpoint; full checksums (XDP).
 * hop: the fast path forwards it (TTL - 1 too). */
static __always_inline void ingress_dnat(void *data, void *data_end, const struct v4_info *v,
					 __be32 ip, __be16 port, int hop)
{
	xdp_nat_rewrite(data, data_end, v, 0, ip, port, hop, v->id);
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

/* The outer header (and any destination options) comes off: the
 * translated IPv4 packet v goes up. */
static __always_inline int ingress_decap(struct xdp_md *ctx, const struct v4_info *v, __u32 *reason)
{
	if (xdp_decap_ipv6(ctx, ingress_hlen(v))) {
		*reason = MAPCE_R_DROP_DECAP_FAILED;
		return XDP_DROP;
	}
	*reason = MAPCE_R_DECAP;
	return XDP_PASS;
}

/* Decapsulate v with the RFC 6040 ECN rules and nothing translated: to
 * the box's own stack (ipip6, *reason DECAP_LOCAL) or, DS-Lite, as the
 * AFTR sent it. */
static __always_inline int ingress_untranslated(struct xdp_md *ctx, const struct ipv6hdr *ip6,
						const struct v4_info *v, __u32 ok_reason,
						__u32 *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int ecn = ecn_decap(ipv6_tclass(ip6) & 3, v->tos & 3);
	int verdict;

	if (ecn < 0) {
		*reason = MAPCE_R_DROP_ECN_CE_NOT_ECT;
		return XDP_DROP;
	}
	if (ecn != (v->tos & 3))
		ingress_set_ecn(data, data_end, v, (__u8)ecn);
	verdict = ingress_decap(ctx, v, reason);
	if (verdict == XDP_PASS)
		*reason = ok_reason;
	return verdict;
}

/*
 * DS-Lite: anything IPv4 from the AFTR (the only allowed tunnel source)
 * goes in as it is; so does, in ipip6, anything from the far end to an
 * address of the routed prefix but the fixed one (mode_routed): the
 * kernel routes it to the LAN host that holds it.  SYN-ACKs have their
 * MSS clamped.
 */
static __always_inline int ingress_plain(struct xdp_md *ctx, const struct mapce_config *cfg,
					 const struct ipv6hdr *ip6, const struct v4_info *v,
					 __u32 *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!ingress_len_ok(ip6, v)) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return XDP_DROP;
	}
	if (!ingress_tunnel_ok(cfg, ip6, v, 0, reason))
		return XDP_DROP;
	if (v->tcp_flags & TCP_FLAG_SYN) {
		if (ingress_csum_left_to_offload(data, data_end, v)) {
			*reason = MAPCE_R_CSUM_TO_SLOW_PATH; /* its MSS clamp is TC's */
			return XDP_PASS;
		}
		if (xdp_mss_clamp(data, data_end, v, mss_ceiling(cfg, pmtu_to_br())))
			stats_count(&mapce_stats, MAPCE_R_EV_MSS_CLAMPED, 0);
	}
	return ingress_untranslated(ctx, ip6, v, MAPCE_R_DECAP, reason);
}

/*
 * A later fragment from the tunnel: it goes where its first fragment went
 * (only the destination address changes), or, when the first fragment has
 * not been seen, up to the TC slow path to wait for it.
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

	if (!ingress_tunnel_ok(cfg, ip6, v, 0, reason))
		return XDP_DROP;
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
	if (ingress_decap(ctx, v, reason) != XDP_PASS)
		return XDP_DROP;
	/* ipip6: its first went to the box itself (ingress_napt) */
	if (mode_ipip6(cfg) && r->ip == cfg->ipv4)
		*reason = MAPCE_R_DECAP_LOCAL;
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

	if (!ingress_len_ok(ip6, v)) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return XDP_DROP;
	}
	if (!ingress_tunnel_ok(cfg, ip6, v, 0, reason))
		return XDP_DROP;
	if (icmp4_err_in(data, data_end, v, cfg, &inside)) {
		/* ipip6: about what the box itself sent, from its address */
		if (mode_ipip6(cfg))
			return ingress_untranslated(ctx, ip6, v, MAPCE_R_DECAP_LOCAL, reason);
		*reason = MAPCE_R_DROP_ICMP_ERR_NO_FLOW;
		return XDP_DROP;
	}
	return ingress_decap(ctx, v, reason);
}

/*
 * A packet with ports (or an echo id): checked, its flow found, then
 * destination-translated (ECN per RFC 6040, SYN-ACKs with their MSS
 * clamped) and decapsulated.  The established fast path.
 */
static __always_inline int ingress_napt(struct xdp_md *ctx, const struct mapce_config *cfg,
					const struct ipv6hdr *ip6, const struct v4_info *v,
					__u32 *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct mapce_fib_entry *hop;
	struct mapce_flow *f;
	int ecn;

	if (!ingress_len_ok(ip6, v)) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return XDP_DROP;
	}
	if (!ingress_tunnel_ok(cfg, ip6, v, 1, reason))
		return XDP_DROP;
	if (ipv4_is_first_fragment(v) && reasm_inner_pending(v->saddr, v->proto, v->id)) {
		/* a first fragment whose later ones came first: join them */
		*reason = MAPCE_R_FRAG_TO_SLOW_PATH;
		return XDP_PASS;
	}
	if (ingress_csum_left_to_offload(data, data_end, v)) {
		*reason = MAPCE_R_CSUM_TO_SLOW_PATH;
		return XDP_PASS;
	}
	f = ingress_flow(cfg, v, reason);
	if (!f && mode_ipip6(cfg) && *reason == MAPCE_R_DROP_NO_FLOW) {
		/* no binding, no forward: the fixed address is the box's own
		 * too, its services and its firewall take it (and so its
		 * later fragments: a record to the address itself) */
		if (ipv4_is_first_fragment(v)) {
			struct mapce_frag_key fk = {};

			frag_key(&fk, v, MAPCE_DIR_IN);
			frag_record(&fk, cfg->ipv4, 0);
		}
		return ingress_untranslated(ctx, ip6, v, MAPCE_R_DECAP_LOCAL, reason);
	}
	if (!f)
		return XDP_DROP;
	ecn = ecn_decap(ipv6_tclass(ip6) & 3, v->tos & 3);
	if (ecn < 0) {
		*reason = MAPCE_R_DROP_ECN_CE_NOT_ECT;
		return XDP_DROP;
	}
	if (flow_account(f, 1, v->tot_len, v->tcp_flags, v->proto))
		binlog_closed(v, f, 1);
	if (ipv4_is_first_fragment(v)) {
		/* its later fragments go to the same host */
		struct mapce_frag_key fk = {};

		frag_key(&fk, v, MAPCE_DIR_IN);
		frag_record(&fk, f->ip, 0);
	}
	/* With the fast path on: straight to the LAN when it is simple. */
	hop = fastpath_in_check(ctx, v, f);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ingress_dnat(data, data_end, v, f->ip, f->port, hop != NULL);
	if (ecn != (v->tos & 3))
		ingress_set_ecn(data, data_end, v, (__u8)ecn);
	/* SYN-ACKs from the internet: clamp the MSS the LAN host will use. */
	if ((v->tcp_flags & TCP_FLAG_SYN) &&
	    xdp_mss_clamp(data, data_end, v, mss_ceiling(cfg, pmtu_to_br())))
		stats_count(&mapce_stats, MAPCE_R_EV_MSS_CLAMPED, 0);
	if (hop)
		return fastpath_in(ctx, v, hop, reason);
	return ingress_decap(ctx, v, reason);
}

#endif
