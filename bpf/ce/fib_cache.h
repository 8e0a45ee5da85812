/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fib_cache.h - the fast path's FIB lookups, cached.  bpf_fib_lookup (a
 * route lookup, the devices, the neighbour table) is most of what the fast
 * path costs a packet; its successful answers are kept per CPU in
 * mapce_fib_cache (maps.h) for MAPCE_FIB_CACHE_NS and reused for packets
 * with the same key (device in, source, destination, TOS) that fit the
 * route's MTU.
 *
 * Staleness bound: a change of a route, a neighbour's MAC, a device or a
 * forwarding setting reaches the fast path at most MAPCE_FIB_CACHE_NS
 * (20 ms) plus two ticks of the coarse clock (lib/clock.h) after it is
 * made; until then packets of a cached key leave as the FIB said at the
 * lookup.  Only successes are kept: an unresolved neighbour, a local
 * destination, a refused or failed lookup is asked again for every packet,
 * as without the cache; so is a packet longer than the cached MTU.
 *
 * A flow keeps a copy of the entry that answered its packet (mapce_flow's
 * hop, with the entry's expiry: the bound is the same), asked before the
 * cache: an established flow's packet skips the slot's hash and lookup.
 * The flow is shared between CPUs: one that reads the copy while another
 * writes it (after it expired) may mix the old next hop and the new, which
 * differ only when the neighbour's MAC or the route changed at that
 * moment: one frame, as stale as a cached entry may be.
 */
#ifndef MAPCE_BPF_CE_FIB_CACHE_H
#define MAPCE_BPF_CE_FIB_CACHE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mapce_abi.h"
#include "lib/fib.h"
#include "maps.h"

/* The slot of a key: a multiplicative hash (a collision only costs the
 * lookup the cache would have saved). */
static __always_inline __u32 fib_cache_slot(__u32 ifindex, __be32 src, __be32 dst, __u8 tos)
{
	__u32 h = (src * 0x9e3779b1u) ^ dst ^ (ifindex << 8) ^ tos;

	h *= 0x85ebca6bu;
	return (h ^ (h >> 16)) & (MAPCE_FIB_CACHE_SLOTS - 1);
}

/* Does cache entry e answer this key for a packet of tot_len bytes now? */
static __always_inline int fib_cache_hit(const struct mapce_fib_entry *e, __u64 now, __u32 ifindex,
					 __be32 src, __be32 dst, __u8 tos, __u16 tot_len)
{
	return e->expires_ns > now && e->src == src && e->dst == dst && e->in_ifindex == ifindex &&
	       e->tos == tos && tot_len <= e->mtu;
}

/*
 * fib_v4_forward (lib/fib.h) through the cache: the BPF_FIB_LKUP_RET_*
 * code and fib->ifindex, the device out; on SUCCESS *hop is the cache
 * entry that answered (hit, or filled by this lookup): its out_ifindex,
 * dmac and smac are the next hop, read in place (no copies).  The entry
 * is this CPU's, and nothing else on this CPU runs the fast path before
 * the packet leaves.  A SUCCESS without an entry (the array lookup the
 * verifier makes us check) is returned as NOT_FWDED: the normal path.
 */
static __always_inline long fib_v4_cached(struct xdp_md *ctx, __u32 ifindex, __be32 src, __be32 dst,
					  __u8 tos, __u16 tot_len, struct bpf_fib_lookup *fib,
					  const struct mapce_fib_entry **hop)
{
	__u32 slot = fib_cache_slot(ifindex, src, dst, tos);
	struct mapce_fib_entry *e = bpf_map_lookup_elem(&mapce_fib_cache, &slot);
	__u64 now = clock_coarse_ns_cached(&mapce_clock); /* per CPU, as the cache */
	long rc;

	*hop = e;
	if (!e)
		return BPF_FIB_LKUP_RET_NOT_FWDED;
	if (fib_cache_hit(e, now, ifindex, src, dst, tos, tot_len)) {
		fib->ifindex = e->out_ifindex;
		return BPF_FIB_LKUP_RET_SUCCESS;
	}
	rc = fib_v4_forward(ctx, ifindex, src, dst, tos, tot_len, fib);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		e->src = src;
		e->dst = dst;
		e->in_ifindex = ifindex;
		e->tos = tos;
		/* the route's MTU on success (mtu_result, a union with
		 * tot_len: a kernel that leaves it keeps this packet's
		 * length, a bound as safe) */
		e->mtu = fib->mtu_result;
		e->out_ifindex = fib->ifindex;
		__builtin_memcpy(e->dmac, fib->dmac, ETH_ALEN);
		__builtin_memcpy(e->smac, fib->smac, ETH_ALEN);
		e->expires_ns = now + MAPCE_FIB_CACHE_NS;
	}
	return rc;
}

/* Keep the next hop hop (an entry fib_v4_cached answered with) in a flow's
 * own copy mine.  The expiry goes last in program order (a reader checks
 * it first; the mix above is what another CPU's order may still show). */
static __always_inline void fib_hop_keep(struct mapce_fib_entry *mine,
					 const struct mapce_fib_entry *hop)
{
	mine->src = hop->src;
	mine->dst = hop->dst;
	mine->in_ifindex = hop->in_ifindex;
	mine->out_ifindex = hop->out_ifindex;
	mine->tos = hop->tos;
	mine->mtu = hop->mtu;
	__builtin_memcpy(mine->dmac, hop->dmac, ETH_ALEN);
	__builtin_memcpy(mine->smac, hop->smac, ETH_ALEN);
	asm volatile("" ::: "memory"); /* the compiler keeps the order */
	mine->expires_ns = hop->expires_ns;
}

/*
 * fib_v4_cached, asked first of flow half f's own copy (f->hop; f NULL:
 * no flow yet), which keeps the answer on success: *hop is then f->hop.
 * Verifier-sensitive: f is used only under its null checks (a hop pointer
 * computed from a flow that may be NULL is refused).
 */
static __always_inline long fib_v4_hop(struct xdp_md *ctx, struct mapce_flow *f, __u32 ifindex,
				       __be32 src, __be32 dst, __u8 tos, __u16 tot_len,
				       struct bpf_fib_lookup *fib,
				       const struct mapce_fib_entry **hop)
{
	long rc;

	if (f && fib_cache_hit(&f->hop, clock_coarse_ns_cached(&mapce_clock), ifindex, src, dst,
			       tos, tot_len)) {
		fib->ifindex = f->hop.out_ifindex;
		*hop = &f->hop;
		return BPF_FIB_LKUP_RET_SUCCESS;
	}
	rc = fib_v4_cached(ctx, ifindex, src, dst, tos, tot_len, fib, hop);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS && f && *hop) {
		fib_hop_keep(&f->hop, *hop);
		*hop = &f->hop;
	}
	return rc;
}

#endif
