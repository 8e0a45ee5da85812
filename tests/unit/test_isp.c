// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_isp.c - the ISP rule tables (user/core/isp.c): the table format
 * and its errors (file and line named), loading from the ISP directory,
 * and the longest-prefix match across tables.  Synthetic tables use the
 * documentation prefixes; the shipped tables are checked in
 * test_isp_tables.c.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "core/isp.h"

static char errbuf[512];
static struct isp_table T[4];

static int says(const char *s)
{
	if (strstr(errbuf, s))
		return 1;
	printf("#   error \"%s\" does not mention \"%s\"\n", errbuf, s);
	return 0;
}

static const char *GOOD_A =
	"# a synthetic service\n"
	"isp alpha\n"
	"title Alpha Net (test)\n"
	"date 2026-11-30\n"
	"source made up for the unit test\n"
	"br 2001:db8:ffff::64\n"
	"iid legacy\n"
	"rule 2001:db8::/33,198.51.100.0/24,16,4\n"
	"rule 2001:db8:8000::/36,203.0.113.0/26,16,6,br=2001:db8:ffff::65\n";

static const char *GOOD_B =
	"isp beta\r\n" /* CRLF is fine */
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
	bad("isp_rule_too_long_for_64", "isp x\ndate 2026-01-01\nbr 2001:db8::1\n"
	    "rule 2001:db8::/48,192.0.2.0/24,24,4\n", 4, "longer than /64");
	bad("isp_rule_bad_syntax", "isp x\ndate 2026-01-01\nbr 2001:db8::1\nrule 2001:db8::/40\n", 4,
	    "expected IPV6PFX,IPV4PFX,EALEN,OFFSET");
	bad("isp_rule_twice", "isp x\ndate 2026-01-01\nbr 2001:db8::1\n"
	    "rule 2001:db8::/40,192.0.2.0/24,16,4\nrule 2001:db8::/40,198.51.100.0/24,16,4\n", 5,
	    "twice");
	bad("isp_rule_flags_refused", "isp x\ndate 2026-01-01\nbr 2001:db8::1\n"
	    "rule 2001:db8::/40,192.0.2.0/24,16,4,fmr\n", 4, "no flags");
	bad("isp_bad_br", "isp x\ndate 2026-01-01\nbr fe80::1\n", 3, "not a global unicast");
	bad("isp_bad_rule_br", "isp x\ndate 2026-01-01\nbr 2001:db8::1\n"
	    "rule 2001:db8::/40,192.0.2.0/24,16,4,br=nonsense\n", 4, "'nonsense' is not an IPv6");
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

int main(void)
{
	test_parse_good();
	test_match();
	test_parse_bad();
	test_dir();
	return t_exit();
}
