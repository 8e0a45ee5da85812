/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_ce_model.h - the CE fuzzer's model of who may be reached from
 * outside, and the checks of what the CE delivers to the LAN.
 *
 * The world is seeded before a run (mappings made by real egress
 * packets, port forwards written as `mapce portmap add` writes them) and
 * then snapshotted from the maps: the outside ports and their owners
 * (mapce_ports), the remotes each mapping sent to (mapce_peers), the
 * flows (mapce_flow_in).  Under address-dependent filtering (the default)
 * a packet from remote R:rp may reach inside endpoint E only when
 *   - E owns a port forward (a forward admits everyone), or
 *   - E owns a mapping that sent to R (a peer), or
 *   - a flow of E with R:rp was in the snapshot.
 * Flows opened during the run are opened by admitted packets, so the rule
 * stays exact without tracking them.  A later IPv4 fragment (no ports)
 * may reach E only after a first fragment of its datagram did.
 */
#ifndef MAPCE_TEST_FUZZ_CE_MODEL_H
#define MAPCE_TEST_FUZZ_CE_MODEL_H

#include "bpf/ce.h"
#include "bpf/fuzz.h"

#define MODEL_MAX 512
#define MODEL_FRAGS (1u << 20)

struct model_port {
	uint16_t port;
	uint8_t proto, is_static;
	uint32_t ip; /* the owner */
	uint16_t owner_port;
};

struct model_flow {
	uint32_t remote, ip;
	uint16_t rport, port, out_port;
	uint8_t proto;
};

struct model_peer {
	uint16_t port;
	uint8_t proto;
	uint32_t remote;
};

/* A first fragment delivered: (source, id, protocol) -> inside address. */
struct model_frag {
	uint32_t src, ip;
	uint16_t id;
	uint8_t proto, used;
};

static struct {
	struct model_port ports[MODEL_MAX];
	struct model_flow flows[MODEL_MAX];
	struct model_peer peers[MODEL_MAX];
	int nports, nflows, npeers;
	struct model_frag *frags; /* MODEL_FRAGS slots, linear probing */
} model;

static int model_cmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}

static int model_cmp_port(const void *a, const void *b)
{
	return model_cmp(a, b, sizeof(struct model_port));
}

static int model_cmp_flow(const void *a, const void *b)
{
	return model_cmp(a, b, sizeof(struct model_flow));
}

static int model_cmp_peer(const void *a, const void *b)
{
	return model_cmp(a, b, sizeof(struct model_peer));
}

/* Read the seeded world from the maps, in an order of its own (a hash
 * map's is random): the same seed picks the same flows every run. */
static inline int model_snapshot(void)
{
	struct mapce_endpoint ek, enk;
	struct mapce_tuple tk, tnk;
	struct mapce_peer_key pk, pnk;
	void *prev;

	model.nports = model.nflows = model.npeers = 0;
	for (prev = NULL; model.nports < MODEL_MAX &&
			  !bpf_map__get_next_key(fx.ce->maps.mapce_ports, prev, &enk, sizeof(enk));
	     prev = &ek) {
		struct mapce_binding b;
		struct model_port *m = &model.ports[model.nports];

		ek = enk;
		if (bpf_map__lookup_elem(fx.ce->maps.mapce_ports, &ek, sizeof(ek), &b, sizeof(b),
					 0))
			continue;
		m->port = ntohs(ek.port);
		m->proto = ek.proto;
		m->ip = ntohl(b.ip);
		m->owner_port = ntohs(b.port);
		m->is_static = !!(b.flags & MAPCE_BIND_F_STATIC);
		model.nports++;
	}
	for (prev = NULL;
	     model.nflows < MODEL_MAX &&
	     !bpf_map__get_next_key(fx.ce->maps.mapce_flow_in, prev, &tnk, sizeof(tnk));
	     prev = &tk) {
		struct mapce_flow f;
		struct model_flow *m = &model.flows[model.nflows];

		tk = tnk;
		if (bpf_map__lookup_elem(fx.ce->maps.mapce_flow_in, &tk, sizeof(tk), &f, sizeof(f),
					 0))
			continue;
		m->remote = ntohl(tk.remote_ip);
		m->rport = ntohs(tk.remote_port);
		m->out_port = ntohs(tk.local_port);
		m->proto = tk.proto;
		m->ip = ntohl(f.ip);
		m->port = ntohs(f.port);
		model.nflows++;
	}
	for (prev = NULL; model.npeers < MODEL_MAX &&
			  !bpf_map__get_next_key(fx.ce->maps.mapce_peers, prev, &pnk, sizeof(pnk));
	     prev = &pk) {
		pk = pnk;
		model.peers[model.npeers].port = ntohs(pk.out_port);
		model.peers[model.npeers].proto = pk.proto;
		model.peers[model.npeers].remote = ntohl(pk.remote_ip);
		model.npeers++;
	}
	qsort(model.ports, (size_t)model.nports, sizeof(model.ports[0]), model_cmp_port);
	qsort(model.flows, (size_t)model.nflows, sizeof(model.flows[0]), model_cmp_flow);
	qsort(model.peers, (size_t)model.npeers, sizeof(model.peers[0]), model_cmp_peer);
	if (!model.frags)
		model.frags = calloc(MODEL_FRAGS, sizeof(*model.frags));
	else
		memset(model.frags, 0, MODEL_FRAGS * sizeof(*model.frags));
	return model.frags && model.nports && model.nflows ? 0 : -1;
}

static inline int model_has_peer(uint16_t port, uint8_t proto, uint32_t remote)
{
	for (int i = 0; i < model.npeers; i++)
		if (model.peers[i].port == port && model.peers[i].proto == proto &&
		    model.peers[i].remote == remote)
			return 1;
	return 0;
}

/* May remote r:rp reach inside endpoint ip:port (proto)?  (The rule at
 * the top; an echo reply's "port" is its id, rp 0.) */
static inline int model_admits(uint32_t ip, uint16_t port, uint8_t proto, uint32_t r, uint16_t rp)
{
	for (int i = 0; i < model.nports; i++) {
		const struct model_port *m = &model.ports[i];

		if (m->ip != ip || m->owner_port != port || m->proto != proto)
			continue;
		if (m->is_static || model_has_peer(m->port, proto, r))
			return 1;
	}
	for (int i = 0; i < model.nflows; i++) {
		const struct model_flow *f = &model.flows[i];

		if (f->ip == ip && f->port == port && f->proto == proto && f->remote == r &&
		    f->rport == rp)
			return 1;
	}
	return 0;
}

/* Is ip an inside address of the world? */
static inline int model_inside_ip(uint32_t ip)
{
	for (int i = 0; i < model.nports; i++)
		if (model.ports[i].ip == ip)
			return 1;
	return 0;
}

static inline struct model_frag *model_frag_slot(uint32_t src, uint16_t id, uint8_t proto)
{
	uint32_t h = (src * 2654435761u) ^ ((uint32_t)id << 8) ^ proto;

	for (uint32_t i = 0; i < MODEL_FRAGS; i++) {
		struct model_frag *f = &model.frags[(h + i) & (MODEL_FRAGS - 1)];

		if (!f->used || (f->src == src && f->id == id && f->proto == proto))
			return f;
	}
	return NULL;
}

/* The inside address a first fragment of (src, id, proto) went to, or 0. */
static inline uint32_t model_frag_dst(uint32_t src, uint16_t id, uint8_t proto)
{
	struct model_frag *f = model_frag_slot(src, id, proto);

	return f && f->used ? f->ip : 0;
}

static inline void model_frag_note(uint32_t src, uint16_t id, uint8_t proto, uint32_t ip)
{
	struct model_frag *f = model_frag_slot(src, id, proto);

	/* the CE's record of a datagram is its last first fragment's */
	if (f)
		*f = (struct model_frag){
			.src = src, .ip = ip, .id = id, .proto = proto, .used = 1
		};
}

/*
 * An IPv4 packet the CE delivered toward the LAN (decapsulated by XDP or
 * the slow path, or made from an ICMPv6 error), at out + 14; in is what
 * came in (its inner packet was valid: in_valid).  Whom it reaches must be
 * admitted, its header must verify, and what was valid stays valid.
 */
static inline void model_check_lan(const struct pkt *in, const struct pkt *out, int in_valid)
{
	const uint8_t *ip = out->b + 14;
	size_t avail = out->len - 14, hl;
	uint32_t src, dst;
	uint16_t frag, sport, dport;

	if (!v4_hdr_valid(ip, avail)) {
		fuzz_fail("lan: delivered with a bad IPv4 header", in, out);
		return;
	}
	if (in_valid && !v4_valid(ip, avail)) {
		fuzz_fail("lan: a valid packet delivered invalid", in, out);
		return;
	}
	hl = (ip[0] & 0xf) * 4;
	src = get32(ip + 12);
	dst = get32(ip + 16);
	frag = get16(ip + 6);
	if (!model_inside_ip(dst)) {
		fuzz_fail("lan: delivered to an address that owns nothing", in, out);
		return;
	}
	if (frag & 0x1fff) {
		if (model_frag_dst(src, get16(ip + 4), ip[9]) != dst)
			fuzz_fail("lan: a later fragment whose first did not go there", in, out);
		return;
	}
	if (avail < hl + 8)
		return;
	sport = get16(ip + hl);
	dport = get16(ip + hl + 2);
	if (ip[9] == 1 && (ip[hl] == 3 || ip[hl] == 11 || ip[hl] == 12)) {
		/* an error about a flow: the quote is the inside host's packet */
		const uint8_t *q = ip + hl + 8;
		size_t qhl;

		if (avail < hl + 8 + 28 || (q[0] >> 4) != 4) {
			fuzz_fail("lan: an ICMP error without its quote", in, out);
			return;
		}
		qhl = (q[0] & 0xf) * 4;
		if (avail < hl + 8 + qhl + 8 || get32(q + 12) != dst) {
			fuzz_fail("lan: an ICMP error quoting another host's packet", in, out);
			return;
		}
		if (q[9] == 1 ? !model_admits(dst, get16(q + qhl + 4), 1, get32(q + 16), 0)
			      : !model_admits(dst, get16(q + qhl), q[9], get32(q + 16),
					      get16(q + qhl + 2)))
			fuzz_fail("lan: an ICMP error about a flow nobody admitted", in, out);
		return;
	}
	if (ip[9] == 1) {
		if (ip[hl] != 0 || !model_admits(dst, get16(ip + hl + 4), 1, src, 0))
			fuzz_fail("lan: ICMP to an inside host nobody admitted", in, out);
	} else if (!model_admits(dst, dport, ip[9], src, sport)) {
		fuzz_fail("lan: reached an inside endpoint no binding or forward admits", in, out);
	}
	if (frag & 0x2000)
		model_frag_note(src, get16(ip + 4), ip[9], dst);
}

/* After an ingress run: every flow is admitted, no mapping was made (or
 * peer noted: inbound packets never add one). */
static inline void model_check_no_state(int ports_before, int binds_before)
{
	struct mapce_tuple tk, tnk;
	void *prev = NULL;
	int n = 0;

	/* (a long run sees idle mappings expire: fewer, never more) */
	CHECK(fx_map_count(fx.ce->maps.mapce_ports) <= ports_before);
	CHECK(fx_map_count(fx.ce->maps.mapce_bind) <= binds_before);
	CHECK(fx_map_count(fx.ce->maps.mapce_peers) <= model.npeers);
	while (n++ < 100000 &&
	       !bpf_map__get_next_key(fx.ce->maps.mapce_flow_in, prev, &tnk, sizeof(tnk))) {
		struct mapce_flow f;

		tk = tnk;
		prev = &tk;
		if (bpf_map__lookup_elem(fx.ce->maps.mapce_flow_in, &tk, sizeof(tk), &f, sizeof(f),
					 0))
			continue;
		if (!model_admits(ntohl(f.ip), ntohs(f.port), tk.proto, ntohl(tk.remote_ip),
				  ntohs(tk.remote_port))) {
			CHECK(0, "a flow nobody admitted: %08x:%u from %08x:%u proto %u",
			      ntohl(f.ip), ntohs(f.port), ntohl(tk.remote_ip),
			      ntohs(tk.remote_port), tk.proto);
			return;
		}
	}
}

#endif
