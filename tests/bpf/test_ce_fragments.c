// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_fragments.c - fragments through the CE under BPF_PROG_TEST_RUN:
 * IPv4 fragments both ways follow their first fragment (outbound with an
 * id unique on the public address), fragments before their first are held
 * by the TC slow path until it comes, outer IPv6 fragments of tunnel
 * packets are reassembled out of order, bad or foreign ones are not ours;
 * outbound ids taken on two CPUs never meet.
 *
 * Every packet through expect_run (tests/bpf/fixture.h).
 */
#include <sched.h>
#include "harness.h"
#include "bpf/ce.h"

/* The frame the CE emits for a later fragment in (no ports): only the
 * source address changes, and the id to id (its first's). */
static void later_fragment_out(struct pkt *want, const struct pkt *in, uint16_t id)
{
	frame_v6(want, a6(CE_MAP6), a6(BR6), in->b + 14, in->len - 14);
	patch_v4_hdr(want->b + 54, CE_V4, SERVER, id);
}

/* The frame the CE passes up for a later fragment in from the BR. */
static void later_fragment_in(struct pkt *want, const struct pkt *in, uint16_t id)
{
	frame_v4(want, in->b + 54, in->len - 54);
	patch_v4_hdr(want->b + 14, SERVER, LAN_HOST, id);
}

static void t_fragments(void)
{
	struct v4_spec first = udp_out(0xd341, 53), later, other, r, rl;
	struct pkt in, out, want;
	uint16_t id1, id2, port;

	ce_fresh("outbound_fragments_follow_the_first_with_unique_ids");
	first.frag = 0x2000; /* MF, offset 0 */
	first.ip_id = 0x1111;
	first.payload = 200;
	pkt_v4(&in, &first);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, EV_NEW_FLOW, FRAME_LATER, &out);
	id1 = get16(out.b + 54 + 4);
	later = first;
	later.ip_id = id1;
	ce_encapped(&want, &later, 0xd341);
	CHECK(expect_frame(&out, &want), "first fragment differs");
	later = first;
	later.frag = 26; /* offset 208 bytes, last fragment */
	later.payload = 100;
	pkt_v4(&in, &later);
	later_fragment_out(&want, &in, id1);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	/* another LAN host reusing id 0x1111: another id on the wire */
	other = first;
	other.src = IP4(192, 0, 2, 11);
	pkt_v4(&in, &other);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, EV_NEW_FLOW, FRAME_LATER, &out);
	id2 = get16(out.b + 54 + 4);
	port = encap_sport(&out);
	CHECK(id2 != id1, "two datagrams share id %u on the public address", id1);
	CHECK(in_set(port));
	other.ip_id = id2;
	ce_encapped(&want, &other, port);
	expect_frame(&out, &want);
	TCASE_END();

	/* (the same CE, the flow above still open) */
	TCASE_BEGIN("inbound_fragments_follow_the_first_or_are_counted");
	r = reply_of(&first, 0xd341);
	r.frag = 0x2000;
	r.ip_id = 0x2222;
	ingress_to(&r, LAN_HOST, 0xd341, 0, NULL);
	rl = r;
	rl.frag = 26;
	ce_frame_from(&in, BR6, &rl);
	later_fragment_in(&want, &in, 0x2222);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, 0, &want, NULL);
	/* a later fragment whose first has not come: up to the slow path */
	patch_v4_hdr(in.b + 54, SERVER, CE_V4, 0x3333);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_FRAG_TO_SLOW_PATH, 0, NULL, NULL);
	TCASE_END();

	ce_fresh("fragments_before_their_first_are_not_lost");
	first = udp_out(0xd342, 53);
	egress_mapped(&first, EV_NEW_FLOW, 1, NULL);
	{
		struct pkt whole, f1, f2;

		r = reply_of(&first, 0xd342);
		r.frag = 0;
		r.ip_id = 0x4444;
		r.payload = 2000;
		ce_frame_from(&whole, BR6, &r);
		/* cut the IPv4 datagram in two (1200 payload bytes first), each
		 * in its own tunnel packet */
		ce_inner_fragments(&whole, 1200, 0x4444, &f1, &f2);

		/* the last fragment first: XDP passes it up, TC holds it */
		expect_run(FX_XDP, &f2, XDP_PASS, MAPCE_R_FRAG_TO_SLOW_PATH, 0, NULL, NULL);
		expect_run(FX_TC_INGRESS, &f2, TC_ACT_SHOT, MAPCE_R_REASM_HELD, 0, NULL, NULL);
		/* then the first: XDP sends it after the other */
		expect_run(FX_XDP, &f1, XDP_PASS, MAPCE_R_FRAG_TO_SLOW_PATH, 0, NULL, NULL);
		/* the whole datagram, translated, checksums right */
		ce_decapped(&want, &r, LAN_HOST, 0xd342);
		expect_run(FX_TC_INGRESS, &f1, TC_ACT_OK, MAPCE_R_DECAP, 0, &want, &out);
		CHECK(v4_hdr_csum_ok(out.b + 14) && v4_l4_csum_ok(out.b + 14, 0));
	}
	TCASE_END();
}

static void t_outer_reassembly(void)
{
	struct v4_spec s = udp_out(0x5346, 53), r;
	struct pkt whole, f1, f2, out, want;
	size_t plen;

	ce_fresh("outer_ipv6_fragments_reassembled_out_of_order");
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&s, 0x5346);
	r.payload = 2000;
	ce_frame_from(&whole, BR6, &r);
	plen = whole.len - 54;
	frame_v6_fragment(&whole, 0, 1232, 1, 0xabcd, &f1);
	frame_v6_fragment(&whole, 1232, (uint16_t)(plen - 1232), 0, 0xabcd, &f2);
	/* XDP leaves outer fragments to the slow path */
	expect_run(FX_XDP, &f2, XDP_PASS, MAPCE_R_PASS_NATIVE, 0, NULL, NULL);
	expect_run(FX_TC_INGRESS, &f2, TC_ACT_SHOT, MAPCE_R_REASM_HELD, 0, NULL, NULL);
	ce_decapped(&want, &r, LAN_HOST, 0x5346);
	expect_run(FX_TC_INGRESS, &f1, TC_ACT_OK, MAPCE_R_DECAP, 0, &want, &out);
	CHECK(v4_l4_csum_ok(out.b + 14, 0));
	TCASE_END();

	/* (the same CE) */
	TCASE_BEGIN("outer_fragments_bad_or_foreign");
	/* a middle fragment whose length is not a multiple of 8 */
	frame_v6_fragment(&whole, 0, 1230, 1, 0xabce, &f1);
	expect_run(FX_TC_INGRESS, &f1, TC_ACT_SHOT, MAPCE_R_DROP_REASM_INVALID, 0, NULL, NULL);
	/* fragments of other IPv6 traffic, and whole packets: not ours */
	frame_v6_fragment(&whole, 0, 1232, 1, 0xabcf, &f1);
	f1.b[54] = 17;
	expect_run(FX_TC_INGRESS, &f1, TC_ACT_OK, NO_REASON, 0, NULL, NULL);
	TCASE_END();
}

/* Pin this thread (and the test runs it makes) to CPU cpu. */
static int run_on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The ids of packets that may be fragmented (no DF) come from one
 * sequence that each CPU takes in blocks (bpf/ce/frag.h): packets of one
 * flow sent on two CPUs by turns, in runs that end inside a block and
 * take new ones, never leave with an id the other CPU gave. */
static void t_ids_across_cpus(void)
{
	enum { TURNS = 8, PER_TURN = 50 }; /* 400 ids: blocks of 64 cut across */
	static uint8_t seen[65536];
	struct v4_spec s = udp_out(0xd343, 53);
	cpu_set_t was;
	struct pkt in, out;
	uint16_t id;
	int dup = 0;

	if (sched_getaffinity(0, sizeof(was), &was) || !CPU_ISSET(0, &was) || !CPU_ISSET(1, &was)) {
		TSKIP("outbound_ids_unique_across_cpus", "needs CPUs 0 and 1");
		return;
	}
	ce_fresh("outbound_ids_unique_across_cpus");
	s.frag = 0; /* DF clear: a fresh id per packet */
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	pkt_v4(&in, &s);
	for (int t = 0; t < TURNS; t++) {
		CHECK(run_on_cpu(t % 2) == 0, "cannot run on CPU %d", t % 2);
		for (int i = 0; i < PER_TURN; i++) {
			expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_ENCAP, 0, FRAME_LATER,
				   &out);
			id = get16(out.b + 54 + 4);
			dup += seen[id];
			seen[id] = 1;
		}
	}
	CHECK(sched_setaffinity(0, sizeof(was), &was) == 0);
	CHECK(dup == 0, "%d of %d ids given twice", dup, TURNS * PER_TURN);
	TCASE_END();
}

int main(void)
{
	t_outer_reassembly();
	t_fragments();
	t_ids_across_cpus();
	return fx_finish();
}
