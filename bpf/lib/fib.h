/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fib.h - the MACs of the IPv6 next hop toward an outer destination, for
 * a frame TC has just encapsulated.  The kernel filled in the MACs of the
 * route the inner IPv4 packet took (the CE: its default route via the
 * next hop toward the BR; the BR: each rule prefix via the next hop toward
 * the rule's IPv6 prefix), which need not be the next hop toward this
 * packet's outer destination (an FMR CE, a CE behind another router).
 */
#ifndef MAPCE_BPF_LIB_FIB_H
#define MAPCE_BPF_LIB_FIB_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "consts.h"
#include "parse.h"

/*
 * The FIB's IPv6 next hop from src to dst on ifindex (the skb's, read
 * once by the caller: the verifier refuses a ctx pointer the compiler
 * offset and kept across the helper call).  Resolved on this same
 * device: its MACs written into the frame, true.  Anything else (no
 * neighbour entry yet: NO_NEIGH; IPv6 forwarding off on the device:
 * FWD_DISABLED, `mapce br up` warns; another device; no route): the
 * frame untouched, false.
 */
static __always_inline bool fib_store_macs(struct __sk_buff *skb, __u32 ifindex, const void *src,
					   const void *dst)
{
	struct bpf_fib_lookup fib = {};
	long rc;

	fib.family = AF_INET6;
	fib.ifindex = ifindex;
	ipv6_copy(fib.ipv6_src, src);
	ipv6_copy(fib.ipv6_dst, dst);
	/* tot_len 0: the helper checks the skb itself against the MTU */
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || fib.ifindex != ifindex)
		return false;
	/* dmac then smac: the first 12 bytes of the frame */
	bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_dest), fib.dmac, ETH_ALEN, 0);
	bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_source), fib.smac, ETH_ALEN, 0);
	return true;
}

/* Point the frame at the IPv6 next hop from src to dst; anything but a
 * resolved next hop on this device keeps the kernel's choice. */
static __always_inline void fib_set_macs(struct __sk_buff *skb, const void *src, const void *dst)
{
	fib_store_macs(skb, skb->ifindex, src, dst);
}

/*
 * The BR's variant.  A frame whose destination MAC is MAPCE_BR_ONLINK_MAC
 * took a rule route via the on-link placeholder (mapce_abi.h): the CEs
 * are on this link and the kernel chose no real next hop.  Its next hop
 * then: resolved on this device, its MACs (TC_ACT_OK); else
 * bpf_redirect_neigh() with no parameters: the kernel routes the (now
 * IPv6) packet itself and resolves the neighbour, queueing the packet
 * meanwhile (TC_ACT_REDIRECT; no route is a drop).  Every other frame:
 * fib_set_macs(), TC_ACT_OK.
 */
static __always_inline int fib_macs_or_neigh(struct __sk_buff *skb, const void *src,
					     const void *dst)
{
	static const __u8 onlink[ETH_ALEN] = MAPCE_BR_ONLINK_MAC;
	__u32 ifindex = skb->ifindex;
	__u8 dmac[ETH_ALEN], diff = 0;

	if (bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_dest), dmac, ETH_ALEN))
		diff = 1;
		/* clang may emit a call to memcmp for __builtin_memcmp: BPF has none */
#pragma unroll
	for (int i = 0; i < ETH_ALEN; i++)
		diff |= dmac[i] ^ onlink[i];
	if (fib_store_macs(skb, ifindex, src, dst) || diff)
		return TC_ACT_OK;
	return (int)bpf_redirect_neigh(ifindex, NULL, 0, 0);
}

/*
 * XDP: the route the kernel's IPv4 forwarding would give a packet of
 * tot_len bytes from src to dst (TOS tos) that came in on ifindex: policy
 * rules, the route's MTU (FRAG_NEEDED above it), forwarding enabled on
 * ifindex (else FWD_DISABLED), local and broadcast destinations
 * (NOT_FWDED).  Returns the BPF_FIB_LKUP_RET_* code; fib->ifindex is the
 * device out, and on SUCCESS fib->dmac/smac are the next hop's MACs, an
 * IPv6 next hop's too (a route "via inet6": the kernel's ND entry).
 */
static __always_inline long fib_v4_forward(struct xdp_md *ctx, __u32 ifindex, __be32 src,
					   __be32 dst, __u8 tos, __u16 tot_len,
					   struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = AF_INET;
	fib->ifindex = ifindex;
	fib->ipv4_src = src;
	fib->ipv4_dst = dst;
	fib->tos = tos;
	fib->tot_len = tot_len;
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

#endif
