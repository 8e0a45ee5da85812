// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_fuzz_findings.c - what the fuzz harnesses (tests/fuzz/) found, one
 * case each, so a fix cannot quietly go away.  The crash inputs themselves
 * are kept in the harnesses' corpora (tests/fuzz/corpus/NAME/crash-*),
 * which the smoke run of `make test` replays under the sanitizers; these
 * cases check the fixed behaviour in the normal build.
 *
 *  1. fuzz_config: a NUL byte in a config file.  The parser read lines
 *     with fgets() and strlen(), so a NUL cut its line short (the rest
 *     unread: "wan e\0..." was "wan e"), and a NUL early in a line longer
 *     than the line buffer made the rest of that line a line of its own
 *     (a setting smuggled in after a comment).  `mapce portmap` then
 *     refused to edit the file the parser had accepted (the editor reads
 *     the whole file and refuses NULs).  Now: "FILE:LINE: a NUL byte".
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "core/config_file.h"

static char dir[] = "/tmp/mapce-test-fuzz-XXXXXX";
static char path[300], errbuf[2048];
static struct up_settings S;

static void put(const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* The file's bytes into buf (at most max); their count. */
static size_t get(char *buf, size_t max)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, max, f) : 0;

	if (f)
		fclose(f);
	return n;
}

/* Does the parse fail with "PATH:LINE: a NUL byte"? */
static int nul_at(unsigned int line)
{
	char want[400];

	errbuf[0] = '\0';
	if (config_file_parse(path, &S, errbuf, sizeof(errbuf)) != -1)
		return 0;
	snprintf(want, sizeof(want), "%s:%u: a NUL byte", path, line);
	return !strcmp(errbuf, want);
}

static void test_config_nul(void)
{
	/* the fuzzer's input: it was "wan e" and a prefix */
	static const char crash[] = "wan e\0\0\0\0\0\0\0\0\0aut"
				    "o\nprefix 2404:7a82:4d02:4100::/64\n";
	static char smuggle[CONFIG_LINE_MAX + 64], before[sizeof(smuggle)], after[sizeof(smuggle)];
	struct portmap pm = { .proto = 17, .first = 4242, .last = 4242, .inside_port = 4242 };
	size_t n;

	TCASE_BEGIN("fuzz finding: a NUL byte in a config file is refused, naming its line");
	put(crash, sizeof(crash) - 1);
	CHECK(nul_at(1), "%s", errbuf);
	/* a comment, a NUL, then enough bytes to fill the line buffer: the
	 * "mtu 1280" after them was read as line 2 */
	n = (size_t)snprintf(smuggle, sizeof(smuggle), "wan eth0\n#");
	smuggle[n++] = '\0';
	memset(smuggle + n, 'x', CONFIG_LINE_MAX - 1);
	n += CONFIG_LINE_MAX - 1;
	n += (size_t)snprintf(smuggle + n, sizeof(smuggle) - n, "mtu 1280\n");
	put(smuggle, n);
	CHECK(nul_at(2), "%s", errbuf);
	CHECK(!S.set[UK_MTU], "the smuggled line was applied");
	/* on a later line, after good ones */
	put("wan eth0\nmtu 1400\nhop-limit 3\0\n", 31);
	CHECK(nul_at(3), "%s", errbuf);
	/* and the edit refuses it too, leaving the file as it was */
	put(smuggle, n);
	CHECK(config_file_add_portmap(path, &pm, errbuf, sizeof(errbuf)) == -1);
	memcpy(before, smuggle, n);
	CHECK(get(after, sizeof(after)) == n && !memcmp(before, after, n));
	/* a file without one still parses */
	put("wan eth0\nmtu 1400\n", 18);
	CHECK(config_file_parse(path, &S, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK(S.set[UK_MTU] && S.val[UK_MTU] == 1400);
	TCASE_END();
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/wan0.conf", dir);
	test_config_nul();
	unlink(path);
	rmdir(dir);
	return t_exit();
}
