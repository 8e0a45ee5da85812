/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * skb_csum.h - TC: a transport checksum updated in place, without the
 * bpf_l4_csum_replace helper, when the skb's checksum state allows.
 *
 * What the helper does depends on skb->ip_summed, which struct __sk_buff
 * does not show; the kernel's own view of the context does
 * (bpf_cast_to_kern_ctx, a kfunc the verifier turns into a register move):
 *   CHECKSUM_NONE / UNNECESSARY  the field holds the full checksum:
 *                 RFC 1624 updates for every changed word (csum.h);
 *   CHECKSUM_PARTIAL  the field holds the pseudo header's sum only (the
 *                 device or skb_checksum_help completes it): only
 *                 pseudo-header words change it, with the sense of the
 *                 sum, not of a checksum (inet_proto_csum_replace4);
 *   CHECKSUM_COMPLETE  skb->csum must follow a pseudo-header change too,
 *                 and the program cannot write it: left to the helper.
 * UDP's zero (no checksum) stays zero and a computed zero is sent as
 * 0xffff, as the helper's BPF_F_MARK_MANGLED_0 does.
 */
#ifndef MAPCE_BPF_LIB_SKB_CSUM_H
#define MAPCE_BPF_LIB_SKB_CSUM_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "csum.h"

/* include/linux/skbuff.h (macros, not in BTF) */
#define SKB_CHECKSUM_COMPLETE 2
#define SKB_CHECKSUM_PARTIAL 3

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* The skb's ip_summed (SKB_CHECKSUM_* or none/unnecessary). */
static __always_inline __u8 skb_ip_summed(struct __sk_buff *ctx)
{
	struct sk_buff *skb = bpf_cast_to_kern_ctx(ctx);

	return (__u8)BPF_CORE_READ_BITFIELD(skb, ip_summed);
}

/* A 32-bit word of the pseudo header changed from -> to, for a field that
 * holds a (non-complemented) sum: CHECKSUM_PARTIAL's. */
static __always_inline void csum_sum_replace4(__sum16 *sum, __be32 from, __be32 to)
{
	__u32 s = (__u16)*sum;

	s += (__u16) ~(from & 0xffff);
	s += (__u16) ~(from >> 16);
	s += to & 0xffff;
	s += to >> 16;
	*sum = csum_fold(s);
}

/*
 * The transport checksum field sum (checked against the packet by the
 * caller) after the source endpoint changed: address from_ip -> to_ip
 * (in the pseudo header unless pseudo is 0: ICMP) and port (or echo id)
 * from_port -> to_port.  udp: the zero rule.  Returns 0 when done, 1 when
 * the skb is CHECKSUM_COMPLETE (the caller uses bpf_l4_csum_replace).
 */
static __always_inline int skb_l4_csum_src(__u8 summed, __sum16 *sum, int udp, int pseudo,
					   __be32 from_ip, __be32 to_ip, __be16 from_port,
					   __be16 to_port)
{
	if (summed == SKB_CHECKSUM_COMPLETE)
		return 1;
	if (udp && *sum == 0)
		return 0;
	if (summed == SKB_CHECKSUM_PARTIAL) {
		if (pseudo)
			csum_sum_replace4(sum, from_ip, to_ip);
	} else {
		if (pseudo)
			csum_replace4(sum, from_ip, to_ip);
		csum_replace2(sum, from_port, to_port);
	}
	if (udp && *sum == 0)
		*sum = 0xffff;
	return 0;
}

#endif
