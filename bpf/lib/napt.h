/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * napt.h - port-set NAPT state: endpoint-independent mappings, port
 * allocation over every range of the set, and flow creation.
 *
 * Three maps (maps.h) hold the state:
 *   mapce_bind   inside ip:port -> outside port   (the EIM mapping)
 *   mapce_ports  outside port   -> inside owner   (claimed with NOEXIST)
 *   mapce_flow_out / mapce_flow_in   the two halves of every flow
 * Established packets touch one flow map only; everything here runs on a
 * flow's first packet.
 */
#ifndef MAPCE_BPF_NAPT_H
#define MAPCE_BPF_NAPT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "mapce_rule.h"
#include "maps.h"
#include "stats.h"

/* State of the port search, passed to the bpf_loop callback. */
struct port_search {
	struct mapce_endpoint out; /* candidate outside endpoint */
	struct mapce_binding owner; /* value to claim it with */
	__u32 start;               /* first index tried */
	__u32 count;               /* ports in the set */
	__u16 psid;
	__u8 a, k;
	__be16 found;              /* claimed port, 0 = none yet */
};

/* Try to claim one port: NOEXIST makes the claim atomic across CPUs. */
static __always_inline int port_try_claim(struct port_search *s, __u16 port)
{
	s->out.port = bpf_htons(port);
	if (bpf_map_update_elem(&mapce_ports, &s->out, &s->owner, BPF_NOEXIST) == 0) {
		s->found = s->out.port;
		return 1;
	}
	return 0;
}

static long port_search_step(__u32 i, void *ctx)
{
	struct port_search *s = ctx;
	__u32 idx = s->start + i;

	if (idx >= s->count)
		idx -= s->count;
	return port_try_claim(s, mapce_port_at(s->a, s->k, s->psid, idx));
}

/*
 * Claim a free outside port for inside endpoint in.  The inside port is
 * kept when it is in the set and free (port preservation); otherwise the
 * search starts at a random index and walks the whole set, wrapping, so
 * every range is used.  Returns the port (network order) or 0.
 */
static __always_inline __be16 port_alloc(const struct mapce_config *cfg,
					 const struct mapce_endpoint *in, __u64 now)
{
	struct port_search s = {};
	__u16 inside = bpf_ntohs(in->port);

	s.out.ip = cfg->ipv4;
	s.out.proto = in->proto;
	s.owner.ip = in->ip;
	s.owner.port = in->port;
	s.owner.created_ns = now;
	s.owner.refreshed_ns = now;
	s.a = cfg->psid_offset;
	s.k = cfg->psid_len;
	s.psid = cfg->psid;
	s.count = cfg->port_count;
	if (s.count == 0)
		return 0;
	if (mapce_port_in_set(s.a, s.k, s.psid, inside) && port_try_claim(&s, inside))
		return s.found;
	s.start = bpf_get_prandom_u32() % s.count;
	/* bpf_loop: the set can hold up to 65535 ports, far beyond what an
	 * unrolled or verifier-bounded loop allows. */
	bpf_loop(s.count, port_search_step, &s, 0);
	return s.found;
}

/*
 * The outside port of inside endpoint in: its existing mapping (EIM: the
 * same for every destination), or a new one.  Returns 0 and sets *reason
 * when no port or no map space is left.
 */
static __always_inline __be16 binding_get(const struct mapce_config *cfg,
					  const struct mapce_endpoint *in, __u64 now, __u32 *reason)
{
	struct mapce_binding *b = bpf_map_lookup_elem(&mapce_bind, in);
	struct mapce_binding nb = {};
	struct mapce_endpoint out = {};
	__be16 port;

	if (b)
		return b->port;
	port = port_alloc(cfg, in, now);
	if (!port) {
		*reason = MAPCE_R_DROP_NO_PORTS;
		return 0;
	}
	nb.ip = cfg->ipv4;
	nb.port = port;
	nb.created_ns = now;
	nb.refreshed_ns = now;
	if (bpf_map_update_elem(&mapce_bind, in, &nb, BPF_NOEXIST) == 0) {
		stats_count(&mapce_stats, MAPCE_R_EV_BINDING_CREATED, 0);
		return port;
	}
	/* Lost a race with another CPU (use its mapping) or the map is full:
	 * either way give the claimed port back. */
	out.ip = cfg->ipv4;
	out.port = port;
	out.proto = in->proto;
	bpf_map_delete_elem(&mapce_ports, &out);
	b = bpf_map_lookup_elem(&mapce_bind, in);
	if (b)
		return b->port;
	*reason = MAPCE_R_DROP_TABLE_FULL;
	return 0;
}

/*
 * Create both halves of the flow whose outbound key is ko.  Returns the
 * outbound half, or NULL with *reason set.
 */
static __always_inline struct mapce_flow *flow_create(const struct mapce_config *cfg,
						      const struct mapce_tuple *ko, __u32 *reason)
{
	struct mapce_endpoint in = { .ip = ko->local_ip, .port = ko->local_port, .proto = ko->proto };
	struct mapce_flow fo = {}, fi = {};
	struct mapce_tuple ki = {};
	__u64 now = bpf_ktime_get_coarse_ns();
	__be16 port;

	port = binding_get(cfg, &in, now, reason);
	if (!port)
		return NULL;

	fo.ip = cfg->ipv4;
	fo.port = port;
	fo.created_ns = now;
	fo.last_ns = now;
	ki.local_ip = cfg->ipv4;
	ki.local_port = port;
	ki.remote_ip = ko->remote_ip;
	ki.remote_port = ko->remote_port;
	ki.proto = ko->proto;
	fi.ip = ko->local_ip;
	fi.port = ko->local_port;
	fi.created_ns = now;
	fi.last_ns = now;

	/* Inbound half first: once the outbound half exists, other CPUs
	 * take the fast path and replies must already find their way. */
	if (bpf_map_update_elem(&mapce_flow_in, &ki, &fi, BPF_ANY)) {
		*reason = MAPCE_R_DROP_TABLE_FULL;
		return NULL;
	}
	if (bpf_map_update_elem(&mapce_flow_out, ko, &fo, BPF_NOEXIST) == 0)
		stats_count(&mapce_stats, MAPCE_R_EV_FLOW_CREATED, 0);
	/* else another CPU created it first: same binding, same halves */
	struct mapce_flow *f = bpf_map_lookup_elem(&mapce_flow_out, ko);

	if (!f) {
		bpf_map_delete_elem(&mapce_flow_in, &ki);
		*reason = MAPCE_R_DROP_TABLE_FULL;
	}
	return f;
}

/* Account pkts packets of len bytes in all on a flow half. */
static __always_inline void flow_account(struct mapce_flow *f, __u32 pkts, __u32 len,
					 __u8 tcp_flags, __u8 proto)
{
	__sync_fetch_and_add(&f->packets, pkts);
	__sync_fetch_and_add(&f->bytes, len);
	f->last_ns = bpf_ktime_get_coarse_ns();
	if (proto == IPPROTO_TCP) {
		__u8 seen = tcp_seen_bits(tcp_flags);

		/* Write only when something new is seen: keeps the cache
		 * line clean for established flows. */
		if ((f->tcp_seen & seen) != seen)
			f->tcp_seen |= seen;
	}
}

#endif
