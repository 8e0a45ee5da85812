// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_br_icmp6.c - ICMPv6 errors about encapsulated packets through the
 * BR under BPF_PROG_TEST_RUN, turned into ICMPv4 for the server (Packet
 * Too Big -> frag needed with MTU - 40, clamped; others -> host
 * unreachable): checksum verified, quotes checked against the owner CE,
 * RFC 1122 limits, errors about other traffic passed; and a GSO packet
 * the kernel cannot encapsulate.
 *
 * The rules and CEs: tests/bpf/br.h.  Each packet through expect_run
 * (tests/bpf/fixture.h).
 */
#include "harness.h"
#include "bpf/br.h"

/*
 * BPF_PROG_TEST_RUN builds linear skbs and cannot set gso_type, so real
 * GSO packets (TCP from GRO or TSO, nonlinear) are the lab's: see
 * tests/lab/test_br_tcp.sh, which checks that encapsulated packets larger
 * than the MTU went out as IPv4-in-IPv6 GSO and arrived intact.  What
 * can be checked here: a GSO packet of a type the kernel cannot
 * encapsulate (gso_size set, gso_type none of TCP / UDP_L4, so
 * bpf_skb_adjust_room refuses it) is dropped and counted, never let out
 * unencapsulated.
 */
static void test_gso(void)
{
	struct v4_spec s = tcp(SERVER, 80, CE_V4, 0x1340);
	struct __sk_buff ctx = { .gso_size = 500, .gso_segs = 3 };
	struct pkt in;

	TCASE_BEGIN("tc_gso_packet_the_kernel_cannot_encapsulate_dropped");
	s.tcp_flags = 0x10;
	s.payload = 1400;
	pkt_v4(&in, &s);
	expect_run_ctx(FX_TC_EGRESS, &in, &ctx, TC_ACT_SHOT, MAPCE_R_DROP_ENCAP_FAILED, 0, NULL,
		       NULL);
	TCASE_END();
}

#define ROUTER6 "2001:db8:ffff:1::1"

/* The packet the BR sends toward ce: IPv6 (next header 4) + s at q. */
static size_t put_tunnel_pkt(uint8_t *q, const char *ce, const struct v4_spec *s)
{
	size_t n = put_v4(q + 40, s);

	put_v6_outer(q, a6(BR6), a6(ce), s->tos, 64, (uint16_t)n);
	return 40 + n;
}

/* The ICMPv4 error the BR should make: from src to dst, quoting the IPv4
 * header at qv4 and 8 bytes after it; TOS 0xc0, TTL 64, id 0, no DF. */
static void icmp4_err_frame(struct pkt *k, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
			    uint16_t mtu, const uint8_t *qv4)
{
	struct icmp4_err e = { .src = src,
			       .dst = dst,
			       .type = type,
			       .code = code,
			       .mtu = mtu,
			       .tos = 0xc0,
			       .quote = qv4,
			       .qlen = (size_t)(qv4[0] & 0xf) * 4 + 8 };

	frame_icmp4_err(k, &e);
}

static void check_icmp4(const struct pkt *k)
{
	size_t tot = get16(k->b + 14 + 2);

	CHECK(v4_hdr_csum_ok(k->b + 14), "ICMPv4 packet: IPv4 header checksum");
	CHECK(k->len == 14 + tot && rfc1071_fold(rfc1071_add(0, k->b + 34, tot - 20)) == 0,
	      "ICMPv4 checksum");
}

/* A full-size download segment (1460 bytes, DF) the BR sent to the CE,
 * quoted as a router that cannot forward 1500 bytes quotes it: the first
 * 1232 bytes (1280 - 40 - 8). */
static size_t big_quote(uint8_t *q, const char *ce, struct v4_spec s)
{
	size_t n;

	s.tcp_flags = 0x10;
	s.frag = 0x4000;
	s.payload = 1420;
	n = put_tunnel_pkt(q, ce, &s);
	return n > 1232 ? 1232 : n;
}

static void test_icmp6_errors(void)
{
	struct v4_spec s = tcp(SERVER, 80, CE_V4, 0x1340);
	struct pkt in, want, out;
	uint8_t q[1600];
	size_t qn;

	TCASE_BEGIN("xdp_ptb_becomes_icmp4_frag_needed_to_the_server");
	qn = big_quote(q, CE_LEGACY, s);
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	icmp4_err_frame(&want, CE_V4, SERVER, 3, 4, 1360, q + 40);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, &out);
	check_icmp4(&out);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_mtu_clamped");
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1000, q, qn); /* below 1280 */
	icmp4_err_frame(&want, CE_V4, SERVER, 3, 4, 1240, q + 40);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, NULL);
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 70000, q, qn); /* jumbo */
	icmp4_err_frame(&want, CE_V4, SERVER, 3, 4, 0xffff, q + 40);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_icmp6_other_errors_become_host_unreachable");
	{
		static const uint8_t types[][2] = { { 1, 3 }, { 1, 0 }, { 3, 0 }, { 4, 1 } };

		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), types[i][0], types[i][1], 0, q,
					qn);
			icmp4_err_frame(&want, CE_V4, SERVER, 3, 1, 0, q + 40);
			expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want,
				   &out);
			check_icmp4(&out);
		}
	}
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_about_udp_and_echo_reply_whole_quotes");
	{
		struct v4_spec u = udp(SERVER, 53, CE_V4, 0xf34f);
		struct v4_spec e = icmp(SERVER, CE_V4, 0, 0x5342);

		qn = put_tunnel_pkt(q, CE_LEGACY, &u);
		frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1280, q, qn);
		icmp4_err_frame(&want, CE_V4, SERVER, 3, 4, 1240, q + 40);
		expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, &out);
		check_icmp4(&out);
		qn = put_tunnel_pkt(q, CE_LEGACY, &e);
		frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 3, 0, 0, q, qn);
		icmp4_err_frame(&want, CE_V4, SERVER, 3, 1, 0, q + 40);
		expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, NULL);
	}
	TCASE_END();

	/* an odd-length ICMPv6 message: the checksum pads the last byte */
	TCASE_BEGIN("xdp_ptb_odd_length_quote");
	qn = big_quote(q, CE_LEGACY, s) - 1;
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	icmp4_err_frame(&want, CE_V4, SERVER, 3, 4, 1360, q + 40);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_bad_checksum_dropped");
	qn = big_quote(q, CE_LEGACY, s);
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	in.b[56] ^= 0x01; /* the checksum itself */
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	in.b[in.len - 1] ^= 0x80; /* the last quoted byte: all of it is summed */
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	in.b[14 + 8] ^= 0x01; /* the source: the pseudo header counts */
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_quoting_a_packet_to_the_wrong_ce_spoofed");
	qn = big_quote(q, CE35_LEGACY, s); /* port 0x1340 is PSID 0x34's */
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, 0, NULL, NULL);
	qn = big_quote(q, CE_LEGACY, tcp(SERVER, 80, CE_V4, 0x0340)); /* A = 0 */
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_PORT_OUT_OF_SET, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_quote_outside_rules_no_rule");
	qn = big_quote(q, CE_LEGACY, tcp(SERVER, 80, IP4(203, 0, 113, 99), 0x1340));
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_NO_RULE, 0, NULL, NULL);
	TCASE_END();

	/* RFC 1122 §3.2.2: no error about a later fragment or an ICMP error */
	TCASE_BEGIN("xdp_ptb_about_later_fragment_or_icmp_error_not_translated");
	{
		uint8_t v4[1600];
		struct v4_spec e = udp(CE_V4, 0x2346, SERVER, 33434);
		size_t n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4d4d, 185, 0, 1400);

		put_v6_outer(q, a6(BR6), a6(CE_LEGACY), 0, 64, (uint16_t)n);
		memcpy(q + 40, v4, n);
		frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, 1232);
		expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_UNSUPPORTED, 0, NULL, NULL);
		n = put_icmp_err_about(v4, HOP_V4, CE_V4, 11, 0, &e);
		put_v6_outer(q, a6(BR6), a6(CE_LEGACY), 0, 64, (uint16_t)n);
		memcpy(q + 40, v4, n);
		frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1280, q, 40 + n);
		expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_UNSUPPORTED, 0, NULL, NULL);
	}
	TCASE_END();

	TCASE_BEGIN("xdp_icmp6_error_about_other_traffic_passes");
	qn = big_quote(q, CE_LEGACY, s);
	memcpy(q + 8, a6("2001:db8:ffff:1::2"), 16); /* the BR host's own packet */
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	qn = big_quote(q, CE_LEGACY, s);
	q[6] = 17; /* not IPv4-in-IPv6 */
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 1, 4, 0, q, qn);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, 16); /* quotes no IPv6 header */
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	/* not to us */
	frame_icmp6_err(&in, a6(ROUTER6), a6("2001:db8:ffff::65"), 2, 0, 1400, q, 16);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_truncated_malformed");
	qn = big_quote(q, CE_LEGACY, s);
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	in.len -= 2; /* payload length says more than the frame has */
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, 40 + 12); /* 12 bytes of IPv4 */
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, 40 + 30); /* TCP header cut */
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_whole_address_rule");
	qn = big_quote(q, R1_CE_LEGACY, udp(SERVER, 53, R1_CE_V4, 7));
	frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, qn);
	icmp4_err_frame(&want, R1_CE_V4, SERVER, 3, 4, 1360, q + 40);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, NULL);
	TCASE_END();

	/* CE to CE: the error goes to a CE, which the kernel routes back out
	 * of the device and TC encapsulates to the CE the quote names. */
	TCASE_BEGIN("xdp_ptb_about_hairpin_packet_goes_back_to_the_ce");
	{
		struct v4_spec h = udp(CE_V4, 0x1342, CE19_V4, 0x2341);
		struct pkt mid;

		h.payload = 1432;
		h.frag = 0x4000;
		qn = put_tunnel_pkt(q, CE19_LEGACY, &h);
		frame_icmp6_err(&in, a6(ROUTER6), a6(BR6), 2, 0, 1400, q, 1232);
		icmp4_err_frame(&want, CE19_V4, CE_V4, 3, 4, 1360, q + 40);
		expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, &mid);
		want.len = put_eth(want.b, 0x86dd);
		want.len += put_v6_outer(want.b + 14, a6(BR6), a6(CE_LEGACY), 0xc0, 64,
					 (uint16_t)(mid.len - 14));
		memcpy(want.b + 54, mid.b + 14, mid.len - 14);
		want.len += mid.len - 14;
		expect_run(FX_TC_EGRESS, &mid, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, NULL);
	}
	TCASE_END();
}

int main(void)
{
	if (br_start(0))
		return t_exit();
	test_gso();
	test_icmp6_errors();
	return fx_finish();
}
