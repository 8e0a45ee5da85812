/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ipv4.h - an IPv4 header written from scratch, for the packets mapce
 * makes itself: the CE's rejects and frag-needed replies (ce/reject.h) and
 * the ICMPv4 errors translated from ICMPv6 (lib/icmp6_err.h); the TTL
 * a router takes from what it forwards itself (the fast path, ipip6's
 * hairpin); and the id a translated packet leaves with.
 */
#ifndef MAPCE_BPF_LIB_IPV4_H
#define MAPCE_BPF_LIB_IPV4_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "consts.h"
#include "csum.h"

/* Version 4, no options, id 0, TTL 64, checksum computed.  ip may be a
 * stack buffer or packet memory checked for IPV4_HLEN bytes.  frag_off in
 * host order (IP_DF or 0). */
static __always_inline void ipv4_hdr_fill(struct iphdr *ip, __u8 tos, __u16 frag_off, __u8 proto,
					  __u16 tot_len, __be32 src, __be32 dst)
{
	*(__u16 *)ip = bpf_htons(0x4500 | tos);
	ip->tot_len = bpf_htons(tot_len);
	ip->id = 0;
	ip->frag_off = bpf_htons(frag_off);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->check = 0;
	ip->saddr = src;
	ip->daddr = dst;
	ip->check = ipv4_hdr_csum(ip, IPV4_HLEN);
}

/* One hop: TTL - 1, as a router forwards (RFC 1812 §5.3.1).  The change
 * to the header checksum (csum_apply) is the caller's to apply, maybe with
 * others: ~m + m' of the TTL/protocol word, which loses 0x0100 with the
 * TTL > 1 the caller checked, is 0xffff - 0x0100 whatever the word was.
 * ip: packet memory checked for IPV4_HLEN bytes. */
static __always_inline __u32 ipv4_ttl_dec_change(struct iphdr *ip)
{
	ip->ttl--;
	return bpf_htons(0xffff - 0x0100);
}

/* The id set to id; the change to the header checksum (csum_change2, 0
 * when it was id already) is the caller's to apply, as the TTL's above. */
static __always_inline __u32 ipv4_id_set_change(struct iphdr *ip, __be16 id)
{
	__be16 old = ip->id;

	if (id == old)
		return 0;
	ip->id = id;
	return csum_change2(old, id);
}

/* ... and the header checksum fixed (RFC 1624) */
static __always_inline void ipv4_ttl_dec(struct iphdr *ip)
{
	csum_apply(&ip->check, ipv4_ttl_dec_change(ip));
}

#endif
