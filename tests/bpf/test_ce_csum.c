// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_csum.c - an inner IPv4 header whose checksum is wrong never
 * counts as decap.
 *
 * The kernel drops such a packet right after XDP passes it up (ip_rcv), so
 * a CE that translated it first would count it as decap, account it on a
 * flow and, from outside, open an inbound flow for it.  The CE verifies
 * the header (options included) before translating, on XDP ingress and on
 * the TC slow path (each fragment, and a reassembled tunnel packet), and
 * drops a bad one as drop_bad_checksum.  The transport checksum is the
 * inside host's to check (it is end to end; the CE keeps it right
 * incrementally).  One left to offload by the sender (CHECKSUM_PARTIAL:
 * a veth WAN peer) goes from XDP to the TC slow path, whose helpers know
 * the skb's checksum state.
 */
#include "harness.h"
#include "bpf/ce.h"

/* Break the inner IPv4 header checksum of a tunnel frame whose IPv4
 * header is at off. */
static void break_csum(struct pkt *k, size_t off)
{
	k->b[off + 10] ^= 0x40;
}

static void t_xdp(void)
{
	struct v4_spec u = udp_out(0xb341, 53), r;
	struct pkt in, want;
	struct mapce_flow f;

	ce_fresh("bad_inner_ipv4_checksum_dropped_before_translation");
	egress_mapped(&u, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&u, 0xb341);
	ce_frame_from(&in, BR6, &r);
	break_csum(&in, 54);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_BAD_CHECKSUM, 0, NULL, NULL);
	CHECK(flow_in_get(SERVER, 53, 0xb341, 17, &f) == 0 && f.packets == 0);
	/* with options (ihl 6): a good one passes, a bad one does not */
	r.ihl_words = 6;
	ingress_to(&r, LAN_HOST, 0xb341, 0, NULL);
	ce_frame_from(&in, BR6, &r);
	in.b[54 + 21] ^= 1; /* inside the options: only the sum over all 24 bytes shows it */
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_BAD_CHECKSUM, 0, NULL, NULL);
	/* behind the encapsulation limit option */
	r.ihl_words = 0;
	ce_frame_from(&in, BR6, &r);
	frame_insert_destopt(&in, DESTOPT_ENCAP_LIMIT4);
	ce_decapped(&want, &r, LAN_HOST, 0xb341);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	break_csum(&in, 62);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_BAD_CHECKSUM, 0, NULL, NULL);
	CHECK(flow_in_get(SERVER, 53, 0xb341, 17, &f) == 0 && f.packets == 2);
	TCASE_END();
}

/* Unsolicited traffic with a bad header opens nothing, even where the
 * filtering would let the remote in; ICMP errors and later fragments are
 * checked as well. */
static void t_no_state(void)
{
	struct v4_spec u = udp_out(0xb342, 53), r;
	struct pkt in;
	int flows;

	ce_fresh("bad_inner_ipv4_checksum_opens_no_flow");
	ce_set_filtering(MAPCE_FILTER_EIF);
	egress_mapped(&u, EV_NEW_FLOW, 1, NULL);
	flows = fx_map_count(fx.ce->maps.mapce_flow_in);
	r = reply_of(&u, 0xb342);
	r.src = IP4(203, 0, 113, 99);
	ce_frame_from(&in, BR6, &r);
	break_csum(&in, 54);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_BAD_CHECKSUM, 0, NULL, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_in), flows);
	/* with a good header the same packet opens its flow (EIF) */
	ingress_to(&r, LAN_HOST, 0xb342, EV_INBOUND_FLOW, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_in), flows + 1);
	/* a later fragment of a datagram whose first went in */
	r = reply_of(&u, 0xb342);
	r.frag = 0x2000;
	r.ip_id = 0x7777;
	ingress_to(&r, LAN_HOST, 0xb342, 0, NULL);
	{
		uint8_t v4[64];
		size_t n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x7777, 10, 0, 16);

		frame_v6(&in, a6(BR6), a6(CE_MAP6), v4, n);
		break_csum(&in, 54);
		expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_BAD_CHECKSUM, 0, NULL, NULL);
	}
	TCASE_END();
}

/* The slow path: an IPv4 fragment with a bad header is not held (its
 * datagram would get a header computed afresh, hiding it), and a tunnel
 * packet reassembled from outer fragments is checked like XDP checks. */
static void t_slow_path(void)
{
	struct v4_spec s = udp_out(0xb343, 53), r;
	struct pkt whole, f1, f2;
	uint8_t v4[64];
	size_t n, plen;

	ce_fresh("bad_inner_ipv4_checksum_on_the_slow_path");
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x7778, 10, 0, 16);
	frame_v6(&f1, a6(BR6), a6(CE_MAP6), v4, n);
	break_csum(&f1, 54);
	expect_run(FX_TC_INGRESS, &f1, TC_ACT_SHOT, MAPCE_R_DROP_BAD_CHECKSUM, 0, NULL, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_reasm), 0);

	r = reply_of(&s, 0xb343);
	r.payload = 2000;
	r.frag = 0;
	ce_frame_from(&whole, BR6, &r);
	break_csum(&whole, 54);
	plen = whole.len - 54;
	frame_v6_fragment(&whole, 0, 1232, 1, 0xabcd, &f1);
	frame_v6_fragment(&whole, 1232, (uint16_t)(plen - 1232), 0, 0xabcd, &f2);
	expect_run(FX_TC_INGRESS, &f2, TC_ACT_SHOT, MAPCE_R_REASM_HELD, 0, NULL, NULL);
	/* (dropped after the rebuild: the output frame is no matter) */
	expect_run(FX_TC_INGRESS, &f1, TC_ACT_SHOT, MAPCE_R_DROP_BAD_CHECKSUM, 0, FRAME_LATER,
		   NULL);
	TCASE_END();
}

/* ---- transport checksums left to offload ------------------------------------ */

static void t_left_to_offload(void)
{
	struct v4_spec u = udp_out(0xb342, 53), t = TCP_SYN_OUT(0xb343, 443), r;
	struct pkt full, want;
	struct mapce_flow f;
	uint16_t port;

	ce_fresh("tunnel_udp_checksum_left_to_offload_translated_by_tc");
	port = egress_mapped(&u, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&u, port);
	ce_frame_from(&full, BR6, &r);
	ce_decapped(&want, &r, LAN_HOST, port);
	expect_left_to_offload(&full, &want, 54 + 20 + 6, 0);
	CHECK(flow_in_get(SERVER, 53, port, 17, &f) == 0 && f.packets == 1,
	      "accounted once, by TC");
	/* a complete checksum: XDP as ever */
	ingress_to(&r, LAN_HOST, port, 0, NULL);
	TCASE_END();

	ce_fresh("tunnel_tcp_synack_checksum_left_to_offload_clamped_by_tc");
	fx.cfg.mss_clamp = 1420;
	CHECK(fx_config() == 0);
	port = egress_mapped(&t, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&t, port);
	r.tcp_opts = OPT_MSS1460;
	r.tcp_opts_len = 8;
	ce_frame_from(&full, BR6, &r);
	r.tcp_opts = OPT_MSS1420;
	ce_decapped(&want, &r, LAN_HOST, port);
	expect_left_to_offload(&full, &want, 54 + 20 + 16, EV(MSS_CLAMPED));
	TCASE_END();
}

int main(void)
{
	t_xdp();
	t_no_state();
	t_slow_path();
	t_left_to_offload();
	return fx_finish();
}
