/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * napt.h - port-set NAPT state: endpoint-independent mappings, port
 * allocation over every range of the set, port overlapping, filtering and
 * flow creation (RFC 4787, 5382, 7857).
 *
 * The maps (maps.h):
 *   mapce_bind   inside ip:port -> outside port   (the EIM mapping)
 *   mapce_ports  outside port   -> inside owner   (claimed with NOEXIST)
 *   mapce_flow_out / mapce_flow_in   the two halves of every flow
 *   mapce_peers  remote addresses a mapping sent to (ADF)
 *   mapce_hosts  mappings per inside host (--max-per-host)
 * Established packets touch one flow map only; everything here runs on a
 * flow's first packet.
 */
#ifndef MAPCE_BPF_CE_NAPT_H
#define MAPCE_BPF_CE_NAPT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "mapce_rule.h"
#include "maps.h"
#include "modes.h"
#include "lib/parse.h"
#include "lib/stats.h"
#include "binlog.h"
#include "port_hint.h"

/* State of a port search, passed to the bpf_loop callbacks. */
struct port_search {
	struct mapce_endpoint out;  /* candidate outside endpoint */
	struct mapce_binding owner; /* value to claim it with */
	struct mapce_tuple probe;   /* overlap: the flow_in key to keep unique */
	/* Verifier-sensitive size: the egress and fast path programs hold a
	 * search within their 512-byte stacks (small fields, no holes). */
	__u32 count; /* ports in the set */
	__u16 start; /* first index tried (a set has at most 65535 ports) */
	__u16 psid;
	__u16 inside; /* inside port, host order */
	__be16 found; /* chosen port, 0 = none yet */
	__u16 lo;     /* the hint scan: indices below lo hold system ports inside may not take */
	__u8 a, k;
	__u8 low_ok; /* modes.h mode_low_ports: system ports may be given */
	__u8 step;   /* the walk: 2, same parity only; 1, any */
	__u8 want;   /* the hint scan: HINT_ANY, HINT_EVEN or HINT_ODD */
	__u32 key;   /* the hint's map key (port_hint_word) */
};

/* Index of the walk's i-th step. */
static __always_inline __u32 search_index(const struct port_search *s, __u32 i)
{
	__u32 idx = s->start + i * s->step;

	/* i * step < 2 * count, so two subtractions are enough */
	if (idx >= s->count)
		idx -= s->count;
	if (idx >= s->count)
		idx -= s->count;
	return idx;
}

static __always_inline __u16 search_port(const struct port_search *s, __u32 i)
{
	return mapce_port_at(s->a, s->k, s->psid, search_index(s, i));
}

/* Ports below 1024 are never given to inside ports at or above 1024
 * (RFC 4787 REQ-3); only a set without PSID (k = 0) contains them, and
 * ipip6 gives none (they stay the box's own and its forwards'). */
static __always_inline int port_acceptable(const struct port_search *s, __u16 port)
{
	return port >= 1024 || (s->inside < 1024 && s->low_ok);
}

/* Try to claim the port at index idx of the set: NOEXIST makes the claim
 * atomic across CPUs.  look: a lookup first (the walk, where most ports
 * are taken: a lookup takes no bucket lock, a failed NOEXIST update
 * does).  The hint learns what the claim found. */
static __always_inline int port_try_claim(struct port_search *s, __u32 idx, int look)
{
	__u16 port = mapce_port_at(s->a, s->k, s->psid, idx);
	int claimed;

	if (!port_acceptable(s, port))
		return 0;
	s->out.port = bpf_htons(port);
	/* Claimed (another's, or ours just now): the hint learns it either
	 * way, from the walk too (it runs when the hint missed ports).
	 * Race-sensitive: the bit is set after the claim, never before, so
	 * that a release on another CPU (port_release: delete, clear, look
	 * again) cannot clear it under a claim (port_hint_says_free). */
	claimed = !(look && bpf_map_lookup_elem(&mapce_ports, &s->out)) &&
		  !bpf_map_update_elem(&mapce_ports, &s->out, &s->owner, BPF_NOEXIST);
	port_hint_set(&s->key, s->out.proto, idx, 1);
	/* Verifier-sensitive: the return value is a constant, not s->found.
	 * A callback's return value is made precise; through s->found that
	 * would make the index it came from precise and keep the verifier
	 * from seeing the loop converge. */
	if (!claimed)
		return 0;
	s->found = s->out.port;
	return 1;
}

/* The walk: every index of the set from s->start by s->step. */
static long claim_step(__u32 i, void *ctx)
{
	struct port_search *s = ctx;

	return port_try_claim(s, search_index(s, i), 1);
}

/* The indices a scan wants (port_search.want), as a word's mask (a word
 * starts at an even index). */
#define HINT_ANY 0
#define HINT_EVEN 1
#define HINT_ODD 2

static __always_inline __u64 hint_mask(__u8 want)
{
	return want == HINT_EVEN  ? 0x5555555555555555ULL
	       : want == HINT_ODD ? 0xaaaaaaaaaaaaaaaaULL
				  : ~0ULL;
}

/*
 * Step i of the hint's word scan: word (start's + i) mod the set's words;
 * the start word comes twice, first (i = 0) from the start index on, last
 * below it: every index once, from a random one (RFC 6056).  Of the
 * indices the word says are free (of the wanted parity, in the set, at
 * or above s->lo) the first is claimed; a claim the hint had wrong sets
 * that bit and the scan goes on to the next word (the walk finds what a
 * scan skips).  Verifier-sensitive: nothing of the search changes from
 * step to step but found, so the verifier sees the loop converge.
 */
static long hint_step(__u32 i, void *ctx)
{
	struct port_search *s = ctx;
	__u32 nwords = (s->count + 63) / 64, sbit = s->start & 63, lo;
	__u32 w = (s->start >> 6) + i;
	/* the start word's half of this step.  Verifier-sensitive: the
	 * fewer values live across the lookup, the fewer spills, and a
	 * spill gives the callback a stack frame the program has no room
	 * for (combined stack over 512 bytes). */
	__u64 c = i == 0 ? ~0ULL << sbit : i == nwords ? (1ULL << sbit) - 1 : ~0ULL, *h;

	if (w >= nwords)
		w -= nwords;
	h = port_hint_word(&s->key, s->out.proto, w << 6);
	if (!h)
		return 1;
	c &= ~*h & hint_mask(s->want);
	if (w + 1 == (s->count + 63) / 64 && (s->count & 63))
		c &= (1ULL << (s->count & 63)) - 1; /* past the set's end */
	lo = s->lo;
	if ((w << 6) < lo)
		c = lo >= ((w + 1) << 6) ? 0 : c & (~0ULL << (lo & 63));
	if (!c)
		return 0;
	return port_try_claim(s, (w << 6) | port_hint_low_bit(c), 0);
}

/* Find a free port through the hint, from index s->start, among the
 * indices of want.  The scan reads each word once at most (the set's
 * size / 64 words): O(1) words expected while a fraction of the set is
 * free, where the walk tries ports one by one. */
static __always_inline __be16 hint_scan(struct port_search *s, __u8 want)
{
	s->want = want;
	bpf_loop((s->count + 63) / 64 + 1, hint_step, s, 0);
	return s->found;
}

/* The first index whose port inside port s->inside may take (the set's
 * ports ascend with the index; port_acceptable): exact for a set without
 * PSID and for a = 0, else 0 (port_try_claim skips the few system ports
 * of an a > 6 set one by one). */
static __always_inline __u32 port_low_end(const struct port_search *s)
{
	__u32 first = mapce_port_at(s->a, s->k, s->psid, 0);

	if ((s->inside < 1024 && s->low_ok) || first >= 1024)
		return 0;
	if (s->k == 0)
		return 1023; /* ports 1..1023 */
	return s->a == 0 ? 1024 - first : 0;
}

/*
 * Overlap: a port (owned or not) with no flow to this very remote
 * ip:port, so the inbound 5-tuple stays unique (RFC 7857 §3) - and never
 * a port forward's.  A forward admits every remote: a flow of another
 * endpoint on its port toward remote R would take every packet R sends
 * to the forward (the port shadowing of CVE-2021-3773: a LAN host that
 * can guess a client's ip:port pre-empts its connections to the
 * forwarded service).
 */
static long overlap_step(__u32 i, void *ctx)
{
	struct port_search *s = ctx;
	__u16 port = search_port(s, i);
	struct mapce_binding *owner;

	if (!port_acceptable(s, port))
		return 0;
	s->out.port = bpf_htons(port);
	owner = bpf_map_lookup_elem(&mapce_ports, &s->out);
	if (owner && (owner->flags & MAPCE_BIND_F_STATIC))
		return 0;
	s->probe.local_port = bpf_htons(port);
	if (bpf_map_lookup_elem(&mapce_flow_in, &s->probe))
		return 0;
	s->found = s->probe.local_port;
	return 1;
}

static __always_inline void search_init(struct port_search *s, const struct mapce_config *cfg,
					const struct mapce_endpoint *in, __u64 now)
{
	s->out.ip = cfg->ipv4;
	s->out.proto = in->proto;
	s->owner.ip = in->ip;
	s->owner.port = in->port;
	s->owner.created_ns = now;
	s->owner.refreshed_ns = now;
	s->a = cfg->psid_offset;
	s->k = cfg->psid_len;
	s->psid = cfg->psid;
	s->count = cfg->port_count;
	s->inside = bpf_ntohs(in->port);
	s->low_ok = (__u8)mode_low_ports(cfg);
}

/*
 * Claim a free outside port for inside endpoint in.  In order:
 *   1. the inside port itself, when it is in the set (port preservation);
 *   2. a port of the same parity (RFC 4787 REQ-4), from a random index,
 *      then any port, found through the hint (port_hint.h);
 *   3. when the hint knows of none: the walk of the whole set, same
 *      parity first, then the other (it finds what the hint missed).
 * A free port hidden by a stale hint bit may cost parity: step 2 gives a
 * port of the other parity the hint sees before the walk finds it.
 * Every range of the set is used.  Returns the port (network order) or 0.
 */
static __always_inline __be16 port_claim(struct port_search *s)
{
	int parity = s->k && 16 - s->a - s->k >= 1;

	if (s->count == 0)
		return 0;
	if (mapce_port_in_set(s->a, s->k, s->psid, s->inside) &&
	    port_try_claim(s, mapce_port_index(s->a, s->k, s->inside), 0))
		return s->found;
	/* bpf_loop: a set holds up to 65535 ports, far more than an unrolled
	 * or verifier-bounded loop allows. */
	s->start = bpf_get_prandom_u32() % s->count;
	s->lo = port_low_end(s);
	if (parity) {
		/* ranges start at even ports: index parity = port parity */
		s->start = (s->start & ~1u) | (s->inside & 1);
		if (s->start >= s->count)
			s->start -= 2;
		if (hint_scan(s, s->inside & 1 ? HINT_ODD : HINT_EVEN))
			return s->found;
	}
	if (hint_scan(s, HINT_ANY))
		return s->found;
	if (parity) {
		/* the same parity, then the other one: each port tried once
		 * (a parity set's count is even: start ^ 1 stays in it) */
		s->step = 2;
		bpf_loop(s->count / 2, claim_step, s, 0);
		if (!s->found) {
			s->start ^= 1;
			bpf_loop(s->count / 2, claim_step, s, 0);
		}
		return s->found;
	}
	s->step = 1;
	bpf_loop(s->count, claim_step, s, 0);
	return s->found;
}

/* A port whose flow to remote (ip, port) would not collide with another
 * inside endpoint's: the overlap fallback once the set is exhausted. */
static __always_inline __be16 port_overlap(struct port_search *s, const struct mapce_tuple *ko)
{
	s->probe.local_ip = s->out.ip;
	s->probe.remote_ip = ko->remote_ip;
	s->probe.remote_port = ko->remote_port;
	s->probe.proto = ko->proto;
	s->start = bpf_get_prandom_u32() % (s->count ? s->count : 1);
	s->step = 1;
	s->found = 0;
	bpf_loop(s->count, overlap_step, s, 0);
	return s->found;
}

/* One more mapping for inside host ip, unless it holds its limit. */
static __always_inline int host_take(const struct mapce_config *cfg, __be32 ip)
{
	struct mapce_host *h = bpf_map_lookup_elem(&mapce_hosts, &ip);
	struct mapce_host nh = { .bindings = 1 };

	if (!h) {
		if (bpf_map_update_elem(&mapce_hosts, &ip, &nh, BPF_NOEXIST) == 0)
			return 0;
		h = bpf_map_lookup_elem(&mapce_hosts, &ip);
		if (!h)
			return 0; /* table full: accounting is best effort */
	}
	if (cfg->max_per_host && h->bindings >= cfg->max_per_host) {
		__sync_fetch_and_add(&h->limit_hits, 1);
		return -1;
	}
	__sync_fetch_and_add(&h->bindings, 1);
	return 0;
}

static __always_inline void host_release(__be32 ip)
{
	struct mapce_host *h = bpf_map_lookup_elem(&mapce_hosts, &ip);

	if (h && h->bindings)
		__sync_fetch_and_add(&h->bindings, -1);
}

/*
 * The outside port of inside endpoint in (EIM: the same for every
 * destination), creating its mapping when needed.  ko is the flow that asks
 * (for the overlap fallback); s is the caller's search state, zeroed (one
 * on the stack for the caller's searches: the 512 bytes are tight).
 * Returns 0 and sets *reason when no port, map space or per-host
 * allowance is left.
 */
static __always_inline __be16 binding_get(const struct mapce_config *cfg,
					  const struct mapce_endpoint *in,
					  const struct mapce_tuple *ko, __u64 now, __u32 *reason,
					  struct port_search *s)
{
	struct mapce_binding *b = bpf_map_lookup_elem(&mapce_bind, in);
	struct mapce_binding nb = {};
	__be16 port;

	if (b)
		return b->port;
	if (host_take(cfg, in->ip)) {
		*reason = MAPCE_R_DROP_HOST_LIMIT;
		return 0;
	}
	search_init(s, cfg, in, now);
	port = port_claim(s);
	if (!port) {
		port = port_overlap(s, ko);
		if (!port) {
			host_release(in->ip);
			*reason = MAPCE_R_DROP_NO_PORTS;
			return 0;
		}
		nb.flags = MAPCE_BIND_F_OVERLAP; /* owns no claim in mapce_ports */
		stats_count(&mapce_stats, MAPCE_R_EV_PORT_OVERLAP, 0);
	}
	nb.ip = cfg->ipv4;
	nb.port = port;
	nb.created_ns = now;
	nb.refreshed_ns = now;
	if (bpf_map_update_elem(&mapce_bind, in, &nb, BPF_NOEXIST) == 0) {
		stats_count(&mapce_stats, MAPCE_R_EV_BINDING_CREATED, 0);
		binlog_flow(ko, nb.ip, port, MAPCE_BINLOG_CREATED, MAPCE_R_EV_BINDING_CREATED);
		return port;
	}
	/* Lost a race with another CPU (use its mapping) or the map is full:
	 * either way give the claimed port back. */
	host_release(in->ip);
	if (!(nb.flags & MAPCE_BIND_F_OVERLAP)) {
		s->out.port = port;
		port_release(&s->key, cfg, &s->out);
	}
	b = bpf_map_lookup_elem(&mapce_bind, in);
	if (b)
		return b->port;
	*reason = MAPCE_R_DROP_TABLE_FULL;
	return 0;
}

/* Remember that outside endpoint (ip, port) sent to remote (for ADF). */
static __always_inline void peer_note(__be32 out_ip, __be16 out_port, __u8 proto, __be32 remote,
				      __u64 now)
{
	struct mapce_peer_key pk = {
		.out_ip = out_ip, .out_port = out_port, .proto = proto, .remote_ip = remote
	};
	__u64 *seen = bpf_map_lookup_elem(&mapce_peers, &pk);

	/* Known (another flow of the mapping to that address): refreshed in
	 * place; a hash update would take the bucket lock and swap in a new
	 * element for the same eight bytes. */
	if (seen) {
		*seen = now;
		return;
	}
	bpf_map_update_elem(&mapce_peers, &pk, &now, BPF_ANY);
}

/* Insert both halves; 0, or -EEXIST when the inbound 5-tuple belongs to
 * another inside endpoint, or another negative error. */
static __always_inline int flow_insert(const struct mapce_tuple *ko, const struct mapce_tuple *ki,
				       __be32 pub, __be16 port, __u64 now)
{
	/* one value for both halves, in the per-CPU scratch (the fast
	 * path's XDP stack has no room): inbound, then outbound */
	__u32 zero = 0;
	struct mapce_flow *fl = bpf_map_lookup_elem(&mapce_flow_tmp, &zero);
	struct mapce_flow *cur;
	int err;

	if (!fl)
		return -12; /* ENOMEM: never (an array's slot 0) */
	__builtin_memset(fl, 0, sizeof(*fl));
	fl->ip = ko->local_ip;
	fl->port = ko->local_port;
	fl->created_ns = now;
	fl->last_ns = now;
	/* Inbound half first: once the outbound half exists, other CPUs
	 * take the fast path and replies must already find their way.
	 * NOEXIST: the outside 5-tuple must stay unique (no overloading). */
	err = bpf_map_update_elem(&mapce_flow_in, ki, fl, BPF_NOEXIST);
	if (err) {
		cur = bpf_map_lookup_elem(&mapce_flow_in, ki);
		if (!cur)
			return err;
		if (cur->ip != ko->local_ip || cur->port != ko->local_port)
			return -17; /* EEXIST: another endpoint's flow */
	}
	fl->ip = pub;
	fl->port = port;
	if (bpf_map_update_elem(&mapce_flow_out, ko, fl, BPF_NOEXIST) == 0)
		stats_count(&mapce_stats, MAPCE_R_EV_FLOW_CREATED, 0);
	/* else another CPU created it first: same halves */
	return 0;
}

/* The flow key of packet v as a flow map holds it: local = v's source for
 * a packet that leaves (mapce_flow_out; or the quote of a packet we sent,
 * in mapce_flow_in), v's destination for one that comes in (in = 1).  k
 * comes zeroed (its padding is part of the key). */
static __always_inline void flow_key_of(struct mapce_tuple *k, const struct v4_info *v, int in)
{
	k->local_ip = in ? v->daddr : v->saddr;
	k->remote_ip = in ? v->saddr : v->daddr;
	k->local_port = in ? v->dport : v->sport;
	k->remote_port = in ? v->sport : v->dport;
	k->proto = v->proto;
}

static __always_inline void flow_in_key(struct mapce_tuple *ki, const struct mapce_tuple *ko,
					__be32 pub, __be16 port)
{
	ki->local_ip = pub;
	ki->local_port = port;
	ki->remote_ip = ko->remote_ip;
	ki->remote_port = ko->remote_port;
	ki->proto = ko->proto;
}

/*
 * Create both halves of the flow whose outbound key is ko.  Returns the
 * outbound half, or NULL with *reason set.
 */
static __always_inline struct mapce_flow *flow_create(const struct mapce_config *cfg,
						      const struct mapce_tuple *ko, __u32 *reason)
{
	struct mapce_endpoint in = { .ip = ko->local_ip,
				     .port = ko->local_port,
				     .proto = ko->proto };
	struct mapce_tuple ki = {};
	struct port_search s = {}; /* binding_get's, then the retry's */
	struct mapce_flow *f;
	__u64 now = bpf_ktime_get_coarse_ns();
	__be16 port;
	int err;

	port = binding_get(cfg, &in, ko, now, reason, &s);
	if (!port)
		return NULL;
	flow_in_key(&ki, ko, cfg->ipv4, port);
	err = flow_insert(ko, &ki, cfg->ipv4, port, now);
	if (err == -17) {
		/* The mapping's port already carries another endpoint's flow to
		 * this remote (it was overlapped): this one flow takes another
		 * port; the mapping stays as it is. */
		__builtin_memset(&s, 0, sizeof(s));
		search_init(&s, cfg, &in, now);
		port = port_overlap(&s, ko);
		if (!port) {
			*reason = MAPCE_R_DROP_NO_PORTS;
			return NULL;
		}
		stats_count(&mapce_stats, MAPCE_R_EV_PORT_OVERLAP, 0);
		flow_in_key(&ki, ko, cfg->ipv4, port);
		err = flow_insert(ko, &ki, cfg->ipv4, port, now);
		if (!err)
			/* the log must know this flow's own outside port too */
			binlog_flow(ko, cfg->ipv4, port, MAPCE_BINLOG_CREATED,
				    MAPCE_R_EV_PORT_OVERLAP);
	}
	if (err) {
		*reason = MAPCE_R_DROP_TABLE_FULL;
		return NULL;
	}
	peer_note(cfg->ipv4, port, ko->proto, ko->remote_ip, now);
	f = bpf_map_lookup_elem(&mapce_flow_out, ko);
	if (!f)
		*reason = MAPCE_R_DROP_TABLE_FULL;
	return f;
}

/*
 * A packet from outside to a mapped port with no flow yet: open the flow
 * when the filtering mode lets this remote in (RFC 4787 §5, RFC 5382
 * REQ-3; port forwards always do).  ki is the inbound key.  Returns the
 * inbound half, or NULL with *reason set (the packet is dropped silently:
 * an unsolicited SYN gets no answer, RFC 5382 REQ-4).
 */
static __always_inline struct mapce_flow *
flow_open_inbound(const struct mapce_config *cfg, const struct mapce_tuple *ki, __u32 *reason)
{
	struct mapce_endpoint out = { .ip = ki->local_ip,
				      .port = ki->local_port,
				      .proto = ki->proto };
	struct mapce_peer_key pk = { .out_ip = ki->local_ip,
				     .out_port = ki->local_port,
				     .proto = ki->proto,
				     .remote_ip = ki->remote_ip };
	struct mapce_binding *owner;
	struct mapce_tuple ko = {};
	__u64 now;

	/* a port no one claimed: a miss without the claim's hash lookup
	 * (what the internet's junk and scans mostly hit) */
	owner = port_hint_says_free(cfg, &out) ? NULL : bpf_map_lookup_elem(&mapce_ports, &out);
	if (!owner) {
		*reason = MAPCE_R_DROP_NO_FLOW;
		return NULL;
	}
	if (!(owner->flags & MAPCE_BIND_F_STATIC)) {
		if (cfg->filtering == MAPCE_FILTER_APDF ||
		    (cfg->filtering == MAPCE_FILTER_ADF &&
		     !bpf_map_lookup_elem(&mapce_peers, &pk))) {
			*reason = MAPCE_R_DROP_FILTERED;
			return NULL;
		}
	}
	now = bpf_ktime_get_coarse_ns();
	ko.local_ip = owner->ip;
	ko.local_port = owner->port;
	ko.remote_ip = ki->remote_ip;
	ko.remote_port = ki->remote_port;
	ko.proto = ki->proto;
	if (flow_insert(&ko, ki, ki->local_ip, ki->local_port, now)) {
		*reason = MAPCE_R_DROP_TABLE_FULL;
		return NULL;
	}
	stats_count(&mapce_stats, MAPCE_R_EV_INBOUND_FLOW, 0);
	return bpf_map_lookup_elem(&mapce_flow_in, ki);
}

/* Account pkts packets of len bytes in all on a flow half and stamp its
 * activity (the per-CPU cached clock: the sweep and userspace compare the
 * stamp with fresh readings, which are never behind it).  Returns 1 when
 * this packet is the half's first FIN or RST (the binding log's
 * "closed"), else 0. */
static __always_inline int flow_account(struct mapce_flow *f, __u32 pkts, __u32 len, __u8 tcp_flags,
					__u8 proto)
{
	const __u8 end = MAPCE_TCP_SEEN_FIN | MAPCE_TCP_SEEN_RST;

	/* Plain adds: a flow half is one direction of one flow, which one
	 * CPU carries at a time (RSS on the LAN; on the WAN the tunnel's one
	 * outer flow; a socket's lock for the box's own).  Locked adds cost
	 * 12 of the 60 ns of a warm established XDP ingress (`make bench`,
	 * (b)); two CPUs on one half at once can lose counts (a third when
	 * they do nothing else, tests/bench/counters.h), never state. */
	f->packets += pkts;
	f->bytes += len;
	f->last_ns = clock_coarse_ns_cached(&mapce_clock);
	if (proto == IPPROTO_TCP) {
		__u8 seen = tcp_seen_bits(tcp_flags), had = f->tcp_seen;

		/* Write only when something new is seen: keeps the cache
		 * line clean for established flows. */
		if ((had & seen) != seen) {
			f->tcp_seen |= seen;
			return (seen & end) && !(had & end);
		}
	}
	return 0;
}

#endif
