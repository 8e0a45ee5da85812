// SPDX-License-Identifier: GPL-2.0-only
/*
 * upnp_lease.c - miniupnpd's lease file, parsed (upnp_lease.h).  A line
 * that is not a mapping is refused with its field named: the file is
 * another program's, and a silent skip would leave a client's port shut
 * without a word.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/parse.h"
#include "ce/upnp_lease.h"

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)
#define FIELD_LEN 64

/* Copy the field at *p up to ':' into f; advance past the ':'.  -1 when
 * there is no ':' (a field missing) or the field is too long. */
static int field(const char **p, char *f)
{
	const char *c = strchr(*p, ':');
	size_t n;

	if (!c)
		return -1;
	n = (size_t)(c - *p);
	if (n >= FIELD_LEN)
		return -1;
	memcpy(f, *p, n);
	f[n] = '\0';
	*p = c + 1;
	return 0;
}

static int port(const char *s, __u16 *v)
{
	unsigned long n;

	if (!*s || s[0] == '0' || parse_uint(s, 65535, &n) || strpbrk(s, "xX"))
		return -1;
	*v = (__u16)n;
	return 0;
}

int upnp_lease_parse_line(const char *line, struct upnp_lease *l, char *err, size_t errlen)
{
	char proto[FIELD_LEN], eport[FIELD_LEN], iaddr[FIELD_LEN], iport[FIELD_LEN];
	char exp[FIELD_LEN];
	const char *p = line;
	struct in_addr a;
	unsigned long long e;
	char *end;

	memset(l, 0, sizeof(*l));
	if (field(&p, proto) || field(&p, eport) || field(&p, iaddr) || field(&p, iport) ||
	    field(&p, exp))
		return BAD("'%.80s': not PROTO:EXT_PORT:INT_IP:INT_PORT:EXPIRY:DESCRIPTION", line);
	if (!strcasecmp(proto, "tcp"))
		l->pm.proto = IPPROTO_TCP;
	else if (!strcasecmp(proto, "udp"))
		l->pm.proto = IPPROTO_UDP;
	else
		return BAD("protocol '%s' (TCP or UDP)", proto);
	if (port(eport, &l->pm.first))
		return BAD("external port '%s' (1-65535)", eport);
	l->pm.last = l->pm.first;
	if (inet_pton(AF_INET, iaddr, &a) != 1)
		return BAD("internal address '%s' (an IPv4 address)", iaddr);
	l->pm.inside_ip = a.s_addr;
	if (port(iport, &l->pm.inside_port))
		return BAD("internal port '%s' (1-65535)", iport);
	if (!exp[0] || exp[0] < '0' || exp[0] > '9')
		return BAD("expiry '%s' (seconds since the epoch, 0: none)", exp);
	errno = 0;
	e = strtoull(exp, &end, 10);
	if (*end || errno)
		return BAD("expiry '%s' (seconds since the epoch, 0: none)", exp);
	l->expires = e;
	snprintf(l->desc, sizeof(l->desc), "%s", p);
	for (char *c = l->desc; *c; c++) /* the log is one line of text */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return 0;
}

int upnp_lease_parse(const char *text, size_t len, struct upnp_lease *out, int max,
		     upnp_lease_bad_fn bad, void *arg)
{
	char line[512], msg[256];
	unsigned int no = 0;
	size_t i = 0;
	int n = 0;

	while (i < len) {
		size_t j = i, k;

		while (j < len && text[j] != '\n')
			j++;
		no++;
		k = j - i;
		if (k && text[j - 1] == '\r')
			k--;
		if (k >= sizeof(line)) {
			if (bad)
				bad(arg, no, "line too long");
		} else if (k) {
			memcpy(line, text + i, k);
			line[k] = '\0';
			if (memchr(line, '\0', k)) {
				if (bad)
					bad(arg, no, "a NUL byte in the line");
			} else if (n == max) {
				if (bad) {
					snprintf(msg, sizeof(msg), "more than %d leases: left out",
						 max);
					bad(arg, no, msg);
				}
			} else if (upnp_lease_parse_line(line, &out[n], msg, sizeof(msg))) {
				if (bad)
					bad(arg, no, msg);
			} else {
				out[n++].pm.line = no;
			}
		}
		i = j + 1;
	}
	return n;
}
