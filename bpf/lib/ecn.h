/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ecn.h - ECN on decapsulation, RFC 6040 §4.2 (normal mode).  On
 * encapsulation the whole TOS byte is copied into the traffic class
 * (DSCP copied, ECN copied: RFC 6040 §4.1 normal mode), see encap.h.
 *
 *   outer \ inner   Not-ECT   ECT(0)   ECT(1)   CE
 *   Not-ECT         Not-ECT   ECT(0)   ECT(1)   CE
 *   ECT(0)          Not-ECT   ECT(0)   ECT(1)   CE
 *   ECT(1)          Not-ECT   ECT(1)   ECT(1)   CE
 *   CE              drop      CE       CE       CE
 */
#ifndef MAPCE_BPF_LIB_ECN_H
#define MAPCE_BPF_LIB_ECN_H

#include "vmlinux.h"
#include "consts.h"

/* The inner ECN field after decapsulation, or -1: drop. */
static __always_inline int ecn_decap(__u8 outer, __u8 inner)
{
	if (outer == ECN_CE)
		return inner == ECN_NOT_ECT ? -1 : ECN_CE;
	if (outer == ECN_ECT1 && inner == ECN_ECT0)
		return ECN_ECT1;
	return inner;
}

/* The traffic class of an IPv6 header (version | tclass | flow label). */
static __always_inline __u8 ipv6_tclass(const struct ipv6hdr *ip6)
{
	const __u8 *b = (const __u8 *)ip6;

	return (__u8)((b[0] & 0x0f) << 4 | b[1] >> 4);
}

#endif
