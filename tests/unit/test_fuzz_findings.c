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
 *     the whole file and refuses NULs).  Now the parse fails naming the
 *     file, the line and the NUL byte.
 *  2. fuzz_nl: a netlink message whose nlmsg_len is 2 GiB or more.
 *     libmnl's mnl_nlmsg_ok() compares (int)nlmsg_len, negative then, so
 *     mnl_cb_run handed the message to the parsers as if that many bytes
 *     were there, and stepped that far to the next one: a read far past
 *     the receive buffer.  Now the batch is cut to its whole messages
 *     first (nl_batch_framed).
 *  3. fuzz_cli: `mapce -j` printed a user's bad value as it was given, and
 *     bytes that are not UTF-8 made the error object invalid JSON
 *     ({"error":"unknown command '\xcbsp'..."}).  Now the output is JSON
 *     (tests/fuzz/json.h reads it: UTF-8 strings), still names the value
 *     in some escaped form, and UTF-8 text (a table's title) passes as it
 *     is.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "harness.h"
#include "fuzz/json.h"
#include "test_nl_msg.h"
#include "core/config_file.h"
#include "core/output.h"
#include "sys/nl_monitor.h"
#include "sys/nl_parse.h"

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

/* Does the parse fail with a message naming "PATH:LINE:" and the NUL? */
static int nul_at(unsigned int line)
{
	char want[400];

	errbuf[0] = '\0';
	if (config_file_parse(path, &S, errbuf, sizeof(errbuf)) != -1)
		return 0;
	snprintf(want, sizeof(want), "%s:%u: ", path, line);
	return strstr(errbuf, want) && strstr(errbuf, "NUL byte");
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

static int n_events;

static void count_cb(const struct nl_event *ev, void *arg)
{
	n_events++;
}

/* A link message, ifindex 2, named "wan0". */
static void link_msg(struct tmsg *m)
{
	struct ifinfomsg *ifi = tmsg_start(m, RTM_NEWLINK, sizeof(*ifi));

	ifi->ifi_index = 2;
	tmsg_put_str(m, IFLA_IFNAME, "wan0");
}

static void test_nl_huge_len(void)
{
	static char batch[4 * TMSG_MAX] __attribute__((aligned(8)));
	unsigned long malformed = 0;
	struct tmsg m;
	size_t off = 0, first;

	TCASE_BEGIN("fuzz finding: a netlink message length of 2 GiB or more ends the batch");
	link_msg(&m);
	memcpy(batch, m.buf, m.nh.nlmsg_len);
	off = first = NLMSG_ALIGN(m.nh.nlmsg_len);
	link_msg(&m);
	m.nh.nlmsg_len = 0x80000000u + m.nh.nlmsg_len; /* (int) < 0: passes mnl_nlmsg_ok */
	memcpy(batch + off, m.buf, NLMSG_ALIGN(m.nh.nlmsg_len & 0xffff));
	off += NLMSG_ALIGN(m.nh.nlmsg_len & 0xffff);
	CHECK_EQ(nl_batch_framed(batch, off), first);
	n_events = 0;
	CHECK_EQ(nl_monitor_dispatch(batch, off, count_cb, NULL, &malformed), 1);
	CHECK_EQ(n_events, 1);
	/* the bad one alone: nothing */
	CHECK_EQ(nl_batch_framed(batch + first, off - first), 0);
	CHECK_EQ(nl_monitor_dispatch(batch + first, off - first, count_cb, NULL, &malformed), 0);
	m.nh.nlmsg_len = 0xffffffffu;
	memcpy(batch + first, m.buf, sizeof(m.nh));
	CHECK_EQ(nl_monitor_dispatch(batch, off, count_cb, NULL, &malformed), 1);
	TCASE_END();

	TCASE_BEGIN("nl_batch_framed: whole messages, the last one's padding may be cut");
	CHECK_EQ(nl_batch_framed(batch, 0), 0);
	CHECK_EQ(nl_batch_framed(batch, first), first);
	/* "wan0\0" unpadded: the message ends 3 bytes before its padding */
	((struct nlmsghdr *)batch)->nlmsg_len = (__u32)first - 3;
	CHECK_EQ(nl_batch_framed(batch, first - 3), first - 3);
	CHECK_EQ(nl_batch_framed(batch, first - 4), 0); /* the message cut */
	CHECK_EQ(nl_monitor_dispatch(batch, first - 3, count_cb, NULL, &malformed), 1);
	((struct nlmsghdr *)batch)->nlmsg_len = 8; /* shorter than a header */
	CHECK_EQ(nl_batch_framed(batch, first), 0);
	TCASE_END();
}

/* What fn prints to stdout, into buf (NUL-terminated). */
static void capture(void (*fn)(void), char *buf, size_t len)
{
	char out[320];
	int fd, saved;
	ssize_t n;

	snprintf(out, sizeof(out), "%s/stdout", dir);
	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (saved < 0 || fd < 0 || dup2(fd, 1) < 0) {
		perror(out);
		exit(1);
	}
	fn();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(out);
}

/* the fuzzer's case: a command name with a byte that is no UTF-8 */
static void bad_command(void)
{
	out_init(true, false);
	pr_err("unknown command '%s' (try 'mapce -h')", "\xcbsp");
}

static void mixed_string(void)
{
	out_init(true, false);
	out_open_object(NULL);
	/* UTF-8 (v6 plus in katakana), an overlong '/', a surrogate, a
	 * code point past U+10FFFF, a lone continuation byte, a cut one */
	out_str("s", NULL,
		"v6\xe3\x83\x97\xe3\x83\xa9\xe3\x82\xb9 \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 "
		"\x80 \xe3\x83");
	out_close_object();
	out_finish();
}

/* Is buf JSON, with want in it? */
static int json_with(const char *buf, const char *want)
{
	size_t bad = 0;

	if (!json_valid(buf, strlen(buf), &bad)) {
		printf("#   not JSON at byte %zu: %s", bad, buf);
		return 0;
	}
	return strstr(buf, want) != NULL;
}

static void test_json_utf8(void)
{
	char buf[512];

	TCASE_BEGIN("fuzz finding: -j output stays JSON (UTF-8) whatever bytes a value has");
	capture(bad_command, buf, sizeof(buf));
	CHECK(json_with(buf, "sp' (try 'mapce -h')\"}"), "%s", buf);
	CHECK(!strchr(buf, '\xcb'), "the raw byte: %s", buf);
	capture(mixed_string, buf, sizeof(buf));
	CHECK(json_with(buf, "{\"s\":\"v6\xe3\x83\x97\xe3\x83\xa9\xe3\x82\xb9 "), "%s", buf);
	out_init(false, false);
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
	test_nl_huge_len();
	test_json_utf8();
	unlink(path);
	rmdir(dir);
	return t_exit();
}
