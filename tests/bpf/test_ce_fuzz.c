// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_fuzz.c - bad input never leaks, never corrupts.
 *
 * Thousands of valid, mutated and random frames go through the real CE
 * programs (a fixed seed: every run is the same run).  Whatever comes in,
 * these must hold for what comes out:
 *   egress  - no IPv4 leaves the WAN unencapsulated (TC_ACT_OK with an IPv4
 *             frame is a leak); an encapsulated packet comes from our MAP
 *             address, carries our public IPv4 as source and, when it has
 *             ports, a source port (or echo id) inside our set; when the
 *             packet came in valid, its IPv4 and transport checksums are
 *             still valid (a translation must not break them, and cannot
 *             mend a packet that arrived broken);
 *   ingress - what XDP passes up as IPv4 is addressed to an inside host
 *             (never to our public address), valid if it came in valid;
 *   both    - the verdict is one the program may return, and the reason
 *             counters account for every packet exactly once.
 */
#include "harness.h"
#include "bpf/ce.h"
#include "bpf/fuzz.h"

#define ROUNDS 6000

/* A plausible packet: TCP/UDP/ICMP between LAN hosts and servers. */
static void random_spec(struct v4_spec *s, int inbound)
{
	static const uint8_t protos[] = { 6, 17, 1, 47 };

	memset(s, 0, sizeof(*s));
	s->proto = protos[rnd() % 4];
	s->sport = (uint16_t)rnd();
	s->dport = (uint16_t)(rnd() % 3 ? 53 + rnd() % 4 : rnd());
	s->icmp_type = (uint8_t)(rnd() % 3 ? 8 : rnd() % 16);
	s->tcp_flags = (uint8_t)rnd();
	s->ttl = 64;
	s->frag = rnd() % 5 ? 0x4000 : (uint16_t)(rnd() % 4 ? 0x2000 : rnd() & 0x3fff);
	s->payload = (uint16_t)(rnd() % 300);
	s->udp_zero_csum = rnd() % 7 == 0;
	s->ihl_words = rnd() % 9 == 0 ? 6 : 0;
	if (inbound) {
		s->src = SERVER + rnd() % 4;
		s->dst = rnd() % 6 ? CE_V4 : rnd();
		if (rnd() % 2)
			s->dport = mapce_port_at(4, 8, CE_PSID, rnd() % 240);
	} else {
		s->src = LAN_HOST + rnd() % 3;
		s->dst = rnd() % 8 ? SERVER + rnd() % 4 : CE_V4;
	}
}

/* Flip, truncate or extend a frame. */
static void mutate(struct pkt *p)
{
	int n = (int)(rnd() % 4);

	for (int i = 0; i < n && p->len; i++) {
		switch (rnd() % 4) {
		case 0:
			p->b[rnd() % p->len] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			p->b[rnd() % p->len] = (uint8_t)rnd();
			break;
		case 2:
			p->len = 14 + rnd() % (p->len > 14 ? p->len - 13 : 1);
			break;
		default:
			if (p->len + 8 < 1400)
				p->len += rnd() % 8;
			break;
		}
	}
	if (p->len < 14)
		p->len = 14;
}

static void check_egress(const struct pkt *in, const struct pkt *out, int verdict)
{
	int in_valid =
		in->len > 14 && get16(in->b + 12) == 0x0800 && v4_valid(in->b + 14, in->len - 14);
	uint8_t map6[16];
	const uint8_t *ip;
	size_t hl;

	if (verdict == TC_ACT_SHOT || verdict == TC_ACT_REDIRECT /* back in: hairpin, reject */)
		return;
	if (verdict != TC_ACT_OK) {
		fuzz_fail("egress: unexpected verdict", in, out);
		return;
	}
	if (out->len < 14 || get16(out->b + 12) == 0x0800) {
		fuzz_fail("egress: IPv4 left unencapsulated", in, out);
		return;
	}
	if (get16(out->b + 12) != 0x86dd || get16(in->b + 12) == 0x86dd)
		return; /* not IPv4 in: passed as it was */
	ip6(CE_MAP6, map6);
	if (out->len < 54 + 20 || memcmp(out->b + 22, map6, 16) != 0) {
		fuzz_fail("egress: encapsulated, but not from our MAP address", in, out);
		return;
	}
	ip = out->b + 54;
	if (out->b[20] == 60)
		ip += 8; /* encapsulation-limit option */
	if (get32(ip + 12) != CE_V4) {
		fuzz_fail("egress: inner source is not our public address", in, out);
		return;
	}
	if (in_valid && !v4_valid(ip, out->len - (size_t)(ip - out->b))) {
		fuzz_fail("egress: a valid packet left invalid", in, out);
		return;
	}
	hl = (ip[0] & 0xf) * 4;
	if (get16(ip + 6) & 0x1fff)
		return; /* later fragment: no ports */
	if ((ip[9] == 6 || ip[9] == 17) && !in_set(get16(ip + hl)))
		fuzz_fail("egress: source port outside the set", in, out);
	if (ip[9] == 1 && ip[hl] == 8 && !in_set(get16(ip + hl + 4)))
		fuzz_fail("egress: echo id outside the set", in, out);
}

static void check_ingress(const struct pkt *in, const struct pkt *out, int verdict)
{
	if (verdict == XDP_DROP)
		return;
	if (verdict != XDP_PASS) {
		fuzz_fail("ingress: unexpected verdict", in, out);
		return;
	}
	if (out->len < 14 || get16(out->b + 12) != 0x0800 || get16(in->b + 12) == 0x0800)
		return; /* passed as it was */
	if (out->len < 34 || get32(out->b + 30) == CE_V4) {
		fuzz_fail("ingress: passed up still addressed to our public address", in, out);
		return;
	}
	if (in->len > 54 && v4_valid(in->b + 54, in->len - 54) &&
	    !v4_valid(out->b + 14, out->len - 14))
		fuzz_fail("ingress: a valid packet passed up invalid", in, out);
}

int main(void)
{
	struct pkt in, out;
	uint8_t br6[16], map6[16];
	__u64 runs = 0, before;

	fuzz_seed = 0x4d415045; /* "MAPE" */
	TCASE_BEGIN("fuzz_egress_never_leaks_or_corrupts");
	if (fx_open_ce(0)) {
		CHECK(0, "CE object failed to load");
		return t_exit();
	}
	fx.cfg.flags |= MAPCE_CFG_F_MESH;
	fx.cfg.mss_clamp = 1420;
	fx_config();
	before = fx_packets_counted();
	for (int i = 0; i < ROUNDS; i++) {
		struct v4_spec s;
		int v;

		random_spec(&s, 0);
		pkt_v4(&in, &s);
		if (rnd() % 3 == 0)
			mutate(&in);
		if (rnd() % 50 == 0)
			put16(in.b + 12, (uint16_t)rnd()); /* not IPv4 at all */
		v = fuzz_run(FX_TC_EGRESS, &in, &out, &runs);
		if (v < 0)
			continue; /* test_run refused the frame (too short for an skb) */
		check_egress(&in, &out, v);
	}
	CHECK(fuzz_failures == 0, "%d invariant violations", fuzz_failures);
	CHECK_EQ(fx_packets_counted() - before, runs);
	CHECK(runs > ROUNDS / 2, "only %llu frames ran", (unsigned long long)runs);
	TCASE_END();

	TCASE_BEGIN("fuzz_ingress_never_leaks_or_corrupts");
	fuzz_failures = 0;
	runs = 0;
	ip6(BR6, br6);
	ip6(CE_MAP6, map6);
	before = fx_packets_counted();
	for (int i = 0; i < ROUNDS; i++) {
		struct v4_spec s;
		int v;

		/* replies to flows the egress rounds opened, and strangers */
		random_spec(&s, 1);
		pkt_v6v4(&in, rnd() % 10 ? br6 : map6, map6, &s);
		if (rnd() % 3 == 0)
			mutate(&in);
		v = fuzz_run(FX_XDP, &in, &out, &runs);
		if (v < 0)
			continue;
		check_ingress(&in, &out, v);
	}
	CHECK(fuzz_failures == 0, "%d invariant violations", fuzz_failures);
	CHECK_EQ(fx_packets_counted() - before, runs);
	TCASE_END();

	return fx_finish();
}
