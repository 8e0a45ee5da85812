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
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mapce_br.skel.h"
#include "mapce_abi.h"
#include "mapce_rule.h"
#include "harness.h"
#include "pkt.h"

#define ROUNDS 6000
#define BR6 "2001:db8:ffff::64"

static struct mapce_br *skel;
static struct mapce_rule bmr;
static unsigned int seed = 0x42524252; /* "BRBR" */
static int failures;

static unsigned int rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static int fx_open(void)
{
	struct mapce_lpm_v4_key k = { .prefixlen = 24, .addr = htonl(ip4("198.51.100.0")) };
	struct mapce_config cfg = {};
	struct bpf_map *m;
	__u32 zero = 0;

	skel = mapce_br__open();
	if (!skel)
		return -1;
	bpf_object__for_each_map(m, skel->obj)
		bpf_map__set_pin_path(m, NULL);
	if (mapce_br__load(skel))
		return -1;
	ip6("2001:db8::", bmr.ipv6_prefix);
	bmr.ipv6_prefix_len = 40;
	bmr.ipv4_prefix = k.addr;
	bmr.ipv4_prefix_len = 24;
	bmr.ea_len = 16;
	bmr.psid_offset = 4;
	ip6(BR6, cfg.br_ipv6);
	cfg.flags = MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID;
	cfg.hop_limit = 64;
	if (bpf_map__update_elem(skel->maps.mapce_br_rules, &zero, 4, &bmr, sizeof(bmr), 0) ||
	    bpf_map__update_elem(skel->maps.mapce_br_lpm, &k, sizeof(k), &zero, 4, 0))
		return -1;
	return bpf_map__update_elem(skel->maps.mapce_br_config, &zero, 4, &cfg, sizeof(cfg), 0);
}

static int run(struct bpf_program *prog, const struct pkt *in, struct pkt *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = (__u32)in->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o))
		return -1;
	out->len = o.data_size_out;
	return (int)o.retval;
}

static __u64 counted(void)
{
	int n = libbpf_num_possible_cpus();
	struct mapce_counter v[n > 0 ? n : 1];
	__u64 sum = 0;

	for (__u32 r = 0; r < MAPCE_R__MAX; r++) {
		if (!strncmp(mapce_reason_names[r], "ev_", 3) ||
		    bpf_map__lookup_elem(skel->maps.mapce_br_stats, &r, 4, v, sizeof(v), 0))
			continue;
		for (int c = 0; c < n; c++)
			sum += v[c].packets;
	}
	return sum;
}

/* The CE owning (ip, port) under the rule, legacy IID. */
static void owner(uint32_t ip, uint16_t port, uint8_t out[16])
{
	mapce_ce_address_for_port(&bmr, htonl(ip), port, 1, out);
}

static void fail(const char *what, const struct pkt *p)
{
	if (failures++ < 5) {
		printf("#   %s:", what);
		for (size_t i = 0; i < p->len && i < 80; i++)
			printf(" %02x", p->b[i]);
		printf("\n");
	}
}

static int v4_valid(const uint8_t *ip, size_t avail)
{
	size_t hl = (ip[0] & 0xf) * 4, tot;

	if (avail < 20 || (ip[0] >> 4) != 4 || hl < 20 || hl > avail)
		return 0;
	tot = get16(ip + 2);
	if (tot < hl || tot > avail || !v4_hdr_csum_ok(ip))
		return 0;
	if (get16(ip + 6) & 0x3fff)
		return 1;
	if (ip[9] == 6 || ip[9] == 17 || ip[9] == 1)
		return tot >= hl + 8 && v4_l4_csum_ok(ip, 1);
	return 1;
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
	uint32_t ce = ip4("198.51.100.0") + rnd() % 256;

	memset(s, 0, sizeof(*s));
	s->proto = protos[rnd() % 5];
	s->icmp_type = (uint8_t)(rnd() % 4 ? (from_ce ? 8 : 0) : rnd() % 16);
	s->ttl = 64;
	s->payload = (uint16_t)(rnd() % 200);
	s->frag = rnd() % 6 ? 0 : (uint16_t)(rnd() % 2 ? 0x2000 : rnd() & 0x3fff);
	s->tcp_flags = 0x10;
	if (from_ce) {
		s->src = rnd() % 8 ? ce : rnd();
		s->dst = ip4("203.0.113.10");
		s->sport = (uint16_t)rnd();
		s->dport = 443;
	} else {
		s->src = ip4("203.0.113.10");
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

	ip6(BR6, br6);
	TCASE_BEGIN("br_fuzz_decap_only_from_the_owner_ce");
	if (fx_open()) {
		CHECK(0, "BR object failed to load");
		return t_exit();
	}
	before = counted();
	for (int i = 0; i < ROUNDS; i++) {
		struct v4_spec s;
		uint8_t src6[16];
		int v, port;

		random_v4(&s, 1);
		port = s.proto == 1 ? s.sport : s.sport;
		owner(s.src, (uint16_t)port, src6);
		if (rnd() % 4 == 0)
			src6[8 + rnd() % 8] ^= 1; /* a spoofer next door */
		if (rnd() % 8 == 0)
			owner(s.src, (uint16_t)(port ^ 0x10), src6); /* another PSID's CE */
		pkt_v6v4(&in, src6, br6, &s);
		if (rnd() % 3 == 0)
			mutate(&in);
		v = run(skel->progs.mapce_br_xdp, &in, &out);
		if (v < 0)
			continue;
		runs++;
		if (v != XDP_PASS || out.len < 34 || get16(out.b + 12) != 0x0800 ||
		    get16(in.b + 12) != 0x86dd || in.len < 54)
			continue; /* dropped, or passed as it was */
		port = owner_port(out.b + 14, 1);
		if (port >= 0 && (get32(out.b + 14 + 12) >> 8) == (ip4("198.51.100.0") >> 8)) {
			owner(get32(out.b + 14 + 12), (uint16_t)port, want);
			if (memcmp(in.b + 22, want, 16))
				fail("decapsulated from a CE that does not own the source", &in);
		}
		if (v4_valid(in.b + 54, in.len - 54) && !v4_valid(out.b + 14, out.len - 14))
			fail("a valid packet passed up invalid", &in);
	}
	CHECK(failures == 0, "%d violations", failures);
	CHECK_EQ(counted() - before, runs);
	TCASE_END();

	TCASE_BEGIN("br_fuzz_encap_only_to_the_owner_ce");
	failures = 0;
	runs = 0;
	before = counted();
	for (int i = 0; i < ROUNDS; i++) {
		struct v4_spec s;
		int v, port, shared;

		random_v4(&s, 0);
		pkt_v4(&in, &s);
		if (rnd() % 3 == 0)
			mutate(&in);
		v = run(skel->progs.mapce_br_tc_egress, &in, &out);
		if (v < 0)
			continue;
		runs++;
		shared = in.len >= 34 && get16(in.b + 12) == 0x0800 &&
			 (get32(in.b + 30) >> 8) == (ip4("198.51.100.0") >> 8);
		if (v == 2 /* SHOT */)
			continue;
		if (out.len >= 14 && get16(out.b + 12) == 0x0800 && shared) {
			fail("IPv4 to a shared address left unencapsulated", &in);
			continue;
		}
		if (out.len < 54 + 20 || get16(out.b + 12) != 0x86dd || get16(in.b + 12) == 0x86dd)
			continue;
		if (memcmp(out.b + 22, br6, 16))
			fail("encapsulated, but not from the BR address", &in);
		port = owner_port(out.b + 54, 0);
		if (port >= 0) {
			owner(get32(out.b + 54 + 16), (uint16_t)port, want);
			if (memcmp(out.b + 38, want, 16))
				fail("encapsulated to a CE that does not own the destination", &in);
		}
	}
	CHECK(failures == 0, "%d violations", failures);
	CHECK_EQ(counted() - before, runs);
	TCASE_END();

	mapce_br__destroy(skel);
	return t_exit();
}
