// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_nat.c - the CE's port pool and NAT state under
 * BPF_PROG_TEST_RUN: the whole set used then exhaustion answered (ICMP
 * 3/13, TCP RST), idle flows expiring, port overlapping, parity, hairpin,
 * the per-host limit, TCP simultaneous open, the three filtering modes.
 *
 * Scenarios of several packets on one fresh CE each; every packet goes
 * through expect_run (tests/bpf/fixture.h), the NAT maps are checked
 * besides.
 */
#include <time.h>
#include "harness.h"
#include "bpf/ce.h"

/* The RST the CE sends back in for the inside SYN s it cannot map: as if
 * from the remote, acknowledging the SYN, MACs swapped (bpf/ce/reject.h). */
static void ce_rst(struct pkt *want, const struct pkt *in, const struct v4_spec *s)
{
	uint8_t *ip = want->b + 14, *th = ip + 20;

	want->len = put_eth(want->b, 0x0800);
	memcpy(want->b, in->b + 6, 6);
	memcpy(want->b + 6, in->b, 6);
	memset(ip, 0, 40);
	ip[0] = 0x45;
	put16(ip + 2, 40);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	patch_v4_hdr(ip, s->dst, s->src, 0);
	put16(th, s->dport);
	put16(th + 2, s->sport);
	put32(th + 8, 0x12345678u + 1); /* acks the SYN (put_v4's seq) */
	th[12] = 5 << 4;
	th[13] = 0x14; /* RST|ACK */
	put16(th + 16, l4_csum_v4(s->dst, s->src, 6, th, 20));
	want->len += 40;
}

/* The hairpinned frame: s from our public sport to ip:dport, back in
 * (MACs swapped), nothing else changed. */
static void ce_hairpinned(struct pkt *want, const struct v4_spec *s, uint16_t sport, uint32_t ip,
			  uint16_t dport)
{
	struct v4_spec t = *s;

	t.src = CE_V4;
	t.sport = sport;
	t.dst = ip;
	t.dport = dport;
	pkt_v4(want, &t);
	memcpy(want->b, MAC_A, 6);
	memcpy(want->b + 6, MAC_B, 6);
}

static void t_exhaustion(void)
{
	struct v4_spec s = udp_out(31000, 53);
	int seen[65536] = { 0 }, ranges[16] = { 0 }, distinct = 0, nranges = 0, ok = 1;
	struct pkt in, want;

	ce_fresh("whole_set_used_then_exhaustion_reported");
	for (int i = 0; i < 240 && ok; i++) {
		struct v4_spec t = udp_out((uint16_t)(30000 + i), 53);
		uint16_t p;

		p = egress_mapped(&t, EV_NEW_FLOW, 0, NULL);
		if (seen[p]++)
			ok = 0;
		else
			distinct++;
		ranges[p >> 12]++;
	}
	CHECK(ok, "a port was reused");
	CHECK_EQ(distinct, 240);
	for (int i = 0; i < 16; i++)
		nranges += ranges[i] > 0;
	CHECK_EQ(nranges, 15);
	/* ICMP 3/13 from our public address, quoting what the host sent,
	 * sent back in */
	pkt_v4(&in, &s);
	ce_reject(&want, &in, 13, 0);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_REDIRECT, MAPCE_R_DROP_NO_PORTS, EV(REJECT_SENT),
		   &want, NULL);
	TCASE_END();
}

static void t_rst(void)
{
	struct v4_spec t0 = TCP_SYN_OUT(31000, 443), t = TCP_SYN_OUT(31001, 443);
	struct pkt in, want;

	ce_fresh("tcp_syn_without_port_gets_rst");
	fx.cfg.max_per_host = 1; /* the second inside port is refused */
	fx_config();
	egress_mapped(&t0, EV_NEW_FLOW, 0, NULL);
	pkt_v4(&in, &t);
	ce_rst(&want, &in, &t);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_REDIRECT, MAPCE_R_DROP_HOST_LIMIT, EV(REJECT_SENT),
		   &want, NULL);
	/* a RST is never answered */
	t.tcp_flags = 0x04;
	egress(&t, TC_ACT_SHOT, MAPCE_R_DROP_HOST_LIMIT, 0, NULL, NULL);
	TCASE_END();
}

static void nap(long ms)
{
	struct timespec ts = { 0, ms * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static void t_expiry(void)
{
	struct v4_spec s = udp_out(0x6346, 53), s2 = udp_out(0x7347, 53);
	struct mapce_flow f;
	struct pkt want;
	int waited;

	ce_fresh("idle_flows_and_mappings_expire_and_ports_return");
	fx.cfg.timeout_udp = 1;
	fx.cfg.timeout_icmp = 1;
	fx.cfg.gc_interval_ms = 200;
	fx_config();
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	egress_mapped(&s2, EV_NEW_FLOW, 1, NULL);
	ce_encapped(&want, &s2, 0x7347);
	/* keep s2 alive while s goes idle */
	for (waited = 0; waited < 30; waited++) {
		nap(100);
		egress(&s2, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
		if (flow_out_get(&s, &f) != 0)
			break;
	}
	CHECK(waited < 30, "idle flow still there after 3 s");
	CHECK(flow_out_get(&s2, &f) == 0, "active flow expired");
	for (int i = 0; i < 10 && fx_map_count(fx.ce->maps.mapce_ports) != 1; i++) {
		nap(200);
		egress(&s2, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	}
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_bind), 1);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_ports), 1);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_in), 1);
	CHECK(fx_reason_packets(MAPCE_R_EV_GC_SWEEP) > 0);
	TCASE_END();
}

/* A sweep reads its clock once; the datapath on another CPU stamps a flow
 * (and makes mappings and claims) after that, so the stamps can be later
 * than the sweep's now.  Stamps set ahead of the clock stand for that race
 * here: the flow, its mapping and its claim must live on, not wrap to an
 * age of centuries and expire. */
static void t_stamped_after_sweep(void)
{
	struct v4_spec s = udp_out(0x6346, 53); /* in the set: kept */
	struct mapce_endpoint in = { .ip = htonl(s.src), .port = htons(s.sport), .proto = 17 };
	struct mapce_tuple k = flow_out_key(&s);
	struct mapce_binding b;
	struct mapce_flow f;
	struct timespec ts;
	__u64 ahead;

	ce_fresh("a_flow_stamped_after_the_sweeps_clock_lives_on");
	fx.cfg.timeout_udp = 1;
	fx.cfg.gc_interval_ms = 100;
	fx_config();
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	ahead = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec + 5000000000ull;
	CHECK(flow_out_get(&s, &f) == 0);
	f.last_ns = ahead;
	CHECK(bpf_map__update_elem(fx.ce->maps.mapce_flow_out, &k, sizeof(k), &f, sizeof(f),
				   BPF_EXIST) == 0);
	CHECK(bpf_map__lookup_elem(fx.ce->maps.mapce_bind, &in, sizeof(in), &b, sizeof(b), 0) == 0);
	b.refreshed_ns = ahead;
	CHECK(bpf_map__update_elem(fx.ce->maps.mapce_bind, &in, sizeof(in), &b, sizeof(b),
				   BPF_EXIST) == 0);
	nap(600); /* several sweeps */
	CHECK(fx_reason_packets(MAPCE_R_EV_GC_SWEEP) > 1, "no sweeps ran");
	CHECK(flow_out_get(&s, &f) == 0, "the flow stamped after the sweep's clock expired");
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_bind), 1);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_ports), 1);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_in), 1);
	TCASE_END();
}

/*
 * Every packet stamps its flow half with the clock (bpf/lib/clock.h: each
 * CPU's coarse reading, kept for the tick): at most two ticks behind a
 * fresh reading, never ahead of one, and a packet ticks later stamps
 * ticks later (the cache is read again when jiffies move).  STAMP_SLACK_NS
 * is two ticks at HZ=100, the coarsest.
 */
#define STAMP_SLACK_NS (20ull * 1000 * 1000)

/* Set both halves of UDP flow s (outside port) to have been active last at
 * ns, then send one packet each way and read their stamps. */
static void stamp_both_ways(const struct v4_spec *s, uint16_t port, __u64 ns, __u64 stamp[2])
{
	struct mapce_tuple ko = flow_out_key(s), ki = flow_in_key(s->dst, s->dport, port, 17);
	struct v4_spec r = reply_of(s, port);
	struct mapce_flow fo, fi;
	struct pkt want;

	CHECK(flow_out_get(s, &fo) == 0 && flow_in_get(s->dst, s->dport, port, 17, &fi) == 0);
	fo.last_ns = fi.last_ns = ns;
	CHECK(bpf_map__update_elem(fx.ce->maps.mapce_flow_out, &ko, sizeof(ko), &fo, sizeof(fo),
				   BPF_EXIST) == 0);
	CHECK(bpf_map__update_elem(fx.ce->maps.mapce_flow_in, &ki, sizeof(ki), &fi, sizeof(fi),
				   BPF_EXIST) == 0);
	ce_encapped(&want, s, port);
	egress(s, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	ingress_to(&r, LAN_HOST, s->sport, 0, NULL);
	CHECK(flow_out_get(s, &fo) == 0 && flow_in_get(s->dst, s->dport, port, 17, &fi) == 0);
	stamp[0] = fo.last_ns;
	stamp[1] = fi.last_ns;
}

static void t_activity_stamps(void)
{
	struct v4_spec s = udp_out(0x6346, 53);
	__u64 before, after, first[2], later[2];
	uint16_t port;

	ce_fresh("every_packet_stamps_its_flow_with_the_clock");
	port = egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	before = fx_now_ns();
	stamp_both_ways(&s, port, before - SEC_NS, first);
	after = fx_now_ns();
	for (int i = 0; i < 2; i++)
		CHECK(first[i] + STAMP_SLACK_NS >= before && first[i] <= after,
		      "%s stamp %llu, the clock %llu..%llu", i ? "in" : "out",
		      (unsigned long long)first[i], (unsigned long long)before,
		      (unsigned long long)after);
	nap(60);
	stamp_both_ways(&s, port, before - SEC_NS, later);
	for (int i = 0; i < 2; i++)
		CHECK(later[i] >= first[i] + 60 * 1000 * 1000 - STAMP_SLACK_NS,
		      "%s: 60 ms later stamped %llu ns later", i ? "in" : "out",
		      (unsigned long long)(later[i] - first[i]));
	TCASE_END();
}

static void t_overlap(void)
{
	struct v4_spec s, r;
	struct pkt in, want;
	uint16_t port, owner_port = 0;

	ce_fresh("port_overlapping_when_the_set_is_exhausted");
	for (int i = 0; i < 240; i++) {
		s = udp_out((uint16_t)(20000 + i), 53);
		egress_mapped(&s, EV_NEW_FLOW, 0, NULL);
	}
	/* a new inside endpoint to another remote: shares a port */
	s = udp_out(30000, 53);
	s.src = IP4(192, 0, 2, 11);
	s.dst = IP4(203, 0, 113, 20);
	port = egress_mapped(&s, EV_NEW_FLOW | EV(PORT_OVERLAP), 0, NULL);
	/* inbound told apart by the full 5-tuple */
	r = reply_of(&s, port);
	ingress_to(&r, IP4(192, 0, 2, 11), 30000, 0, NULL);
	for (int i = 0; i < 240; i++) {
		struct mapce_flow f;

		s = udp_out((uint16_t)(20000 + i), 53);
		if (flow_out_get(&s, &f) == 0 && ntohs(f.port) == port)
			owner_port = (uint16_t)(20000 + i);
	}
	CHECK(owner_port, "nobody owned port %u first", port);
	s = udp_out(owner_port, 53);
	r = reply_of(&s, port);
	ingress_to(&r, LAN_HOST, owner_port, 0, NULL);
	/* the 241st flow to the one remote ip:port: no port left, rejected
	 * back to the host */
	s = udp_out(30001, 53);
	s.src = IP4(192, 0, 2, 12);
	pkt_v4(&in, &s);
	ce_reject(&want, &in, 13, 0);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_REDIRECT, MAPCE_R_DROP_NO_PORTS, EV(REJECT_SENT),
		   &want, NULL);
	TCASE_END();
}

static void t_parity(void)
{
	int ok = 1;

	ce_fresh("port_parity_preserved");
	for (int i = 0; i < 40; i++) {
		struct v4_spec s = udp_out((uint16_t)(40000 + i), 53);

		if ((egress_mapped(&s, EV_NEW_FLOW, 0, NULL) & 1) != (i & 1))
			ok = 0;
	}
	CHECK(ok, "parity changed");
	TCASE_END();
}

static void t_hairpin(void)
{
	struct v4_spec a = udp_out(0x1345, 53), h;
	struct pkt want;

	ce_fresh("hairpin_to_own_mapping_stun_style");
	egress_mapped(&a, EV_NEW_FLOW, 1, NULL);
	h = a;
	h.dst = CE_V4;
	h.dport = 0x1345; /* to its own public endpoint */
	ce_hairpinned(&want, &h, 0x1345, LAN_HOST, 0x1345);
	egress(&h, TC_ACT_REDIRECT, MAPCE_R_HAIRPIN, EV(FLOW_CREATED), &want, NULL);
	TCASE_END();

	ce_fresh("hairpin_between_lan_hosts_respects_filtering");
	egress_mapped(&a, EV_NEW_FLOW, 1, NULL); /* A talks to a server only */
	h = udp_out(0x2346, 0x1345);
	h.src = IP4(192, 0, 2, 11);
	h.dst = CE_V4;
	/* ADF: A never sent to our address */
	egress(&h, TC_ACT_SHOT, MAPCE_R_DROP_FILTERED, EV_NEW_FLOW, NULL, NULL);
	ce_set_filtering(MAPCE_FILTER_EIF);
	ce_hairpinned(&want, &h, 0x2346, LAN_HOST, 0x1345);
	egress(&h, TC_ACT_REDIRECT, MAPCE_R_HAIRPIN, EV_INBOUND_FLOW, &want, NULL);
	/* A answers B's public endpoint: back to B (on the flow B opened) */
	h = udp_out(0x1345, 0x2346);
	h.dst = CE_V4;
	ce_hairpinned(&want, &h, 0x1345, IP4(192, 0, 2, 11), 0x2346);
	egress(&h, TC_ACT_REDIRECT, MAPCE_R_HAIRPIN, 0, &want, NULL);
	/* the shared address on a port outside our set: another customer */
	h.dport = 0x1355;
	ce_encapped(&want, &h, 0x1345);
	egress(&h, TC_ACT_OK, MAPCE_R_ENCAP, EV(FLOW_CREATED), &want, NULL);
	TCASE_END();
}

static void t_host_limit(void)
{
	struct v4_spec s = udp_out(50002, 53);
	__be32 ip = htonl(LAN_HOST);
	struct mapce_host h;
	struct pkt in, want;

	ce_fresh("per_host_mapping_limit");
	fx.cfg.max_per_host = 2;
	fx_config();
	for (int i = 0; i < 2; i++) {
		struct v4_spec t = udp_out((uint16_t)(50000 + i), 53);

		egress_mapped(&t, EV_NEW_FLOW, 0, NULL);
	}
	/* rejected back to the host */
	pkt_v4(&in, &s);
	ce_reject(&want, &in, 13, 0);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_REDIRECT, MAPCE_R_DROP_HOST_LIMIT, EV(REJECT_SENT),
		   &want, NULL);
	/* existing mappings still work, other hosts are not affected */
	s = udp_out(50000, 54);
	egress_mapped(&s, EV(FLOW_CREATED), 0, NULL);
	s = udp_out(50002, 53);
	s.src = IP4(192, 0, 2, 11);
	egress_mapped(&s, EV_NEW_FLOW, 0, NULL);
	CHECK(bpf_map__lookup_elem(fx.ce->maps.mapce_hosts, &ip, sizeof(ip), &h, sizeof(h), 0) ==
	      0);
	CHECK_EQ(h.bindings, 2);
	CHECK_EQ(h.limit_hits, 1);
	TCASE_END();
}

/* RFC 5382 REQ-2 style simultaneous open: both sides send SYN; the flow
 * opened by ours lets theirs in, and the flow is established. */
static void t_simultaneous_open(void)
{
	struct v4_spec syn = TCP_SYN_OUT(0x1346, 5000), r;
	struct mapce_flow fo, fi;

	ce_fresh("tcp_simultaneous_open_works");
	ce_set_filtering(MAPCE_FILTER_APDF); /* the strictest: only the flow itself */
	egress_mapped(&syn, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&syn, 0x1346);
	r.tcp_flags = 0x02; /* their SYN, not a SYN-ACK */
	ingress_to(&r, LAN_HOST, 0x1346, 0, NULL);
	CHECK(flow_out_get(&syn, &fo) == 0 && flow_in_get(r.src, 5000, 0x1346, 6, &fi) == 0);
	CHECK_EQ(mapce_flow_state(6, fo.tcp_seen, fi.tcp_seen), MAPCE_FS_TCP_ESTABLISHED);
	TCASE_END();
}

static void t_filtering(void)
{
	struct v4_spec s = udp_out(0xf341, 53), r;

	ce_fresh("filtering_address_dependent_by_default");
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&s, 0xf341);
	r.sport = 5353; /* same server, another port: allowed */
	ingress_to(&r, LAN_HOST, 0xf341, EV_INBOUND_FLOW, NULL);
	r.src = IP4(203, 0, 113, 99); /* a stranger: filtered */
	ingress(&r, XDP_DROP, MAPCE_R_DROP_FILTERED, 0, NULL, NULL);
	TCASE_END();

	/* (the same CE, the flow above still open) */
	TCASE_BEGIN("filtering_address_and_port_dependent");
	ce_set_filtering(MAPCE_FILTER_APDF);
	r = reply_of(&s, 0xf341);
	r.sport = 5354;
	ingress(&r, XDP_DROP, MAPCE_R_DROP_FILTERED, 0, NULL, NULL);
	r.sport = 53; /* the flow itself still works */
	ingress_to(&r, LAN_HOST, 0xf341, 0, NULL);
	TCASE_END();

	TCASE_BEGIN("filtering_endpoint_independent");
	ce_set_filtering(MAPCE_FILTER_EIF);
	r.src = IP4(203, 0, 113, 99);
	r.sport = 7777;
	ingress_to(&r, LAN_HOST, 0xf341, EV_INBOUND_FLOW, NULL);
	/* ... but only to mapped ports */
	r.dport = 0xf342;
	ingress(&r, XDP_DROP, MAPCE_R_DROP_NO_FLOW, 0, NULL, NULL);
	TCASE_END();
}

int main(void)
{
	t_filtering();
	t_overlap();
	t_parity();
	t_hairpin();
	t_host_limit();
	t_simultaneous_open();
	t_exhaustion();
	t_rst();
	t_expiry();
	t_stamped_after_sweep();
	t_activity_stamps();
	return fx_finish();
}
