// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_resolve.c - the WAN resolver (user/sys/resolve.h) against a DNS
 * server of its own on 127.0.0.1: a thread that answers one question
 * with bytes built here from RFC 1035 §4.1 (header, the question copied,
 * answer records with a compressed name), so each check of the reply is
 * tried: a reply with another ID or from another port is ignored, the
 * rcodes, a record set with the type missing, character-strings joined,
 * a control byte refused, a CNAME followed; and resolv.conf's parsing.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "sys/resolve.h"

static char errbuf[1024];

enum trick { PLAIN, WRONG_ID_FIRST, OTHER_PORT_FIRST, NXDOMAIN, SERVFAIL, NODATA, CTRL, CNAME };

struct fake {
	int fd;
	enum trick trick;
	const char *txt[3]; /* the TXT record's character-strings */
	__u8 aaaa[16];
	int type; /* of the answer: 16 TXT, 28 AAAA */
};

static size_t put16(__u8 *p, unsigned int v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
	return 2;
}

/* An answer record for the name at offset 12 (pointer 0xc00c). */
static size_t put_rr(__u8 *p, unsigned int type, const __u8 *rdata, size_t rdlen)
{
	size_t n = 0;

	n += put16(p + n, 0xc00c);
	n += put16(p + n, type);
	n += put16(p + n, 1); /* IN */
	n += put16(p + n, 0);
	n += put16(p + n, 300); /* TTL 300 */
	n += put16(p + n, (unsigned int)rdlen);
	memcpy(p + n, rdata, rdlen);
	return n + rdlen;
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	__u8 q[512], r[2048], rd[600];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t qn = recvfrom(f->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
	size_t n, rdn = 0;
	unsigned int an = 1, rcode = 0;
	int other;

	if (qn < 12)
		return NULL;
	memcpy(r, q, (size_t)qn);
	n = (size_t)qn;
	switch (f->trick) {
	case NXDOMAIN:
		rcode = 3, an = 0;
		break;
	case SERVFAIL:
		rcode = 2, an = 0;
		break;
	case NODATA:
		an = 0;
		break;
	case CNAME: /* 4over6.info CNAME x.example, x.example TXT "v=..." */
		rd[0] = 1, rd[1] = 'x', rd[2] = 7;
		memcpy(rd + 3, "example", 7);
		rd[10] = 0;
		n += put_rr(r + n, 5, rd, 11);
		/* the target's record: its own name in full */
		memcpy(r + n, rd, 11);
		n += 11;
		n += put16(r + n, 16) + put16(r + n + 2, 1) + put16(r + n + 4, 0) +
		     put16(r + n + 6, 60);
		rd[0] = 5;
		memcpy(rd + 1, "cname", 5);
		n += put16(r + n, 6);
		memcpy(r + n, rd, 6);
		n += 6;
		an = 2;
		break;
	default:
		if (f->type == 28) {
			n += put_rr(r + n, 28, f->aaaa, 16);
			break;
		}
		for (int i = 0; i < 3 && f->txt[i]; i++) {
			size_t l = strlen(f->txt[i]);

			rd[rdn++] = (__u8)l;
			memcpy(rd + rdn, f->txt[i], l);
			rdn += l;
		}
		n += put_rr(r + n, 16, rd, rdn);
	}
	r[2] |= 0x80;		     /* QR */
	r[3] = (__u8)(0x80 | rcode); /* RA, rcode */
	put16(r + 6, an);
	if (f->trick == WRONG_ID_FIRST) {
		r[0] ^= 0xff;
		sendto(f->fd, r, n, 0, (struct sockaddr *)&from, fl);
		r[0] ^= 0xff;
	}
	if (f->trick == OTHER_PORT_FIRST) {
		other = socket(AF_INET, SOCK_DGRAM, 0);
		sendto(other, r, n, 0, (struct sockaddr *)&from, fl);
		close(other);
	}
	sendto(f->fd, r, n, 0, (struct sockaddr *)&from, fl);
	return NULL;
}

/* One question to a fresh fake server playing trick: resolve_txt's (or
 * resolve_aaaa's) result. */
static int ask(struct fake *f, char *out, size_t outlen, __u32 *ttl, struct in6_addr *a6)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t sl = sizeof(sa);
	struct resolve_conf c;
	pthread_t th;
	int ret;

	f->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(f->fd, (struct sockaddr *)&sa, &sl))
		return -100;
	resolve_conf_init(&c, NULL);
	c.n = 1;
	memcpy(&c.server[0], &sa, sizeof(sa));
	c.timeout_ms = 500;
	c.tries = 1;
	pthread_create(&th, NULL, serve, f);
	errbuf[0] = '\0';
	if (f->type == 28)
		ret = resolve_aaaa("aftr.example", &c, a6, ttl, errbuf, sizeof(errbuf));
	else
		ret = resolve_txt("4over6.info", &c, out, outlen, ttl, errbuf, sizeof(errbuf));
	pthread_join(th, NULL);
	close(f->fd);
	return ret;
}

static void test_answers(void)
{
	char out[256];
	__u32 ttl = 0;
	struct in6_addr a6;
	struct fake f = { .type = 16, .txt = { "v=v6mig-1 url=https://a.example/", " t=b" } };

	TCASE_BEGIN("resolve: a TXT record's character-strings joined, its TTL");
	CHECK_EQ(ask(&f, out, sizeof(out), &ttl, &a6), 1);
	CHECK_STR(out, "v=v6mig-1 url=https://a.example/ t=b");
	CHECK_EQ(ttl, 300);
	TCASE_END();

	TCASE_BEGIN("resolve: a reply with another ID is not the answer");
	f.trick = WRONG_ID_FIRST;
	CHECK_EQ(ask(&f, out, sizeof(out), &ttl, &a6), 1);
	CHECK_STR(out, "v=v6mig-1 url=https://a.example/ t=b");
	TCASE_END();

	TCASE_BEGIN("resolve: a reply from another port is not the answer");
	f.trick = OTHER_PORT_FIRST;
	CHECK_EQ(ask(&f, out, sizeof(out), &ttl, &a6), 1);
	TCASE_END();

	TCASE_BEGIN("resolve: NXDOMAIN and NODATA apart, SERVFAIL an error naming the server");
	f.trick = NXDOMAIN;
	CHECK_EQ(ask(&f, out, sizeof(out), &ttl, &a6), RESOLVE_NXDOMAIN);
	CHECK(strstr(errbuf, "TXT 4over6.info: no such name (NXDOMAIN from 127.0.0.1)"), "%s",
	      errbuf);
	f.trick = NODATA;
	CHECK_EQ(ask(&f, out, sizeof(out), &ttl, &a6), RESOLVE_NODATA);
	CHECK(strstr(errbuf, "no TXT record"), "%s", errbuf);
	f.trick = SERVFAIL;
	CHECK_EQ(ask(&f, out, sizeof(out), &ttl, &a6), -1);
	CHECK(strstr(errbuf, "4over6.info") && strstr(errbuf, "127.0.0.1 answered SERVFAIL"), "%s",
	      errbuf);
	TCASE_END();

	TCASE_BEGIN("resolve: a control byte in a TXT record, a record too long");
	f.trick = PLAIN;
	f.txt[1] = " t=b\n";
	CHECK_EQ(ask(&f, out, sizeof(out), &ttl, &a6), -1);
	CHECK(strstr(errbuf, "byte 0x0a"), "%s", errbuf);
	f.txt[1] = " t=b";
	CHECK_EQ(ask(&f, out, 10, &ttl, &a6), -1);
	CHECK(strstr(errbuf, "longer than 9 bytes"), "%s", errbuf);
	TCASE_END();

	TCASE_BEGIN("resolve: a CNAME followed, the smaller TTL kept");
	f.trick = CNAME;
	CHECK_EQ(ask(&f, out, sizeof(out), &ttl, &a6), 1);
	CHECK_STR(out, "cname");
	CHECK_EQ(ttl, 60);
	TCASE_END();

	TCASE_BEGIN("resolve: AAAA");
	f.trick = PLAIN;
	f.type = 28;
	inet_pton(AF_INET6, "2001:db8::feed", f.aaaa);
	CHECK_EQ(ask(&f, out, sizeof(out), &ttl, &a6), 0);
	CHECK(!memcmp(&a6, f.aaaa, 16));
	CHECK_EQ(ttl, 300);
	TCASE_END();
}

static void test_silent(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t sl = sizeof(sa);
	struct resolve_conf c;
	char out[64];
	__u32 ttl;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	TCASE_BEGIN("resolve: a server that does not answer: bounded, named");
	CHECK(fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	      !getsockname(fd, (struct sockaddr *)&sa, &sl));
	resolve_conf_init(&c, NULL);
	c.n = 1;
	memcpy(&c.server[0], &sa, sizeof(sa));
	c.timeout_ms = 200;
	c.tries = 2;
	CHECK_EQ(resolve_txt("4over6.info", &c, out, sizeof(out), &ttl, errbuf, sizeof(errbuf)),
		 -1);
	CHECK(strstr(errbuf, "TXT 4over6.info: no answer from 127.0.0.1 in 200 ms"), "%s", errbuf);
	close(fd);
	resolve_conf_init(&c, NULL);
	CHECK_EQ(resolve_txt("4over6.info", &c, out, sizeof(out), &ttl, errbuf, sizeof(errbuf)),
		 -1);
	CHECK(strstr(errbuf, "no DNS server"), "%s", errbuf);
	TCASE_END();
}

static void test_servers(void)
{
	char path[] = "/tmp/mapce-resolv.XXXXXX", a[64];
	struct resolve_conf c;
	FILE *f;
	int fd;

	TCASE_BEGIN("resolve: servers given and from resolv.conf");
	resolve_conf_init(&c, "eth0");
	CHECK_STR(c.ifname, "eth0");
	CHECK_EQ(resolve_add_server(&c, "2001:db8::53", errbuf, sizeof(errbuf)), 0);
	CHECK_EQ(resolve_add_server(&c, "192.0.2.53", errbuf, sizeof(errbuf)), 0);
	CHECK_EQ(resolve_add_server(&c, "fe80::1%lo", errbuf, sizeof(errbuf)), 0);
	CHECK_EQ(resolve_add_server(&c, "2001:db8::54", errbuf, sizeof(errbuf)), -1);
	CHECK(strstr(errbuf, "too many servers"), "%s", errbuf);
	CHECK_STR(resolve_server_str(&c.server[0], a, sizeof(a)), "2001:db8::53");
	CHECK_STR(resolve_server_str(&c.server[1], a, sizeof(a)), "192.0.2.53");
	CHECK_EQ(ntohs(((struct sockaddr_in *)&c.server[1])->sin_port), 53);
	resolve_conf_init(&c, NULL);
	CHECK_EQ(resolve_add_server(&c, "dns.example", errbuf, sizeof(errbuf)), -1);
	CHECK(strstr(errbuf, "'dns.example': not an IPv6 or IPv4 address"), "%s", errbuf);
	CHECK_EQ(resolve_add_server(&c, "2001:db8::53::", errbuf, sizeof(errbuf)), -1);

	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	CHECK(f);
	if (f) {
		fputs("# generated\nsearch example\nnameserver 2001:db8::53\noptions edns0\n"
		      "nameserver\t198.51.100.53\nnameserver 2001:db8::1\nnameserver 2001:db8::2\n",
		      f);
		fclose(f);
		resolve_conf_init(&c, NULL);
		CHECK_EQ(resolve_add_resolv_conf(&c, path, errbuf, sizeof(errbuf)), 0);
		CHECK_EQ(c.n, 3); /* the fourth is beyond the resolver's limit too */
		CHECK_STR(resolve_server_str(&c.server[1], a, sizeof(a)), "198.51.100.53");
		f = fopen(path, "w");
		if (f) {
			fputs("search example\n", f);
			fclose(f);
		}
		resolve_conf_init(&c, NULL);
		CHECK_EQ(resolve_add_resolv_conf(&c, path, errbuf, sizeof(errbuf)), -1);
		CHECK(strstr(errbuf, "no nameserver line"), "%s", errbuf);
		f = fopen(path, "w");
		if (f) {
			fputs("# x\n\nnameserver bogus\n", f);
			fclose(f);
		}
		CHECK_EQ(resolve_add_resolv_conf(&c, path, errbuf, sizeof(errbuf)), -1);
		CHECK(strstr(errbuf, "line 3: nameserver 'bogus' is not an address"), "%s", errbuf);
		unlink(path);
		CHECK_EQ(resolve_add_resolv_conf(&c, path, errbuf, sizeof(errbuf)), -1);
		CHECK(strstr(errbuf, "no such file"), "%s", errbuf);
	}
	TCASE_END();
}

int main(void)
{
	test_answers();
	test_silent();
	test_servers();
	return t_exit();
}
