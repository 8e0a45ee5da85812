/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * encap.h - IPv4-in-IPv6 (RFC 2473, next header 4): encapsulation on TC,
 * decapsulation on XDP, and the RFC 2473 Tunnel Encapsulation Limit
 * option, written on request at the entry and accepted at the exit.  The
 * CE adds no such option by default: Japanese BRs reject it.
 */
#ifndef MAPCE_BPF_LIB_ENCAP_H
#define MAPCE_BPF_LIB_ENCAP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"
#include "ctx.h"
#include "mapce_abi.h"
#include "parse.h"

/* Build the outer header: version 6, traffic class tclass (the inner TOS:
 * DSCP copied, ECN copied as RFC 6040 normal mode does), flow label 0. */
static __always_inline void ipv6_outer_fill(struct ipv6hdr *h, const __u8 *src, const __u8 *dst,
					    __u8 tclass, __u8 hop_limit, __u16 payload_len)
{
	*(__be32 *)h = bpf_htonl(0x60000000 | ((__u32)tclass << 20));
	h->payload_len = bpf_htons(payload_len);
	h->nexthdr = IPPROTO_IPIP;
	h->hop_limit = hop_limit;
	ipv6_copy(&h->saddr, src);
	ipv6_copy(&h->daddr, dst);
}

/* RFC 2473 §4.1.1 Tunnel Encapsulation Limit in a destination options
 * header: 8 bytes, [next header, length 0, type 4, length 1, limit, PadN]. */
struct encap_limit_opt {
	__u8 nexthdr;
	__u8 hdrlen;
	__u8 type;
	__u8 len;
	__u8 limit;
	__u8 pad_type; /* PadN */
	__u8 pad_len;
	__u8 pad;
};
_Static_assert(sizeof(struct encap_limit_opt) == DESTOPT_LEN, "encapsulation limit option");

/*
 * TC: insert an outer IPv6 header between Ethernet and the IPv4 packet.
 * FIXED_GSO keeps gso_size (the route MTU already leaves room for 40
 * bytes); ENCAP_L3_IPV6 marks the skb as IPXIP6 so GSO segments and
 * checksum offload still work, and switches skb->protocol to IPv6.
 * The header (and the option) are then written in place: adjust_room
 * pushed them into the linear area of an skb it made writable, and no
 * checksum covers them (bpf_skb_store_bytes cost two helper calls a
 * packet for the same bytes).  The skb keeps the inner flow's hash, as
 * the kernel's own tunnels keep an L4 one (iptunnel_xmit): queues and
 * CPUs after this spread the tunnel's flows by it, where the outer
 * header, the same for all of them, could not.  Invalidates all packet
 * pointers.  Returns 0 or a negative error.
 */
static __always_inline int tc_encap_ipv6(struct __sk_buff *skb, const __u8 *src, const __u8 *dst,
					 __u8 tclass, __u8 hop_limit, __u16 payload_len,
					 __u8 encap_limit)
{
	__u32 room = IPV6_HLEN + (encap_limit ? DESTOPT_LEN : 0);
	struct encap_limit_opt *opt;
	struct ipv6hdr *h;
	struct ethhdr *eth;
	void *data, *data_end;

	if (bpf_skb_adjust_room(skb, room, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6))
		return -1;
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	eth = data;
	h = data + ETH_HLEN;
	opt = (void *)(h + 1);
	/* Verifier-sensitive: the option's bytes are checked even when none
	 * is written; an IPv4 header follows anyway, longer than 8 bytes. */
	if ((void *)(opt + 1) > data_end)
		return -1;
	ipv6_outer_fill(h, src, dst, tclass, hop_limit, payload_len + room - IPV6_HLEN);
	if (encap_limit) {
		h->nexthdr = NEXTHDR_DEST;
		*opt = (struct encap_limit_opt){
			.nexthdr = IPPROTO_IPIP,
			.type = IPV6_TLV_TNL_ENCAP_LIMIT,
			.len = 1,
			.limit = encap_limit,
			.pad_type = IPV6_TLV_PADN,
			.pad_len = 1,
		};
	}
	eth->h_proto = bpf_htons(ETH_P_IPV6);
	return 0;
}

/*
 * XDP: turn Ethernet | IPv6 | IPv4 into Ethernet | IPv4, where hlen is the
 * IPv6 part: IPV6_HLEN, or IPV6_HLEN + DESTOPT_LEN behind the
 * encapsulation limit option.  The MAC addresses move forward over it,
 * then the head shrinks by hlen.  Invalidates all packet pointers.
 * Returns 0 or negative.
 */
static __always_inline int xdp_decap_ipv6(struct xdp_md *ctx, __u32 hlen)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ethhdr *neweth = data + hlen;

	/* Verifier-sensitive: a known small range for the offset. */
	if (hlen > IPV6_HLEN + DESTOPT_LEN || (void *)(neweth + 1) > data_end)
		return -1;
	/* No overlap: old MACs are bytes 0..11, the new header 40.. or 48.. */
	__builtin_memcpy(neweth->h_dest, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(neweth->h_source, eth->h_source, ETH_ALEN);
	neweth->h_proto = bpf_htons(ETH_P_IP);
	return bpf_xdp_adjust_head(ctx, hlen);
}

/* Results of destopt_check */
enum {
	DESTOPT_IPIP = 0,    /* 8-byte header, next header 4, options known */
	DESTOPT_OTHER = 1,   /* not IPv4 after it: not a tunnel packet */
	DESTOPT_TRUNC = -1,  /* shorter than 8 bytes */
	DESTOPT_UNSUPP = -2, /* longer, or an option we don't know */
};

/*
 * Is the destination options header b (its 8 bytes copied to the stack)
 * one mapce accepts: length 0 (8 bytes), holding only Pad1, PadN and the
 * encapsulation limit option?  At a tunnel exit the limit itself means
 * nothing (RFC 2473 §4.1.1 is for entry points).
 */
static __always_inline int destopt_known(const __u8 *b)
{
	__u32 i = 2;

	if (b[1] != 0)
		return 0;
	/* At most 6 option bytes and every step consumes at least one: a
	 * bounded loop (the verifier walks it); "& 7" keeps reads in b. */
	for (int n = 0; n < DESTOPT_LEN - 2 && i < DESTOPT_LEN; n++) {
		__u8 type = b[i & 7], len;

		if (type == IPV6_TLV_PAD1) {
			i++;
			continue;
		}
		if (i + 1 >= DESTOPT_LEN)
			return 0;
		len = b[(i + 1) & 7];
		if (type == IPV6_TLV_TNL_ENCAP_LIMIT && len != 1)
			return 0;
		if (type != IPV6_TLV_PADN && type != IPV6_TLV_TNL_ENCAP_LIMIT)
			return 0;
		i += 2 + len;
	}
	return i == DESTOPT_LEN;
}

/*
 * Check the destination options header at opt (just after the IPv6
 * header) of a tunnel packet, as a Linux ip6tnl entry point sends unless
 * told "encaplimit none": 8 bytes, next header 4, options destopt_known
 * accepts.  Every read is bounds-checked against data_end.
 */
static __always_inline int destopt_check(__u8 *opt, void *data_end)
{
	__u8 b[DESTOPT_LEN];

	if ((void *)(opt + DESTOPT_LEN) > data_end)
		return DESTOPT_TRUNC;
	__builtin_memcpy(b, opt, DESTOPT_LEN); /* parse a stack copy */
	if (b[0] != IPPROTO_IPIP)
		return DESTOPT_OTHER;
	return destopt_known(b) ? DESTOPT_IPIP : DESTOPT_UNSUPP;
}

/*
 * The length of the IPv6 part of a tunnel packet (IPv6 header ip6, then
 * maybe the destination options header of the encapsulation limit), the
 * IPv4 packet behind it: IPV6_HLEN or IPV6_HLEN + DESTOPT_LEN, the same
 * packet either way.  0: not a tunnel packet (the caller passes it);
 * negative: a tunnel packet behind options we do not know, dropped under
 * *reason (unsupported: the side's reason for those).  The CE and the BR.
 */
static __always_inline int tunnel_hlen(struct ipv6hdr *ip6, void *data_end, __u32 unsupported,
				       __u32 *reason)
{
	int rc;

	if (ip6->nexthdr == IPPROTO_IPIP)
		return IPV6_HLEN;
	if (ip6->nexthdr != NEXTHDR_DEST)
		return 0;
	rc = destopt_check((void *)(ip6 + 1), data_end);
	if (rc == DESTOPT_IPIP)
		return IPV6_HLEN + DESTOPT_LEN;
	if (rc == DESTOPT_OTHER)
		return 0;
	*reason = rc == DESTOPT_TRUNC ? MAPCE_R_DROP_MALFORMED : unsupported;
	return -1;
}

#endif
