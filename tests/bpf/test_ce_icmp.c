// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_icmp.c - ICMP errors through the CE under BPF_PROG_TEST_RUN:
 * ICMPv6 errors about our tunnel packets become ICMPv4 errors for the
 * inside host (Packet Too Big: frag needed with MTU - 40), the path MTU
 * they teach is remembered (big DF packets answered at once, MSS of new
 * SYNs lowered) and ages out; ICMPv4 errors both ways have their quotes
 * translated back; errors about no flow of ours are dropped and counted.
 *
 * Scenarios: the packet the error is about is sent first, the error is
 * built from what the CE really emitted.  Every packet through
 * expect_run (tests/bpf/fixture.h).
 */
#include "harness.h"
#include "bpf/ce.h"

#define HOP_V4 IP4(203, 0, 113, 1) /* a router on the IPv4 path */

/* An ICMPv4 error about our packet, src -> dst (type, code), quoting qlen
 * bytes of quote, as a router 2 hops away sends it (TTL 62). */
static size_t put_err(uint8_t *p, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
		      const uint8_t *quote, size_t qlen)
{
	struct icmp4_err e = { .src = src,
			       .dst = dst,
			       .type = type,
			       .code = code,
			       .ttl = 62,
			       .id = 0x4242,
			       .quote = quote,
			       .qlen = qlen };

	return put_icmp4_err(p, &e);
}

/* That error coming from the BR through the tunnel. */
static void err_from_br(struct pkt *k, uint32_t src, uint8_t type, uint8_t code,
			const uint8_t *quote, size_t qlen)
{
	uint8_t v4[1500];
	size_t n = put_err(v4, src, CE_V4, type, code, quote, qlen);

	frame_v6(k, a6(BR6), a6(CE_MAP6), v4, n);
}

/* That error passed up to the inside host, quoting what the host sent. */
static void err_to_host(struct pkt *k, uint32_t src, uint8_t type, uint8_t code,
			const uint8_t *quote, size_t qlen)
{
	k->len = put_eth(k->b, 0x0800);
	k->len += put_err(k->b + 14, src, LAN_HOST, type, code, quote, qlen);
}

/*
 * The inside packet s leaves (a new flow, on its own port when keep); a
 * router on the IPv6 path sends an ICMPv6 error (type, mtu) about the
 * tunnel packet the CE sent: the inside host must get the ICMPv4 error
 * (3, code, mtu4) quoting the packet it sent.
 */
static void error6_about(const struct v4_spec *s, int keep, uint8_t type, uint32_t mtu,
			 uint8_t code, uint16_t mtu4)
{
	struct pkt inside, tun, err, want;

	pkt_v4(&inside, s);
	egress_mapped(s, EV_NEW_FLOW, keep, &tun);
	ce_icmp6_err(&err, &tun, type, mtu);
	ce_icmp4_to_host(&want, &inside, 3, code, mtu4);
	expect_run(FX_XDP, &err, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, NULL);
}

static void t_icmp6_errors(void)
{
	struct v4_spec u = udp_out(0xc341, 53), t = u, e = u;
	struct pkt tun, ptb;

	ce_fresh("packet_too_big_becomes_frag_needed_mtu_minus_40");
	u.payload = 1400;
	error6_about(&u, 1, 2, 1400, 4, 1360);
	/* TCP (port outside the set: the quote must show the inside port) */
	t.proto = 6;
	t.sport = 41000;
	t.tcp_flags = 0x18;
	t.payload = 1300;
	error6_about(&t, 0, 2, 1280, 4, 1240);
	TCASE_END();

	TCASE_BEGIN("other_icmp6_errors_become_host_unreachable_echo_too");
	e.proto = 1;
	e.icmp_type = 8;
	e.sport = 4242;
	e.dport = 0;
	error6_about(&e, 0, 3, 0, 1, 0); /* time exceeded on the IPv6 path */
	TCASE_END();

	TCASE_BEGIN("icmp6_errors_not_about_our_flows");
	/* about a flow that does not exist (or no longer): dropped, counted */
	u.sport = 0xc342;
	u.payload = 100;
	egress_mapped(&u, EV_NEW_FLOW, 1, &tun);
	put16(tun.b + 54 + 20, 0xc343); /* quote a port nobody uses */
	ce_icmp6_err(&ptb, &tun, 2, 1400);
	expect_run(FX_XDP, &ptb, XDP_DROP, MAPCE_R_DROP_ICMP6_ERR_NO_FLOW, 0, NULL, NULL);
	/* echo requests and NDP to our address are the kernel's */
	ce_icmp6_err(&ptb, &tun, 128, 0);
	expect_run(FX_XDP, &ptb, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	/* truncated error: passed to the kernel untouched */
	ce_icmp6_err(&ptb, &tun, 2, 1400);
	ptb.len = 14 + 40 + 8 + 20;
	expect_run(FX_XDP, &ptb, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	TCASE_END();
}

/*
 * A forged Packet Too Big changes nothing: the CE checks the ICMPv6
 * checksum (over the RFC 8200 pseudo header) before it believes an error,
 * as the kernel and the BR do.  The checksum itself, the last quoted byte
 * and the router's address are each corrupted in turn: dropped as
 * malformed, the frame not rewritten, no path MTU learned.  The same error
 * with its checksum right is believed.
 */
static void t_icmp6_forged(void)
{
	struct v4_spec u = udp_out(0xc361, 53);
	const size_t flip[] = { 54 + 2, 0 /* last byte */, 14 + 8 };
	struct pkt inside, tun, ptb, want;
	struct mapce_pmtu pm;
	__u32 zero = 0;

	ce_fresh("forged_packet_too_big_bad_checksum_changes_nothing");
	u.payload = 1400;
	pkt_v4(&inside, &u);
	egress_mapped(&u, EV_NEW_FLOW, 0, &tun);
	for (size_t i = 0; i < sizeof(flip) / sizeof(flip[0]); i++) {
		ce_icmp6_err(&ptb, &tun, 2, 1280);
		ptb.b[flip[i] ? flip[i] : ptb.len - 1] ^= 0x01;
		expect_run(FX_XDP, &ptb, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
		CHECK(bpf_map__lookup_elem(fx.ce->maps.mapce_pmtu, &zero, sizeof(zero), &pm,
					   sizeof(pm), 0) == 0 &&
			      pm.mtu == 0,
		      "a path MTU was learned from a forged error (flip %zu)", i);
	}
	ce_icmp6_err(&ptb, &tun, 2, 1280);
	ce_icmp4_to_host(&want, &inside, 3, 4, 1240);
	expect_run(FX_XDP, &ptb, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, NULL);
	CHECK(bpf_map__lookup_elem(fx.ce->maps.mapce_pmtu, &zero, sizeof(zero), &pm, sizeof(pm),
				   0) == 0 &&
	      pm.mtu == 1280);
	TCASE_END();
}

static const uint8_t OPT_MSS1320[] = { 2, 4, 0x05, 0x28, 1, 1, 4, 2 }; /* 1400 - 80 */

static void t_pmtu_memory(void)
{
	struct v4_spec u = udp_out(0xc351, 53), big, syn, w;
	struct pkt in, out, want;
	struct mapce_pmtu pm;
	__u32 zero = 0;

	ce_fresh("learned_path_mtu_answers_big_df_packets_and_lowers_mss");
	fx.cfg.mss_clamp = 1420;
	fx_config();
	u.payload = 1400;
	error6_about(&u, 0, 2, 1400, 4, 1360);
	/* another destination, 1400 + 28 bytes with DF: answered at once */
	big = udp_out(0xc352, 53);
	big.dst = IP4(203, 0, 113, 12);
	big.payload = 1400;
	pkt_v4(&in, &big);
	ce_reject(&want, &in, 4, 1360);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_REDIRECT, MAPCE_R_FRAG_NEEDED_SENT, EV_NEW_FLOW, &want,
		   NULL);
	/* without DF it goes (a router on the way will say so) */
	big.frag = 0;
	egress_mapped(&big, 0, 0, NULL);
	/* small packets go */
	big.frag = 0x4000;
	big.payload = 100;
	egress_mapped(&big, 0, 0, NULL);
	/* new TCP flows get MSS = 1400 - 80 */
	syn = (struct v4_spec)TCP_SYN_OUT(0xc353, 443, .tcp_opts = OPT_MSS1460,
					  .tcp_opts_len = sizeof(OPT_MSS1460));
	w = syn;
	w.tcp_opts = OPT_MSS1320;
	egress_mapped_as(&syn, &w, EV_NEW_FLOW | EV(MSS_CLAMPED), 0, &out);
	CHECK_EQ(tcp_mss_of(out.b + 54), 1320);
	CHECK(v4_l4_csum_ok(out.b + 54, 0));
	TCASE_END();

	TCASE_BEGIN("learned_path_mtu_ages_out");
	CHECK(bpf_map__lookup_elem(fx.ce->maps.mapce_pmtu, &zero, sizeof(zero), &pm, sizeof(pm),
				   0) == 0);
	CHECK_EQ(pm.mtu, 1400);
	pm.learned_ns = fx_ns_ago((MAPCE_PMTU_EXPIRE_S + 60) * SEC_NS); /* 11 minutes ago */
	bpf_map__update_elem(fx.ce->maps.mapce_pmtu, &zero, sizeof(zero), &pm, sizeof(pm), 0);
	big.payload = 1400;
	big.sport = 0xc354;
	egress_mapped(&big, EV_NEW_FLOW, 0, NULL);
	syn.sport = 0xc355;
	w = syn;
	w.tcp_opts = OPT_MSS1420;
	egress_mapped_as(&syn, &w, EV_NEW_FLOW | EV(MSS_CLAMPED), 0, &out);
	CHECK_EQ(tcp_mss_of(out.b + 54), 1420);
	TCASE_END();
}

/*
 * The inside packet s leaves on a port the CE picks; an ICMPv4 error
 * (from src: type, code) quoting qlen bytes of what the CE sent comes back
 * from the BR: the inside host must get it quoting what it sent.
 */
static void error4_about(const struct v4_spec *s, uint32_t src, uint8_t type, uint8_t code,
			 size_t qlen)
{
	struct pkt inside, sent, in, want;

	pkt_v4(&inside, s);
	egress_mapped(s, EV_NEW_FLOW, 0, &sent);
	err_from_br(&in, src, type, code, sent.b + 54, qlen);
	err_to_host(&want, src, type, code, inside.b + 14, qlen);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
}

static void t_icmp4_errors(void)
{
	struct v4_spec u = udp_out(0xe341, 33434), t = u, e = u, r;
	struct pkt inside, in, want, wire, delivered;
	uint8_t v4[1500];
	uint16_t pub;
	size_t n;

	ce_fresh("time_exceeded_about_our_udp_reaches_the_inside_host");
	u.ttl = 1;
	u.sport = 41001; /* mapped to another port: the quote must change */
	error4_about(&u, HOP_V4, 11, 0, 28);
	TCASE_END();

	TCASE_BEGIN("port_unreachable_quoting_whole_tcp_header_both_checksums");
	t.proto = 6;
	t.sport = 41002;
	t.tcp_flags = 0x02;
	t.payload = 0;
	error4_about(&t, SERVER, 3, 3, 40);
	TCASE_END();

	TCASE_BEGIN("time_exceeded_about_echo_request_maps_the_id_back");
	e.proto = 1;
	e.icmp_type = 8;
	e.sport = 5555;
	e.dport = 0;
	e.ttl = 1;
	error4_about(&e, HOP_V4, 11, 0, 28);
	TCASE_END();

	TCASE_BEGIN("inside_host_error_about_inbound_packet_goes_out_translated");
	u = udp_out(41003, 53);
	pub = egress_mapped(&u, EV_NEW_FLOW, 0, NULL);
	r = reply_of(&u, pub);
	ingress_to(&r, LAN_HOST, 41003, 0, &delivered);
	/* the host answers "port unreachable" quoting what it got; it leaves
	 * quoting what came from the wire */
	in.len = put_eth(in.b, 0x0800);
	in.len += put_err(in.b + 14, LAN_HOST, SERVER, 3, 3, delivered.b + 14, 28);
	ce_frame_from(&wire, BR6, &r);
	n = put_err(v4, CE_V4, SERVER, 3, 3, wire.b + 54, 28);
	frame_v6(&want, a6(CE_MAP6), a6(BR6), v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	TCASE_END();

	/* Found by the fuzzer: bytes after the error's IPv4 packet (a frame
	 * padded by the sender or the path) are no part of the quote.  The
	 * TCP checksum sits at byte 16 of the quoted header: outside an
	 * 8-byte quote, so it must stay untouched, and the ICMP checksum
	 * right, however many bytes the frame carries after the packet. */
	TCASE_BEGIN("icmp_error_quote_ends_with_the_packet_not_the_frame");
	{
		struct v4_spec tt = t;
		struct pkt sent, host_want;
		size_t pad = 24;

		tt.sport = 41004;
		pkt_v4(&inside, &tt);
		egress_mapped(&tt, EV_NEW_FLOW, 0, &sent);
		err_from_br(&in, SERVER, 3, 3, sent.b + 54, 28);
		memset(in.b + in.len, 0xee, pad); /* trailing junk: not IPv4 */
		in.len += pad;
		err_to_host(&host_want, SERVER, 3, 3, inside.b + 14, 28);
		memset(host_want.b + host_want.len, 0xee, pad);
		host_want.len += pad;
		expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &host_want, NULL);
	}
	TCASE_END();

	TCASE_BEGIN("icmp_errors_about_unknown_flows_dropped_and_counted");
	u.sport = 0xe399; /* never sent */
	pkt_v4(&inside, &u);
	memcpy(v4, inside.b + 14, 28);
	patch_v4_hdr(v4, CE_V4, SERVER, 0);
	err_from_br(&in, HOP_V4, 11, 0, v4, 28);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_ICMP_ERR_NO_FLOW, 0, NULL, NULL);
	in.len = put_eth(in.b, 0x0800);
	in.len += put_err(in.b + 14, LAN_HOST, SERVER, 3, 3, inside.b + 14, 28);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_SHOT, MAPCE_R_DROP_ICMP_ERR_NO_FLOW, 0, NULL, NULL);
	TCASE_END();
}

int main(void)
{
	t_icmp6_errors();
	t_icmp6_forged();
	t_pmtu_memory();
	t_icmp4_errors();
	return fx_finish();
}
