/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * br_icmp6.h - ICMPv6 errors about packets the BR encapsulated toward a CE
 * become ICMPv4 errors to the IPv4 host that sent the inner packet
 * (RFC 2473 §8.3, RFC 7597 §8.3; what Linux ip6_tunnel's ip4ip6_err does):
 *
 *   Packet Too Big (MTU)    -> Destination Unreachable, Fragmentation
 *                              Needed, next-hop MTU = max(MTU, 1280) - 40
 *   Destination Unreachable,
 *   Time Exceeded,
 *   Parameter Problem       -> Destination Unreachable, Host Unreachable
 *
 * Without this a path MTU below the link MTU anywhere between the BR and a
 * CE black-holes every download: the internet host never learns that its
 * 1460-byte packets do not fit once 40 bytes of IPv6 are added.
 *
 * The error comes to the BR address and quotes our packet: IPv6 (from the
 * BR to a CE, next header 4) + the IPv4 packet as the internet host sent
 * it (the BR is stateless: no translation to undo).  It is accepted only
 * when its ICMPv6 checksum is right and the quoted IPv6 destination is the
 * CE that owns the quoted IPv4 destination and port, i.e. a packet this BR
 * can have sent; errors about anything else pass to the kernel untouched.
 *
 * The frame is rewritten in place, in XDP, into
 *   Ethernet (MACs kept) | IPv4 | ICMPv4 | quoted IPv4 header + 8 bytes
 * and handed to the kernel (XDP_PASS), which routes it to the host.
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
#include "lib/defs.h"
#include "lib/csum.h"
#include "lib/encap.h"
#include "lib/parse.h"
#include "owner.h"

#define BR_ICMPV6 58
#define BR_ICMPV6_DEST_UNREACH 1
#define BR_ICMPV6_PKT_TOOBIG 2
#define BR_ICMPV6_TIME_EXCEED 3
#define BR_ICMPV6_PARAMPROB 4
#define BR_ICMP_SOURCE_QUENCH 4
#define BR_ICMP_REDIRECT 5
#define BR_ICMP_HOST_UNREACH 1
#define BR_ICMP_FRAG_NEEDED 4
#define BR_IPV6_MIN_MTU 1280

/* Frame offsets: the ICMPv6 error, and the ICMPv4 error made from it.  The
 * quoted IPv4 header moves from BR_ERR6_Q4 to BR_ERR4_Q4: the frame start
 * moves forward by the difference. */
#define BR_ERR6_ICMP (ETH_HLEN + IPV6_HLEN)      /* 54: ICMPv6 header */
#define BR_ERR6_Q6 (BR_ERR6_ICMP + 8)            /* 62: quoted IPv6 */
#define BR_ERR6_Q4 (BR_ERR6_Q6 + IPV6_HLEN)      /* 102: quoted IPv4 */
#define BR_ERR4_ICMP (ETH_HLEN + 20)             /* 34: ICMPv4 header */
#define BR_ERR4_Q4 (BR_ERR4_ICMP + 8)            /* 42: quoted IPv4 */
#define BR_ERR_SHIFT (BR_ERR6_Q4 - BR_ERR4_Q4)   /* 60 */
#define BR_ERR_QUOTE_L4 8 /* quoted transport bytes kept (RFC 792 minimum) */

/* Longest ICMPv6 message whose checksum is verified.  RFC 4443 §2.4 (c)
 * keeps errors within the minimum MTU (1240 bytes of ICMPv6); a little
 * slack for sloppy routers, and a bounded loop for the verifier. */
#define BR_SUM_MAX 1456

/* Fold a 64-bit one's-complement accumulator to 16 bits. */
static __always_inline __u16 br_fold64(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return csum_fold((__u32)s);
}

/*
 * One's-complement sum of len bytes at data + off of the XDP frame, plus
 * seed (a 16-bit partial sum), folded to 16 bits in raw byte order (the
 * way checksum fields are stored); -1 when the range is not inside the
 * frame or longer than BR_SUM_MAX.  A trailing odd byte is padded with
 * zero (RFC 1071).
 * Verifier-sensitive: a global function (not static, not inlined), so the
 * verifier checks it once, on its own, and its callers see one unknown
 * scalar.  Inlined, each possible exit of the length-bounded loop walked
 * the whole rest of the XDP program (over the 1M instruction limit).
 * Loads are unaligned 32-bit words: fine where XDP runs natively (x86,
 * arm64: efficient unaligned access); the tail assumes little-endian.
 * Being global, it may be defined once per object: only mapce_br.bpf.c
 * includes this header.
 */
__noinline int br_xdp_csum(struct xdp_md *ctx, __u32 off, __u32 len, __u32 seed)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 s = seed & 0xffff;
	__u32 i;
	__u8 *b;

	if (off > 128 || len > BR_SUM_MAX)
		return -1;
	for (i = 0; i < BR_SUM_MAX / 4; i++) {
		__u32 *w = data + off + i * 4;

		if (i * 4 + 4 > len)
			break;
		if ((void *)(w + 1) > data_end)
			return -1;
		s += *w;
	}
	b = data + off + i * 4;
	/* raw little-endian 16-bit words: byte 0 is the low byte */
	switch (len - i * 4) {
	case 3:
		if ((void *)(b + 3) > data_end)
			return -1;
		s += b[0] + ((__u32)b[1] << 8) + b[2];
		break;
	case 2:
		if ((void *)(b + 2) > data_end)
			return -1;
		s += b[0] + ((__u32)b[1] << 8);
		break;
	case 1:
		if ((void *)(b + 1) > data_end)
			return -1;
		s += b[0];
		break;
	}
	return br_fold64(s);
}

/* Can an ICMPv4 error go to this address?  (RFC 1122 §3.2.2: not to
 * "this network", loopback, multicast or class E / broadcast.) */
static __always_inline int br_v4_unicast(__be32 a)
{
	__u8 first = bpf_ntohl(a) >> 24;

	return first != 0 && first != 127 && first < 224;
}

/* An ICMPv4 error type (no error is sent about an error, RFC 1122). */
static __always_inline int br_icmp4_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == BR_ICMP_SOURCE_QUENCH ||
	       type == BR_ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/*
 * An ICMPv6 message to the BR address (the frame: Ethernet | IPv6, next
 * header 58, no extension headers).  Returns the XDP verdict and sets
 * *reason: XDP_PASS + PASS_NATIVE for anything that is not an error about
 * a packet the BR encapsulated (echo, ND, errors about the host's own
 * traffic), XDP_PASS + ICMP6_ERR_TRANSLATED for a translated error,
 * XDP_DROP + the reason for errors about tunnel packets that cannot be
 * translated.
 */
static __always_inline int br_icmp6_err(struct xdp_md *ctx, const struct mapce_config *cfg,
					__u32 *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = data + ETH_HLEN;
	struct icmp6hdr *ic6 = data + BR_ERR6_ICMP;
	struct ipv6hdr *q6 = data + BR_ERR6_Q6;
	__u8 dmac[ETH_ALEN], smac[ETH_ALEN], v4type, v4code;
	__u16 mtu4 = 0;
	__u32 plen, qlen, newlen;
	struct mapce_rule *rule;
	struct v4_info q;
	__u64 sum = 0, ce[2];
	__be32 to, from;
	int rc, res, csum;

	*reason = MAPCE_R_PASS_NATIVE;
	if ((void *)(q6 + 1) > data_end)
		return XDP_PASS; /* too short to quote a packet: the kernel's */
	switch (ic6->icmp6_type) {
	case BR_ICMPV6_PKT_TOOBIG: {
		__u32 mtu = bpf_ntohl(ic6->icmp6_dataun.un_data32[0]);

		/* RFC 8201 §4: never below the IPv6 minimum MTU */
		if (mtu < BR_IPV6_MIN_MTU)
			mtu = BR_IPV6_MIN_MTU;
		mtu -= IPV6_HLEN;
		mtu4 = mtu > 0xffff ? 0xffff : mtu;
		v4type = ICMP_DEST_UNREACH;
		v4code = BR_ICMP_FRAG_NEEDED;
		break;
	}
	case BR_ICMPV6_DEST_UNREACH:
	case BR_ICMPV6_TIME_EXCEED:
	case BR_ICMPV6_PARAMPROB:
		v4type = ICMP_DEST_UNREACH;
		v4code = BR_ICMP_HOST_UNREACH;
		break;
	default:
		return XDP_PASS; /* informational (echo, ND, MLD) */
	}
	/* About one of our tunnel packets: from the BR address, IPv4 inside. */
	if ((*(__u8 *)q6 >> 4) != 6 || q6->nexthdr != IPPROTO_IPIP ||
	    !ipv6_equal(&q6->saddr, cfg->br_ipv6))
		return XDP_PASS;

	/* From here on it is ours: translate it or drop it. */
	*reason = MAPCE_R_DROP_MALFORMED;
	plen = bpf_ntohs(ip6->payload_len);
	if (data + BR_ERR6_ICMP + plen > data_end || plen < 8 + IPV6_HLEN + 20)
		return XDP_DROP;
	/* The kernel checks this before it believes an ICMPv6 error; we
	 * act on it before the kernel sees it, so we check it: pseudo
	 * header (RFC 8200 §8.1) + the message must sum to 0xffff. */
	{
		const __u32 *s6 = (const __u32 *)&ip6->saddr, *d6 = (const __u32 *)&ip6->daddr;

		for (int i = 0; i < 4; i++)
			sum += (__u64)s6[i] + d6[i];
		sum += (__u64)bpf_htonl(plen) + bpf_htonl(BR_ICMPV6);
	}
	if (br_xdp_csum(ctx, BR_ERR6_ICMP, plen, br_fold64(sum)) != 0xffff)
		return XDP_DROP;
	/* (the call may have invalidated the packet pointers) */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	q6 = data + BR_ERR6_Q6;
	if ((void *)(q6 + 1) > data_end)
		return XDP_DROP;

	/* The quote is truncated: parse its headers, not its tot_len (a
	 * pkt_len that can hold any tot_len). */
	rc = parse_ipv4_len(data, data_end, BR_ERR6_Q4 + 0xffff, BR_ERR6_Q4, &q);
	if (rc == PARSE_MALFORMED)
		return XDP_DROP;
	*reason = MAPCE_R_BR_DROP_UNSUPPORTED;
	/* RFC 1122 §3.2.2: no error about a later fragment, about an ICMP
	 * error, or to an address that is not a host's. */
	if (rc == PARSE_FRAGMENT || !br_v4_unicast(q.saddr) ||
	    (q.proto == IPPROTO_ICMP && br_icmp4_is_error(q.icmp_type)))
		return XDP_DROP;
	/* Could the BR have sent the quoted packet?  Its IPv6 destination
	 * must be the CE that owns its IPv4 destination (and port). */
	rule = br_rule_for(q.daddr);
	if (!rule) {
		*reason = MAPCE_R_BR_DROP_NO_RULE;
		return XDP_DROP;
	}
	res = br_ce_address(rule, data, data_end, rc, &q, BR_TO_CE,
			    !!(cfg->flags & MAPCE_CFG_F_LEGACY_IID), (__u8 *)ce);
	if (res != BR_OWNER_OK) {
		*reason = res;
		return XDP_DROP;
	}
	if (!ipv6_equal(&q6->daddr, ce)) {
		*reason = MAPCE_R_BR_DROP_SPOOFED;
		return XDP_DROP;
	}

	/* Rewrite.  Keep what we need before the head moves. */
	*reason = MAPCE_R_DROP_MALFORMED;
	to = q.saddr;
	from = q.daddr;
	qlen = q.l4_off - q.l3_off + BR_ERR_QUOTE_L4; /* ihl * 4 + 8: 28..68 */
	__builtin_memcpy(dmac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(smac, eth->h_source, ETH_ALEN);
	if (bpf_xdp_adjust_head(ctx, BR_ERR_SHIFT))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	newlen = BR_ERR4_Q4 + qlen;
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
	struct icmphdr *ic = data + BR_ERR4_ICMP;

	if ((void *)(ic + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	/* version 4, ihl 5, TOS 0xc0 (precedence "internetwork control", as
	 * Linux sends its ICMP errors) */
	*(__u16 *)ip = bpf_htons(0x45c0);
	ip->tot_len = bpf_htons((__u16)(20 + 8 + qlen));
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = 64;
	ip->protocol = IPPROTO_ICMP;
	ip->check = 0;
	ip->saddr = from;
	ip->daddr = to;
	ip->check = ipv4_hdr_csum(ip);
	ic->type = v4type;
	ic->code = v4code;
	ic->checksum = 0;
	ic->un.frag.__unused = 0;
	ic->un.frag.mtu = bpf_htons(mtu4);
	csum = br_xdp_csum(ctx, BR_ERR4_ICMP, 8 + qlen, 0);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ic = data + BR_ERR4_ICMP;
	if (csum < 0 || (void *)(ic + 1) > data_end)
		return XDP_DROP;
	ic->checksum = ~(__u16)csum;
	*reason = MAPCE_R_ICMP6_ERR_TRANSLATED;
	return XDP_PASS;
}

#endif
