// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce.c - the CE's NAPT both ways under BPF_PROG_TEST_RUN: new flows
 * and their replies, the edges of the port set, what ingress drops and
 * why, what passes untouched, checksums and IPv4 options, what egress
 * never leaks.
 *
 * Each packet goes through expect_run (tests/bpf/fixture.h): the verdict,
 * every reason counter, the whole output frame against one built
 * independently (tests/bpf/ce.h).  Cases that are packets with known
 * answers are rows of the table; cases where the CE picks the port stay
 * functions.  The other CE tests, by concept: test_ce_nat.c (the port
 * pool, expiry, filtering, hairpin), test_ce_tunnel.c (mesh, MSS, ECN,
 * encapsulation limit, MTU), test_ce_icmp.c (ICMP errors both ways, path
 * MTU), test_ce_fragments.c (fragments, outer reassembly).
 */
#include "harness.h"
#include "bpf/ce.h"

/* ---- checks after a row: the state its packet left ---------------------- */

static void udp_flow_recorded(const struct pkt *out)
{
	struct v4_spec s = UDP_OUT(0x1345, 53);
	struct mapce_flow f;

	CHECK(flow_out_get(&s, &f) == 0, "no outbound flow");
	CHECK_EQ(ntohs(f.port), 0x1345);
	CHECK_EQ(f.packets, 1);
	CHECK_EQ(f.bytes, 20 + 8 + 32);
	CHECK(flow_in_get(SERVER, 53, 0x1345, 17, &f) == 0, "no inbound flow");
	CHECK_EQ(f.ip, htonl(LAN_HOST));
}

static void udp_reply_counted(const struct pkt *out)
{
	struct mapce_flow f;

	CHECK(flow_in_get(SERVER, 53, 0x2341, 17, &f) == 0);
	CHECK_EQ(f.packets, 1);
}

static void tcp_synack_seen(const struct pkt *out)
{
	struct mapce_flow f;

	CHECK(flow_in_get(SERVER, 53, 0x2341, 6, &f) == 0);
	CHECK_EQ(f.packets, 1);
	CHECK_EQ(f.tcp_seen, MAPCE_TCP_SEEN_SYN | MAPCE_TCP_SEEN_ACK);
}

static void udp_csum_zero(const struct pkt *out)
{
	const uint8_t *ip = frame_inner_v4(out);

	CHECK(ip && get16(ip + 20 + 6) == 0, "UDP checksum no longer 0");
}

/* ---- inputs that are no MAP traffic or broken ---------------------------- */

#define WAN_PEER6 "2001:db8:12:3400::ffff"
#define WAN_OWN6 "2001:db8:12:3400::1" /* another address of ours */

/* ICMPv6 echo request to the WAN's own address. */
static void in_icmp6_echo_to_wan(struct pkt *in, const struct fx_row *r)
{
	in->len = put_eth(in->b, 0x86dd);
	in->len += put_v6_outer(in->b + 14, a6(WAN_PEER6), a6(WAN_OWN6), 0, 64, 8);
	in->b[14 + 6] = 58;
	memset(in->b + in->len, 0x80, 8);
	in->len += 8;
}

/* IPv4-in-IPv6 to another address of ours: not MAP traffic. */
static void in_ipip_to_wan(struct pkt *in, const struct fx_row *r)
{
	pkt_v6v4(in, a6(WAN_PEER6), a6(WAN_OWN6), &r->v4);
}

static void cut_inner_ipv4_header(struct pkt *in)
{
	mangle_cut_inner(in, 10);
}

static void cut_udp_header(struct pkt *in)
{
	mangle_cut_inner(in, 20 + 4);
}

/* IPv4 says 60 bytes, 38 arrived. */
static void lan_truncated(struct pkt *in)
{
	in->len = 14 + 20 + 4;
}

static void config_off(void)
{
	fx.cfg.flags = 0;
	fx_config();
}

static const struct fx_row napt_rows[] = {
	{ NEW_FLOW("egress_udp_new_flow_keeps_inside_port_in_set"), .v4 = UDP_OUT(0x1345, 53),
	  .csums = 1, .check = udp_flow_recorded },

	{ NEW_FLOW("udp_reply_decapsulated_and_restored"), .v4 = UDP_OUT(0x2341, 53) },
	{ REPLY("udp_reply_decapsulated_and_restored"), .v4 = UDP_IN(53, 0x2341), .csums = 1,
	  .check = udp_reply_counted },

	{ NEW_FLOW("tcp_synack_decapsulated_and_restored"), .v4 = TCP_SYN_OUT(0x2341, 53) },
	{ REPLY("tcp_synack_decapsulated_and_restored"), .v4 = TCP_SYNACK_IN(53, 0x2341),
	  .csums = 1, .check = tcp_synack_seen },

/* first and last port of the first and the last range, kept as is */
#define EDGE "first_and_last_port_of_ranges_both_ways"
	{ NEW_FLOW(EDGE), .v4 = UDP_OUT(0x1340, 4000) },
	{ REPLY(EDGE), .v4 = UDP_IN(4000, 0x1340) },
	{ NEW_FLOW(EDGE), .v4 = UDP_OUT(0x134f, 4000) },
	{ REPLY(EDGE), .v4 = UDP_IN(4000, 0x134f) },
	{ NEW_FLOW(EDGE), .v4 = UDP_OUT(0xf340, 4000) },
	{ REPLY(EDGE), .v4 = UDP_IN(4000, 0xf340) },
	{ NEW_FLOW(EDGE), .v4 = UDP_OUT(0xf34f, 4000) },
	{ REPLY(EDGE), .v4 = UDP_IN(4000, 0xf34f) },
#undef EDGE

	{ NEW_FLOW("ingress_port_outside_set_dropped"), .v4 = UDP_OUT(0x3342, 53) },
	/* PSID 0x35: another customer's port */
	{ IN_DROP("ingress_port_outside_set_dropped", DROP_PORT_OUT_OF_SET),
	  .v4 = UDP_IN(53, 0x3352) },
	/* A = 0: system ports never belong to a CE */
	{ IN_DROP("ingress_port_outside_set_dropped", DROP_PORT_OUT_OF_SET),
	  .v4 = UDP_IN(53, 0x0345) },

	{ NEW_FLOW("ingress_port_in_set_without_flow_dropped"), .v4 = UDP_OUT(0x3342, 53) },
	{ IN_DROP("ingress_port_in_set_without_flow_dropped", DROP_NO_FLOW),
	  .v4 = UDP_IN(53, 0x3343) },

	{ NEW_FLOW("ingress_from_wrong_tunnel_source_dropped"), .v4 = UDP_OUT(0x3342, 53) },
	{ IN_DROP("ingress_from_wrong_tunnel_source_dropped", DROP_BAD_TUNNEL_SRC),
	  .v4 = UDP_IN(53, 0x3342), .peer6 = "2001:db8:99::1" },

	{ NEW_FLOW("ingress_to_other_ipv4_dropped"), .v4 = UDP_OUT(0x3342, 53) },
	{ IN_DROP("ingress_to_other_ipv4_dropped", DROP_WRONG_IPV4),
	  .v4 = UDP_IN(53, 0x3342, .dst = IP4(198, 51, 100, 19)) },

#define BAD "ingress_truncated_and_malformed"
	{ NEW_FLOW(BAD), .v4 = UDP_OUT(0x3342, 53) },
	/* truncated inside the IPv6 header: not parseable as MAP, the kernel's */
	{ IN(BAD), .v4 = UDP_IN(53, 0x3342), .mangle = mangle_cut_ipv6_header, .verdict = XDP_PASS,
	  .reason = MAPCE_R_PASS_NATIVE },
	/* truncated inner IPv4 header, and truncated UDP header */
	{ IN_DROP(BAD, DROP_MALFORMED), .v4 = UDP_IN(53, 0x3342), .mangle = cut_inner_ipv4_header },
	{ IN_DROP(BAD, DROP_MALFORMED), .v4 = UDP_IN(53, 0x3342), .mangle = cut_udp_header },
	/* ihl < 5, version 6 inside, payload length disagreeing with IPv4 */
	{ IN_DROP(BAD, DROP_MALFORMED), .v4 = UDP_IN(53, 0x3342), .mangle = mangle_inner_ihl_4 },
	{ IN_DROP(BAD, DROP_MALFORMED), .v4 = UDP_IN(53, 0x3342),
	  .mangle = mangle_inner_version_6 },
	{ IN_DROP(BAD, DROP_MALFORMED), .v4 = UDP_IN(53, 0x3342),
	  .mangle = mangle_payload_length_short },
#undef BAD

#define NATIVE "native_ipv6_passes_untouched"
	{ .name = NATIVE,
	  .prog = FX_XDP,
	  .in = in_icmp6_echo_to_wan,
	  .verdict = XDP_PASS,
	  .reason = MAPCE_R_PASS_NATIVE },
	{ .name = NATIVE,
	  .prog = FX_XDP,
	  .v4 = UDP_OUT(0x1345, 53),
	  .in = in_ipip_to_wan,
	  .verdict = XDP_PASS,
	  .reason = MAPCE_R_PASS_NATIVE },
	/* IPv6 leaving through TC egress is not touched either */
	{ .name = NATIVE,
	  .prog = FX_TC_EGRESS,
	  .v4 = UDP_OUT(0x1345, 53),
	  .in = in_ipip_to_wan,
	  .verdict = TC_ACT_OK,
	  .reason = MAPCE_R_PASS_NATIVE },
#undef NATIVE

	{ NEW_FLOW("udp_zero_checksum_stays_zero_both_ways"),
	  .v4 = UDP_OUT(0x4344, 53, .udp_zero_csum = 1), .check = udp_csum_zero },
	{ REPLY("udp_zero_checksum_stays_zero_both_ways"),
	  .v4 = UDP_IN(53, 0x4344, .udp_zero_csum = 1), .check = udp_csum_zero },

	{ NEW_FLOW("ipv4_options_both_ways"), .v4 = UDP_OUT(0x5345, 53, .ihl_words = 7) },
	{ REPLY("ipv4_options_both_ways"), .v4 = UDP_IN(53, 0x5345, .ihl_words = 7) },

#define LEAK "egress_unsupported_and_malformed_dropped_never_leaked"
	{ OUT_DROP(LEAK, DROP_UNSUPPORTED_PROTO),
	  .v4 = UDP_OUT(0x1345, 53, .proto = 47 /* GRE */) },
	{ OUT_DROP(LEAK, DROP_ICMP_UNSUPPORTED),
	  .v4 = UDP_OUT(0x1345, 53, .proto = 1, .icmp_type = 0 /* unsolicited reply */) },
	{ OUT_DROP(LEAK, DROP_MALFORMED), .v4 = UDP_OUT(0x1345, 53), .mangle = lan_truncated },
#undef LEAK

	{ OUT_DROP("egress_ipv4_without_config_never_leaks", DROP_NOT_CONFIGURED),
	  .v4 = UDP_OUT(0x1345, 53), .setup = config_off },
};

/* ---- cases where the CE picks the port ------------------------------------ */

static void t_egress_tcp_port_outside_set_is_mapped(void)
{
	struct v4_spec s = TCP_SYN_OUT(40000, 80, .tos = 0xb8);
	struct pkt out;

	ce_fresh("egress_tcp_syn_gets_port_in_set_and_dscp");
	egress_mapped(&s, EV_NEW_FLOW, 0, &out);
	CHECK_EQ(out.b[14] >> 4, 6);
	CHECK_EQ(((out.b[14] & 0xf) << 4) | (out.b[15] >> 4), 0xb8); /* traffic class = TOS */
	CHECK_EQ(out.b[14 + 6], 4);				     /* next header IPIP */
	CHECK_EQ(out.b[14 + 7], 64);				     /* hop limit */
	TCASE_END();
}

static void t_established_and_eim(void)
{
	struct v4_spec s = udp_out(50000, 53), s2;
	struct pkt out, want;
	struct mapce_flow f;
	uint16_t p1;

	ce_fresh("egress_established_flow_and_endpoint_independent_mapping");
	p1 = egress_mapped(&s, EV_NEW_FLOW, 0, NULL);
	ce_encapped(&want, &s, p1);
	egress(&s, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	CHECK(flow_out_get(&s, &f) == 0);
	CHECK_EQ(f.packets, 2);
	CHECK_EQ(f.bytes, 2 * (20 + 8 + 32));
	/* Same inside endpoint, another destination: same outside port. */
	s2 = s;
	s2.dst = IP4(203, 0, 113, 11);
	s2.dport = 443;
	ce_encapped(&want, &s2, p1);
	egress(&s2, TC_ACT_OK, MAPCE_R_ENCAP, EV(FLOW_CREATED), &want, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_bind), 1);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_out), 2);
	/* Another inside port: another outside port. */
	s2.sport = 50001;
	egress_mapped(&s2, EV_NEW_FLOW, 0, &out);
	CHECK(encap_sport(&out) != p1, "two inside endpoints share port %u", p1);
	TCASE_END();
}

static void t_icmp_echo(void)
{
	struct v4_spec s = { .src = LAN_HOST,
			     .dst = SERVER,
			     .proto = 1,
			     .icmp_type = 8,
			     .sport = 777,
			     .payload = 32,
			     .ttl = 63,
			     .frag = 0x4000 };
	struct v4_spec r;
	struct mapce_flow f;
	struct pkt out;
	uint16_t port;

	ce_fresh("icmp_echo_id_mapped_both_ways");
	port = egress_mapped(&s, EV_NEW_FLOW, 0, NULL);
	r = reply_of(&s, port);
	ingress_to(&r, LAN_HOST, 777, 0, &out);
	CHECK(frame_csums_ok(&out));
	CHECK(flow_in_get(SERVER, 0, port, 1, &f) == 0);
	CHECK_EQ(f.packets, 1);
	TCASE_END();
}

int main(void)
{
	ce_run_rows(ROWS(napt_rows));
	t_egress_tcp_port_outside_set_is_mapped();
	t_established_and_eim();
	t_icmp_echo();
	return fx_finish();
}
