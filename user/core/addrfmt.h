/* SPDX-License-Identifier: GPL-2.0-only */
/* addrfmt.h - addresses and endpoints as text (network-order input). */
#ifndef MAPCE_ADDRFMT_H
#define MAPCE_ADDRFMT_H

#include <arpa/inet.h>
#include <stdio.h>
#include <linux/types.h>

#define IP4_STRLEN 16
#define IP6_STRLEN 46
#define EP4_STRLEN 22  /* "255.255.255.255:65535" */
#define PFX4_STRLEN 20 /* "255.255.255.255/32", room for any length */

static inline const char *ip4_str(__be32 a, char buf[IP4_STRLEN])
{
	return inet_ntop(AF_INET, &a, buf, IP4_STRLEN);
}

static inline const char *ip6_str(const __u8 a[16], char buf[IP6_STRLEN])
{
	return inet_ntop(AF_INET6, a, buf, IP6_STRLEN);
}

/* "a.b.c.d/len". */
static inline const char *pfx4_str(__be32 a, __u8 len, char buf[PFX4_STRLEN])
{
	char ip[IP4_STRLEN];

	snprintf(buf, PFX4_STRLEN, "%s/%u", ip4_str(a, ip), len);
	return buf;
}

/* "a.b.c.d/len" of the prefix a lies in (host bits cleared). */
static inline const char *net4_str(__be32 a, __u8 len, char buf[PFX4_STRLEN])
{
	__u32 m = len ? 0xffffffffu << (32 - (len > 32 ? 32 : len)) : 0;

	return pfx4_str(a & htonl(m), len, buf);
}

/* The NAT's protocols by name (flows, the binding log). */
static inline const char *l4_proto_str(__u8 p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : "other";
}

/* "ip:port", port in network order. */
static inline const char *ep4_str(__be32 a, __be16 port, char buf[EP4_STRLEN])
{
	char ip[IP4_STRLEN];

	snprintf(buf, EP4_STRLEN, "%s:%u", ip4_str(a, ip), ntohs(port));
	return buf;
}

#endif
