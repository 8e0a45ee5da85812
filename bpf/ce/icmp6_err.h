/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * icmp6_err.h - ICMPv6 errors about our tunnel packets become ICMPv4
 * errors to the inside host that sent the packet (RFC 2473 §8.3; RFC 7597
 * §8.3; Linux ip6_tunnel does the same).
 *
 *   Packet Too Big (MTU)      -> Destination Unreachable, Fragmentation
 *                                Needed, next-hop MTU = MTU - 40
 *   any other error            -> Destination Unreachable, Host Unreachable
 *
 * The ICMPv6 message quotes our encapsulated packet: outer IPv6 (from our
 * MAP address) + the NAPT-ed IPv4.  The quoted IPv4 is reverse-translated
 * with the flow state (addresses, port or echo id, checksums), and the frame
 * is rewritten in place, in XDP, into
 *   Ethernet | IPv4 (public address -> inside host) | ICMPv4 | quoted IPv4 + 8
 * and handed to the kernel, which forwards it to the LAN.
 */
#ifndef MAPCE_BPF_ICMP6_ERR_H
#define MAPCE_BPF_ICMP6_ERR_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/defs.h"
#include "lib/csum.h"
#include "lib/parse.h"
#include "maps.h"

#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG 2
#define ICMPV6_TIME_EXCEED 3
#define ICMPV6_PARAMPROB 4
#define ICMP_FRAG_NEEDED 4
#define ICMP_HOST_UNREACH 1
#define IPPROTO_ICMPV6_NH 58

/* Where the quoted IPv4 header sits in the ICMPv6 frame, and where the
 * ICMPv4 frame puts it: the frame start moves forward by the difference. */
#define ERR6_QUOTE_OFF (ETH_HLEN + 40 + 8 + 40)
#define ERR4_QUOTE_OFF (ETH_HLEN + 20 + 8)
#define ERR_SHIFT (ERR6_QUOTE_OFF - ERR4_QUOTE_OFF)
/* quoted transport bytes kept (RFC 792 minimum) */
#define ERR_QUOTE_L4 8

struct err6_info {
	__u8 v4type, v4code;
	__u16 mtu;                 /* ICMPv4 next-hop MTU (frag needed) */
	__u8 dmac[ETH_ALEN], smac[ETH_ALEN];
};

/* One's-complement sum over n 16-bit words at p (n bounded, p checked). */
static __always_inline __u32 sum_words(void *p, void *data_end, __u32 n)
{
	__u32 s = 0;

	for (__u32 i = 0; i < 48 && i < n; i++) {
		__u16 *w = p + 2 * i;

		if ((void *)(w + 1) > data_end)
			break;
		s += *w;
	}
	return s;
}

/*
 * Handle an ICMPv6 message to our MAP address.  Returns the XDP verdict and
 * sets *reason; XDP_PASS with PASS_NATIVE for anything that is not an
 * error about our tunnel traffic (the kernel handles its own ICMPv6).
 */
static __always_inline int icmp6_err_to_icmp4(struct xdp_md *ctx, const struct mapce_config *cfg,
					      __u32 *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct icmp6hdr *ic6 = data + ETH_HLEN + 40;
	struct ipv6hdr *q6 = data + ETH_HLEN + 48;
	struct mapce_tuple ki = {};
	struct mapce_flow *f;
	struct err6_info e = {};
	struct v4_info q;
	__u32 qlen, newlen;

	*reason = MAPCE_R_PASS_NATIVE;
	if ((void *)(q6 + 1) > data_end)
		return XDP_PASS;
	if (ic6->icmp6_type == ICMPV6_PKT_TOOBIG) {
		__u32 mtu = bpf_ntohl(ic6->icmp6_dataun.un_data32[0]);

		e.v4type = ICMP_DEST_UNREACH;
		e.v4code = ICMP_FRAG_NEEDED;
		mtu = mtu < 1280 ? 1280 : mtu; /* IPv6 links never go below */
		e.mtu = mtu - 40 > 0xffff ? 0xffff : mtu - 40;
	} else if (ic6->icmp6_type >= ICMPV6_DEST_UNREACH && ic6->icmp6_type <= ICMPV6_PARAMPROB) {
		e.v4type = ICMP_DEST_UNREACH;
		e.v4code = ICMP_HOST_UNREACH;
	} else {
		return XDP_PASS; /* informational (echo, ND): the kernel's */
	}
	/* Is the quoted packet ours: from our MAP address, IPv4 inside? */
	if (q6->nexthdr != IPPROTO_IPIP || !ipv6_equal(&q6->saddr, cfg->ce_ipv6))
		return XDP_PASS;

	/* The quote is truncated: parse only the headers, not tot_len. */
	struct iphdr *qip = (void *)(q6 + 1);

	if ((void *)(qip + 1) > data_end || qip->version != 4 || qip->ihl < 5 ||
	    qip->saddr != cfg->ipv4) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return XDP_DROP;
	}
	q.l3_off = ERR6_QUOTE_OFF;
	q.l4_off = ERR6_QUOTE_OFF + qip->ihl * 4;
	q.proto = qip->protocol;
	ki.local_ip = qip->saddr;
	ki.remote_ip = qip->daddr;
	ki.proto = qip->protocol;
	if (q.l4_off > 200) /* ihl <= 15: keeps the verifier's range small */
		return XDP_DROP;
	__u8 *l4 = data + q.l4_off;

	if ((void *)(l4 + ERR_QUOTE_L4) > data_end) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return XDP_DROP;
	}
	if (q.proto == IPPROTO_TCP || q.proto == IPPROTO_UDP) {
		ki.local_port = *(__be16 *)l4;
		ki.remote_port = *(__be16 *)(l4 + 2);
	} else if (q.proto == IPPROTO_ICMP && l4[0] == ICMP_ECHO) {
		ki.local_port = *(__be16 *)(l4 + 4);
	} else {
		*reason = MAPCE_R_DROP_ICMP6_ERR_NO_FLOW;
		return XDP_DROP;
	}
	f = bpf_map_lookup_elem(&mapce_flow_in, &ki);
	if (!f) {
		*reason = MAPCE_R_DROP_ICMP6_ERR_NO_FLOW;
		return XDP_DROP;
	}
	if (e.v4code == ICMP_FRAG_NEEDED && ipv6_equal(&q6->daddr, cfg->br_ipv6)) {
		/* Remember the smaller path MTU to the BR (RFC 2473 §8.3). */
		__u32 zero = 0;
		struct mapce_pmtu *pm = bpf_map_lookup_elem(&mapce_pmtu, &zero);

		if (pm) {
			pm->mtu = e.mtu + 40;
			pm->learned_ns = bpf_ktime_get_coarse_ns();
		}
	}

	/* Reverse-translate the quoted packet in place: source back to the
	 * inside endpoint, quoted checksums fixed where they were quoted. */
	__be32 in_ip = f->ip;
	__be16 in_port = f->port;

	csum_replace4(&qip->check, qip->saddr, in_ip);
	qip->saddr = in_ip;
	if (q.proto == IPPROTO_UDP) {
		udp_csum_replace4((__sum16 *)(l4 + 6), ki.local_ip, in_ip);
		udp_csum_replace2((__sum16 *)(l4 + 6), ki.local_port, in_port);
		*(__be16 *)l4 = in_port;
	} else if (q.proto == IPPROTO_TCP) {
		*(__be16 *)l4 = in_port; /* TCP's checksum is beyond the quote */
	} else {
		csum_replace2((__sum16 *)(l4 + 2), ki.local_port, in_port);
		*(__be16 *)(l4 + 4) = in_port;
	}
	qlen = q.l4_off - q.l3_off + ERR_QUOTE_L4;
	__builtin_memcpy(e.dmac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(e.smac, eth->h_source, ETH_ALEN);

	/* Drop the IPv6 + ICMPv6 + quoted IPv6 headers (keeping room for
	 * Ethernet + IPv4 + ICMPv4), then trim the quote. */
	if (bpf_xdp_adjust_head(ctx, ERR_SHIFT))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	newlen = ERR4_QUOTE_OFF + qlen;
	if (data + newlen > data_end)
		return XDP_DROP;
	long cur = data_end - data;

	/* Verifier-sensitive: without the barrier clang folds this into
	 * 32-bit arithmetic on the packet pointers, which is rejected. */
	asm volatile("" : "+r"(cur));
	if (bpf_xdp_adjust_tail(ctx, (int)newlen - (int)cur))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	eth = data;
	struct iphdr *ip = data + ETH_HLEN;
	struct icmphdr *ic = data + ETH_HLEN + 20;

	if ((void *)(ic + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, e.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, e.smac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	*(__u16 *)ip = bpf_htons(0x4500);
	ip->tot_len = bpf_htons((__u16)(20 + 8 + qlen));
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = 64;
	ip->protocol = IPPROTO_ICMP;
	ip->check = 0;
	ip->saddr = cfg->ipv4; /* from the tunnel entry point, as seen inside */
	ip->daddr = in_ip;
	ip->check = ipv4_hdr_csum(ip);
	ic->type = e.v4type;
	ic->code = e.v4code;
	ic->checksum = 0;
	ic->un.frag.__unused = 0;
	ic->un.frag.mtu = bpf_htons(e.mtu);
	/* ICMP checksum over the header and the quote: qlen is even
	 * (ihl * 4 + 8), at most 68 bytes. */
	ic->checksum = ~csum_fold(sum_words(ic, data_end, (8 + qlen) / 2));
	*reason = MAPCE_R_ICMP6_ERR_TRANSLATED;
	return XDP_PASS;
}

#endif
