/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * port_hint.h - the port set's occupancy hint (mapce_port_hint, maps.h):
 * one bit per index of the set and protocol, 1 = believed claimed.
 *
 * A hint, never the authority: mapce_ports claimed with BPF_NOEXIST is.
 * Wrong either way is safe: a bit clear for a claimed port costs one
 * failed claim (which sets it); a bit set for a free port (freed from
 * userspace, a clear lost to a race) hides the port from the word scan
 * only, and the walk of napt.h that follows a scan finding nothing
 * still hands it out.  Bits change with atomic OR / AND: two CPUs
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

/* The claim of outside endpoint out is gone: clear its bit when out is
 * a port of cfg's set (claims of another address have none). */
static __always_inline void port_hint_freed(__u32 *key, const struct mapce_config *cfg,
					    const struct mapce_endpoint *out)
{
	__u16 port = bpf_ntohs(out->port);

	if (out->ip != cfg->ipv4 ||
	    !mapce_port_in_set(cfg->psid_offset, cfg->psid_len, cfg->psid, port))
		return;
	port_hint_set(key, out->proto, mapce_port_index(cfg->psid_offset, cfg->psid_len, port), 0);
}

/* Give up the claim of outside endpoint out: deleted from mapce_ports,
 * its hint bit cleared (the sweep's and a lost race's one way to free a
 * port; userspace's is port_hint_sync.h). */
static __always_inline void port_release(__u32 *key, const struct mapce_config *cfg,
					 const struct mapce_endpoint *out)
{
	bpf_map_delete_elem(&mapce_ports, out);
	port_hint_freed(key, cfg, out);
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
