// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_port_hint.c - the port set's occupancy hint (mapce_port_hint,
 * bpf/ce/port_hint.h) under BPF_PROG_TEST_RUN: new flows find free ports
 * through it, and nothing depends on it being right: ports freed behind
 * its back are still handed out, claims it does not know of are never
 * handed out twice, the whole set is used once and exhaustion counted,
 * parity kept; the sweep and the loader's rebuild keep it in step.
 *
 * The lab CE's set: 240 ports (a = 4, k = 8), one UDP remote for every
 * flow so that a full set cannot overlap (drop_no_ports).
 */
#include <time.h>
#include "harness.h"
#include "bpf/ce.h"
#include "ce/port_hint_sync.h"

#define SET 240 /* ports of the lab set */

static int hint_fd(void)
{
	return bpf_map__fd(fx.ce->maps.mapce_port_hint);
}

/* The hint's map key of outside port (host order) for proto; *mask its
 * bit in that word. */
static __u32 hint_key(uint16_t port, __u8 proto, __u64 *mask)
{
	__u32 idx = mapce_port_index(fx.cfg.psid_offset, fx.cfg.psid_len, port);

	*mask = 1ULL << (idx % 64);
	return mapce_port_hint_slot(proto) * MAPCE_PORT_HINT_WORDS + idx / 64;
}

/* The hint's bit of outside port (host order) for proto: 0, 1, or -1
 * when it cannot be read. */
static int hint_bit(uint16_t port, __u8 proto)
{
	__u64 mask, w;
	__u32 key = hint_key(port, proto, &mask);

	if (bpf_map_lookup_elem(hint_fd(), &key, &w))
		return -1;
	return !!(w & mask);
}

/* Bits set in proto's words of the hint. */
static int hint_count(__u8 proto)
{
	int n = 0;

	for (__u32 i = 0; i < MAPCE_PORT_HINT_WORDS; i++) {
		__u32 key = mapce_port_hint_slot(proto) * MAPCE_PORT_HINT_WORDS + i;
		__u64 w = 0;

		bpf_map_lookup_elem(hint_fd(), &key, &w);
		n += __builtin_popcountll(w);
	}
	return n;
}

static void hint_zero(void)
{
	__u64 zero = 0;

	for (__u32 key = 0; key < MAPCE_PORT_HINT_KEYS; key++)
		bpf_map_update_elem(hint_fd(), &key, &zero, BPF_ANY);
}

static __be32 n32(uint32_t v)
{
	return htonl(v);
}

/* Free what UDP flow s made on outside port from userspace, as a flush
 * or a prune would; the hint is not told. */
static void free_behind(const struct v4_spec *s, uint16_t port)
{
	CHECK(ce_udp_flow_forget(s, port) == 0, "port %u had no claim", port);
}

/* n new UDP flows to the one remote, from inside ports base.., through
 * the datapath; their outside ports into ports[] (when not NULL).
 * Returns how many distinct ports they got. */
static int fill(int n, uint16_t base, uint16_t *ports)
{
	static unsigned char seen[65536];
	int distinct = 0;

	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < n; i++) {
		struct v4_spec s = udp_out((uint16_t)(base + i), 53);
		uint16_t p = egress_mapped(&s, EV_NEW_FLOW, 0, NULL);

		if (ports)
			ports[i] = p;
		distinct += !seen[p]++;
	}
	return distinct;
}

/* The set is full: one more inside endpoint to the same remote is
 * refused, drop_no_ports counted (expect_run checks the reason). */
static void full_now(uint16_t sport)
{
	struct v4_spec s = udp_out(sport, 53);
	struct pkt in, want;

	s.src = IP4(192, 0, 2, 12);
	pkt_v4(&in, &s);
	ce_reject(&want, &in, 13, 0);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_REDIRECT, MAPCE_R_DROP_NO_PORTS, EV(REJECT_SENT),
		   &want, NULL);
}

static void t_whole_set(void)
{
	uint16_t ports[SET];
	int unmarked = 0;

	ce_fresh("every_port_handed_out_once_then_drop_no_ports");
	CHECK_EQ(fill(SET, 20000, ports), SET);
	for (int i = 0; i < SET; i++)
		unmarked += hint_bit(ports[i], 17) != 1;
	CHECK_EQ(unmarked, 0);
	CHECK_EQ(hint_count(17), SET);
	CHECK_EQ(hint_count(6), 0);
	full_now(31000);
	TCASE_END();
}

static void t_freed_behind(void)
{
	static const int pick[] = { 0, 57, 119, 180, 239 };
	uint16_t ports[SET], got[5];
	int stale = 0, match = 0;

	ce_fresh("ports_freed_behind_the_hints_back_still_handed_out");
	CHECK_EQ(fill(SET, 20000, ports), SET);
	for (int j = 0; j < 5; j++) {
		struct v4_spec s = udp_out((uint16_t)(20000 + pick[j]), 53);

		free_behind(&s, ports[pick[j]]);
		stale += hint_bit(ports[pick[j]], 17) == 1;
	}
	CHECK_EQ(stale, 5); /* the hint still says claimed: only the walk finds them */
	for (int j = 0; j < 5; j++) {
		struct v4_spec s = udp_out((uint16_t)(31000 + j), 53);

		s.src = IP4(192, 0, 2, 11);
		got[j] = egress_mapped(&s, EV_NEW_FLOW, 0, NULL);
	}
	for (int j = 0; j < 5; j++)
		for (int k = 0; k < 5; k++)
			match += got[j] == ports[pick[k]];
	CHECK_EQ(match, 5);
	CHECK(got[0] != got[1] && got[1] != got[2] && got[2] != got[3] && got[3] != got[4] &&
		      got[0] != got[2] && got[0] != got[3] && got[0] != got[4] &&
		      got[1] != got[3] && got[1] != got[4] && got[2] != got[4],
	      "a freed port given twice");
	full_now(31010);
	TCASE_END();
}

static void t_hint_blind(void)
{
	uint16_t ports[SET];
	static unsigned char first[65536];
	int reused = 0;

	ce_fresh("claims_the_hint_does_not_know_never_handed_out_twice");
	memset(first, 0, sizeof(first));
	CHECK_EQ(fill(200, 20000, ports), 200);
	for (int i = 0; i < 200; i++)
		first[ports[i]] = 1;
	hint_zero(); /* says every port is free */
	CHECK_EQ(fill(SET - 200, 21000, ports), SET - 200);
	for (int i = 0; i < SET - 200; i++)
		reused += first[ports[i]];
	CHECK_EQ(reused, 0);
	full_now(31000);
	CHECK_EQ(hint_count(17), SET); /* failed claims taught it */
	TCASE_END();
}

static void t_parity(void)
{
	int odd = 0;
	struct v4_spec s;

	ce_fresh("parity_kept_until_one_parity_is_used_up");
	/* even inside ports: the set's 120 even ports */
	for (int i = 0; i < SET / 2; i++) {
		s = udp_out((uint16_t)(40000 + 2 * i), 53);
		odd += egress_mapped(&s, EV_NEW_FLOW, 0, NULL) & 1;
	}
	CHECK_EQ(odd, 0);
	/* an odd one still gets an odd port; an even one now gets one too */
	s = udp_out(41001, 53);
	CHECK_EQ(egress_mapped(&s, EV_NEW_FLOW, 0, NULL) & 1, 1);
	s = udp_out(41002, 53);
	CHECK_EQ(egress_mapped(&s, EV_NEW_FLOW, 0, NULL) & 1, 1);
	TCASE_END();
}

static void nap(long ms)
{
	struct timespec ts = { 0, ms * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static void t_sweep_clears(void)
{
	struct v4_spec s = udp_out(0x6346, 53);
	uint16_t port;
	int waited;

	ce_fresh("the_sweep_clears_the_bit_of_a_port_it_frees");
	fx.cfg.timeout_udp = 1;
	fx.cfg.gc_interval_ms = 200;
	fx_config();
	port = egress_mapped(&s, EV_NEW_FLOW, 0, NULL);
	CHECK_EQ(hint_bit(port, 17), 1);
	for (waited = 0; waited < 50 && fx_map_count(fx.ce->maps.mapce_ports) != 0; waited++)
		nap(100);
	CHECK(waited < 50, "claim of port %u still there after 5 s", port);
	CHECK_EQ(hint_bit(port, 17), 0);
	TCASE_END();
}

/* Set (1) or clear (0) the bit of outside port (host order) for proto
 * from userspace, as a lost race would leave it. */
static void hint_put(uint16_t port, __u8 proto, int on)
{
	__u64 mask, w = 0;
	__u32 key = hint_key(port, proto, &mask);

	CHECK_EQ(bpf_map_lookup_elem(hint_fd(), &key, &w), 0);
	w = on ? w | mask : w & ~mask;
	CHECK_EQ(bpf_map_update_elem(hint_fd(), &key, &w, BPF_ANY), 0);
}

/* XDP ingress trusts a clear bit: a port without a claim is a miss with
 * no claim lookup, so a bit lost to a userspace race refuses new inbound
 * flows to a claimed port, until the sweep, which sets the bit of every
 * claim it keeps.  Established flows never ask. */
static void t_sweep_heals(void)
{
	struct v4_spec s = udp_out(0x6347, 53), r;
	uint16_t port;
	int waited;

	ce_fresh("a_lost_bit_refuses_new_inbound_flows_until_the_sweep_sets_it");
	fx.cfg.filtering = MAPCE_FILTER_EIF;
	fx.cfg.gc_interval_ms = 200;
	fx_config();
	port = egress_mapped(&s, EV_NEW_FLOW, 0, NULL);
	CHECK_EQ(hint_bit(port, 17), 1);
	hint_put(port, 17, 0);
	/* the flow itself: found before the hint is asked */
	r = reply_of(&s, port);
	ingress_to(&r, LAN_HOST, s.sport, 0, NULL);
	/* a new remote to the mapping: refused while the bit is clear */
	r.src = IP4(203, 0, 113, 99);
	r.sport = 7777;
	ingress(&r, XDP_DROP, MAPCE_R_DROP_NO_FLOW, 0, NULL, NULL);
	for (waited = 0; waited < 50 && hint_bit(port, 17) != 1; waited++)
		nap(100);
	CHECK(waited < 50, "the bit of claimed port %u still clear after 5 s of sweeps", port);
	ingress_to(&r, LAN_HOST, s.sport, EV_INBOUND_FLOW, NULL);
	/* a port of the set nobody claimed: still a miss */
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_ports), 1);
	r.dport = port ^ 1;
	ingress(&r, XDP_DROP, MAPCE_R_DROP_NO_FLOW, 0, NULL, NULL);
	TCASE_END();
}

static void t_rebuild(void)
{
	struct mapce_endpoint fwd = { .ip = n32(CE_V4), .port = htons(0x1341), .proto = 6 };
	struct mapce_binding owner = { .ip = n32(LAN_HOST), .port = htons(80) };
	uint16_t ports[20];

	ce_fresh("the_loaders_rebuild_matches_the_claims");
	fill(20, 20000, ports);
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(fx.ce->maps.mapce_ports), &fwd, &owner,
				     BPF_NOEXIST),
		 0);
	hint_zero();
	CHECK_EQ(port_hint_rebuild(hint_fd(), bpf_map__fd(fx.ce->maps.mapce_ports), &fx.cfg), 0);
	CHECK_EQ(hint_count(17), 20);
	CHECK_EQ(hint_count(6), 1);
	CHECK_EQ(hint_bit(0x1341, 6), 1);
	CHECK_EQ(hint_bit(ports[7], 17), 1);
	/* one port marked free, then claimed again */
	CHECK_EQ(port_hint_mark(hint_fd(), &fx.cfg, &fwd, false), 0);
	CHECK_EQ(hint_bit(0x1341, 6), 0);
	CHECK_EQ(port_hint_mark(hint_fd(), &fx.cfg, &fwd, true), 0);
	CHECK_EQ(hint_bit(0x1341, 6), 1);
	/* not a port of the set: nothing to mark */
	fwd.port = htons(0x2350);
	CHECK_EQ(port_hint_mark(hint_fd(), &fx.cfg, &fwd, true), 0);
	CHECK_EQ(hint_count(6), 1);
	TCASE_END();
}

int main(void)
{
	t_whole_set();
	t_freed_behind();
	t_hint_blind();
	t_parity();
	t_sweep_clears();
	t_sweep_heals();
	t_rebuild();
	return fx_finish();
}
