// SPDX-License-Identifier: GPL-2.0-only
/* parse.c - numbers, prefixes and the error convention (parse.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include "core/parse.h"

int mapce_verrf(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	return -1;
}

int mapce_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mapce_verrf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int parse_uint(const char *s, unsigned long max, unsigned long *val)
{
	unsigned long v = 0, base = 10;
	const char *p = s;

	if (!p || !*p)
		return -1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return -1;
	}
	for (; *p; p++) {
		unsigned long d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -1; /* sign, space, junk */
		if (v > (ULONG_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (v > max)
		return -1;
	*val = v;
	return 0;
}

/* "ADDR[/LEN]" into buf and the length; -1 when malformed. */
static int split_prefix(const char *s, char *buf, size_t buflen, unsigned long maxlen,
			unsigned long *len)
{
	char *slash;

	if (!s || !*s || strlen(s) >= buflen)
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	*len = maxlen;
	if (slash) {
		*slash = '\0';
		if (parse_uint(slash + 1, maxlen, len))
			return -1;
	}
	return buf[0] ? 0 : -1;
}

/* Host bits are kept as given: callers decide whether they are an error
 * (rule prefixes) or are to be ignored (the CE prefix). */
int parse_ipv6_prefix(const char *s, __u8 addr[16], __u8 *len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned long l;
	__u8 a[16];

	if (split_prefix(s, buf, sizeof(buf), 128, &l) || inet_pton(AF_INET6, buf, a) != 1)
		return -1;
	memcpy(addr, a, 16);
	*len = (__u8)l;
	return 0;
}

int parse_ipv4_prefix(const char *s, __be32 *addr, __u8 *len)
{
	char buf[INET_ADDRSTRLEN + 8];
	unsigned long l;
	struct in_addr a;

	if (split_prefix(s, buf, sizeof(buf), 32, &l) || inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*addr = a.s_addr;
	*len = (__u8)l;
	return 0;
}

int parse_ifname(const char *s, char *err, size_t errlen)
{
	const char *why = NULL;

	if (!s || !*s)
		why = "empty";
	else if (strlen(s) >= IF_NAMESIZE)
		why = "longer than 15 characters";
	else if (s[0] == '.')
		why = "starts with '.'";
	for (const char *p = s; !why && *p; p++) {
		if (*p == '/' || isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			why = "contains '/', whitespace or a control character";
	}
	if (why)
		return mapce_errf(err, errlen, "'%s' is not an interface name (%s)", s ? s : "",
				  why);
	return 0;
}

bool ipv6_global_unicast(const __u8 a[16])
{
	static const __u8 zero[16], loop[16] = { [15] = 1 };
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, zero, 16) && memcmp(a, loop, 16) && a[0] != 0xff &&
	       !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80) && memcmp(a, mapped, 12);
}

bool ipv4_unicast(__be32 a)
{
	__u32 h = ntohl(a);

	return (h >> 24) != 0 && (h >> 24) != 127 && (h >> 28) != 0xe && (h >> 28) != 0xf;
}
