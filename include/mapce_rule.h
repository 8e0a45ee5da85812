/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mapce_rule.h - MAP-E rule math (RFC 7597 §5, §6), freestanding.
 *
 * Pure functions, shifts and masks only, no helpers and no libc: the same
 * code runs in the BPF programs (per packet, for FMR and BR address
 * derivation) and on the host (the CLI and the unit tests).  Validation of
 * user input, with messages, lives in user/rule_config.c; these functions
 * assume a rule that passed it.
 *
 * Notation (RFC 7597): r6 rule IPv6 prefix length, r4 rule IPv4 prefix
 * length, o EA-bits length, p = 32 - r4 IPv4 suffix bits, k PSID length,
 * a PSID offset, m = 16 - a - k contiguous port bits.
 */
#ifndef MAPCE_RULE_H
#define MAPCE_RULE_H

#include "mapce_abi.h"

#ifdef __bpf__
#define MAPCE_MATH static __always_inline
#else
#define MAPCE_MATH static inline __attribute__((unused))
#endif

/* PSID length k of a rule: explicit, or o - p (0 when the EA bits only
 * carry part of the IPv4 suffix, i.e. the CE gets an IPv4 prefix). */
MAPCE_MATH __u8 mapce_rule_psid_len(const struct mapce_rule *r)
{
	int p = 32 - r->ipv4_prefix_len;

	if (r->flags & MAPCE_RULE_F_EXPLICIT)
		return r->psid_len;
	return r->ea_len > p ? r->ea_len - p : 0;
}

/* ---------------------------------------------------------------- */
/* Port sets (GMA, RFC 7597 §5.1, Appendix B)                         */
/* ---------------------------------------------------------------- */

/* Number of contiguous ranges in a port set.  k = 0 is no sharing: one
 * range, every port but 0. */
MAPCE_MATH __u32 mapce_range_count(__u8 a, __u8 k)
{
	if (k == 0 || a == 0)
		return 1;
	return (1u << a) - 1; /* A = 1 .. 2^a - 1: A = 0 (system ports) excluded */
}

/* Ports per range: 2^m. */
MAPCE_MATH __u32 mapce_range_size(__u8 a, __u8 k)
{
	if (k == 0)
		return 65535;
	return 1u << (16 - a - k);
}

MAPCE_MATH __u32 mapce_port_count(__u8 a, __u8 k)
{
	return mapce_range_count(a, k) * mapce_range_size(a, k);
}

/* First port of range number i (0-based) of PSID psid. */
MAPCE_MATH __u16 mapce_range_first(__u8 a, __u8 k, __u16 psid, __u32 i)
{
	__u32 m = 16 - a - k;
	__u32 A = a ? i + 1 : 0;

	if (k == 0)
		return 1;
	return (__u16)(((a ? A << (16 - a) : 0) | ((__u32)psid << m)) & 0xffff);
}

/* The idx-th port (0-based, ascending) of the set; idx < port_count. */
MAPCE_MATH __u16 mapce_port_at(__u8 a, __u8 k, __u16 psid, __u32 idx)
{
	__u32 m = 16 - a - k;

	if (k == 0)
		return (__u16)(idx + 1);
	return mapce_range_first(a, k, psid, idx >> m) + (__u16)(idx & ((1u << m) - 1));
}

/* Is port (host order) in the set of PSID psid? */
MAPCE_MATH int mapce_port_in_set(__u8 a, __u8 k, __u16 psid, __u16 port)
{
	__u32 m = 16 - a - k;

	if (k == 0)
		return port != 0;
	if (a && (port >> (16 - a)) == 0)
		return 0;
	return ((port >> m) & ((1u << k) - 1)) == psid;
}

/* Index of port in the set (inverse of mapce_port_at); port must be in it. */
MAPCE_MATH __u32 mapce_port_index(__u8 a, __u8 k, __u16 port)
{
	__u32 m = 16 - a - k;
	__u32 A;

	if (k == 0)
		return (__u32)port - 1;
	A = a ? (__u32)port >> (16 - a) : 1;
	return ((A - 1) << m) | (port & ((1u << m) - 1));
}

/* The PSID that owns port under (a, k): what a BR needs. */
MAPCE_MATH __u16 mapce_port_psid(__u8 a, __u8 k, __u16 port)
{
	if (k == 0)
		return 0;
	return (port >> (16 - a - k)) & ((1u << k) - 1);
}

/* ---------------------------------------------------------------- */
/* Addresses                                                          */
/* ---------------------------------------------------------------- */

MAPCE_MATH __u64 mapce_load_be64(const __u8 *p)
{
	__u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

MAPCE_MATH void mapce_store_be64(__u8 *p, __u64 v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (__u8)v;
		v >>= 8;
	}
}

MAPCE_MATH __u32 mapce_ntohl(__be32 v)
{
	const __u8 *b = (const __u8 *)&v;

	return ((__u32)b[0] << 24) | ((__u32)b[1] << 16) | ((__u32)b[2] << 8) | b[3];
}

MAPCE_MATH __be32 mapce_htonl(__u32 v)
{
	__be32 r;
	__u8 *b = (__u8 *)&r;

	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
	return r;
}

/* The o EA bits of an End-user IPv6 prefix (the bits after r6), right-aligned.
 * r6 + o <= 64, so they always sit in the upper half of the address. */
MAPCE_MATH __u64 mapce_ea_bits(const struct mapce_rule *r, const __u8 prefix[16])
{
	__u64 hi = mapce_load_be64(prefix);
	__u32 o = r->ea_len, r6 = r->ipv6_prefix_len;

	if (o == 0)
		return 0;
	return (hi >> (64 - r6 - o)) & ((o == 64 ? 0 : (1ull << o)) - 1);
}

/* The low n bits set (n may be 32: a full mask, never a 32-bit shift). */
MAPCE_MATH __u32 mapce_mask32(__u32 n)
{
	return n >= 32 ? 0xffffffffu : (1u << n) - 1;
}

/* EA bits -> IPv4 address (or prefix base) and PSID under rule r. */
MAPCE_MATH void mapce_ea_split(const struct mapce_rule *r, __u64 ea, __be32 *ipv4, __u16 *psid)
{
	__u32 p = 32 - r->ipv4_prefix_len;
	__u32 o = r->ea_len, k = mapce_rule_psid_len(r);
	__u32 base = mapce_ntohl(r->ipv4_prefix), suffix;

	if (r->flags & MAPCE_RULE_F_EXPLICIT) {
		*ipv4 = r->ipv4_prefix;
		*psid = 0;
		return;
	}
	/* Validated rules have k <= 16 and p <= 32; the masks keep every
	 * shift defined whatever the input. */
	if (o >= p) {
		suffix = k < 64 ? (__u32)(ea >> k) & mapce_mask32(p) : 0;
		*psid = (__u16)(ea & mapce_mask32(k));
	} else {
		/* IPv4 prefix: low bits zero */
		suffix = p - o < 32 ? (__u32)ea << (p - o) : 0;
		*psid = 0;
	}
	*ipv4 = mapce_htonl(base | suffix);
}

/* IPv4 address + PSID -> EA bits under rule r (the inverse of ea_split). */
MAPCE_MATH __u64 mapce_ea_join(const struct mapce_rule *r, __be32 ipv4, __u16 psid)
{
	__u32 p = 32 - r->ipv4_prefix_len;
	__u32 o = r->ea_len, k = mapce_rule_psid_len(r);
	__u32 host = mapce_ntohl(ipv4);
	__u32 suffix = host & mapce_mask32(p);

	if (o >= p)
		return (k < 64 ? (__u64)suffix << k : 0) | (psid & mapce_mask32(k));
	return p - o < 32 ? suffix >> (p - o) : 0;
}

/* 64-bit interface identifier of a MAP address (RFC 7597 §6 or legacy
 * draft-ietf-softwire-map-03, which v6plus, OCN and BIGLOBE use). */
MAPCE_MATH __u64 mapce_iid(__be32 ipv4, __u16 psid, int legacy)
{
	__u64 v4 = mapce_ntohl(ipv4);

	if (legacy) /* 8 zero bits | IPv4 | PSID(16) | 8 zero bits */
		return (v4 << 24) | ((__u64)psid << 8);
	return (v4 << 16) | psid; /* 16 zero bits | IPv4 | PSID(16) */
}

/*
 * The MAP IPv6 address of the CE that owns (ipv4, psid) under rule r:
 * rule prefix | EA bits | subnet-id 0 up to /64 | interface identifier.
 * For an IPv4 prefix (o < p) pass ipv4 with the host bits zero.
 */
MAPCE_MATH void mapce_ce_address(const struct mapce_rule *r, __be32 ipv4, __u16 psid, int legacy,
				 __u8 out[16])
{
	__u64 hi = mapce_load_be64(r->ipv6_prefix);
	__u32 o = r->ea_len, r6 = r->ipv6_prefix_len;

	if (o && r6 + o <= 64) /* always, for a checked rule */
		hi |= mapce_ea_join(r, ipv4, psid) << (64 - r6 - o);
	mapce_store_be64(out, hi);
	mapce_store_be64(out + 8, mapce_iid(ipv4, psid, legacy));
}

/* The CE that owns (ipv4, port) under rule r: what a BR (or a CE with an
 * FMR) sends to.  port is host order; ICMP echo ids count as ports. */
MAPCE_MATH void mapce_ce_address_for_port(const struct mapce_rule *r, __be32 ipv4, __u16 port,
					  int legacy, __u8 out[16])
{
	__u8 k = mapce_rule_psid_len(r);

	mapce_ce_address(r, ipv4, mapce_port_psid(r->psid_offset, k, port), legacy, out);
}

/* Does the first plen bits of a match b? (IPv6, network order) */
MAPCE_MATH int mapce_ipv6_prefix_match(const __u8 a[16], const __u8 b[16], __u32 plen)
{
	__u64 ah = mapce_load_be64(a), bh = mapce_load_be64(b);
	__u64 al = mapce_load_be64(a + 8), bl = mapce_load_be64(b + 8);

	if (plen == 0)
		return 1;
	if (plen <= 64)
		return ((ah ^ bh) >> (64 - plen)) == 0;
	if (ah != bh)
		return 0;
	if (plen == 128)
		return al == bl;
	return ((al ^ bl) >> (128 - plen)) == 0;
}

#endif /* MAPCE_RULE_H */
