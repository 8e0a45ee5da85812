// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_plan_mode.c - `--mode` and the options of the other services
 * (user/core/mode.c, user/ce/ce_plan_mode.c, the settings keys mode, aftr,
 * iid), host only: the names (map-t refused by name), the plan of each
 * mode (the tunnel address, the port set, the far end) and the errors that
 * name the bad value.
 *
 * The WAN has 2001:db8:12:3400::1/64.  ipip6's default tunnel address is
 * that /64 + the legacy MAP IID of 198.51.100.123 (c6.33.64.7b) with PSID
 * 0: 2001:db8:12:3400:c6:3364:7b00:0.  lw4o6 198.51.100.18 PSID 52/8
 * offset 4: 15 ranges of 16 ports = 240.
 *
 * The DHCPv6 options are written out by hand (RFC 7598 §4.5, §4.3, §4.4,
 * RFC 6334 §3): option 96 with S46_V4V6BIND (198.51.100.18 = c6336412,
 * bind-ipv6-prefix 2001:db8:12:3400::/56 in 7 bytes, S46_PORTPARAMS
 * offset 4, PSID length 8, PSID 52 left-aligned = 0x3400) and S46_BR
 * 2001:db8:ffff::64; its tunnel source is the /56 with subnet 0 and the
 * RFC 7597 §6 interface identifier 0000:c633:6412:0034.  Option 64 names
 * aftr.lab.example.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "harness.h"
#include "ce/aftr_name.h"
#include "ce/ce_plan.h"
#include "ce/ce_plan_mode.h"
#include "core/mode.h"

static char errbuf[2048];
static struct up_settings S;
static struct ce_up_params P;
static struct nl_addr6 wan_addr = { .prefix_len = 64, .scope = RT_SCOPE_UNIVERSE };

/* "--name value" as the command line applies it: 0, or -1 (errbuf). */
static int set(const char *name, const char *val)
{
	const struct opt_def *d = opt_find_name(up_key_groups, name);

	if (!d) {
		snprintf(errbuf, sizeof(errbuf), "no option --%s", name);
		return -2;
	}
	return up_settings_apply(&S, d->val, val, 0, errbuf, sizeof(errbuf));
}

#define OPT(n, v) CHECK(set(n, v) == 0, "--%s %s: %s", n, v, errbuf)

static int plan(void)
{
	static struct rule_source src;
	struct wan_facts w = {
		.name = "wan0", .ifindex = 7, .mtu = 1500, .addrs = &wan_addr, .n_addrs = 1
	};

	errbuf[0] = '\0';
	if (rule_source_load(&S, &src, errbuf, sizeof(errbuf)))
		return -1;
	return ce_plan(&S, &src, &w, &P, errbuf, sizeof(errbuf));
}

static bool addr_is(const __u8 a[16], const char *want)
{
	__u8 b[16];

	return inet_pton(AF_INET6, want, b) == 1 && !memcmp(a, b, 16);
}

static void test_names(void)
{
	__u8 m = 99;

	TCASE_BEGIN("mode: the names, map-t refused by name, an unknown one named");
	CHECK(mode_parse("map-e", &m, errbuf, sizeof(errbuf)) == 0 && m == MAPCE_MODE_MAP_E);
	CHECK(mode_parse("ipip6", &m, errbuf, sizeof(errbuf)) == 0 && m == MAPCE_MODE_IPIP6);
	CHECK(mode_parse("dslite", &m, errbuf, sizeof(errbuf)) == 0 && m == MAPCE_MODE_DSLITE);
	CHECK(mode_parse("lw4o6", &m, errbuf, sizeof(errbuf)) == 0 && m == MAPCE_MODE_LW4O6);
	CHECK_STR(mode_str(MAPCE_MODE_DSLITE), "dslite");
	up_settings_init(&S);
	CHECK(set("mode", "map-t") == -1);
	CHECK(strstr(errbuf, "--mode: mode 'map-t' is not supported"), "%s", errbuf);
	CHECK(strstr(errbuf, "RFC 7599"), "%s", errbuf);
	CHECK(set("mode", "MAP-E") == -1);
	CHECK(strstr(errbuf, "unknown mode 'MAP-E'"), "%s", errbuf);
	CHECK(set("iid", "zz") == -1);
	CHECK(strstr(errbuf, "bad --iid 'zz'"), "%s", errbuf);
	CHECK(set("iid", "1:2:3:4:5") == -1);
	CHECK(strstr(errbuf, "bad --iid '1:2:3:4:5'"), "%s", errbuf);
	CHECK(set("aftr", "aftr name") == -1);
	CHECK(strstr(errbuf, "bad --aftr 'aftr name'"), "%s", errbuf);
	TCASE_END();
}

static void test_ipip6(void)
{
	TCASE_BEGIN("plan ipip6: the fixed address, every port, the WAN /64 + the IID");
	up_settings_init(&S);
	OPT("mode", "ipip6");
	OPT("ipv4", "198.51.100.123");
	OPT("br", "2001:db8:ffff::64");
	CHECK(plan() == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mode, MAPCE_MODE_IPIP6);
	CHECK_EQ(ntohl(P.cfg.ipv4), 0xc633647b);
	CHECK_EQ(P.cfg.ipv4_prefix_len, 32);
	CHECK_EQ(P.cfg.psid_len, 0);
	CHECK_EQ(P.cfg.port_count, 65535);
	CHECK(addr_is(P.cfg.ce_ipv6, "2001:db8:12:3400:c6:3364:7b00:0"));
	CHECK(addr_is(P.cfg.br_ipv6, "2001:db8:ffff::64"));
	CHECK_EQ(P.n_rules, 0);
	/* transix-style ::feed, and the four-group form */
	OPT("iid", "::feed");
	CHECK(plan() == 0, "%s", errbuf);
	CHECK(addr_is(P.cfg.ce_ipv6, "2001:db8:12:3400::feed"));
	OPT("iid", "c6:3364:7b00:1");
	CHECK(plan() == 0, "%s", errbuf);
	CHECK(addr_is(P.cfg.ce_ipv6, "2001:db8:12:3400:c6:3364:7b00:1"));
	TCASE_END();

	TCASE_BEGIN("plan ipip6: a routed prefix, NAPT into its address, the tunnel from it");
	up_settings_init(&S);
	OPT("mode", "ipip6");
	OPT("ipv4", "198.51.100.123/29");
	OPT("br", "2001:db8:ffff::64");
	CHECK(plan() == 0, "%s", errbuf);
	CHECK_EQ(ntohl(P.cfg.ipv4), 0xc633647b);
	CHECK_EQ(P.cfg.ipv4_prefix_len, 29);
	CHECK(addr_is(P.cfg.ce_ipv6, "2001:db8:12:3400:c6:3364:7b00:0"));
	/* what the NAPT really gives out: 1024-65535 */
	CHECK_EQ(mode_napt_port_count(&P.cfg), 64512);
	TCASE_END();

	TCASE_BEGIN("plan: a routed prefix is ipip6's only, and /24 at most");
	up_settings_init(&S);
	OPT("mode", "lw4o6");
	OPT("ipv4", "198.51.100.18/29");
	OPT("psid", "52");
	OPT("psid-len", "8");
	OPT("br", "2001:db8:ffff::64");
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--ipv4 ADDR/LEN (a routed prefix) is for --mode ipip6; --mode lw4o6"),
	      "%s", errbuf);
	up_settings_init(&S);
	OPT("ipv4", "198.51.100.18/29");
	OPT("psid", "52");
	OPT("psid-len", "8");
	OPT("br", "2001:db8:ffff::64");
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "is for --mode ipip6; map-e takes one address"), "%s", errbuf);
	up_settings_init(&S);
	CHECK(set("ipv4", "198.51.100.0/23") == -1);
	CHECK(strstr(errbuf, "a routed prefix is /24 to /32, not /23"), "%s", errbuf);
	TCASE_END();

	TCASE_BEGIN("plan ipip6: what it refuses, naming the option");
	up_settings_init(&S);
	OPT("mode", "ipip6");
	OPT("br", "2001:db8:ffff::64");
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--mode ipip6 needs --ipv4 ADDR"), "%s", errbuf);
	OPT("ipv4", "198.51.100.123");
	OPT("psid", "3");
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--mode ipip6 uses every port"), "%s", errbuf);
	up_settings_init(&S);
	OPT("mode", "ipip6");
	OPT("ipv4", "198.51.100.123");
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--mode ipip6 needs --br ADDR"), "%s", errbuf);
	OPT("br", "2001:db8:ffff::64");
	OPT("aftr", "2001:db8:ffff::64");
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--aftr is for --mode dslite, not ipip6"), "%s", errbuf);
	TCASE_END();
}

/* lw4o6 with the lab's binding but PSID psid */
static void lw4o6_binding(const char *psid)
{
	up_settings_init(&S);
	OPT("mode", "lw4o6");
	OPT("ipv4", "198.51.100.18");
	OPT("psid", psid);
	OPT("psid-len", "8");
	OPT("psid-offset", "4");
	OPT("br", "2001:db8:ffff::64");
}

/* the plan is lw4o6 with the lab's binding, its tunnel source ce6 */
static void lw4o6_planned(const char *ce6)
{
	CHECK_EQ(P.cfg.mode, MAPCE_MODE_LW4O6);
	CHECK_EQ(ntohl(P.cfg.ipv4), 0xc6336412);
	CHECK_EQ(P.cfg.psid, 52);
	CHECK_EQ(P.cfg.psid_len, 8);
	CHECK_EQ(P.cfg.psid_offset, 4);
	CHECK_EQ(P.cfg.port_count, 240);
	CHECK_EQ(mode_napt_port_count(&P.cfg), 240);
	CHECK(addr_is(P.cfg.ce_ipv6, ce6));
	CHECK(!(P.cfg.flags & MAPCE_CFG_F_MESH));
}

static void test_lw4o6(void)
{
	TCASE_BEGIN("plan lw4o6: the binding's port set, the WAN address as tunnel source");
	lw4o6_binding("52");
	CHECK(plan() == 0, "%s", errbuf);
	lw4o6_planned("2001:db8:12:3400::1");
	TCASE_END();

	TCASE_BEGIN("plan lw4o6: a PSID too big, a MAP rule, --mesh refused");
	lw4o6_binding("256");
	CHECK(plan() == MAPCE_ERR_VALUE);
	CHECK(strstr(errbuf, "PSID 256 does not fit"), "%s", errbuf);
	lw4o6_binding("52");
	OPT("mesh", NULL);
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--mode lw4o6 has no FMRs"), "%s", errbuf);
	up_settings_init(&S);
	OPT("mode", "lw4o6");
	OPT("rule", "2001:db8::/40,198.51.100.0/24,16,4");
	OPT("br", "2001:db8:ffff::64");
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--mode lw4o6 takes no MAP rule"), "%s", errbuf);
	TCASE_END();
}

static void test_dslite(void)
{
	TCASE_BEGIN("plan dslite: the AFTR, the B4's 192.0.0.2, the WAN address, no NAT");
	up_settings_init(&S);
	OPT("mode", "dslite");
	OPT("aftr", "2001:db8:ffff::64");
	CHECK(plan() == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mode, MAPCE_MODE_DSLITE);
	CHECK_EQ(ntohl(P.cfg.ipv4), MAPCE_DSLITE_B4_IPV4);
	CHECK_EQ(P.cfg.port_count, 0);
	CHECK_EQ(mode_napt_port_count(&P.cfg), 0);
	CHECK(addr_is(P.cfg.ce_ipv6, "2001:db8:12:3400::1"));
	CHECK(addr_is(P.cfg.br_ipv6, "2001:db8:ffff::64"));
	TCASE_END();

	TCASE_BEGIN("plan dslite: no AFTR, an AFTR that is no unicast, an --ipv4 refused");
	up_settings_init(&S);
	OPT("mode", "dslite");
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--mode dslite needs --aftr ADDR|NAME"), "%s", errbuf);
	OPT("aftr", "ff02::1");
	CHECK(plan() != 0);
	CHECK(strstr(errbuf, "--aftr ff02::1 is not a global unicast"), "%s", errbuf);
	OPT("aftr", "2001:db8:ffff::64");
	OPT("ipv4", "198.51.100.18");
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--mode dslite has no IPv4 address of its own"), "%s", errbuf);
	TCASE_END();

	TCASE_BEGIN("plan map-e: --aftr and --iid belong to other modes");
	up_settings_init(&S);
	OPT("rule", "2001:db8::/40,198.51.100.0/24,16,4");
	OPT("br", "2001:db8:ffff::64");
	OPT("iid", "::feed");
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--iid is for --mode ipip6, not map-e"), "%s", errbuf);
	TCASE_END();
}

/* option 96: the binding with bind prefixes /56, /128, none, /96; option
 * 64; option 94 (one rule, the BR) */
#define BR_HEX "005a001020010db8ffff00000000000000000064"
#define PP_HEX "005d000404083400"
#define LW_56 "0060002c005c0014c63364123820010db8001234" PP_HEX BR_HEX
#define LW_128 "00600035005c001dc63364128020010db8001234000000000000000099" PP_HEX BR_HEX
#define LW_NONE "00600025005c000dc633641200" PP_HEX BR_HEX
#define LW_96 "00600031005c0019c63364126020010db8001234000000abcd" PP_HEX BR_HEX
#define AFTR_HEX "004000120461667472036c6162076578616d706c6500"
#define MAPE_HEX "005e002d00590015011018c63364002820010db800005d000404000000" BR_HEX

static void test_lw4o6_option(void)
{
	TCASE_BEGIN("plan lw4o6 from option 96: the binding, S46_BR, the bind prefix's address");
	up_settings_init(&S);
	OPT("mode", "lw4o6");
	OPT("dhcpv6-option", LW_56);
	CHECK(plan() == 0, "%s", errbuf);
	lw4o6_planned("2001:db8:12:3400:0:c633:6412:34");
	CHECK(addr_is(P.cfg.br_ipv6, "2001:db8:ffff::64"));
	CHECK(strstr(P.source, "DHCPv6 option 96"), "%s", P.source);
	/* a /128 is the address; no prefix: the WAN's; --br wins over S46_BR */
	OPT("dhcpv6-option", LW_128);
	CHECK(plan() == 0, "%s", errbuf);
	CHECK(addr_is(P.cfg.ce_ipv6, "2001:db8:12:3400::99"));
	OPT("dhcpv6-option", LW_NONE);
	OPT("br", "2001:db8:eeee::1");
	CHECK(plan() == 0, "%s", errbuf);
	lw4o6_planned("2001:db8:12:3400::1");
	CHECK(addr_is(P.cfg.br_ipv6, "2001:db8:eeee::1"));
	TCASE_END();

	TCASE_BEGIN("plan lw4o6 from option 96: a /96 bind prefix, option 94 or 64 refused");
	up_settings_init(&S);
	OPT("mode", "lw4o6");
	OPT("dhcpv6-option", LW_96);
	CHECK(plan() == MAPCE_ERR_VALUE);
	CHECK(strstr(errbuf, "S46_V4V6BIND bind-ipv6-prefix 2001:db8:12:3400:0:abcd::/96"), "%s",
	      errbuf);
	CHECK_EQ(P.cfg.mode, 0); /* nothing planned */
	OPT("dhcpv6-option", MAPE_HEX);
	CHECK(plan() == MAPCE_ERR_VALUE);
	CHECK(strstr(errbuf, "DHCPv6 option 94 is OPTION_S46_CONT_MAPE, but --mode lw4o6 takes "
			     "option 96 (OPTION_S46_CONT_LW)"),
	      "%s", errbuf);
	OPT("dhcpv6-option", AFTR_HEX);
	CHECK(plan() == MAPCE_ERR_VALUE);
	CHECK(strstr(errbuf, "DHCPv6 option 64 is OPTION_AFTR_NAME, but --mode lw4o6"), "%s",
	      errbuf);
	TCASE_END();
}

static void test_dslite_option(void)
{
	static struct rule_source src;
	char what[512];
	const char *other, *name;

	TCASE_BEGIN("dslite AFTR from option 64: the name and where it came from");
	up_settings_init(&S);
	OPT("mode", "dslite");
	OPT("dhcpv6-option", AFTR_HEX);
	CHECK(rule_source_load(&S, &src, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	name = ce_plan_aftr(&S, &src, what, sizeof(what), &other);
	CHECK_STR(name, "aftr.lab.example");
	CHECK_STR(what, "DHCPv6 option 64");
	CHECK(other == NULL);
	/* the plan takes addresses: cmd_up resolves the name first */
	CHECK(plan() == MAPCE_ERR_VALUE);
	CHECK(strstr(errbuf, "the AFTR aftr.lab.example is a name"), "%s", errbuf);
	TCASE_END();

	TCASE_BEGIN("dslite: an explicit --aftr wins over option 64, said");
	OPT("aftr", "2001:db8:ffff::64");
	CHECK(rule_source_load(&S, &src, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	name = ce_plan_aftr(&S, &src, what, sizeof(what), &other);
	CHECK_STR(name, "2001:db8:ffff::64");
	CHECK_STR(what, "--aftr");
	CHECK_STR(other, "aftr.lab.example");
	CHECK(plan() == 0, "%s", errbuf);
	CHECK(addr_is(P.cfg.br_ipv6, "2001:db8:ffff::64"));
	CHECK_EQ(P.cfg.port_count, 0);
	OPT("aftr", "aftr.lab.example"); /* the same name: nothing to say */
	name = ce_plan_aftr(&S, &src, what, sizeof(what), &other);
	CHECK(other == NULL);
	/* no option, no --aftr */
	up_settings_init(&S);
	OPT("mode", "dslite");
	CHECK(rule_source_load(&S, &src, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK(ce_plan_aftr(&S, &src, what, sizeof(what), &other) == NULL);
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--aftr ADDR|NAME (the AFTR) or its DHCPv6 option 64"), "%s", errbuf);
	TCASE_END();

	TCASE_BEGIN(
		"aftr_name_of: the name run follows, --aftr's or option 64's, never an address");
	up_settings_init(&S);
	OPT("aftr", "aftr.example.net");
	CHECK(rule_source_load(&S, &src, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK(aftr_name_of(&S, &src, what, sizeof(what), &other) == NULL, "map-e: none");
	OPT("mode", "ipip6");
	CHECK(aftr_name_of(&S, &src, what, sizeof(what), &other) == NULL, "ipip6: none");
	OPT("mode", "dslite");
	CHECK_STR(aftr_name_of(&S, &src, what, sizeof(what), &other), "aftr.example.net");
	CHECK_STR(what, "--aftr");
	OPT("aftr", "2001:db8:ffff::64");
	CHECK(aftr_name_of(&S, &src, what, sizeof(what), &other) == NULL, "an address");
	OPT("dhcpv6-option", AFTR_HEX);
	CHECK(rule_source_load(&S, &src, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK(aftr_name_of(&S, &src, what, sizeof(what), &other) == NULL,
	      "--aftr ADDR wins over option 64's name");
	CHECK_STR(other, "aftr.lab.example");
	up_settings_init(&S);
	OPT("mode", "dslite");
	OPT("dhcpv6-option", AFTR_HEX);
	CHECK(rule_source_load(&S, &src, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_STR(aftr_name_of(&S, &src, what, sizeof(what), &other), "aftr.lab.example");
	CHECK_STR(what, "DHCPv6 option 64");
	CHECK(other == NULL);
	OPT("aftr", "aftr.example.net");
	/* an explicit --aftr NAME wins too */
	CHECK_STR(aftr_name_of(&S, &src, what, sizeof(what), &other), "aftr.example.net");
	CHECK_STR(other, "aftr.lab.example");
	TCASE_END();

	TCASE_BEGIN("option 64 refused where it does not belong: map-e, ipip6, dslite + 94");
	up_settings_init(&S);
	OPT("dhcpv6-option", AFTR_HEX);
	CHECK(plan() != 0);
	CHECK(strstr(errbuf, "DHCPv6 option 64 (OPTION_AFTR_NAME, the AFTR aftr.lab.example) is "
			     "for --mode dslite"),
	      "%s", errbuf);
	OPT("mode", "ipip6");
	OPT("ipv4", "198.51.100.123");
	OPT("br", "2001:db8:ffff::64");
	CHECK(set("dhcpv6-option", AFTR_HEX) == 0);
	CHECK(plan() == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "--mode ipip6 takes no MAP rule"), "%s", errbuf);
	up_settings_init(&S);
	OPT("mode", "dslite");
	OPT("dhcpv6-option", MAPE_HEX);
	CHECK(plan() == MAPCE_ERR_VALUE);
	CHECK(strstr(errbuf, "DHCPv6 option 94 is OPTION_S46_CONT_MAPE, but --mode dslite takes "
			     "option 64 (OPTION_AFTR_NAME)"),
	      "%s", errbuf);
	TCASE_END();
}

static void test_config_file(void)
{
	char path[] = "/tmp/mapce-test-mode-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	TCASE_BEGIN("config file: mode, aftr and iid keys; map-t named with its line");
	CHECK(f != NULL);
	if (!f) {
		TCASE_END();
		return;
	}
	fputs("wan wan0\nmode ipip6\niid ::feed\nipv4 198.51.100.123\n", f);
	fclose(f);
	CHECK(config_file_parse(path, &S, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_EQ(S.val[UK_MODE], MAPCE_MODE_IPIP6);
	CHECK(S.set[UK_IID] && S.iid[6] == 0xfe && S.iid[7] == 0xed);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("wan wan0\nmode map-t\n", f);
		fclose(f);
		CHECK(config_file_parse(path, &S, errbuf, sizeof(errbuf)) == -1);
		CHECK(strstr(errbuf, ":2: mode: mode 'map-t' is not supported"), "%s", errbuf);
	}
	unlink(path);
	TCASE_END();
}

int main(void)
{
	inet_pton(AF_INET6, "2001:db8:12:3400::1", wan_addr.addr);
	test_names();
	test_ipip6();
	test_lw4o6();
	test_dslite();
	test_lw4o6_option();
	test_dslite_option();
	test_config_file();
	return t_exit();
}
