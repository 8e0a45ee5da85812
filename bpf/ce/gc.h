/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gc.h - expiry of flows and mappings, in the kernel, with no daemon.
 *
 * A bpf_timer in the pinned mapce_gc map fires every gc_interval_ms and
 * sweeps the NAT maps:
 *   1. flows idle longer than their timeout (mapce_flow.h: by protocol and
 *      TCP state) lose both halves; live flows refresh their mapping;
 *   2. mappings no live flow refreshed for two sweeps (and not static)
 *      are deleted and their port returns to the pool;
 *   3. port claims whose mapping is gone (a race, a crash) are released;
 *      the others get their port hint's bit back if a race lost it.
 * The timer is armed from the datapath on the first new flow after a
 * program load (the callback then belongs to the newest program) and keeps
 * running while the pinned map lives; `mapce down` unpins it, which
 * cancels it.
 */
#ifndef MAPCE_BPF_CE_GC_H
#define MAPCE_BPF_CE_GC_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mapce_abi.h"
#include "mapce_flow.h"
#include "lib/consts.h"
#include "maps.h"
#include "lib/stats.h"
#include "napt.h"
#include "binlog.h"

struct gc_ctx {
	const struct mapce_config *cfg;
	__u64 now;
	__u64 bind_grace_ns; /* a mapping unrefreshed this long is unused */
};

/* How long ago t was, at the sweep's clock.  Race-sensitive: the datapath stamps flows, mappings,
 * claims and peers with the same coarse clock on other CPUs while a sweep runs, so t may be later
 * than c->now; an unsigned c->now - t would then wrap to an age of centuries and expire a live flow
 * (and free its mapping's port while the flow still used it). */
static __always_inline __u64 gc_age(const struct gc_ctx *c, __u64 t)
{
	return t < c->now ? c->now - t : 0;
}

static long gc_flow(struct bpf_map *map, struct mapce_tuple *ko, struct mapce_flow *fo,
		    struct gc_ctx *c)
{
	struct mapce_tuple ki = {
		.local_ip = fo->ip,
		.remote_ip = ko->remote_ip,
		.local_port = fo->port,
		.remote_port = ko->remote_port,
		.proto = ko->proto,
	};
	struct mapce_endpoint in = { .ip = ko->local_ip,
				     .port = ko->local_port,
				     .proto = ko->proto };
	struct mapce_flow *fi = bpf_map_lookup_elem(&mapce_flow_in, &ki);
	struct mapce_binding *b;
	__u64 last = fo->last_ns;
	int st;

	if (fi && fi->last_ns > last)
		last = fi->last_ns;
	st = mapce_flow_state(ko->proto, fo->tcp_seen, fi ? fi->tcp_seen : 0);
	b = bpf_map_lookup_elem(&mapce_bind, &in);
	if (b &&
	    gc_age(c, last) <= (__u64)mapce_flow_timeout(c->cfg, ko->proto, st) * NSEC_PER_SEC) {
		struct mapce_peer_key pk = { .out_ip = fo->ip,
					     .out_port = fo->port,
					     .proto = ko->proto,
					     .remote_ip = ko->remote_ip };
		__u64 *seen = bpf_map_lookup_elem(&mapce_peers, &pk);

		/* A live flow keeps its mapping and its ADF permission. */
		b->refreshed_ns = c->now;
		if (seen)
			*seen = c->now;
		return 0;
	}
	/* Expired, or orphaned (its mapping is gone): remove both halves. */
	if (fi && fi->ip == ko->local_ip && fi->port == ko->local_port)
		bpf_map_delete_elem(&mapce_flow_in, &ki);
	bpf_map_delete_elem(&mapce_flow_out, ko);
	stats_count(&mapce_stats, MAPCE_R_EV_FLOW_EXPIRED, 0);
	return 0;
}

static long gc_binding(struct bpf_map *map, struct mapce_endpoint *in, struct mapce_binding *b,
		       struct gc_ctx *c)
{
	struct mapce_endpoint out = { .ip = b->ip, .port = b->port, .proto = in->proto };
	struct mapce_binding *owner;
	__u32 key;

	if ((b->flags & MAPCE_BIND_F_STATIC) || gc_age(c, b->refreshed_ns) <= c->bind_grace_ns)
		return 0;
	/* An overlapped mapping never owned the port's claim. */
	owner = bpf_map_lookup_elem(&mapce_ports, &out);
	if (owner && owner->ip == in->ip && owner->port == in->port)
		port_release(&key, c->cfg, &out);
	binlog_expired(in, b); /* before the delete: b is the map's value */
	bpf_map_delete_elem(&mapce_bind, in);
	host_release(in->ip);
	stats_count(&mapce_stats, MAPCE_R_EV_BINDING_EXPIRED, 0);
	return 0;
}

static long gc_port(struct bpf_map *map, struct mapce_endpoint *out, struct mapce_binding *owner,
		    struct gc_ctx *c)
{
	struct mapce_endpoint in = { .ip = owner->ip, .port = owner->port, .proto = out->proto };
	struct mapce_binding *b;
	__u32 key;

	/* Port forwards stay; a claim younger than the grace period may be a
	 * mapping being made. */
	if (!(owner->flags & MAPCE_BIND_F_STATIC) &&
	    gc_age(c, owner->created_ns) > c->bind_grace_ns) {
		b = bpf_map_lookup_elem(&mapce_bind, &in);
		if (!b || b->port != out->port || b->ip != out->ip) {
			port_release(&key, c->cfg, out);
			return 0;
		}
	}
	/* a claim that stays has its hint bit (port_hint_says_free) */
	port_hint_heal(&key, c->cfg, out);
	return 0;
}

static long gc_peer(struct bpf_map *map, struct mapce_peer_key *k, __u64 *seen, struct gc_ctx *c)
{
	if (gc_age(c, *seen) > c->bind_grace_ns)
		bpf_map_delete_elem(&mapce_peers, k);
	return 0;
}

static long gc_host(struct bpf_map *map, __be32 *ip, struct mapce_host *h, struct gc_ctx *c)
{
	if (h->bindings == 0 && h->limit_hits == 0)
		bpf_map_delete_elem(&mapce_hosts, ip);
	return 0;
}

static __always_inline __u64 gc_interval_ns(const struct mapce_config *cfg)
{
	__u32 ms = cfg->gc_interval_ms ? cfg->gc_interval_ms : MAPCE_DEFAULT_GC_INTERVAL_MS;

	return (__u64)ms * NSEC_PER_MSEC;
}

static int gc_sweep(void *map, __u32 *key, struct mapce_gc_state *st)
{
	__u32 zero = 0;
	const struct mapce_config *cfg = bpf_map_lookup_elem(&mapce_config, &zero);
	struct gc_ctx c = {};

	if (!cfg)
		return 0;
	c.cfg = cfg;
	c.now = bpf_ktime_get_coarse_ns();
	c.bind_grace_ns = 2 * gc_interval_ns(cfg);
	bpf_for_each_map_elem(&mapce_flow_out, gc_flow, &c, 0);
	bpf_for_each_map_elem(&mapce_bind, gc_binding, &c, 0);
	bpf_for_each_map_elem(&mapce_ports, gc_port, &c, 0);
	bpf_for_each_map_elem(&mapce_peers, gc_peer, &c, 0);
	bpf_for_each_map_elem(&mapce_hosts, gc_host, &c, 0);
	st->sweeps++;
	stats_count(&mapce_stats, MAPCE_R_EV_GC_SWEEP, 0);
	bpf_timer_start(&st->timer, gc_interval_ns(cfg), 0);
	return 0;
}

/* Set once this program instance has (re)armed the timer. */
static volatile __u32 gc_armed;

/* Arm the sweep if this program has not yet: cheap to call per new flow. */
static __always_inline void gc_ensure_armed(const struct mapce_config *cfg)
{
	__u32 zero = 0;
	struct mapce_gc_state *st;

	if (gc_armed)
		return;
	st = bpf_map_lookup_elem(&mapce_gc, &zero);
	if (!st)
		return;
	/* -EBUSY: already initialized by an earlier program; take it over. */
	bpf_timer_init(&st->timer, &mapce_gc, CLOCK_MONOTONIC);
	if (bpf_timer_set_callback(&st->timer, gc_sweep) == 0 &&
	    bpf_timer_start(&st->timer, gc_interval_ns(cfg), 0) == 0)
		gc_armed = 1;
}

/*
 * The outbound half of the flow of packet v (a LAN host's, with ports or
 * an echo id): found, or created on the flow's first packet (napt.h),
 * the expiry sweep armed.  NULL with *reason set when refused; *ko is the
 * flow's key either way.  The one NAPT lookup of the TC egress; the XDP
 * fast path (fastpath_out.h) looks its flow up first (napt_flow_find) and
 * creates it with napt_flow_new (ko: the key) only once the FIB sends it
 * to the tunnel.
 */
static __always_inline struct mapce_flow *napt_flow_new(const struct mapce_config *cfg,
							const struct mapce_tuple *ko, __u32 *reason)
{
	gc_ensure_armed(cfg);
	return flow_create(cfg, ko, reason);
}

/* The outbound half of v's flow if it exists (*ko: its key, either way). */
static __always_inline struct mapce_flow *napt_flow_find(const struct v4_info *v,
							 struct mapce_tuple *ko)
{
	flow_key_of(ko, v, 0);
	return bpf_map_lookup_elem(&mapce_flow_out, ko);
}

static __always_inline struct mapce_flow *napt_flow_out(const struct mapce_config *cfg,
							const struct v4_info *v,
							struct mapce_tuple *ko, __u32 *reason)
{
	struct mapce_flow *f = napt_flow_find(v, ko);

	return f ? f : napt_flow_new(cfg, ko, reason);
}

#endif
