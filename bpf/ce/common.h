/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * common.h - what the CE's egress and ingress stages both use: the
 * configuration, the FMR lookup, the path MTU to the BR, the parse-failure
 * reasons, a checksum left to offload and the destination rewrite.
 */
#ifndef MAPCE_BPF_CE_COMMON_H
#define MAPCE_BPF_CE_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "lib/consts.h"
#include "lib/csum.h"
#include "lib/ipv4.h"
#include "lib/parse.h"
#include "maps.h"

/* The configuration, or NULL when there is none (or it is disabled). */
static __always_inline const struct mapce_config *config_get(void)
{
	__u32 zero = 0;
	const struct mapce_config *cfg = bpf_map_lookup_elem(&mapce_config, &zero);

	return cfg && (cfg->flags & MAPCE_CFG_F_ENABLED) ? cfg : NULL;
}

/* Is the transport checksum of TCP/UDP packet v in [data, data_end), not
 * yet translated, one its sender left to offload (csum_pseudo_only: a
 * veth or tap peer with tx checksumming on)?  XDP must not translate it
 * with full-checksum arithmetic nor send it on unfinished. */
static __always_inline int v4_csum_left_to_offload(void *data, void *data_end,
						   const struct v4_info *v)
{
	__sum16 *sum;

	if (v->proto != IPPROTO_TCP && v->proto != IPPROTO_UDP)
		return 0;
	/* Verifier-sensitive: csum_off is from parse_ipv4 (behind at most
	 * 62 bytes of outer headers and a 60-byte IPv4 header). */
	if (v->csum_off > 200)
		return 0;
	sum = data + v->csum_off;
	if ((void *)(sum + 1) > data_end)
		return 0;
	return csum_pseudo_only(*sum, v->saddr, v->daddr, v->proto,
				v->tot_len - (v->l4_off - v->l3_off));
}

/* Map a parse failure to its reason. */
static __always_inline __u32 parse_reason(int rc, __u8 proto)
{
	switch (rc) {
	case PARSE_FRAGMENT:
		return MAPCE_R_DROP_FRAGMENT;
	case PARSE_BAD_CSUM:
		return MAPCE_R_DROP_BAD_CHECKSUM;
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
	if (bpf_ktime_get_coarse_ns() - pm->learned_ns > MAPCE_PMTU_EXPIRE_S * NSEC_PER_SEC)
		return 0;
	return pm->mtu;
}

/* Remember a path MTU to the BR (IPv6 bytes) from a Packet Too Big about
 * one of our packets (RFC 2473 §8.3); it ages out as pmtu_to_br says. */
static __always_inline void pmtu_learn(__u32 mtu)
{
	__u32 zero = 0;
	struct mapce_pmtu *pm = bpf_map_lookup_elem(&mapce_pmtu, &zero);

	if (pm) {
		pm->mtu = mtu;
		pm->learned_ns = bpf_ktime_get_coarse_ns();
	}
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

/* Rewrite the destination address and port (or echo id) through the TC
 * csum helpers: hairpinned packets, reassembled tunnel packets. */
static __always_inline int tc_dnat(struct __sk_buff *skb, const struct v4_info *v, __be32 new_ip,
				   __be16 new_port)
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
 * XDP: rewrite the source (src) or the destination address and port (or
 * echo id) of IPv4 packet v to ip:port, with full checksums updated
 * incrementally (RFC 1624; XDP frames carry complete ones): the WAN's
 * DNAT of what comes in, the fast path's SNAT of what leaves.  With hop,
 * the TTL loses one too (the fast path forwards: ipv4_ttl_dec), and the
 * id becomes id (v->id: kept; frag_out_id's fresh one for what leaves
 * without DF), under the same one update of the header's checksum.
 */
static __always_inline void xdp_nat_rewrite(void *data, void *data_end, const struct v4_info *v,
					    int src, __be32 ip, __be16 port, int hop, __be16 id)
{
	struct iphdr *iph = data + v->l3_off;
	__u16 port_off = src ? v->sport_off : v->dport_off;
	__u32 addr_change, hdr_change;
	__sum16 *l4sum;
	__be32 *addr;
	__be16 *p;

	if ((void *)(iph + 1) > data_end)
		return;
	addr = src ? &iph->saddr : &iph->daddr;
	/* the address is in the header's checksum and the pseudo-header's */
	addr_change = csum_change4(*addr, ip);
	*addr = ip;
	hdr_change = addr_change;
	if (hop)
		hdr_change += ipv4_ttl_dec_change(iph);
	hdr_change += ipv4_id_set_change(iph, id);
	csum_apply(&iph->check, hdr_change);

	/* Offsets come from parse_ipv4 on this very buffer; re-check them
	 * for the verifier (they are bounded by ihl <= 60). */
	if (v->csum_off > 200 || port_off > 200)
		return;
	l4sum = data + v->csum_off;
	p = data + port_off;
	if ((void *)(l4sum + 1) > data_end || (void *)(p + 1) > data_end)
		return;
	switch (v->proto) {
	case IPPROTO_TCP:
		csum_apply(l4sum, addr_change + csum_change2(*p, port));
		break;
	case IPPROTO_UDP:
		udp_csum_apply(l4sum, addr_change + csum_change2(*p, port));
		break;
	default: /* ICMP: no pseudo header */
		csum_replace2(l4sum, *p, port);
		break;
	}
	*p = port;
}

#endif
