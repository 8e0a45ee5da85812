// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce.c - BPF_PROG_TEST_RUN tests of the CE datapath.
 *
 * Each case builds an input frame, runs the real program once and checks,
 * in this order: the verdict, the whole output frame byte for byte against
 * a frame built independently (tests/pkt.h computes every checksum from
 * scratch), the reason counter deltas, and the NAT state.
 */
#include <time.h>
#include "harness.h"
#include "bpf/ce_fixture.h"
#include "mapce_flow.h"

static struct ce_fx fx;

#define TC_OK 0
#define TC_SHOT 2

static int egress(const struct v4_spec *s, struct pkt *out)
{
	struct pkt in;

	pkt_v4(&in, s);
	return run_prog(fx.skel->progs.mapce_tc_egress, &in, out);
}

static int ingress_from(const char *src6, const struct v4_spec *s, struct pkt *out)
{
	struct pkt in;
	uint8_t a[16], b[16];

	ip6(src6, a);
	ip6(CE_MAP6, b);
	pkt_v6v4(&in, a, b, s);
	return run_prog(fx.skel->progs.mapce_xdp_ingress, &in, out);
}

static int ingress(const struct v4_spec *s, struct pkt *out)
{
	return ingress_from(BR6, s, out);
}

/* The frame the CE must emit for inside packet s NAPT-ed to out_port. */
static void expect_encap(const struct v4_spec *s, uint16_t out_port, struct pkt *exp)
{
	struct v4_spec t = *s;
	uint8_t a[16], b[16];

	t.src = ip4(CE_IPV4);
	t.sport = out_port;
	ip6(CE_MAP6, a);
	ip6(BR6, b);
	pkt_v6v4(exp, a, b, &t);
}

/* The frame the CE must pass up for outside packet s sent to the inside
 * endpoint ip:port. */
static void expect_decap(const struct v4_spec *s, uint32_t ip, uint16_t port, struct pkt *exp)
{
	struct v4_spec t = *s;

	t.dst = ip;
	if (t.proto == 1)
		t.sport = port; /* echo id lives in the same field */
	else
		t.dport = port;
	pkt_v4(exp, &t);
}

/* The ICMP destination unreachable (code, next-hop mtu) the CE sends back
 * in for inside packet in: from our public address, quoting the first 28
 * bytes the host sent, MACs swapped. */
static void expect_reject(const struct pkt *in, uint8_t code, uint16_t mtu, struct pkt *exp)
{
	uint8_t *ip = exp->b + 14, *ic = ip + 20;

	memcpy(exp->b, in->b + 6, 6);
	memcpy(exp->b + 6, in->b, 6);
	put16(exp->b + 12, 0x0800);
	memset(ip, 0, 56);
	ip[0] = 0x45;
	put16(ip + 2, 56);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 1;
	patch_v4_hdr(ip, ip4(CE_IPV4), ip4(LAN_HOST), 0);
	ic[0] = 3;
	ic[1] = code;
	put16(ic + 6, mtu);
	memcpy(ic + 8, in->b + 14, 28);
	put16(ic + 2, rfc1071_fold(rfc1071_add(0, ic, 36)));
	exp->len = 14 + 56;
}

static int frame_eq(const struct pkt *a, const struct pkt *b)
{
	if (a->len != b->len) {
		printf("#   length %zu, expected %zu\n", a->len, b->len);
		return 0;
	}
	for (size_t i = 0; i < a->len; i++) {
		if (a->b[i] != b->b[i]) {
			printf("#   first difference at byte %zu: %02x, expected %02x\n", i, a->b[i],
			       b->b[i]);
			return 0;
		}
	}
	return 1;
}

/* Source port of the inner IPv4 of an encapsulated frame. */
static uint16_t encap_sport(const struct pkt *p)
{
	const uint8_t *ip = p->b + 54;
	size_t hl = (ip[0] & 0xf) * 4;

	return ip[9] == 1 ? get16(ip + hl + 4) : get16(ip + hl);
}

static int in_set(uint16_t port)
{
	return mapce_port_in_set(4, 8, CE_PSID, port);
}

static int map_count(struct bpf_map *m, size_t ksz)
{
	uint8_t k[64], nk[64];
	int n = 0;
	void *prev = NULL;

	while (n < 100000 && !bpf_map__get_next_key(m, prev, nk, ksz)) {
		memcpy(k, nk, ksz);
		prev = k;
		n++;
	}
	return n;
}

static int flow_out_get(const struct v4_spec *s, struct mapce_flow *f)
{
	struct mapce_tuple k = { .local_ip = htonl(s->src), .remote_ip = htonl(s->dst),
				 .local_port = htons(s->sport), .remote_port = htons(s->proto == 1 ? 0 : s->dport),
				 .proto = s->proto };

	return bpf_map__lookup_elem(fx.skel->maps.mapce_flow_out, &k, sizeof(k), f, sizeof(*f), 0);
}

static int flow_in_get(uint32_t remote, uint16_t rport, uint16_t out_port, uint8_t proto,
		       struct mapce_flow *f)
{
	struct mapce_tuple k = { .local_ip = htonl(ip4(CE_IPV4)), .remote_ip = htonl(remote),
				 .local_port = htons(out_port), .remote_port = htons(rport),
				 .proto = proto };

	return bpf_map__lookup_elem(fx.skel->maps.mapce_flow_in, &k, sizeof(k), f, sizeof(*f), 0);
}

/* A fresh CE for each case: no state leaks between cases. */
static void fresh(const char *name)
{
	ce_fx_close(&fx);
	TCASE_BEGIN(name);
	if (ce_fx_open(&fx))
		CHECK(0, "CE object failed to load");
}

static struct v4_spec udp_out(uint16_t sport, uint16_t dport)
{
	struct v4_spec s = { .src = ip4(LAN_HOST), .dst = ip4(SERVER), .proto = 17,
			     .sport = sport, .dport = dport, .payload = 32, .ttl = 63,
			     .frag = 0x4000 /* DF, as Linux sends */ };
	return s;
}

static struct v4_spec reply_of(const struct v4_spec *o, uint16_t out_port)
{
	struct v4_spec r = *o;

	r.src = o->dst;
	r.dst = ip4(CE_IPV4);
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

static void t_egress_udp_preserves_port_in_set(void)
{
	struct v4_spec s = udp_out(0x1345, 53);
	struct pkt out, exp;
	struct reason_snap b;
	struct mapce_flow f;

	fresh("egress_udp_new_flow_keeps_inside_port_in_set");
	snap(&fx, &b);
	CHECK_EQ(egress(&s, &out), TC_OK);
	expect_encap(&s, 0x1345, &exp);
	CHECK(frame_eq(&out, &exp), "encapsulated frame differs");
	CHECK(v4_hdr_csum_ok(out.b + 54) && v4_l4_csum_ok(out.b + 54, 0));
	CHECK(only_reason(&fx, &b, MAPCE_R_ENCAP));
	CHECK(flow_out_get(&s, &f) == 0, "no outbound flow");
	CHECK_EQ(ntohs(f.port), 0x1345);
	CHECK_EQ(f.packets, 1);
	CHECK_EQ(f.bytes, 20 + 8 + 32);
	CHECK(flow_in_get(ip4(SERVER), 53, 0x1345, 17, &f) == 0, "no inbound flow");
	CHECK_EQ(f.ip, htonl(ip4(LAN_HOST)));
	TCASE_END();
}

static void t_egress_tcp_port_outside_set_is_mapped(void)
{
	struct v4_spec s = { .src = ip4(LAN_HOST), .dst = ip4(SERVER), .proto = 6, .sport = 40000,
			     .dport = 80, .tcp_flags = 0x02, .ttl = 63, .tos = 0xb8,
			     .frag = 0x4000 };
	struct pkt out, exp;
	struct reason_snap b;
	uint16_t port;

	fresh("egress_tcp_syn_gets_port_in_set_and_dscp");
	snap(&fx, &b);
	CHECK_EQ(egress(&s, &out), TC_OK);
	port = encap_sport(&out);
	CHECK(in_set(port), "port %u outside the set", port);
	expect_encap(&s, port, &exp);
	CHECK(frame_eq(&out, &exp), "encapsulated frame differs");
	CHECK_EQ(out.b[14] >> 4, 6);
	CHECK_EQ(((out.b[14] & 0xf) << 4) | (out.b[15] >> 4), 0xb8); /* traffic class = TOS */
	CHECK_EQ(out.b[14 + 6], 4);  /* next header IPIP */
	CHECK_EQ(out.b[14 + 7], 64); /* hop limit */
	CHECK(only_reason(&fx, &b, MAPCE_R_ENCAP));
	TCASE_END();
}

static void t_established_and_eim(void)
{
	struct v4_spec s = udp_out(50000, 53), s2;
	struct pkt out, exp;
	struct mapce_flow f;
	uint16_t p1, p2;

	fresh("egress_established_flow_and_endpoint_independent_mapping");
	CHECK_EQ(egress(&s, &out), TC_OK);
	p1 = encap_sport(&out);
	CHECK_EQ(egress(&s, &out), TC_OK);
	CHECK_EQ(encap_sport(&out), p1);
	expect_encap(&s, p1, &exp);
	CHECK(frame_eq(&out, &exp), "second packet differs");
	CHECK(flow_out_get(&s, &f) == 0);
	CHECK_EQ(f.packets, 2);
	CHECK_EQ(f.bytes, 2 * (20 + 8 + 32));
	/* Same inside endpoint, another destination: same outside port. */
	s2 = s;
	s2.dst = ip4("203.0.113.11");
	s2.dport = 443;
	CHECK_EQ(egress(&s2, &out), TC_OK);
	p2 = encap_sport(&out);
	CHECK_EQ(p2, p1);
	CHECK_EQ(map_count(fx.skel->maps.mapce_bind, sizeof(struct mapce_endpoint)), 1);
	CHECK_EQ(map_count(fx.skel->maps.mapce_flow_out, sizeof(struct mapce_tuple)), 2);
	/* Another inside port: another outside port. */
	s2.sport = 50001;
	CHECK_EQ(egress(&s2, &out), TC_OK);
	CHECK(encap_sport(&out) != p1, "two inside endpoints share port %u", p1);
	TCASE_END();
}

static void t_ingress_reply(uint8_t proto, const char *name)
{
	struct v4_spec s = udp_out(0x2341, 53), r;
	struct pkt out, exp;
	struct reason_snap b;
	struct mapce_flow f;
	uint16_t port;

	fresh(name);
	s.proto = proto;
	if (proto == 6)
		s.tcp_flags = 0x02, s.payload = 0;
	if (proto == 1)
		s.icmp_type = 8, s.sport = 777, s.dport = 0;
	CHECK_EQ(egress(&s, &out), TC_OK);
	port = encap_sport(&out);
	CHECK(in_set(port));
	if (proto != 1)
		CHECK_EQ(port, 0x2341); /* preserved */
	r = reply_of(&s, port);
	snap(&fx, &b);
	CHECK_EQ(ingress(&r, &out), XDP_PASS);
	expect_decap(&r, ip4(LAN_HOST), s.sport, &exp);
	CHECK(frame_eq(&out, &exp), "decapsulated frame differs");
	CHECK(v4_hdr_csum_ok(out.b + 14) && v4_l4_csum_ok(out.b + 14, 0));
	CHECK(only_reason(&fx, &b, MAPCE_R_DECAP));
	CHECK(flow_in_get(r.src, proto == 1 ? 0 : r.sport, port, proto, &f) == 0);
	CHECK_EQ(f.packets, 1);
	if (proto == 6)
		CHECK_EQ(f.tcp_seen, MAPCE_TCP_SEEN_SYN | MAPCE_TCP_SEEN_ACK);
	TCASE_END();
}

static void t_range_edges(void)
{
	/* first and last port of the first and the last range, kept as is */
	uint16_t edges[] = { 0x1340, 0x134f, 0xf340, 0xf34f };
	struct pkt out, exp;

	fresh("first_and_last_port_of_ranges_both_ways");
	for (size_t i = 0; i < 4; i++) {
		struct v4_spec s = udp_out(edges[i], 4000), r;

		CHECK_EQ(egress(&s, &out), TC_OK);
		CHECK_EQ(encap_sport(&out), edges[i]);
		r = reply_of(&s, edges[i]);
		CHECK_EQ(ingress(&r, &out), XDP_PASS);
		expect_decap(&r, ip4(LAN_HOST), edges[i], &exp);
		CHECK(frame_eq(&out, &exp));
	}
	TCASE_END();
}

static void t_ingress_drops(void)
{
	struct v4_spec s = udp_out(0x3342, 53), r;
	struct pkt out, in;
	struct reason_snap b;
	uint8_t a[16], c[16];

	fresh("ingress_port_outside_set_dropped");
	CHECK_EQ(egress(&s, &out), TC_OK);
	r = reply_of(&s, 0x3342);
	r.dport = 0x3352; /* PSID 0x35: another customer's port */
	snap(&fx, &b);
	CHECK_EQ(ingress(&r, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_PORT_OUT_OF_SET));
	r.dport = 0x0345; /* A = 0: system ports never belong to a CE */
	snap(&fx, &b);
	CHECK_EQ(ingress(&r, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_PORT_OUT_OF_SET));
	TCASE_END();

	TCASE_BEGIN("ingress_port_in_set_without_flow_dropped");
	r = reply_of(&s, 0x3343);
	snap(&fx, &b);
	CHECK_EQ(ingress(&r, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_NO_FLOW));
	TCASE_END();

	TCASE_BEGIN("ingress_from_wrong_tunnel_source_dropped");
	r = reply_of(&s, 0x3342);
	snap(&fx, &b);
	CHECK_EQ(ingress_from("2001:db8:99::1", &r, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_BAD_TUNNEL_SRC));
	TCASE_END();

	TCASE_BEGIN("ingress_to_other_ipv4_dropped");
	r = reply_of(&s, 0x3342);
	r.dst = ip4("198.51.100.19");
	snap(&fx, &b);
	CHECK_EQ(ingress(&r, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_WRONG_IPV4));
	TCASE_END();

	TCASE_BEGIN("ingress_truncated_and_malformed");
	r = reply_of(&s, 0x3342);
	ip6(BR6, a);
	ip6(CE_MAP6, c);
	/* truncated inside the IPv6 header: not parseable as MAP, left to the kernel */
	pkt_v6v4(&in, a, c, &r);
	in.len = 14 + 30;
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_PASS);
	CHECK(only_reason(&fx, &b, MAPCE_R_PASS_NATIVE));
	/* truncated inner IPv4 header, and truncated UDP header */
	size_t cuts[] = { 14 + 40 + 10, 14 + 40 + 20 + 4 };
	for (size_t i = 0; i < 2; i++) {
		pkt_v6v4(&in, a, c, &r);
		in.len = cuts[i];
		put16(in.b + 18, (uint16_t)(cuts[i] - 54));
		snap(&fx, &b);
		CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_DROP);
		CHECK(only_reason(&fx, &b, MAPCE_R_DROP_MALFORMED));
	}
	/* ihl < 5, version 6 inside, payload length disagreeing with IPv4 */
	pkt_v6v4(&in, a, c, &r);
	in.b[54] = 0x44;
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_MALFORMED));
	pkt_v6v4(&in, a, c, &r);
	in.b[54] = 0x65;
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_MALFORMED));
	pkt_v6v4(&in, a, c, &r);
	put16(in.b + 18, get16(in.b + 18) - 1);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_MALFORMED));
	TCASE_END();
}

static void t_native_ipv6_passthrough(void)
{
	struct pkt in, out;
	struct reason_snap b;
	uint8_t a[16], c[16];
	struct v4_spec s = udp_out(0x1345, 53);

	fresh("native_ipv6_passes_untouched");
	ip6("2001:db8:12:3400::ffff", a);
	ip6("2001:db8:12:3400::1", c);
	/* ICMPv6 echo request to the WAN's own address */
	in.len = put_eth(in.b, 0x86dd);
	in.len += put_v6_outer(in.b + 14, a, c, 0, 64, 8);
	in.b[14 + 6] = 58;
	memset(in.b + in.len, 0x80, 8);
	in.len += 8;
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_PASS);
	CHECK(frame_eq(&out, &in));
	CHECK(only_reason(&fx, &b, MAPCE_R_PASS_NATIVE));
	/* IPv4-in-IPv6 to another address of ours: not MAP traffic */
	pkt_v6v4(&in, a, c, &s);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_PASS);
	CHECK(frame_eq(&out, &in));
	CHECK(only_reason(&fx, &b, MAPCE_R_PASS_NATIVE));
	/* IPv6 leaving through TC egress is not touched either */
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &out), TC_OK);
	CHECK(frame_eq(&out, &in));
	CHECK(only_reason(&fx, &b, MAPCE_R_PASS_NATIVE));
	TCASE_END();
}

static void t_udp_zero_checksum(void)
{
	struct v4_spec s = udp_out(0x4344, 53), r;
	struct pkt out, exp;

	fresh("udp_zero_checksum_stays_zero_both_ways");
	s.udp_zero_csum = 1;
	CHECK_EQ(egress(&s, &out), TC_OK);
	expect_encap(&s, 0x4344, &exp);
	CHECK(frame_eq(&out, &exp));
	CHECK_EQ(get16(out.b + 54 + 20 + 6), 0);
	r = reply_of(&s, 0x4344);
	CHECK_EQ(ingress(&r, &out), XDP_PASS);
	expect_decap(&r, ip4(LAN_HOST), 0x4344, &exp);
	CHECK(frame_eq(&out, &exp));
	CHECK_EQ(get16(out.b + 14 + 20 + 6), 0);
	TCASE_END();
}

static void t_ipv4_options(void)
{
	struct v4_spec s = udp_out(0x5345, 53), r;
	struct pkt out, exp;

	fresh("ipv4_options_both_ways");
	s.ihl_words = 7;
	CHECK_EQ(egress(&s, &out), TC_OK);
	expect_encap(&s, 0x5345, &exp);
	CHECK(frame_eq(&out, &exp));
	r = reply_of(&s, 0x5345);
	CHECK_EQ(ingress(&r, &out), XDP_PASS);
	expect_decap(&r, ip4(LAN_HOST), 0x5345, &exp);
	CHECK(frame_eq(&out, &exp));
	TCASE_END();
}

static void t_egress_drops(void)
{
	struct v4_spec s = udp_out(0x1345, 53);
	struct pkt in, out;
	struct reason_snap b;

	fresh("egress_unsupported_and_malformed_dropped_never_leaked");
	s.proto = 47; /* GRE */
	snap(&fx, &b);
	CHECK_EQ(egress(&s, &out), TC_SHOT);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_UNSUPPORTED_PROTO));
	s = udp_out(0x1345, 53);
	s.proto = 1;
	s.icmp_type = 0; /* unsolicited echo reply */
	snap(&fx, &b);
	CHECK_EQ(egress(&s, &out), TC_SHOT);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_ICMP_UNSUPPORTED));
	s = udp_out(0x1345, 53);
	pkt_v4(&in, &s);
	in.len = 14 + 20 + 4; /* IPv4 says 60 bytes, 38 arrived */
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &out), TC_SHOT);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_MALFORMED));
	TCASE_END();

	TCASE_BEGIN("egress_ipv4_without_config_never_leaks");
	fx.cfg.flags = 0;
	ce_fx_config(&fx);
	s = udp_out(0x1345, 53);
	snap(&fx, &b);
	CHECK_EQ(egress(&s, &out), TC_SHOT);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_NOT_CONFIGURED));
	TCASE_END();
}

static void t_exhaustion(void)
{
	struct pkt out;
	struct reason_snap b;
	int seen[65536] = { 0 }, ranges[16] = { 0 }, distinct = 0, nranges = 0, ok = 1;

	fresh("whole_set_used_then_exhaustion_reported");
	for (int i = 0; i < 240; i++) {
		struct v4_spec s = udp_out((uint16_t)(30000 + i), 53);
		uint16_t p;

		if (egress(&s, &out) != TC_OK) {
			ok = 0;
			break;
		}
		p = encap_sport(&out);
		if (!in_set(p) || seen[p]++)
			ok = 0;
		else
			distinct++;
		ranges[p >> 12]++;
	}
	CHECK(ok, "a port was reused or outside the set");
	CHECK_EQ(distinct, 240);
	for (int i = 0; i < 16; i++)
		nranges += ranges[i] > 0;
	CHECK_EQ(nranges, 15);
	struct v4_spec s = udp_out(31000, 53);
	struct pkt in, exp;

	pkt_v4(&in, &s);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &out), 7 /* TC_ACT_REDIRECT */);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_NO_PORTS));
	CHECK(reason_packets(&fx, MAPCE_R_EV_REJECT_SENT) == 1);
	/* ICMP 3/13 from our public address, quoting what the host sent,
	 * sent back in (MACs swapped) */
	expect_reject(&in, 13, 0, &exp);
	CHECK(frame_eq(&out, &exp), "ICMP reject differs");
	TCASE_END();

	fresh("tcp_syn_without_port_gets_rst");
	fx.cfg.max_per_host = 1; /* the second inside port is refused */
	ce_fx_config(&fx);
	{
		struct v4_spec t0 = { .src = ip4(LAN_HOST), .dst = ip4(SERVER), .proto = 6,
				      .sport = 31000, .dport = 443, .tcp_flags = 0x02, .ttl = 63,
				      .frag = 0x4000 };

		CHECK_EQ(egress(&t0, &out), TC_OK);
	}
	{
		struct v4_spec t = { .src = ip4(LAN_HOST), .dst = ip4(SERVER), .proto = 6,
				     .sport = 31001, .dport = 443, .tcp_flags = 0x02, .ttl = 63,
				     .frag = 0x4000 };
		const uint8_t *ip = out.b + 14, *th = ip + 20;

		pkt_v4(&in, &t);
		CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &out), 7);
		CHECK_EQ(out.len, 54);
		CHECK(memcmp(out.b, in.b + 6, 6) == 0 && memcmp(out.b + 6, in.b, 6) == 0);
		CHECK_EQ(get32(ip + 12), ip4(SERVER));
		CHECK_EQ(get32(ip + 16), ip4(LAN_HOST));
		CHECK_EQ(get16(th), 443);
		CHECK_EQ(get16(th + 2), 31001);
		CHECK_EQ(th[13], 0x14);                     /* RST|ACK */
		CHECK_EQ(get32(th + 8), 0x12345678u + 1);   /* acks the SYN */
		CHECK(v4_hdr_csum_ok(ip) && v4_l4_csum_ok(ip, 0));
		/* a RST is never answered */
		t.tcp_flags = 0x04;
		pkt_v4(&in, &t);
		CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &out), TC_SHOT);
	}
	TCASE_END();
}

static void t_expiry(void)
{
	struct v4_spec s = udp_out(0x6346, 53), s2 = udp_out(0x7347, 53);
	struct pkt out;
	struct mapce_flow f;
	int waited = 0;

	fresh("idle_flows_and_mappings_expire_and_ports_return");
	fx.cfg.timeout_udp = 1;
	fx.cfg.timeout_icmp = 1;
	fx.cfg.gc_interval_ms = 200;
	ce_fx_config(&fx);
	CHECK_EQ(egress(&s, &out), TC_OK);
	CHECK_EQ(egress(&s2, &out), TC_OK);
	/* keep s2 alive while s goes idle */
	for (waited = 0; waited < 30; waited++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		egress(&s2, &out);
		if (flow_out_get(&s, &f) != 0)
			break;
	}
	CHECK(waited < 30, "idle flow still there after 3 s");
	CHECK(flow_out_get(&s2, &f) == 0, "active flow expired");
	for (int i = 0; i < 10 && map_count(fx.skel->maps.mapce_ports, 8) != 1; i++) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		egress(&s2, &out);
	}
	CHECK_EQ(map_count(fx.skel->maps.mapce_bind, 8), 1);
	CHECK_EQ(map_count(fx.skel->maps.mapce_ports, 8), 1);
	CHECK_EQ(map_count(fx.skel->maps.mapce_flow_in, 16), 1);
	CHECK(reason_packets(&fx, MAPCE_R_EV_GC_SWEEP) > 0);
	TCASE_END();
}

/* Mesh: the BMR is also an FMR; 198.51.100.77 port 0x5678 (PSID 0x67)
 * belongs to the CE at 2001:db8:4d:6700:c6:3364:4d00:6700 (legacy IID). */
#define PEER_CE6 "2001:db8:4d:6700:c6:3364:4d00:6700"

static void t_mesh_fmr(void)
{
	struct mapce_lpm_v4_key k = { .prefixlen = 24, .addr = htonl(ip4("198.51.100.0")) };
	struct v4_spec s = udp_out(0x8348, 0x5678), r;
	struct pkt out, exp;
	struct reason_snap b;
	uint8_t a[16], c[16];
	__u32 idx = 0;

	fresh("mesh_fmr_destination_goes_straight_to_its_ce");
	fx.cfg.flags |= MAPCE_CFG_F_MESH;
	ce_fx_config(&fx);
	CHECK(bpf_map__update_elem(fx.skel->maps.mapce_fmr_lpm, &k, sizeof(k), &idx, sizeof(idx),
				   0) == 0);
	s.dst = ip4("198.51.100.77");
	CHECK_EQ(egress(&s, &out), TC_OK);
	s.src = ip4(CE_IPV4);
	ip6(CE_MAP6, a);
	ip6(PEER_CE6, c);
	pkt_v6v4(&exp, a, c, &s);
	CHECK(frame_eq(&out, &exp), "FMR frame differs");
	/* and to a server outside every FMR: via the BR */
	s = udp_out(0x8349, 53);
	CHECK_EQ(egress(&s, &out), TC_OK);
	expect_encap(&s, 0x8349, &exp);
	CHECK(frame_eq(&out, &exp));
	TCASE_END();

	TCASE_BEGIN("mesh_accepts_owner_ce_and_rejects_others");
	s = udp_out(0x8348, 0x5678);
	s.dst = ip4("198.51.100.77");
	r = reply_of(&s, 0x8348);
	snap(&fx, &b);
	CHECK_EQ(ingress_from(PEER_CE6, &r, &out), XDP_PASS);
	CHECK(only_reason(&fx, &b, MAPCE_R_DECAP));
	expect_decap(&r, ip4(LAN_HOST), 0x8348, &exp);
	CHECK(frame_eq(&out, &exp));
	/* the same CE claiming a port of PSID 0x68: spoofed */
	s.dport = 0x5688;
	CHECK_EQ(egress(&s, &out), TC_OK);
	r = reply_of(&s, 0x8348);
	snap(&fx, &b);
	CHECK_EQ(ingress_from(PEER_CE6, &r, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_BAD_TUNNEL_SRC));
	/* mesh off: only the BR */
	fx.cfg.flags &= ~MAPCE_CFG_F_MESH;
	ce_fx_config(&fx);
	s.dport = 0x5678;
	r = reply_of(&s, 0x8348);
	snap(&fx, &b);
	CHECK_EQ(ingress_from(PEER_CE6, &r, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_BAD_TUNNEL_SRC));
	TCASE_END();
}

static const uint8_t OPT_MSS1460[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 }; /* MSS, NOP NOP SACKOK */
static const uint8_t OPT_NOP_MSS1460[] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 0 }; /* MSS at odd offset */
static const uint8_t OPT_MSS1200[] = { 2, 4, 0x04, 0xb0 };

static uint16_t mss_of(const uint8_t *ip)
{
	const uint8_t *th = ip + (ip[0] & 0xf) * 4;

	for (size_t o = 20; o + 4 <= (size_t)(th[12] >> 4) * 4;) {
		if (th[o] == 1) {
			o++;
			continue;
		}
		if (th[o] == 2)
			return get16(th + o + 2);
		if (th[o] == 0 || th[o + 1] < 2)
			break;
		o += th[o + 1];
	}
	return 0;
}

static void t_mss_clamp(void)
{
	struct v4_spec s = { .src = ip4(LAN_HOST), .dst = ip4(SERVER), .proto = 6, .sport = 0x9341,
			     .dport = 443, .tcp_flags = 0x02, .ttl = 63, .frag = 0x4000,
			     .tcp_opts = OPT_MSS1460, .tcp_opts_len = sizeof(OPT_MSS1460) }, r, t;
	static const uint8_t OPT_MSS1420[] = { 2, 4, 0x05, 0x8c, 1, 1, 4, 2 };
	static const uint8_t OPT_NOP_MSS1420[] = { 1, 2, 4, 0x05, 0x8c, 1, 1, 0 };
	struct pkt out, exp;

	fresh("mss_clamped_on_syn_out_and_synack_in");
	fx.cfg.mss_clamp = 1420;
	ce_fx_config(&fx);
	CHECK_EQ(egress(&s, &out), TC_OK);
	CHECK_EQ(mss_of(out.b + 54), 1420);
	t = s;
	t.tcp_opts = OPT_MSS1420;
	expect_encap(&t, 0x9341, &exp);
	CHECK(frame_eq(&out, &exp), "clamped SYN differs");
	CHECK(v4_l4_csum_ok(out.b + 54, 0));
	r = reply_of(&s, 0x9341);
	r.tcp_opts = OPT_NOP_MSS1460; /* odd offset: checksum words straddle */
	CHECK_EQ(ingress(&r, &out), XDP_PASS);
	CHECK_EQ(mss_of(out.b + 14), 1420);
	t = r;
	t.tcp_opts = OPT_NOP_MSS1420;
	expect_decap(&t, ip4(LAN_HOST), 0x9341, &exp);
	CHECK(frame_eq(&out, &exp), "clamped SYN-ACK differs");
	CHECK(v4_l4_csum_ok(out.b + 14, 0));
	CHECK(reason_packets(&fx, MAPCE_R_EV_MSS_CLAMPED) == 2);
	TCASE_END();

	TCASE_BEGIN("mss_below_clamp_or_clamp_off_untouched");
	s.sport = 0x9342;
	s.tcp_opts = OPT_MSS1200;
	s.tcp_opts_len = sizeof(OPT_MSS1200);
	CHECK_EQ(egress(&s, &out), TC_OK);
	CHECK_EQ(mss_of(out.b + 54), 1200);
	fx.cfg.mss_clamp = 0;
	ce_fx_config(&fx);
	s.sport = 0x9343;
	s.tcp_opts = OPT_MSS1460;
	s.tcp_opts_len = sizeof(OPT_MSS1460);
	CHECK_EQ(egress(&s, &out), TC_OK);
	CHECK_EQ(mss_of(out.b + 54), 1460);
	TCASE_END();
}

static void t_ecn_decap(void)
{
	/* outer ECN x inner ECN -> inner after decap (RFC 6040 §4.2), -1 drop */
	static const int table[4][4] = {
		{ 0, 1, 2, 3 }, { 0, 1, 1, 3 }, { 0, 1, 2, 3 }, { -1, 3, 3, 3 },
	};
	struct v4_spec s = udp_out(0xa344, 53), r;
	struct pkt in, out, exp;
	struct reason_snap b;
	uint8_t a[16], c[16];
	int ok = 1;

	fresh("ecn_decapsulation_follows_rfc6040");
	CHECK_EQ(egress(&s, &out), TC_OK);
	ip6(BR6, a);
	ip6(CE_MAP6, c);
	for (int outer = 0; outer < 4; outer++) {
		for (int inner = 0; inner < 4; inner++) {
			r = reply_of(&s, 0xa344);
			r.tos = (uint8_t)(0x28 | inner); /* DSCP AF11 + ECN */
			pkt_v6v4(&in, a, c, &r);
			in.b[15] = (uint8_t)((in.b[15] & 0x0f) | ((0x28 | outer) & 0xf) << 4);
			in.b[14] = (uint8_t)(0x60 | (0x28 | outer) >> 4);
			snap(&fx, &b);
			int v = run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out);

			if (table[outer][inner] < 0) {
				ok &= v == XDP_DROP && only_reason(&fx, &b, MAPCE_R_DROP_ECN_CE_NOT_ECT);
				continue;
			}
			r.tos = (uint8_t)(0x28 | table[outer][inner]);
			expect_decap(&r, ip4(LAN_HOST), 0xa344, &exp);
			if (v != XDP_PASS || !frame_eq(&out, &exp)) {
				printf("#   outer %d inner %d wrong\n", outer, inner);
				ok = 0;
			}
		}
	}
	CHECK(ok);
	TCASE_END();
}

static void t_encap_limit(void)
{
	struct v4_spec s = udp_out(0xb345, 53);
	struct pkt out, exp;

	fresh("encapsulation_limit_option_only_when_asked");
	CHECK_EQ(egress(&s, &out), TC_OK);
	CHECK_EQ(out.b[14 + 6], 4); /* default: none, next header IPIP */
	fx.cfg.encap_limit = 4;
	ce_fx_config(&fx);
	s.sport = 0xb346;
	CHECK_EQ(egress(&s, &out), TC_OK);
	expect_encap(&s, 0xb346, &exp);
	CHECK_EQ(out.len, exp.len + 8);
	CHECK_EQ(out.b[14 + 6], 60);                        /* destination options */
	CHECK_EQ(get16(out.b + 14 + 4), get16(exp.b + 18) + 8); /* payload length */
	static const uint8_t opt[8] = { 4, 0, 4, 1, 4, 1, 1, 0 };
	CHECK(memcmp(out.b + 54, opt, 8) == 0, "option bytes");
	CHECK(memcmp(out.b + 62, exp.b + 54, exp.len - 54) == 0, "inner packet");
	TCASE_END();
}

/* An ICMPv6 error from a router on the path about the tunnel packet pkt
 * (an encapsulated frame as the CE sent it). */
static void icmp6_err_frame(const struct pkt *tunnel_pkt, uint8_t type, uint32_t mtu,
			    struct pkt *out)
{
	uint8_t rtr[16], ce[16];
	size_t quote = tunnel_pkt->len - 14;

	if (quote > 1232)
		quote = 1232;
	ip6("2001:db8:12:3400::ffff", rtr);
	ip6(CE_MAP6, ce);
	out->len = put_eth(out->b, 0x86dd);
	out->len += put_v6_outer(out->b + 14, rtr, ce, 0, 64, (uint16_t)(8 + quote));
	out->b[14 + 6] = 58;
	memset(out->b + 54, 0, 8);
	out->b[54] = type;
	out->b[58] = mtu >> 24;
	out->b[59] = mtu >> 16;
	out->b[60] = mtu >> 8;
	out->b[61] = mtu;
	memcpy(out->b + 62, tunnel_pkt->b + 14, quote);
	out->len += 8 + quote;
	icmp6_csum_fill(out->b + 14);
}

/* Ethernet + IPv4 (CE public -> inside host) + ICMPv4 type/code/mtu +
 * the first 28 bytes of the inside host's own packet. */
static void expect_icmp4(const struct pkt *inside, uint8_t type, uint8_t code, uint16_t mtu,
			 struct pkt *exp)
{
	uint8_t *ip = exp->b + 14, *ic = ip + 20;
	uint32_t src = ip4(CE_IPV4), dst = ip4(LAN_HOST);

	exp->len = put_eth(exp->b, 0x0800);
	memset(ip, 0, 56);
	ip[0] = 0x45;
	put16(ip + 2, 56);
	ip[8] = 64;
	ip[9] = 1;
	ip[12] = src >> 24; ip[13] = src >> 16; ip[14] = src >> 8; ip[15] = src;
	ip[16] = dst >> 24; ip[17] = dst >> 16; ip[18] = dst >> 8; ip[19] = dst;
	put16(ip + 10, rfc1071_fold(rfc1071_add(0, ip, 20)));
	ic[0] = type;
	ic[1] = code;
	put16(ic + 6, mtu);
	memcpy(ic + 8, inside->b + 14, 28);
	put16(ic + 2, rfc1071_fold(rfc1071_add(0, ic, 36)));
	exp->len += 56;
}

static void t_icmp6_errors(void)
{
	struct v4_spec u = udp_out(0xc341, 53), t = u, e = u;
	struct pkt in_u, in_t, in_e, tun, ptb, out, exp;
	struct reason_snap b;

	fresh("packet_too_big_becomes_frag_needed_mtu_minus_40");
	u.payload = 1400;
	pkt_v4(&in_u, &u);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in_u, &tun), TC_OK);
	icmp6_err_frame(&tun, 2, 1400, &ptb);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &ptb, &out), XDP_PASS);
	expect_icmp4(&in_u, 3, 4, 1360, &exp);
	CHECK(frame_eq(&out, &exp), "UDP: ICMPv4 frame differs");
	CHECK(only_reason(&fx, &b, MAPCE_R_ICMP6_ERR_TRANSLATED));
	/* TCP (port outside the set: the quote must show the inside port) */
	t.proto = 6;
	t.sport = 41000;
	t.tcp_flags = 0x18;
	t.payload = 1300;
	pkt_v4(&in_t, &t);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in_t, &tun), TC_OK);
	icmp6_err_frame(&tun, 2, 1280, &ptb);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &ptb, &out), XDP_PASS);
	expect_icmp4(&in_t, 3, 4, 1240, &exp);
	CHECK(frame_eq(&out, &exp), "TCP: ICMPv4 frame differs");
	TCASE_END();

	TCASE_BEGIN("other_icmp6_errors_become_host_unreachable_echo_too");
	e.proto = 1;
	e.icmp_type = 8;
	e.sport = 4242;
	e.dport = 0;
	pkt_v4(&in_e, &e);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in_e, &tun), TC_OK);
	icmp6_err_frame(&tun, 3, 0, &ptb); /* time exceeded on the IPv6 path */
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &ptb, &out), XDP_PASS);
	expect_icmp4(&in_e, 3, 1, 0, &exp);
	CHECK(frame_eq(&out, &exp), "ICMP echo: ICMPv4 frame differs");
	TCASE_END();

	TCASE_BEGIN("icmp6_errors_not_about_our_flows");
	/* about a flow that does not exist (or no longer): dropped, counted */
	u.sport = 0xc342;
	u.payload = 100;
	pkt_v4(&in_u, &u);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in_u, &tun), TC_OK);
	put16(tun.b + 54 + 20, 0xc343); /* quote a port nobody uses */
	icmp6_err_frame(&tun, 2, 1400, &ptb);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &ptb, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_ICMP6_ERR_NO_FLOW));
	/* echo requests and NDP to our address are the kernel's */
	icmp6_err_frame(&tun, 128, 0, &ptb);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &ptb, &out), XDP_PASS);
	CHECK(frame_eq(&out, &ptb));
	CHECK(only_reason(&fx, &b, MAPCE_R_PASS_NATIVE));
	/* truncated error: passed to the kernel untouched */
	icmp6_err_frame(&tun, 2, 1400, &ptb);
	ptb.len = 14 + 40 + 8 + 20;
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &ptb, &out), XDP_PASS);
	CHECK(only_reason(&fx, &b, MAPCE_R_PASS_NATIVE));
	TCASE_END();
}

static void t_fragments(void)
{
	struct v4_spec first = udp_out(0xd341, 53), later, other;
	struct pkt in, out, exp;
	struct reason_snap b;
	uint8_t a[16], c[16];
	uint16_t id1, id2;

	ip6(CE_MAP6, a);
	ip6(BR6, c);
	fresh("outbound_fragments_follow_the_first_with_unique_ids");
	first.frag = 0x2000; /* MF, offset 0 */
	first.ip_id = 0x1111;
	first.payload = 200;
	CHECK_EQ(egress(&first, &out), TC_OK);
	id1 = get16(out.b + 54 + 4);
	{
		struct v4_spec t = first;

		t.src = ip4(CE_IPV4);
		t.ip_id = id1;
		pkt_v6v4(&exp, a, c, &t);
		CHECK(frame_eq(&out, &exp), "first fragment differs");
	}
	later = first;
	later.frag = 26; /* offset 208 bytes, last fragment */
	later.payload = 100;
	pkt_v4(&in, &later);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &out), TC_OK);
	CHECK(only_reason(&fx, &b, MAPCE_R_ENCAP));
	exp.len = 14;
	memcpy(exp.b, in.b, 14);
	put16(exp.b + 12, 0x86dd);
	exp.len += put_v6_outer(exp.b + 14, a, c, 0, 64, (uint16_t)(in.len - 14));
	memcpy(exp.b + 54, in.b + 14, in.len - 14);
	exp.len = in.len + 40;
	patch_v4_hdr(exp.b + 54, ip4(CE_IPV4), ip4(SERVER), id1);
	CHECK(frame_eq(&out, &exp), "later fragment differs");
	/* another LAN host reusing id 0x1111: another id on the wire */
	other = first;
	other.src = ip4("192.0.2.11");
	CHECK_EQ(egress(&other, &out), TC_OK);
	id2 = get16(out.b + 54 + 4);
	CHECK(id2 != id1, "two datagrams share id %u on the public address", id1);
	TCASE_END();

	TCASE_BEGIN("inbound_fragments_follow_the_first_or_are_counted");
	{
		struct v4_spec r = reply_of(&first, 0xd341), rl;

		r.frag = 0x2000;
		r.ip_id = 0x2222;
		CHECK_EQ(ingress(&r, &out), XDP_PASS);
		expect_decap(&r, ip4(LAN_HOST), 0xd341, &exp);
		CHECK(frame_eq(&out, &exp), "first fragment in differs");
		rl = r;
		rl.frag = 26;
		pkt_v6v4(&in, c, a, &rl);
		/* the builder's outer src/dst are (BR, CE): swap the roles */
		ip6(BR6, in.b + 22);
		ip6(CE_MAP6, in.b + 38);
		snap(&fx, &b);
		CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_PASS);
		CHECK(only_reason(&fx, &b, MAPCE_R_DECAP));
		memcpy(exp.b, in.b, 12);
		put16(exp.b + 12, 0x0800);
		memcpy(exp.b + 14, in.b + 54, in.len - 54);
		exp.len = in.len - 40;
		patch_v4_hdr(exp.b + 14, ip4(SERVER), ip4(LAN_HOST), 0x2222);
		CHECK(frame_eq(&out, &exp), "later fragment in differs");
		/* a later fragment whose first has not come: up to the slow path */
		put16(in.b + 54 + 4, 0x3333);
		put16(in.b + 54 + 10, 0);
		put16(in.b + 54 + 10, rfc1071_fold(rfc1071_add(0, in.b + 54, 20)));
		snap(&fx, &b);
		CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_PASS);
		CHECK(frame_eq(&out, &in), "passed up changed");
		CHECK(only_reason(&fx, &b, MAPCE_R_FRAG_TO_SLOW_PATH));
	}
	TCASE_END();

	fresh("fragments_before_their_first_are_not_lost");
	first = udp_out(0xd342, 53);
	CHECK_EQ(egress(&first, &out), TC_OK);
	{
		struct v4_spec r = reply_of(&first, 0xd342);
		struct pkt whole, f1, f2;
		const size_t cut = 1200; /* payload bytes in the first fragment */
		size_t n;

		r.frag = 0;
		r.ip_id = 0x4444;
		r.payload = 2000;
		pkt_v6v4(&whole, c, a, &r); /* outer addresses fixed below */
		ip6(BR6, whole.b + 22);
		ip6(CE_MAP6, whole.b + 38);
		n = whole.len - 54 - 20; /* IPv4 payload: UDP header + data */
		/* cut the IPv4 datagram in two, each in its own tunnel packet */
		memcpy(f1.b, whole.b, 54 + 20 + cut);
		f1.len = 54 + 20 + cut;
		put16(f1.b + 18, (uint16_t)(20 + cut));
		put16(f1.b + 54 + 2, (uint16_t)(20 + cut));
		put16(f1.b + 54 + 6, 0x2000);
		patch_v4_hdr(f1.b + 54, ip4(SERVER), ip4(CE_IPV4), 0x4444);
		memcpy(f2.b, whole.b, 54 + 20);
		memcpy(f2.b + 74, whole.b + 74 + cut, n - cut);
		f2.len = 74 + n - cut;
		put16(f2.b + 18, (uint16_t)(20 + n - cut));
		put16(f2.b + 54 + 2, (uint16_t)(20 + n - cut));
		put16(f2.b + 54 + 6, (uint16_t)(cut / 8));
		patch_v4_hdr(f2.b + 54, ip4(SERVER), ip4(CE_IPV4), 0x4444);

		/* the last fragment first: XDP passes it up, TC holds it */
		CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &f2, &out), XDP_PASS);
		snap(&fx, &b);
		CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_ingress, &f2, &out), TC_SHOT);
		CHECK(only_reason(&fx, &b, MAPCE_R_REASM_HELD));
		/* then the first: XDP sends it after the other */
		snap(&fx, &b);
		CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &f1, &out), XDP_PASS);
		CHECK(frame_eq(&out, &f1), "passed up changed");
		CHECK(only_reason(&fx, &b, MAPCE_R_FRAG_TO_SLOW_PATH));
		snap(&fx, &b);
		CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_ingress, &f1, &out), TC_OK);
		CHECK(only_reason(&fx, &b, MAPCE_R_DECAP));
		/* the whole datagram, translated, checksums right */
		expect_decap(&r, ip4(LAN_HOST), 0xd342, &exp);
		CHECK(frame_eq(&out, &exp), "reassembled datagram differs");
		CHECK(v4_hdr_csum_ok(out.b + 14) && v4_l4_csum_ok(out.b + 14, 0));
	}
	TCASE_END();
}

/* An IPv4 ICMP error src -> dst quoting qlen bytes of quote, at p;
 * returns its length.  Checksums from scratch. */
static size_t put_icmp_err(uint8_t *p, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
			   const uint8_t *quote, size_t qlen)
{
	uint8_t *ic = p + 20;

	memset(p, 0, 28);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(28 + qlen));
	p[8] = 62;
	p[9] = 1;
	patch_v4_hdr(p, src, dst, 0x4242);
	ic[0] = type;
	ic[1] = code;
	memcpy(ic + 8, quote, qlen);
	put16(ic + 2, rfc1071_fold(rfc1071_add(0, ic, 8 + qlen)));
	return 28 + qlen;
}

/* Ethernet + IPv6 (BR -> CE) around an IPv4 packet of len bytes at v4 */
static void wrap_v6(struct pkt *k, const uint8_t *v4, size_t len)
{
	uint8_t a[16], c[16];

	ip6(BR6, a);
	ip6(CE_MAP6, c);
	k->len = put_eth(k->b, 0x86dd);
	k->len += put_v6_outer(k->b + 14, a, c, 0, 64, (uint16_t)len);
	memcpy(k->b + 54, v4, len);
	k->len += len;
}

static void t_icmp4_errors(void)
{
	struct v4_spec u = udp_out(0xe341, 33434), t = u, e = u, r;
	struct pkt inside, sent, in, out, exp;
	struct reason_snap b;
	uint8_t v4[1500];
	size_t n;

	fresh("time_exceeded_about_our_udp_reaches_the_inside_host");
	u.ttl = 1;
	u.sport = 41001; /* mapped to another port: the quote must change */
	pkt_v4(&inside, &u);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &inside, &sent), TC_OK);
	n = put_icmp_err(v4, ip4("203.0.113.1"), ip4(CE_IPV4), 11, 0, sent.b + 54, 28);
	wrap_v6(&in, v4, n);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_PASS);
	CHECK(only_reason(&fx, &b, MAPCE_R_DECAP));
	exp.len = put_eth(exp.b, 0x0800);
	exp.len += put_icmp_err(exp.b + 14, ip4("203.0.113.1"), ip4(LAN_HOST), 11, 0,
				inside.b + 14, 28);
	CHECK(frame_eq(&out, &exp), "translated error differs");
	TCASE_END();

	TCASE_BEGIN("port_unreachable_quoting_whole_tcp_header_both_checksums");
	t.proto = 6;
	t.sport = 41002;
	t.tcp_flags = 0x02;
	t.payload = 0;
	pkt_v4(&inside, &t);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &inside, &sent), TC_OK);
	n = put_icmp_err(v4, ip4(SERVER), ip4(CE_IPV4), 3, 3, sent.b + 54, 40);
	wrap_v6(&in, v4, n);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_PASS);
	exp.len = put_eth(exp.b, 0x0800);
	exp.len += put_icmp_err(exp.b + 14, ip4(SERVER), ip4(LAN_HOST), 3, 3, inside.b + 14, 40);
	CHECK(frame_eq(&out, &exp), "translated error differs");
	TCASE_END();

	TCASE_BEGIN("time_exceeded_about_echo_request_maps_the_id_back");
	e.proto = 1;
	e.icmp_type = 8;
	e.sport = 5555;
	e.dport = 0;
	e.ttl = 1;
	pkt_v4(&inside, &e);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &inside, &sent), TC_OK);
	n = put_icmp_err(v4, ip4("203.0.113.1"), ip4(CE_IPV4), 11, 0, sent.b + 54, 28);
	wrap_v6(&in, v4, n);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_PASS);
	exp.len = put_eth(exp.b, 0x0800);
	exp.len += put_icmp_err(exp.b + 14, ip4("203.0.113.1"), ip4(LAN_HOST), 11, 0,
				inside.b + 14, 28);
	CHECK(frame_eq(&out, &exp), "translated error differs");
	TCASE_END();

	TCASE_BEGIN("inside_host_error_about_inbound_packet_goes_out_translated");
	u = udp_out(41003, 53);
	pkt_v4(&inside, &u);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &inside, &sent), TC_OK);
	uint16_t pub = encap_sport(&sent);
	r = reply_of(&u, pub);
	struct pkt wire, delivered;
	uint8_t a6[16], c6[16];

	ip6(BR6, a6);
	ip6(CE_MAP6, c6);
	pkt_v6v4(&wire, a6, c6, &r);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &wire, &delivered), XDP_PASS);
	/* the host answers "port unreachable" quoting what it got */
	in.len = put_eth(in.b, 0x0800);
	in.len += put_icmp_err(in.b + 14, ip4(LAN_HOST), ip4(SERVER), 3, 3, delivered.b + 14, 28);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &out), TC_OK);
	CHECK(only_reason(&fx, &b, MAPCE_R_ENCAP));
	n = put_icmp_err(v4, ip4(CE_IPV4), ip4(SERVER), 3, 3, wire.b + 54, 28);
	CHECK_EQ(out.len, 54 + n);
	CHECK(memcmp(out.b + 54 + 12, v4 + 12, 8) == 0, "outer addresses");
	CHECK(memcmp(out.b + 54 + 20, v4 + 20, n - 20) == 0, "ICMP part differs");
	CHECK(v4_hdr_csum_ok(out.b + 54));
	TCASE_END();

	TCASE_BEGIN("icmp_errors_about_unknown_flows_dropped_and_counted");
	u.sport = 0xe399; /* never sent */
	pkt_v4(&inside, &u);
	memcpy(v4, inside.b + 14, 28);
	patch_v4_hdr(v4, ip4(CE_IPV4), ip4(SERVER), 0);
	n = put_icmp_err(v4 + 100, ip4("203.0.113.1"), ip4(CE_IPV4), 11, 0, v4, 28);
	wrap_v6(&in, v4 + 100, n);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &in, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_ICMP_ERR_NO_FLOW));
	in.len = put_eth(in.b, 0x0800);
	in.len += put_icmp_err(in.b + 14, ip4(LAN_HOST), ip4(SERVER), 3, 3, inside.b + 14, 28);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &out), TC_SHOT);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_ICMP_ERR_NO_FLOW));
	TCASE_END();
}

static void set_filtering(__u8 mode)
{
	fx.cfg.filtering = mode;
	ce_fx_config(&fx);
}

static void t_filtering(void)
{
	struct v4_spec s = udp_out(0xf341, 53), r;
	struct pkt out;
	struct reason_snap b;

	fresh("filtering_address_dependent_by_default");
	CHECK_EQ(egress(&s, &out), TC_OK);
	r = reply_of(&s, 0xf341);
	r.sport = 5353; /* same server, another port: allowed */
	snap(&fx, &b);
	CHECK_EQ(ingress(&r, &out), XDP_PASS);
	CHECK(only_reason(&fx, &b, MAPCE_R_DECAP));
	CHECK(reason_packets(&fx, MAPCE_R_EV_INBOUND_FLOW) == 1);
	r.src = ip4("203.0.113.99"); /* a stranger: filtered */
	snap(&fx, &b);
	CHECK_EQ(ingress(&r, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_FILTERED));
	TCASE_END();

	TCASE_BEGIN("filtering_address_and_port_dependent");
	set_filtering(MAPCE_FILTER_APDF);
	r = reply_of(&s, 0xf341);
	r.sport = 5354;
	snap(&fx, &b);
	CHECK_EQ(ingress(&r, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_FILTERED));
	r.sport = 53; /* the flow itself still works */
	CHECK_EQ(ingress(&r, &out), XDP_PASS);
	TCASE_END();

	TCASE_BEGIN("filtering_endpoint_independent");
	set_filtering(MAPCE_FILTER_EIF);
	r.src = ip4("203.0.113.99");
	r.sport = 7777;
	snap(&fx, &b);
	CHECK_EQ(ingress(&r, &out), XDP_PASS);
	CHECK(only_reason(&fx, &b, MAPCE_R_DECAP));
	/* ... but only to mapped ports */
	r.dport = 0xf342;
	snap(&fx, &b);
	CHECK_EQ(ingress(&r, &out), XDP_DROP);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_NO_FLOW));
	TCASE_END();
}

static void t_overlap(void)
{
	struct pkt out, exp;
	struct reason_snap b;
	struct v4_spec s, r;
	uint16_t port, owner_port = 0;
	int ok = 1;

	fresh("port_overlapping_when_the_set_is_exhausted");
	for (int i = 0; i < 240 && ok; i++) {
		s = udp_out((uint16_t)(20000 + i), 53);
		ok = egress(&s, &out) == TC_OK;
	}
	CHECK(ok, "could not fill the set");
	/* a new inside endpoint to another remote: shares a port */
	s = udp_out(30000, 53);
	s.src = ip4("192.0.2.11");
	s.dst = ip4("203.0.113.20");
	snap(&fx, &b);
	CHECK_EQ(egress(&s, &out), TC_OK);
	CHECK(only_reason(&fx, &b, MAPCE_R_ENCAP));
	CHECK(reason_packets(&fx, MAPCE_R_EV_PORT_OVERLAP) == 1);
	port = encap_sport(&out);
	CHECK(in_set(port));
	/* inbound told apart by the full 5-tuple */
	r = reply_of(&s, port);
	CHECK_EQ(ingress(&r, &out), XDP_PASS);
	expect_decap(&r, ip4("192.0.2.11"), 30000, &exp);
	CHECK(frame_eq(&out, &exp), "reply from remote 2 went elsewhere");
	for (int i = 0; i < 240; i++) {
		struct mapce_flow f;

		s = udp_out((uint16_t)(20000 + i), 53);
		if (flow_out_get(&s, &f) == 0 && ntohs(f.port) == port)
			owner_port = (uint16_t)(20000 + i);
	}
	CHECK(owner_port, "nobody owned port %u first", port);
	s = udp_out(owner_port, 53);
	r = reply_of(&s, port);
	CHECK_EQ(ingress(&r, &out), XDP_PASS);
	expect_decap(&r, ip4(LAN_HOST), owner_port, &exp);
	CHECK(frame_eq(&out, &exp), "reply from remote 1 went elsewhere");
	/* the 241st flow to the one remote ip:port: no port left */
	s = udp_out(30001, 53);
	s.src = ip4("192.0.2.12");
	snap(&fx, &b);
	CHECK_EQ(egress(&s, &out), 7); /* rejected back to the host */
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_NO_PORTS));
	TCASE_END();
}

static void t_parity(void)
{
	struct pkt out;
	int ok = 1;

	fresh("port_parity_preserved");
	for (int i = 0; i < 40; i++) {
		struct v4_spec s = udp_out((uint16_t)(40000 + i), 53);

		CHECK_EQ(egress(&s, &out), TC_OK);
		if ((encap_sport(&out) & 1) != (i & 1))
			ok = 0;
	}
	CHECK(ok, "parity changed");
	TCASE_END();
}

/* The hairpinned frame: src pub:sport, dst ip:dport, MACs swapped. */
static int hairpin_ok(const struct pkt *out, uint16_t sport, uint32_t dst, uint16_t dport)
{
	const uint8_t *ip = out->b + 14;

	return out->len > 34 && memcmp(out->b, MAC_A, 6) == 0 && memcmp(out->b + 6, MAC_B, 6) == 0 &&
	       get16(out->b + 12) == 0x0800 && get32(ip + 12) == ip4(CE_IPV4) &&
	       get32(ip + 16) == dst && get16(ip + 20) == sport && get16(ip + 22) == dport &&
	       v4_hdr_csum_ok(ip) && v4_l4_csum_ok(ip, 0);
}

static void t_hairpin(void)
{
	struct v4_spec a = udp_out(0x1345, 53), h;
	struct pkt out, exp;
	struct reason_snap b;
	const int TC_REDIRECT = 7;

	fresh("hairpin_to_own_mapping_stun_style");
	CHECK_EQ(egress(&a, &out), TC_OK);
	h = a;
	h.dst = ip4(CE_IPV4);
	h.dport = 0x1345; /* to its own public endpoint */
	snap(&fx, &b);
	CHECK_EQ(egress(&h, &out), TC_REDIRECT);
	CHECK(only_reason(&fx, &b, MAPCE_R_HAIRPIN));
	CHECK(hairpin_ok(&out, 0x1345, ip4(LAN_HOST), 0x1345), "hairpinned frame wrong");
	TCASE_END();

	fresh("hairpin_between_lan_hosts_respects_filtering");
	CHECK_EQ(egress(&a, &out), TC_OK); /* A talks to a server only */
	h = udp_out(0x2346, 0x1345);
	h.src = ip4("192.0.2.11");
	h.dst = ip4(CE_IPV4);
	snap(&fx, &b);
	CHECK_EQ(egress(&h, &out), TC_SHOT); /* ADF: A never sent to our address */
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_FILTERED));
	set_filtering(MAPCE_FILTER_EIF);
	CHECK_EQ(egress(&h, &out), TC_REDIRECT);
	CHECK(hairpin_ok(&out, 0x2346, ip4(LAN_HOST), 0x1345), "B -> A wrong");
	/* A answers B's public endpoint: back to B */
	h = udp_out(0x1345, 0x2346);
	h.dst = ip4(CE_IPV4);
	CHECK_EQ(egress(&h, &out), TC_REDIRECT);
	CHECK(hairpin_ok(&out, 0x1345, ip4("192.0.2.11"), 0x2346), "A -> B wrong");
	/* the shared address on a port outside our set: another customer */
	h.dport = 0x1355;
	CHECK_EQ(egress(&h, &out), TC_OK);
	expect_encap(&h, 0x1345, &exp);
	CHECK(frame_eq(&out, &exp), "not sent to the BR");
	TCASE_END();
}

static void t_host_limit(void)
{
	struct pkt out;
	struct reason_snap b;
	struct mapce_host h;
	__be32 ip = htonl(ip4(LAN_HOST));

	fresh("per_host_mapping_limit");
	fx.cfg.max_per_host = 2;
	ce_fx_config(&fx);
	for (int i = 0; i < 2; i++) {
		struct v4_spec s = udp_out((uint16_t)(50000 + i), 53);

		CHECK_EQ(egress(&s, &out), TC_OK);
	}
	struct v4_spec s = udp_out(50002, 53);

	snap(&fx, &b);
	CHECK_EQ(egress(&s, &out), 7); /* rejected back to the host */
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_HOST_LIMIT));
	/* existing mappings still work, other hosts are not affected */
	s = udp_out(50000, 54);
	CHECK_EQ(egress(&s, &out), TC_OK);
	s = udp_out(50002, 53);
	s.src = ip4("192.0.2.11");
	CHECK_EQ(egress(&s, &out), TC_OK);
	CHECK(bpf_map__lookup_elem(fx.skel->maps.mapce_hosts, &ip, sizeof(ip), &h, sizeof(h), 0) == 0);
	CHECK_EQ(h.bindings, 2);
	CHECK_EQ(h.limit_hits, 1);
	TCASE_END();
}

static void t_pmtu_memory(void)
{
	struct v4_spec u = udp_out(0xc351, 53), big, syn;
	struct pkt in, tun, ptb, out, exp;
	struct reason_snap b;
	struct mapce_pmtu pm;
	__u32 zero = 0;

	fresh("learned_path_mtu_answers_big_df_packets_and_lowers_mss");
	fx.cfg.mss_clamp = 1420;
	ce_fx_config(&fx);
	u.payload = 1400;
	pkt_v4(&in, &u);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &tun), TC_OK);
	icmp6_err_frame(&tun, 2, 1400, &ptb);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &ptb, &out), XDP_PASS);
	/* another destination, 1400 + 28 bytes with DF: answered at once */
	big = udp_out(0xc352, 53);
	big.dst = ip4("203.0.113.12");
	big.payload = 1400;
	pkt_v4(&in, &big);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &out), 7 /* back in */);
	CHECK(only_reason(&fx, &b, MAPCE_R_FRAG_NEEDED_SENT));
	expect_reject(&in, 4, 1360, &exp);
	CHECK(frame_eq(&out, &exp), "frag-needed frame differs");
	/* without DF it goes (a router on the way will say so) */
	big.frag = 0;
	CHECK_EQ(egress(&big, &out), TC_OK);
	/* small packets go */
	big.frag = 0x4000;
	big.payload = 100;
	CHECK_EQ(egress(&big, &out), TC_OK);
	/* new TCP flows get MSS = 1400 - 80 */
	syn = (struct v4_spec){ .src = ip4(LAN_HOST), .dst = ip4(SERVER), .proto = 6, .sport = 0xc353,
				.dport = 443, .tcp_flags = 0x02, .ttl = 63, .frag = 0x4000,
				.tcp_opts = OPT_MSS1460, .tcp_opts_len = sizeof(OPT_MSS1460) };
	CHECK_EQ(egress(&syn, &out), TC_OK);
	CHECK_EQ(mss_of(out.b + 54), 1320);
	CHECK(v4_l4_csum_ok(out.b + 54, 0));
	TCASE_END();

	TCASE_BEGIN("learned_path_mtu_ages_out");
	CHECK(bpf_map__lookup_elem(fx.skel->maps.mapce_pmtu, &zero, sizeof(zero), &pm, sizeof(pm),
				   0) == 0);
	CHECK_EQ(pm.mtu, 1400);
	{
		/* Learned 11 minutes ago.  Unsigned arithmetic: on a machine up
		 * for less than that the value wraps, and the datapath's
		 * "now - learned_ns" wraps back to exactly 11 minutes. */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		pm.learned_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec -
				(MAPCE_PMTU_EXPIRE_S + 60) * 1000000000ull;
	}
	bpf_map__update_elem(fx.skel->maps.mapce_pmtu, &zero, sizeof(zero), &pm, sizeof(pm), 0);
	big.payload = 1400;
	big.sport = 0xc354;
	CHECK_EQ(egress(&big, &out), TC_OK);
	syn.sport = 0xc355;
	CHECK_EQ(egress(&syn, &out), TC_OK);
	CHECK_EQ(mss_of(out.b + 54), 1420);
	TCASE_END();
}

/* Outer fragment [off, off + len) of the tunnel packet whole (Ethernet |
 * IPv6 | payload), as a router between BR and CE would cut it. */
static void outer_fragment(const struct pkt *whole, uint16_t off, uint16_t len, int more,
			   uint32_t id, struct pkt *fr)
{
	memcpy(fr->b, whole->b, 54);
	fr->b[14 + 6] = 44;
	put16(fr->b + 18, (uint16_t)(8 + len));
	fr->b[54] = 4; /* next header: IPv4 */
	fr->b[55] = 0;
	put16(fr->b + 56, (uint16_t)(off | (more ? 1 : 0)));
	fr->b[58] = id >> 24; fr->b[59] = id >> 16; fr->b[60] = id >> 8; fr->b[61] = id;
	memcpy(fr->b + 62, whole->b + 54 + off, len);
	fr->len = 62 + len;
}

static void t_outer_reassembly(void)
{
	struct v4_spec s = udp_out(0x5346, 53), r;
	struct pkt whole, f1, f2, out, exp;
	struct reason_snap b;
	uint8_t a6[16], c6[16];
	size_t plen;

	fresh("outer_ipv6_fragments_reassembled_out_of_order");
	CHECK_EQ(egress(&s, &out), TC_OK);
	r = reply_of(&s, 0x5346);
	r.payload = 2000;
	ip6(BR6, a6);
	ip6(CE_MAP6, c6);
	pkt_v6v4(&whole, a6, c6, &r);
	plen = whole.len - 54;
	outer_fragment(&whole, 0, 1232, 1, 0xabcd, &f1);
	outer_fragment(&whole, 1232, (uint16_t)(plen - 1232), 0, 0xabcd, &f2);
	/* XDP leaves outer fragments to the slow path */
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &f2, &out), XDP_PASS);
	CHECK(frame_eq(&out, &f2));
	CHECK(only_reason(&fx, &b, MAPCE_R_PASS_NATIVE));
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_ingress, &f2, &out), TC_SHOT);
	CHECK(only_reason(&fx, &b, MAPCE_R_REASM_HELD));
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_ingress, &f1, &out), TC_OK);
	CHECK(only_reason(&fx, &b, MAPCE_R_DECAP));
	expect_decap(&r, ip4(LAN_HOST), 0x5346, &exp);
	CHECK(frame_eq(&out, &exp), "reassembled packet differs");
	CHECK(v4_l4_csum_ok(out.b + 14, 0));
	TCASE_END();

	TCASE_BEGIN("outer_fragments_bad_or_foreign");
	/* a middle fragment whose length is not a multiple of 8 */
	outer_fragment(&whole, 0, 1230, 1, 0xabce, &f1);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_ingress, &f1, &out), TC_SHOT);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_REASM_INVALID));
	/* fragments of other IPv6 traffic, and whole packets: not ours */
	outer_fragment(&whole, 0, 1232, 1, 0xabcf, &f1);
	f1.b[54] = 17;
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_ingress, &f1, &out), TC_OK);
	CHECK(frame_eq(&out, &f1));
	CHECK(only_reason(&fx, &b, MAPCE_R__MAX)); /* nothing counted */
	TCASE_END();
}

static void t_oversize(void)
{
	struct v4_spec big = udp_out(0xc361, 53);
	struct pkt in, out;
	struct reason_snap b;

	fresh("oversize_df_answered_with_tunnel_mtu_nondf_dropped_counted");
	big.payload = 1500 - 28; /* 1500 bytes: over the tunnel MTU of 1460 */
	pkt_v4(&in, &big);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &out), 7 /* back in */);
	CHECK(only_reason(&fx, &b, MAPCE_R_FRAG_NEEDED_SENT));
	CHECK_EQ(out.b[14 + 20], 3);
	CHECK_EQ(out.b[14 + 21], 4);
	CHECK_EQ(get16(out.b + 14 + 26), 1460);
	CHECK(v4_hdr_csum_ok(out.b + 14) && v4_l4_csum_ok(out.b + 14, 0));
	big.frag = 0;
	big.sport = 0xc362;
	snap(&fx, &b);
	CHECK_EQ(egress(&big, &out), TC_SHOT);
	CHECK(only_reason(&fx, &b, MAPCE_R_DROP_TOO_BIG));
	/* 1460 exactly fits */
	big.frag = 0x4000;
	big.payload = 1460 - 28;
	CHECK_EQ(egress(&big, &out), TC_OK);
	CHECK_EQ(out.len, 14 + 40 + 1460);
	TCASE_END();
}

/* RFC 5382 REQ-2 style simultaneous open: both sides send SYN; the flow
 * opened by ours lets theirs in, and the flow is established. */
static void t_simultaneous_open(void)
{
	struct v4_spec syn = { .src = ip4(LAN_HOST), .dst = ip4(SERVER), .proto = 6, .sport = 0x1346,
			       .dport = 5000, .tcp_flags = 0x02, .ttl = 63, .frag = 0x4000 }, r;
	struct pkt out;
	struct mapce_flow fo, fi;

	fresh("tcp_simultaneous_open_works");
	set_filtering(MAPCE_FILTER_APDF); /* the strictest: only the flow itself */
	CHECK_EQ(egress(&syn, &out), TC_OK);
	r = reply_of(&syn, 0x1346);
	r.tcp_flags = 0x02; /* their SYN, not a SYN-ACK */
	CHECK_EQ(ingress(&r, &out), XDP_PASS);
	CHECK(flow_out_get(&syn, &fo) == 0 && flow_in_get(r.src, 5000, 0x1346, 6, &fi) == 0);
	CHECK_EQ(mapce_flow_state(6, fo.tcp_seen, fi.tcp_seen), MAPCE_FS_TCP_ESTABLISHED);
	TCASE_END();
}

/* A forged Packet Too Big (its ICMPv6 checksum wrong) about a live flow
 * changes nothing: no path MTU learned, no ICMPv4 error made, the frame
 * dropped as it came and counted as malformed. */
static void t_icmp6_error_bad_checksum(void)
{
	struct v4_spec u = udp_out(0xc361, 53);
	struct pkt in, tun, ptb, out;
	struct reason_snap b;
	struct mapce_pmtu pm;
	__u32 zero = 0;
	/* the checksum itself, the last quoted byte, the router's address
	 * (the pseudo header counts) */
	const size_t flip[] = { 56, 0, 14 + 8 };

	fresh("forged_packet_too_big_bad_checksum_changes_nothing");
	u.payload = 1400;
	pkt_v4(&in, &u);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_tc_egress, &in, &tun), TC_OK);
	for (size_t i = 0; i < sizeof(flip) / sizeof(flip[0]); i++) {
		icmp6_err_frame(&tun, 2, 1280, &ptb);
		ptb.b[flip[i] ? flip[i] : ptb.len - 1] ^= 0x01;
		snap(&fx, &b);
		CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &ptb, &out), XDP_DROP);
		CHECK(frame_eq(&out, &ptb), "the frame was rewritten");
		CHECK(only_reason(&fx, &b, MAPCE_R_DROP_MALFORMED));
		CHECK(bpf_map__lookup_elem(fx.skel->maps.mapce_pmtu, &zero, sizeof(zero), &pm,
					   sizeof(pm), 0) == 0 && pm.mtu == 0,
		      "a path MTU was learned");
	}
	/* the same error with its checksum right is believed */
	icmp6_err_frame(&tun, 2, 1280, &ptb);
	snap(&fx, &b);
	CHECK_EQ(run_prog(fx.skel->progs.mapce_xdp_ingress, &ptb, &out), XDP_PASS);
	CHECK(only_reason(&fx, &b, MAPCE_R_ICMP6_ERR_TRANSLATED));
	CHECK(bpf_map__lookup_elem(fx.skel->maps.mapce_pmtu, &zero, sizeof(zero), &pm, sizeof(pm),
				   0) == 0 && pm.mtu == 1280);
	TCASE_END();
}

int main(void)
{
	t_egress_udp_preserves_port_in_set();
	t_egress_tcp_port_outside_set_is_mapped();
	t_established_and_eim();
	t_ingress_reply(17, "udp_reply_decapsulated_and_restored");
	t_ingress_reply(6, "tcp_synack_decapsulated_and_restored");
	t_ingress_reply(1, "icmp_echo_id_mapped_both_ways");
	t_range_edges();
	t_ingress_drops();
	t_native_ipv6_passthrough();
	t_udp_zero_checksum();
	t_ipv4_options();
	t_egress_drops();
	t_mesh_fmr();
	t_mss_clamp();
	t_ecn_decap();
	t_encap_limit();
	t_icmp6_errors();
	t_pmtu_memory();
	t_outer_reassembly();
	t_fragments();
	t_icmp4_errors();
	t_filtering();
	t_overlap();
	t_parity();
	t_hairpin();
	t_host_limit();
	t_oversize();
	t_simultaneous_open();
	t_exhaustion();
	t_expiry();
	t_icmp6_error_bad_checksum();
	ce_fx_close(&fx);
	return t_exit();
}
