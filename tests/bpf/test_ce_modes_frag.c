// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_modes_frag.c - fragments in the CE's other services
 * (tests/bpf/ce_modes.h) under BPF_PROG_TEST_RUN, exact frames:
 *
 *   outer   the far end fragments the IPv6 packet of a 1500-byte inner
 *           packet (RFC 6333 section 5.3 lets an AFTR do so; a 1500-byte
 *           link fits 1448 bytes of it): XDP leaves the fragments to the
 *           TC slow path, which reassembles and decapsulates them: DS-Lite
 *           delivers the inner packet as the AFTR sent it (whatever it is:
 *           an echo reply, UDP, an IPv4 fragment), ECN by RFC 6040, only
 *           from the AFTR; ipip6 translates it to the LAN host of its flow
 *           or, with none, hands it to the box itself; lw4o6 as MAP-E
 *   inner   IPv4 fragments in DS-Lite pass through as they are both ways
 *           (no NAT: no id rewritten, no state, a later fragment needs no
 *           first); in ipip6 the later fragments of a datagram to the box
 *           itself follow their first
 * (ECN in the translated slow path too: lw4o6.)
 */
#include "harness.h"
#include "bpf/ce_modes.h"

#define BIG 1472 /* payload of a 1500-byte IPv4 echo or UDP packet */
#define CUT 1448 /* IPv6 payload bytes in the first fragment on a 1500 link */

/* Cut the tunnel packet whole (Ethernet | IPv6 | IPv4) as its far end
 * does on a 1500-byte link: CUT bytes, then the rest, identification id. */
static void outer_cut(const struct pkt *whole, uint32_t id, struct pkt *f1, struct pkt *f2)
{
	frame_v6_fragment(whole, 0, CUT, 1, id, f1);
	frame_v6_fragment(whole, CUT, (uint16_t)(whole->len - 54 - CUT), 0, id, f2);
}

/*
 * The two fragments f1, f2 of a tunnel packet come, the last first: XDP
 * leaves both untouched (pass_native) for the slow path, TC ingress holds
 * f2 and, on f1, gives verdict and reason with the frame want (NULL:
 * dropped); the reassembly maps are empty after.
 */
#define outer_in(f1, f2, verdict, reason, want, out) \
	t_outer_in(__FILE__, __LINE__, f1, f2, verdict, reason, want, out)
static void t_outer_in(const char *file, int line, const struct pkt *f1, const struct pkt *f2,
		       int verdict, __u32 reason, const struct pkt *want, struct pkt *out)
{
	fx_expect_run(file, line, FX_XDP, f2, NULL, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	fx_expect_run(file, line, FX_XDP, f1, NULL, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	fx_expect_run(file, line, FX_TC_INGRESS, f2, NULL, TC_ACT_SHOT, MAPCE_R_REASM_HELD, 0, NULL,
		      NULL);
	fx_expect_run(file, line, FX_TC_INGRESS, f1, NULL, verdict, reason, 0,
		      want ? want : FRAME_LATER, out);
	t_report(fx_map_count(fx.ce->maps.mapce_reasm) == 0 &&
			 fx_map_count(fx.ce->maps.mapce_reasm_dg) == 0,
		 "reassembly state released", file, line, "%d fragments, %d datagrams held",
		 fx_map_count(fx.ce->maps.mapce_reasm), fx_map_count(fx.ce->maps.mapce_reasm_dg));
}

/* The fragments f1, f2 (identification id) of the tunnel packet from the
 * far end to dst6 carrying r, congestion met on the IPv6 path: the outer
 * ECN field CE, whatever the inner one is. */
static void outer_ce_marked(const struct v4_spec *r, const char *dst6, uint32_t id, struct pkt *f1,
			    struct pkt *f2)
{
	struct pkt whole;

	frame_to(&whole, BR6, dst6, r);
	whole.b[15] |= 0x3 << 4; /* traffic class bits 1-0: byte 1, high nibble */
	outer_cut(&whole, id, f1, f2);
}

/* ---- dslite ------------------------------------------------------------- */

/* The SERVER's echo reply to LAN_HOST as the AFTR sends it back: 1500
 * bytes, no DF (Linux answers echoes so). */
static struct v4_spec big_echo_reply(void)
{
	return (struct v4_spec){ .src = SERVER,
				 .dst = LAN_HOST,
				 .proto = 1,
				 .icmp_type = 0,
				 .sport = 0x4242,
				 .ip_id = 0x5151,
				 .ttl = 62,
				 .payload = BIG };
}

static void t_dslite_outer(void)
{
	struct v4_spec r = big_echo_reply(), u = UDP_IN(53, 40000, .dst = LAN_HOST, .payload = BIG);
	struct pkt whole, f1, f2, want, out;
	uint8_t v4[1500];
	size_t n;

	ce_fresh("dslite_outer_fragments_of_a_1500_byte_echo_reply_delivered_unchanged");
	mode_dslite();
	frame_to(&whole, BR6, WAN6, &r);
	CHECK_EQ(whole.len, 14 + 40 + 1500);
	outer_cut(&whole, 0x1001, &f1, &f2);
	pkt_v4(&want, &r);
	outer_in(&f1, &f2, TC_ACT_OK, MAPCE_R_DECAP, &want, &out);
	CHECK(v4_hdr_csum_ok(out.b + 14) && v4_l4_csum_ok(out.b + 14, 0));
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_in), 0);
	TCASE_END();

	TCASE_BEGIN("dslite_outer_fragments_of_1500_byte_udp_in_order");
	frame_to(&whole, BR6, WAN6, &u);
	outer_cut(&whole, 0x1002, &f1, &f2);
	pkt_v4(&want, &u);
	expect_run(FX_TC_INGRESS, &f1, TC_ACT_SHOT, MAPCE_R_REASM_HELD, 0, NULL, NULL);
	expect_run(FX_TC_INGRESS, &f2, TC_ACT_OK, MAPCE_R_DECAP, 0, &want, &out);
	CHECK(v4_l4_csum_ok(out.b + 14, 0));
	TCASE_END();

	TCASE_BEGIN("dslite_outer_fragments_carrying_ipv4_fragments_unchanged");
	/* a first IPv4 fragment (MF, ports) ... */
	u.frag = 0x2000;
	u.ip_id = 0x7777;
	frame_to(&whole, BR6, WAN6, &u);
	outer_cut(&whole, 0x1003, &f1, &f2);
	pkt_v4(&want, &u);
	outer_in(&f1, &f2, TC_ACT_OK, MAPCE_R_DECAP, &want, NULL);
	/* ... and a later one (no ports), its first never seen */
	n = put_v4_frag(v4, SERVER, LAN_HOST, 17, 0x7778, 185, 0, sizeof(v4) - 20);
	frame_v6(&whole, a6(BR6), a6(WAN6), v4, n);
	outer_cut(&whole, 0x1004, &f1, &f2);
	frame_v4(&want, v4, n);
	outer_in(&f1, &f2, TC_ACT_OK, MAPCE_R_DECAP, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("dslite_outer_fragments_from_another_source_dropped_and_counted");
	frame_to(&whole, ALIEN6, WAN6, &r);
	outer_cut(&whole, 0x1005, &f1, &f2);
	outer_in(&f1, &f2, TC_ACT_SHOT, MAPCE_R_DROP_BAD_TUNNEL_SRC, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("dslite_outer_fragments_ecn_by_rfc_6040");
	/* congestion met on the IPv6 path (outer CE), inner ECT(0): CE */
	r.tos = 0x02;
	outer_ce_marked(&r, WAN6, 0x1006, &f1, &f2);
	r.tos = 0x03;
	pkt_v4(&want, &r); /* the header checksum from scratch */
	outer_in(&f1, &f2, TC_ACT_OK, MAPCE_R_DECAP, &want, NULL);
	/* outer CE over a Not-ECT inner: dropped (RFC 6040 section 4.2) */
	r.tos = 0;
	outer_ce_marked(&r, WAN6, 0x1007, &f1, &f2);
	outer_in(&f1, &f2, TC_ACT_SHOT, MAPCE_R_DROP_ECN_CE_NOT_ECT, NULL, NULL);
	TCASE_END();
}

static void t_dslite_inner(void)
{
	struct v4_spec first = udp_out(40010, 53);
	struct v4_spec back = UDP_IN(53, 40010, .dst = LAN_HOST, .frag = 0x2000, .ip_id = 0x2222);
	struct pkt in, want;
	uint8_t v4[100];
	size_t n;

	ce_fresh("dslite_ipv4_fragments_leave_unchanged");
	mode_dslite();
	/* what Linux makes of a 1500-byte datagram for the 1460 route:
	 * 1460 bytes (MF) and the rest; the id stays the host's */
	first.frag = 0x2000;
	first.ip_id = 0x1111;
	first.payload = 1432;
	pkt_v4(&in, &first);
	frame_to(&want, WAN6, BR6, &first);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	n = put_v4_frag(v4, LAN_HOST, SERVER, 17, 0x1111, 180, 0, 40);
	frame_v4(&in, v4, n);
	frame_v6(&want, a6(WAN6), a6(BR6), v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_frags), 0);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_out), 0);
	TCASE_END();

	TCASE_BEGIN("dslite_ipv4_fragments_from_the_aftr_unchanged_in_any_order");
	/* the later fragment first: no first to wait for, no slow path */
	n = put_v4_frag(v4, SERVER, LAN_HOST, 17, 0x2222, 4, 0, 40);
	frame_v6(&in, a6(BR6), a6(WAN6), v4, n);
	frame_v4(&want, v4, n);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	back.payload = 24;
	frame_to(&in, BR6, WAN6, &back);
	pkt_v4(&want, &back);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_frags), 0);
	TCASE_END();
}

/* ---- ipip6 and lw4o6 ---------------------------------------------------- */

static void t_ipip6(void)
{
	struct v4_spec u = udp_out(40000, 53), r, local = UDP_IN(53, 9300, .dst = FIXED_V4);
	struct pkt in, whole, f1, f2, want, out;
	uint8_t v4[100];
	size_t n;

	ce_fresh("ipip6_outer_fragments_to_a_lan_host_translated");
	mode_ipip6();
	pkt_v4(&in, &u);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, EV_NEW_FLOW, FRAME_LATER, &out);
	CHECK_EQ(encap_sport(&out), 40000); /* ipip6 keeps the port */
	r = reply_of(&u, 40000);
	r.dst = FIXED_V4;
	r.payload = BIG;
	frame_to(&whole, BR6, FIXED6, &r);
	outer_cut(&whole, 0x2001, &f1, &f2);
	ce_decapped(&want, &r, LAN_HOST, 40000);
	outer_in(&f1, &f2, TC_ACT_OK, MAPCE_R_DECAP, &want, &out);
	CHECK(v4_hdr_csum_ok(out.b + 14) && v4_l4_csum_ok(out.b + 14, 0));
	TCASE_END();

	TCASE_BEGIN("ipip6_outer_fragments_to_the_box_itself_untranslated");
	local.payload = BIG;
	frame_to(&whole, BR6, FIXED6, &local);
	outer_cut(&whole, 0x2002, &f1, &f2);
	pkt_v4(&want, &local);
	outer_in(&f1, &f2, TC_ACT_OK, MAPCE_R_DECAP_LOCAL, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("ipip6_ipv4_fragments_to_the_box_itself_follow_their_first");
	local.frag = 0x2000;
	local.ip_id = 0x3333;
	local.payload = 1432;
	frame_to(&in, BR6, FIXED6, &local);
	pkt_v4(&want, &local);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP_LOCAL, 0, &want, NULL);
	n = put_v4_frag(v4, SERVER, FIXED_V4, 17, 0x3333, 180, 0, 40);
	frame_v6(&in, a6(BR6), a6(FIXED6), v4, n);
	frame_v4(&want, v4, n);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP_LOCAL, 0, &want, NULL);
	TCASE_END();
}

static void t_lw4o6(void)
{
	struct v4_spec u = udp_out(0xc341, 53), r;
	struct pkt in, whole, f1, f2, want, out;
	uint16_t p;

	ce_fresh("lw4o6_outer_fragments_reassembled_into_the_port_set");
	mode_lw4o6();
	pkt_v4(&in, &u);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, EV_NEW_FLOW, FRAME_LATER, &out);
	p = encap_sport(&out);
	CHECK(in_set(p), "port 0x%x not in the set", p);
	r = reply_of(&u, p);
	r.payload = BIG;
	frame_to(&whole, BR6, WAN6, &r);
	outer_cut(&whole, 0x3001, &f1, &f2);
	ce_decapped(&want, &r, LAN_HOST, 0xc341);
	outer_in(&f1, &f2, TC_ACT_OK, MAPCE_R_DECAP, &want, &out);
	CHECK(v4_hdr_csum_ok(out.b + 14) && v4_l4_csum_ok(out.b + 14, 0));
	TCASE_END();

	TCASE_BEGIN("lw4o6_outer_fragments_ecn_by_rfc_6040");
	/* the translated path too: outer CE over ECT(0) gives CE */
	r.tos = 0x02;
	outer_ce_marked(&r, WAN6, 0x3003, &f1, &f2);
	r.tos = 0x03;
	ce_decapped(&want, &r, LAN_HOST, 0xc341);
	outer_in(&f1, &f2, TC_ACT_OK, MAPCE_R_DECAP, &want, &out);
	CHECK(v4_hdr_csum_ok(out.b + 14) && v4_l4_csum_ok(out.b + 14, 0));
	TCASE_END();

	TCASE_BEGIN("lw4o6_outer_fragments_from_another_source_dropped");
	frame_to(&whole, ALIEN6, WAN6, &r);
	outer_cut(&whole, 0x3002, &f1, &f2);
	outer_in(&f1, &f2, TC_ACT_SHOT, MAPCE_R_DROP_BAD_TUNNEL_SRC, NULL, NULL);
	TCASE_END();
}

int main(void)
{
	t_dslite_outer();
	t_dslite_inner();
	t_ipip6();
	t_lw4o6();
	return fx_finish();
}
