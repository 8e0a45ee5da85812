// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_tunnel.c - the CE's tunnel under BPF_PROG_TEST_RUN: mesh (FMR)
 * destinations and sources, TCP MSS clamping both ways, ECN on
 * decapsulation (RFC 6040), the RFC 2473 encapsulation limit option,
 * packets over the tunnel MTU.
 *
 * Rows of one table (tests/bpf/fixture.h runs them, each packet through
 * expect_run), and the ECN matrix as a loop.
 */
#include "harness.h"
#include "bpf/ce.h"

/* 198.51.100.77 port 0x5688 (PSID 0x68) belongs to this CE. */
#define PEER68_CE6 "2001:db8:4d:6800:c6:3364:4d00:6800"

/* ---- mesh ------------------------------------------------------------------ */

static void mesh_on(void)
{
	struct mapce_lpm_v4_key k = { .prefixlen = 24, .addr = htonl(IP4(198, 51, 100, 0)) };
	__u32 idx = 0;

	fx.cfg.flags |= MAPCE_CFG_F_MESH;
	fx_config();
	CHECK(bpf_map__update_elem(fx.ce->maps.mapce_fmr_lpm, &k, sizeof(k), &idx, sizeof(idx),
				   0) == 0);
}

static void mesh_off(void)
{
	fx.cfg.flags &= ~MAPCE_CFG_F_MESH;
	fx_config();
}

/* ---- MSS ------------------------------------------------------------------- */

static const uint8_t OPT_NOP_MSS1460[] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 0 }; /* MSS at odd offset */
static const uint8_t OPT_NOP_MSS1420[] = { 1, 2, 4, 0x05, 0x8c, 1, 1, 0 };
static const uint8_t OPT_MSS1200[] = { 2, 4, 0x04, 0xb0 };

#define SYN_OUT(sp, opt) TCP_SYN_OUT(sp, 443, .tcp_opts = opt, .tcp_opts_len = sizeof(opt))

static void mss_clamp_1420(void)
{
	fx.cfg.mss_clamp = 1420;
	fx_config();
}

static void mss_clamp_off(void)
{
	fx.cfg.mss_clamp = 0;
	fx_config();
}

/* The row's SYN with its MSS clamped to 1420 (options of the same shape). */
static void want_tunnel_mss1420(struct pkt *want, const struct pkt *in, const struct fx_row *r)
{
	struct fx_row t = *r;

	t.v4.tcp_opts = OPT_MSS1420;
	want_tunnel(want, in, &t);
}

static void want_lan_nop_mss1420(struct pkt *want, const struct pkt *in, const struct fx_row *r)
{
	struct fx_row t = *r;

	t.v4.tcp_opts = OPT_NOP_MSS1420;
	want_lan(want, in, &t);
}

static void mss_out_1420(const struct pkt *out)
{
	CHECK_EQ(tcp_mss_of(out->b + 54), 1420);
}

static void mss_in_1420(const struct pkt *out)
{
	CHECK_EQ(tcp_mss_of(out->b + 14), 1420);
}

static void mss_out_1200(const struct pkt *out)
{
	CHECK_EQ(tcp_mss_of(out->b + 54), 1200);
}

static void mss_out_1460(const struct pkt *out)
{
	CHECK_EQ(tcp_mss_of(out->b + 54), 1460);
}

/* ---- encapsulation limit, MTU ---------------------------------------------- */

static void encap_limit_4(void)
{
	fx.cfg.encap_limit = 4;
	fx_config();
}

/* The tunnel packet with an RFC 2473 encapsulation limit option (limit
 * 4) in a destination options header before the IPv4 packet. */
static void want_tunnel_limit4(struct pkt *want, const struct pkt *in, const struct fx_row *r)
{
	static const uint8_t opt[8] = { 4, 0, 4, 1, 4, 1, 1, 0 };

	want_tunnel(want, in, r);
	memmove(want->b + 62, want->b + 54, want->len - 54);
	memcpy(want->b + 54, opt, 8);
	want->b[14 + 6] = 60; /* next header: destination options */
	put16(want->b + 14 + 4, (uint16_t)(get16(want->b + 14 + 4) + 8));
	want->len += 8;
}

static const struct fx_row tunnel_rows[] = {
#define FMR "mesh_fmr_destination_goes_straight_to_its_ce"
	{ NEW_FLOW(FMR), .setup = mesh_on, .v4 = UDP_OUT(0x8348, 0x5678, .dst = PEER_V4),
	  .peer6 = PEER_CE6 },
	/* and to a server outside every FMR: via the BR */
	{ NEW_FLOW(FMR), .v4 = UDP_OUT(0x8349, 53) },
#undef FMR

#define OWNER "mesh_accepts_owner_ce_and_rejects_others"
	{ NEW_FLOW(OWNER), .setup = mesh_on, .v4 = UDP_OUT(0x8348, 0x5678, .dst = PEER_V4),
	  .peer6 = PEER_CE6 },
	{ REPLY(OWNER), .v4 = UDP_IN(0x5678, 0x8348, .src = PEER_V4), .peer6 = PEER_CE6 },
	/* the same CE claiming a port of PSID 0x68: spoofed */
	{ NEW_FLOW(OWNER), .v4 = UDP_OUT(0x8348, 0x5688, .dst = PEER_V4), .peer6 = PEER68_CE6,
	  .events = EV(FLOW_CREATED) },
	{ IN(OWNER), .v4 = UDP_IN(0x5688, 0x8348, .src = PEER_V4), .peer6 = PEER_CE6,
	  .verdict = XDP_DROP, .reason = MAPCE_R_DROP_BAD_TUNNEL_SRC },
	/* mesh off: only the BR */
	{ IN(OWNER), .setup = mesh_off, .v4 = UDP_IN(0x5678, 0x8348, .src = PEER_V4),
	  .peer6 = PEER_CE6, .verdict = XDP_DROP, .reason = MAPCE_R_DROP_BAD_TUNNEL_SRC },
#undef OWNER

#define CLAMP "mss_clamped_on_syn_out_and_synack_in"
	{ NEW_FLOW(CLAMP), .setup = mss_clamp_1420, .v4 = SYN_OUT(0x9341, OPT_MSS1460),
	  .events = EV_NEW_FLOW | EV(MSS_CLAMPED), .want = want_tunnel_mss1420, .csums = 1,
	  .check = mss_out_1420 },
	/* odd offset: the checksum's 16-bit words straddle the option */
	{ REPLY(CLAMP),
	  .v4 = TCP_SYNACK_IN(443, 0x9341, .tcp_opts = OPT_NOP_MSS1460,
			      .tcp_opts_len = sizeof(OPT_NOP_MSS1460)),
	  .events = EV(MSS_CLAMPED), .want = want_lan_nop_mss1420, .csums = 1,
	  .check = mss_in_1420 },
#undef CLAMP

#define KEPT "mss_below_clamp_or_clamp_off_untouched"
	{ NEW_FLOW(KEPT), .setup = mss_clamp_1420, .v4 = SYN_OUT(0x9342, OPT_MSS1200),
	  .check = mss_out_1200 },
	{ NEW_FLOW(KEPT), .setup = mss_clamp_off, .v4 = SYN_OUT(0x9343, OPT_MSS1460),
	  .check = mss_out_1460 },
#undef KEPT

	/* default: none, next header IPIP */
	{ NEW_FLOW("encapsulation_limit_option_only_when_asked"), .v4 = UDP_OUT(0xb345, 53) },
	{ NEW_FLOW("encapsulation_limit_option_only_when_asked"), .setup = encap_limit_4,
	  .v4 = UDP_OUT(0xb346, 53), .want = want_tunnel_limit4 },

};

/* Over the tunnel MTU (1460) from a raw socket: a DF packet is answered
 * with fragmentation needed, another is dropped and counted.  The flow is
 * made before the size is looked at. */
static void t_oversize(void)
{
	struct v4_spec big = udp_out(0xc361, 53);
	struct pkt in, want, out;

	ce_fresh("oversize_df_answered_with_tunnel_mtu_nondf_dropped_counted");
	big.payload = 1500 - 28; /* 1500 bytes: over the tunnel MTU of 1460 */
	pkt_v4(&in, &big);
	ce_reject(&want, &in, 4, 1460); /* back to the host, next-hop MTU 1460 */
	expect_run(FX_TC_EGRESS, &in, TC_ACT_REDIRECT, MAPCE_R_FRAG_NEEDED_SENT, EV_NEW_FLOW, &want,
		   &out);
	CHECK(frame_csums_ok(&out));
	big.frag = 0;
	big.sport = 0xc362;
	egress(&big, TC_ACT_SHOT, MAPCE_R_DROP_TOO_BIG, EV_NEW_FLOW, NULL, NULL);
	/* 1460 exactly fits */
	big.frag = 0x4000;
	big.payload = 1460 - 28;
	egress_mapped(&big, 0, 0, &out);
	CHECK_EQ(out.len, 14 + 40 + 1460);
	TCASE_END();
}

/* Outer ECN x inner ECN -> inner after decapsulation (RFC 6040 §4.2);
 * -1: dropped. */
static void t_ecn_decap(void)
{
	static const int table[4][4] = {
		{ 0, 1, 2, 3 },
		{ 0, 1, 1, 3 },
		{ 0, 1, 2, 3 },
		{ -1, 3, 3, 3 },
	};
	struct v4_spec s = udp_out(0xa344, 53), r;
	struct pkt in, want;

	ce_fresh("ecn_decapsulation_follows_rfc6040");
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	for (int outer = 0; outer < 4; outer++) {
		for (int inner = 0; inner < 4; inner++) {
			uint8_t tclass = (uint8_t)(0x28 | outer); /* DSCP AF11 + ECN */
			int ok;

			r = reply_of(&s, 0xa344);
			r.tos = (uint8_t)(0x28 | inner);
			ce_frame_from(&in, BR6, &r);
			in.b[14] = (uint8_t)(0x60 | tclass >> 4);
			in.b[15] = (uint8_t)((in.b[15] & 0x0f) | (tclass & 0xf) << 4);
			if (table[outer][inner] < 0) {
				ok = expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_ECN_CE_NOT_ECT,
						0, NULL, NULL);
			} else {
				r.tos = (uint8_t)(0x28 | table[outer][inner]);
				ce_decapped(&want, &r, LAN_HOST, 0xa344);
				ok = expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want,
						NULL);
			}
			if (!ok)
				printf("#   outer %d inner %d wrong\n", outer, inner);
		}
	}
	TCASE_END();
}

int main(void)
{
	ce_run_rows(ROWS(tunnel_rows));
	t_ecn_decap();
	t_oversize();
	return fx_finish();
}
