// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_hairpin_lan.c - ipip6 hairpinning under BPF_PROG_TEST_RUN: the
 * LAN hook (mapce_tc_lan, bpf/ce/hairpin_lan.h) picks what a LAN host
 * sends to a mapping or forward on the fixed address, translates it both
 * ways with TC egress's stages and sends it to the LAN (egress_hairpin_lan),
 * or drops it when the kernel routes the target elsewhere; the rest it
 * leaves to the box, uncounted.
 *
 * The test runs in a network namespace of its own (unshare: gone with the
 * process) holding the CE's two devices (bpf/fastpath_net.h): the FIB
 * lookup of the hairpin needs lan0's route.  Frames come in on lan0.
 */
#include <sched.h>
#include "harness.h"
#include "bpf/ce_modes.h"
#include "bpf/fastpath_net.h"

#define NO_REASON MAPCE_R__MAX	       /* what the hook leaves alone is not counted */
#define OFF_LAN_V4 IP4(203, 0, 113, 9) /* a forward target routed out of the WAN */

/* A fresh ipip6 CE on wan0 (the fast path off). */
static void hp_case(const char *name)
{
	ce_fresh(name);
	mode_ipip6();
	CHECK(fp_net_on(0) == 0, "configuring wan0");
}

/* s through the LAN hook of lan0: left to the box (no counter moves, the
 * frame unchanged). */
static void left_alone(const struct v4_spec *s)
{
	struct __sk_buff ctx = { .ingress_ifindex = lan_ifindex, .ifindex = lan_ifindex };
	struct pkt in;

	pkt_v4(&in, s);
	expect_run_ctx(FX_TC_LAN, &in, &ctx, TC_ACT_OK, NO_REASON, 0, NULL, NULL);
}

/* s through the LAN hook of lan0, taken: verdict, reason, events; the
 * output compared with want when given. */
static void hairpin(const struct v4_spec *s, int verdict, __u32 reason, __u64 events,
		    const struct pkt *want)
{
	struct __sk_buff ctx = { .ingress_ifindex = lan_ifindex, .ifindex = lan_ifindex };
	struct pkt in;

	pkt_v4(&in, s);
	expect_run_ctx(FX_TC_LAN, &in, &ctx, verdict, reason, events, want, NULL);
}

/*
 * The first packet of a hairpin: the sender's flow and mapping, and the
 * target's side opened as from outside - two flows in one packet, which
 * one event bit cannot count: their number is checked in mapce_flow_out
 * instead.
 */
static void hairpin_first(const struct v4_spec *s, int verdict, __u32 reason,
			  const struct pkt *want)
{
	int flows = fx_map_count(fx.ce->maps.mapce_flow_out);

	fx.async_events |= EV(FLOW_CREATED);
	hairpin(s, verdict, reason, EV(BINDING_CREATED) | EV(INBOUND_FLOW), want);
	fx.async_events &= ~EV(FLOW_CREATED);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_flow_out), flows + 2);
}

/* The hairpinned frame of s: from the fixed address's sport to ip:dport,
 * one hop less, nothing else changed (bpf_redirect_neigh() writes the
 * MACs later). */
static void hairpinned(struct pkt *want, const struct v4_spec *s, uint16_t sport, uint32_t ip,
		       uint16_t dport)
{
	struct v4_spec t = *s;

	t.src = FIXED_V4;
	t.sport = sport;
	t.dst = ip;
	t.dport = dport;
	t.ttl--; /* forwarded LAN to LAN */
	pkt_v4(want, &t);
}

static void t_forward_both_ways(void)
{
	struct v4_spec syn = TCP_SYN_OUT(40000, 80, .dst = FIXED_V4);
	struct v4_spec ack = TCP_SYNACK_IN(80, 40000, .src = LAN_HOST2, .dst = FIXED_V4);
	struct pkt want;

	hp_case("hairpin_lan_forward_reached_from_the_lan_both_ways");
	ipip6_forward(6, 80, LAN_HOST2, 80);
	/* the sender's port kept (free), the server sees the fixed address */
	hairpinned(&want, &syn, 40000, LAN_HOST2, 80);
	hairpin_first(&syn, TC_ACT_REDIRECT, MAPCE_R_HAIRPIN, &want);
	/* the answer, to the sender's mapping on the fixed address */
	hairpinned(&want, &ack, 80, LAN_HOST, 40000);
	hairpin(&ack, TC_ACT_REDIRECT, MAPCE_R_HAIRPIN, 0, &want);
	TCASE_END();

	hp_case("hairpin_lan_udp_to_a_resolved_neighbour");
	{
		struct v4_spec u = UDP_OUT(41000, 5353, .src = LAN_HOST2, .dst = FIXED_V4);

		ipip6_forward(17, 5353, LAN_HOST, 53);
		hairpinned(&want, &u, 41000, LAN_HOST, 53);
		hairpin_first(&u, TC_ACT_REDIRECT, MAPCE_R_HAIRPIN, &want);
	}
	TCASE_END();

	hp_case("hairpin_lan_bigger_than_the_tunnel_is_no_frag_needed");
	{
		/* 1500 bytes with DF: never through the tunnel (MTU 1460) */
		struct v4_spec u =
			UDP_OUT(41001, 5353, .src = LAN_HOST2, .dst = FIXED_V4, .payload = 1472);

		ipip6_forward(17, 5353, LAN_HOST, 53);
		hairpinned(&want, &u, 41001, LAN_HOST, 53);
		hairpin_first(&u, TC_ACT_REDIRECT, MAPCE_R_HAIRPIN, &want);
	}
	TCASE_END();
}

static void t_left_to_the_box(void)
{
	struct v4_spec ssh = TCP_SYN_OUT(40001, 22, .dst = FIXED_V4);
	struct v4_spec dns = UDP_OUT(40002, 53, .dst = FIXED_V4);
	struct v4_spec ping = { .src = LAN_HOST,
				.dst = FIXED_V4,
				.proto = 1,
				.icmp_type = 8,
				.sport = 7,
				.payload = 32,
				.ttl = 64 };
	struct v4_spec frag = TCP_SYN_OUT(40003, 80, .dst = FIXED_V4, .frag = 0x2000);
	struct v4_spec other = TCP_SYN_OUT(40004, 80);
	struct v4_spec last_hop = TCP_SYN_OUT(40006, 80, .dst = FIXED_V4, .ttl = 1);

	hp_case("hairpin_lan_leaves_the_box_its_own");
	ipip6_forward(6, 80, LAN_HOST2, 80);
	left_alone(&ssh);      /* no mapping, no forward: the box's sshd */
	left_alone(&dns);      /* the same for UDP */
	left_alone(&ping);     /* the box answers pings itself */
	left_alone(&frag);     /* fragments: the kernel's */
	left_alone(&other);    /* not to the fixed address at all */
	left_alone(&last_hop); /* TTL 1: the kernel answers it */
	TCASE_END();

	ce_fresh("hairpin_lan_only_in_ipip6");
	CHECK(fp_net_on(0) == 0, "configuring wan0");
	{
		/* MAP-E: its public address is routed out of the WAN, where
		 * TC egress hairpins; a mapping there is no reason to act */
		struct v4_spec m = UDP_OUT(40005, 0x1345, .dst = CE_V4);
		struct mapce_endpoint out = { .ip = htonl(CE_V4),
					      .port = htons(0x1345),
					      .proto = 17 };
		struct mapce_binding owner = { .ip = htonl(LAN_HOST2), .port = htons(53) };

		CHECK(ce_claim(&out, &owner, BPF_ANY) == 0);
		left_alone(&m);
	}
	TCASE_END();
}

static void t_no_lan_route(void)
{
	struct v4_spec syn = TCP_SYN_OUT(40010, 8080, .dst = FIXED_V4);

	hp_case("hairpin_lan_target_not_on_a_lan_dropped_and_counted");
	ipip6_forward(6, 8080, OFF_LAN_V4, 80);
	/* the kernel routes the target out of the WAN: not hairpinned */
	hairpin_first(&syn, TC_ACT_SHOT, MAPCE_R_DROP_HAIRPIN_NO_ROUTE, FRAME_LATER);
	TCASE_END();
}

static void t_filtering(void)
{
	struct v4_spec a = UDP_OUT(42000, 53);
	struct v4_spec b = UDP_OUT(42001, 42000, .src = LAN_HOST2, .dst = FIXED_V4);

	hp_case("hairpin_lan_meets_the_filtering_outside_traffic_meets");
	/* A's mapping (42000) has only talked to SERVER: under ADF a LAN
	 * host may not reach it by hairpin either */
	{
		struct pkt in;

		pkt_v4(&in, &a);
		expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, EV_NEW_FLOW, FRAME_LATER,
			   NULL);
	}
	hairpin(&b, TC_ACT_SHOT, MAPCE_R_DROP_FILTERED, EV_NEW_FLOW, FRAME_LATER);
	TCASE_END();
}

int main(void)
{
	if (unshare(CLONE_NEWNET) || fp_net_setup()) {
		TSKIP("hairpin_lan", "no network namespace of its own (unshare and ip need root)");
		return t_exit();
	}
	t_forward_both_ways();
	t_left_to_the_box();
	t_no_lan_route();
	t_filtering();
	return t_exit();
}
