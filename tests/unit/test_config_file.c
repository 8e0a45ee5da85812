// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_config_file.c - the `mapce up` config file (user/core/config_file.c):
 * every key parsed into the settings, every rejection with its file:line
 * and the bad value, the merge with the command line, the RFC timeout
 * minimums.  The port forwards, the file edits and the record of the file
 * up used are in test_config_edit.c.
 *
 * Expected values come from the file text written here, never from the
 * code under test.
 */
#include "config_fixture.h"

/* more settings: the file, the command line, the merge */
static struct up_settings F, C, M;

static const char full[] = "# mapce config for the test WAN\n"
			   "\n"
			   "wan wan0\n"
			   "rule-ipv6 2001:db8::/40   # the BMR\n"
			   "rule-ipv4 198.51.100.0/24\n"
			   "ea-len 16\n"
			   "psid-offset 4\n"
			   "legacy-iid\n"
			   "br 2001:db8:ffff::64\n"
			   "\tmesh   no\n"
			   "prefix 2001:db8:12:3400::/56\n"
			   "mtu 1400\n"
			   "mss-clamp 1360\n"
			   "encap-limit 4\n"
			   "hop-limit 32\n"
			   "timeout-udp 600\n"
			   "timeout-tcp-est 8000\n"
			   "timeout-tcp-trans 300\n"
			   "timeout-icmp 90\n"
			   "xdp-mode generic\n"
			   "max-flows 4096\n"
			   "filtering eif\n"
			   "max-per-host 100\n"
			   "allow-short-timeouts yes\n"
			   "portmap tcp 4928-4930 192.168.1.10:8000\n"
			   "portmap udp 4931 192.168.1.11\n";

static void test_mss_words(void)
{
	TCASE_BEGIN("config: mss-clamp off and auto");
	CHECK(parse("mss-clamp off\n") == 0, "%s", errbuf);
	CHECK(S.set[UK_MSS_CLAMP] && S.val[UK_MSS_CLAMP] == 0);
	CHECK(parse("mss-clamp auto\n") == 0, "%s", errbuf);
	CHECK(S.set[UK_MSS_CLAMP] && S.val[UK_MSS_CLAMP] == UP_MSS_AUTO);
	TCASE_END();
}

static void test_full_file(void)
{
	TCASE_BEGIN("config: every key of a full file");
	CHECK(parse(full) == 0, "%s", errbuf);
	CHECK_STR(S.wan, "wan0");
	CHECK(S.set[UK_WAN] && S.line[UK_WAN] == 3);
	CHECK_EQ(S.rule.n_rules, 1);
	CHECK_EQ(S.rule.rules[0].ipv6_prefix_len, 40);
	CHECK_STR(ip4(S.rule.rules[0].ipv4_prefix), "198.51.100.0");
	CHECK_EQ(S.rule.rules[0].ipv4_prefix_len, 24);
	CHECK_EQ(S.rule.rules[0].ea_len, 16);
	CHECK_EQ(S.rule.rules[0].psid_offset, 4);
	CHECK(S.rule_given && S.rule_line == 4, "rule_line %u", S.rule_line);
	CHECK(S.rule.legacy_iid);
	CHECK(!S.rule.mesh); /* "mesh no" */
	CHECK(S.rule.have_br && S.rule.br[0] == 0x20 && S.rule.br[15] == 0x64);
	CHECK(S.rule.have_prefix && S.rule.prefix_len == 56);
	CHECK_EQ(S.val[UK_MTU], 1400);
	CHECK_EQ(S.line[UK_MTU], 12);
	CHECK_EQ(S.val[UK_MSS_CLAMP], 1360);
	CHECK_EQ(S.val[UK_ENCAP_LIMIT], 4);
	CHECK_EQ(S.val[UK_HOP_LIMIT], 32);
	CHECK_EQ(S.val[UK_TIMEOUT_UDP], 600);
	CHECK_EQ(S.val[UK_TIMEOUT_TCP_EST], 8000);
	CHECK_EQ(S.val[UK_TIMEOUT_TCP_TRANS], 300);
	CHECK_EQ(S.val[UK_TIMEOUT_ICMP], 90);
	CHECK_EQ(S.val[UK_XDP_MODE], ATTACH_XDP_GENERIC);
	CHECK_EQ(S.val[UK_MAX_FLOWS], 4096);
	CHECK_EQ(S.val[UK_FILTERING], MAPCE_FILTER_EIF);
	CHECK_EQ(S.val[UK_MAX_PER_HOST], 100);
	CHECK(S.set[UK_ALLOW_SHORT_TIMEOUTS] && S.val[UK_ALLOW_SHORT_TIMEOUTS] == 1);
	CHECK_EQ(S.n_portmaps, 2);
	CHECK_EQ(S.portmaps[0].proto, IPPROTO_TCP);
	CHECK_EQ(S.portmaps[0].first, 4928);
	CHECK_EQ(S.portmaps[0].last, 4930);
	CHECK_STR(ip4(S.portmaps[0].inside_ip), "192.168.1.10");
	CHECK_EQ(S.portmaps[0].inside_port, 8000);
	CHECK_EQ(S.portmaps[0].line, 25);
	CHECK_EQ(S.portmaps[1].proto, IPPROTO_UDP);
	CHECK_EQ(S.portmaps[1].first, 4931);
	CHECK_EQ(S.portmaps[1].last, 4931);
	CHECK_EQ(S.portmaps[1].inside_port, 4931); /* no :PORT keeps the number */
	CHECK_STR(S.path, path);
	TCASE_END();

	TCASE_BEGIN("config: other forms (compact rule, explicit form, flag words, empty file)");
	CHECK(parse("rule 2001:db8::/40,198.51.100.0/24,16,4,fmr\nmesh yes\nlegacy-iid off\n"
		    "filtering apdf\nfiltering-unused-is-not-a-key-test-below 1\n") == -1);
	CHECK(err_at(5, "unknown key 'filtering-unused-is-not-a-key-test-below'"), "%s", errbuf);
	CHECK(parse("rule 2001:db8::/40,198.51.100.0/24,16,4,fmr\nmesh yes\nlegacy-iid off\n"
		    "filtering apdf\n") == 0,
	      "%s", errbuf);
	CHECK(S.rule.n_rules == 1 && (S.rule.rules[0].flags & MAPCE_RULE_F_FMR));
	CHECK(S.rule.mesh && !S.rule.legacy_iid);
	CHECK_EQ(S.val[UK_FILTERING], MAPCE_FILTER_APDF);
	/* ipip6's routed prefix: the address and its prefix length */
	CHECK(parse("ipv4 198.51.100.123/29\n") == 0, "%s", errbuf);
	CHECK(S.rule.have_ipv4 && S.rule.ipv4 == htonl(0xc633647b) && S.rule.ipv4_len == 29);
	CHECK(parse("ipv4 192.0.2.1\npsid 0x34\npsid-len 8\npsid-offset 6\n") == 0, "%s", errbuf);
	CHECK_EQ(S.rule.ipv4_len, 0);
	CHECK(S.rule.have_ipv4 && S.rule.have_psid && S.rule.psid == 0x34 && S.rule.psid_len == 8 &&
	      S.rule.have_psid_offset && S.rule_given);
	CHECK(parse("") == 0 && S.n_portmaps == 0 && !S.rule_given && !S.set[UK_MTU]);
	CHECK(parse("# only\n   # comments\n\n\t\n") == 0, "%s", errbuf);
	CHECK(parse("rule-ipv6 2001:db8::/40\nrule-ipv4 198.51.100.0/24\nea-len 16\n"
		    "rule-ipv6 2001:db8:100::/40\nrule-ipv4 203.0.113.0/24\nea-len 16\nfmr\n") == 0,
	      "%s", errbuf);
	CHECK(S.rule.n_rules == 2 && !(S.rule.rules[0].flags & MAPCE_RULE_F_FMR) &&
	      (S.rule.rules[1].flags & MAPCE_RULE_F_FMR));
	CHECK(parse("allow-short-timeouts no\nfiltering adf\nmax-per-host 0\n") == 0 &&
		      !S.set[UK_ALLOW_SHORT_TIMEOUTS] && S.val[UK_FILTERING] == MAPCE_FILTER_ADF &&
		      S.set[UK_MAX_PER_HOST] && S.val[UK_MAX_PER_HOST] == 0,
	      "%s", errbuf);
	TCASE_END();
}

static void test_errors(void)
{
	char big[CONFIG_LINE_MAX + 64];

	TCASE_BEGIN("config: a FIFO, a NUL byte, control characters: refused, never echoed");
	{
		char fifo[300];
		static const char nul[] = "mtu 1400\0junk\n";
		FILE *f;

		snprintf(fifo, sizeof(fifo), "%s/fifo.conf", dir);
		CHECK(mkfifo(fifo, 0600) == 0);
		/* must not block waiting for a writer */
		CHECK(config_file_parse(fifo, &S, errbuf, sizeof(errbuf)) == -1);
		CHECK(strstr(errbuf, "is not a regular file"), "%s", errbuf);
		unlink(fifo);
		f = fopen(path, "w");
		if (f) {
			fwrite(nul, 1, sizeof(nul) - 1, f);
			fclose(f);
		}
		CHECK(config_file_parse(path, &S, errbuf, sizeof(errbuf)) == -1);
		CHECK(strstr(errbuf, ":1: a NUL byte"), "%s", errbuf);
		REJECT("mtu 1400\nfiltering \033[2Jeif\n", 2,
		       "control character 0x1b at column 11");
		CHECK(!strchr(errbuf, '\033'));
		snprintf(fifo, sizeof(fifo), "%s/new\nline.conf", dir);
		CHECK(config_file_parse(fifo, &S, errbuf, sizeof(errbuf)) == -1);
		CHECK(strstr(errbuf, "path has a control character (0x0a)"), "%s", errbuf);
	}
	TCASE_END();

	TCASE_BEGIN("config: bad lines name file:line and the value");
	REJECT("mtu 1400\nbogus 1\n", 2, "unknown key 'bogus'");
	REJECT("config /etc/x\n", 1, "unknown key 'config'");
	REJECT("--mtu 1400\n", 1, "unknown key '--mtu'");
	REJECT("\nmtu\n", 2, "mtu needs a value");
	REJECT("mtu 1400 1500\n", 1, "mtu takes one value, not '1400 1500'");
	REJECT("mtu 99999\n", 1, "bad mtu '99999' (expected 1280..65535)");
	REJECT("mtu 1279\n", 1, "bad mtu '1279'");
	REJECT("mtu -1\n", 1, "bad mtu '-1'");
	REJECT("mtu 14OO\n", 1, "bad mtu '14OO'");
	REJECT("hop-limit 0\n", 1, "bad hop-limit '0' (expected 1..255)");
	REJECT("hop-limit 256\n", 1, "bad hop-limit '256'");
	REJECT("timeout-udp 0\n", 1, "bad timeout-udp '0'");
	REJECT("timeout-tcp-est 4294967296\n", 1, "bad timeout-tcp-est '4294967296'");
	REJECT("timeout-tcp-trans x\n", 1, "bad timeout-tcp-trans 'x'");
	REJECT("timeout-icmp 1.5\n", 1, "bad timeout-icmp '1.5'");
	REJECT("xdp-mode turbo\n", 1, "bad xdp-mode 'turbo' (auto, native or generic)");
	REJECT("max-flows 8\n", 1, "bad max-flows '8' (expected 16..16777216)");
	REJECT("mss-clamp 100\n", 1, "bad mss-clamp '100' (off, auto, or 536..MTU - 40)");
	REJECT("mss-clamp abc\n", 1, "bad mss-clamp 'abc' (off, auto");
	REJECT("mss-clamp 70000\n", 1, "bad mss-clamp '70000'");
	REJECT("encap-limit 256\n", 1, "bad encap-limit '256' (expected 0..255)");
	REJECT("filtering full-cone\n", 1, "bad filtering 'full-cone' (eif, adf or apdf)");
	REJECT("filtering EIF\n", 1, "bad filtering 'EIF'");
	REJECT("max-per-host -5\n", 1, "bad max-per-host '-5'");
	REJECT("max-per-host 4294967296\n", 1, "bad max-per-host '4294967296'");
	REJECT("wan a/b\n", 1, "wan 'a/b' is not an interface name");
	REJECT("wan abcdefghijklmnopq\n", 1, "wan 'abcdefghijklmnopq' is not an interface name");
	REJECT("mesh maybe\n", 1, "bad mesh value 'maybe' (yes or no)");
	REJECT("legacy-iid yes please\n", 1, "legacy-iid takes at most one value");
	REJECT("allow-short-timeouts 2\n", 1, "bad allow-short-timeouts value '2'");
	REJECT("mtu 1400\nhop-limit 9\nmtu 1400\n", 3, "mtu given twice (first on line 1)");
	REJECT("filtering eif\n\nfiltering adf\n", 3, "filtering given twice (first on line 1)");
	/* rule keys: rule_config's own checks, named without dashes */
	REJECT("rule-ipv6 2001:db8::/400\n", 1, "rule-ipv6 '2001:db8::/400' is not an IPv6 prefix");
	REJECT("rule-ipv6 2001:db8::/40\nrule-ipv4 198.51.100.0/33\n", 2,
	       "rule-ipv4 '198.51.100.0/33' is not an IPv4 prefix");
	REJECT("ea-len 16\n", 1, "ea-len must follow the rule-ipv6 (or rule) it belongs to");
	REJECT("rule-ipv6 2001:db8::/40\nea-len x\n", 2, "ea-len 'x' is not a number");
	REJECT("rule-ipv6 2001:db8::/40\nea-len 16\nea-len 16\n", 3, "ea-len given twice");
	REJECT("rule 2001:db8::/40,198.51.100.0/24,16\n", 1,
	       "expected IPV6PFX,IPV4PFX,EALEN,OFFSET");
	REJECT("br 2001:db8::zz\n", 1, "br '2001:db8::zz' is not an IPv6 address");
	REJECT("br 2001:db8::1\nbr 2001:db8::2\n", 2, "br given twice");
	REJECT("prefix nope\n", 1, "prefix 'nope' is not an IPv6 prefix");
	REJECT("ipv4 192.0.2.300\n", 1, "ipv4 '192.0.2.300' is not an IPv4 address");
	REJECT("ipv4 192.0.2.0/20\n", 1,
	       "ipv4 '192.0.2.0/20': a routed prefix is /24 to /32, not /20");
	REJECT("ipv4 192.0.2.0/33\n", 1, "ipv4 '192.0.2.0/33' is not an IPv4 address or ADDR/LEN");
	REJECT("psid 65536\n", 1, "psid '65536' is not a number 0-65535");
	/* incomplete or wrong rules: the line that starts them */
	REJECT("mtu 1400\nrule-ipv6 2001:db8::/40\nea-len 16\n", 2,
	       "rule 1 (2001:db8::/40): missing rule-ipv4");
	REJECT("rule-ipv6 2001:db8::/40\nrule-ipv4 198.51.100.0/24\n", 1, "missing ea-len");
	REJECT("rule 2001:db8::/40,198.51.100.0/24,16,4\n# second\nrule-ipv6 2001:db8:1::/48\n"
	       "ea-len 8\n",
	       3, "rule 2 (2001:db8:1::/48): missing rule-ipv4");
	REJECT("rule 2001:db8::/40,198.51.100.0/24,16,4\nrule 2001:db8::/40,192.0.2.0/24,16,4\n", 2,
	       "rules 1 and 2 have the same IPv6 prefix 2001:db8::/40");
	REJECT("psid-len 8\nrule 2001:db8::/40,198.51.100.0/24,16,4\n", 2,
	       "psid-len given before the first rule");
	REJECT("\nrule-ipv6 2001:db8::/40\nrule-ipv4 198.51.100.0/24\nea-len 40\n", 2,
	       "rule 1: rule IPv6 prefix /40 + 40 EA bits = /80 is longer than /64");
	/* length and binary junk */
	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "mtu ", 4);
	REJECT(big, 1, "line longer than 1024 characters");
	TCASE_END();

	TCASE_BEGIN("config: bad portmap lines");
	REJECT("portmap tcp 4928\n", 1, "portmap needs 3 words");
	REJECT("portmap tcp 4928 192.168.1.10 extra\n", 1, "portmap needs 3 words");
	REJECT("portmap sctp 4928 192.168.1.10\n", 1, "portmap: bad protocol 'sctp' (tcp or udp)");
	REJECT("portmap tcp 0 192.168.1.10\n", 1, "bad port '0' (PORT or PORT-PORT, 1-65535)");
	REJECT("portmap tcp 65536 192.168.1.10\n", 1, "bad port '65536'");
	REJECT("portmap tcp 4930-4928 192.168.1.10\n", 1, "bad port range '4930-4928'");
	REJECT("portmap tcp 4928- 192.168.1.10\n", 1, "bad port '4928-'");
	REJECT("portmap tcp -4928 192.168.1.10\n", 1, "bad port '-4928'");
	REJECT("portmap tcp 0x50 192.168.1.10\n", 1, "bad port '0x50'");
	REJECT("portmap udp 4928 192.168.1\n", 1, "bad inside address '192.168.1' (IPV4[:PORT])");
	REJECT("portmap udp 4928 2001:db8::1\n", 1, "bad inside address '2001:db8::1'");
	REJECT("portmap udp 4928 192.168.1.10:0\n", 1, "bad inside port '0'");
	REJECT("portmap udp 4928 192.168.1.10:x\n", 1, "bad inside port 'x'");
	REJECT("portmap udp 4928 224.0.0.1\n", 1, "inside address 224.0.0.1 is not a unicast");
	REJECT("portmap udp 4928 127.0.0.1\n", 1, "inside address 127.0.0.1 is not a unicast");
	REJECT("portmap udp 4928 0.0.0.0\n", 1, "inside address 0.0.0.0 is not a unicast");
	REJECT("portmap udp 4928 255.255.255.255\n", 1, "inside address 255.255.255.255 is not");
	REJECT("portmap udp 4928 240.0.0.1\n", 1, "inside address 240.0.0.1 is not a unicast");
	REJECT("portmap tcp 4928-4943 192.168.1.10:65530\n", 1,
	       "inside ports 65530-65545 of 'tcp 4928-4943 192.168.1.10:65530' go past 65535");
	REJECT("portmap tcp 4928-4931 192.168.1.10\nportmap tcp 4931 192.168.1.11\n", 2,
	       "outside ports overlap the portmap on line 1 (tcp 4928-4931 192.168.1.10:4928)");
	REJECT("portmap udp 4928 192.168.1.10:80\n#\nportmap udp 4929 192.168.1.10:80\n", 3,
	       "inside endpoints overlap the portmap on line 1");
	/* the same port for tcp and udp, or to other hosts: fine */
	CHECK(parse("portmap tcp 4928 192.168.1.10:80\nportmap udp 4928 192.168.1.10:80\n"
		    "portmap tcp 4929 192.168.1.11:80\n") == 0,
	      "%s", errbuf);
	{
		static char many[PORTMAP_MAX * 48 + 64];
		size_t used = 0;

		for (int i = 0; i <= PORTMAP_MAX; i++)
			used += (size_t)snprintf(many + used, sizeof(many) - used,
						 "portmap tcp %d 10.0.%d.%d\n", 1000 + i, i / 200,
						 i % 200 + 1);
		REJECT(many, PORTMAP_MAX + 1, "too many portmap lines (at most 256)");
	}
	TCASE_END();

	TCASE_BEGIN("config: unreadable file");
	errbuf[0] = '\0';
	CHECK(config_file_parse("/nonexistent/mapce.conf", &S, errbuf, sizeof(errbuf)) == -1);
	CHECK(strstr(errbuf, "cannot read the config file /nonexistent/mapce.conf: No such file"),
	      "%s", errbuf);
	TCASE_END();
}

/* Apply "--opt value" pairs as the command line would. */
static int cli(struct up_settings *s, const char *name, const char *val)
{
	const struct opt_def *d = opt_find_name(up_key_groups, name);

	return d ? up_settings_apply(s, d->val, val, 0, errbuf, sizeof(errbuf)) : -2;
}

static void test_merge(void)
{
	TCASE_BEGIN("config: the command line wins over the file");
	CHECK(config_file_parse(put(full), &F, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	up_settings_init(&C);
	CHECK(cli(&C, "mtu", "1300") == 0);
	CHECK(cli(&C, "filtering", "apdf") == 0);
	CHECK(cli(&C, "wan", "wan9") == 0);
	CHECK(cli(&C, "br", "2001:db8::99") == 0);
	CHECK(cli(&C, "mesh", NULL) == 0);
	up_settings_merge(&M, &F, &C);
	CHECK_EQ(M.val[UK_MTU], 1300);
	CHECK_EQ(M.line[UK_MTU], 0);
	CHECK_EQ(M.val[UK_FILTERING], MAPCE_FILTER_APDF);
	CHECK_STR(M.wan, "wan9");
	CHECK(M.rule.br[15] == 0x99);
	CHECK_EQ(M.val[UK_HOP_LIMIT], 32); /* from the file */
	CHECK_EQ(M.line[UK_HOP_LIMIT], 15);
	CHECK_EQ(M.val[UK_MAX_PER_HOST], 100);
	CHECK(M.rule.mesh && M.rule.legacy_iid);		    /* flags or-ed */
	CHECK(M.rule.n_rules == 1 && M.rule.rules[0].ea_len == 16); /* file's rules */
	CHECK(M.rule.have_prefix && M.rule.prefix_len == 56);
	CHECK_EQ(M.n_portmaps, 2);
	CHECK_STR(M.path, path);
	TCASE_END();

	TCASE_BEGIN("config: command-line rules replace the file's");
	up_settings_init(&C);
	CHECK(cli(&C, "rule-ipv6", "2001:db8:100::/40") == 0);
	CHECK(cli(&C, "rule-ipv4", "203.0.113.0/24") == 0);
	CHECK(cli(&C, "ea-len", "14") == 0);
	CHECK(cli(&C, "prefix", "2001:db8:100:aa00::/56") == 0);
	up_settings_merge(&M, &F, &C);
	CHECK_EQ(M.rule.n_rules, 1);
	CHECK_EQ(M.rule.rules[0].ea_len, 14);
	CHECK_STR(ip4(M.rule.rules[0].ipv4_prefix), "203.0.113.0");
	CHECK_EQ(M.rule.rules[0].psid_offset, 6); /* default, not the file's 4 */
	CHECK(M.rule.prefix[4] == 0x01 && M.rule.prefix[6] == 0xaa && M.rule.prefix_len == 56);
	CHECK(M.rule.have_br && M.rule.br[15] == 0x64); /* file's br stays */
	/* the explicit form on the command line replaces the file's rules too */
	up_settings_init(&C);
	CHECK(cli(&C, "ipv4", "192.0.2.1") == 0 && cli(&C, "psid", "52") == 0 &&
	      cli(&C, "psid-len", "8") == 0);
	up_settings_merge(&M, &F, &C);
	CHECK(M.rule.n_rules == 0 && M.rule.have_ipv4 && M.rule.psid == 52);
	/* no file at all: the command line alone */
	up_settings_init(&F);
	up_settings_merge(&M, &F, &C);
	CHECK(M.rule.have_ipv4 && M.n_portmaps == 0 && M.path[0] == '\0');
	TCASE_END();
}

static void test_timeouts(void)
{
	static const struct {
		const char *key;
		const char *low, *min;
		const char *rfc;
	} t[] = {
		{ "timeout-udp", "119", "120", "RFC 4787 REQ-5" },
		{ "timeout-tcp-est", "7439", "7440", "RFC 5382 REQ-5" },
		{ "timeout-tcp-trans", "239", "240", "RFC 5382 REQ-5" },
		{ "timeout-icmp", "59", "60", "RFC 5508 REQ-2" },
	};
	char text[128], want[400];

	TCASE_BEGIN("config: timeouts below the RFC minimums need allow-short-timeouts");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* command line */
		up_settings_init(&C);
		up_settings_init(&F);
		CHECK(cli(&C, t[i].key, t[i].low) == 0);
		up_settings_merge(&M, &F, &C);
		CHECK(up_settings_check(&M, errbuf, sizeof(errbuf)) == -1);
		snprintf(want, sizeof(want),
			 "--%s %s is below %s s, the minimum of %s "
			 "(--allow-short-timeouts allows it",
			 t[i].key, t[i].low, t[i].min, t[i].rfc);
		CHECK(strstr(errbuf, want), "[%s] lacks [%s]", errbuf, want);
		CHECK(cli(&C, "allow-short-timeouts", NULL) == 0);
		up_settings_merge(&M, &F, &C);
		CHECK(up_settings_check(&M, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
		/* at the minimum: fine */
		up_settings_init(&C);
		CHECK(cli(&C, t[i].key, t[i].min) == 0);
		up_settings_merge(&M, &F, &C);
		CHECK(up_settings_check(&M, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
		/* file: named by file:line */
		snprintf(text, sizeof(text), "mtu 1400\n%s %s\n", t[i].key, t[i].low);
		CHECK(config_file_parse(put(text), &F, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
		up_settings_init(&C);
		up_settings_merge(&M, &F, &C);
		CHECK(up_settings_check(&M, errbuf, sizeof(errbuf)) == -1);
		snprintf(want, sizeof(want), "%s:2: %s %s is below %s s", path, t[i].key, t[i].low,
			 t[i].min);
		CHECK(strstr(errbuf, want), "[%s] lacks [%s]", errbuf, want);
		/* the file's timeout, the command line's permission */
		CHECK(cli(&C, "allow-short-timeouts", NULL) == 0);
		up_settings_merge(&M, &F, &C);
		CHECK(up_settings_check(&M, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
		/* and the permission in the file */
		snprintf(text, sizeof(text), "%s %s\nallow-short-timeouts\n", t[i].key, t[i].low);
		CHECK(config_file_parse(put(text), &F, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
		up_settings_init(&C);
		up_settings_merge(&M, &F, &C);
		CHECK(up_settings_check(&M, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	}
	/* the command line still rejects what is not a number */
	up_settings_init(&C);
	CHECK(cli(&C, "timeout-udp", "0") == -1 && strstr(errbuf, "bad --timeout-udp '0'"), "%s",
	      errbuf);
	CHECK(cli(&C, "filtering", "none") == -1 && strstr(errbuf, "bad --filtering 'none'"), "%s",
	      errbuf);
	CHECK(cli(&C, "max-per-host", "x") == -1 && strstr(errbuf, "bad --max-per-host 'x'"), "%s",
	      errbuf);
	TCASE_END();
}

/* prefix-from (mapce run / up with DHCPv6-PD): an interface name, in the
 * file or on the command line, the command line winning like wan. */
static void test_prefix_from(void)
{
	TCASE_BEGIN("config: prefix-from is an interface name, merged like wan");
	CHECK(parse("wan wan0\nprefix-from lan0\n") == 0, "%s", errbuf);
	CHECK_STR(S.prefix_from, "lan0");
	CHECK(S.set[UK_PREFIX_FROM] && S.line[UK_PREFIX_FROM] == 2);
	REJECT("prefix-from a/b\n", 1, "prefix-from 'a/b' is not an interface name");
	REJECT("prefix-from lan0\nprefix-from lan1\n", 2, "given twice");
	CHECK(config_file_parse(put("wan wan0\nprefix-from lan0\n"), &F, errbuf, sizeof(errbuf)) ==
		      0,
	      "%s", errbuf);
	up_settings_init(&C);
	up_settings_merge(&M, &F, &C);
	CHECK_STR(M.prefix_from, "lan0");
	CHECK(cli(&C, "prefix-from", "br-lan") == 0);
	up_settings_merge(&M, &F, &C);
	CHECK_STR(M.prefix_from, "br-lan");
	CHECK(cli(&C, "prefix-from", "") != 0);
	TCASE_END();
}

int main(void)
{
	if (config_fixture_begin())
		return 1;
	test_full_file();
	test_mss_words();
	test_errors();
	test_merge();
	test_prefix_from();
	test_timeouts();
	return config_fixture_end();
}
