/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * frag.h - what the CE and the BR share about IPv4 fragments: only a
 * datagram's first fragment (offset 0) carries the transport header, so
 * the first one leaves a record under the datagram's key and the later
 * ones follow it.  Each side keeps its own map and record (the CE: how the
 * datagram was translated, ce/frag.h; the BR: which CE owns it,
 * br/frag.h); the key, the predicates and the age limit are these.
 */
#ifndef MAPCE_BPF_LIB_FRAG_H
#define MAPCE_BPF_LIB_FRAG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mapce_abi.h"
#include "consts.h"
#include "parse.h"

/* A fragment after the first: no transport header. */
static __always_inline int ipv4_is_later_fragment(const struct v4_info *v)
{
	return (v->frag_off & IP_OFFSET) != 0;
}

/* A first fragment with more to come: it speaks for the rest. */
static __always_inline int ipv4_is_first_fragment(const struct v4_info *v)
{
	return (v->frag_off & (IP_MF | IP_OFFSET)) == IP_MF;
}

/* Any fragment of a fragmented datagram, first or later. */
static __always_inline int ipv4_is_fragment(const struct v4_info *v)
{
	return (v->frag_off & (IP_MF | IP_OFFSET)) != 0;
}

/* The key of v's datagram (src, dst, id, protocol) in direction dir
 * (MAPCE_DIR_* on the CE, enum br_dir on the BR). */
static __always_inline void frag_key(struct mapce_frag_key *k, const struct v4_info *v, __u8 dir)
{
	k->src = v->saddr;
	k->dst = v->daddr;
	k->id = v->id;
	k->proto = v->proto;
	k->dir = dir;
}

/* Is a record created at created_ns still live (MAPCE_FRAG_TIMEOUT_S)? */
static __always_inline int frag_live(__u64 created_ns)
{
	return bpf_ktime_get_coarse_ns() - created_ns <= MAPCE_FRAG_TIMEOUT_S * NSEC_PER_SEC;
}

#endif
