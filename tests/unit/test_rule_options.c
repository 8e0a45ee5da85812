// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_rule_options.c - the rule options (user/core/rule_config.c,
 * rule_validate.c): the explicit (lw4o6) form, rules without sharing and
 * the CE prefix, BMR selection (the longest rule prefix), the value
 * parsers, and every rejection with a message naming the bad value.
 */
#include "rule_fixture.h"

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

	TCASE_BEGIN("explicit: without a prefix, the address and the port set, no MAP address");
	RUN_OK("--ipv4 192.0.2.18 --psid 52 --psid-len 8 --psid-offset 4");
	CHECK_IP4(D.ipv4, "192.0.2.18");
	CHECK_EQ(D.psid, 52);
	CHECK_EQ(D.port_count, 240);
	CHECK(!D.have_ce_ipv6);
	RUN_OK("--ipv4 192.0.2.18 --psid 52 --psid-len 8 --psid-offset 4 --prefix "
	       "2001:db8:12:3400::/56");
	CHECK(D.have_ce_ipv6);
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
	RUN_OK("--rule 240b:10::/31,106.72.0.0/15,25,4 --prefix 240b:10:3f6c:d4ab::/64 "
	       "--legacy-iid");
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
	RUN_OK("--rule 2001:db8::/40,192.0.2.0/24,16,6 --rule "
	       "2001:db8:ff00::/40,203.0.113.0/24,16,6,fmr "
	       "--rule-ipv6 2001:db8:100::/40 --rule-ipv4 198.51.100.0/24 --ea-len 16 --fmr "
	       "--prefix 2001:db8:12:3400::/56");
	CHECK_EQ(O.rules[0].flags & MAPCE_RULE_F_FMR, 0);
	CHECK_EQ(O.rules[1].flags & MAPCE_RULE_F_FMR, MAPCE_RULE_F_FMR);
	CHECK_EQ(O.rules[2].flags & MAPCE_RULE_F_FMR, MAPCE_RULE_F_FMR);
	CHECK_EQ(O.rules[2].psid_offset, 6); /* default */
	RUN_OK("--mesh --rule 2001:db8::/40,192.0.2.0/24,16,6 --rule "
	       "2001:db8:ff00::/40,203.0.113.0/24,16,6 "
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
	static const char *const bad_uint[] = { "",    "-1",   "+1",
						" 1",  "1 ",   "12a",
						"0x",  "0x1g", "99999999999999999999999",
						"1.0", "0x-1" };
	static const char *const bad6[] = {
		"",	     "/40",    "2001:db8::/",	  "2001:db8::/129", "2001:db8::/4x",
		"192.0.2.1", "zz::/3", "2001:db8::/40/1", "2001:db8::/-1"
	};
	static const char *const bad4[] = { "",		  "192.0.2/24", "192.0.2.0/33",
					    "1.2.3.4/-1", "2001:db8::", "192.0.2.256",
					    "192.0.2.0/", "/24",	"192.0.2.0/24x" };
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
	FAIL("--rule 2001:db8::/40,192.0.2.0/24,16,6 --br 2001:db8:ffff::1/64",
	     "2001:db8:ffff::1/64");
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

	TCASE_BEGIN("reject: a rule IPv4 prefix outside unicast address space");
	FAIL("--rule 2001:db8::/32,0.0.0.0/0,32,6" PFX, "0.0.0.0/0", "not unicast");
	FAIL("--rule 2001:db8::/40,127.0.0.0/24,16,6" PFX, "127.0.0.0/24", "not unicast");
	FAIL("--rule 2001:db8::/40,224.0.0.0/24,16,6" PFX, "224.0.0.0/24", "not unicast");
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

	TCASE_BEGIN("reject: explicit form missing --ipv4 / --psid-len / --psid");
	FAIL("--psid 3 --psid-len 8" PFX, "--ipv4");
	CHECK(O.usage_err);
	FAIL("--ipv4 192.0.2.18 --psid 3" PFX, "--psid-len");
	CHECK(O.usage_err);
	FAIL("--ipv4 192.0.2.18 --psid-len 8" PFX, "--psid");
	CHECK(O.usage_err);
	FAIL("", "no MAP rule");
	CHECK(O.usage_err);
	TCASE_END();

	TCASE_BEGIN("reject: a routed prefix (ipip6's --ipv4 ADDR/LEN) with a PSID");
	FAIL("--ipv4 192.0.2.18/29 --psid 3 --psid-len 8" PFX, "routed prefix", "takes no --psid");
	CHECK(O.usage_err);
	FAIL("--ipv4 192.0.2.18/23 --psid 3 --psid-len 8" PFX, "is /24 to /32, not /23");
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
	test_explicit_form();
	test_k0_and_prefix();
	test_bmr_selection();
	test_parsers();
	test_rejections();
	return t_exit();
}
