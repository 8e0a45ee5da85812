/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * encap.h - IPv4-in-IPv6 (RFC 2473, next header 4) encapsulation on TC
 * egress and decapsulation on XDP ingress.  No encapsulation-limit option:
 * Japanese BRs reject it (REFERENCE §3).
 */
#ifndef MAPCE_BPF_ENCAP_H
#define MAPCE_BPF_ENCAP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"

#define IPV6_HLEN 40

/* Build the outer header: version 6, traffic class tclass (the inner TOS:
 * DSCP copied, ECN copied as RFC 6040 normal mode does), flow label 0. */
static __always_inline void ipv6_outer_fill(struct ipv6hdr *h, const __u8 *src, const __u8 *dst,
					    __u8 tclass, __u8 hop_limit, __u16 payload_len)
{
	*(__be32 *)h = bpf_htonl(0x60000000 | ((__u32)tclass << 20));
	h->payload_len = bpf_htons(payload_len);
	h->nexthdr = IPPROTO_IPIP;
	h->hop_limit = hop_limit;
	__builtin_memcpy(&h->saddr, src, 16);
	__builtin_memcpy(&h->daddr, dst, 16);
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

#define NEXTHDR_DEST 60

/*
 * TC: insert an outer IPv6 header between Ethernet and the IPv4 packet.
 * FIXED_GSO keeps gso_size (the route MTU already leaves room for 40
 * bytes); ENCAP_L3_IPV6 marks the skb as IPXIP6 so GSO segments and
 * checksum offload still work, and switches skb->protocol to IPv6.
 * Invalidates all packet pointers.  Returns 0 or a negative error.
 */
static __always_inline int tc_encap_ipv6(struct __sk_buff *skb, const __u8 *src, const __u8 *dst,
					 __u8 tclass, __u8 hop_limit, __u16 payload_len,
					 __u8 encap_limit)
{
	struct encap_limit_opt opt = {
		.nexthdr = IPPROTO_IPIP, .type = 4, .len = 1, .limit = encap_limit,
		.pad_type = 1, .pad_len = 1,
	};
	__u32 room = IPV6_HLEN + (encap_limit ? sizeof(opt) : 0);
	struct ipv6hdr h;
	__be16 proto = bpf_htons(ETH_P_IPV6);

	ipv6_outer_fill(&h, src, dst, tclass, hop_limit,
			payload_len + (encap_limit ? sizeof(opt) : 0));
	if (encap_limit)
		h.nexthdr = NEXTHDR_DEST;
	if (bpf_skb_adjust_room(skb, room, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6))
		return -1;
	if (bpf_skb_store_bytes(skb, ETH_HLEN, &h, sizeof(h), BPF_F_INVALIDATE_HASH))
		return -1;
	if (encap_limit &&
	    bpf_skb_store_bytes(skb, ETH_HLEN + IPV6_HLEN, &opt, sizeof(opt), 0))
		return -1;
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0))
		return -1;
	return 0;
}

/*
 * XDP: turn Ethernet + IPv6 + IPv4 into Ethernet + IPv4.  The MAC
 * addresses move forward over the IPv6 header, then the head shrinks by
 * 40 bytes.  Invalidates all packet pointers.  Returns 0 or negative.
 */
static __always_inline int xdp_decap_ipv6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ethhdr *neweth = data + IPV6_HLEN;

	if ((void *)(neweth + 1) > data_end)
		return -1;
	/* No overlap: old MACs are bytes 0..11, the new header 40..53. */
	__builtin_memcpy(neweth->h_dest, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(neweth->h_source, eth->h_source, ETH_ALEN);
	neweth->h_proto = bpf_htons(ETH_P_IP);
	return bpf_xdp_adjust_head(ctx, IPV6_HLEN);
}

#endif
