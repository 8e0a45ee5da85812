/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * csum.h - incremental Internet checksum updates for XDP (RFC 1624),
 * where the TC csum helpers don't exist.  XDP sees frames as they came off
 * the wire, so checksums are complete (never CHECKSUM_PARTIAL).
 * Values are used as raw 16-bit words: one's-complement sums are
 * byte-order independent.
 */
#ifndef MAPCE_BPF_CSUM_H
#define MAPCE_BPF_CSUM_H

#include "vmlinux.h"

static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* HC' = ~(~HC + ~m + m')  (RFC 1624 eqn. 3) for a 16-bit field */
static __always_inline void csum_replace2(__sum16 *sum, __be16 from, __be16 to)
{
	__u32 s = (__u16)~*sum;

	s += (__u16)~from;
	s += (__u16)to;
	*sum = ~csum_fold(s);
}

/* ... and for a 32-bit field */
static __always_inline void csum_replace4(__sum16 *sum, __be32 from, __be32 to)
{
	__u32 s = (__u16)~*sum;

	s += (__u16)~(from & 0xffff);
	s += (__u16)~(from >> 16);
	s += to & 0xffff;
	s += to >> 16;
	*sum = ~csum_fold(s);
}

/* UDP: checksum 0 means "none" and stays 0; a computed 0 is sent as 0xffff. */
static __always_inline void udp_csum_replace4(__sum16 *sum, __be32 from, __be32 to)
{
	if (*sum == 0)
		return;
	csum_replace4(sum, from, to);
	if (*sum == 0)
		*sum = 0xffff;
}

static __always_inline void udp_csum_replace2(__sum16 *sum, __be16 from, __be16 to)
{
	if (*sum == 0)
		return;
	csum_replace2(sum, from, to);
	if (*sum == 0)
		*sum = 0xffff;
}

/* Full checksum of an IPv4 header we built (20 bytes, no options). */
static __always_inline __u16 ipv4_hdr_csum(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 s = 0;

#pragma unroll
	for (int i = 0; i < 10; i++)
		s += w[i];
	return ~csum_fold(s);
}

#endif
