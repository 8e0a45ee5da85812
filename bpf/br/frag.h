/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * frag.h - IPv4 fragments through the stateless BR for rules that share
 * addresses (k > 0; RFC 7597 §8.3, in the spirit of RFC 4787 REQ-14).
 *
 * Only a datagram's first fragment (offset 0) carries the ports that name
 * its CE.  When the BR attributes a first fragment that has more to come
 * (MF), it remembers the CE in mapce_br_frags under the datagram's key
 * (inner src, dst, IPv4 id, protocol, direction); the later fragments
 * look it up (the key and predicates are lib/frag.h's):
 *   to a CE (TC)    they are encapsulated to the remembered CE;
 *   from a CE (XDP) they are decapsulated only when they come from the
 *                   remembered CE address (the §8.1 check, by proxy).
 * A later fragment with no live entry (it overtook its first fragment, the
 * entry aged out or was evicted) is dropped as DROP_FRAG_NO_STATE: the BR
 * does not buffer.  The CE's version (ce/frag.h) records translations in
 * the CE's own map; this one records owners.
 */
#ifndef MAPCE_BPF_BR_FRAG_H
#define MAPCE_BPF_BR_FRAG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mapce_abi.h"
#include "lib/parse.h"
#include "lib/frag.h"
#include "maps.h"

/* The CE a later fragment belongs to, into ce; 0, or -1 when no live
 * entry exists. */
static __always_inline int br_frag_find(const struct v4_info *v, __u8 dir, __u8 ce[16])
{
	struct mapce_frag_key k = {};
	struct br_frag *r;

	frag_key(&k, v, dir);
	r = bpf_map_lookup_elem(&mapce_br_frags, &k);
	if (!r || !frag_live(r->created_ns))
		return -1;
	__builtin_memcpy(ce, r->ce, 16);
	return 0;
}

/* Remember the owner of a first fragment's datagram (a retransmitted or
 * repeated first fragment overwrites and restarts the age). */
static __always_inline void br_frag_record(const struct v4_info *v, __u8 dir, const __u8 ce[16])
{
	struct mapce_frag_key k = {};
	struct br_frag r = { .created_ns = bpf_ktime_get_coarse_ns() };

	frag_key(&k, v, dir);
	__builtin_memcpy(r.ce, ce, 16);
	bpf_map_update_elem(&mapce_br_frags, &k, &r, BPF_ANY);
}

#endif
