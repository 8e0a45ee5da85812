// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_isp.c - the ISP rule tables (user/core/isp.c): the table format
 * and its errors (file and line named), loading from the ISP directory,
 * and the longest-prefix match across tables (synthetic tables in the
 * documentation prefixes); then the shipped tables (data/isp): every rule
 * derived by the CLI's code for a prefix inside it and compared with an
 * independent bit-by-bit computation written here, and the published
 * worked vectors (data/isp/README.md) matched to their rules.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "core/isp.h"
#include "core/rule_config.h"

static char errbuf[512];
static struct isp_table T[4];

static int says(const char *s)
{
	if (strstr(errbuf, s))
		return 1;
	printf("#   error \"%s\" does not mention \"%s\"\n", errbuf, s);
	return 0;
}

static const char *GOOD_A = "# a synthetic service\n"
			    "isp alpha\n"
			    "title Alpha Net (test)\n"
			    "date 2026-11-30\n"
			    "source made up for the unit test\n"
			    "br 2001:db8:ffff::64\n"
			    "iid legacy\n"
			    "rule 2001:db8::/33,198.51.100.0/24,16,4\n"
			    "rule 2001:db8:8000::/36,203.0.113.0/26,16,6,br=2001:db8:ffff::65\n";

static const char *GOOD_B = "isp beta\r\n" /* CRLF is fine */
			    "date 2026-01-02\r\n"
			    "br 2001:db8:eeee::1\r\n"
			    "rule 2001:db8:8000::/40,192.0.2.0/24,16,4\r\n";

static void put6(const char *s, __u8 a[16])
{
	inet_pton(AF_INET6, s, a);
}

static void test_parse_good(void)
{
	__u8 a[16];

	TCASE_BEGIN("isp_table_parsed_with_every_field");
	CHECK_EQ(isp_parse(GOOD_A, "alpha.rules", &T[0], errbuf, sizeof(errbuf)), 0);
	CHECK_STR(T[0].name, "alpha");
	CHECK_STR(T[0].title, "Alpha Net (test)");
	CHECK_STR(T[0].date, "2026-11-30");
	CHECK_STR(T[0].source, "made up for the unit test");
	CHECK(T[0].legacy_iid);
	CHECK_EQ(T[0].n_br, 2);
	CHECK_EQ(T[0].n_rules, 2);
	put6("2001:db8::", a);
	CHECK(!memcmp(T[0].rules[0].rule.ipv6_prefix, a, 16));
	CHECK_EQ(T[0].rules[0].rule.ipv6_prefix_len, 33);
	CHECK_EQ(T[0].rules[0].rule.ea_len, 16);
	CHECK_EQ(T[0].rules[0].rule.psid_offset, 4);
	CHECK_EQ(T[0].rules[0].rule.psid_len, 8);
	CHECK_EQ(T[0].rules[0].br, 0);
	CHECK_EQ(T[0].rules[1].br, 1);
	put6("2001:db8:ffff::65", a);
	CHECK(!memcmp(T[0].br[1], a, 16));
	CHECK_EQ(isp_parse(GOOD_B, "beta.rules", &T[1], errbuf, sizeof(errbuf)), 0);
	CHECK(!T[1].legacy_iid);
	TCASE_END();
}

static void test_match(void)
{
	__u8 p[16];
	int ti, ri;

	TCASE_BEGIN("isp_longest_rule_prefix_wins_within_and_across_tables");
	/* inside alpha's /33 only */
	put6("2001:db8:1234:5600::", p);
	CHECK_EQ(isp_match(T, 2, p, 56, &ti, &ri, errbuf, sizeof(errbuf)), 0);
	CHECK_EQ(ti, 0);
	CHECK_EQ(ri, 0);
	/* inside alpha's /36 and beta's /40: beta's is longer */
	put6("2001:db8:8000:1200::", p);
	CHECK_EQ(isp_match(T, 2, p, 56, &ti, &ri, errbuf, sizeof(errbuf)), 0);
	CHECK_EQ(ti, 1);
	CHECK_EQ(ri, 0);
	/* alpha alone: its /36 */
	CHECK_EQ(isp_match(T, 1, p, 56, &ti, &ri, errbuf, sizeof(errbuf)), 0);
	CHECK_EQ(ri, 1);
	/* a /64 from an RA matches too */
	CHECK_EQ(isp_match(T, 2, p, 64, &ti, &ri, errbuf, sizeof(errbuf)), 0);
	TCASE_END();

	TCASE_BEGIN("isp_no_rule_names_the_service_and_the_closest_rules");
	put6("2001:db9::", p);
	CHECK_EQ(isp_match(T, 1, p, 56, &ti, &ri, errbuf, sizeof(errbuf)), -1);
	CHECK(says("2001:db9::/56"));
	CHECK(says("alpha"));
	CHECK(says("closest rules: alpha 2001:db8::/33 -> 198.51.100.0/24"));
	/* a prefix shorter than the rule prefix is not inside it */
	put6("2001:db8:8000::", p);
	CHECK_EQ(isp_match(&T[1], 1, p, 36, &ti, &ri, errbuf, sizeof(errbuf)), -1);
	CHECK(says("beta 2001:db8:8000::/40"));
	TCASE_END();
}

/* text must be refused naming "origin:line" and s. */
static void bad(const char *name, const char *text, unsigned int line, const char *s)
{
	char where[64];

	TCASE_BEGIN(name);
	CHECK_EQ(isp_parse(text, "t.rules", &T[2], errbuf, sizeof(errbuf)), -1);
	if (line)
		snprintf(where, sizeof(where), "t.rules:%u:", line);
	else
		snprintf(where, sizeof(where), "t.rules:");
	CHECK(says(where));
	CHECK(says(s));
	TCASE_END();
}

static void test_parse_bad(void)
{
	bad("isp_unknown_key", "isp x\ndate 2026-01-01\nbr 2001:db8::1\nfoo bar\n", 4,
	    "unknown key 'foo'");
	bad("isp_rule_ipv4_not_aligned",
	    "isp x\ndate 2026-01-01\nbr 2001:db8::1\nrule 2001:db8::/40,192.0.2.1/24,16,4\n", 4,
	    "bits set after /24");
	bad("isp_rule_ipv6_not_aligned",
	    "isp x\ndate 2026-01-01\nbr 2001:db8::1\nrule 2001:db8:1::/32,192.0.2.0/24,16,4\n", 4,
	    "bits set after /32");
	bad("isp_rule_too_long_for_64",
	    "isp x\ndate 2026-01-01\nbr 2001:db8::1\n"
	    "rule 2001:db8::/48,192.0.2.0/24,24,4\n",
	    4, "longer than /64");
	bad("isp_rule_bad_syntax", "isp x\ndate 2026-01-01\nbr 2001:db8::1\nrule 2001:db8::/40\n",
	    4, "expected IPV6PFX,IPV4PFX,EALEN,OFFSET");
	bad("isp_rule_twice",
	    "isp x\ndate 2026-01-01\nbr 2001:db8::1\n"
	    "rule 2001:db8::/40,192.0.2.0/24,16,4\nrule 2001:db8::/40,198.51.100.0/24,16,4\n",
	    5, "twice");
	bad("isp_rule_flags_refused",
	    "isp x\ndate 2026-01-01\nbr 2001:db8::1\n"
	    "rule 2001:db8::/40,192.0.2.0/24,16,4,fmr\n",
	    4, "no flags");
	bad("isp_bad_br", "isp x\ndate 2026-01-01\nbr fe80::1\n", 3, "not a global unicast");
	bad("isp_bad_rule_br",
	    "isp x\ndate 2026-01-01\nbr 2001:db8::1\n"
	    "rule 2001:db8::/40,192.0.2.0/24,16,4,br=nonsense\n",
	    4, "'nonsense' is not an IPv6");
	bad("isp_bad_date", "isp x\ndate 26-1-1\n", 2, "not YYYY-MM-DD");
	bad("isp_name_twice", "isp x\nisp y\n", 2, "'isp' given twice");
	bad("isp_bad_name", "isp X/Y\n", 1, "lower-case");
	bad("isp_control_character", "isp x\ntitle a\033[2Jb\n", 2, "control character 0x1b");
	bad("isp_missing_date", "isp x\nbr 2001:db8::1\nrule 2001:db8::/40,192.0.2.0/24,16,4\n", 0,
	    "no 'date");
	bad("isp_missing_rules", "isp x\ndate 2026-01-01\nbr 2001:db8::1\n", 0, "no 'rule'");
	bad("isp_missing_br", "isp x\ndate 2026-01-01\nrule 2001:db8::/40,192.0.2.0/24,16,4\n", 0,
	    "no 'br");
	bad("isp_value_missing", "isp x\ndate\n", 2, "needs a value");
}

/* Write a file under dir. */
static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, text, len) != (ssize_t)len)
			printf("#   short write to %s\n", path);
		close(fd);
	}
}

static void test_dir(void)
{
	char dir[] = "/tmp/mapce-isp-XXXXXX", path[512];
	static const char nul[] = "isp nul\ndate 2026-01-01\0junk\n";

	if (!mkdtemp(dir)) {
		TSKIP("isp_directory_tables", "mkdtemp failed");
		return;
	}
	setenv(ISP_DIR_ENV, dir, 1);
	write_file(dir, "alpha.rules", GOOD_A, strlen(GOOD_A));
	write_file(dir, "gamma.rules", GOOD_A, strlen(GOOD_A)); /* says "isp alpha" */
	write_file(dir, "nul.rules", nul, sizeof(nul) - 1);
	snprintf(path, sizeof(path), "%s/fifo.rules", dir);
	mkfifo(path, 0600);

	TCASE_BEGIN("isp_directory_tables");
	CHECK_STR(isp_dir(), dir);
	CHECK_EQ(isp_load("alpha", &T[0], errbuf, sizeof(errbuf)), 0);
	CHECK(strstr(T[0].origin, "/alpha.rules") != NULL);
	CHECK_EQ(T[0].n_rules, 2);
	CHECK_EQ(isp_load("gamma", &T[0], errbuf, sizeof(errbuf)), -1);
	CHECK(says("says 'isp alpha'"));
	CHECK_EQ(isp_load("nul", &T[0], errbuf, sizeof(errbuf)), -1);
	CHECK(says("nul.rules:2: a NUL byte"));
	CHECK_EQ(isp_load("fifo", &T[0], errbuf, sizeof(errbuf)), -1); /* must not block */
	CHECK(says("not a regular file"));
	CHECK_EQ(isp_load("nosuch", &T[0], errbuf, sizeof(errbuf)), -1);
	CHECK(says("unknown ISP 'nosuch'"));
	CHECK_EQ(isp_load("../etc", &T[0], errbuf, sizeof(errbuf)), -1);
	CHECK(says("not an ISP name"));
	CHECK_EQ(isp_load("auto", &T[0], errbuf, sizeof(errbuf)), -1);
	TCASE_END();

	unlink(path);
	snprintf(path, sizeof(path), "%s/gamma.rules", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/nul.rules", dir);
	unlink(path);
	TCASE_BEGIN("isp_load_all_includes_directory_tables");
	CHECK(isp_load_all(T, 4, errbuf, sizeof(errbuf)) >= 1);
	TCASE_END();
	snprintf(path, sizeof(path), "%s/alpha.rules", dir);
	unlink(path);
	rmdir(dir);
	unsetenv(ISP_DIR_ENV);
}

/* ---- the shipped tables ---------------------------------------------- */

/* Bit i (0 = most significant) of a byte string. */
static unsigned int bit(const __u8 *b, unsigned int i)
{
	return (b[i / 8] >> (7 - i % 8)) & 1;
}

static void set_bit(__u8 *b, unsigned int i, unsigned int v)
{
	if (v)
		b[i / 8] |= (__u8)(0x80 >> (i % 8));
	else
		b[i / 8] &= (__u8) ~(0x80 >> (i % 8));
}

/*
 * RFC 7597 §5.2 done the slow way: the EA bits are prefix bits
 * [r6, r6 + o); their first 32 - r4 bits are the IPv4 suffix, the rest the
 * PSID.
 */
static void slow_derive(const struct mapce_rule *r, const __u8 prefix[16], __u32 *ipv4,
			unsigned int *psid)
{
	unsigned int p = 32 - r->ipv4_prefix_len, k = r->ea_len - p;
	__u8 v4[4];

	memcpy(v4, &r->ipv4_prefix, 4);
	for (unsigned int i = 0; i < p; i++)
		set_bit(v4, r->ipv4_prefix_len + i, bit(prefix, r->ipv6_prefix_len + i));
	*ipv4 = (__u32)v4[0] << 24 | (__u32)v4[1] << 16 | (__u32)v4[2] << 8 | v4[3];
	*psid = 0;
	for (unsigned int i = 0; i < k; i++)
		*psid = *psid << 1 | bit(prefix, r->ipv6_prefix_len + p + i);
}

static struct isp_table ALL[ISP_MAX_TABLES];

/* Derive rule r of table t for prefix/56 the way `up` and `calc` do. */
static int cli_derive(const struct isp_table *t, const struct mapce_rule *r, const __u8 p[16],
		      struct mapce_derived *d)
{
	static struct mapce_opts o;
	char m[512];

	mapce_opts_init(&o);
	o.rules[0] = *r;
	o.rule_seen[0] = 0xff;
	o.n_rules = 1;
	memcpy(o.prefix, p, 16);
	o.prefix_len = r->ipv6_prefix_len + r->ea_len;
	o.have_prefix = true;
	o.legacy_iid = t->legacy_iid;
	if (mapce_derive(&o, d, m, sizeof(m))) {
		printf("#   %s: %s\n", t->name, m);
		return -1;
	}
	return 0;
}

static void test_shipped(void)
{
	static const struct {
		const char *isp, *prefix, *rule, *ipv4;
		unsigned int rule_len, psid;
	} vec[] = {
		{ "biglobe", "2404:7a82:4d02:4100::", "2404:7a82:4c00::", "133.209.13.2", 38, 65 },
		{ "biglobe", "2404:7a82:0:3400::", "2404:7a82::", "125.196.208.0", 38, 52 },
		{ "biglobe", "2404:7a80:1234:5600::", "2404:7a80::", "133.200.18.52", 31, 86 },
		{ "ocn", "2400:4050:1234:5600::", "2400:4050::", "153.240.72.209", 34, 22 },
		{ "nuro", "240d:f:0:1200::", "240d:f::", "219.104.128.0", 36, 18 },
		{ "v6plus", "240b:10:3f6c:d400::", "240b:10::", "106.72.63.108", 31, 212 },
	};
	static const struct {
		const char *name;
		int rules;
	} counts[] = { { "biglobe", 258 }, { "nuro", 4 }, { "ocn", 160 }, { "v6plus", 4 } };
	int n, bad = 0, checked = 0;

	TCASE_BEGIN("isp_shipped_tables_load_with_dates_and_sources");
	n = isp_load_all(ALL, ISP_MAX_TABLES, errbuf, sizeof(errbuf));
	CHECK_EQ(n, 4);
	for (int i = 0; i < n && i < 4; i++) {
		CHECK_STR(ALL[i].name, counts[i].name);
		CHECK_EQ(ALL[i].n_rules, counts[i].rules);
		CHECK(ALL[i].date[0] && ALL[i].source[0] && ALL[i].title[0]);
		CHECK(ALL[i].legacy_iid);
		CHECK_STR(ALL[i].origin, "built-in");
	}
	TCASE_END();

	TCASE_BEGIN("isp_every_shipped_rule_derives_as_computed_independently");
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < ALL[i].n_rules; j++) {
			const struct mapce_rule *r = &ALL[i].rules[j].rule;
			struct mapce_derived d;
			__u8 p[16];
			__u32 v4;
			unsigned int psid, e;

			/* a prefix in the rule with EA bits 1010...: every bit matters */
			memcpy(p, r->ipv6_prefix, 16);
			for (e = 0; e < r->ea_len; e++)
				set_bit(p, r->ipv6_prefix_len + e, !(e & 1));
			if (r->psid_len && !r->psid_offset)
				set_bit(p, r->ipv6_prefix_len + r->ea_len - 1, 1);
			slow_derive(r, p, &v4, &psid);
			if (cli_derive(&ALL[i], r, p, &d) || ntohl(d.ipv4) != v4 ||
			    d.psid != psid || d.psid_len != r->ea_len - (32 - r->ipv4_prefix_len) ||
			    d.end_user_len != 56) {
				if (bad++ < 5)
					printf("#   %s rule %d: ipv4 %08x/%08x psid %u/%u\n",
					       ALL[i].name, j + 1, ntohl(d.ipv4), v4, d.psid, psid);
			}
			checked++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(checked, 426);
	TCASE_END();

	TCASE_BEGIN("isp_published_vectors_find_their_rule");
	for (size_t v = 0; v < sizeof(vec) / sizeof(vec[0]); v++) {
		struct mapce_derived d;
		__u8 p[16], rp[16];
		int ti = -1, ri = -1;
		struct in_addr want;

		inet_pton(AF_INET6, vec[v].prefix, p);
		inet_pton(AF_INET6, vec[v].rule, rp);
		inet_pton(AF_INET, vec[v].ipv4, &want);
		/* "auto": every table; a /64 from an RA as well as the /56 */
		CHECK_EQ(isp_match(ALL, n, p, 64, &ti, &ri, errbuf, sizeof(errbuf)), 0);
		if (ti < 0)
			continue;
		CHECK_STR(ALL[ti].name, vec[v].isp);
		CHECK(!memcmp(ALL[ti].rules[ri].rule.ipv6_prefix, rp, 16));
		CHECK_EQ(ALL[ti].rules[ri].rule.ipv6_prefix_len, vec[v].rule_len);
		CHECK_EQ(cli_derive(&ALL[ti], &ALL[ti].rules[ri].rule, p, &d), 0);
		CHECK_EQ(d.ipv4, want.s_addr);
		CHECK_EQ(d.psid, vec[v].psid);
	}
	TCASE_END();
}

int main(void)
{
	test_parse_good();
	test_match();
	test_parse_bad();
	test_dir();
	test_shipped();
	return t_exit();
}
