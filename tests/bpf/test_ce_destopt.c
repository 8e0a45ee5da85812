// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_destopt.c - tunnel packets behind the RFC 2473 encapsulation
 * limit option reach the LAN exactly as the plain form does.
 *
 * A Linux ip6tnl entry point (and so a BR built on one) adds, unless told
 * "encaplimit none", a destination options header between the IPv6 header
 * and the IPv4 packet: [next header 4, length 0, encapsulation limit 4,
 * PadN].  The CE must take it as the plain IPv6 | IPv4 form: the same
 * source check (RFC 7597 §8.1), reverse NAPT, decapsulation (48 bytes off
 * instead of 40), counters; a destination options header it does not know
 * is dropped and counted, never passed up untranslated.  Fragmented, Linux
 * keeps the option before the fragment header (unfragmentable part): the
 * slow path reassembles that layout too.  ICMPv6 errors about the CE's own
 * packets sent with --encap-limit are translated as about plain ones.
 */
#include "harness.h"
#include "bpf/ce.h"

/* The plain tunnel frame from src6 carrying s, behind the option. */
static void from_destopt(struct pkt *k, const char *src6, const struct v4_spec *s)
{
	ce_frame_from(k, src6, s);
	frame_insert_destopt(k, DESTOPT_ENCAP_LIMIT4);
}

/* Each kind of packet with ports reaches its inside endpoint: UDP, TCP
 * (SYN-ACK), echo reply; the plain form and the option form give the very
 * same IPv4 packet. */
static void t_decap(void)
{
	struct v4_spec u = udp_out(0xa341, 53), t = udp_out(0xa342, 443), e = udp_out(0xa343, 0);
	struct v4_spec r;
	struct pkt in, want, plain_out, opt_out;

	ce_fresh("destopt_tunnel_packets_decapsulated_like_plain_ones");
	t.proto = 6;
	t.tcp_flags = 0x02;
	e.proto = 1;
	e.icmp_type = 8;
	egress_mapped(&u, EV_NEW_FLOW, 1, NULL);
	egress_mapped(&t, EV_NEW_FLOW, 1, NULL);
	egress_mapped(&e, EV_NEW_FLOW, 1, NULL);

	r = reply_of(&u, 0xa341);
	ce_decapped(&want, &r, LAN_HOST, 0xa341);
	from_destopt(&in, BR6, &r);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, &opt_out);
	ingress_to(&r, LAN_HOST, 0xa341, 0, &plain_out);
	CHECK(expect_frame(&opt_out, &plain_out));
	CHECK(frame_csums_ok(&opt_out));

	r = reply_of(&t, 0xa342);
	ce_decapped(&want, &r, LAN_HOST, 0xa342);
	from_destopt(&in, BR6, &r);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);

	r = reply_of(&e, 0xa343);
	ce_decapped(&want, &r, LAN_HOST, 0xa343);
	from_destopt(&in, BR6, &r);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	TCASE_END();
}

/* The checks of the plain form hold behind the option too. */
static void t_checks(void)
{
	struct v4_spec u = udp_out(0xa344, 53), r;
	struct pkt in;

	ce_fresh("destopt_tunnel_packets_meet_the_same_checks");
	egress_mapped(&u, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&u, 0xa344);
	/* RFC 7597 §8.1: not from the BR (nor an FMR CE) */
	from_destopt(&in, "2001:db8:12:3400::99", &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_BAD_TUNNEL_SRC, 0, NULL, NULL);
	/* not to our IPv4 address */
	r.dst = IP4(198, 51, 100, 19);
	from_destopt(&in, BR6, &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_WRONG_IPV4, 0, NULL, NULL);
	/* from a remote it never sent to: filtered, no state */
	r = reply_of(&u, 0xa344);
	r.src = SERVER + 1;
	from_destopt(&in, BR6, &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_FILTERED, 0, NULL, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_in), 1);
	/* the IPv6 payload length must cover the option and the IPv4 packet */
	r = reply_of(&u, 0xa344);
	from_destopt(&in, BR6, &r);
	put16(in.b + 18, (uint16_t)(get16(in.b + 18) - 8));
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	TCASE_END();
}

/* Destination options the CE does not know, in front of IPv4: dropped and
 * counted (not passed up untranslated); in front of something else: the
 * kernel's (the box's own IPv6). */
static void t_unknown(void)
{
	static const uint8_t unknown[8] = { 0, 0, 0x1e, 4, 1, 2, 3, 4 }; /* RFC 3692 type */
	static const uint8_t limit_len2[8] = { 0, 0, 4, 2, 4, 4, 1, 0 };
	struct v4_spec u = udp_out(0xa345, 53), r;
	struct pkt in, longer;

	ce_fresh("destopt_unknown_longer_or_cut_dropped_counted");
	egress_mapped(&u, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&u, 0xa345);
	ce_frame_from(&in, BR6, &r);
	frame_insert_destopt(&in, unknown);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_UNSUPPORTED_PROTO, 0, NULL, NULL);
	ce_frame_from(&in, BR6, &r);
	frame_insert_destopt(&in, limit_len2);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_UNSUPPORTED_PROTO, 0, NULL, NULL);
	/* 16 bytes (length 1): the option, then PadN over the rest */
	ce_frame_from(&longer, BR6, &r);
	memmove(longer.b + 70, longer.b + 54, longer.len - 54);
	memcpy(longer.b + 54, (const uint8_t[16]){ 4, 1, 4, 1, 4, 1, 9 }, 16);
	longer.b[20] = 60;
	put16(longer.b + 18, (uint16_t)(get16(longer.b + 18) + 16));
	longer.len += 16;
	expect_run(FX_XDP, &longer, XDP_DROP, MAPCE_R_DROP_UNSUPPORTED_PROTO, 0, NULL, NULL);
	/* cut inside the header */
	from_destopt(&in, BR6, &r);
	in.len = 14 + 40 + 5;
	put16(in.b + 18, 5);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	/* not IPv4 behind it: the box's own IPv6, the kernel's */
	from_destopt(&in, BR6, &r);
	in.b[54] = 58;
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	TCASE_END();
}

/* Fragments behind the option: an IPv4 fragment that came before its
 * first goes to the slow path and is reassembled; outer IPv6 fragments in
 * Linux's layout (IPv6 | options | fragment header) are reassembled. */
static void t_fragments(void)
{
	struct v4_spec s = udp_out(0xa346, 53), r;
	struct pkt whole, f1, f2, want, out;
	size_t plen;

	ce_fresh("destopt_outer_fragments_reassembled_linux_layout");
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&s, 0xa346);
	r.payload = 2000;
	r.frag = 0;
	ce_frame_from(&whole, BR6, &r);
	plen = whole.len - 54;
	frame_v6_fragment(&whole, 0, 1232, 1, 0xabcd, &f1);
	frame_v6_fragment(&whole, 1232, (uint16_t)(plen - 1232), 0, 0xabcd, &f2);
	frame_insert_destopt(&f1, DESTOPT_ENCAP_LIMIT4);
	frame_insert_destopt(&f2, DESTOPT_ENCAP_LIMIT4);
	expect_run(FX_XDP, &f2, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	expect_run(FX_TC_INGRESS, &f2, TC_ACT_SHOT, MAPCE_R_REASM_HELD, 0, NULL, NULL);
	ce_decapped(&want, &r, LAN_HOST, 0xa346);
	expect_run(FX_TC_INGRESS, &f1, TC_ACT_OK, MAPCE_R_DECAP, 0, &want, &out);
	CHECK(frame_csums_ok(&out));
	TCASE_END();

	TCASE_BEGIN("destopt_inner_fragment_before_its_first_reassembled");
	{
		struct v4_spec s2 = udp_out(0xa347, 53);

		egress_mapped(&s2, EV_NEW_FLOW, 1, NULL);
		r = reply_of(&s2, 0xa347);
		r.payload = 1500;
		r.frag = 0;
		r.ip_id = 0x4545;
		ce_frame_from(&whole, BR6, &r);
		ce_inner_fragments(&whole, 1000, 0x4545, &f1, &f2);
		frame_insert_destopt(&f1, DESTOPT_ENCAP_LIMIT4);
		frame_insert_destopt(&f2, DESTOPT_ENCAP_LIMIT4);

		expect_run(FX_XDP, &f2, XDP_PASS, MAPCE_R_FRAG_TO_SLOW_PATH, 0, NULL, NULL);
		expect_run(FX_TC_INGRESS, &f2, TC_ACT_SHOT, MAPCE_R_REASM_HELD, 0, NULL, NULL);
		expect_run(FX_XDP, &f1, XDP_PASS, MAPCE_R_FRAG_TO_SLOW_PATH, 0, NULL, NULL);
		ce_decapped(&want, &r, LAN_HOST, 0xa347);
		expect_run(FX_TC_INGRESS, &f1, TC_ACT_OK, MAPCE_R_DECAP, 0, &want, &out);
		CHECK(frame_csums_ok(&out));
	}
	TCASE_END();
}

/* A CE configured with --encap-limit sends the option itself; an ICMPv6
 * error about such a packet quotes it, and still reaches the inside host
 * (and teaches the path MTU), as about a plain one. */
static void t_icmp6_error(void)
{
	struct v4_spec u = udp_out(0xa348, 53);
	struct pkt inside, tun, err, want;
	__u32 zero = 0;
	struct mapce_pmtu pm = {};

	ce_fresh("icmp6_error_quoting_the_option_translated");
	fx.cfg.encap_limit = 4;
	fx_config();
	u.payload = 1400;
	pkt_v4(&inside, &u);
	expect_run(FX_TC_EGRESS, &inside, TC_ACT_OK, MAPCE_R_ENCAP, EV_NEW_FLOW, FRAME_LATER, &tun);
	CHECK(tun.len > 62 && tun.b[20] == 60 && tun.b[54] == 4);
	ce_icmp6_err(&err, &tun, 2, 1400);
	ce_icmp4_to_host(&want, &inside, 3, 4, 1360);
	expect_run(FX_XDP, &err, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, NULL);
	CHECK(bpf_map__lookup_elem(fx.ce->maps.mapce_pmtu, &zero, sizeof(zero), &pm, sizeof(pm),
				   0) == 0 &&
	      pm.mtu == 1400);
	/* an option the CE never writes in the quote: not ours */
	tun.b[56] = 0x1e;
	ce_icmp6_err(&err, &tun, 2, 1400);
	expect_run(FX_XDP, &err, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	TCASE_END();
}

int main(void)
{
	t_decap();
	t_checks();
	t_unknown();
	t_fragments();
	t_icmp6_error();
	return fx_finish();
}
