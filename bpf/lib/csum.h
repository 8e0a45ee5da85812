/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * csum.h - the Internet checksum (RFC 1071) in the BPF programs:
 *
 *   csum_words   sum of a short buffer the verifier already knows is
 *                readable (a stack buffer, a packet range checked by the
 *                caller): IPv4 headers, replies built on the stack;
 *   csum_xdp     sum of an XDP packet range of any length up to
 *                CSUM_XDP_MAX, a global function (see there);
 *   csum_fold, csum_fold64   a partial sum to 16 bits;
 *   csum_change2/4, csum_apply, csum_replace2/4, udp_csum_apply   incremental
 *                updates (RFC 1624) for XDP, where
 *                the TC csum helpers don't exist.  Frames off a wire carry
 *                complete checksums; a veth or tap peer with tx checksum
 *                offload hands over CHECKSUM_PARTIAL ones, which XDP cannot
 *                tell from the skb (csum_pseudo_only looks at the field);
 *   csum_pseudo_only   does a TCP/UDP checksum field hold only the
 *                pseudo-header's sum (CHECKSUM_PARTIAL)?
 *
 * Values are used as raw 16-bit words: one's-complement sums are
 * byte-order independent.
 */
#ifndef MAPCE_BPF_LIB_CSUM_H
#define MAPCE_BPF_LIB_CSUM_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"

/* Fold a 32-bit partial sum to 16 bits (not complemented). */
static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* Fold a 64-bit partial sum to 16 bits (not complemented). */
static __always_inline __u16 csum_fold64(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return csum_fold((__u32)s);
}

/*
 * Does check, the TCP or UDP checksum field of an IPv4 packet from saddr to
 * daddr with l4_len bytes of transport header and payload, hold only the
 * pseudo-header's sum?  That is what a sender with tx checksum offload
 * leaves there for the device to finish (CHECKSUM_PARTIAL: Linux's
 * ~csum_tcpudp_magic(saddr, daddr, len, proto, 0)); XDP on a veth or tap
 * gets such frames without the skb that says so.  A complete checksum
 * equals it by chance once in 65536 packets (the caller then takes its
 * slower, always right way); a UDP checksum of 0 never does.
 */
static __always_inline int csum_pseudo_only(__sum16 check, __be32 saddr, __be32 daddr, __u8 proto,
					    __u16 l4_len)
{
	__u64 s = (__u64)saddr + daddr + bpf_htons((__u16)proto) + bpf_htons(l4_len);

	return check == csum_fold64(s);
}

/*
 * Partial sum of len bytes at p: len even, at most CSUM_WORDS_MAX, and p
 * readable for len bytes as far as the verifier knows.  Unrolled: with a
 * constant len it is that many adds; with a variable one the verifier
 * prunes the steps its known bound on len excludes.
 */
static __always_inline __u32 csum_words(const void *p, __u32 len)
{
	const __u16 *w = p;
	__u32 s = 0;

#pragma unroll
	for (int i = 0; i < CSUM_WORDS_MAX / 2; i++)
		if ((__u32)i < len / 2)
			s += w[i];
	return s;
}

/* The checksum field value of an IPv4 header of hlen bytes whose own
 * checksum field is 0. */
static __always_inline __u16 ipv4_hdr_csum(const void *iph, __u32 hlen)
{
	return ~csum_fold(csum_words(iph, hlen));
}

/*
 * One's-complement sum of len bytes at data + off of the XDP frame, plus
 * seed (a 16-bit partial sum), folded to 16 bits in raw byte order (the
 * way checksum fields are stored); -1 when the range is not inside the
 * frame or longer than CSUM_XDP_MAX.  A trailing odd byte is padded with
 * zero (RFC 1071).
 * Verifier-sensitive: a global function (not static, not inlined), so the
 * verifier checks it once, on its own, and its callers see one unknown
 * scalar.  Inlined, each possible exit of the length-bounded loop walked
 * the whole rest of the XDP program (over the 1M instruction limit).  A
 * call may change the packet: callers reload their packet pointers.
 * Loads are unaligned 32-bit words: fine where XDP runs natively (x86,
 * arm64: efficient unaligned access); the tail assumes little-endian.
 * Global, so defined once per object: each object is one .bpf.c.
 */
__noinline int csum_xdp(struct xdp_md *ctx, __u32 off, __u32 len, __u32 seed)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 s = seed & 0xffff;
	__u32 i;
	__u8 *b;

	if (off > 128 || len > CSUM_XDP_MAX)
		return -1;
	for (i = 0; i < CSUM_XDP_MAX / 4; i++) {
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
	return csum_fold64(s);
}

/*
 * XDP: does the IPv4 header iph at data + off verify (its checksum field
 * included, the sum is 0xffff)?  The caller has checked its first 20
 * bytes against data_end.  The established path of the CE's ingress runs
 * this on every packet: five loads and adds for a header without options;
 * one with options (rare) goes through csum_xdp, after which the caller
 * reloads its packet pointers.
 */
static __always_inline int xdp_ipv4_csum_ok(struct xdp_md *ctx, const struct iphdr *iph, __u32 off)
{
	const __u32 *w = (const __u32 *)iph;

	if (iph->ihl == 5)
		return csum_fold64((__u64)w[0] + w[1] + w[2] + w[3] + w[4]) == 0xffff;
	return csum_xdp(ctx, off, iph->ihl * 4, 0) == 0xffff;
}

/* TC: does the IPv4 header of hlen bytes (20..60) at off of skb verify?
 * Read into hdr (IPV4_HLEN_MAX bytes), which keeps the header. */
static __always_inline int skb_ipv4_csum_ok(struct __sk_buff *skb, __u32 off, __u32 hlen, __u8 *hdr)
{
	/* Verifier-sensitive: restate the bounds of hlen. */
	if (hlen < IPV4_HLEN || hlen > IPV4_HLEN_MAX || bpf_skb_load_bytes(skb, off, hdr, hlen))
		return 0;
	return csum_fold(csum_words(hdr, hlen)) == 0xffff;
}

/*
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), in two halves: the change of a
 * field (~m + m', unfolded: the changes of a few fields add up, at most
 * eight 16-bit words' worth) and its application to a checksum.  A field
 * covered by two checksums (an address: the IPv4 header's and the
 * pseudo-header's) has its change computed once and applied to both.
 */
static __always_inline __u32 csum_change2(__be16 from, __be16 to)
{
	return (__u32)(__u16)~from + (__u16)to;
}

static __always_inline __u32 csum_change4(__be32 from, __be32 to)
{
	return (__u32)(__u16) ~(from & 0xffff) + (__u16) ~(from >> 16) + (to & 0xffff) + (to >> 16);
}

static __always_inline void csum_apply(__sum16 *sum, __u32 change)
{
	*sum = ~csum_fold((__u32)(__u16) ~*sum + change);
}

/* UDP: checksum 0 means "none" and stays 0; a computed 0 is sent as 0xffff. */
static __always_inline void udp_csum_apply(__sum16 *sum, __u32 change)
{
	if (*sum == 0)
		return;
	csum_apply(sum, change);
	if (*sum == 0)
		*sum = 0xffff;
}

/* One 16-bit field */
static __always_inline void csum_replace2(__sum16 *sum, __be16 from, __be16 to)
{
	csum_apply(sum, csum_change2(from, to));
}

/* ... and one 32-bit field */
static __always_inline void csum_replace4(__sum16 *sum, __be32 from, __be32 to)
{
	csum_apply(sum, csum_change4(from, to));
}

#endif
