// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_rule.c - the MAP rule math (include/mapce_rule.h) and its
 * derivation (user/core/rule_config.c) against published vectors, plus
 * round trips.  The option parsing, BMR selection and every rejection are
 * in test_rule_options.c.
 *
 * Sources of the expected values (never computed by the code under test),
 * listed with their public origin in docs/sources.md:
 *  - RFC 7597 Appendix A (RFC 7599 Appendix A repeats it): example 1
 *    (BMR), 2 (BR: port 1232 -> CE address), 4 (EA length 0, /32 rule, no
 *    sharing; its IPv4 line says 192.0.2.18 but its rule is 192.0.2.1/32
 *    and its CE address embeds c000:0201, so 192.0.2.1 is the consistent
 *    reading), 5 (PSID given explicitly, EA length 0; values as corrected
 *    by RFC errata 5324: PSID 0x34, ports 1232-1235 ... 64720-64723, CE
 *    ...:c000:0212:0034).  Example 3 (FMR/DMR) is example 2's address again.
 *  - two published v6プラス CEs (each also worked out by hand from its
 *    rule below) and two port sets written out from the RFC 7597 §5.1
 *    formula.
 */
#include "rule_fixture.h"

/* ------------------------------------------------------------------ */
/* Published vectors                                                   */
/* ------------------------------------------------------------------ */

static void test_ref_rfc_example1(void)
{
	TCASE_BEGIN("ref: RFC 7597 A example 1 (2001:db8::/40 -> 192.0.2.0/24, o 16, a 6)");
	RUN_OK("--rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12:3400::/56");
	CHECK_EQ(D.bmr, 0);
	CHECK_IP4(D.ipv4, "192.0.2.18");
	CHECK_EQ(D.ipv4_len, 32);
	CHECK_EQ(D.psid, 0x34);
	CHECK_EQ(D.psid_len, 8);
	CHECK_EQ(D.psid_offset, 6);
	CHECK_EQ(D.port_count, 252);
	CHECK_EQ(D.range_count, 63);
	CHECK_IP6(D.ce_ipv6_rfc, "2001:db8:0012:3400:0000:c000:0212:0034");
	CHECK_IP6(D.ce_ipv6_legacy, "2001:db8:12:3400:c0:2:1200:3400");
	CHECK_IP6(D.ce_ipv6, "2001:db8:12:3400:0:c000:212:34"); /* RFC format by default */
	CHECK_IP6(D.end_user_prefix, "2001:db8:12:3400::");
	CHECK_EQ(D.end_user_len, 56);
	CHECK_EQ(mapce_ea_bits(&O.rules[0], O.prefix), 0x1234);
	CHECK(!D.have_br);
	TCASE_END();

	TCASE_BEGIN("ref: RFC example 1 with --legacy-iid selects the legacy address");
	RUN_OK("--rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12:3400::/56 "
	       "--legacy-iid --br 2001:db8:ffff::1");
	CHECK_IP6(D.ce_ipv6, "2001:db8:12:3400:c0:2:1200:3400");
	CHECK_IP6(D.ce_ipv6_rfc, "2001:db8:12:3400:0:c000:212:34");
	CHECK(D.have_br);
	CHECK_IP6(D.br, "2001:db8:ffff::1");
	TCASE_END();
}

static void test_ref_v6plus(void)
{
	TCASE_BEGIN("ref: v6plus 240b:10::/31 -> 106.72.0.0/15, o 25, a 4");
	RUN_OK("--rule-ipv6 240b:10::/31 --rule-ipv4 106.72.0.0/15 --ea-len 25 --psid-offset 4 "
	       "--prefix 240b:10:3f6c:d400::/56 --legacy-iid --br 2404:9200:225:100::64");
	CHECK_IP4(D.ipv4, "106.72.63.108");
	CHECK_EQ(D.psid, 212);
	CHECK_EQ(D.psid_len, 8);
	CHECK_EQ(D.psid_offset, 4);
	CHECK_EQ(D.port_count, 240);
	CHECK_EQ(D.range_count, 15);
	CHECK_IP6(D.ce_ipv6_legacy, "240b:10:3f6c:d400:6a:483f:6c00:d400");
	CHECK_IP6(D.ce_ipv6, "240b:10:3f6c:d400:6a:483f:6c00:d400");
	CHECK_IP6(D.end_user_prefix, "240b:10:3f6c:d400::");
	CHECK_EQ(D.end_user_len, 56);
	CHECK_IP6(D.br, "2404:9200:225:100::64");
	TCASE_END();

	TCASE_BEGIN("ref: v6plus 240b:12::/31 -> 14.8.0.0/15, o 25, a 4");
	RUN_OK("--rule 240b:12::/31,14.8.0.0/15,25,4 --prefix 240b:13:1a65:a100::/56 --legacy-iid");
	CHECK_IP4(D.ipv4, "14.9.26.101");
	CHECK_EQ(D.psid, 161);
	CHECK_EQ(D.psid_len, 8);
	CHECK_IP6(D.ce_ipv6_legacy, "240b:13:1a65:a100:e:91a:6500:a100");
	CHECK_IP6(D.ce_ipv6, "240b:13:1a65:a100:e:91a:6500:a100");
	TCASE_END();
}

/* Both IID layouts (RFC 7597 §6 and draft-ietf-softwire-map-03), written
 * out bit by bit. */
static void test_iid_formats(void)
{
	TCASE_BEGIN("iid: RFC 16 zero|IPv4|PSID and legacy 8 zero|IPv4|PSID|8 zero");
	/* 106.72.63.108 = 6a 48 3f 6c, PSID 212 = 0xd4 */
	CHECK_EQ(mapce_iid(ip4("106.72.63.108"), 212, 0), 0x00006a483f6c00d4ull);
	CHECK_EQ(mapce_iid(ip4("106.72.63.108"), 212, 1), 0x006a483f6c00d400ull);
	CHECK_EQ(mapce_iid(ip4("192.0.2.18"), 0x34, 0), 0x0000c00002120034ull);
	CHECK_EQ(mapce_iid(ip4("192.0.2.18"), 0x34, 1), 0x00c0000212003400ull);
	RUN_OK("--rule 240b:10::/31,106.72.0.0/15,25,4 --prefix 240b:10:3f6c:d400::/56");
	CHECK_IP6(D.ce_ipv6_rfc, "240b:10:3f6c:d400:0:6a48:3f6c:d4");
	CHECK_IP6(D.ce_ipv6, "240b:10:3f6c:d400:0:6a48:3f6c:d4");
	TCASE_END();
}

static void test_ref_port_sets(void)
{
	TCASE_BEGIN("ports: a 6, k 8, PSID 0x34 -> 1232-1235, 2256-2259 ... 64720-64723");
	CHECK_EQ(mapce_range_count(6, 8), 63);
	CHECK_EQ(mapce_range_size(6, 8), 4);
	CHECK_EQ(mapce_port_count(6, 8), 252);
	CHECK_EQ(mapce_range_first(6, 8, 0x34, 0), 1232);
	CHECK_EQ(mapce_range_first(6, 8, 0x34, 0) + mapce_range_size(6, 8) - 1, 1235);
	CHECK_EQ(mapce_range_first(6, 8, 0x34, 1), 2256);
	CHECK_EQ(mapce_range_first(6, 8, 0x34, 61), 63696);
	CHECK_EQ(mapce_range_first(6, 8, 0x34, 62), 64720);
	CHECK_EQ(mapce_port_at(6, 8, 0x34, 0), 1232);
	CHECK_EQ(mapce_port_at(6, 8, 0x34, 3), 1235);
	CHECK_EQ(mapce_port_at(6, 8, 0x34, 4), 2256);
	CHECK_EQ(mapce_port_at(6, 8, 0x34, 251), 64723);
	CHECK(mapce_port_in_set(6, 8, 0x34, 1232));
	CHECK(mapce_port_in_set(6, 8, 0x34, 64723));
	CHECK(!mapce_port_in_set(6, 8, 0x34, 1236));
	CHECK(!mapce_port_in_set(6, 8, 0x34, 1231));
	CHECK(!mapce_port_in_set(6, 8, 0x34, 0x34 << 2)); /* A = 0: system ports */
	TCASE_END();

	TCASE_BEGIN("ports: a 4, k 8, PSID 0xfe -> 0x1fe0-0x1fef ... 0xffe0-0xffef");
	CHECK_EQ(mapce_range_count(4, 8), 15);
	CHECK_EQ(mapce_range_size(4, 8), 16);
	CHECK_EQ(mapce_port_count(4, 8), 240);
	CHECK_EQ(mapce_range_first(4, 8, 0xfe, 0), 0x1fe0);
	CHECK_EQ(mapce_range_first(4, 8, 0xfe, 0), 8160);
	CHECK_EQ(mapce_port_at(4, 8, 0xfe, 15), 8175);
	CHECK_EQ(mapce_range_first(4, 8, 0xfe, 1), 0x2fe0);
	CHECK_EQ(mapce_port_at(4, 8, 0xfe, 31), 0x2fef);
	CHECK_EQ(mapce_range_first(4, 8, 0xfe, 14), 0xffe0);
	CHECK_EQ(mapce_port_at(4, 8, 0xfe, 239), 0xffef);
	CHECK(!mapce_port_in_set(4, 8, 0xfe, 0x0fe0)); /* A = 0 */
	CHECK(!mapce_port_in_set(4, 8, 0xfe, 0x1ff0));
	TCASE_END();
}

/* ------------------------------------------------------------------ */
/* Other RFC Appendix A examples                                       */
/* ------------------------------------------------------------------ */

static void test_rfc_example2_br(void)
{
	struct mapce_rule r = mkrule("2001:db8::/40", "192.0.2.0/24", 16, 6);
	__u8 ce[16];

	TCASE_BEGIN(
		"rfc A example 2 (BR): 192.0.2.18 port 1232 -> CE 2001:db8:12:3400:0:c000:212:34");
	r.psid_len = 8;
	CHECK_EQ(mapce_rule_psid_len(&r), 8);
	CHECK_EQ(mapce_port_psid(6, 8, 1232), 0x34);
	CHECK_EQ(mapce_ea_join(&r, ip4("192.0.2.18"), 0x34), 0x1234);
	mapce_ce_address_for_port(&r, ip4("192.0.2.18"), 1232, 0, ce);
	CHECK_IP6(ce, "2001:db8:0012:3400:0000:c000:0212:0034");
	TCASE_END();
}

static void test_rfc_example4(void)
{
	TCASE_BEGIN("rfc A example 4: EA length 0, /32 rule, no sharing");
	RUN_OK("--rule 2001:db8:12:3400::/56,192.0.2.1/32,0,6 --prefix 2001:db8:0012:3400::/56");
	CHECK_IP4(D.ipv4, "192.0.2.1");
	CHECK_EQ(D.ipv4_len, 32);
	CHECK_EQ(D.psid, 0);
	CHECK_EQ(D.psid_len, 0);
	CHECK_EQ(D.port_count, 65535);
	CHECK_EQ(D.range_count, 1);
	CHECK_EQ(mapce_range_first(D.psid_offset, 0, 0, 0), 1);
	CHECK_IP6(D.ce_ipv6_rfc, "2001:db8:0012:3400:0000:c000:0201:0000");
	CHECK_IP6(D.end_user_prefix, "2001:db8:12:3400::");
	CHECK_EQ(D.end_user_len, 56);
	TCASE_END();
}

static void test_rfc_example5_explicit(void)
{
	TCASE_BEGIN("rfc A example 5: PSID provisioned (explicit form), 192.0.2.18 PSID 0x34");
	RUN_OK("--ipv4 192.0.2.18 --psid 0x34 --psid-len 8 --prefix 2001:db8:0012:3400::/56");
	CHECK_EQ(D.bmr, -1);
	CHECK_IP4(D.ipv4, "192.0.2.18");
	CHECK_EQ(D.psid, 0x34);
	CHECK_EQ(D.psid_len, 8);
	CHECK_EQ(D.psid_offset, 6); /* RFC default */
	CHECK_EQ(D.port_count, 252);
	CHECK_EQ(mapce_range_first(D.psid_offset, D.psid_len, D.psid, 0), 1232);
	CHECK_EQ(mapce_port_at(D.psid_offset, D.psid_len, D.psid, D.port_count - 1), 64723);
	CHECK_IP6(D.ce_ipv6_rfc, "2001:db8:0012:3400:0000:c000:0212:0034");
	TCASE_END();
}

/* ------------------------------------------------------------------ */
/* Round trips                                                         */
/* ------------------------------------------------------------------ */

static const struct {
	__u8 a, k;
	__u16 psid;
} sets[] = {
	{ 6, 8, 0x34 },	  { 4, 8, 0xfe }, { 4, 8, 212 },     { 4, 8, 0 },  { 6, 6, 5 },
	{ 0, 8, 3 },	  { 15, 1, 1 },	  { 2, 14, 0x3fff }, { 1, 15, 0 }, { 0, 16, 65535 },
	{ 4, 12, 0x123 }, { 6, 0, 0 },	  { 0, 0, 0 },
};

static void test_roundtrip_ports(void)
{
	TCASE_BEGIN("roundtrip: port_at / port_index / port_in_set / port_psid over whole sets");
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		__u8 a = sets[s].a, k = sets[s].k;
		__u16 psid = sets[s].psid;
		__u32 count = mapce_port_count(a, k), in = 0, bad = 0, prev = 0;
		char what[96] = "";

		for (__u32 idx = 0; idx < count; idx++) {
			__u16 p = mapce_port_at(a, k, psid, idx);

			if (!mapce_port_in_set(a, k, psid, p) || mapce_port_index(a, k, p) != idx ||
			    (idx && p <= prev) || mapce_port_psid(a, k, p) != psid || p == 0) {
				if (!bad++)
					snprintf(what, sizeof(what), "idx %u port %u", idx, p);
			}
			prev = p;
		}
		for (__u32 p = 0; p <= 0xffff; p++)
			in += mapce_port_in_set(a, k, psid, (__u16)p);
		CHECK(bad == 0, "a %u k %u psid %u: %u bad, first %s", a, k, psid, bad, what);
		CHECK(in == count, "a %u k %u psid %u: %u ports in set, count says %u", a, k, psid,
		      in, count);
		CHECK(!mapce_port_in_set(a, k, psid, 0), "a %u k %u psid %u: port 0 in set", a, k,
		      psid);
	}
	TCASE_END();

	TCASE_BEGIN("roundtrip: the PSIDs of one rule partition the ports (a 4, k 8)");
	{
		__u32 owners_bad = 0;

		for (__u32 p = 4096; p <= 0xffff; p++) {
			int owners = 0;

			for (__u32 psid = 0; psid < 256; psid++)
				owners += mapce_port_in_set(4, 8, psid, (__u16)p);
			owners_bad += owners != 1;
		}
		CHECK_EQ(owners_bad, 0);
	}
	TCASE_END();
}

static void test_roundtrip_ea(void)
{
	struct mapce_rule rules[] = {
		mkrule("2001:db8::/40", "192.0.2.0/24", 16, 6),
		mkrule("240b:10::/31", "106.72.0.0/15", 25, 4),
		mkrule("2001:db8::/40", "192.0.2.0/24", 6, 6),	  /* o < p */
		mkrule("2001:db8::/40", "192.0.2.0/24", 8, 6),	  /* k = 0 */
		mkrule("2001::/16", "0.0.0.0/0", 48, 0),	  /* widest */
		mkrule("2001:db8::/32", "198.51.100.7/32", 8, 4), /* p = 0, k = 8 */
	};
	__u64 seed = 0x9e3779b97f4a7c15ull;

	TCASE_BEGIN("roundtrip: ea_split / ea_join / ea_bits / ce_address");
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct mapce_rule *r = &rules[i];
		unsigned int bad = 0, o = r->ea_len, r6 = r->ipv6_prefix_len;
		char m[200];

		/* the widest rule (0.0.0.0/0) is no CE's rule, its address space
		 * not unicast: refused by the checks, the math still tested at
		 * full width */
		if (r->ipv4_prefix_len == 0)
			CHECK(mapce_rule_check(r, m, sizeof(m)) == -1 && strstr(m, "not unicast"),
			      "rule %zu: %s", i, m);
		else
			CHECK(mapce_rule_check(r, m, sizeof(m)) == 0, "rule %zu: %s", i, m);
		for (int n = 0; n < 4096; n++) {
			__u64 ea, hi;
			__be32 v4;
			__u16 psid;
			__u8 ce[16];

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			ea = o ? (seed >> 11) & ((1ull << o) - 1) : 0;
			if (n == 0)
				ea = 0;
			if (n == 1 && o)
				ea = (1ull << o) - 1;
			mapce_ea_split(r, ea, &v4, &psid);
			mapce_ce_address(r, v4, psid, n & 1, ce);
			hi = mapce_load_be64(ce);
			if (mapce_ea_join(r, v4, psid) != ea) /* split/join inverse */
				bad++;
			else if (mapce_ea_bits(r, ce) != ea) /* EA bits land in the address */
				bad++;
			else if (!mapce_ipv6_prefix_match(ce, r->ipv6_prefix,
							  r6)) /* rule prefix kept */
				bad++;
			else if (r6 + o < 64 &&
				 (hi & ((1ull << (64 - r6 - o)) - 1))) /* subnet-id 0 */
				bad++;
			else if (r->ipv4_prefix_len &&
				 (mapce_ntohl(v4) ^ mapce_ntohl(r->ipv4_prefix)) >>
					 (32 -
					  r->ipv4_prefix_len)) /* inside the rule IPv4 prefix */
				bad++;
		}
		CHECK(bad == 0, "rule %zu: %u of 4096 EA values do not round-trip", i, bad);
	}
	TCASE_END();
}

/* A BR finds the CE from (IPv4, port) for every port of the set. */
static void test_roundtrip_br(void)
{
	static const char *const cases[][2] = {
		{ "--rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12:3400::/56", "rfc" },
		{ "--rule 240b:10::/31,106.72.0.0/15,25,4 --prefix 240b:10:3f6c:d400::/56 "
		  "--legacy-iid",
		  "v6plus" },
		{ "--rule 240b:12::/31,14.8.0.0/15,25,4 --prefix 240b:13:1a65:a100::/56 "
		  "--legacy-iid",
		  "v6plus 2" },
		{ "--rule 2001:db8::/40,192.0.2.0/24,8,6 --prefix 2001:db8:12::/48", "k 0" },
	};

	TCASE_BEGIN("roundtrip: BR reverse lookup of every port of a set gives the CE address");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct mapce_rule *r;
		unsigned int bad = 0, other = 0;
		__u8 ce[16];

		if (run(cases[c][0])) {
			CHECK(0, "%s: %s", cases[c][1], errbuf);
			continue;
		}
		r = &O.rules[D.bmr];
		for (__u32 i = 0; i < D.port_count; i++) {
			__u16 p = mapce_port_at(D.psid_offset, D.psid_len, D.psid, i);

			mapce_ce_address_for_port(r, D.ipv4, p, O.legacy_iid, ce);
			bad += memcmp(ce, D.ce_ipv6, 16) != 0;
		}
		/* a port just outside each range belongs to another CE */
		if (D.psid_len) {
			for (__u32 i = 0; i < D.range_count; i++) {
				__u16 p = mapce_range_first(D.psid_offset, D.psid_len, D.psid, i) +
					  mapce_range_size(D.psid_offset, D.psid_len);

				mapce_ce_address_for_port(r, D.ipv4, p, O.legacy_iid, ce);
				other += memcmp(ce, D.ce_ipv6, 16) != 0;
			}
			CHECK(other == D.range_count, "%s: %u/%u outside ports map elsewhere",
			      cases[c][1], other, D.range_count);
		}
		CHECK(bad == 0, "%s: %u of %u ports map to another address", cases[c][1], bad,
		      D.port_count);
	}
	TCASE_END();
}

/* ------------------------------------------------------------------ */

int main(void)
{
	test_ref_rfc_example1();
	test_ref_v6plus();
	test_iid_formats();
	test_ref_port_sets();
	test_rfc_example2_br();
	test_rfc_example4();
	test_rfc_example5_explicit();
	test_roundtrip_ports();
	test_roundtrip_ea();
	test_roundtrip_br();
	return t_exit();
}
