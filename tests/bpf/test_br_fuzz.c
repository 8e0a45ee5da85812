// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_br_fuzz.c - the BR never lets a spoofer through and never misdelivers.
 *
 * Valid, mutated and random frames (a fixed seed) go through the real BR
 * programs with the v6plus-style rule 2001:db8::/40 -> 198.51.100.0/24,
 * EA 16, offset 4, legacy IID.  For what comes out:
 *   XDP (from CEs) - an IPv4 packet passed up with ports (TCP, UDP, echo
 *       request, not a later fragment) came from the one CE that owns its
 *       source address and port (RFC 7597 §8.1); valid in, valid out;
 *   TC (to CEs)    - IPv4 to a shared address never leaves unencapsulated;
 *       an encapsulated packet with ports goes from the BR to the CE that
 *       owns its destination address and port;
 *   both           - every packet counted exactly once.
 * The owner is computed with include/mapce_rule.h, which tests/unit checks
 * against the public vectors.
 */
#include "harness.h"
#include "bpf/fuzz.h"

#define ROUNDS 6000

static struct mapce_rule bmr;

static int br_open(void)
{
	if (fx_open_br())
		return -1;
	fx_lab_rule(&bmr);
	return fx_br_add_rule(0, &bmr);
}

/* The CE owning (ip, port) under the rule, legacy IID. */
static void owner(uint32_t ip, uint16_t port, uint8_t out[16])
{
	mapce_ce_address_for_port(&bmr, htonl(ip), port, 1, out);
}

/* The port that names the owner CE of ip's source (from) or destination
 * (to), or -1 when the packet has none to go by. */
static int owner_port(const uint8_t *ip, int from)
{
	size_t hl = (ip[0] & 0xf) * 4;
	const uint8_t *l4 = ip + hl;

	if (get16(ip + 6) & 0x1fff)
		return -1; /* later fragment */
	if (ip[9] == 6 || ip[9] == 17)
		return get16(l4 + (from ? 0 : 2));
	if (ip[9] == 1 && l4[0] == (from ? 8 : 0))
		return get16(l4 + 4);
	return -1;
}

static void random_v4(struct v4_spec *s, int from_ce)
{
	static const uint8_t protos[] = { 6, 17, 1, 1, 47 };
	uint32_t ce = IP4(198, 51, 100, 0) + rnd() % 256;

	memset(s, 0, sizeof(*s));
	s->proto = protos[rnd() % 5];
	s->icmp_type = (uint8_t)(rnd() % 4 ? (from_ce ? 8 : 0) : rnd() % 16);
	s->ttl = 64;
	s->payload = (uint16_t)(rnd() % 200);
	s->frag = rnd() % 6 ? 0 : (uint16_t)(rnd() % 2 ? 0x2000 : rnd() & 0x3fff);
	s->tcp_flags = 0x10;
	if (from_ce) {
		s->src = rnd() % 8 ? ce : rnd();
		s->dst = SERVER;
		s->sport = (uint16_t)rnd();
		s->dport = 443;
	} else {
		s->src = SERVER;
		s->dst = rnd() % 8 ? ce : rnd();
		s->sport = 443;
		s->dport = (uint16_t)rnd();
	}
}

static void mutate(struct pkt *p)
{
	for (int i = 0, n = (int)(rnd() % 3); i < n && p->len; i++) {
		if (rnd() % 3)
			p->b[rnd() % p->len] ^= (uint8_t)(1u << (rnd() % 8));
		else
			p->len = 14 + rnd() % (p->len > 14 ? p->len - 13 : 1);
	}
	if (p->len < 14)
		p->len = 14;
}

int main(void)
{
	struct pkt in, out;
	uint8_t br6[16], want[16];
	__u64 before, runs = 0;

	fuzz_seed = 0x42524252; /* "BRBR" */
	ip6(BR6, br6);
	TCASE_BEGIN("br_fuzz_decap_only_from_the_owner_ce");
	if (br_open()) {
		CHECK(0, "BR object failed to load");
		return t_exit();
	}
	before = fx_packets_counted();
	for (int i = 0; i < ROUNDS; i++) {
		struct v4_spec s;
		uint8_t src6[16];
		int v, port;

		random_v4(&s, 1);
		port = s.sport; /* or the echo id: the same field */
		owner(s.src, (uint16_t)port, src6);
		if (rnd() % 4 == 0)
			src6[8 + rnd() % 8] ^= 1; /* a spoofer next door */
		if (rnd() % 8 == 0)
			owner(s.src, (uint16_t)(port ^ 0x10), src6); /* another PSID's CE */
		pkt_v6v4(&in, src6, br6, &s);
		if (rnd() % 3 == 0)
			mutate(&in);
		v = fuzz_run(FX_XDP, &in, &out, &runs);
		if (v < 0)
			continue;
		if (v != XDP_PASS || out.len < 34 || get16(out.b + 12) != 0x0800 ||
		    get16(in.b + 12) != 0x86dd || in.len < 54)
			continue; /* dropped, or passed as it was */
		port = owner_port(out.b + 14, 1);
		if (port >= 0 && (get32(out.b + 14 + 12) >> 8) == (IP4(198, 51, 100, 0) >> 8)) {
			owner(get32(out.b + 14 + 12), (uint16_t)port, want);
			if (memcmp(in.b + 22, want, 16))
				fuzz_fail("decapsulated from a CE that does not own the source",
					  &in, &out);
		}
		if (v4_valid(in.b + 54, in.len - 54) && !v4_valid(out.b + 14, out.len - 14))
			fuzz_fail("a valid packet passed up invalid", &in, &out);
	}
	CHECK(fuzz_failures == 0, "%d violations", fuzz_failures);
	CHECK_EQ(fx_packets_counted() - before, runs);
	TCASE_END();

	TCASE_BEGIN("br_fuzz_encap_only_to_the_owner_ce");
	fuzz_failures = 0;
	runs = 0;
	before = fx_packets_counted();
	for (int i = 0; i < ROUNDS; i++) {
		struct v4_spec s;
		int v, port, shared;

		random_v4(&s, 0);
		pkt_v4(&in, &s);
		if (rnd() % 3 == 0)
			mutate(&in);
		v = fuzz_run(FX_TC_EGRESS, &in, &out, &runs);
		if (v < 0)
			continue;
		shared = in.len >= 34 && get16(in.b + 12) == 0x0800 &&
			 (get32(in.b + 30) >> 8) == (IP4(198, 51, 100, 0) >> 8);
		if (v == TC_ACT_SHOT)
			continue;
		if (out.len >= 14 && get16(out.b + 12) == 0x0800 && shared) {
			fuzz_fail("IPv4 to a shared address left unencapsulated", &in, &out);
			continue;
		}
		if (out.len < 54 + 20 || get16(out.b + 12) != 0x86dd || get16(in.b + 12) == 0x86dd)
			continue;
		if (memcmp(out.b + 22, br6, 16))
			fuzz_fail("encapsulated, but not from the BR address", &in, &out);
		port = owner_port(out.b + 54, 0);
		if (port >= 0) {
			owner(get32(out.b + 54 + 16), (uint16_t)port, want);
			if (memcmp(out.b + 38, want, 16))
				fuzz_fail("encapsulated to a CE that does not own the destination",
					  &in, &out);
		}
	}
	CHECK(fuzz_failures == 0, "%d violations", fuzz_failures);
	CHECK_EQ(fx_packets_counted() - before, runs);
	TCASE_END();

	return fx_finish();
}
