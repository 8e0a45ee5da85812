// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_mode_auto.c - an HB46PP answer as config lines (core/hb46pp_config.h,
 * what `mapce provision` prints) and those lines applied to the settings
 * of `mode auto` (core/mode_auto.h), with the ttl's clamp and the backoff,
 * and the provision-vendorid key (checked as `mapce provision --vendorid`).
 *
 * The answers are the files of tests/unit/hb46pp/ (its README.md); the
 * expected lines are written out here from those files, not computed.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "core/config_file.h"
#include "core/hb46pp_config.h"
#include "core/mode.h"
#include "core/mode_auto.h"

#define DIR "tests/unit/hb46pp/"

static char errbuf[1024];
static struct hb46pp_answer A;
static struct hb46pp_config C;

static int parse_file(const char *name)
{
	static char buf[65536];
	FILE *f = fopen(name, "rb");
	size_t n;

	CHECK(f, "cannot read %s (run from the repository's top)", name);
	if (!f)
		return -2;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	errbuf[0] = '\0';
	if (hb46pp_parse(buf, n, &A, errbuf, sizeof(errbuf)))
		return -1;
	return hb46pp_config(&A, &C, errbuf, sizeof(errbuf));
}

/* The lines as "key value|key value|...". */
static const char *joined(const struct hb46pp_config *c)
{
	static char out[2048];
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < c->n; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s %s", i ? "|" : "",
				      c->lines[i].key, c->lines[i].value);
	return out;
}

/* Settings of "wan eth9 / mode auto" plus extra config words (a file's line). */
static void auto_settings(struct up_settings *s, const char *key, const char *value)
{
	char k1[] = "wan", v1[] = "eth9", k2[] = "mode", v2[] = "auto", k3[64], v3[256];
	char *w1[] = { k1, v1 }, *w2[] = { k2, v2 }, *w3[] = { k3, v3 };

	up_settings_init(s);
	snprintf(s->path, sizeof(s->path), "/etc/mapce/eth9.conf");
	CHECK(!config_line_apply(s, w1, 2, 1, errbuf, sizeof(errbuf)), "%s", errbuf);
	CHECK(!config_line_apply(s, w2, 2, 2, errbuf, sizeof(errbuf)), "%s", errbuf);
	CHECK_EQ(s->val[UK_MODE], MAPCE_MODE_AUTO);
	if (key) {
		snprintf(k3, sizeof(k3), "%s", key);
		snprintf(v3, sizeof(v3), "%s", value);
		CHECK(!config_line_apply(s, w3, value ? 2 : 1, 3, errbuf, sizeof(errbuf)), "%s",
		      errbuf);
	}
}

static void test_lines(void)
{
	TCASE_BEGIN("mode auto: a map_e answer as config lines");
	CHECK_EQ(parse_file(DIR "spec_example.json"), 0);
	CHECK_EQ(C.service, HB46PP_MAP_E);
	CHECK(C.n >= 3 && !strcmp(C.lines[0].key, "rule") && C.lines[0].kind == HB46PP_LIST, "%s",
	      joined(&C));
	CHECK_STR(C.lines[C.n - 2].key, "legacy-iid");
	CHECK_STR(C.lines[C.n - 1].key, "mesh");
	TCASE_END();

	TCASE_BEGIN("mode auto: a fixed IPv4 (ipip) answer as config lines, /32 as one address");
	CHECK_EQ(parse_file(DIR "ipip_fixed.json"), 0);
	CHECK_STR(joined(&C), "mode ipip6|ipv4 198.51.100.123|br 2001:db8:ffff::65|"
			      "iid c6:3364:7b00:0");
	CHECK(C.note != NULL);
	TCASE_END();

	TCASE_BEGIN("mode auto: order [] is an error naming it");
	CHECK_EQ(parse_file(DIR "empty_order.json"), -1);
	CHECK(strstr(errbuf, "order: []"), "%s", errbuf);
	TCASE_END();
}

static void test_apply(void)
{
	static struct up_settings s, out;
	static struct hb46pp_config other;

	TCASE_BEGIN("mode auto: the ipip answer applied: mode ipip6, the address, the far end");
	CHECK_EQ(parse_file(DIR "ipip_fixed.json"), 0);
	auto_settings(&s, "mtu", "1400");
	CHECK(!mode_auto_apply(&s, &C, "https://prov.example/", &out, errbuf, sizeof(errbuf)), "%s",
	      errbuf);
	CHECK_EQ(out.val[UK_MODE], MAPCE_MODE_IPIP6);
	CHECK(out.rule.have_ipv4 && out.rule.ipv4 == inet_addr("198.51.100.123"));
	CHECK(out.rule.have_br && out.set[UK_IID] && out.iid[7] == 0 && out.iid[1] == 0xc6);
	CHECK_EQ(out.val[UK_MTU], 1400);	   /* the config's own settings stay */
	CHECK_EQ(s.val[UK_MODE], MAPCE_MODE_AUTO); /* s untouched */
	TCASE_END();

	TCASE_BEGIN("mode auto: a map_e answer applied: the rules and the BR, mode map-e");
	CHECK_EQ(parse_file(DIR "spec_example.json"), 0);
	auto_settings(&s, NULL, NULL);
	CHECK_EQ(mode_auto_apply(&s, &C, "u", &out, errbuf, sizeof(errbuf)), 0);
	CHECK_EQ(out.val[UK_MODE], MAPCE_MODE_MAP_E);
	CHECK(out.rule.n_rules == A.map_e.n_rules && out.rule.have_br && out.rule_given);
	TCASE_END();

	TCASE_BEGIN("mode auto: a br in the config beside it is refused, naming it");
	auto_settings(&s, "br", "2001:db8::1");
	CHECK_EQ(mode_auto_apply(&s, &C, "u", &out, errbuf, sizeof(errbuf)), -1);
	CHECK(strstr(errbuf, "br: mode auto takes the service"), "%s", errbuf);
	auto_settings(&s, "aftr", "aftr.example.net");
	CHECK_EQ(mode_auto_check(&s, errbuf, sizeof(errbuf)), -1);
	CHECK(strstr(errbuf, "eth9.conf:3: aftr"), "%s", errbuf);
	TCASE_END();

	TCASE_BEGIN("mode auto: an answer line mapce refuses names the answer and the line");
	CHECK_EQ(parse_file(DIR "ipip_fixed.json"), 0);
	other = C;
	snprintf(other.lines[3].value, sizeof(other.lines[3].value), "c6:3364:7b00:0:1");
	auto_settings(&s, NULL, NULL);
	CHECK_EQ(mode_auto_apply(&s, &other, "https://p/", &out, errbuf, sizeof(errbuf)), -1);
	CHECK(strstr(errbuf, "the answer of https://p/: iid c6:3364:7b00:0:1: "), "%s", errbuf);
	CHECK(!hb46pp_config_same(&C, &other));
	CHECK(hb46pp_config_same(&C, &C));
	TCASE_END();

	TCASE_BEGIN("mode auto: provision keys without mode auto are refused");
	up_settings_init(&s);
	{
		char k[] = "provision-url", v[] = "https://p/";
		char *w[] = { k, v };

		CHECK(!config_line_apply(&s, w, 2, 4, errbuf, sizeof(errbuf)), "%s", errbuf);
	}
	CHECK_EQ(up_settings_check(&s, errbuf, sizeof(errbuf)), -1);
	CHECK(strstr(errbuf, "provision-url is for mode auto"), "%s", errbuf);
	TCASE_END();
}

/* "provision-vendorid V" as line 3 of eth9.conf: config_line_apply's return. */
static int vendorid_line(struct up_settings *s, const char *v)
{
	char k[] = "provision-vendorid", val[128];
	char *w[] = { k, val };

	snprintf(val, sizeof(val), "%s", v);
	errbuf[0] = '\0';
	return config_line_apply(s, w, 2, 3, errbuf, sizeof(errbuf));
}

static void test_vendorid(void)
{
	static const char *const bad[] = { "00005",
					   "00005g-mapce",
					   "00005e_mapce",
					   "00005e-",
					   "00005e-map ce",
					   "00005e-abcdefghijklmnopqrstuvwxy" /* 25 */ };
	static struct up_settings s;
	struct hb46pp_client c = { .product = "mapce", .version = "0_1", .capability = "dslite" };
	char url[512];

	TCASE_BEGIN("mode auto: provision-vendorid OUI[-NAME] kept as given");
	auto_settings(&s, NULL, NULL);
	CHECK(vendorid_line(&s, "00005e-lab_ce") == 0, "%s", errbuf);
	CHECK(s.set[UK_PROVISION_VENDORID]);
	CHECK_STR(s.provision_vendorid, "00005e-lab_ce");
	CHECK(up_settings_check(&s, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	auto_settings(&s, NULL, NULL);
	CHECK(vendorid_line(&s, "ABCDEF") == 0, "%s", errbuf);
	auto_settings(&s, NULL, NULL);
	CHECK(vendorid_line(&s, "00005e-abcdefghijklmnopqrstuvwx") == 0, "%s", errbuf); /* 24 */
	TCASE_END();

	TCASE_BEGIN("mode auto: a bad provision-vendorid is refused naming it; nothing kept");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];

		auto_settings(&s, NULL, NULL);
		CHECK(vendorid_line(&s, bad[i]) == -1, "%s taken", bad[i]);
		snprintf(want, sizeof(want), "bad provision-vendorid '%s': not OUI[-NAME]", bad[i]);
		CHECK(strstr(errbuf, want), "%s", errbuf);
		CHECK(!s.set[UK_PROVISION_VENDORID] && !s.provision_vendorid[0], "%s kept", bad[i]);
		/* `mapce provision --vendorid` refuses the same values */
		c.vendorid = bad[i];
		CHECK(hb46pp_query_url("https://p/", &c, url, sizeof(url), errbuf,
				       sizeof(errbuf)) == -1,
		      "%s", bad[i]);
	}
	TCASE_END();

	TCASE_BEGIN("mode auto: provision-vendorid without mode auto is refused");
	up_settings_init(&s);
	CHECK(vendorid_line(&s, "00005e-mapce") == 0, "%s", errbuf);
	CHECK_EQ(up_settings_check(&s, errbuf, sizeof(errbuf)), -1);
	CHECK(strstr(errbuf, "provision-vendorid is for mode auto"), "%s", errbuf);
	TCASE_END();
}

static void test_timing(void)
{
	static struct up_settings s;

	TCASE_BEGIN("mode auto: ttl clamped to provision-ttl-min..7 days; backoff doubled to 1 h");
	auto_settings(&s, NULL, NULL);
	CHECK_EQ(mode_auto_refresh_s(&s, true, 10), PROVISION_TTL_MIN_S);
	CHECK_EQ(mode_auto_refresh_s(&s, true, 7200), 7200);
	CHECK_EQ(mode_auto_refresh_s(&s, true, 700000), 604800);
	CHECK_EQ(mode_auto_refresh_s(&s, false, 0), 20 * 3600);
	CHECK_EQ(mode_auto_retry_s(&s, 1), PROVISION_TTL_MIN_S);
	CHECK_EQ(mode_auto_retry_s(&s, 2), 2 * PROVISION_TTL_MIN_S);
	CHECK_EQ(mode_auto_retry_s(&s, 30), PROVISION_RETRY_MAX_S);
	auto_settings(&s, "provision-ttl-min", "2");
	CHECK_EQ(mode_auto_refresh_s(&s, true, 1), 2);
	CHECK_EQ(mode_auto_retry_s(&s, 3), 8);
	TCASE_END();
}

int main(void)
{
	test_lines();
	test_apply();
	test_vendorid();
	test_timing();
	return t_exit();
}
