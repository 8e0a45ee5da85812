/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reasm.h - reassembly of outer IPv6 fragments of tunnel packets (RFC 7597
 * §8.3: a BR or a path may fragment the encapsulated packet; the CE must
 * reassemble it).  A slow path on TC ingress: XDP passes IPv6 fragments
 * up untouched, and this keeps each fragment's payload in mapce_reasm
 * until the datagram is whole, then rebuilds it in the skb of the fragment
 * that completed it.  Bounded: at most MAPCE_REASM_MAX_FRAGS fragments of
 * MAPCE_REASM_FRAG_MAX bytes per datagram, LRU maps, an age limit; every
 * fragment is counted (reasm_held, drop_reasm_invalid, or the completed
 * packet's own reason).
 */
#ifndef MAPCE_BPF_REASM_H
#define MAPCE_BPF_REASM_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "ctx.h"
#include "maps.h"

#define NEXTHDR_FRAGMENT 44
#define REASM_HDRS (ETH_HLEN + 40 + 8) /* Ethernet, IPv6, fragment header */
#define REASM_DGRAM_OFF 0xffff

enum { REASM_HELD = 0, REASM_DONE = 1, REASM_INVALID = -1 };

/* The datagram record for key k (offset ignored), created if new; a stale
 * one (older than the timeout) starts over. */
static __always_inline struct mapce_reasm_dgram *reasm_dgram(struct mapce_reasm_key *k, __u64 now)
{
	struct mapce_reasm_key dk = *k;
	struct mapce_reasm_dgram nd = { .first_ns = now }, *d;

	dk.offset = REASM_DGRAM_OFF;
	d = bpf_map_lookup_elem(&mapce_reasm_dg, &dk);
	if (d && now - d->first_ns <= MAPCE_REASM_TIMEOUT_S * 1000000000ull)
		return d;
	bpf_map_update_elem(&mapce_reasm_dg, &dk, &nd, BPF_ANY);
	return bpf_map_lookup_elem(&mapce_reasm_dg, &dk);
}

/* Rebuild the whole datagram into skb: Ethernet | IPv6 (next header =
 * the fragments' next header) | payload.  ip6 is a copy of the outer
 * header as received. */
static __always_inline int reasm_build(struct __sk_buff *skb, struct mapce_reasm_key *k,
				       struct ipv6hdr *ip6, __u8 nexthdr, __u32 total)
{
	__u32 pos = 0;

	if (total > MAPCE_REASM_DGRAM_MAX)
		return REASM_INVALID;
	ip6->nexthdr = nexthdr;
	ip6->payload_len = bpf_htons(total);
	if (bpf_skb_change_tail(skb, ETH_HLEN + 40 + total, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, ip6, 40, 0))
		return REASM_INVALID;
	for (int i = 0; i < MAPCE_REASM_MAX_FRAGS; i++) {
		struct mapce_reasm_frag *fr;
		__u32 n;

		if (pos >= total)
			break;
		k->offset = pos;
		fr = bpf_map_lookup_elem(&mapce_reasm, k);
		if (!fr)
			return REASM_INVALID; /* a gap: overlapping or lost */
		n = fr->len;
		/* Verifier-sensitive: bound n by the value's data size. */
		if (n == 0 || n > MAPCE_REASM_FRAG_MAX || pos + n > total)
			return REASM_INVALID;
		if (bpf_skb_store_bytes(skb, ETH_HLEN + 40 + pos, fr->data, n, 0))
			return REASM_INVALID;
		bpf_map_delete_elem(&mapce_reasm, k);
		pos += n;
	}
	k->offset = REASM_DGRAM_OFF;
	bpf_map_delete_elem(&mapce_reasm_dg, k);
	return pos == total ? REASM_DONE : REASM_INVALID;
}

/*
 * Take the outer IPv6 fragment in skb (Ethernet | IPv6 | fragment header |
 * data, checked by the caller to be a tunnel fragment to us).  Returns
 * REASM_HELD (kept: the caller consumes the skb), REASM_DONE (skb now holds
 * the whole tunnel packet), or REASM_INVALID.
 */
static __always_inline int reasm_add(struct __sk_buff *skb)
{
	void *data = skb_data(skb), *data_end = skb_data_end(skb);
	struct ipv6hdr *ip6 = data + ETH_HLEN, h;
	struct frag_hdr *fh = data + ETH_HLEN + 40;
	struct mapce_reasm_key k = {};
	struct mapce_reasm_frag *tmp;
	struct mapce_reasm_dgram *d;
	__u32 zero = 0, off, len, plen;
	__u64 now = bpf_ktime_get_coarse_ns();
	__u16 fo;
	__u8 nexthdr;
	int dup;

	if ((void *)(fh + 1) > data_end)
		return REASM_INVALID;
	h = *ip6;
	nexthdr = fh->nexthdr;
	fo = bpf_ntohs(fh->frag_off);
	off = fo & 0xfff8;
	plen = bpf_ntohs(ip6->payload_len);
	if (plen < 8)
		return REASM_INVALID;
	len = plen - 8;
	if (len == 0 || len > MAPCE_REASM_FRAG_MAX || ((fo & 1) && (len & 7)) ||
	    off + len > MAPCE_REASM_DGRAM_MAX || skb->len < REASM_HDRS + len)
		return REASM_INVALID;
	__builtin_memcpy(k.src, &ip6->saddr, 16);
	k.id = fh->identification;
	k.offset = off;

	tmp = bpf_map_lookup_elem(&mapce_reasm_tmp, &zero);
	if (!tmp)
		return REASM_INVALID;
	tmp->len = len;
	if (bpf_skb_load_bytes(skb, REASM_HDRS, tmp->data, len))
		return REASM_INVALID;
	d = reasm_dgram(&k, now);
	if (!d)
		return REASM_INVALID;
	dup = bpf_map_lookup_elem(&mapce_reasm, &k) != NULL;
	if (bpf_map_update_elem(&mapce_reasm, &k, tmp, BPF_ANY))
		return REASM_INVALID;
	if (!dup)
		__sync_fetch_and_add(&d->have, len);
	if (!(fo & 1))
		d->total = off + len;
	if (!d->total || d->have < d->total)
		return REASM_HELD;
	return reasm_build(skb, &k, &h, nexthdr, d->total);
}

#endif
