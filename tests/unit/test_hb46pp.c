// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_hb46pp.c - the HB46PP codec (user/core/hb46pp.h): the TXT record,
 * the query URL and the JSON answer.
 *
 * The answers are files in tests/unit/hb46pp/ (README.md there: the
 * specification's own example among them), read from the repository's
 * top (tests/run.sh runs from there).  The expected values are written
 * out here from the specification's text, not computed by the code under
 * test.  Every malformed variant is the specification's example with one
 * field changed, and must fail with a message starting with that field.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "core/hb46pp.h"

#define DIR "tests/unit/hb46pp/"

static char errbuf[1024];
static struct hb46pp_answer A;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static int parse_file(const char *name)
{
	size_t len = 0;
	char *j = slurp(name, &len);
	int ret;

	CHECK(j, "cannot read %s (run from the repository's top)", name);
	if (!j)
		return -2;
	errbuf[0] = '\0';
	ret = hb46pp_parse(j, len, &A, errbuf, sizeof(errbuf));
	free(j);
	return ret;
}

static int parse_str(const char *s)
{
	errbuf[0] = '\0';
	return hb46pp_parse(s, strlen(s), &A, errbuf, sizeof(errbuf));
}

static bool addr6_is(const __u8 a[16], const char *want)
{
	__u8 w[16];

	return inet_pton(AF_INET6, want, w) == 1 && !memcmp(a, w, 16);
}

static void test_spec_example(void)
{
	const struct mapce_rule *r = &A.map_e.rules[0];
	__u8 p6[16];

	TCASE_BEGIN("hb46pp: the specification's example answer");
	CHECK_EQ(parse_file(DIR "spec_example.json"), 0);
	CHECK(!errbuf[0], "%s", errbuf);
	CHECK(A.have_ttl);
	CHECK_EQ(A.ttl, 86400);
	CHECK_EQ(A.n_order, 3);
	CHECK_EQ(A.order[0], HB46PP_464XLAT);
	CHECK_EQ(A.order[1], HB46PP_MAP_E);
	CHECK_EQ(A.order[2], HB46PP_DSLITE);
	/* 464xlat comes first, but mapce does not run it: map_e */
	CHECK_EQ(A.service, HB46PP_MAP_E);
	CHECK(A.map_e.present);
	CHECK(A.map_e.legacy_iid, "version 0: draft-03's IID");
	CHECK(A.map_e.mesh);
	CHECK(addr6_is(A.map_e.br, "2001:db8:1::1"));
	CHECK_EQ(A.map_e.n_rules, 1);
	inet_pton(AF_INET6, "2001:db8:1:2000::", p6);
	CHECK(!memcmp(r->ipv6_prefix, p6, 16));
	CHECK_EQ(r->ipv6_prefix_len, 52);
	CHECK_EQ(r->ipv4_prefix, inet_addr("203.0.113.0"));
	CHECK_EQ(r->ipv4_prefix_len, 24);
	CHECK_EQ(r->ea_len, 12);
	CHECK_EQ(r->psid_offset, 4);
	CHECK_EQ(r->psid_len, 4); /* o - (32 - r4) = 12 - 8 */
	CHECK(!(r->flags & MAPCE_RULE_F_FMR), "mesh is the answer's flag, not each rule's");
	CHECK(A.dslite.present && !A.dslite.is_addr);
	CHECK_STR(A.dslite.aftr, "aftr.example.net");
	CHECK(A.lw4o6.present && !A.lw4o6.is_addr);
	CHECK_STR(A.lw4o6.lwaftr, "lwaftr.example.net");
	CHECK_EQ(A.lw4o6.ipv6_len, 56);
	CHECK_EQ(A.lw4o6.ipv4, inet_addr("203.0.113.16"));
	CHECK_EQ(A.lw4o6.psid, 3);
	CHECK_EQ(A.lw4o6.psid_len, 8);
	CHECK_EQ(A.lw4o6.psid_offset, 6);
	CHECK(A.ipip.present);
	CHECK_EQ(A.ipip.n, 1);
	CHECK(addr6_is(A.ipip.local, "2001:db8:7:100::7"));
	CHECK(addr6_is(A.ipip.remote, "2001:db8:7::1"));
	CHECK_EQ(A.ipip.ipv4, inet_addr("203.0.113.0"));
	CHECK_EQ(A.ipip.ipv4_len, 29);
	TCASE_END();
}

static void test_field_answers(void)
{
	TCASE_BEGIN("hb46pp: a DS-Lite answer as seen in the field");
	CHECK_EQ(parse_file(DIR "dslite_field.json"), 0);
	CHECK(!errbuf[0], "%s", errbuf);
	CHECK_EQ(A.service, HB46PP_DSLITE);
	CHECK_STR(A.dslite.aftr, "dslite.v6connect.net");
	CHECK(!A.map_e.present && !A.lw4o6.present && !A.ipip.present);
	CHECK_EQ(A.ttl, 86400);
	TCASE_END();

	TCASE_BEGIN("hb46pp: a fixed IPv4 (ipip) answer");
	CHECK_EQ(parse_file(DIR "ipip_fixed.json"), 0);
	CHECK(!errbuf[0], "%s", errbuf);
	CHECK_EQ(A.service, HB46PP_IPIP);
	CHECK(addr6_is(A.ipip.local, "2001:db8:77:1200:c6:3364:7b00:0"));
	CHECK(addr6_is(A.ipip.remote, "2001:db8:ffff::65"));
	CHECK_EQ(A.ipip.ipv4, inet_addr("198.51.100.123"));
	CHECK_EQ(A.ipip.ipv4_len, 32);
	TCASE_END();

	TCASE_BEGIN("hb46pp: order [] is no service, not an error");
	CHECK_EQ(parse_file(DIR "empty_order.json"), 0);
	CHECK_EQ(A.n_order, 0);
	CHECK_EQ(A.service, HB46PP_NONE);
	TCASE_END();

	TCASE_BEGIN("hb46pp: only services mapce does not run: none chosen");
	CHECK_EQ(parse_str("{\"order\":[\"map_t\",\"464xlat\"],"
			   "\"464xlat\":{\"nat64prefix\":\"2001:db8:6::/96\"}}"),
		 0);
	CHECK_EQ(A.service, HB46PP_NONE);
	CHECK(!A.have_ttl, "no ttl given");
	TCASE_END();

	TCASE_BEGIN("hb46pp: RFC 7597 IIDs (version 1), mesh as 0, an AFTR address");
	CHECK_EQ(parse_str("{\"order\":[\"map_e\"],\"map_e\":{\"version\":1,\"mesh\":0,"
			   "\"br\":\"2001:db8::64\",\"rules\":[{\"ipv6\":\"2001:db8::/40\","
			   "\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16,\"psid_offset\":6}]},"
			   "\"dslite\":{\"aftr\":\"2001:db8::feed\"}}"),
		 0);
	CHECK(!errbuf[0], "%s", errbuf);
	CHECK(!A.map_e.legacy_iid && !A.map_e.mesh);
	CHECK(A.dslite.is_addr);
	TCASE_END();
}

/* The specification's example with one substring replaced: must fail
 * with a message starting with want. */
struct variant {
	const char *what, *from, *to, *want;
};

static const struct variant variants[] = {
	{ "order missing", "\"order\": [ \"464xlat\", \"map_e\", \"dslite\" ],", "",
	  "answer.order: missing" },
	{ "order not an array", "[ \"464xlat\", \"map_e\", \"dslite\" ]", "\"map_e\"",
	  "order: an array" },
	{ "unknown order entry", "\"464xlat\", \"map_e\"", "\"464xlat\", \"map_x\"",
	  "order[1]: unknown service 'map_x'" },
	{ "order entry not a string", "\"464xlat\", \"map_e\"", "\"464xlat\", 5",
	  "order[1]: a string" },
	{ "order entry twice", "\"map_e\", \"dslite\" ]", "\"map_e\", \"map_e\" ]",
	  "order[2]: 'map_e' listed twice" },
	{ "ordered but absent", "\"dslite\": {\n    \"aftr\": \"aftr.example.net\"\n  },", "",
	  NULL },
	{ "ttl a string", "\"ttl\": 86400", "\"ttl\": \"86400\"", "ttl: a number" },
	{ "ttl over 7 days", "\"ttl\": 86400", "\"ttl\": 604801", "ttl: 604801 out of range" },
	{ "ttl negative", "\"ttl\": 86400", "\"ttl\": -1", "ttl: -1 out of range" },
	{ "ttl zero", "\"ttl\": 86400", "\"ttl\": 0", "ttl: 0 out of range" },
	{ "ttl fractional", "\"ttl\": 86400", "\"ttl\": 86400.5", "ttl: a number (integer)" },
	{ "ttl huge", "\"ttl\": 86400", "\"ttl\": 99999999999999999999999", "ttl:" },
	{ "map_e not an object", "\"map_e\": {", "\"map_e\": [], \"x\": {", "map_e: an object" },
	{ "map_e.br missing", "\"br\": \"2001:db8:1::1\",", "", "map_e.br: missing" },
	{ "map_e.br bad address", "\"br\": \"2001:db8:1::1\"", "\"br\": \"2001:db8:1::1::\"",
	  "map_e.br: '2001:db8:1::1::' is not an IPv6 address" },
	{ "map_e.br an IPv4 address", "\"br\": \"2001:db8:1::1\"", "\"br\": \"192.0.2.1\"",
	  "map_e.br: '192.0.2.1' is not an IPv6" },
	{ "map_e.br multicast", "\"br\": \"2001:db8:1::1\"", "\"br\": \"ff02::1\"",
	  "map_e.br: ff02::1 is not a global unicast" },
	{ "map_e.br a number", "\"br\": \"2001:db8:1::1\"", "\"br\": 1", "map_e.br: a string" },
	{ "map_e.version 2", "\"version\": 0", "\"version\": 2", "map_e.version: 2 out of range" },
	{ "map_e.mesh a string", "\"mesh\": true", "\"mesh\": \"yes\"",
	  "map_e.mesh: true, false, 0 or 1" },
	{ "map_e.mesh 2", "\"mesh\": true", "\"mesh\": 2", "map_e.mesh: 2 out of range" },
	{ "map_e.rules missing",
	  "\"rules\": [\n      {\n        \"ipv6\": \"2001:db8:1:2000::/52\"",
	  "\"rulez\": [\n      {\n        \"ipv6\": \"2001:db8:1:2000::/52\"",
	  "map_e.rules: missing" },
	{ "map_e.rules empty",
	  "\"rules\": [\n      {\n        \"ipv6\": \"2001:db8:1:2000::/52\",\n        \"ipv4\": "
	  "\"203.0.113.0/24\",\n        \"ea_length\": 12,\n        \"psid_offset\": 4\n      }\n  "
	  "  ]",
	  "\"rules\": []", "map_e.rules: empty" },
	{ "rule ipv6 missing", "\"ipv6\": \"2001:db8:1:2000::/52\",", "",
	  "map_e.rules[0].ipv6: missing" },
	{ "rule ipv6 bad", "\"2001:db8:1:2000::/52\"", "\"2001:db8:1:2000::/129\"",
	  "map_e.rules[0].ipv6: '2001:db8:1:2000::/129' is not an IPv6 prefix" },
	{ "rule ipv6 without length", "\"2001:db8:1:2000::/52\"", "\"2001:db8:1:2000::\"",
	  "map_e.rules[0].ipv6: '2001:db8:1:2000::' is not an IPv6 prefix" },
	{ "rule ipv6 host bits", "\"2001:db8:1:2000::/52\"", "\"2001:db8:1:2001::/52\"",
	  "map_e.rules[0]:" },
	{ "rule ipv4 bad", "\"203.0.113.0/24\",\n        \"ea_length\": 12",
	  "\"203.0.113.0/33\",\n        \"ea_length\": 12",
	  "map_e.rules[0].ipv4: '203.0.113.0/33' is not an IPv4 prefix" },
	{ "rule ipv4 a number", "\"203.0.113.0/24\",\n        \"ea_length\": 12",
	  "24,\n        \"ea_length\": 12", "map_e.rules[0].ipv4: a string" },
	{ "rule ea_length a string", "\"ea_length\": 12", "\"ea_length\": \"12\"",
	  "map_e.rules[0].ea_length: a number" },
	{ "rule ea_length 49", "\"ea_length\": 12", "\"ea_length\": 49",
	  "map_e.rules[0].ea_length: 49 out of range" },
	{ "rule longer than 64 bits (r6 + ea_length)", "\"ea_length\": 12", "\"ea_length\": 48",
	  "map_e.rules[0]:" },
	{ "rule psid_offset missing",
	  ",\n        \"psid_offset\": 4\n      }\n    ]\n  },\n  \"dslite\"",
	  "\n      }\n    ]\n  },\n  \"dslite\"", "map_e.rules[0].psid_offset: missing" },
	{ "rule psid_offset 16", "\"psid_offset\": 4\n      }\n    ]\n  },\n  \"dslite\"",
	  "\"psid_offset\": 16\n      }\n    ]\n  },\n  \"dslite\"",
	  "map_e.rules[0].psid_offset: 16 out of range" },
	{ "rule not an object", "\"rules\": [\n      {", "\"rules\": [ 1, {",
	  "map_e.rules[0]: an object" },
	{ "dslite.aftr missing", "\"aftr\": \"aftr.example.net\"", "\"afr\": \"aftr.example.net\"",
	  "dslite.aftr: missing" },
	{ "dslite.aftr not a name", "\"aftr.example.net\"", "\"aftr..example.net\"",
	  "dslite.aftr: 'aftr..example.net' is neither" },
	{ "dslite.aftr with a blank", "\"aftr.example.net\"", "\"aftr example.net\"",
	  "dslite.aftr:" },
	{ "dslite.aftr empty", "\"aftr.example.net\"", "\"\"", "dslite.aftr: empty" },
	{ "dslite.aftr a multicast address", "\"aftr.example.net\"", "\"ff05::1\"",
	  "dslite.aftr: ff05::1 is not a global unicast" },
	{ "dslite not an object", "\"dslite\": {\n    \"aftr\": \"aftr.example.net\"\n  }",
	  "\"dslite\": \"aftr.example.net\"", "dslite: an object" },
	{ "lw4o6.psid over its length", "\"psid\": 3,", "\"psid\": 256,",
	  "lw4o6.psid: 256 out of range" },
	{ "lw4o6.ipv4 a prefix", "\"203.0.113.16\"", "\"203.0.113.16/32\"",
	  "lw4o6.ipv4: '203.0.113.16/32' is not a unicast" },
	{ "lw4o6 offset + length over 16", "\"psid_offset\": 6\n  }", "\"psid_offset\": 12\n  }",
	  "lw4o6.psid_offset: 12 + psid_length 8" },
	{ "lw4o6.ipv6 missing", "\"ipv6\": \"2001:db8:3:100::/56\",", "", "lw4o6.ipv6: missing" },
	{ "ipip not an array", "\"ipip\": [", "\"ipip\": \"x\", \"y\": [", "ipip: an array" },
	{ "ipip empty",
	  "\"ipip\": [\n    {\n      \"ipv6_local\": \"2001:db8:7:100::7\",\n      "
	  "\"ipv6_remote\": \"2001:db8:7::1\",\n      \"ipv4\": \"203.0.113.0/29\"\n    }\n  ]",
	  "\"ipip\": []", "ipip: empty" },
	{ "ipip ipv6_local bad", "\"2001:db8:7:100::7\"", "\"2001:db8:7:100::7/64\"",
	  "ipip[0].ipv6_local: '2001:db8:7:100::7/64' is not an IPv6 address" },
	{ "ipip ipv6_remote missing", "\"ipv6_remote\": \"2001:db8:7::1\",", "",
	  "ipip[0].ipv6_remote: missing" },
	{ "ipip ipv4 bad", "\"203.0.113.0/29\"", "\"203.0.113.0/29x\"",
	  "ipip[0].ipv4: '203.0.113.0/29x' is not" },
	{ "ipip ipv4 loopback", "\"203.0.113.0/29\"", "\"127.0.0.1/32\"",
	  "ipip[0].ipv4: '127.0.0.1/32' is not" },
	{ "not JSON", "{\n  \"enabler_name\"", "{\n  enabler_name", "answer: not JSON" },
	{ "trailing comma (strict JSON)", "\"ipv4\": \"203.0.113.0/29\"\n",
	  "\"ipv4\": \"203.0.113.0/29\",\n", "answer: not JSON" },
	{ "text after the value", "\n  ]\n}\n", "\n  ]\n}\n{}", "answer: not JSON" },
	{ "cut short", "\n  ]\n}\n", "\n  ]\n", "answer: the JSON text ends early" },
	{ "a string with a NUL", "\"ISP-A\"", "\"ISP\\u0000A\"", NULL },
	{ "aftr with a NUL", "\"aftr.example.net\"", "\"aftr\\u0000.example.net\"",
	  "dslite.aftr: a NUL byte" },
};

static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t a, n;
	char *out;

	if (!at)
		return NULL;
	a = (size_t)(at - s);
	n = strlen(s) - strlen(from) + strlen(to);
	out = malloc(n + 1);
	if (!out)
		return NULL;
	memcpy(out, s, a);
	strcpy(out + a, to);
	strcat(out, at + strlen(from));
	return out;
}

static void test_malformed(void)
{
	size_t len = 0;
	char *base = slurp(DIR "spec_example.json", &len), name[160], *v;

	TCASE_BEGIN("hb46pp: the example file is there for the variants");
	CHECK(base, "cannot read " DIR "spec_example.json");
	TCASE_END();
	if (!base)
		return;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		const struct variant *x = &variants[i];

		snprintf(name, sizeof(name), "hb46pp: malformed: %s", x->what);
		TCASE_BEGIN(name);
		v = replace(base, x->from, x->to);
		CHECK(v, "the variant's text is not in the example: %s", x->from);
		if (v) {
			int ret = parse_str(v);

			if (!x->want) {
				/* "ordered but absent": dslite comes after map_e, which is
				 * chosen: dslite's absence is no error.  A NUL in a field
				 * mapce does not read: accepted. */
				CHECK_EQ(ret, 0);
				CHECK_EQ(A.service, HB46PP_MAP_E);
			} else {
				CHECK_EQ(ret, -1);
				CHECK(!strncmp(errbuf, x->want, strlen(x->want)),
				      "message '%s', want '%s...'", errbuf, x->want);
				CHECK_EQ(A.service, HB46PP_NONE); /* nothing left half-filled */
				CHECK(!A.map_e.present && !A.n_order);
			}
			free(v);
		}
		TCASE_END();
	}
	free(base);
}

static void test_order_object_missing(void)
{
	TCASE_BEGIN("hb46pp: the chosen service's object missing");
	CHECK_EQ(parse_str(
			 "{\"ttl\":60,\"order\":[\"dslite\",\"map_e\"],"
			 "\"map_e\":{\"br\":\"2001:db8::1\",\"rules\":[{\"ipv6\":\"2001:db8::/40\","
			 "\"ipv4\":\"192.0.2.0/24\",\"ea_length\":16,\"psid_offset\":6}]}}"),
		 -1);
	CHECK_STR(errbuf, "order[0]: 'dslite' ordered but the answer has no dslite object");
	TCASE_END();

	TCASE_BEGIN("hb46pp: not an object at the top, a NUL byte in the text");
	CHECK_EQ(parse_str("[]"), -1);
	CHECK(!strncmp(errbuf, "answer: a JSON object expected", 30), "%s", errbuf);
	CHECK_EQ(hb46pp_parse("{\"order\":[]}\0", 13, &A, errbuf, sizeof(errbuf)), -1);
	CHECK(strstr(errbuf, "NUL"), "%s", errbuf);
	CHECK_EQ(parse_str(""), -1);
	CHECK_EQ(parse_str("{\"order\":[],\"order\":[\"bogus\"]}"), -1); /* the last one counts */
	TCASE_END();

	TCASE_BEGIN("hb46pp: 33 rules: more than mapce holds");
	{
		static char big[8192];
		size_t n =
			(size_t)snprintf(big, sizeof(big),
					 "{\"order\":[\"map_e\"],\"map_e\":{\"br\":\"2001:db8::1\","
					 "\"rules\":[");

		for (int i = 0; i < 33; i++)
			n += (size_t)snprintf(
				big + n, sizeof(big) - n,
				"%s{\"ipv6\":\"2001:db8:%x::/48\",\"ipv4\":\"192.0.2.%d/32\","
				"\"ea_length\":0,\"psid_offset\":0}",
				i ? "," : "", i, i);
		snprintf(big + n, sizeof(big) - n, "]}}");
		CHECK_EQ(parse_str(big), -1);
		CHECK(!strncmp(errbuf, "map_e.rules: 33 rules; mapce holds at most 32", 45), "%s",
		      errbuf);
	}
	TCASE_END();
}

static void test_txt(void)
{
	struct hb46pp_txt t;

	TCASE_BEGIN("hb46pp: the TXT record of §3.1");
	CHECK_EQ(hb46pp_parse_txt("v=v6mig-1 url=https://vne.example.jp/rule.cgi t=b", &t, errbuf,
				  sizeof(errbuf)),
		 0);
	CHECK_STR(t.url, "https://vne.example.jp/rule.cgi");
	CHECK(t.verify);
	CHECK_EQ(hb46pp_parse_txt("v=v6mig-1  url=http://[2001:db8::80]:8080/c  t=a", &t, errbuf,
				  sizeof(errbuf)),
		 0);
	CHECK_STR(t.url, "http://[2001:db8::80]:8080/c");
	CHECK(!t.verify);
	TCASE_END();

	static const struct {
		const char *txt, *want;
	} bad[] = {
		{ "", "TXT record: empty" },
		{ "v=v6mig-2 url=https://a.example/ t=b",
		  "TXT record: 'v=v6mig-2': not a v=v6mig-1" },
		{ "url=https://a.example/ v=v6mig-1 t=b",
		  "TXT record 'url=https://a.example/ v=v6mig-1 t=b': does not start" },
		{ "v=v6mig-1 t=b", "TXT record: no url=" },
		{ "v=v6mig-1 url=https://a.example/", "TXT record: no t=" },
		{ "v=v6mig-1 url=https://a.example/ t=c", "TXT record: t=c: not a or b" },
		{ "v=v6mig-1 url=ftp://a.example/ t=b",
		  "url 'ftp://a.example/': not an http:// or https://" },
		{ "v=v6mig-1 url=https:///x t=b", "url 'https:///x': no host" },
		{ "v=v6mig-1 url=http://a.example/ t=b",
		  "TXT record: t=b (verify the certificate) with the http URL" },
		{ "v=v6mig-1 url=https://a.example/ url=https://b.example/ t=b",
		  "TXT record: url= given twice" },
		{ "v=v6mig-1 url=https://a.example/ t=b t=a", "TXT record: t= given twice" },
		{ "v=v6mig-1 url=https://a.example/ t=b x=1", "TXT record: unknown field 'x=1'" },
		{ "v=v6mig-1 url= t=b", "TXT record: url= is empty" },
		{ "v=v6mig-1 url=https://a.example/\x01 t=b",
		  "url 'https://a.example/\x01...': character 0x01" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[128];

		snprintf(name, sizeof(name), "hb46pp: bad TXT record %zu", i);
		TCASE_BEGIN(name);
		CHECK_EQ(hb46pp_parse_txt(bad[i].txt, &t, errbuf, sizeof(errbuf)), -1);
		CHECK(!strncmp(errbuf, bad[i].want, strlen(bad[i].want)), "'%s', want '%s'", errbuf,
		      bad[i].want);
		TCASE_END();
	}
}

/* hb46pp_query_url into a scratch buffer (the result is not looked at) */
static int query(const struct hb46pp_client *c, const char *url)
{
	static char out[HB46PP_URL_MAX + 1];

	return hb46pp_query_url(url, c, out, sizeof(out), errbuf, sizeof(errbuf));
}

static void test_query(void)
{
	struct hb46pp_client c = { "acde48-v6pc_swg_hgw", "V6MIG-ROUTER", "1_32",
				   "map_e,dslite,lw4o6,hubspoke" };
	char url[HB46PP_URL_MAX + 1], v[40];

	TCASE_BEGIN("hb46pp: the query of §3.3");
	CHECK_EQ(hb46pp_query_url("https://vne.example.jp/config", &c, url, sizeof(url), errbuf,
				  sizeof(errbuf)),
		 0);
	CHECK_STR(url, "https://vne.example.jp/config?vendorid=acde48-v6pc_swg_hgw&product=V6MIG-"
		       "ROUTER&version=1_32&capability=map_e,dslite,lw4o6,hubspoke");
	CHECK_EQ(hb46pp_query_url("https://vne.example.jp/rule.cgi?x=1", &c, url, sizeof(url),
				  errbuf, sizeof(errbuf)),
		 0);
	CHECK(!strncmp(url, "https://vne.example.jp/rule.cgi?x=1&vendorid=", 45), "%s", url);
	hb46pp_version("0.1.0", v, sizeof(v));
	CHECK_STR(v, "0_1_0");
	hb46pp_version("", v, sizeof(v));
	CHECK_STR(v, "0");
	hb46pp_version("123456789012345678901234567890123456", v, sizeof(v));
	CHECK_EQ(strlen(v), 32);
	TCASE_END();

	TCASE_BEGIN("hb46pp: query parameters outside §3.3's syntax");
	c.vendorid = "acde4-x";
	CHECK_EQ(query(&c, "https://a.example/"), -1);
	CHECK(!strncmp(errbuf, "vendorid 'acde4-x'", 18), "%s", errbuf);
	c.vendorid = "acde48-a&b";
	CHECK_EQ(query(&c, "https://a.example/"), -1);
	c.vendorid = "acde48-1234567890123456789012345";
	CHECK_EQ(query(&c, "https://a.example/"), -1);
	c.vendorid = "acde48";
	CHECK_EQ(query(&c, "https://a.example/"), 0);
	c.version = "1.32";
	CHECK_EQ(query(&c, "https://a.example/"), -1);
	CHECK(!strncmp(errbuf, "version '1.32'", 14), "%s", errbuf);
	c.version = "1";
	c.product = "a b";
	CHECK_EQ(query(&c, "https://a.example/"), -1);
	c.product = "x";
	CHECK_EQ(query(&c, "gopher://a.example/"), -1);
	TCASE_END();
}

int main(void)
{
	test_spec_example();
	test_field_answers();
	test_malformed();
	test_order_object_missing();
	test_txt();
	test_query();
	return t_exit();
}
