// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_plan.c - the policy of `mapce up` and `mapce br up` as pure
 * functions (user/ce/ce_plan.c, user/br/br_plan.c), host only, no root:
 * the tunnel MTU (default, clamped to the WAN's, refused), the MSS
 * ceiling, the CE prefix from the WAN's addresses, the rules, the config
 * that would be pinned, the port forwards; the BR's rules, address and
 * MTU.
 *
 * Expected values are worked out by hand from the lab's rule
 * (2001:db8::/40, 198.51.100.0/24, 16 EA bits, offset 4): the CE prefix
 * 2001:db8:12:3400::/56 has the EA bits 0x1234, so IPv4 198.51.100.18
 * (0x12) and PSID 52 (0x34) of 8 bits, 15 ranges of 16 ports = 240; the
 * legacy MAP address is 2001:db8:12:3400:c6:3364:1200:3400, the RFC 7597
 * one 2001:db8:12:3400:0:c633:6412:34.  MTUs: 1500 - 40 = 1460, - 8 more
 * with the encapsulation limit; MSS = MTU - 40.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "harness.h"
#include "br/br_plan.h"
#include "ce/ce_plan.h"

static char errbuf[2048];
static struct up_settings S;
static struct ce_up_params P;

/* Apply "--opt value" as the command line would. */
static void opt(const char *name, const char *val)
{
	const struct opt_def *d = opt_find_name(up_key_groups, name);
	int ret = d ? up_settings_apply(&S, d->val, val, 0, errbuf, sizeof(errbuf)) : -2;

	CHECK(ret == 0, "--%s %s: %s", name, val ? val : "", ret == -2 ? "no such option" : errbuf);
}

/* The lab's rule and BR, as `mapce up` gets them. */
static void lab_rule(void)
{
	up_settings_init(&S);
	opt("rule-ipv6", "2001:db8::/40");
	opt("rule-ipv4", "198.51.100.0/24");
	opt("ea-len", "16");
	opt("psid-offset", "4");
	opt("br", "2001:db8:ffff::64");
}

static struct nl_addr6 addr6(const char *a, __u8 len, __u8 scope, __u32 flags)
{
	struct nl_addr6 r = { .prefix_len = len, .scope = scope, .flags = flags };

	inet_pton(AF_INET6, a, r.addr);
	return r;
}

static struct nl_addr6 wan_addrs[1]; /* filled in main */

/* A WAN of the given MTU whose only address is 2001:db8:12:3400::1/64. */
static struct wan_facts wan(unsigned int mtu)
{
	struct wan_facts w = {
		.name = "wan0", .ifindex = 7, .mtu = mtu, .addrs = wan_addrs, .n_addrs = 1
	};

	return w;
}

/* The rule source the settings S name (the rule options, unless a test
 * sets isp or dhcpv6-option). */
static struct rule_source *src(void)
{
	static struct rule_source r;

	if (rule_source_load(&S, &r, errbuf, sizeof(errbuf)))
		printf("#   rule_source_load: %s\n", errbuf);
	return &r;
}

static int plan(unsigned int mtu)
{
	struct wan_facts w = wan(mtu);

	errbuf[0] = '\0';
	return ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf));
}

static bool addr_is(const __u8 a[16], const char *want)
{
	__u8 b[16];

	return inet_pton(AF_INET6, want, b) == 1 && !memcmp(a, b, 16);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void test_mtu_default_and_clamped(void)
{
	TCASE_BEGIN("ce_plan: default MTU 1460, clamped to WAN MTU - 40 (- 48 with encap-limit)");
	lab_rule();
	CHECK(plan(1500) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mtu, 1460);
	CHECK_EQ(P.cfg.mss_clamp, 1420);
	CHECK(plan(1480) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mtu, 1440);
	CHECK_EQ(P.cfg.mss_clamp, 1400);
	opt("encap-limit", "4");
	CHECK(plan(1480) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mtu, 1432);
	CHECK_EQ(P.cfg.encap_limit, 4);
	CHECK(plan(1500) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mtu, 1452);
	TCASE_END();
}

static void test_mtu_refused(void)
{
	TCASE_BEGIN("ce_plan: a WAN too small, an explicit --mtu too big");
	lab_rule();
	CHECK(plan(1319) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "the MTU of wan0 is 1319; MAP-E needs at least 1320");
	CHECK(plan(1320) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mtu, 1280);
	opt("mtu", "1461");
	CHECK(plan(1500) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "--mtu 1461 is too big for wan0 (MTU 1500): at most 1460");
	lab_rule();
	opt("mtu", "1460");
	CHECK(plan(1500) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mtu, 1460);
	opt("encap-limit", "8");
	CHECK(plan(1500) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "--mtu 1460 is too big for wan0 (MTU 1500): at most 1452");
	CHECK(plan(1327) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "the MTU of wan0 is 1327; MAP-E needs at least 1328");
	TCASE_END();
}

static void test_mss(void)
{
	TCASE_BEGIN("ce_plan: --mss-clamp auto, off, N, and N above MTU - 40");
	lab_rule();
	opt("mss-clamp", "auto");
	opt("mtu", "1400");
	CHECK(plan(1500) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mss_clamp, 1360);
	lab_rule();
	opt("mss-clamp", "off");
	CHECK(plan(1500) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mss_clamp, 0);
	lab_rule();
	opt("mss-clamp", "1400");
	CHECK(plan(1500) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mss_clamp, 1400);
	lab_rule();
	opt("mss-clamp", "1420");
	CHECK(plan(1500) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.mss_clamp, 1420);
	lab_rule();
	opt("mss-clamp", "1421");
	CHECK(plan(1500) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "--mss-clamp 1421 is above the tunnel MTU 1460 - 40");
	TCASE_END();
}

static void test_prefix_detection(void)
{
	struct nl_addr6 addrs[] = {
		/* a MAP address of an earlier up (/128): only when nothing else */
		addr6("2001:db8:77:7700:0:c633:6477:77", 128, RT_SCOPE_UNIVERSE, IFA_F_NODAD),
		/* inside the rule, but DAD failed: never */
		addr6("2001:db8:99:ab00::1", 64, RT_SCOPE_UNIVERSE, IFA_F_DADFAILED),
		/* link-local: never */
		addr6("fe80::1", 64, RT_SCOPE_LINK, 0),
		/* outside every rule */
		addr6("2001:db9:1::1", 64, RT_SCOPE_UNIVERSE, 0),
		/* the RA /64: the one */
		addr6("2001:db8:12:3400::1", 64, RT_SCOPE_UNIVERSE, 0),
	};
	struct wan_facts w = {
		.name = "wan0", .ifindex = 7, .mtu = 1500, .addrs = addrs, .n_addrs = 5
	};

	TCASE_BEGIN("ce_plan: the CE prefix from the WAN's addresses");
	lab_rule();
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_EQ(ntohl(P.cfg.ipv4), 0xc6336412); /* 198.51.100.18 */
	CHECK_EQ(P.cfg.psid, 52);
	/* without the /64, the /128 (the DAD-failed /64 still not) */
	w.n_addrs = 4;
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_EQ(ntohl(P.cfg.ipv4), 0xc6336477); /* 198.51.100.119 */
	CHECK_EQ(P.cfg.psid, 0x77);
	/* nothing usable: the message lists the rule prefixes */
	w.addrs = addrs + 1;
	w.n_addrs = 3;
	opt("rule-ipv6", "2001:db8:100::/40");
	opt("rule-ipv4", "192.0.2.0/24");
	opt("ea-len", "16");
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "no global IPv6 address on wan0 lies inside a rule IPv6 prefix "
			  "(2001:db8::/40, 2001:db8:100::/40); give the CE prefix with --prefix");
	/* no usable global address at all (a DAD-failed one, a link-local):
	 * said so, not as addresses outside the rules */
	w.n_addrs = 2;
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "wan0 has no global IPv6 address yet (the line's RA or DHCPv6 gives "
			  "one), or give the CE prefix with --prefix");
	w.n_addrs = -EPERM;
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "listing the IPv6 addresses of wan0: Operation not permitted");
	/* --prefix given: the addresses are not looked at */
	lab_rule();
	opt("prefix", "2001:db8:12:3400::/56");
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.psid, 52);
	TCASE_END();
}

/* A renumbered line: the old prefix stays deprecated for a while, the new
 * one may still be tentative; with prefix-from the addresses are a LAN's. */
static void test_prefix_renumbered(void)
{
	struct nl_addr6 addrs[] = {
		/* the old RA /64, deprecated (preferred lifetime 0): last */
		addr6("2001:db8:12:3400::1", 64, RT_SCOPE_UNIVERSE, IFA_F_DEPRECATED),
		/* our MAP address of the old prefix: a /128, not deprecated */
		addr6("2001:db8:12:3400:c6:3364:1200:3400", 128, RT_SCOPE_UNIVERSE, IFA_F_NODAD),
		/* a new prefix still in DAD: never */
		addr6("2001:db8:77:7700::1", 64, RT_SCOPE_UNIVERSE, IFA_F_TENTATIVE),
		/* the new prefix */
		addr6("2001:db8:56:5600::1", 64, RT_SCOPE_UNIVERSE, 0),
	};
	struct wan_facts w = {
		.name = "wan0", .ifindex = 7, .mtu = 1500, .addrs = addrs, .n_addrs = 4
	};

	TCASE_BEGIN("ce_plan: a renumbered line: deprecated addresses last, tentative ones never");
	lab_rule();
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_EQ(ntohl(P.cfg.ipv4), 0xc6336456); /* 198.51.100.86 */
	CHECK_EQ(P.cfg.psid, 0x56);
	CHECK(addr_is(P.prefix, "2001:db8:56:5600::"));
	CHECK_EQ(P.prefix_len, 56);
	/* the new one gone: our /128 (not deprecated) before the old /64 */
	w.n_addrs = 3;
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.psid, 0x34);
	/* only the deprecated one: still better than nothing */
	w.n_addrs = 1;
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_EQ(P.cfg.psid, 0x34);
	/* only a tentative one: nothing, and the message names whose
	 * addresses were searched (prefix-from) */
	w.addrs = addrs + 2;
	w.n_addrs = 1;
	w.addrs_of = "lan0";
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == MAPCE_ERR_VALUE);
	CHECK(starts_with(errbuf, "lan0 has no global IPv6 address yet"), "%s", errbuf);
	TCASE_END();
}

static void test_config_fields(void)
{
	TCASE_BEGIN("ce_plan: the config as it will be pinned, and the parameters");
	lab_rule();
	opt("legacy-iid", NULL);
	opt("mesh", NULL);
	opt("fmr", NULL);
	opt("filtering", "eif");
	opt("max-per-host", "50");
	opt("hop-limit", "32");
	opt("xdp-mode", "generic");
	opt("max-flows", "4096");
	CHECK(plan(1500) == 0, "%s", errbuf);
	CHECK(addr_is(P.cfg.ce_ipv6, "2001:db8:12:3400:c6:3364:1200:3400"));
	CHECK(addr_is(P.cfg.br_ipv6, "2001:db8:ffff::64"));
	CHECK_EQ(ntohl(P.cfg.ipv4), 0xc6336412);
	CHECK_EQ(P.cfg.psid, 52);
	CHECK_EQ(P.cfg.psid_len, 8);
	CHECK_EQ(P.cfg.psid_offset, 4);
	CHECK_EQ(P.cfg.port_count, 240);
	CHECK_EQ(P.cfg.flags, MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID | MAPCE_CFG_F_MESH);
	CHECK_EQ(P.cfg.hop_limit, 32);
	CHECK_EQ(P.cfg.timeout_udp, 300);
	CHECK_EQ(P.cfg.timeout_tcp_est, 7440);
	CHECK_EQ(P.cfg.timeout_tcp_trans, 240);
	CHECK_EQ(P.cfg.timeout_icmp, 60);
	CHECK_EQ(P.cfg.gc_interval_ms, 1000);
	CHECK_EQ(P.cfg.wan_ifindex, 7);
	CHECK_EQ(P.cfg.filtering, MAPCE_FILTER_EIF);
	CHECK_EQ(P.cfg.max_per_host, 50);
	CHECK_EQ(P.cfg.encap_limit, 0);
	CHECK_STR(P.ifname, "wan0");
	CHECK_EQ(P.ifindex, 7);
	CHECK_EQ(P.n_rules, 1);
	CHECK_EQ(P.rules[0].psid_len, 8);
	CHECK(P.rules[0].flags & MAPCE_RULE_F_FMR);
	CHECK(P.mesh);
	CHECK_EQ(P.xdp_mode, ATTACH_XDP_GENERIC);
	CHECK_EQ(P.max_flows, 4096);
	CHECK_EQ(P.n_portmaps, 0);
	CHECK_STR(P.config_path, "");
	/* the RFC 7597 interface identifier and the defaults */
	lab_rule();
	CHECK(plan(1500) == 0, "%s", errbuf);
	CHECK(addr_is(P.cfg.ce_ipv6, "2001:db8:12:3400:0:c633:6412:34"));
	CHECK_EQ(P.cfg.flags, MAPCE_CFG_F_ENABLED);
	CHECK_EQ(P.cfg.hop_limit, 64);
	CHECK_EQ(P.cfg.filtering, MAPCE_FILTER_ADF);
	CHECK_EQ(P.xdp_mode, ATTACH_XDP_AUTO);
	CHECK_EQ(P.max_flows, 0);
	TCASE_END();
}

static void test_br_address(void)
{
	static const char *const bad[] = { "::", "::1", "fe80::1", "ff02::1", "::ffff:192.0.2.1" };

	TCASE_BEGIN("ce_plan: a BR that is not a global unicast address is refused");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lab_rule();
		up_settings_init(&S);
		opt("rule", "2001:db8::/40,198.51.100.0/24,16,4");
		opt("br", bad[i]);
		CHECK(plan(1500) == MAPCE_ERR_VALUE, "--br %s accepted", bad[i]);
		CHECK(strstr(errbuf, "is not a global unicast IPv6 address"), "%s", errbuf);
	}
	TCASE_END();
}

static void test_rules(void)
{
	TCASE_BEGIN("ce_plan: rule errors, and a CE with an IPv4 prefix refused");
	up_settings_init(&S);
	opt("rule-ipv6", "2001:db8::/40");
	opt("ea-len", "16");
	opt("br", "2001:db8:ffff::64");
	CHECK(plan(1500) == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "missing --rule-ipv4"), "%s", errbuf);
	/* 4 EA bits of a /24: the CE gets 198.51.100.16/28, not one address */
	up_settings_init(&S);
	opt("rule-ipv6", "2001:db8::/40");
	opt("rule-ipv4", "198.51.100.0/24");
	opt("ea-len", "4");
	opt("br", "2001:db8:ffff::64");
	opt("prefix", "2001:db8:0010::/44");
	CHECK(plan(1500) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "the rule gives this CE the IPv4 prefix 198.51.100.16/28, not one shared "
			  "address; mapce supports a single address (with or without a port set)");
	TCASE_END();
}

static void test_forwards(void)
{
	TCASE_BEGIN("ce_plan: port forwards inside the port set, outside refused with file:line");
	lab_rule();
	strcpy(S.path, "/etc/mapce/wan0.conf");
	CHECK(portmap_parse("tcp", "4928-4930", "192.168.1.10:8000", &S.portmaps[0], errbuf,
			    sizeof(errbuf)) == 0,
	      "%s", errbuf);
	S.portmaps[0].line = 11;
	S.n_portmaps = 1;
	CHECK(plan(1500) == 0, "%s", errbuf);
	CHECK_EQ(P.n_portmaps, 1);
	CHECK(P.portmaps == S.portmaps);
	CHECK_STR(P.config_path, "/etc/mapce/wan0.conf");
	CHECK(portmap_parse("udp", "80", "192.168.1.10", &S.portmaps[1], errbuf, sizeof(errbuf)) ==
		      0,
	      "%s", errbuf);
	S.portmaps[1].line = 12;
	S.n_portmaps = 2;
	CHECK(plan(1500) == MAPCE_ERR_VALUE);
	CHECK(starts_with(errbuf, "/etc/mapce/wan0.conf:12: udp 80 192.168.1.10:80: port 80 is not "
				  "in this CE's port set (240 ports: 4928-4943, "),
	      "%s", errbuf);
	TCASE_END();
}

/* ---- the BR ---------------------------------------------------------- */

static struct br_settings B;
static struct br_up_params BP;

static void br_opt(const char *name, const char *val)
{
	const struct opt_def *d = opt_find_name(mapce_rule_groups, name);
	int ret = d ? mapce_opts_handle(&B.rule, d->val, val, errbuf, sizeof(errbuf)) : -2;

	CHECK(ret == 0, "--%s %s: %s", name, val ? val : "", ret == -2 ? "no such option" : errbuf);
}

static void br_lab(void)
{
	memset(&B, 0, sizeof(B));
	mapce_opts_init(&B.rule);
	B.hop_limit = 64;
	br_opt("rule", "2001:db8::/40,198.51.100.0/24,16,4");
	br_opt("br", "2001:db8:ffff::64");
}

static int bplan(unsigned int mtu)
{
	struct br_link_facts w = { .name = "veth-br", .ifindex = 9, .mtu = mtu };

	errbuf[0] = '\0';
	return br_plan(&B, &w, &BP, errbuf, sizeof(errbuf));
}

static void test_br_rules(void)
{
	TCASE_BEGIN("br_plan: rules, duplicate IPv4 prefixes, a BR address that is no unicast");
	br_lab();
	br_opt("rule", "2001:db8:100::/40,198.51.100.0/24,16,4");
	CHECK(bplan(1500) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "rules 1 and 2 have the same IPv4 prefix 198.51.100.0/24: the BR could "
			  "not tell which one a packet belongs to");
	br_lab();
	inet_pton(AF_INET6, "fe80::64", B.rule.br);
	CHECK(bplan(1500) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "--br fe80::64 is not a global unicast IPv6 address");
	inet_pton(AF_INET6, "ff02::1", B.rule.br);
	CHECK(bplan(1500) == MAPCE_ERR_VALUE);
	inet_pton(AF_INET6, "::1", B.rule.br);
	CHECK(bplan(1500) == MAPCE_ERR_VALUE);
	memset(&B, 0, sizeof(B));
	mapce_opts_init(&B.rule);
	br_opt("rule-ipv6", "2001:db8::/40");
	br_opt("rule-ipv4", "198.51.100.0/24");
	CHECK(br_plan_rules(&B.rule, errbuf, sizeof(errbuf)) == MAPCE_ERR_USAGE);
	CHECK(strstr(errbuf, "missing --ea-len"), "%s", errbuf);
	TCASE_END();
}

static void test_br_mtu(void)
{
	TCASE_BEGIN("br_plan: the routes' MTU, and the parameters");
	br_lab();
	br_opt("legacy-iid", NULL);
	B.xdp_mode = ATTACH_XDP_NATIVE;
	CHECK(bplan(1500) == 0, "%s", errbuf);
	CHECK_EQ(BP.cfg.mtu, 1460);
	CHECK_EQ(BP.cfg.flags, MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID);
	CHECK_EQ(BP.cfg.hop_limit, 64);
	CHECK_EQ(BP.cfg.wan_ifindex, 9);
	CHECK(addr_is(BP.cfg.br_ipv6, "2001:db8:ffff::64"));
	CHECK_STR(BP.ifname, "veth-br");
	CHECK_EQ(BP.n_rules, 1);
	CHECK_EQ(BP.rules[0].psid_len, 8);
	CHECK_EQ(BP.xdp_mode, ATTACH_XDP_NATIVE);
	CHECK(bplan(615) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "veth-br has MTU 615: too small for IPv4 over IPv6 (at least 616)");
	CHECK(bplan(616) == 0, "%s", errbuf);
	CHECK_EQ(BP.cfg.mtu, 576);
	B.mtu = 1461;
	CHECK(bplan(1500) == MAPCE_ERR_VALUE);
	CHECK_STR(errbuf, "--mtu 1461 does not fit: veth-br has MTU 1500, so IPv4 packets over "
			  "1460 bytes would not fit after the 40-byte IPv6 header");
	B.mtu = 1400;
	CHECK(bplan(1500) == 0, "%s", errbuf);
	CHECK_EQ(BP.cfg.mtu, 1400);
	TCASE_END();
}

/* ---- rule sources: an ISP table, a DHCPv6 option ---------------------- */

/* A table of one service "lab" holding the lab's rule, in a temporary
 * ISP directory (MAPCE_ISP_DIR). */
static char isp_dir_tmp[] = "/tmp/mapce-test-plan-isp-XXXXXX";

static int lab_table(void)
{
	char path[256];
	FILE *f;

	if (!mkdtemp(isp_dir_tmp))
		return -1;
	snprintf(path, sizeof(path), "%s/lab.rules", isp_dir_tmp);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("isp lab\ndate 2026-12-01\nbr 2001:db8:ffff::64\niid legacy\n"
	      "rule 2001:db8::/40,198.51.100.0/24,16,4\n"
	      "rule 2001:db8:8000::/40,203.0.113.0/24,16,4,br=2001:db8:ffff::65\n",
	      f);
	fclose(f);
	setenv(ISP_DIR_ENV, isp_dir_tmp, 1);
	return 0;
}

static void lab_table_remove(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/lab.rules", isp_dir_tmp);
	unlink(path);
	rmdir(isp_dir_tmp);
	unsetenv(ISP_DIR_ENV);
}

static void test_isp_source(void)
{
	struct wan_facts w = wan(1500);
	struct nl_addr6 other = addr6("2001:db8:8012:3400::1", 64, RT_SCOPE_UNIVERSE, 0);

	if (lab_table()) {
		TSKIP("ce_plan: an ISP table", "cannot write a temporary ISP table");
		return;
	}
	TCASE_BEGIN("ce_plan: an ISP table gives the rule, the BR and the IID format");
	up_settings_init(&S);
	opt("isp", "lab");
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_EQ(ntohl(P.cfg.ipv4), 0xc6336412); /* 198.51.100.18 */
	CHECK_EQ(P.cfg.psid, 52);
	CHECK(P.cfg.flags & MAPCE_CFG_F_LEGACY_IID);
	CHECK(addr_is(P.cfg.br_ipv6, "2001:db8:ffff::64"));
	CHECK(addr_is(P.cfg.ce_ipv6, "2001:db8:12:3400:c6:3364:1200:3400"));
	CHECK_STR(P.source, "isp lab");
	CHECK(starts_with(P.rule, "2001:db8::/40,198.51.100.0/24,16,4 (isp lab, 2026-12-01"), "%s",
	      P.rule);
	CHECK_EQ(P.n_rules, 1);
	/* the rule holding the WAN's prefix decides, and its own BR */
	w.addrs = &other;
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_EQ(ntohl(P.cfg.ipv4), 0xcb007112); /* 203.0.113.18 */
	CHECK(addr_is(P.cfg.br_ipv6, "2001:db8:ffff::65"));
	/* --br on the command line wins */
	opt("br", "2001:db8:ffff::99");
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK(addr_is(P.cfg.br_ipv6, "2001:db8:ffff::99"));
	TCASE_END();

	TCASE_BEGIN("ce_plan: an ISP table and a WAN outside it; an unknown service");
	up_settings_init(&S);
	opt("isp", "lab");
	other = addr6("2001:db8:4000::1", 64, RT_SCOPE_UNIVERSE, 0);
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == MAPCE_ERR_VALUE);
	CHECK(strstr(errbuf, "no global IPv6 address on wan0 lies inside a rule of isp lab"), "%s",
	      errbuf);
	opt("prefix", "2001:db8:4000::/56");
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == MAPCE_ERR_VALUE);
	CHECK(strstr(errbuf, "2001:db8:4000::/56 is not inside any rule of lab") &&
		      strstr(errbuf, "closest rules: lab"),
	      "%s", errbuf);
	up_settings_init(&S);
	opt("isp", "nosuch");
	{
		struct rule_source r;

		CHECK(rule_source_load(&S, &r, errbuf, sizeof(errbuf)) == -1);
		CHECK(strstr(errbuf, "--isp nosuch: unknown ISP 'nosuch'"), "%s", errbuf);
	}
	TCASE_END();
	lab_table_remove();
}

/* Option 94 of the lab: the rule (F flag off, PORTPARAMS offset 4) and
 * the BR, as RFC 7598 lays them out. */
static const char lab_option94[] =
	"005e 002d"				    /* OPTION_S46_CONT_MAPE, 45 bytes */
	"0059 0015 00 10 18 c6336400 28 20010db800" /* S46_RULE: 2001:db8::/40 -> 198.51.100.0/24 */
	"005d 0004 04 00 0000"			    /* S46_PORTPARAMS: offset 4 */
	"005a 0010 20010db8ffff00000000000000000064"; /* S46_BR 2001:db8:ffff::64 */

static void test_dhcpv6_source(void)
{
	struct wan_facts w = wan(1500);

	TCASE_BEGIN("ce_plan: a DHCPv6 option 94 gives the rules and the BR");
	up_settings_init(&S);
	opt("dhcpv6-option", lab_option94);
	CHECK(ce_plan(&S, src(), &w, &P, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_EQ(ntohl(P.cfg.ipv4), 0xc6336412);
	CHECK_EQ(P.cfg.psid, 52);
	CHECK_EQ(P.cfg.psid_offset, 4);
	CHECK(!(P.cfg.flags & MAPCE_CFG_F_LEGACY_IID)); /* RFC 7598 says nothing: RFC IID */
	CHECK(addr_is(P.cfg.br_ipv6, "2001:db8:ffff::64"));
	CHECK_STR(P.source, "DHCPv6 option 94");
	CHECK_STR(P.rule, "2001:db8::/40,198.51.100.0/24,16,4");
	TCASE_END();

	TCASE_BEGIN("settings: one kind of rule source");
	up_settings_init(&S);
	opt("dhcpv6-option", lab_option94);
	opt("rule", "2001:db8::/40,198.51.100.0/24,16,4");
	CHECK(up_settings_check(&S, errbuf, sizeof(errbuf)) == -1);
	CHECK(strstr(errbuf, "--dhcpv6-option and MAP rule options exclude each other"), "%s",
	      errbuf);
	up_settings_init(&S);
	opt("isp", "v6plus");
	opt("dhcpv6-option", lab_option94);
	CHECK(up_settings_check(&S, errbuf, sizeof(errbuf)) == -1);
	CHECK(strstr(errbuf, "--isp and --dhcpv6-option exclude each other"), "%s", errbuf);
	/* a malformed option is refused where it is given */
	up_settings_init(&S);
	CHECK(up_settings_apply(&S, opt_find_name(up_key_groups, "dhcpv6-option")->val,
				"005e0004005a00", 0, errbuf, sizeof(errbuf)) == -1);
	CHECK(strstr(errbuf, "--dhcpv6-option: DHCPv6 OPTION_S46_CONT_MAPE"), "%s", errbuf);
	TCASE_END();
}

int main(void)
{
	wan_addrs[0] = addr6("2001:db8:12:3400::1", 64, RT_SCOPE_UNIVERSE, 0);
	test_mtu_default_and_clamped();
	test_mtu_refused();
	test_mss();
	test_prefix_detection();
	test_prefix_renumbered();
	test_config_fields();
	test_rules();
	test_br_address();
	test_forwards();
	test_br_rules();
	test_br_mtu();
	test_isp_source();
	test_dhcpv6_source();
	return t_exit();
}
