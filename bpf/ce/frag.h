/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * frag.h - IPv4 fragments through the CE's NAPT (RFC 4787 REQ-14, RFC 7597
 * §8.3); the key and predicates are lib/frag.h's.
 *
 * A first fragment carries the transport header and takes the normal
 * path; it records how its datagram was translated in mapce_frags, and the
 * later fragments (no ports) follow that record: outbound they get the
 * public source address and the datagram's new IPv4 id, inbound the inside
 * host's address.  Outbound ids are rewritten for every packet that may be
 * fragmented (DF clear), from one sequence (handed to the CPUs in blocks),
 * so they are unique per public address even when LAN hosts reuse ids.
 */
#ifndef MAPCE_BPF_CE_FRAG_H
#define MAPCE_BPF_CE_FRAG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "maps.h"
#include "lib/parse.h"
#include "lib/frag.h"

/* The box's one sequence of outbound IPv4 ids: its next block. */
static __u32 frag_id_seq;

/*
 * A fresh outbound IPv4 id.  Each CPU takes FRAG_ID_BLOCK ids of the one
 * sequence at a time (mapce_frag_ids, maps.h) and hands them out without
 * an atomic: blocks never overlap, so ids stay unique across CPUs as
 * with one shared counter (until the 16 bits wrap, as before), and the
 * locked add that bounced frag_id_seq's line between CPUs is paid once a
 * block, not once a packet (it was the fast path's largest line).  Per
 * CPU without a lock: TC and XDP programs are never preempted by another
 * program on their CPU (softirq, or BH off).
 */
static __always_inline __be16 frag_new_id(void)
{
	__u32 zero = 0;
	__u32 *next = bpf_map_lookup_elem(&mapce_frag_ids, &zero);

	if (!next)
		return bpf_htons((__u16)__sync_fetch_and_add(&frag_id_seq, 1));
	/* blocks start at multiples of FRAG_ID_BLOCK: at one, this CPU's
	 * block is used up (or it never had one: 0) */
	if (!(*next % FRAG_ID_BLOCK))
		*next = __sync_fetch_and_add(&frag_id_seq, FRAG_ID_BLOCK);
	return bpf_htons((__u16)(*next)++);
}

/* The live record of a datagram, or NULL (missing or too old). */
static __always_inline struct mapce_frag *frag_find(const struct mapce_frag_key *k)
{
	struct mapce_frag *r = bpf_map_lookup_elem(&mapce_frags, k);

	return r && frag_live(r->created_ns) ? r : NULL;
}

/* Record a datagram's translation (first fragment, or the first of its
 * fragments to show up outbound). */
static __always_inline void frag_record(const struct mapce_frag_key *k, __be32 ip, __be16 id)
{
	struct mapce_frag r = { .ip = ip, .id = id, .created_ns = bpf_ktime_get_coarse_ns() };

	bpf_map_update_elem(&mapce_frags, k, &r, BPF_ANY);
}

/* Outbound: the id a packet leaves with.  Unfragmented packets with DF keep
 * theirs (they are never fragmented); others get a fresh one, shared by all
 * fragments of one datagram. */
static __always_inline __be16 frag_out_id(const struct v4_info *v, __be32 pub)
{
	struct mapce_frag_key k = {};
	struct mapce_frag *r;
	__be16 id;

	if (!ipv4_is_fragment(v)) {
		if (v->frag_off & IP_DF)
			return v->id;
		return frag_new_id();
	}
	frag_key(&k, v, MAPCE_DIR_OUT);
	r = frag_find(&k);
	if (r)
		return r->id;
	id = frag_new_id();
	frag_record(&k, pub, id);
	return id;
}

#endif
