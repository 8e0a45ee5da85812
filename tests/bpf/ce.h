/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce.h - the lab CE's world for the CE tests (tests/bpf/test_ce*.c): its
 * packets, the frames it must emit, its NAT state, and the row builders
 * of the case tables.
 *
 * Inside packets go from LAN_HOST to SERVER; every case starts on a
 * fresh CE (ce_fresh), so no state leaks between cases.  The expected
 * frames are built independently of the datapath (tests/pkt.h computes
 * every checksum from scratch).
 */
#ifndef MAPCE_TEST_CE_H
#define MAPCE_TEST_CE_H

#include "bpf/fixture.h"
#include "mapce_flow.h"
#include "ce/port_hint_sync.h"

/* Mesh: the BMR is also an FMR; 198.51.100.77 port 0x5678 (PSID 0x67)
 * belongs to the CE at 2001:db8:4d:6700:c6:3364:4d00:6700 (legacy IID). */
#define PEER_V4 IP4(198, 51, 100, 77)
#define PEER_CE6 "2001:db8:4d:6700:c6:3364:4d00:6700"

/* A new flow: its mapping (binding) and the flow itself. */
#define EV_NEW_FLOW (EV(FLOW_CREATED) | EV(BINDING_CREATED))
/* A flow opened from outside (filtering let it in): both its halves. */
#define EV_INBOUND_FLOW (EV(INBOUND_FLOW) | EV(FLOW_CREATED))

/* Packets (overrides after the defaults: UDP_OUT(1, 2, .payload = 9)).
 * An inside UDP packet as Linux sends it (DF) from LAN_HOST to SERVER. */
#define UDP_OUT(sp, dp, ...)                                                               \
	{                                                                                  \
		.src = LAN_HOST, .dst = SERVER, .proto = 17, .sport = (sp), .dport = (dp), \
		.payload = 32, .ttl = 63, .frag = 0x4000, __VA_ARGS__                      \
	}
/* The SERVER's UDP answer from port sp to our public port dp. */
#define UDP_IN(sp, dp, ...)                                                             \
	{                                                                               \
		.src = SERVER, .dst = CE_V4, .proto = 17, .sport = (sp), .dport = (dp), \
		.payload = 32, .ttl = 63, .frag = 0x4000, __VA_ARGS__                   \
	}
/* An inside TCP SYN (DF) from LAN_HOST to SERVER. */
#define TCP_SYN_OUT(sp, dp, ...)                                                          \
	{                                                                                 \
		.src = LAN_HOST, .dst = SERVER, .proto = 6, .sport = (sp), .dport = (dp), \
		.tcp_flags = 0x02, .ttl = 63, .frag = 0x4000, __VA_ARGS__                 \
	}
/* The SERVER's SYN-ACK from port sp to our public port dp. */
#define TCP_SYNACK_IN(sp, dp, ...)                                                     \
	{                                                                              \
		.src = SERVER, .dst = CE_V4, .proto = 6, .sport = (sp), .dport = (dp), \
		.tcp_flags = 0x12, .ttl = 63, .frag = 0x4000, __VA_ARGS__              \
	}

/* TCP options of a SYN: MSS 1460 (what a LAN host on Ethernet offers), and
 * clamped to 1420 (the tunnel's default clamp); then NOP NOP SACK-OK. */
static const uint8_t OPT_MSS1460[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
static const uint8_t OPT_MSS1420[] = { 2, 4, 0x05, 0x8c, 1, 1, 4, 2 };

static inline struct v4_spec udp_out(uint16_t sport, uint16_t dport)
{
	return (struct v4_spec)UDP_OUT(sport, dport);
}

/* The answer to the inside packet o that left on out_port. */
static inline struct v4_spec reply_of(const struct v4_spec *o, uint16_t out_port)
{
	struct v4_spec r = *o;

	r.src = o->dst;
	r.dst = CE_V4;
	if (o->proto == 1) {
		r.icmp_type = 0;
		r.sport = out_port;
	} else {
		r.sport = o->dport;
		r.dport = out_port;
	}
	if (o->proto == 6)
		r.tcp_flags = 0x12;
	return r;
}

/* A fresh CE for the case name: no state from the cases before. */
static inline int ce_open(void)
{
	return fx_open_ce(0);
}

static inline void ce_fresh(const char *name)
{
	TCASE_BEGIN(name);
	CHECK(ce_open() == 0, "CE object failed to load");
}

static inline void ce_set_filtering(__u8 mode)
{
	fx.cfg.filtering = mode;
	fx_config();
}

/* ---- frames ------------------------------------------------------------- */

/* The tunnel frame from the IPv6 address src6 to the CE carrying s. */
static inline void ce_frame_from(struct pkt *k, const char *src6, const struct v4_spec *s)
{
	pkt_v6v4(k, a6(src6), a6(CE_MAP6), s);
}

/* Cut the IPv4 datagram (from SERVER to us, id, 20-byte header) of the
 * tunnel frame whole in two, each in its own tunnel packet: f1 the first
 * fragment with cut payload bytes (MF), f2 the last with the rest. */
static inline void ce_inner_fragments(const struct pkt *whole, size_t cut, uint16_t id,
				      struct pkt *f1, struct pkt *f2)
{
	size_t n = whole->len - 54 - 20; /* IPv4 payload */

	memcpy(f1->b, whole->b, 54 + 20 + cut);
	f1->len = 54 + 20 + cut;
	put16(f1->b + 18, (uint16_t)(20 + cut));
	put16(f1->b + 54 + 2, (uint16_t)(20 + cut));
	put16(f1->b + 54 + 6, 0x2000);
	patch_v4_hdr(f1->b + 54, SERVER, CE_V4, id);
	memcpy(f2->b, whole->b, 54 + 20);
	memcpy(f2->b + 74, whole->b + 74 + cut, n - cut);
	f2->len = 74 + n - cut;
	put16(f2->b + 18, (uint16_t)(20 + n - cut));
	put16(f2->b + 54 + 2, (uint16_t)(20 + n - cut));
	put16(f2->b + 54 + 6, (uint16_t)(cut / 8));
	patch_v4_hdr(f2->b + 54, SERVER, CE_V4, id);
}

/* The frame the CE must emit for inside packet s NAPT-ed to out_port,
 * through the tunnel to dst6 (the BR, or a mesh peer). */
static inline void ce_encapped_to(struct pkt *want, const struct v4_spec *s, uint16_t out_port,
				  const char *dst6)
{
	struct v4_spec t = *s;

	t.src = CE_V4;
	t.sport = out_port; /* or the echo id: the same field */
	pkt_v6v4(want, a6(CE_MAP6), a6(dst6), &t);
}

static inline void ce_encapped(struct pkt *want, const struct v4_spec *s, uint16_t out_port)
{
	ce_encapped_to(want, s, out_port, BR6);
}

/* The frame the CE must pass up for outside packet s sent to the inside
 * endpoint ip:port. */
static inline void ce_decapped(struct pkt *want, const struct v4_spec *s, uint32_t ip,
			       uint16_t port)
{
	struct v4_spec t = *s;

	t.dst = ip;
	if (t.proto == 1)
		t.sport = port; /* echo id lives in the same field */
	else
		t.dport = port;
	pkt_v4(want, &t);
}

/* The ICMP error the CE sends back in to the inside host about its
 * packet in: from our public address, quoting the first 28 bytes the host
 * sent, MACs swapped, DF (a destination unreachable: no ports left, or
 * fragmentation needed with the next-hop mtu). */
static inline void ce_reject(struct pkt *want, const struct pkt *in, uint8_t code, uint16_t mtu)
{
	struct icmp4_err e = { .src = CE_V4,
			       .dst = get32(in->b + 14 + 12),
			       .type = 3,
			       .code = code,
			       .mtu = mtu,
			       .frag = 0x4000,
			       .quote = in->b + 14,
			       .qlen = 28 };

	frame_icmp4_err(want, &e);
	memcpy(want->b, in->b + 6, 6);
	memcpy(want->b + 6, in->b, 6);
}

/* The ICMPv4 error (type, code, mtu) the CE passes up to the inside host
 * for an ICMPv6 error about its packet inside: quoting the first 28 bytes
 * the host sent. */
static inline void ce_icmp4_to_host(struct pkt *want, const struct pkt *inside, uint8_t type,
				    uint8_t code, uint16_t mtu)
{
	struct icmp4_err e = { .src = CE_V4,
			       .dst = LAN_HOST,
			       .type = type,
			       .code = code,
			       .mtu = mtu,
			       .quote = inside->b + 14,
			       .qlen = 28 };

	frame_icmp4_err(want, &e);
}

/* An ICMPv6 error from a router on the path about the tunnel packet
 * tunnel_pkt (a frame as the CE sent it), quoting as much as fits 1280. */
static inline void ce_icmp6_err(struct pkt *k, const struct pkt *tunnel_pkt, uint8_t type,
				uint32_t mtu)
{
	size_t quote = tunnel_pkt->len - 14;

	frame_icmp6_err(k, a6("2001:db8:12:3400::ffff"), a6(CE_MAP6), type, 0, mtu,
			tunnel_pkt->b + 14, quote > 1232 ? 1232 : quote);
}

/* Source port (or echo id) of the inner IPv4 of an encapsulated frame. */
static inline uint16_t encap_sport(const struct pkt *p)
{
	const uint8_t *ip = p->b + 54;
	size_t hl = (ip[0] & 0xf) * 4;

	return ip[9] == 1 ? get16(ip + hl + 4) : get16(ip + hl);
}

static inline int in_set(uint16_t port)
{
	return mapce_port_in_set(4, 8, CE_PSID, port);
}

/* ---- NAT state ---------------------------------------------------------- */

/* The key of the outbound half of the flow of inside packet s. */
static inline struct mapce_tuple flow_out_key(const struct v4_spec *s)
{
	return (struct mapce_tuple){ .local_ip = htonl(s->src),
				     .remote_ip = htonl(s->dst),
				     .local_port = htons(s->sport),
				     .remote_port = htons(s->proto == 1 ? 0 : s->dport),
				     .proto = s->proto };
}

/* The key of the inbound half: from remote:rport to our out_port. */
static inline struct mapce_tuple flow_in_key(uint32_t remote, uint16_t rport, uint16_t out_port,
					     uint8_t proto)
{
	return (struct mapce_tuple){ .local_ip = htonl(CE_V4),
				     .remote_ip = htonl(remote),
				     .local_port = htons(out_port),
				     .remote_port = htons(rport),
				     .proto = proto };
}

static inline int flow_out_get(const struct v4_spec *s, struct mapce_flow *f)
{
	struct mapce_tuple k = flow_out_key(s);

	return bpf_map__lookup_elem(fx.ce->maps.mapce_flow_out, &k, sizeof(k), f, sizeof(*f), 0);
}

static inline int flow_in_get(uint32_t remote, uint16_t rport, uint16_t out_port, uint8_t proto,
			      struct mapce_flow *f)
{
	struct mapce_tuple k = flow_in_key(remote, rport, out_port, proto);

	return bpf_map__lookup_elem(fx.ce->maps.mapce_flow_in, &k, sizeof(k), f, sizeof(*f), 0);
}

/* Delete from userspace everything UDP flow s made on outside port: both
 * halves, the mapping, the port claim, the peer (the port hint is not
 * told).  0, or the port claim's delete error (-ENOENT: none). */
static inline int ce_udp_flow_forget(const struct v4_spec *s, uint16_t port)
{
	struct mapce_tuple ko = flow_out_key(s), ki = flow_in_key(s->dst, s->dport, port, 17);
	struct mapce_endpoint in = { .ip = htonl(s->src), .port = htons(s->sport), .proto = 17 };
	struct mapce_endpoint pub = { .ip = htonl(CE_V4), .port = htons(port), .proto = 17 };
	struct mapce_peer_key pk = { .out_ip = htonl(CE_V4),
				     .remote_ip = htonl(s->dst),
				     .out_port = htons(port),
				     .proto = 17 };

	bpf_map_delete_elem(bpf_map__fd(fx.ce->maps.mapce_flow_out), &ko);
	bpf_map_delete_elem(bpf_map__fd(fx.ce->maps.mapce_flow_in), &ki);
	bpf_map_delete_elem(bpf_map__fd(fx.ce->maps.mapce_bind), &in);
	bpf_map_delete_elem(bpf_map__fd(fx.ce->maps.mapce_peers), &pk);
	return bpf_map_delete_elem(bpf_map__fd(fx.ce->maps.mapce_ports), &pub);
}

/* Claim outside endpoint out for owner in mapce_ports (update flags:
 * BPF_ANY, BPF_NOEXIST), as `mapce portmap` does: the claim, then its
 * bit in the port hint (XDP ingress trusts a clear bit to mean no
 * claim: bpf/ce/port_hint.h).  0, or -errno. */
static inline int ce_claim(const struct mapce_endpoint *out, const struct mapce_binding *owner,
			   __u64 flags)
{
	if (bpf_map_update_elem(bpf_map__fd(fx.ce->maps.mapce_ports), out, owner, flags))
		return -errno;
	return port_hint_mark(bpf_map__fd(fx.ce->maps.mapce_port_hint), &fx.cfg, out, true);
}

/* ---- one packet, checked ------------------------------------------------ */

/* expect_run on the inside packet s leaving through TC egress:
 * egress(s, verdict, reason, events, want, out). */
#define egress(s, ...) fx_expect_run(__FILE__, __LINE__, FX_TC_EGRESS, ce_lan(s), NULL, __VA_ARGS__)
/* expect_run on the outside packet s arriving from the BR at XDP. */
#define ingress(s, ...) fx_expect_run(__FILE__, __LINE__, FX_XDP, ce_from_br(s), NULL, __VA_ARGS__)

/* The input frames of egress() and ingress(), in a scratch buffer. */
static struct pkt ce_scratch_in;

static inline const struct pkt *ce_lan(const struct v4_spec *s)
{
	pkt_v4(&ce_scratch_in, s);
	return &ce_scratch_in;
}

static inline const struct pkt *ce_from_br(const struct v4_spec *s)
{
	ce_frame_from(&ce_scratch_in, BR6, s);
	return &ce_scratch_in;
}

/*
 * The inside packet s leaves (TC_ACT_OK, encap, with events) on the port
 * the CE picks: the frame must be w (s when NULL: what the CE may change
 * besides the port, e.g. a clamped MSS) NAPT-ed to that port, the port in
 * our set (and s's own port when keep, a port of the set being kept).
 * Returns the port.
 */
#define egress_mapped(s, events, keep, out) \
	ce_egress_mapped(__FILE__, __LINE__, s, NULL, events, keep, out)
#define egress_mapped_as(s, w, events, keep, out) \
	ce_egress_mapped(__FILE__, __LINE__, s, w, events, keep, out)
static inline uint16_t ce_egress_mapped(const char *file, int line, const struct v4_spec *s,
					const struct v4_spec *w, __u64 events, int keep,
					struct pkt *out)
{
	static struct pkt o;
	struct pkt want;
	uint16_t port;

	if (!out)
		out = &o;
	fx_expect_run(file, line, FX_TC_EGRESS, ce_lan(s), NULL, TC_ACT_OK, MAPCE_R_ENCAP, events,
		      FRAME_LATER, out);
	port = out->len > 54 + 24 ? encap_sport(out) : 0;
	t_report(in_set(port), "port in our set", file, line, "port 0x%x", port);
	if (keep)
		t_report(port == s->sport, "port kept", file, line, "0x%x, want 0x%x", port,
			 s->sport);
	ce_encapped(&want, w ? w : s, port);
	fx_expect_frame(file, line, out, &want);
	return port;
}

/* The reply r reaches the inside endpoint ip:port (XDP_PASS, decap). */
#define ingress_to(r, ip, port, events, out) \
	ce_ingress_to(__FILE__, __LINE__, r, ip, port, events, out)
static inline int ce_ingress_to(const char *file, int line, const struct v4_spec *r, uint32_t ip,
				uint16_t port, __u64 events, struct pkt *out)
{
	struct pkt want;

	ce_decapped(&want, r, ip, port);
	return fx_expect_run(file, line, FX_XDP, ce_from_br(r), NULL, XDP_PASS, MAPCE_R_DECAP,
			     events, &want, out);
}

/* ---- transport checksums left to offload ------------------------------------ */

/* The transport checksum field (host order) at off of k. */
static inline uint16_t field_at(const struct pkt *k, size_t off)
{
	return (uint16_t)(k->b[off] << 8 | k->b[off + 1]);
}

/*
 * full (a tunnel frame, IPv4 right behind the IPv6 header, the transport
 * checksum field at l4sum) with that checksum left to offload:
 * XDP passes it up untouched (csum_to_slow_path, no flow accounted); TC
 * ingress translates and decapsulates it into want, whose transport
 * checksum is made what the helpers make of the partial one.  Under
 * BPF_PROG_TEST_RUN the skb is CHECKSUM_NONE, so the helpers apply the
 * translation's whole difference to the field, the same difference as
 * from the complete checksum of in (full) to want's: ~P' = ~P + ~C' - ~C.
 * (On a real CHECKSUM_PARTIAL skb they apply the pseudo-header's part
 * only; tests/lab/test_lab_wan_offload.sh runs that.)
 */
#define expect_left_to_offload(full, want, l4sum, tc_events) \
	ce_expect_left_to_offload(__FILE__, __LINE__, full, want, l4sum, tc_events)
static inline void ce_expect_left_to_offload(const char *file, int line, const struct pkt *full,
					     struct pkt *want, size_t l4sum, __u64 tc_events)
{
	struct pkt in = *full, same;
	uint16_t c = field_at(full, l4sum), c2, p, p2;
	size_t w = l4sum - 40; /* the same field, decapsulated */

	put_v4_csum_partial(in.b + 54);
	p = field_at(&in, l4sum);
	c2 = field_at(want, w);
	p2 = rfc1071_fold((uint16_t)~p + (uint32_t)(uint16_t)~c2 + c);
	want->b[w] = (uint8_t)(p2 >> 8);
	want->b[w + 1] = (uint8_t)p2;
	same = in;
	fx_expect_run(file, line, FX_XDP, &in, NULL, XDP_PASS, MAPCE_R_CSUM_TO_SLOW_PATH, 0, &same,
		      NULL);
	fx_expect_run(file, line, FX_TC_INGRESS, &in, NULL, TC_ACT_OK, MAPCE_R_DECAP, tc_events,
		      want, NULL);
}

/* ---- row builders --------------------------------------------------------- */

/* Inputs: the row's packet from the LAN; from the BR (or peer6) over the
 * tunnel. */
static inline void in_lan(struct pkt *in, const struct fx_row *r)
{
	pkt_v4(in, &r->v4);
}

static inline void in_tunnel(struct pkt *in, const struct fx_row *r)
{
	ce_frame_from(in, r->peer6 ? r->peer6 : BR6, &r->v4);
}

/* Outputs: encapsulated to the BR (or peer6) on the packet's own port;
 * decapsulated to LAN_HOST on the port it came to. */
static inline void want_tunnel(struct pkt *want, const struct pkt *in, const struct fx_row *r)
{
	ce_encapped_to(want, &r->v4, r->v4.sport, r->peer6 ? r->peer6 : BR6);
}

static inline void want_lan(struct pkt *want, const struct pkt *in, const struct fx_row *r)
{
	ce_decapped(want, &r->v4, LAN_HOST, r->v4.proto == 1 ? r->v4.sport : r->v4.dport);
}

/* Rows: { SHORTHAND(name, ...), .v4 = the packet, more fields }. */
/* The inside packet leaves; the outside packet arrives from the BR. */
#define OUT(n) .name = n, .prog = FX_TC_EGRESS, .in = in_lan
#define IN(n) .name = n, .prog = FX_XDP, .in = in_tunnel
/* It opens a new flow on its own port (a port of the set is kept). */
#define NEW_FLOW(n)                                                                   \
	OUT(n), .verdict = TC_ACT_OK, .reason = MAPCE_R_ENCAP, .events = EV_NEW_FLOW, \
		.want = want_tunnel
/* The answer reaches LAN_HOST on the port it came to. */
#define REPLY(n) IN(n), .verdict = XDP_PASS, .reason = MAPCE_R_DECAP, .want = want_lan
#define IN_DROP(n, why) IN(n), .verdict = XDP_DROP, .reason = MAPCE_R_##why
#define OUT_DROP(n, why) OUT(n), .verdict = TC_ACT_SHOT, .reason = MAPCE_R_##why

static inline void ce_run_rows(const struct fx_row *rows, size_t n)
{
	fx_run_rows(rows, n, ce_open);
}

#endif
