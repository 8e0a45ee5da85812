/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reasm.h - the TC-ingress slow path for fragments XDP cannot handle:
 *
 *   outer: IPv6 fragments of tunnel packets (RFC 7597 §8.3: a BR or a path
 *          may fragment the encapsulated packet; the CE must reassemble it;
 *          RFC 6333 §5.3: so may a DS-Lite AFTR);
 *   inner: IPv4 fragments of a datagram whose first fragment (the one with
 *          the ports) has not come yet (RFC 4787 REQ-14): XDP cannot know
 *          where they go, so the datagram is reassembled here and then
 *          translated like any packet (the kernel fragments it again for the
 *          LAN if it must).
 *
 * XDP passes such packets up untouched; this keeps each fragment's payload
 * in mapce_reasm until the datagram is whole, then rebuilds it in the skb of
 * the fragment that completed it.  Bounded: at most MAPCE_REASM_MAX_FRAGS fragments of
 * MAPCE_REASM_FRAG_MAX bytes per datagram, LRU maps, an age limit; every
 * fragment is counted (reasm_held, drop_reasm_invalid, or the completed
 * packet's own reason).
 */
#ifndef MAPCE_BPF_CE_REASM_H
#define MAPCE_BPF_CE_REASM_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/consts.h"
#include "lib/csum.h"
#include "lib/ctx.h"
#include "maps.h"

enum {
	REASM_HELD = 0,
	REASM_DONE = 1,
	REASM_INVALID = -1,
	REASM_BAD_CSUM = -2, /* an IPv4 fragment whose header does not verify */
};

/* The datagram record for key k (offset ignored), created if new; a stale
 * one (older than the timeout) starts over. */
static __always_inline struct mapce_reasm_dgram *reasm_dgram(struct mapce_reasm_key *k, __u64 now)
{
	struct mapce_reasm_key dk = *k;
	struct mapce_reasm_dgram nd = { .first_ns = now }, *d;

	dk.offset = REASM_DGRAM_OFF;
	d = bpf_map_lookup_elem(&mapce_reasm_dg, &dk);
	if (d && now - d->first_ns <= MAPCE_REASM_TIMEOUT_S * NSEC_PER_SEC)
		return d;
	bpf_map_update_elem(&mapce_reasm_dg, &dk, &nd, BPF_ANY);
	return bpf_map_lookup_elem(&mapce_reasm_dg, &dk);
}

/* Keep len bytes of skb at data_off as the fragment at k (k->offset set):
 * counted in the datagram's record d unless it is a duplicate. */
static __always_inline int reasm_store(struct __sk_buff *skb, struct mapce_reasm_key *k,
				       struct mapce_reasm_dgram *d, __u32 data_off, __u32 len)
{
	struct mapce_reasm_frag *tmp;
	__u32 zero = 0;
	int dup;

	if (len == 0 || len > MAPCE_REASM_FRAG_MAX)
		return REASM_INVALID;
	tmp = bpf_map_lookup_elem(&mapce_reasm_tmp, &zero);
	if (!tmp)
		return REASM_INVALID;
	tmp->len = len;
	if (bpf_skb_load_bytes(skb, data_off, tmp->data, len))
		return REASM_INVALID;
	dup = bpf_map_lookup_elem(&mapce_reasm, k) != NULL;
	if (bpf_map_update_elem(&mapce_reasm, k, tmp, BPF_ANY))
		return REASM_INVALID;
	if (!dup)
		__sync_fetch_and_add(&d->have, len);
	return REASM_HELD;
}

/* Copy the held fragments [0, total) of datagram k into skb at base. */
static __always_inline int reasm_copy(struct __sk_buff *skb, struct mapce_reasm_key *k, __u32 base,
				      __u32 total)
{
	__u32 pos = 0;

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
		if (bpf_skb_store_bytes(skb, base + pos, fr->data, n, 0))
			return REASM_INVALID;
		bpf_map_delete_elem(&mapce_reasm, k);
		pos += n;
	}
	k->offset = REASM_DGRAM_OFF;
	bpf_map_delete_elem(&mapce_reasm_dg, k);
	return pos == total ? REASM_DONE : REASM_INVALID;
}

/* The inner datagram key of an IPv4 fragment: its source, protocol, id. */
static __always_inline void reasm_inner_key(struct mapce_reasm_key *k, __be32 saddr, __u8 proto,
					    __be16 id)
{
	__builtin_memcpy(k->src, &saddr, 4);
	k->src[4] = proto;
	k->id = id;
	k->kind = MAPCE_REASM_INNER;
}

/* Is the datagram of an IPv4 fragment already on the slow path? */
static __always_inline int reasm_inner_pending(__be32 saddr, __u8 proto, __be16 id)
{
	struct mapce_reasm_key k = {};

	reasm_inner_key(&k, saddr, proto, id);
	k.offset = REASM_DGRAM_OFF;
	return bpf_map_lookup_elem(&mapce_reasm_dg, &k) != NULL;
}

/*
 * Take the IPv4 fragment inside the tunnel packet in skb (Ethernet | IPv6 |
 * maybe the encapsulation limit option | IPv4 fragment, the IPv4 header at
 * l3).  When the datagram is whole, skb becomes Ethernet | IPv6 | the whole
 * IPv4 datagram (the option, meaningless at the exit, left out), ready for
 * the normal translation.
 */
static __always_inline int reasm_inner_add(struct __sk_buff *skb, __u32 l3)
{
	void *data = skb_data(skb), *data_end = skb_data_end(skb);
	struct ipv6hdr *ip6 = data + ETH_HLEN, h6;
	struct mapce_reasm_key k = {};
	struct mapce_reasm_dgram *d;
	struct iphdr *iph;
	__u32 hl, off, len, tot;
	__u16 fo;
	__u8 hdr[IPV4_HLEN_MAX] = {};
	int rc;

	/* Verifier-sensitive: l3 is 54 or 62 (slow_path_kind). */
	if (l3 > ETH_HLEN + IPV6_HLEN + DESTOPT_LEN)
		return REASM_INVALID;
	iph = data + l3;
	if ((void *)(ip6 + 1) > data_end || (void *)(iph + 1) > data_end || iph->version != 4 ||
	    iph->ihl < 5)
		return REASM_INVALID;
	h6 = *ip6;
	h6.nexthdr = IPPROTO_IPIP;
	hl = iph->ihl * 4;
	/* Verifier-sensitive: restate 20 <= hl <= 60 for the loads below. */
	if (hl < IPV4_HLEN || hl > IPV4_HLEN_MAX)
		return REASM_INVALID;
	tot = bpf_ntohs(iph->tot_len);
	fo = bpf_ntohs(iph->frag_off);
	off = (fo & IP_OFFSET) * 8;
	if (tot <= hl || skb->len < l3 + tot)
		return REASM_INVALID;
	/* Every fragment's header must verify: the datagram gets a header
	 * computed afresh below, which would hide a bad one. */
	if (!skb_ipv4_csum_ok(skb, l3, hl, hdr))
		return REASM_BAD_CSUM;
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	iph = data + l3;
	if ((void *)(iph + 1) > data_end)
		return REASM_INVALID;
	len = tot - hl;
	if (((fo & IP_MF) && (len & 7)) || off + len > MAPCE_REASM_DGRAM_MAX - IPV4_HLEN_MAX)
		return REASM_INVALID;
	reasm_inner_key(&k, iph->saddr, iph->protocol, iph->id);
	d = reasm_dgram(&k, bpf_ktime_get_coarse_ns());
	if (!d)
		return REASM_INVALID;
	if (off == 0) {
		/* the first fragment: its header becomes the datagram's */
		__builtin_memcpy(d->hdr, hdr, sizeof(hdr));
		d->hdr_len = hl;
	}
	k.offset = off;
	rc = reasm_store(skb, &k, d, l3 + hl, len);
	if (rc != REASM_HELD)
		return rc;
	if (!(fo & IP_MF))
		d->total = off + len;
	if (!d->total || d->have < d->total || !d->hdr_len)
		return REASM_HELD;

	/* Whole: IPv6 | IPv4 header (not a fragment any more) | payload. */
	hl = d->hdr_len & 0x3c;
	tot = d->total;
	if (hl < IPV4_HLEN || tot > MAPCE_REASM_DGRAM_MAX - IPV4_HLEN_MAX)
		return REASM_INVALID;
	__builtin_memcpy(hdr, d->hdr, sizeof(hdr));
	((struct iphdr *)hdr)->tot_len = bpf_htons(hl + tot);
	((struct iphdr *)hdr)->frag_off = 0;
	((struct iphdr *)hdr)->check = 0;
	((struct iphdr *)hdr)->check = ipv4_hdr_csum(hdr, hl);
	h6.payload_len = bpf_htons(hl + tot);
	if (bpf_skb_change_tail(skb, ETH_HLEN + IPV6_HLEN + hl + tot, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &h6, IPV6_HLEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + IPV6_HLEN, hdr, hl, 0))
		return REASM_INVALID;
	return reasm_copy(skb, &k, ETH_HLEN + IPV6_HLEN + hl, tot);
}

/*
 * Take the outer IPv6 fragment in skb (Ethernet | IPv6 | maybe the
 * encapsulation limit option | fragment header at ETH_HLEN + foff | data,
 * checked by the caller to be a tunnel fragment to us; Linux keeps the
 * option before the fragment header, in the unfragmentable part).
 * Returns REASM_HELD (kept: the caller consumes the skb), REASM_DONE (skb
 * now holds the whole tunnel packet, Ethernet | IPv6 | payload: the option
 * left out), or REASM_INVALID.
 */
static __always_inline int reasm_add(struct __sk_buff *skb, __u32 foff)
{
	void *data = skb_data(skb), *data_end = skb_data_end(skb);
	struct ipv6hdr *ip6 = data + ETH_HLEN, h;
	struct mapce_reasm_key k = {};
	struct mapce_reasm_dgram *d;
	struct frag_hdr *fh;
	__u32 off, len, plen, total, unfrag;
	__u16 fo;
	int rc;

	/* Verifier-sensitive: foff is 40 or 48 (slow_path_kind). */
	if (foff < IPV6_HLEN || foff > IPV6_HLEN + DESTOPT_LEN)
		return REASM_INVALID;
	fh = data + ETH_HLEN + foff;
	if ((void *)(ip6 + 1) > data_end || (void *)(fh + 1) > data_end)
		return REASM_INVALID;
	h = *ip6;
	fo = bpf_ntohs(fh->frag_off);
	off = fo & 0xfff8;
	plen = bpf_ntohs(ip6->payload_len);
	unfrag = foff - IPV6_HLEN + FRAG_HLEN; /* payload bytes before the data */
	if (plen < unfrag)
		return REASM_INVALID;
	len = plen - unfrag;
	if (((fo & 1) && (len & 7)) || off + len > MAPCE_REASM_DGRAM_MAX ||
	    skb->len < ETH_HLEN + foff + FRAG_HLEN + len)
		return REASM_INVALID;
	__builtin_memcpy(k.src, &ip6->saddr, 16);
	k.id = fh->identification;
	k.kind = MAPCE_REASM_OUTER;
	h.nexthdr = fh->nexthdr;
	d = reasm_dgram(&k, bpf_ktime_get_coarse_ns());
	if (!d)
		return REASM_INVALID;
	k.offset = off;
	rc = reasm_store(skb, &k, d, ETH_HLEN + foff + FRAG_HLEN, len);
	if (rc != REASM_HELD)
		return rc;
	if (!(fo & 1))
		d->total = off + len;
	if (!d->total || d->have < d->total)
		return REASM_HELD;

	/* Whole: Ethernet | IPv6 (next header = the fragments') | payload. */
	total = d->total;
	if (total > MAPCE_REASM_DGRAM_MAX)
		return REASM_INVALID;
	h.payload_len = bpf_htons(total);
	if (bpf_skb_change_tail(skb, ETH_HLEN + IPV6_HLEN + total, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &h, IPV6_HLEN, 0))
		return REASM_INVALID;
	return reasm_copy(skb, &k, ETH_HLEN + IPV6_HLEN, total);
}

#endif
