// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_modes.c - the CE's other services under BPF_PROG_TEST_RUN, on
 * the one datapath (bpf/ce/modes.h): exact frames both ways for each mode,
 * the wrong tunnel source dropped and counted, ICMPv6 errors and Packet
 * Too Big turned into ICMPv4 errors to the inside host.
 *
 *   dslite  RFC 6333 B4: no NAT either way, outer from the WAN address to
 *           the AFTR, only the AFTR may send; outer IPv6 fragments
 *           reassembled (TC slow path) and decapsulated as they are
 *   ipip6   fixed address over RFC 2473: NAPT over 1024-65535 (ports
 *           kept), a forward on a system port, what no binding takes goes
 *           up untranslated (the box's own stack), the box's own packets
 *           leave untranslated
 *           with a routed prefix (--ipv4 ADDR/LEN): its other addresses
 *           (LAN hosts') carried untranslated both ways, MSS clamped,
 *           Packet Too Big to them; outside the prefix dropped, counted
 *   lw4o6   RFC 7596 lwB4: NAPT into the port set as MAP-E, outer from the
 *           WAN address, only the lwAFTR may send
 */
#include "harness.h"
#include "bpf/ce_modes.h"

/* A router on the IPv6 path answers the tunnel packet tun (the CE sent it
 * from dst6 for the inside packet inside) with Packet Too Big 1400: the
 * inside host (to) gets ICMPv4 frag-needed 1360 from src4 quoting its
 * packet. */
static void ptb_to(const struct pkt *inside, const struct pkt *tun, const char *dst6, uint32_t src4,
		   uint32_t to)
{
	struct icmp4_err ie = { .src = src4, .dst = to, .type = 3, .code = 4, .mtu = 1360 };
	struct pkt ptb, want;

	frame_icmp6_err(&ptb, a6("2001:db8:12:3400::ffff"), a6(dst6), 2, 0, 1400, tun->b + 14,
			1232);
	ie.quote = inside->b + 14;
	ie.qlen = 28;
	frame_icmp4_err(&want, &ie);
	expect_run(FX_XDP, &ptb, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, 0, &want, NULL);
}

/* ptb_to the usual inside host, LAN_HOST. */
static void ptb_to_host(const struct pkt *inside, const struct pkt *tun, const char *dst6,
			uint32_t src4)
{
	ptb_to(inside, tun, dst6, src4, LAN_HOST);
}

/* A 2000-byte datagram from the far end to inside host to, sent to the
 * tunnel address dst6 as two outer IPv6 fragments, the last first: XDP
 * leaves them to the TC slow path, which holds the last, then decapsulates
 * the whole untranslated; no flow is opened. */
static void outer_fragments_untranslated(const char *dst6, uint32_t to)
{
	struct v4_spec r = UDP_IN(53, 40000, .dst = to, .payload = 2000);
	struct pkt whole, f1, f2, out, want;
	size_t plen;
	int flows = fx_map_count(fx.ce->maps.mapce_flow_in);

	frame_to(&whole, BR6, dst6, &r);
	plen = whole.len - 54;
	frame_v6_fragment(&whole, 0, 1232, 1, 0xabcd, &f1);
	frame_v6_fragment(&whole, 1232, (uint16_t)(plen - 1232), 0, 0xabcd, &f2);
	expect_run(FX_XDP, &f2, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	expect_run(FX_TC_INGRESS, &f2, TC_ACT_SHOT, MAPCE_R_REASM_HELD, 0, NULL, NULL);
	pkt_v4(&want, &r);
	expect_run(FX_TC_INGRESS, &f1, TC_ACT_OK, MAPCE_R_DECAP, 0, &want, &out);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_in), flows);
}

/* ---- dslite ------------------------------------------------------------- */

static void t_dslite(void)
{
	struct v4_spec u = udp_out(40000, 53), t = TCP_SYN_OUT(40001, 443), e = udp_out(40002, 53);
	struct v4_spec r = u, c = TCP_SYN_OUT(40001, 443, .tcp_opts = OPT_MSS1420,
					      .tcp_opts_len = sizeof(OPT_MSS1420));
	struct pkt in, want, tun;

	ce_fresh("dslite_lan_ipv4_leaves_untranslated_to_the_aftr");
	mode_dslite();
	pkt_v4(&in, &u);
	frame_to(&want, WAN6, BR6, &u);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_out), 0);
	/* a SYN has its MSS clamped, nothing else changes */
	t.tcp_opts = OPT_MSS1460;
	t.tcp_opts_len = sizeof(OPT_MSS1460);
	pkt_v4(&in, &t);
	frame_to(&want, WAN6, BR6, &c);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, EV(MSS_CLAMPED), &want, NULL);
	/* the box's own packet from 192.0.0.2 too */
	r.src = B4_V4;
	pkt_v4(&in, &r);
	frame_to(&want, WAN6, BR6, &r);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("dslite_from_the_aftr_decapsulated_as_it_is");
	r = u;
	r.src = SERVER;
	r.dst = LAN_HOST; /* the AFTR translated it back */
	r.sport = 53;
	r.dport = 40000;
	frame_to(&in, BR6, WAN6, &r);
	pkt_v4(&want, &r);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	/* to the B4 itself (a traceroute hop's answer, the box's own flows) */
	r.dst = B4_V4;
	frame_to(&in, BR6, WAN6, &r);
	pkt_v4(&want, &r);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("dslite_wrong_tunnel_source_dropped_and_counted");
	r.dst = LAN_HOST;
	frame_to(&in, ALIEN6, WAN6, &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_BAD_TUNNEL_SRC, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("dslite_outer_fragments_reassembled_untranslated");
	outer_fragments_untranslated(WAN6, LAN_HOST);
	TCASE_END();

	TCASE_BEGIN("dslite_packet_too_big_becomes_frag_needed_to_the_host");
	e.payload = 1400;
	pkt_v4(&in, &e);
	frame_to(&tun, WAN6, BR6, &e);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, 0, &tun, NULL);
	ptb_to_host(&in, &tun, WAN6, B4_V4);
	TCASE_END();
}

/* ---- ipip6 -------------------------------------------------------------- */

/* The inside packet s leaves NAPT-ed to the fixed address and port p,
 * from the tunnel address to the far end. */
static void ipip6_out(const struct v4_spec *s, uint16_t p, __u64 events, struct pkt *tun)
{
	struct v4_spec t = *s;
	struct pkt in, want;

	t.src = FIXED_V4;
	t.sport = p;
	pkt_v4(&in, s);
	frame_to(&want, FIXED6, BR6, &t);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, events, &want, tun);
}

static void t_ipip6(void)
{
	struct v4_spec u = udp_out(40000, 53), d = udp_out(53, 53), r = {}, own;
	struct v4_spec syn = { .src = SERVER,
			       .dst = FIXED_V4,
			       .proto = 6,
			       .sport = 50000,
			       .dport = 9200,
			       .tcp_flags = 0x02,
			       .ttl = 63,
			       .frag = 0x4000 };
	struct pkt in, want, tun;
	uint16_t p;
	int flows;

	ce_fresh("ipip6_napt_to_the_fixed_address_ports_kept");
	mode_ipip6();
	ipip6_out(&u, 40000, EV_NEW_FLOW, NULL);
	r = reply_of(&u, 40000);
	r.dst = FIXED_V4;
	frame_to(&in, BR6, FIXED6, &r);
	ce_decapped(&want, &r, LAN_HOST, 40000);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("ipip6_system_ports_never_given_out");
	pkt_v4(&in, &d);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, EV_NEW_FLOW, FRAME_LATER, &tun);
	p = encap_sport(&tun);
	CHECK(p >= 1024, "inside port 53 got outside port %u", p);
	CHECK(!memcmp(tun.b + 22, a6(FIXED6), 16), "outer source is not the tunnel address");
	TCASE_END();

	TCASE_BEGIN("ipip6_unbound_goes_to_the_box_untranslated");
	/* a service on the router itself: no binding, no forward */
	frame_to(&in, BR6, FIXED6, &syn);
	pkt_v4(&want, &syn);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP_LOCAL, 0, &want, NULL);
	/* and its answer leaves untranslated (from the fixed address) */
	own = syn;
	own.src = FIXED_V4;
	own.dst = SERVER;
	own.sport = 9200;
	own.dport = 50000;
	own.tcp_flags = 0x12;
	pkt_v4(&in, &own);
	frame_to(&want, FIXED6, BR6, &own);
	flows = fx_map_count(fx.ce->maps.mapce_flow_out); /* the cases' before */
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_out), flows);
	TCASE_END();

	TCASE_BEGIN("ipip6_forward_on_a_system_port");
	ipip6_forward(6, 22, LAN_HOST, 22);
	syn.dport = 22;
	frame_to(&in, BR6, FIXED6, &syn);
	ce_decapped(&want, &syn, LAN_HOST, 22);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, EV_INBOUND_FLOW, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("ipip6_wrong_tunnel_source_dropped_and_counted");
	frame_to(&in, ALIEN6, FIXED6, &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_BAD_TUNNEL_SRC, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("ipip6_packet_too_big_becomes_frag_needed_to_the_host");
	{
		struct v4_spec b = udp_out(41000, 53);
		struct pkt inside;

		b.payload = 1400;
		pkt_v4(&inside, &b);
		ipip6_out(&b, 41000, EV_NEW_FLOW, &tun);
		ptb_to_host(&inside, &tun, FIXED6, FIXED_V4);
	}
	TCASE_END();
}

/* ---- ipip6 with a routed prefix -------------------------------------------- */

static void t_ipip6_prefix(void)
{
	struct v4_spec u = udp_out(40000, 53), s, c, r, x;
	struct pkt in, want, tun, inside;
	int flows;

	ce_fresh("ipip6_prefix_host_leaves_untranslated");
	mode_ipip6_prefix();
	/* a LAN host holding a prefix address: no NAT, no flow */
	u.src = ROUTED_V4;
	pkt_v4(&in, &u);
	frame_to(&want, FIXED6, BR6, &u);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_out), 0);
	/* its SYN has the MSS clamped, nothing else changes */
	s = (struct v4_spec)TCP_SYN_OUT(40001, 443, .src = ROUTED_V4, .tcp_opts = OPT_MSS1460,
					.tcp_opts_len = sizeof(OPT_MSS1460));
	c = s;
	c.tcp_opts = OPT_MSS1420;
	pkt_v4(&in, &s);
	frame_to(&want, FIXED6, BR6, &c);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, EV(MSS_CLAMPED), &want, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_out), 0);
	TCASE_END();

	TCASE_BEGIN("ipip6_prefix_private_host_still_napt_to_the_fixed_address");
	ipip6_out(&(struct v4_spec)UDP_OUT(40002, 53), 40002, EV_NEW_FLOW, NULL);
	r = reply_of(&(struct v4_spec)UDP_OUT(40002, 53), 40002);
	r.dst = FIXED_V4;
	frame_to(&in, BR6, FIXED6, &r);
	ce_decapped(&want, &r, LAN_HOST, 40002);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("ipip6_prefix_inbound_decapsulated_as_it_is");
	/* from the internet to the LAN host's prefix address: the kernel
	 * routes it; nothing translated, no flow opened */
	flows = fx_map_count(fx.ce->maps.mapce_flow_in);
	r = (struct v4_spec)TCP_SYN_OUT(50000, 22, .src = SERVER, .dst = ROUTED_V4);
	frame_to(&in, BR6, FIXED6, &r);
	pkt_v4(&want, &r);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	/* a SYN-ACK from the internet has its MSS clamped */
	r = (struct v4_spec)TCP_SYNACK_IN(443, 40001, .dst = ROUTED_V4, .tcp_opts = OPT_MSS1460,
					  .tcp_opts_len = sizeof(OPT_MSS1460));
	x = r;
	x.tcp_opts = OPT_MSS1420;
	frame_to(&in, BR6, FIXED6, &r);
	pkt_v4(&want, &x);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, EV(MSS_CLAMPED), &want, NULL);
	/* ... and so has one whose checksum its sender left to offload, by
	 * the TC slow path (as DS-Lite's: ingress_plain) */
	pkt_v4(&want, &x);
	expect_left_to_offload(&in, &want, 54 + 20 + 16, EV(MSS_CLAMPED));
	/* an ICMP echo request, as it is */
	r = (struct v4_spec){ .src = SERVER,
			      .dst = ROUTED_V4,
			      .proto = 1,
			      .icmp_type = 8,
			      .sport = 0x1234,
			      .payload = 56,
			      .ttl = 63 };
	frame_to(&in, BR6, FIXED6, &r);
	pkt_v4(&want, &r);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_in), flows);
	TCASE_END();

	TCASE_BEGIN("ipip6_prefix_outside_destination_dropped_and_counted");
	r = (struct v4_spec)UDP_IN(53, 40000, .dst = OUTSIDE_V4);
	frame_to(&in, BR6, FIXED6, &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_WRONG_IPV4, 0, NULL, NULL);
	r.dst = LAN_HOST; /* a private address never comes in untranslated */
	frame_to(&in, BR6, FIXED6, &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_WRONG_IPV4, 0, NULL, NULL);
	/* and only the far end may send to the prefix */
	r.dst = ROUTED_V4;
	frame_to(&in, ALIEN6, FIXED6, &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_BAD_TUNNEL_SRC, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("ipip6_prefix_packet_too_big_to_the_prefix_host");
	x = udp_out(41000, 53);
	x.src = ROUTED_V4;
	x.payload = 1400;
	pkt_v4(&inside, &x);
	frame_to(&tun, FIXED6, BR6, &x);
	expect_run(FX_TC_EGRESS, &inside, TC_ACT_OK, MAPCE_R_ENCAP, 0, &tun, NULL);
	ptb_to(&inside, &tun, FIXED6, FIXED_V4, ROUTED_V4);
	TCASE_END();

	TCASE_BEGIN("ipip6_prefix_outer_fragments_reassembled_untranslated");
	outer_fragments_untranslated(FIXED6, ROUTED_V4);
	TCASE_END();

	ce_fresh("ipip6_without_prefix_other_addresses_dropped");
	mode_ipip6(); /* ipv4_prefix_len 32: one address */
	r = (struct v4_spec)UDP_IN(53, 40000, .dst = ROUTED_V4);
	frame_to(&in, BR6, FIXED6, &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_WRONG_IPV4, 0, NULL, NULL);
	/* and a LAN host with such an address is NAPT-ed like any other */
	x = udp_out(40003, 53);
	x.src = ROUTED_V4;
	pkt_v4(&in, &x);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, EV_NEW_FLOW, FRAME_LATER, &tun);
	CHECK(!memcmp(tun.b + 14 + 40 + 12, &(uint32_t){ htonl(FIXED_V4) }, 4),
	      "the source is not the fixed address");
	TCASE_END();
}

/* ---- lw4o6 -------------------------------------------------------------- */

static void t_lw4o6(void)
{
	struct v4_spec u = udp_out(0xc341, 53), r, x;
	struct pkt in, want, tun;
	uint16_t p;

	ce_fresh("lw4o6_napt_into_the_port_set_from_the_wan_address");
	mode_lw4o6();
	pkt_v4(&in, &u);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, EV_NEW_FLOW, FRAME_LATER, &tun);
	p = encap_sport(&tun);
	CHECK(in_set(p), "port 0x%x not in the set", p);
	x = u;
	x.src = CE_V4;
	x.sport = p;
	frame_to(&want, WAN6, BR6, &x);
	expect_frame(&tun, &want);
	r = reply_of(&u, p);
	frame_to(&in, BR6, WAN6, &r);
	ce_decapped(&want, &r, LAN_HOST, 0xc341);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("lw4o6_port_outside_the_set_dropped");
	r.dport = 0x1000; /* PSID 0 */
	frame_to(&in, BR6, WAN6, &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_PORT_OUT_OF_SET, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("lw4o6_wrong_tunnel_source_dropped_and_counted");
	r.dport = p;
	frame_to(&in, ALIEN6, WAN6, &r);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_BAD_TUNNEL_SRC, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("lw4o6_packet_too_big_becomes_frag_needed_to_the_host");
	{
		struct v4_spec b = udp_out(0xc342, 53);
		struct pkt inside;

		b.payload = 1400;
		pkt_v4(&inside, &b);
		expect_run(FX_TC_EGRESS, &inside, TC_ACT_OK, MAPCE_R_ENCAP, EV_NEW_FLOW,
			   FRAME_LATER, &tun);
		ptb_to_host(&inside, &tun, WAN6, CE_V4);
	}
	TCASE_END();
}

int main(void)
{
	t_dslite();
	t_ipip6();
	t_ipip6_prefix();
	t_lw4o6();
	return fx_finish();
}
