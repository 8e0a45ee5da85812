/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mss.h - TCP MSS clamping inside mapce's own programs (they run outside
 * netfilter, so an nftables "rt mtu" rule would not see the translated
 * flows).  SYNs in both directions leave with MSS <= the clamp (default:
 * tunnel MTU - 40 = 1420), checksums updated incrementally.
 */
#ifndef MAPCE_BPF_LIB_MSS_H
#define MAPCE_BPF_LIB_MSS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"
#include "ctx.h"
#include "csum.h"
#include "parse.h"

/* Offset from data of the MSS option's 2-byte value in the TCP header at
 * v->l4_off, or 0 when there is none. */
static __always_inline __u32 tcp_mss_value_off(void *data, void *data_end, const struct v4_info *v)
{
	__u32 off = v->l4_off + TCP_HLEN, end = v->l4_off + v->l4_hlen;

	/* Verifier-sensitive: TCP_OPT_WALK_MAX steps (consts.h: why so few). */
	for (int i = 0; i < TCP_OPT_WALK_MAX; i++) {
		__u8 *p;

		/* Keep the offset provably small for the verifier: the TCP
		 * header starts within 14 + 40 + 60 bytes of data. */
		if (off + 2 > end || off > 256)
			return 0;
		p = data + off;
		if ((void *)(p + 2) > data_end)
			return 0;
		if (p[0] == TCPOPT_EOL)
			return 0;
		if (p[0] == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (p[1] < 2)
			return 0; /* malformed option list: leave it */
		if (p[0] == TCPOPT_MSS && p[1] == TCPOLEN_MSS)
			return off + 4 <= end ? off + 2 : 0;
		off += p[1];
	}
	return 0;
}

/* The MSS value as the checksum sees it: a 16-bit value at an odd offset
 * within the TCP header straddles two checksum words, which is the same
 * as its byte-swapped value at an even offset. */
static __always_inline __be16 mss_csum_word(__be16 v, __u32 off_in_tcp)
{
	return (off_in_tcp & 1) ? (__be16)((v >> 8) | (v << 8)) : v;
}

/*
 * XDP: clamp the MSS of a SYN in place (full checksums).
 * Returns 1 when the option was lowered.
 */
static __always_inline int xdp_mss_clamp(void *data, void *data_end, const struct v4_info *v,
					 __u16 clamp)
{
	__u32 off;
	__be16 *mss, old, new;
	__sum16 *sum;

	if (!clamp || v->proto != IPPROTO_TCP || !(v->tcp_flags & TCP_FLAG_SYN))
		return 0;
	off = tcp_mss_value_off(data, data_end, v);
	if (!off || off > 256 || v->csum_off > 256)
		return 0;
	mss = data + off;
	sum = data + v->csum_off;
	if ((void *)(mss + 1) > data_end || (void *)(sum + 1) > data_end)
		return 0;
	if (bpf_ntohs(*mss) <= clamp)
		return 0;
	old = *mss;
	new = bpf_htons(clamp);
	csum_replace2(sum, mss_csum_word(old, off - v->l4_off),
		      mss_csum_word(new, off - v->l4_off));
	*mss = new;
	return 1;
}

/*
 * TC: the same through the csum helpers (CHECKSUM_PARTIAL safe).  Packet
 * pointers are invalid afterwards.  Returns 1 when lowered, <0 on error.
 */
static __always_inline int tc_mss_clamp(struct __sk_buff *skb, const struct v4_info *v, __u16 clamp)
{
	void *data = skb_data(skb);
	void *data_end = skb_data_end(skb);
	__be16 *mss, old, new;
	__u32 off;

	if (!clamp || v->proto != IPPROTO_TCP || !(v->tcp_flags & TCP_FLAG_SYN))
		return 0;
	off = tcp_mss_value_off(data, data_end, v);
	if (!off || off > 256)
		return 0;
	mss = data + off;
	if ((void *)(mss + 1) > data_end || bpf_ntohs(*mss) <= clamp)
		return 0;
	old = *mss;
	new = bpf_htons(clamp);
	if (bpf_l4_csum_replace(skb, v->csum_off, mss_csum_word(old, off - v->l4_off),
				mss_csum_word(new, off - v->l4_off), sizeof(new)))
		return -1;
	if (bpf_skb_store_bytes(skb, off, &new, sizeof(new), 0))
		return -1;
	return 1;
}

#endif
