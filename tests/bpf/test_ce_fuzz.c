// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_fuzz.c - the CE's three programs under a packet fuzzer.
 *
 * Valid, varied and mutated frames (fuzz_frames.h) go through the real
 * programs, FUZZ_PACKETS of them each (fuzz.h: a short run in `make test`,
 * 10 million in `make fuzz`), and every output is checked:
 *   TC egress  - no IPv4 leaves the WAN unencapsulated; what leaves comes
 *                from our MAP address to the BR (or, mesh, the CE owning
 *                the destination), carries our public address as its
 *                source and a port (or echo id) of our set, and its IPv4
 *                header checksum verifies; a packet valid in is valid out.
 *                What goes back in (a reject, a hairpin) goes to the
 *                sender or to the owner of the port it was sent to;
 *   XDP ingress, TC ingress (slow path) - what reaches the LAN was sent by
 *                the BR (RFC 7597 §8.1), has a header that verifies, and
 *                reaches an inside endpoint a binding or forward admits
 *                (fuzz_ce_model.h); no tunnel packet to us passes up
 *                untranslated (an IPv4 fragment waiting for its first
 *                aside); ICMPv6 errors become valid ICMPv4 errors about
 *                admitted flows; after the run no flow exists that the
 *                model does not admit, and no mapping was made;
 *   all        - the verdict is one the program may return, and every
 *                frame is counted under exactly one reason (all in sum,
 *                one in FUZZ_EXACT_EVERY exactly).
 */
#include "harness.h"
#include "bpf/fuzz_frames.h"
#include "bpf/fuzz_ce_model.h"

#define ROUTER IP4(203, 0, 113, 1)
#define NSEED 48

static const uint8_t protos[] = { 17, 6, 1, 17, 6, 47 };

/* An inside packet: TCP/UDP/ICMP from LAN hosts to servers (or to our
 * public address: hairpin), sometimes GSO-sized.  Most belong to a few
 * hundred flows (the established path, as on a real line); one in eight
 * opens a new one, until the set runs out (then ports overlap). */
static void random_out(struct v4_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->proto = protos[rnd() % 6];
	s->src = LAN_HOST + rnd() % 3;
	s->dst = rnd() % 8 ? SERVER + rnd() % 4 : (rnd() % 2 ? CE_V4 : PEER_V4);
	if (!one_in(8))
		s->sport = (uint16_t)(rnd() % 2 ? mapce_port_at(4, 8, CE_PSID, rnd() % 16)
						: 40000 + rnd() % 16);
	else
		s->sport =
			(uint16_t)(rnd() % 2 ? mapce_port_at(4, 8, CE_PSID, rnd() % 240) : rnd());
	s->dport = (uint16_t)(rnd() % 3 ? 53 + rnd() % 4 : rnd());
	s->icmp_type = (uint8_t)(rnd() % 3 ? 8 : rnd() % 16);
	s->tcp_flags = (uint8_t)rnd();
	s->ttl = 64;
	s->frag = rnd() % 5 ? 0x4000 : 0;
	s->payload = (uint16_t)(one_in(20) ? 1400 + rnd() % 1600 : rnd() % 300);
	s->udp_zero_csum = one_in(7);
	if (s->proto == 6 && one_in(3)) {
		static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };

		s->tcp_opts = opts;
		s->tcp_opts_len = sizeof(opts);
	}
}

/* ---- egress ------------------------------------------------------------- */

/* A hairpinned packet goes to the owner of the port it was sent to. */
static int hairpin_owner_ok(const struct pkt *in, const struct pkt *out)
{
	const uint8_t *ip = in->b + 14;
	size_t hl = (ip[0] & 0xf) * 4;
	struct mapce_endpoint k = { .ip = htonl(CE_V4), .proto = ip[9] };
	struct mapce_binding b;

	if (in->len < 14 + hl + 4 || out->len < 14 + hl + 4)
		return 0;
	k.port = htons(get16(ip + hl + 2));
	if (bpf_map__lookup_elem(fx.ce->maps.mapce_ports, &k, sizeof(k), &b, sizeof(b), 0))
		return 0;
	return ntohl(b.ip) == get32(out->b + 30) &&
	       ntohs(b.port) == get16(out->b + 14 + ((out->b[14] & 0xf) * 4) + 2);
}

static void check_egress(const struct pkt *in, const struct pkt *out, int verdict)
{
	int in4 = in->len > 34 && get16(in->b + 12) == 0x0800;
	const uint8_t *ip;
	uint8_t want6[16];
	size_t hl, avail;

	if (verdict == TC_ACT_SHOT)
		return;
	if (verdict == TC_ACT_REDIRECT) {
		/* back in: a reject to the sender, or a hairpin to the
		 * owner of the port it was sent to */
		if (out->len < 34 || get16(out->b + 12) != 0x0800 || !in4 ||
		    (v4_hdr_valid(in->b + 14, in->len - 14) &&
		     !v4_hdr_valid(out->b + 14, out->len - 14)))
			fuzz_fail("egress: redirected something that is no valid IPv4", in, out);
		else if (get32(out->b + 30) != get32(in->b + 26) && !hairpin_owner_ok(in, out))
			fuzz_fail("egress: redirected to a host that is neither", in, out);
		return;
	}
	if (verdict != TC_ACT_OK) {
		fuzz_fail("egress: unexpected verdict", in, out);
		return;
	}
	if (!in4)
		return; /* not IPv4: passed as it was */
	if (out->len < 14 || get16(out->b + 12) == 0x0800) {
		fuzz_fail("egress: IPv4 left unencapsulated", in, out);
		return;
	}
	ip = frame_inner_v4(out);
	if (!ip || memcmp(out->b + 22, a6(CE_MAP6), 16)) {
		fuzz_fail("egress: encapsulated, but not from our MAP address", in, out);
		return;
	}
	avail = out->len - (size_t)(ip - out->b);
	if (get32(ip + 12) != CE_V4) {
		fuzz_fail("egress: inner source is not our public address", in, out);
		return;
	}
	if (!v4_hdr_valid(ip, avail) && v4_hdr_valid(in->b + 14, in->len - 14)) {
		fuzz_fail("egress: left with a bad IPv4 header checksum", in, out);
		return;
	}
	if (v4_valid(in->b + 14, in->len - 14) && !v4_valid(ip, avail)) {
		fuzz_fail("egress: a valid packet left invalid", in, out);
		return;
	}
	hl = (ip[0] & 0xf) * 4;
	if (get16(ip + 6) & 0x1fff || avail < hl + 8)
		return; /* later fragment: no ports */
	if ((ip[9] == 6 || ip[9] == 17) && !in_set(get16(ip + hl)))
		fuzz_fail("egress: source port outside the set", in, out);
	if (ip[9] == 1 && ip[hl] == 8 && !in_set(get16(ip + hl + 4)))
		fuzz_fail("egress: echo id outside the set", in, out);
	/* to the BR, or (mesh) to the CE owning the destination and port */
	if ((get32(ip + 16) >> 8) == (IP4(198, 51, 100, 0) >> 8) &&
	    (ip[9] == 6 || ip[9] == 17 || (ip[9] == 1 && ip[hl] == 8))) {
		/* an echo request has no destination port: 0 names its CE */
		mapce_ce_address_for_port(&fx.bmr, htonl(get32(ip + 16)),
					  ip[9] == 1 ? 0 : get16(ip + hl + 2), 1, want6);
		if (memcmp(out->b + 38, want6, 16))
			fuzz_fail("egress: mesh packet to a CE that does not own it", in, out);
	} else if (memcmp(out->b + 38, a6(BR6), 16)) {
		fuzz_fail("egress: encapsulated to someone else than the BR", in, out);
	}
}

static void fuzz_egress(void)
{
	struct mapce_lpm_v4_key lk = { .prefixlen = 24, .addr = htonl(IP4(198, 51, 100, 0)) };
	struct fuzz_run r;
	struct pkt in, out;
	__u32 idx = 0;

	if (fx_open_ce(0)) {
		TCASE_BEGIN("fuzz_ce_tc_egress");
		CHECK(0, "CE object failed to load");
		return;
	}
	fx.cfg.flags |= MAPCE_CFG_F_MESH;
	fx.cfg.mss_clamp = 1420;
	fx_config();
	bpf_map__update_elem(fx.ce->maps.mapce_fmr_lpm, &lk, sizeof(lk), &idx, sizeof(idx), 0);
	fuzz_begin(&r, "fuzz_ce_tc_egress", FX_TC_EGRESS, 0);
	for (r.index = 0; r.index < r.packets; r.index++) {
		struct __sk_buff ctx, *c;
		struct v4_spec s;
		int v;

		random_out(&s);
		pkt_v4(&in, &s);
		fz_vary_v4(&in, s.src, SERVER);
		if (one_in(4))
			fz_mutate(&in);
		if (one_in(60))
			put16(in.b + 12, (uint16_t)rnd()); /* not IPv4 at all */
		c = fz_gso_ctx(&in, &ctx);
		v = fuzz_run(&r, &in, c, &out);
		if (v < 0)
			continue;
		check_egress(&in, &out, v);
	}
	fuzz_end(&r);
}

/* ---- ingress -------------------------------------------------------------- */

/* The world: NSEED mappings made by egress packets (each with a flow and
 * its remote as a peer), four port forwards. */
static int seed_world(void)
{
	struct pkt in, out;

	for (int i = 0; i < NSEED; i++) {
		struct v4_spec s = udp_out(0, 53);

		s.proto = protos[i % 3];
		s.src = LAN_HOST + (uint32_t)(i % 4);
		s.dst = SERVER + (uint32_t)(i % 3);
		/* ports of the set, kept: the same world every run */
		s.sport = (uint16_t)mapce_port_at(4, 8, CE_PSID, (uint32_t)i * 4);
		s.dport = (uint16_t)(i % 3 == 1 ? 443 : 53);
		s.icmp_type = 8;
		s.tcp_flags = 0x02;
		pkt_v4(&in, &s);
		if (fx_run(FX_TC_EGRESS, &in, &out) != TC_ACT_OK)
			return -1;
	}
	for (uint32_t j = 0; j < 4; j++) {
		uint16_t port = mapce_port_at(4, 8, CE_PSID, 200 + j);
		uint8_t proto = j % 2 ? 6 : 17;
		struct mapce_endpoint o = { .ip = htonl(CE_V4),
					    .port = htons(port),
					    .proto = proto };
		struct mapce_endpoint i = { .ip = htonl(IP4(192, 0, 2, 20) + j),
					    .port = htons((uint16_t)(8000 + j)),
					    .proto = proto };
		struct mapce_binding own = { .ip = i.ip,
					     .port = i.port,
					     .flags = MAPCE_BIND_F_STATIC };
		struct mapce_binding bind = { .ip = o.ip,
					      .port = o.port,
					      .flags = MAPCE_BIND_F_STATIC };

		if (ce_claim(&o, &own, BPF_NOEXIST) ||
		    bpf_map__update_elem(fx.ce->maps.mapce_bind, &i, sizeof(i), &bind, sizeof(bind),
					 0))
			return -1;
	}
	return model_snapshot();
}

/* A packet we sent on flow f (NAPT-ed), with payload bytes. */
static struct v4_spec sent_on(const struct model_flow *f, uint16_t payload)
{
	return (struct v4_spec){ .src = CE_V4,
				 .dst = f->remote,
				 .proto = f->proto,
				 .sport = f->out_port,
				 .dport = f->rport,
				 .icmp_type = 8,
				 .ttl = 64,
				 .payload = payload };
}

/* A frame from outside: replies to the world's flows (or from their
 * remotes' other ports), packets to the forwards, strangers, ICMP errors
 * about our packets (from the internet, and ICMPv6 from the IPv6 path). */
static void random_in(struct pkt *k)
{
	const struct model_flow *f = &model.flows[rnd() % model.nflows];
	const struct model_port *p = &model.ports[rnd() % model.nports];
	struct v4_spec s = { .ttl = 64, .frag = rnd() % 4 ? 0x4000 : 0 };
	uint8_t src6[16];

	s.payload = (uint16_t)(one_in(20) ? 1400 + rnd() % 1600 : rnd() % 300);
	s.tcp_flags = (uint8_t)(rnd() % 2 ? 0x12 : rnd());
	s.dst = one_in(20) ? rnd() : CE_V4;
	switch (rnd() % 6) {
	case 0:
	case 1: /* a reply on a flow, or from its remote's other port */
		s.proto = f->proto;
		s.src = f->remote;
		s.sport = one_in(4) ? (uint16_t)rnd() : f->rport;
		s.dport = f->out_port;
		if (f->proto == 1) {
			s.icmp_type = 0;
			s.sport = f->out_port;
		}
		break;
	case 2: /* to an outside port of the world from anyone */
		s.proto = p->proto;
		s.src = one_in(2) ? SERVER + rnd() % 4 : rnd();
		s.sport = (uint16_t)rnd();
		s.dport = p->port;
		s.icmp_type = 0;
		if (p->proto == 1)
			s.sport = p->port;
		break;
	case 3: /* strangers */
		s.proto = protos[rnd() % 6];
		s.src = rnd();
		s.sport = (uint16_t)rnd();
		s.dport = (uint16_t)(rnd() % 2 ? mapce_port_at(4, 8, CE_PSID, rnd() % 240) : rnd());
		s.icmp_type = (uint8_t)(rnd() % 16);
		break;
	case 4: { /* an ICMP error from the internet about a packet we sent */
		struct v4_spec q = sent_on(f, (uint16_t)(rnd() % 64));

		pkt_v6v4(k, a6(BR6), a6(CE_MAP6), &q);
		fz_icmp_error_of(k, 54, one_in(2) ? ROUTER : f->remote, CE_V4);
		fz_insert(k, 14, NULL, 40);
		put_v6_outer(k->b + 14, a6(BR6), a6(CE_MAP6), 0, 64, (uint16_t)(k->len - 54));
		put16(k->b + 12, 0x86dd);
		return;
	}
	default: { /* an ICMPv6 error about a tunnel packet we sent */
		struct v4_spec q = sent_on(f, (uint16_t)(rnd() % 1300));
		struct pkt tun;
		static const uint8_t types[] = { 1, 2, 3, 4, 128 };

		pkt_v6v4(&tun, a6(CE_MAP6), a6(BR6), &q);
		if (one_in(3))
			frame_insert_destopt(&tun, DESTOPT_ENCAP_LIMIT4);
		ce_icmp6_err(k, &tun, types[rnd() % 5], 1280 + rnd() % 300);
		return;
	}
	}
	memcpy(src6, a6(BR6), 16);
	if (one_in(10))
		src6[8 + rnd() % 8] ^= (uint8_t)(1 + rnd() % 255); /* not the BR */
	pkt_v6v4(k, src6, a6(CE_MAP6), &s);
}

/* Does the TCP/UDP checksum of the IPv4 packet at off of k (right
 * behind the IPv6 header) hold only the pseudo-header's sum, as a veth
 * peer leaves it to offload (put_v4_csum_partial)?  XDP passes such a
 * packet to the TC slow path as it is (csum_to_slow_path); a random
 * checksum looks so once in 65536. */
static int left_to_offload(const struct pkt *k, size_t off)
{
	const uint8_t *p = k->b + off;
	size_t at;

	if (off != 54 || (p[9] != 6 && p[9] != 17) || k->len < off + 20)
		return 0;
	at = off + v4_l4_csum_off(p);
	if (get16(p + 2) < (size_t)(p[0] & 15) * 4 + 8 || k->len < at + 2)
		return 0;
	return get16(k->b + at) == v4_csum_partial(p);
}

/* Is frame k a tunnel packet to our MAP address whose inner IPv4 is not
 * a fragment nor left to offload (what XDP must never pass up
 * untranslated)? */
static int tunnel_to_us_whole(const struct pkt *k)
{
	size_t off = fz_v4_off(k);

	return off > 14 && (k->b[14] >> 4) == 6 && !memcmp(k->b + 38, a6(CE_MAP6), 16) &&
	       (k->b[20] == 4 || (k->b[20] == 60 && k->b[54] == 4 && k->b[55] == 0)) &&
	       !(get16(k->b + off + 6) & 0x3fff) && !left_to_offload(k, off);
}

static void check_ingress(const struct pkt *in, const struct pkt *out, int verdict, int tc)
{
	size_t off;

	if (verdict == (tc ? TC_ACT_SHOT : XDP_DROP))
		return;
	if (verdict != (tc ? TC_ACT_OK : XDP_PASS)) {
		fuzz_fail("ingress: unexpected verdict", in, out);
		return;
	}
	if (in->len < 54 || get16(in->b + 12) != 0x86dd)
		return;
	if (out->len == in->len && !memcmp(out->b, in->b, in->len)) {
		if (!tc && tunnel_to_us_whole(in))
			fuzz_fail("ingress: tunnel packet to us passed up untranslated", in, out);
		return;
	}
	if (out->len < 34 || get16(out->b + 12) != 0x0800) {
		fuzz_fail("ingress: changed, but not into IPv4", in, out);
		return;
	}
	if (in->b[20] == 58) {
		/* an ICMPv6 error made an ICMPv4 error: from us, all valid */
		const uint8_t *ip = out->b + 14;

		if (get32(ip + 12) != CE_V4 || !v4_valid(ip, out->len - 14))
			fuzz_fail("ingress: bad ICMPv4 error made from ICMPv6", in, out);
		else
			model_check_lan(in, out, 1);
		return;
	}
	if (memcmp(in->b + 22, a6(BR6), 16)) {
		fuzz_fail("ingress: decapsulated from a source that is not the BR", in, out);
		return;
	}
	/* a fragment completing its datagram: the others decide whether the
	 * whole is valid (only its header is sure to be checked) */
	off = fz_v4_off(in);
	model_check_lan(in, out,
			off && !(get16(in->b + off + 6) & 0x3fff) &&
				v4_valid(in->b + off, in->len - off));
}

static void fuzz_ingress(const char *name, enum fx_prog p, int k)
{
	struct pkt queue[4], in, out;
	struct fuzz_run r;
	int queued = 0, ports, binds;

	if (fx_open_ce(0) || seed_world()) {
		TCASE_BEGIN(name);
		CHECK(0, "CE object failed to load or seed");
		return;
	}
	ports = fx_map_count(fx.ce->maps.mapce_ports);
	binds = fx_map_count(fx.ce->maps.mapce_bind);
	fuzz_begin(&r, name, p, k);
	r.counts_only_its_own = p == FX_TC_INGRESS;
	for (r.index = 0; r.index < r.packets; r.index++) {
		int v;

		if (queued) {
			in = queue[--queued]; /* the other fragments of a datagram */
		} else {
			random_in(&in);
			fz_vary_v4(&in, ROUTER, CE_V4);
			if (one_in(5))
				fz_ipv6_ext(&in);
			if (p == FX_TC_INGRESS && one_in(2) && in.len > 100 && in.b[20] == 4) {
				/* a datagram in outer fragments, out of order */
				struct pkt whole = in;
				size_t plen = whole.len - 54, cut = (plen / 2) & ~7u;
				uint32_t id = rnd() % 4096;
				int lim = one_in(3);

				frame_v6_fragment(&whole, 0, (uint16_t)cut, 1, id, &queue[0]);
				frame_v6_fragment(&whole, (uint16_t)cut, (uint16_t)(plen - cut), 0,
						  id, &in);
				if (lim) {
					frame_insert_destopt(&queue[0], DESTOPT_ENCAP_LIMIT4);
					frame_insert_destopt(&in, DESTOPT_ENCAP_LIMIT4);
				}
				queued = 1;
			} else if (p == FX_TC_INGRESS && one_in(4)) {
				fz_outer_fragment(&in);
			}
			if (one_in(4))
				fz_mutate(&in);
		}
		v = fuzz_run(&r, &in, NULL, &out);
		if (v < 0)
			continue;
		check_ingress(&in, &out, v, p == FX_TC_INGRESS);
	}
	fuzz_end(&r);
	TCASE_BEGIN(p == FX_XDP ? "fuzz_ce_xdp_ingress_no_unadmitted_state"
				: "fuzz_ce_tc_ingress_no_unadmitted_state");
	model_check_no_state(ports, binds);
	TCASE_END();
}

int main(void)
{
	fuzz_egress();
	fuzz_ingress("fuzz_ce_xdp_ingress", FX_XDP, 1);
	fuzz_ingress("fuzz_ce_tc_ingress", FX_TC_INGRESS, 2);
	free(model.frags);
	return fx_finish();
}
