/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * port_hint.h - the port set's occupancy hint (mapce_port_hint, maps.h):
 * one bit per index of the set and protocol, 1 = believed claimed.
 *
 * For handing out ports a hint, never the authority: mapce_ports claimed
 * with BPF_NOEXIST is.  A bit set for a free port (freed from userspace,
 * a clear lost to a race) hides the port from the word scan only, and
 * the walk of napt.h that follows a scan finding nothing still hands it
 * out.  For inbound packets a clear bit is trusted: the port has no
 * claim, the packet is a miss (port_hint_says_free, and the ordering
 * that makes it true).  Bits change with atomic OR / AND: two CPUs
 * claiming ports of one word lose neither bit.
 */
#ifndef MAPCE_BPF_CE_PORT_HINT_H
#define MAPCE_BPF_CE_PORT_HINT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "mapce_rule.h"
#include "maps.h"

/* The hint word of index idx of proto's set (NULL only if the map is
 * missing or idx is past any set).  key: where to put the map key.
 * Verifier-sensitive: in a bpf_loop callback a key of its own would give
 * the callback a stack frame, and the program's frame with it passes the
 * 512 bytes; the callbacks pass one in their context (the caller's). */
static __always_inline __u64 *port_hint_word(__u32 *key, __u8 proto, __u32 idx)
{
	*key = mapce_port_hint_slot(proto) * MAPCE_PORT_HINT_WORDS + (idx >> 6);
	return bpf_map_lookup_elem(&mapce_port_hint, key);
}

/* Mark index idx of proto's set claimed (used) or free. */
static __always_inline void port_hint_set(__u32 *key, __u8 proto, __u32 idx, int used)
{
	__u64 *w = port_hint_word(key, proto, idx);
	__u64 bit = 1ULL << (idx & 63);

	if (!w)
		return;
	if (used)
		__sync_fetch_and_or(w, bit);
	else
		__sync_fetch_and_and(w, ~bit);
}

/* The hint word of outside endpoint out and its bit (*bit), when out is
 * a port of cfg's set; NULL for claims of another address or a port
 * outside the set (they have none). */
static __always_inline __u64 *port_hint_word_of(__u32 *key, const struct mapce_config *cfg,
						const struct mapce_endpoint *out, __u64 *bit)
{
	__u16 port = bpf_ntohs(out->port);
	__u32 idx;

	if (out->ip != cfg->ipv4 ||
	    !mapce_port_in_set(cfg->psid_offset, cfg->psid_len, cfg->psid, port))
		return NULL;
	idx = mapce_port_index(cfg->psid_offset, cfg->psid_len, port);
	*bit = 1ULL << (idx & 63);
	return port_hint_word(key, out->proto, idx);
}

/*
 * Is outside endpoint out unclaimed for certain?  Its bit is clear: then
 * mapce_ports has no claim of it and an inbound packet to it is a miss
 * without the claim's hash lookup (flow_open_inbound).  Race-sensitive,
 * what makes a clear bit mean "no claim":
 *   - a claim sets its bit after the claim is made (port_try_claim,
 *     userspace's `portmap`), both kept while the claim lives;
 *   - a release clears the bit after the delete, then looks again and
 *     sets it back when another CPU claimed the port in between
 *     (port_release, userspace's port_note);
 *   - what can still lose a bit is a userspace read-modify-write of a
 *     word (`up`'s rebuild, `portmap`'s marks) racing the datapath's
 *     atomic ops on that word; the sweep sets the bit of every claim it
 *     keeps (port_hint_heal), so such a loss lasts one sweep at most and
 *     only refuses new inbound flows to the port meanwhile (established
 *     flows never come here).
 */
static __always_inline int port_hint_says_free(const struct mapce_config *cfg,
					       const struct mapce_endpoint *out)
{
	__u32 key;
	__u64 bit = 0;
	__u64 *w = port_hint_word_of(&key, cfg, out, &bit);

	return w && !(*w & bit);
}

/* The sweep keeps the claim of out: its bit set (a no-op but for a bit
 * lost to a race, port_hint_says_free). */
static __always_inline void port_hint_heal(__u32 *key, const struct mapce_config *cfg,
					   const struct mapce_endpoint *out)
{
	__u64 bit = 0;
	__u64 *w = port_hint_word_of(key, cfg, out, &bit);

	if (w && !(*w & bit))
		__sync_fetch_and_or(w, bit);
}

/* Give up the claim of outside endpoint out: deleted from mapce_ports,
 * then its hint bit cleared, unless another CPU claimed the port again
 * meanwhile (port_hint_says_free: its claim may have set the bit before
 * the clear).  The sweep's and a lost race's one way to free a port;
 * userspace's is port_hint_sync.h. */
static __always_inline void port_release(__u32 *key, const struct mapce_config *cfg,
					 const struct mapce_endpoint *out)
{
	__u64 bit = 0;
	__u64 *w;

	bpf_map_delete_elem(&mapce_ports, out);
	w = port_hint_word_of(key, cfg, out, &bit);
	if (!w)
		return;
	__sync_fetch_and_and(w, ~bit);
	if (bpf_map_lookup_elem(&mapce_ports, out))
		__sync_fetch_and_or(w, bit);
}

/* Index (0-63) of the lowest bit set in x, x != 0.  BPF has no
 * count-trailing-zeros instruction, and branches would be worse: each
 * would split the verifier's state of the scan in two (64 paths through
 * six).  So: the bits below the lowest one, counted without a branch. */
static __always_inline __u32 port_hint_low_bit(__u64 x)
{
	__u64 v = (x & -x) - 1;

	v = v - ((v >> 1) & 0x5555555555555555ULL);
	v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (__u32)((v * 0x0101010101010101ULL) >> 56);
}

#endif
