// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_rule.c - the MAP rule math (include/mapce_rule.h) and the rule
 * options/derivation (user/core/rule_config.c) against published vectors:
 * REFERENCE.md §1 (RFC 7597 Appendix A example 1, two v6plus CEs, two
 * port sets) and the other RFC Appendix A examples, plus round trips and
 * every rejection with its message.
 *
 * Sources of the expected values (never computed by the code under test):
 *  - REFERENCE.md §1 table and port-set lines.
 *  - RFC 7599 Appendix A (text read from a copy of the RFC), which repeats
 *    RFC 7597's Appendix A examples: example 1 (BMR), 2 (BR: port 1232 ->
 *    CE address), 4 (EA length 0, /32 rule, no sharing; its IPv4 line says
 *    192.0.2.18 but its rule is 192.0.2.1/32 and its CE address embeds
 *    c000:0201, so 192.0.2.1 is the consistent reading), 5 (PSID given
 *    explicitly, EA length 0; values as corrected by RFC errata 5324:
 *    PSID 0x34, ports 1232-1235 ... 64720-64723, CE ...:c000:0212:0034).
 *    Example 3 (FMR/DMR) is example 2's address again.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "harness.h"
#include "mapce_rule.h"
#include "core/rule_config.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static char errbuf[512];
static struct mapce_opts O;
static struct mapce_derived D;

static int longopt(const char *name, bool *has_arg)
{
	const struct opt_def *d = opt_find_name(mapce_rule_groups, name);

	if (!d)
		return -1;
	*has_arg = d->metavar != NULL;
	return d->val;
}

/*
 * Parse "--opt value --flag ..." through mapce_opts_handle, then derive.
 * Returns 0 ok, -1 (message in errbuf), -2 test bug (unknown option).
 */
static int run(const char *args)
{
	char buf[1024], *save = NULL, *tok;
	int ret;

	mapce_opts_init(&O);
	errbuf[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", args);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		const char *val = NULL;
		bool has_arg;
		int opt;

		if (strncmp(tok, "--", 2) || (opt = longopt(tok + 2, &has_arg)) < 0) {
			snprintf(errbuf, sizeof(errbuf), "test bug: option %s", tok);
			return -2;
		}
		if (has_arg && !(val = strtok_r(NULL, " ", &save))) {
			snprintf(errbuf, sizeof(errbuf), "test bug: %s needs a value", tok);
			return -2;
		}
		ret = mapce_opts_handle(&O, opt, val, errbuf, sizeof(errbuf));
		if (ret)
			return ret < 0 ? -1 : -2;
	}
	return mapce_derive(&O, &D, errbuf, sizeof(errbuf));
}

/* run() must succeed. */
#define RUN_OK(args)                                                        \
	do {                                                                \
		int _r = run(args);                                         \
		t_report(_r == 0, "run(" #args ") == 0", __FILE__, __LINE__, "%s", errbuf); \
	} while (0)

/* run() must fail with a message containing each of the strings. */
static void expect_fail(const char *args, const char *const *needles, int line)
{
	int r = run(args);

	t_report(r == -1, "rejected", __FILE__, line, "'%s' -> %d, msg '%s'", args, r, errbuf);
	for (; *needles; needles++)
		t_report(strstr(errbuf, *needles) != NULL, "message names the value", __FILE__,
			 line, "'%s': message '%s' lacks '%s'", args, errbuf, *needles);
}
#define FAIL(args, ...) expect_fail(args, (const char *const[]){ __VA_ARGS__, NULL }, __LINE__)

static const char *ntop6(const __u8 a[16])
{
	static char b[4][INET6_ADDRSTRLEN];
	static int n;

	n = (n + 1) % 4;
	inet_ntop(AF_INET6, a, b[n], sizeof(b[n]));
	return b[n];
}

static const char *ntop4(__be32 a)
{
	static char b[4][INET_ADDRSTRLEN];
	static int n;

	n = (n + 1) % 4;
	inet_ntop(AF_INET, &a, b[n], sizeof(b[n]));
	return b[n];
}

/* Canonical text of an IPv6 address literal (so tests may write zeros). */
static const char *canon6(const char *s)
{
	__u8 a[16];

	if (inet_pton(AF_INET6, s, a) != 1)
		return "(bad literal in test)";
	return ntop6(a);
}

#define CHECK_IP6(a, s) CHECK_STR(ntop6(a), canon6(s))
#define CHECK_IP4(a, s) CHECK_STR(ntop4(a), s)

static struct mapce_rule mkrule(const char *v6, const char *v4, int ea, int off)
{
	struct mapce_rule r = {};

	if (parse_ipv6_prefix(v6, r.ipv6_prefix, &r.ipv6_prefix_len) ||
	    parse_ipv4_prefix(v4, &r.ipv4_prefix, &r.ipv4_prefix_len))
		printf("not ok - mkrule: bad literal %s %s\n", v6, v4);
	r.ea_len = ea;
	r.psid_offset = off;
	return r;
}

static __be32 ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* ------------------------------------------------------------------ */
/* REFERENCE.md §1 vectors                                             */
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

/* Both IID layouts written out bit by bit from REFERENCE.md §1. */
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

	TCASE_BEGIN("rfc A example 2 (BR): 192.0.2.18 port 1232 -> CE 2001:db8:12:3400:0:c000:212:34");
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

static const struct { __u8 a, k; __u16 psid; } sets[] = {
	{ 6, 8, 0x34 }, { 4, 8, 0xfe }, { 4, 8, 212 }, { 4, 8, 0 }, { 6, 6, 5 },
	{ 0, 8, 3 }, { 15, 1, 1 }, { 2, 14, 0x3fff }, { 1, 15, 0 }, { 0, 16, 65535 },
	{ 4, 12, 0x123 }, { 6, 0, 0 }, { 0, 0, 0 },
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

			if (!mapce_port_in_set(a, k, psid, p) ||
			    mapce_port_index(a, k, p) != idx || (idx && p <= prev) ||
			    mapce_port_psid(a, k, p) != psid || p == 0) {
				if (!bad++)
					snprintf(what, sizeof(what), "idx %u port %u", idx, p);
			}
			prev = p;
		}
		for (__u32 p = 0; p <= 0xffff; p++)
			in += mapce_port_in_set(a, k, psid, (__u16)p);
		CHECK(bad == 0, "a %u k %u psid %u: %u bad, first %s", a, k, psid, bad, what);
		CHECK(in == count, "a %u k %u psid %u: %u ports in set, count says %u", a, k,
		      psid, in, count);
		CHECK(!mapce_port_in_set(a, k, psid, 0), "a %u k %u psid %u: port 0 in set", a,
		      k, psid);
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
		mkrule("2001:db8::/40", "192.0.2.0/24", 6, 6),  /* o < p */
		mkrule("2001:db8::/40", "192.0.2.0/24", 8, 6),  /* k = 0 */
		mkrule("2001::/16", "0.0.0.0/0", 48, 0),        /* widest */
		mkrule("2001:db8::/32", "198.51.100.7/32", 8, 4), /* p = 0, k = 8 */
	};
	__u64 seed = 0x9e3779b97f4a7c15ull;

	TCASE_BEGIN("roundtrip: ea_split / ea_join / ea_bits / ce_address");
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct mapce_rule *r = &rules[i];
		unsigned int bad = 0, o = r->ea_len, r6 = r->ipv6_prefix_len;
		char m[200];

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
			else if (!mapce_ipv6_prefix_match(ce, r->ipv6_prefix, r6)) /* rule prefix kept */
				bad++;
			else if (r6 + o < 64 && (hi & ((1ull << (64 - r6 - o)) - 1))) /* subnet-id 0 */
				bad++;
			else if (r->ipv4_prefix_len &&
				 (mapce_ntohl(v4) ^ mapce_ntohl(r->ipv4_prefix)) >>
					 (32 - r->ipv4_prefix_len)) /* inside the rule IPv4 prefix */
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
		  "--legacy-iid", "v6plus" },
		{ "--rule 240b:12::/31,14.8.0.0/15,25,4 --prefix 240b:13:1a65:a100::/56 "
		  "--legacy-iid", "v6plus 2" },
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
/* Derivation cases                                                    */
/* ------------------------------------------------------------------ */

static void test_explicit_form(void)
{
	TCASE_BEGIN("explicit: lw4o6 form uses the prefix's /64 as given, offset default 6");
	RUN_OK("--ipv4 198.51.100.7 --psid 0x34 --psid-len 8 --prefix 2001:db8:12:34ff::/64");
	CHECK_EQ(D.bmr, -1);
	CHECK_IP4(D.ipv4, "198.51.100.7");
	CHECK_EQ(D.psid_offset, 6);
	CHECK_IP6(D.ce_ipv6_rfc, "2001:db8:12:34ff:0:c633:6407:34");
	CHECK_IP6(D.ce_ipv6_legacy, "2001:db8:12:34ff:c6:3364:700:3400");
	TCASE_END();

	TCASE_BEGIN("explicit: --psid-offset 4 and --psid-len 0 (whole address)");
	RUN_OK("--ipv4 198.51.100.7 --psid 0xfe --psid-len 8 --psid-offset 4 "
	       "--prefix 2001:db8:12:3400::/56");
	CHECK_EQ(D.psid_offset, 4);
	CHECK_EQ(D.port_count, 240);
	CHECK_EQ(mapce_range_first(D.psid_offset, D.psid_len, D.psid, 0), 0x1fe0);
	RUN_OK("--ipv4 198.51.100.7 --psid-len 0 --prefix 2001:db8:12:3400::/56");
	CHECK_EQ(D.psid_len, 0);
	CHECK_EQ(D.port_count, 65535);
	CHECK_IP6(D.ce_ipv6_rfc, "2001:db8:12:3400:0:c633:6407:0");
	TCASE_END();
}

static void test_k0_and_prefix(void)
{
	TCASE_BEGIN("k 0: o = p gives a whole IPv4 address, ports 1-65535");
	RUN_OK("--rule 2001:db8::/40,192.0.2.0/24,8,6 --prefix 2001:db8:12::/48");
	CHECK_IP4(D.ipv4, "192.0.2.18");
	CHECK_EQ(D.ipv4_len, 32);
	CHECK_EQ(D.psid_len, 0);
	CHECK_EQ(D.psid, 0);
	CHECK_EQ(D.port_count, 65535);
	CHECK_EQ(D.range_count, 1);
	CHECK_EQ(mapce_range_first(D.psid_offset, 0, 0, 0), 1);
	CHECK_IP6(D.ce_ipv6_rfc, "2001:db8:12::c000:212:0");
	CHECK_IP6(D.end_user_prefix, "2001:db8:12::");
	CHECK_EQ(D.end_user_len, 48);
	TCASE_END();

	TCASE_BEGIN("ipv4 prefix: o < p gives the CE an IPv4 /30 (192.0.2.0/24, o 6)");
	/* EA bits = bits 40-45 of 2001:db8:ac:: = 0xac >> 2 = 43 -> suffix 43 << 2 = 172 */
	RUN_OK("--rule 2001:db8::/40,192.0.2.0/24,6,6 --prefix 2001:db8:ac::/46");
	CHECK_IP4(D.ipv4, "192.0.2.172");
	CHECK_EQ(D.ipv4_len, 30);
	CHECK_EQ(D.psid_len, 0);
	CHECK_EQ(D.port_count, 65535);
	CHECK_IP6(D.ce_ipv6_rfc, "2001:db8:ac::c000:2ac:0");
	CHECK_EQ(D.end_user_len, 46);
	TCASE_END();

	TCASE_BEGIN("ea 0: a /32 rule IPv4 prefix with no EA bits is one whole address");
	RUN_OK("--rule 2001:db8:12:3400::/56,198.51.100.7/32,0,6 --prefix 2001:db8:12:3400::/56");
	CHECK_IP4(D.ipv4, "198.51.100.7");
	CHECK_EQ(D.psid_len, 0);
	CHECK_EQ(D.port_count, 65535);
	CHECK_IP6(D.ce_ipv6_rfc, "2001:db8:12:3400:0:c633:6407:0");
	TCASE_END();

	TCASE_BEGIN("ra /64: a CE prefix longer than r6 + o uses its first r6 + o bits");
	RUN_OK("--rule 240b:10::/31,106.72.0.0/15,25,4 --prefix 240b:10:3f6c:d4ab::/64 --legacy-iid");
	CHECK_IP4(D.ipv4, "106.72.63.108");
	CHECK_EQ(D.psid, 212);
	CHECK_IP6(D.end_user_prefix, "240b:10:3f6c:d400::");
	CHECK_EQ(D.end_user_len, 56);
	CHECK_IP6(D.ce_ipv6, "240b:10:3f6c:d400:6a:483f:6c00:d400"); /* subnet-id 0 */
	/* an address with its length is accepted as the prefix */
	RUN_OK("--rule 240b:10::/31,106.72.0.0/15,25,4 --prefix 240b:10:3f6c:d4ab:1:2:3:4/64");
	CHECK_EQ(D.psid, 212);
	CHECK_IP6(O.prefix, "240b:10:3f6c:d4ab::");
	TCASE_END();
}

static void test_bmr_selection(void)
{
	const char *A = "--rule 2001:db8::/32,198.51.100.0/24,16,6";
	const char *B = "--rule 2001:db8::/40,192.0.2.0/24,16,6";
	const char *C = "--rule 2001:db8:ff00::/40,203.0.113.0/24,16,6";
	char args[512];

	TCASE_BEGIN("bmr: longest rule IPv6 prefix containing the CE prefix, any order");
	snprintf(args, sizeof(args), "%s %s %s --prefix 2001:db8:12:3400::/56", A, B, C);
	RUN_OK(args);
	CHECK_EQ(D.bmr, 1);
	CHECK_IP4(D.ipv4, "192.0.2.18");
	CHECK_EQ(D.psid, 0x34);
	snprintf(args, sizeof(args), "%s %s %s --prefix 2001:db8:12:3400::/56", C, B, A);
	RUN_OK(args);
	CHECK_EQ(D.bmr, 1);
	CHECK_IP4(D.ipv4, "192.0.2.18");
	/* only A contains 2001:db8:1234::/48: EA 0x1234 under /24, o 16 */
	snprintf(args, sizeof(args), "%s %s %s --prefix 2001:db8:1234::/48", C, B, A);
	RUN_OK(args);
	CHECK_EQ(D.bmr, 2);
	CHECK_IP4(D.ipv4, "198.51.100.18");
	CHECK_EQ(D.psid, 0x34);
	CHECK_EQ(D.end_user_len, 48);
	/* C (/40) beats A (/32); EA bits 40-55 of 2001:db8:ff00:1200:: = 0x0012 */
	snprintf(args, sizeof(args), "%s %s %s --prefix 2001:db8:ff00:1200::/56", A, B, C);
	RUN_OK(args);
	CHECK_EQ(D.bmr, 2);
	CHECK_IP4(D.ipv4, "203.0.113.0");
	CHECK_EQ(D.psid, 0x12);
	TCASE_END();

	TCASE_BEGIN("fmr: --fmr / ',fmr' flag one rule, --mesh flags every rule");
	RUN_OK("--rule 2001:db8::/40,192.0.2.0/24,16,6 --rule 2001:db8:ff00::/40,203.0.113.0/24,16,6,fmr "
	       "--rule-ipv6 2001:db8:100::/40 --rule-ipv4 198.51.100.0/24 --ea-len 16 --fmr "
	       "--prefix 2001:db8:12:3400::/56");
	CHECK_EQ(O.rules[0].flags & MAPCE_RULE_F_FMR, 0);
	CHECK_EQ(O.rules[1].flags & MAPCE_RULE_F_FMR, MAPCE_RULE_F_FMR);
	CHECK_EQ(O.rules[2].flags & MAPCE_RULE_F_FMR, MAPCE_RULE_F_FMR);
	CHECK_EQ(O.rules[2].psid_offset, 6); /* default */
	RUN_OK("--mesh --rule 2001:db8::/40,192.0.2.0/24,16,6 --rule 2001:db8:ff00::/40,203.0.113.0/24,16,6 "
	       "--prefix 2001:db8:12:3400::/56");
	CHECK_EQ(O.rules[0].flags & MAPCE_RULE_F_FMR, MAPCE_RULE_F_FMR);
	CHECK_EQ(O.rules[1].flags & MAPCE_RULE_F_FMR, MAPCE_RULE_F_FMR);
	CHECK_EQ(O.rules[1].psid_len, 8); /* derived k filled in for every rule */
	TCASE_END();

	TCASE_BEGIN("options: long form equals compact form; psid-offset default 6");
	{
		struct mapce_rule a, b;

		RUN_OK("--rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-len 16 "
		       "--prefix 2001:db8:12:3400::/56");
		a = O.rules[0];
		RUN_OK("--rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12:3400::/56");
		b = O.rules[0];
		CHECK(!memcmp(&a, &b, sizeof(a)));
		CHECK_EQ(a.psid_offset, 6);
		/* --psid-len that agrees with the EA bits is accepted */
		RUN_OK("--rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-len 16 "
		       "--psid-offset 0x6 --psid-len 8 --prefix 2001:db8:12:3400::/56");
		CHECK_EQ(D.psid, 0x34);
	}
	TCASE_END();
}

/* ------------------------------------------------------------------ */
/* Parsers                                                             */
/* ------------------------------------------------------------------ */

static void test_parsers(void)
{
	static const char *const bad_uint[] = { "", "-1", "+1", " 1", "1 ", "12a", "0x", "0x1g",
						"99999999999999999999999", "1.0", "0x-1" };
	static const char *const bad6[] = { "", "/40", "2001:db8::/", "2001:db8::/129",
					    "2001:db8::/4x", "192.0.2.1", "zz::/3",
					    "2001:db8::/40/1", "2001:db8::/-1" };
	static const char *const bad4[] = { "", "192.0.2/24", "192.0.2.0/33", "1.2.3.4/-1",
					    "2001:db8::", "192.0.2.256", "192.0.2.0/", "/24",
					    "192.0.2.0/24x" };
	unsigned long v = 0;
	__u8 a6[16], len = 0;
	__be32 a4 = 0;

	TCASE_BEGIN("parse_uint: decimal, 0x hex, range, no junk");
	CHECK(parse_uint("0", 10, &v) == 0 && v == 0);
	CHECK(parse_uint("65535", 65535, &v) == 0 && v == 65535);
	CHECK(parse_uint("65536", 65535, &v) == -1);
	CHECK(parse_uint("0x34", 255, &v) == 0 && v == 52);
	CHECK(parse_uint("0XfE", 255, &v) == 0 && v == 254);
	CHECK(parse_uint("010", 255, &v) == 0 && v == 10);
	for (size_t i = 0; i < sizeof(bad_uint) / sizeof(bad_uint[0]); i++)
		CHECK(parse_uint(bad_uint[i], ~0ul, &v) == -1, "'%s' accepted", bad_uint[i]);
	TCASE_END();

	TCASE_BEGIN("parse_ipv6_prefix / parse_ipv4_prefix: bare address = full length");
	CHECK(parse_ipv6_prefix("2001:db8::1", a6, &len) == 0 && len == 128);
	CHECK(parse_ipv6_prefix("2001:db8::/40", a6, &len) == 0 && len == 40);
	CHECK_IP6(a6, "2001:db8::");
	CHECK(parse_ipv6_prefix("::/0", a6, &len) == 0 && len == 0);
	CHECK(parse_ipv4_prefix("192.0.2.1", &a4, &len) == 0 && len == 32);
	CHECK(parse_ipv4_prefix("106.72.0.0/15", &a4, &len) == 0 && len == 15);
	CHECK_IP4(a4, "106.72.0.0");
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++)
		CHECK(parse_ipv6_prefix(bad6[i], a6, &len) == -1, "'%s' accepted", bad6[i]);
	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++)
		CHECK(parse_ipv4_prefix(bad4[i], &a4, &len) == -1, "'%s' accepted", bad4[i]);
	TCASE_END();
}

/* ------------------------------------------------------------------ */
/* Rejections                                                          */
/* ------------------------------------------------------------------ */

#define PFX " --prefix 2001:db8:12:3400::/56"

static void test_rejections(void)
{
	TCASE_BEGIN("reject: address and prefix syntax");
	FAIL("--rule-ipv6 2001:db8::g/40", "2001:db8::g/40");
	FAIL("--rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2/24", "192.0.2/24");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12:3400::/129",
	     "2001:db8:12:3400::/129");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6 --br 2001:db8:ffff::1/64", "2001:db8:ffff::1/64");
	FAIL("--ipv4 192.0.2.300", "192.0.2.300");
	FAIL("--psid 70000", "70000");
	FAIL("--rule-ipv6 2001:db8::/40 --ea-len sixteen", "sixteen");
	FAIL("--rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-len 16 --psid-offset 6x",
	     "6x");
	TCASE_END();

	TCASE_BEGIN("reject: rule IPv6 prefix longer than /64 or with host bits");
	FAIL("--rule 2001:db8::/80,192.0.2.0/24,0,6" PFX, "2001:db8::/80", "64");
	FAIL("--rule 2001:db8::1/40,192.0.2.0/24,16,6" PFX, "2001:db8::1/40", "2001:db8::/40");
	FAIL("--rule 2001:db8:12:3401::/56,192.0.2.1/32,0,6" PFX, "2001:db8:12:3401::/56");
	TCASE_END();

	TCASE_BEGIN("reject: rule IPv4 prefix longer than /32 or with host bits");
	FAIL("--rule 2001:db8::/40,192.0.2.0/33,16,6" PFX, "192.0.2.0/33");
	FAIL("--rule 2001:db8::/40,192.0.2.1/24,16,6" PFX, "192.0.2.1/24", "192.0.2.0/24");
	{
		struct mapce_rule r = mkrule("2001:db8::/40", "192.0.2.0/24", 16, 6);
		char m[200] = "";

		r.ipv4_prefix_len = 33;
		CHECK(mapce_rule_check(&r, m, sizeof(m)) == -1);
		CHECK(strstr(m, "/33") != NULL, "%s", m);
	}
	TCASE_END();

	TCASE_BEGIN("reject: EA length > 48, r6 + o > 64");
	FAIL("--rule 2000::/8,0.0.0.0/0,49,0 --prefix 2000::/64", "49", "48");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,25,6" PFX, "/40", "25", "/65");
	TCASE_END();

	TCASE_BEGIN("reject: CE prefix outside every rule");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6 --rule 2001:db8:100::/40,198.51.100.0/24,16,6 "
	     "--prefix 2001:db9:12:3400::/56",
	     "prefix 2001:db9:12:3400::/56 is not inside any rule IPv6 prefix", "2001:db8::/40",
	     "2001:db8:100::/40");
	/* shorter than the rule prefix itself: not inside it either */
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8::/32", "2001:db8::/32");
	TCASE_END();

	TCASE_BEGIN("reject: CE prefix shorter than r6 + o");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12::/48",
	     "prefix 2001:db8:12::/48 is shorter than rule /40 + 16 EA bits = /56");
	FAIL("--rule 240b:10::/31,106.72.0.0/15,25,4 --prefix 240b:10:3f6c::/48", "/48", "/56");
	TCASE_END();

	TCASE_BEGIN("reject: PSID offset > 15, offset + PSID length > 16");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,16" PFX, "16", "15");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,20,6" PFX, "6", "12", "18");
	FAIL("--ipv4 192.0.2.18 --psid 1 --psid-len 8 --psid-offset 9" PFX, "9", "8", "17");
	FAIL("--ipv4 192.0.2.18 --psid 1 --psid-len 17" PFX, "17");
	FAIL("--ipv4 192.0.2.18 --psid 1 --psid-len 8 --psid-offset 16" PFX, "16");
	FAIL("--rule 2001:db8::/32,192.0.2.0/24,32,0 --prefix 2001:db8:1::/64", "24", "at most 16");
	TCASE_END();

	TCASE_BEGIN("reject: --psid-len contradicting the EA bits");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6 --psid-len 7" PFX, "--psid-len 7", "= 8");
	FAIL("--rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-len 8 --psid-len 4" PFX,
	     "--psid-len 4", "= 0");
	TCASE_END();

	TCASE_BEGIN("reject: explicit PSID that does not fit in the PSID length");
	FAIL("--ipv4 192.0.2.18 --psid 256 --psid-len 8" PFX, "PSID 256", "8 bits");
	FAIL("--ipv4 192.0.2.18 --psid 1 --psid-len 0" PFX, "PSID 1");
	TCASE_END();

	TCASE_BEGIN("reject: a port set with port 0 (offset 0, PSID 0)");
	/* EA bits of 2001:db8:12::/56 under /40 are 0x1200: 192.0.2.18, PSID 0 */
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,0 --prefix 2001:db8:12::/56",
	     "PSID 0 with offset 0 owns ports 0-255, including port 0");
	FAIL("--ipv4 192.0.2.18 --psid 0 --psid-len 6 --psid-offset 0" PFX, "ports 0-1023");
	RUN_OK("--rule 2001:db8::/40,192.0.2.0/24,16,0 --prefix 2001:db8:12:100::/56");
	CHECK_EQ(D.psid, 1);
	CHECK_EQ(mapce_range_first(0, 8, 1, 0), 256);
	TCASE_END();

	TCASE_BEGIN("reject: EA length 0 with a rule IPv4 prefix shorter than /32");
	FAIL("--rule 2001:db8:12:3400::/56,192.0.2.0/24,0,6" PFX, "EA-bits length 0",
	     "192.0.2.0/24");
	TCASE_END();

	TCASE_BEGIN("reject: explicit form missing --ipv4 / --psid-len / --prefix / --psid");
	FAIL("--psid 3 --psid-len 8" PFX, "--ipv4");
	CHECK(O.usage_err);
	FAIL("--ipv4 192.0.2.18 --psid 3" PFX, "--psid-len");
	CHECK(O.usage_err);
	FAIL("--ipv4 192.0.2.18 --psid 3 --psid-len 8", "--prefix");
	CHECK(O.usage_err);
	FAIL("--ipv4 192.0.2.18 --psid-len 8" PFX, "--psid");
	CHECK(O.usage_err);
	FAIL("", "no MAP rule");
	CHECK(O.usage_err);
	TCASE_END();

	TCASE_BEGIN("reject: --rule compact syntax");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16" PFX, "2001:db8::/40,192.0.2.0/24,16'", "got 3");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6,fmr,x" PFX, "got 6");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6,fmx" PFX, "'fmx'");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,x,6" PFX, "'x'");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,y" PFX, "'y'");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16," PFX, "empty field");
	FAIL("--rule 2001:db8::/40,,16,6" PFX, "empty field");
	FAIL("--rule ,,," PFX, "empty field");
	FAIL("--rule 2001:db8::/40,192.0.2.0,16,6/2" PFX, "'6/2'");
	FAIL("--rule 192.0.2.0/24,2001:db8::/40,16,6" PFX, "'192.0.2.0/24' is not an IPv6");
	CHECK(!O.usage_err); /* a bad value: exit 1, not 2 */
	TCASE_END();

	TCASE_BEGIN("reject: misplaced, missing, duplicated and mixed options (usage errors)");
	FAIL("--ea-len 16 --rule-ipv6 2001:db8::/40" PFX, "--ea-len", "--rule-ipv6");
	CHECK(O.usage_err);
	FAIL("--rule-ipv6 2001:db8::/40 --ea-len 16" PFX, "missing --rule-ipv4");
	CHECK(O.usage_err);
	FAIL("--rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24" PFX, "missing --ea-len");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6 --ea-len 8" PFX, "--ea-len given twice");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6", "missing --prefix");
	CHECK(O.usage_err);
	FAIL("--psid-offset 4 --rule 2001:db8::/40,192.0.2.0/24,16,6" PFX, "--psid-offset",
	     "before the first rule");
	FAIL("--ipv4 192.0.2.18 --psid 3 --psid-len 8 --rule 2001:db8::/40,192.0.2.0/24,16,6" PFX,
	     "cannot be combined");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6" PFX PFX, "--prefix given twice");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6 --rule 2001:db8::/40,198.51.100.0/24,16,6" PFX,
	     "2001:db8::/40", "rules 1 and 2");
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12::/48", "/48");
	CHECK(!O.usage_err);
	TCASE_END();

	TCASE_BEGIN("reject: mapce_rule_check on single rules");
	{
		struct mapce_rule ok1 = mkrule("240b:10::/31", "106.72.0.0/15", 25, 4);
		struct mapce_rule ok2 = mkrule("2001:db8::/64", "192.0.2.1/32", 0, 0);
		struct mapce_rule ex = mkrule("2001:db8::/64", "192.0.2.1/32", 0, 6);
		struct mapce_rule bad = mkrule("2001:db8::/40", "192.0.2.0/24", 16, 6);
		char m[200] = "";

		CHECK(mapce_rule_check(&ok1, m, sizeof(m)) == 0, "%s", m);
		CHECK(mapce_rule_check(&ok2, m, sizeof(m)) == 0, "%s", m);
		ex.flags = MAPCE_RULE_F_EXPLICIT;
		ex.psid_len = 10;
		CHECK(mapce_rule_check(&ex, m, sizeof(m)) == 0, "%s", m);
		ex.psid_len = 11;
		CHECK(mapce_rule_check(&ex, m, sizeof(m)) == -1 && strstr(m, "17"), "%s", m);
		bad.ipv6_prefix_len = 65;
		CHECK(mapce_rule_check(&bad, m, sizeof(m)) == -1 && strstr(m, "/65"), "%s", m);
		bad.ipv6_prefix_len = 40;
		bad.psid_offset = 200;
		CHECK(mapce_rule_check(&bad, m, sizeof(m)) == -1 && strstr(m, "200"), "%s", m);
	}
	TCASE_END();
}

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
	test_explicit_form();
	test_k0_and_prefix();
	test_bmr_selection();
	test_parsers();
	test_rejections();
	return t_exit();
}
