// SPDX-License-Identifier: GPL-2.0-only
/*
 * portmap.c - static port forwards as text (the CLI's words, the config
 * file's lines) and their checks against a CE's port set.  Nothing here
 * touches the maps: ce/portmap_maps.c installs what passed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mapce_rule.h"
#include "core/addrfmt.h"
#include "core/parse.h"
#include "core/portmap.h"

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

const char *portmap_proto_str(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

static int parse_port(const char *s, unsigned long *v)
{
	/* decimal only: "0x50" as a port is more likely a typo than intent */
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	return parse_uint(s, 65535, v) || *v == 0 ? -1 : 0;
}

int portmap_parse_ports(const char *proto, const char *ports, struct portmap *pm, char *err,
			size_t errlen)
{
	char buf[32], *dash;
	unsigned long a, b;

	memset(pm, 0, sizeof(*pm));
	if (!strcasecmp(proto, "tcp"))
		pm->proto = IPPROTO_TCP;
	else if (!strcasecmp(proto, "udp"))
		pm->proto = IPPROTO_UDP;
	else
		return BAD("bad protocol '%s' (tcp or udp)", proto);
	if (strlen(ports) >= sizeof(buf))
		return BAD("bad port '%.20s...' (PORT or PORT-PORT, 1-65535)", ports);
	strcpy(buf, ports);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_port(buf, &a) || (dash && parse_port(dash + 1, &b)))
		return BAD("bad port '%s' (PORT or PORT-PORT, 1-65535)", ports);
	if (!dash)
		b = a;
	if (b < a)
		return BAD("bad port range '%s': %lu is below %lu", ports, b, a);
	pm->first = (__u16)a;
	pm->last = (__u16)b;
	return 0;
}

int portmap_parse(const char *proto, const char *ports, const char *inside, struct portmap *pm,
		  char *err, size_t errlen)
{
	char buf[32], *colon;
	struct in_addr ia;
	unsigned long port;
	__u32 span;

	if (portmap_parse_ports(proto, ports, pm, err, errlen))
		return -1;
	if (strlen(inside) >= sizeof(buf))
		return BAD("bad inside address '%.24s...' (IPV4[:PORT])", inside);
	strcpy(buf, inside);
	colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (inet_pton(AF_INET, buf, &ia) != 1)
		return BAD("bad inside address '%s' (IPV4[:PORT])", inside);
	if (!ipv4_unicast(ia.s_addr))
		return BAD("inside address %s is not a unicast IPv4 address", buf);
	pm->inside_ip = ia.s_addr;
	pm->inside_port = pm->first;
	if (colon) {
		if (parse_port(colon + 1, &port))
			return BAD("bad inside port '%s' in '%s' (1-65535)", colon + 1, inside);
		pm->inside_port = (__u16)port;
	}
	span = (__u32)pm->last - pm->first;
	if ((__u32)pm->inside_port + span > 65535)
		return BAD("inside ports %u-%u of '%s %s %s' go past 65535", pm->inside_port,
			   pm->inside_port + span, proto, ports, inside);
	return 0;
}

const char *portmap_format(const struct portmap *pm, char *buf, size_t len)
{
	char a[IP4_STRLEN], range[16];

	if (pm->first == pm->last)
		snprintf(range, sizeof(range), "%u", pm->first);
	else
		snprintf(range, sizeof(range), "%u-%u", pm->first, pm->last);
	snprintf(buf, len, "%s %s %s:%u", portmap_proto_str(pm->proto), range,
		 ip4_str(pm->inside_ip, a), pm->inside_port);
	return buf;
}

bool portmap_outside_overlap(const struct portmap *a, const struct portmap *b)
{
	return a->proto == b->proto && a->first <= b->last && b->first <= a->last;
}

bool portmap_inside_overlap(const struct portmap *a, const struct portmap *b)
{
	__u32 a_last = (__u32)a->inside_port + (a->last - a->first);
	__u32 b_last = (__u32)b->inside_port + (b->last - b->first);

	return a->proto == b->proto && a->inside_ip == b->inside_ip && a->inside_port <= b_last &&
	       b->inside_port <= a_last;
}

const char *portmap_set_ranges(const struct mapce_config *c, char *buf, size_t len)
{
	__u32 n = mapce_range_count(c->psid_offset, c->psid_len);
	__u32 size = mapce_range_size(c->psid_offset, c->psid_len);
	size_t used = 0;

	buf[0] = '\0';
	for (__u32 i = 0; i < n; i++) {
		__u32 first = mapce_range_first(c->psid_offset, c->psid_len, c->psid, i);
		int w = snprintf(buf + used, len - used, "%s%u-%u", i ? ", " : "", first,
				 first + size - 1);

		if (w < 0 || (size_t)w >= len - used) {
			if (len > 5)
				strcpy(buf + len - 5, "...");
			break;
		}
		used += (size_t)w;
	}
	return buf;
}

int portmap_check(const struct mapce_config *c, const struct portmap *pm, char *err, size_t errlen)
{
	char ranges[1024], a[IP4_STRLEN], s[PORTMAP_STRLEN];

	for (__u32 p = pm->first; p <= pm->last; p++) {
		if (mapce_port_in_set(c->psid_offset, c->psid_len, c->psid, (__u16)p))
			continue;
		return BAD("%s: port %u is not in this CE's port set (%u ports: %s)",
			   portmap_format(pm, s, sizeof(s)), p, c->port_count,
			   portmap_set_ranges(c, ranges, sizeof(ranges)));
	}
	if (!ipv4_unicast(pm->inside_ip))
		return BAD("%s: inside address %s is not a unicast IPv4 address",
			   portmap_format(pm, s, sizeof(s)), ip4_str(pm->inside_ip, a));
	if (pm->inside_ip == c->ipv4)
		return BAD("%s: inside address %s is the CE's public address",
			   portmap_format(pm, s, sizeof(s)), ip4_str(pm->inside_ip, a));
	return 0;
}
