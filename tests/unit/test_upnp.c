// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_upnp.c - miniupnpd's lease file parser (user/ce/upnp_lease.c) and
 * the miniupnpd configuration writer (user/ce/upnp_conf.c).  The lease
 * lines are written by hand in the format miniupnpd 2.x writes
 * (PROTO:EXT_PORT:INT_IP:INT_PORT:EXPIRY:DESCRIPTION); the lab test
 * (tests/lab/test_lab_upnp.sh) reads a real miniupnpd's file.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "harness.h"
#include "ce/upnp_conf.h"
#include "ce/upnp_lease.h"

static void good_lines(void)
{
	struct upnp_lease l;
	char err[256];

	TCASE_BEGIN("lease: a line as miniupnpd writes it");
	CHECK_EQ(upnp_lease_parse_line("TCP:4930:192.0.2.10:8080:1796959284:libminiupnpc", &l, err,
				       sizeof(err)),
		 0);
	CHECK_EQ(l.pm.proto, IPPROTO_TCP);
	CHECK_EQ(l.pm.first, 4930);
	CHECK_EQ(l.pm.last, 4930);
	CHECK_EQ(l.pm.inside_ip, inet_addr("192.0.2.10"));
	CHECK_EQ(l.pm.inside_port, 8080);
	CHECK_EQ(l.expires, 1796959284ULL);
	CHECK_STR(l.desc, "libminiupnpc");
	TCASE_END();

	TCASE_BEGIN("lease: udp, no expiry, a description with ':' and no description");
	CHECK_EQ(upnp_lease_parse_line("udp:62287:192.0.2.11:1:0:a:b c", &l, err, sizeof(err)), 0);
	CHECK_EQ(l.pm.proto, IPPROTO_UDP);
	CHECK_EQ(l.pm.first, 62287);
	CHECK_EQ(l.pm.inside_port, 1);
	CHECK_EQ(l.expires, 0);
	CHECK_STR(l.desc, "a:b c");
	CHECK_EQ(upnp_lease_parse_line("UDP:5000:192.0.2.11:5000:7:", &l, err, sizeof(err)), 0);
	CHECK_STR(l.desc, "");
	TCASE_END();

	TCASE_BEGIN("lease: expiry");
	l.expires = 100;
	CHECK(!upnp_lease_expired(&l, 99));
	CHECK(upnp_lease_expired(&l, 100));
	l.expires = 0;
	CHECK(!upnp_lease_expired(&l, ~0ULL));
	TCASE_END();
}

/* line must be refused with a message holding want. */
static void bad(const char *name, const char *line, const char *want)
{
	struct upnp_lease l;
	char err[256] = "";

	TCASE_BEGIN(name);
	CHECK_EQ(upnp_lease_parse_line(line, &l, err, sizeof(err)), -1);
	CHECK(strstr(err, want), "'%s' not in '%s'", want, err);
	TCASE_END();
}

static void bad_lines(void)
{
	bad("lease bad: protocol", "ICMP:4930:192.0.2.10:8080:0:x", "protocol 'ICMP'");
	bad("lease bad: port 0", "TCP:0:192.0.2.10:8080:0:x", "external port '0'");
	bad("lease bad: port > 65535", "TCP:65536:192.0.2.10:8080:0:x", "external port '65536'");
	bad("lease bad: hex port", "TCP:0x10:192.0.2.10:8080:0:x", "external port '0x10'");
	bad("lease bad: address", "TCP:4930:192.0.2.300:8080:0:x",
	    "internal address '192.0.2.300'");
	bad("lease bad: internal port", "TCP:4930:192.0.2.10:x:0:x", "internal port 'x'");
	bad("lease bad: negative expiry", "TCP:4930:192.0.2.10:8080:-5:x", "expiry '-5'");
	bad("lease bad: expiry overflow", "TCP:4930:192.0.2.10:8080:99999999999999999999:x",
	    "expiry '99999999999999999999'");
	bad("lease bad: fields missing", "TCP:4930:192.0.2.10:8080", "not PROTO:EXT_PORT");
	bad("lease bad: text where the expiry goes", "TCP:4930:192.0.2.10:8080:my:desc",
	    "expiry 'my'");
	bad("lease bad: garbage", "garbage", "'garbage'");
}

struct seen {
	unsigned int lines[8];
	char msgs[8][256];
	int n;
};

static void collect(void *arg, unsigned int line, const char *msg)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->lines[s->n] = line;
		snprintf(s->msgs[s->n], sizeof(s->msgs[0]), "%s", msg);
		s->n++;
	}
}

static void whole_file(void)
{
	static const char text[] = "TCP:4930:192.0.2.10:8080:0:a\n"
				   "\n"
				   "TCP:99999:192.0.2.10:8080:0:b\r\n"
				   "UDP:4931:192.0.2.10:7000:5:c\r\n"
				   "bad\n"
				   "TCP:4932:192.0.2.12:22:0:last, no newline";
	struct upnp_lease out[4];
	struct seen s = { 0 };
	int n;

	TCASE_BEGIN("lease file: good leases kept, bad lines named by number");
	n = upnp_lease_parse(text, sizeof(text) - 1, out, 4, collect, &s);
	CHECK_EQ(n, 3);
	CHECK_EQ(out[0].pm.first, 4930);
	CHECK_EQ(out[0].pm.line, 1);
	CHECK_EQ(out[1].pm.first, 4931);
	CHECK_STR(out[1].desc, "c");
	CHECK_EQ(out[1].pm.line, 4);
	CHECK_EQ(out[2].pm.first, 4932);
	CHECK_STR(out[2].desc, "last, no newline");
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.lines[0], 3);
	CHECK(strstr(s.msgs[0], "'99999'"), "%s", s.msgs[0]);
	CHECK_EQ(s.lines[1], 5);
	TCASE_END();

	TCASE_BEGIN("lease file: more than max leases refused by line");
	memset(&s, 0, sizeof(s));
	n = upnp_lease_parse(text, sizeof(text) - 1, out, 1, collect, &s);
	CHECK_EQ(n, 1);
	CHECK(s.n == 4 && s.lines[1] == 4 && strstr(s.msgs[1], "more than 1 leases"), "%d %s", s.n,
	      s.msgs[1]);
	TCASE_END();

	TCASE_BEGIN("lease file: a NUL byte and an overlong line refused");
	{
		static char big[700];
		static const char nul[] = "TCP:4930:192.0.2.10:8080:0:a\0b\n";

		memset(&s, 0, sizeof(s));
		memset(big, 'A', sizeof(big));
		CHECK_EQ(upnp_lease_parse(nul, sizeof(nul) - 1, out, 4, collect, &s), 0);
		CHECK_EQ(upnp_lease_parse(big, sizeof(big), out, 4, collect, &s), 0);
		CHECK(s.n == 2 && strstr(s.msgs[0], "NUL") && strstr(s.msgs[1], "too long"));
	}
	TCASE_END();
}

static void conf(void)
{
	struct upnp_conf c = { .wan = "eth0", .lan = "br0", .leases = "/var/lib/x.leases" };
	char *buf = NULL, *last;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int allows = 0;

	/* the lab's CE: 198.51.100.18, PSID 52 of 8 bits at offset 4 */
	c.cfg.ipv4 = inet_addr("198.51.100.18");
	c.cfg.psid = 52;
	c.cfg.psid_len = 8;
	c.cfg.psid_offset = 4;
	c.cfg.port_count = 240;
	TCASE_BEGIN("miniupnpd config: address, interfaces, lease file, one allow per range");
	upnp_conf_write(f, &c);
	fclose(f);
	CHECK(strstr(buf, "\next_ifname=eth0\n"));
	CHECK(strstr(buf, "\next_ip=198.51.100.18\n"));
	CHECK(strstr(buf, "\next_perform_stun=no\n"));
	CHECK(strstr(buf, "\nlistening_ip=br0\n"));
	CHECK(strstr(buf, "\nlease_file=/var/lib/x.leases\n"));
	CHECK(strstr(buf, "\nenable_natpmp=no\n"));
	CHECK(strstr(buf, "\nupnp_table_name=mapce_upnp\n"));
	CHECK(strstr(buf, "\nallow 4928-4943 0.0.0.0/0 0-65535\n"));
	CHECK(strstr(buf, "\nallow 9024-9039 0.0.0.0/0 0-65535\n"));
	CHECK(strstr(buf, "\nallow 62272-62287 0.0.0.0/0 0-65535\n"));
	for (const char *p = buf; (p = strstr(p, "\nallow ")); p++)
		allows++;
	CHECK_EQ(allows, 15);
	last = buf + len - 1;
	while (last > buf && last[-1] != '\n')
		last--;
	CHECK_STR(last, "deny 0-65535 0.0.0.0/0 0-65535\n");
	TCASE_END();
	free(buf);
}

int main(void)
{
	good_lines();
	bad_lines();
	whole_file();
	conf();
	return t_exit();
}
