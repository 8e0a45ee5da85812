/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * icmp6_err.h - an ICMPv6 error about a tunnel packet we sent becomes an
 * ICMPv4 error to the IPv4 host behind it (RFC 2473 §8.3, RFC 7597 §8.3;
 * what Linux ip6_tunnel's ip4ip6_err does), on the CE and the BR alike:
 *
 *   Packet Too Big (MTU)    -> Destination Unreachable, Fragmentation
 *                              Needed, next-hop MTU = max(MTU, 1280) - 40
 *   Destination Unreachable,
 *   Time Exceeded,
 *   Parameter Problem       -> Destination Unreachable, Host Unreachable
 *
 * Without this a path MTU below the link MTU anywhere on the IPv6 path
 * black-holes every big packet: the IPv4 sender never learns that its
 * packets do not fit once 40 bytes of IPv6 are added.
 *
 * The error comes to our tunnel address (the CE's MAP address, the BR
 * address) and quotes our packet: IPv6 from that address, next header 4
 * (or the encapsulation limit option, lib/encap.h, then 4: a CE with
 * --encap-limit sends it), and the IPv4 packet inside.  icmp6_err_to_icmp4 takes it in steps:
 *   1. the type is an error (informational messages, echo, ND: the
 *      kernel's);
 *   2. the quote is a tunnel packet from us (else the kernel's business,
 *      e.g. an error about the box's own IPv6 traffic);
 *   3. the ICMPv6 checksum is right: we act on the error before the kernel
 *      sees it, so we check what the kernel would check before it believes
 *      an error (a forged one could otherwise lower a path MTU);
 *   4. the quoted IPv4 headers parse;
 *   5. the side's own lookup, icmp6_err_lookup (below), says whose packet
 *      it was and where the ICMPv4 error goes;
 *   6. the frame is rewritten in place into
 *        Ethernet (MACs kept) | IPv4 | ICMPv4 | quoted IPv4 header + 8 bytes
 *      and handed to the kernel (XDP_PASS), which routes it.
 * Steps 1 and 2 pass what is not ours untouched (PASS_NATIVE); from step 3
 * on the error is ours: translated (ICMP6_ERR_TRANSLATED) or dropped under
 * the reason that says why, never passed.
 */
#ifndef MAPCE_BPF_LIB_ICMP6_ERR_H
#define MAPCE_BPF_LIB_ICMP6_ERR_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "consts.h"
#include "csum.h"
#include "encap.h"
#include "ipv4.h"
#include "parse.h"

/* An ICMPv6 error on its way to becoming an ICMPv4 error. */
struct icmp6_xlat {
	struct v4_info q; /* the quoted IPv4 packet, offsets from data */
	int rc;		  /* parse_ipv4_len's result for it: never PARSE_MALFORMED */
	__u8 type, code;  /* the ICMPv4 error */
	__u16 mtu;	  /* its next-hop MTU (ICMP_FRAG_NEEDED), else 0 */
	/* set by icmp6_err_lookup: */
	__be32 saddr, daddr; /* the ICMPv4 error's addresses */
	__u8 tos;	     /* and TOS */
};

/*
 * Step 5, each side's own: defined by the program that includes this
 * header (the CE: ce/icmp6_err.h, the BR: br/icmp6.h).  Given the parsed
 * quote (e->q, e->rc) and the quoted IPv6 header q6, both inside [data,
 * data_end), decide whether the error is about a packet this side sent,
 * and set e->saddr, e->daddr and e->tos; it may rewrite the quote in place
 * and act on the error.  Returns 0 to translate, else the reason to drop.
 */
static __always_inline __u32 icmp6_err_lookup(const struct mapce_config *cfg, void *data,
					      void *data_end, const struct ipv6hdr *q6,
					      struct icmp6_xlat *e);

/* Step 1: the ICMPv4 error for ICMPv6 message ic6 into e; 0 when ic6 is
 * not an error. */
static __always_inline int icmp6_err_classify(const struct icmp6hdr *ic6, struct icmp6_xlat *e)
{
	__u32 mtu;

	e->type = ICMP_DEST_UNREACH;
	switch (ic6->icmp6_type) {
	case ICMPV6_PKT_TOOBIG:
		mtu = bpf_ntohl(ic6->icmp6_dataun.un_data32[0]);
		/* RFC 8201 §4: never below the IPv6 minimum MTU */
		if (mtu < IPV6_MIN_MTU)
			mtu = IPV6_MIN_MTU;
		mtu -= IPV6_HLEN;
		e->mtu = mtu > 0xffff ? 0xffff : mtu;
		e->code = ICMP_FRAG_NEEDED;
		return 1;
	case ICMPV6_DEST_UNREACH:
	case ICMPV6_TIME_EXCEED:
	case ICMPV6_PARAMPROB:
		e->code = ICMP_HOST_UNREACH;
		return 1;
	}
	return 0;
}

/* Step 3: do the ICMPv6 message (plen bytes, all inside the frame) and
 * its pseudo header (RFC 8200 §8.1) sum to 0xffff?  May invalidate the
 * caller's packet pointers (csum_xdp). */
static __always_inline int icmp6_err_csum_ok(struct xdp_md *ctx, const struct ipv6hdr *ip6,
					     __u32 plen)
{
	const __u32 *s6 = (const __u32 *)&ip6->saddr, *d6 = (const __u32 *)&ip6->daddr;
	__u64 sum = 0;

	for (int i = 0; i < 4; i++)
		sum += (__u64)s6[i] + d6[i];
	sum += (__u64)bpf_htonl(plen) + bpf_htonl(NEXTHDR_ICMPV6);
	return csum_xdp(ctx, ERR6_ICMP, plen, csum_fold64(sum)) == 0xffff;
}

/* Step 6: rewrite the frame into the ICMPv4 error e describes.  0, or
 * negative when the frame cannot be reshaped. */
static __always_inline int icmp6_err_rewrite(struct xdp_md *ctx, const struct icmp6_xlat *e)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/* the quoted IPv4 header and 8 bytes: ihl * 4 + 8 */
	__u32 qlen = e->q.l4_off - e->q.l3_off + ICMP_QUOTE_L4, newlen;
	/* what goes before the quoted IPv4 header: ERR_SHIFT, and the
	 * encapsulation limit option when the quote has one */
	__u32 shift = e->q.l3_off - ERR4_Q4;
	__u8 macs[2 * ETH_ALEN];
	struct iphdr *ip;
	struct icmphdr *ic;
	long cur;
	int csum;

	/* Verifier-sensitive: restate the bounds of qlen (28..68). */
	if (qlen < IPV4_HLEN + ICMP_QUOTE_L4 || qlen > IPV4_HLEN_MAX + ICMP_QUOTE_L4 ||
	    (shift != ERR_SHIFT && shift != ERR_SHIFT + DESTOPT_LEN))
		return -1;
	if (data + sizeof(macs) > data_end)
		return -1;
	__builtin_memcpy(macs, data, sizeof(macs)); /* kept: dmac, smac */
	/* Drop the IPv6 + ICMPv6 + quoted IPv6 headers (keeping room for
	 * Ethernet + IPv4 + ICMPv4), then trim the quote. */
	if (bpf_xdp_adjust_head(ctx, shift))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	newlen = ERR4_Q4 + qlen;
	if (data + newlen > data_end)
		return -1;
	cur = data_end - data;
	/* Verifier-sensitive: without the barrier clang folds this into
	 * 32-bit arithmetic on the packet pointers, which is rejected. */
	asm volatile("" : "+r"(cur));
	if (bpf_xdp_adjust_tail(ctx, (int)newlen - (int)cur))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ip = data + ETH_HLEN;
	ic = data + ERR4_ICMP;
	if ((void *)(ic + 1) > data_end)
		return -1;
	__builtin_memcpy(data, macs, sizeof(macs));
	((struct ethhdr *)data)->h_proto = bpf_htons(ETH_P_IP);
	ipv4_hdr_fill(ip, e->tos, 0, IPPROTO_ICMP, IPV4_HLEN + ICMP_HLEN + qlen, e->saddr,
		      e->daddr);
	ic->type = e->type;
	ic->code = e->code;
	ic->checksum = 0;
	ic->un.frag.__unused = 0;
	ic->un.frag.mtu = bpf_htons(e->mtu);
	csum = csum_xdp(ctx, ERR4_ICMP, ICMP_HLEN + qlen, 0);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ic = data + ERR4_ICMP;
	if (csum < 0 || (void *)(ic + 1) > data_end)
		return -1;
	ic->checksum = ~(__u16)csum;
	return 0;
}

/* Step 2: is the quote q6 one of our tunnel packets?  The length of
 * what follows the quoted IPv6 header up to the quoted IPv4 one (0, or
 * the encapsulation limit option's 8), or -1. */
static __always_inline int icmp6_err_quote_ext(const struct ipv6hdr *q6, void *data_end,
					       const __u8 *our6)
{
	if ((*(__u8 *)q6 >> 4) != 6 || !ipv6_equal(&q6->saddr, our6))
		return -1;
	if (q6->nexthdr == IPPROTO_IPIP)
		return 0;
	if (q6->nexthdr == NEXTHDR_DEST &&
	    destopt_check((__u8 *)(q6 + 1), data_end) == DESTOPT_IPIP)
		return DESTOPT_LEN;
	return -1;
}

/*
 * An ICMPv6 message to our tunnel address our6 (the frame: Ethernet |
 * IPv6, next header 58, no extension headers).  Returns the XDP verdict
 * and sets *reason (see the top of this file).
 */
static __always_inline int icmp6_err_to_icmp4(struct xdp_md *ctx, const struct mapce_config *cfg,
					      const __u8 *our6, __u32 *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6 = data + ETH_HLEN;
	struct icmp6hdr *ic6 = data + ERR6_ICMP;
	struct ipv6hdr *q6 = data + ERR6_Q6;
	struct icmp6_xlat e = {};
	__u32 plen, res;
	int ext;

	*reason = MAPCE_R_PASS_NATIVE;
	if ((void *)(q6 + 1) > data_end)
		return XDP_PASS; /* too short to quote a packet: the kernel's */
	if (!icmp6_err_classify(ic6, &e))
		return XDP_PASS; /* informational (echo, ND, MLD) */
	/* About one of our tunnel packets: from our address, IPv4 inside? */
	ext = icmp6_err_quote_ext(q6, data_end, our6);
	if (ext < 0)
		return XDP_PASS;

	/* From here on it is ours: translate it or drop it. */
	*reason = MAPCE_R_DROP_MALFORMED;
	plen = bpf_ntohs(ip6->payload_len);
	if (data + ERR6_ICMP + plen > data_end ||
	    plen < ICMPV6_HLEN + IPV6_HLEN + (__u32)ext + IPV4_HLEN)
		return XDP_DROP;
	if (!icmp6_err_csum_ok(ctx, ip6, plen))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	q6 = data + ERR6_Q6;
	if ((void *)(q6 + 1) > data_end)
		return XDP_DROP;
	/* The quote is truncated: parse its headers, not its tot_len (a
	 * pkt_len that can hold any tot_len). */
	e.rc = parse_ipv4_len(data, data_end, ERR6_Q4 + ext + 0xffff, ERR6_Q4 + ext, &e.q);
	if (e.rc == PARSE_MALFORMED)
		return XDP_DROP;
	res = icmp6_err_lookup(cfg, data, data_end, q6, &e);
	if (res) {
		*reason = res;
		return XDP_DROP;
	}
	if (icmp6_err_rewrite(ctx, &e))
		return XDP_DROP;
	*reason = MAPCE_R_ICMP6_ERR_TRANSLATED;
	return XDP_PASS;
}

#endif
