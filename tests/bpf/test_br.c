// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_br.c - the stateless BR's programs under BPF_PROG_TEST_RUN:
 * decapsulation and encapsulation of TCP, UDP and ICMP echo, range edges,
 * spoofing (port, address, IPv6 source, IID format), ports of no PSID,
 * unattributable packets, ICMP errors attributed by their quote, malformed
 * headers, native passthrough, the RFC 2473 encapsulation limit option,
 * hairpin (XDP output fed to TC), rules without sharing and with an IPv4
 * prefix per CE, the RFC 7597 IID.
 *
 * The rules and CEs: tests/bpf/br.h.  Each packet goes through expect_run
 * (tests/bpf/fixture.h): the verdict, exactly one reason counter moved by
 * one packet and the frame's length in bytes (plus the events due), the
 * whole output frame; checksums are checked with tests/pkt.h's RFC 1071
 * oracle.  Single packets are rows of the tables.  The other BR tests:
 * test_br_fragments.c (fragments of shared addresses), test_br_icmp6.c (ICMPv6
 * errors about encapsulated packets, GSO).
 */
#include "harness.h"
#include "bpf/br.h"

/* ---- XDP: decapsulation ------------------------------------------------- */

static const struct fx_row decap_rows[] = {
	{ DECAP("xdp_decap_tcp_from_owner"), .peer6 = CE_LEGACY,
	  .v4 = TCP(CE_V4, 0x1340, SERVER, 80) },
	{ DECAP("xdp_decap_udp_from_owner"), .peer6 = CE_LEGACY,
	  .v4 = UDP(CE_V4, 0x5345, SERVER, 53) },
	{ DECAP("xdp_decap_icmp_echo_request_id_is_port"), .peer6 = CE_LEGACY,
	  .v4 = ICMP(CE_V4, SERVER, 8, 0x9341) },
/* first and last port of the first, a middle and the last range */
#define EDGES "xdp_decap_range_edges"
	{ DECAP(EDGES), .peer6 = CE_LEGACY, .v4 = UDP(CE_V4, 0x1340, SERVER, 4500) },
	{ DECAP(EDGES), .peer6 = CE_LEGACY, .v4 = UDP(CE_V4, 0x134f, SERVER, 4500) },
	{ DECAP(EDGES), .peer6 = CE_LEGACY, .v4 = UDP(CE_V4, 0x7340, SERVER, 4500) },
	{ DECAP(EDGES), .peer6 = CE_LEGACY, .v4 = UDP(CE_V4, 0x734f, SERVER, 4500) },
	{ DECAP(EDGES), .peer6 = CE_LEGACY, .v4 = UDP(CE_V4, 0xf340, SERVER, 4500) },
	{ DECAP(EDGES), .peer6 = CE_LEGACY, .v4 = UDP(CE_V4, 0xf34f, SERVER, 4500) },
#undef EDGES
	/* just outside the ranges: 0x133f and 0x1350 belong to PSIDs 0x33 and 0x35 */
	{ DECAP_DROP("xdp_spoofed_port_of_other_psid", BR_DROP_SPOOFED), .peer6 = CE_LEGACY,
	  .v4 = TCP(CE_V4, 0x1350, SERVER, 80) },
	{ DECAP_DROP("xdp_spoofed_port_below_range", BR_DROP_SPOOFED), .peer6 = CE_LEGACY,
	  .v4 = UDP(CE_V4, 0x133f, SERVER, 80) },
	/* ... but from its owner that port is fine */
	{ DECAP("xdp_decap_from_neighbour_psid"), .peer6 = CE35_LEGACY,
	  .v4 = TCP(CE_V4, 0x1350, SERVER, 80) },
	{ DECAP_DROP("xdp_spoofed_wrong_ipv4", BR_DROP_SPOOFED), .peer6 = CE_LEGACY,
	  .v4 = TCP(CE19_V4, 0x1340, SERVER, 80) },
	{ DECAP("xdp_decap_other_ipv4_from_its_owner"), .peer6 = CE19_LEGACY,
	  .v4 = TCP(CE19_V4, 0x1340, SERVER, 80) },
	{ DECAP_DROP("xdp_spoofed_random_ipv6", BR_DROP_SPOOFED), .peer6 = "2001:db8:77:8800::1",
	  .v4 = TCP(CE_V4, 0x1340, SERVER, 80) },
	{ DECAP_DROP("xdp_spoofed_rfc_iid_while_legacy", BR_DROP_SPOOFED), .peer6 = CE_RFC,
	  .v4 = TCP(CE_V4, 0x1340, SERVER, 80) },
	{ DECAP_DROP("xdp_no_rule_for_inner_source", BR_DROP_NO_RULE), .peer6 = CE_LEGACY,
	  .v4 = TCP(SERVER, 0x1340, CE_V4, 80) },
	/* 0x0340 has PSID 0x34 but A = 0: system ports belong to no CE */
	{ DECAP_DROP("xdp_port_below_4096_not_in_any_set", BR_DROP_PORT_OUT_OF_SET),
	  .peer6 = CE_LEGACY, .v4 = TCP(CE_V4, 0x0340, SERVER, 80) },
	{ DECAP_DROP("xdp_port_0_not_in_any_set", BR_DROP_PORT_OUT_OF_SET), .peer6 = CE_LEGACY,
	  .v4 = UDP(CE_V4, 0, SERVER, 80) },

	/* Packets to the BR that it cannot attribute: dropped, never passed. */
	{ DECAP_DROP("xdp_echo_reply_from_shared_ce_unsupported", BR_DROP_UNSUPPORTED),
	  .peer6 = CE_LEGACY, .v4 = ICMP(CE_V4, SERVER, 0, 0x1340) },
	{ DECAP_DROP("xdp_icmp_timestamp_unsupported", BR_DROP_UNSUPPORTED), .peer6 = CE_LEGACY,
	  .v4 = ICMP(CE_V4, SERVER, 13, 0x1340) },
	{ DECAP_DROP("xdp_other_protocol_unsupported", BR_DROP_UNSUPPORTED), .peer6 = CE_LEGACY,
	  .v4 = UDP(CE_V4, 0x1340, SERVER, 53, .proto = 47 /* GRE */) },
};

/* ---- XDP: malformed ---------------------------------------------------------- */

static void ipv6_version_4(struct pkt *in)
{
	in->b[14] = 0x40 | (in->b[14] & 0x0f);
}

/* The frame lost its tail; the payload length still says more. */
static void lose_tail(struct pkt *in)
{
	in->len -= 4;
}

/* A consistent outer header, 12 bytes of IPv4. */
static void cut_inner_ipv4(struct pkt *in)
{
	mangle_cut_inner(in, 12);
}

/* 12 bytes of TCP header (the row's packet has no payload). */
static void cut_tcp_header(struct pkt *in)
{
	in->len -= 8;
	put16(in->b + 14 + 4, 32);
	put16(in->b + 54 + 2, 32);
	patch_v4_hdr(in->b + 54, CE_V4, SERVER, 7);
}

#define GOOD TCP(CE_V4, 0x1340, SERVER, 80)
#define MALFORMED(n) DECAP_DROP(n, DROP_MALFORMED), .peer6 = CE_LEGACY
static const struct fx_row malformed_rows[] = {
	{ MALFORMED("xdp_truncated_ipv6_header"), .v4 = GOOD, .mangle = mangle_cut_ipv6_header },
	{ MALFORMED("xdp_bad_ipv6_version"), .v4 = GOOD, .mangle = ipv6_version_4 },
	{ MALFORMED("xdp_payload_length_beyond_frame"), .v4 = GOOD, .mangle = lose_tail },
	{ MALFORMED("xdp_truncated_inner_ipv4"), .v4 = GOOD, .mangle = cut_inner_ipv4 },
	{ MALFORMED("xdp_inner_total_length_beyond_payload"), .v4 = GOOD,
	  .mangle = mangle_payload_length_short },
	{ MALFORMED("xdp_inner_ihl_below_5"), .v4 = GOOD, .mangle = mangle_inner_ihl_4 },
	{ MALFORMED("xdp_inner_bad_version"), .v4 = GOOD, .mangle = mangle_inner_version_6 },
	{ MALFORMED("xdp_inner_truncated_tcp_header"),
	  .v4 = TCP(CE_V4, 0x1340, SERVER, 80, .payload = 0), .mangle = cut_tcp_header },
};
#undef MALFORMED
#undef GOOD

/* ---- XDP: ICMP errors from CEs ------------------------------------------------ */

/* A CE's ICMP error (3/3) quoting q, through the tunnel.  Returns the
 * length of its IPv4 packet (at in->b + 54). */
static size_t ce_icmp_err(struct pkt *in, const struct v4_spec *q)
{
	size_t n = put_icmp_err_about(in->b + 54, CE_V4, SERVER, 3, 3, q);

	in->len = put_eth(in->b, 0x86dd);
	in->len += put_v6_outer(in->b + 14, a6(CE_LEGACY), a6(BR6), 0, 64, (uint16_t)n) + n;
	return n;
}

/* An ICMP error from a CE is attributed by the packet it quotes: one sent
 * to the CE, so the quoted destination port. */
static void test_decap_icmp_error(void)
{
	struct v4_spec q = udp(SERVER, 53, CE_V4, 0x2345);
	struct pkt in, want, out;
	size_t n;

	TCASE_BEGIN("xdp_decap_icmp_error_quoting_owned_port");
	n = ce_icmp_err(&in, &q);
	frame_v4(&want, in.b + 54, n);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, 0, &want, &out);
	CHECK(frame_csums_ok(&out), "inner checksums");
	TCASE_END();

	TCASE_BEGIN("xdp_icmp_error_quoting_other_psid_spoofed");
	q = udp(SERVER, 53, CE_V4, 0x2355);
	ce_icmp_err(&in, &q);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_icmp_error_quoting_other_address_spoofed");
	q = udp(SERVER, 53, CE19_V4, 0x2345);
	ce_icmp_err(&in, &q);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_icmp_error_truncated_quote_malformed");
	q = udp(SERVER, 53, CE_V4, 0x2345);
	n = put_icmp_err_about(in.b + 54, CE_V4, SERVER, 3, 3, &q) - 8; /* no quoted UDP */
	put16(in.b + 54 + 2, (uint16_t)n);
	patch_v4_hdr(in.b + 54, CE_V4, SERVER, 0);
	in.len = put_eth(in.b, 0x86dd);
	in.len += put_v6_outer(in.b + 14, a6(CE_LEGACY), a6(BR6), 0, 64, (uint16_t)n) + n;
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	TCASE_END();
}

/* ---- XDP: not ours ------------------------------------------------------------ */

/* Everything that is not IPv4-in-IPv6 to the BR address passes untouched. */
static void test_native(void)
{
	struct v4_spec s = tcp(CE_V4, 0x1340, SERVER, 80), t = tcp(SERVER, 80, CE_V4, 0x1340);
	struct pkt in;
	uint8_t *ip6h = in.b + 14;

	TCASE_BEGIN("xdp_native_ipv6_icmpv6_to_br_passes");
	in.len = put_eth(in.b, 0x86dd);
	put_v6_outer(ip6h, a6(CE_LEGACY), a6(BR6), 0, 255, 8);
	ip6h[6] = 58;
	memcpy(in.b + 54, "\x80\x00\x12\x34\x00\x01\x00\x01", 8);
	in.len += 48;
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_native_ipv6_tcp_passes");
	from_ce(&in, CE_LEGACY, &s);
	ip6h[6] = 6; /* the bytes after it are just payload now */
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ipip6_to_other_destination_passes");
	pkt_v6v4(&in, a6(CE_LEGACY), a6("2001:db8:ffff::65"), &s);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_native_ipv4_and_arp_pass");
	pkt_v4(&in, &t);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	in.len = put_eth(in.b, 0x0806);
	memset(in.b + 14, 0, 28);
	in.len += 28;
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("disabled_config_passes_everything");
	br_config(MAPCE_CFG_F_LEGACY_IID, 64);
	s.sport = 0x1350; /* spoofed */
	from_ce(&in, CE_LEGACY, &s);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	pkt_v4(&in, &t);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	br_config(BR_ON, 64);
	TCASE_END();
}

/* IPv6 | destination options (8 bytes, opt) | IPv4 from ce to the BR. */
static void from_ce_destopt(struct pkt *k, const char *ce, const uint8_t opt[8],
			    const struct v4_spec *s)
{
	size_t n;

	k->len = put_eth(k->b, 0x86dd);
	n = put_v4(k->b + 14 + 40 + 8, s);
	put_v6_outer(k->b + 14, a6(ce), a6(BR6), s->tos, 64, (uint16_t)(n + 8));
	k->b[14 + 6] = 60; /* next header: destination options */
	memcpy(k->b + 54, opt, 8);
	k->len += 40 + 8 + n;
}

/* A CE that adds the RFC 2473 encapsulation limit option (Linux ip6tnl's
 * default): [next 4, len 0, type 4 len 1 limit 4, PadN len 1 (0)]. */
static void test_destopt(void)
{
	static const uint8_t limit[8] = { 4, 0, 4, 1, 4, 1, 1, 0 };
	static const uint8_t pad1s[8] = { 4, 0, 4, 1, 0, 0, 0, 0 };
	static const uint8_t unknown[8] = { 4, 0, 0x1e, 4, 0, 0, 0, 0 };
	static const uint8_t longer[8] = { 4, 1, 4, 1, 4, 1, 1, 0 };
	static const uint8_t to_icmp6[8] = { 58, 0, 4, 1, 4, 1, 1, 0 };
	struct v4_spec s = tcp(CE_V4, 0x1340, SERVER, 80);
	struct pkt in, want, out;

	TCASE_BEGIN("xdp_decap_with_encap_limit_option");
	from_ce_destopt(&in, CE_LEGACY, limit, &s);
	decapped(&want, &s);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, 0, &want, &out);
	CHECK(frame_csums_ok(&out), "inner checksums");
	from_ce_destopt(&in, CE_LEGACY, pad1s, &s);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, 0, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_encap_limit_option_spoofed");
	from_ce_destopt(&in, CE35_LEGACY, limit, &s);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_destopt_unknown_option_or_longer_unsupported");
	from_ce_destopt(&in, CE_LEGACY, unknown, &s);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_UNSUPPORTED, 0, NULL, NULL);
	from_ce_destopt(&in, CE_LEGACY, longer, &s);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_UNSUPPORTED, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_destopt_not_ipip_passes");
	from_ce_destopt(&in, CE_LEGACY, to_icmp6, &s);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_destopt_truncated");
	from_ce_destopt(&in, CE_LEGACY, limit, &s);
	in.len = 14 + 40 + 4;
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	from_ce_destopt(&in, CE_LEGACY, limit, &s);
	put16(in.b + 14 + 4, get16(in.b + 14 + 4) - 1); /* payload < 8 + tot_len */
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	TCASE_END();
}

/* ---- TC: encapsulation ---------------------------------------------------------- */

static void ihl_4(struct pkt *in)
{
	in->b[14] = 0x44;
}

/* The IPv4 total length beyond the frame. */
static void total_length_long(struct pkt *in)
{
	put16(in->b + 14 + 2, (uint16_t)(in->len - 14 + 1));
}

static const struct fx_row encap_rows[] = {
	{ ENCAP("tc_encap_tcp_to_owner"), .peer6 = CE_LEGACY,
	  .v4 = TCP(SERVER, 80, CE_V4, 0x1340) },
	{ ENCAP("tc_encap_udp_to_owner"), .peer6 = CE_LEGACY,
	  .v4 = UDP(SERVER, 53, CE_V4, 0xf34f) },
	{ ENCAP("tc_encap_icmp_echo_reply_id_is_port"), .peer6 = CE_LEGACY,
	  .v4 = ICMP(SERVER, CE_V4, 0, 0x5342) },
	{ ENCAP("tc_encap_to_neighbour_psid"), .peer6 = CE35_LEGACY,
	  .v4 = TCP(SERVER, 80, CE_V4, 0x1350) },
	{ ENCAP("tc_encap_to_other_address"), .peer6 = CE19_LEGACY,
	  .v4 = UDP(SERVER, 53, CE19_V4, 0x1340) },
	/* EF + ECT(1): the traffic class copies both */
	{ ENCAP("tc_encap_traffic_class_from_tos"), .peer6 = CE_LEGACY,
	  .v4 = TCP(SERVER, 80, CE_V4, 0x1340, .tos = 0xb9) },
#define NATIVE(n)                                                                 \
	.name = n, .prog = FX_TC_EGRESS, .in = in_from_net, .verdict = TC_ACT_OK, \
	.reason = MAPCE_R_PASS_NATIVE
	{ NATIVE("tc_ipv4_outside_rules_passes_unchanged"), .v4 = TCP(CE_V4, 0x1340, SERVER, 80) },
	/* next to R0's /24 */
	{ NATIVE("tc_ipv4_outside_rules_passes_unchanged"),
	  .v4 = UDP(IP4(192, 0, 2, 1), 53, IP4(198, 51, 101, 18), 0x1340) },
#undef NATIVE
	{ ENCAP_DROP("tc_port_below_4096_dropped", BR_DROP_PORT_OUT_OF_SET),
	  .v4 = TCP(SERVER, 80, CE_V4, 0x0340) },
	{ ENCAP_DROP("tc_echo_request_to_shared_address_dropped", BR_DROP_UNSUPPORTED),
	  .v4 = ICMP(SERVER, CE_V4, 8, 0x1340) },
	{ ENCAP_DROP("tc_malformed_ipv4_in_rule_dropped", DROP_MALFORMED),
	  .v4 = TCP(SERVER, 80, CE_V4, 0x1340), .mangle = ihl_4 },
	{ ENCAP_DROP("tc_malformed_ipv4_in_rule_dropped", DROP_MALFORMED),
	  .v4 = TCP(SERVER, 80, CE_V4, 0x1340), .mangle = total_length_long },

	/* rules without sharing, k = 0: the address alone names the CE; any
	 * protocol, and fragments */
	{ ENCAP("tc_encap_whole_address_rule"), .peer6 = R1_CE_LEGACY,
	  .v4 = TCP(SERVER, 80, R1_CE_V4, 80) },
	{ ENCAP("tc_encap_whole_address_rule_fragment"), .peer6 = R1_CE_LEGACY,
	  .v4 = UDP(SERVER, 53, R1_CE_V4, 7, .frag = 0x0020) },
	{ DECAP("xdp_decap_whole_address_rule_low_port"), .peer6 = R1_CE_LEGACY,
	  .v4 = UDP(R1_CE_V4, 53, SERVER, 53) },
	{ DECAP("xdp_decap_whole_address_rule_echo_reply"), .peer6 = R1_CE_LEGACY,
	  .v4 = ICMP(R1_CE_V4, SERVER, 0, 77) },
	{ DECAP_DROP("xdp_whole_address_rule_spoofed", BR_DROP_SPOOFED), .peer6 = R1_CE_LEGACY,
	  .v4 = UDP(IP4(192, 0, 2, 6), 53, SERVER, 53) },
	/* o < p: a /28 per CE, the IID carries the prefix */
	{ ENCAP("tc_encap_prefix_rule"), .peer6 = R2_CE_LEGACY,
	  .v4 = TCP(SERVER, 80, R2_CE_V4, 22) },
	{ DECAP("xdp_decap_prefix_rule"), .peer6 = R2_CE_LEGACY,
	  .v4 = TCP(IP4(192, 0, 2, 159), 22, SERVER, 80) },
	{ DECAP_DROP("xdp_prefix_rule_other_prefix_spoofed", BR_DROP_SPOOFED),
	  .peer6 = R2_CE_LEGACY, .v4 = TCP(IP4(192, 0, 2, 160), 22, SERVER, 80) },
};

static void test_encap_config(void)
{
	struct v4_spec s;
	struct pkt in, want;

	TCASE_BEGIN("tc_encap_hop_limit_from_config");
	br_config(BR_ON, 200);
	s = udp(SERVER, 53, CE_V4, 0x1341);
	pkt_v4(&in, &s);
	encapped(&want, CE_LEGACY, &s, 200);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, NULL);
	br_config(BR_ON, 64);
	TCASE_END();

	TCASE_BEGIN("tc_ipv6_passes_unchanged");
	s = tcp(SERVER, 80, CE_V4, 0x1340);
	pkt_v6v4(&in, a6(BR6), a6(CE_LEGACY), &s);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("rfc_iid_variant");
	br_config(MAPCE_CFG_F_ENABLED, 64);
	s = tcp(SERVER, 80, CE_V4, 0x1340);
	expect_encap(CE_RFC, &s, 0);
	s = tcp(CE_V4, 0x1340, SERVER, 80);
	expect_decap(CE_RFC, &s, 0);
	from_ce(&in, CE_LEGACY, &s);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, 0, NULL, NULL);
	s = udp(SERVER, 53, R2_CE_V4, 22);
	expect_encap(R2_CE_RFC, &s, 0);
	br_config(BR_ON, 64);
	TCASE_END();
}

/* An ICMP error for a CE quotes a packet the CE sent: its source port. */
static void test_encap_icmp_error(void)
{
	struct v4_spec q = udp(CE_V4, 0x2346, SERVER, 33434), e = icmp(CE_V4, SERVER, 8, 0x6343);
	struct pkt in, want, out;
	uint8_t v4[128];
	size_t n;

	TCASE_BEGIN("tc_encap_icmp_time_exceeded_to_quoting_ce");
	n = put_icmp_err_about(v4, HOP_V4, CE_V4, 11, 0, &q);
	frame_v4(&in, v4, n);
	frame_v6(&want, a6(BR6), a6(CE_LEGACY), v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, &out);
	CHECK(frame_csums_ok(&out), "inner checksums");
	TCASE_END();

	TCASE_BEGIN("tc_encap_icmp_error_quoting_echo_request");
	n = put_icmp_err_about(v4, HOP_V4, CE_V4, 11, 0, &e);
	frame_v4(&in, v4, n);
	frame_v6(&want, a6(BR6), a6(CE_LEGACY), v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, NULL);
	TCASE_END();
}

/* A rule whose CEs are on the BR's link: the kernel sent the packet to
 * the placeholder next hop (MAPCE_BR_ONLINK_MAC as destination): it is
 * encapsulated as any, then handed to the neighbour subsystem
 * (bpf_redirect_neigh: TC_ACT_REDIRECT), never sent with that MAC.  Any
 * other destination MAC keeps the kernel's choice (TC_ACT_OK). */
static void test_encap_onlink(void)
{
	static const uint8_t onlink[6] = MAPCE_BR_ONLINK_MAC;
	struct v4_spec s = udp(SERVER, 53, CE_V4, 0x1341);
	struct pkt in, want;

	TCASE_BEGIN("tc_encap_onlink_hands_the_ce_to_the_neighbour_subsystem");
	pkt_v4(&in, &s);
	memcpy(in.b, onlink, 6);
	encapped(&want, CE_LEGACY, &s, 64);
	memcpy(want.b, onlink, 6);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_REDIRECT, MAPCE_R_BR_ENCAP, 0, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("tc_encap_other_mac_keeps_the_kernels_next_hop");
	pkt_v4(&in, &s);
	memcpy(in.b, onlink, 6);
	in.b[5] ^= 1; /* one bit from the placeholder */
	encapped(&want, CE_LEGACY, &s, 64);
	memcpy(want.b, in.b, 6);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, NULL);
	TCASE_END();
}

/* CE-to-CE through the BR: decapsulated at XDP, the kernel routes the IPv4
 * back out of the device, TC encapsulates it to the other CE. */
static void test_hairpin(void)
{
	struct v4_spec s = udp(CE_V4, 0x1342, CE19_V4, 0x2341);
	struct pkt in, mid, want;

	TCASE_BEGIN("hairpin_ce_to_ce");
	from_ce(&in, CE_LEGACY, &s);
	decapped(&want, &s);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, 0, &want, &mid);
	encapped(&want, CE19_LEGACY, &s, 64);
	expect_run(FX_TC_EGRESS, &mid, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, NULL);
	TCASE_END();
}

int main(void)
{
	if (br_start(1))
		return t_exit();
	br_run_rows(ROWS(decap_rows));
	test_decap_icmp_error();
	br_run_rows(ROWS(malformed_rows));
	test_native();
	test_destopt();
	br_run_rows(ROWS(encap_rows));
	test_encap_config();
	test_encap_icmp_error();
	test_hairpin();
	test_encap_onlink();
	return fx_finish();
}
