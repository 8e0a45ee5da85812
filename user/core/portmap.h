/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portmap.h - static port forwards (static NAPT): an outside port range of
 * the CE's port set forwarded to an inside host.  Here: the forward as a
 * value, its text form and its checks against a port set, which the config
 * file parser needs.  Installing forwards in the pinned maps is the CE's
 * (ce/portmap.h).
 *
 * Text form (the CLI and the config file):  tcp|udp PORT[-PORT] INSIDE_IP[:PORT]
 */
#ifndef MAPCE_CORE_PORTMAP_H
#define MAPCE_CORE_PORTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include "mapce_abi.h"

#define PORTMAP_MAX 256	  /* forwards per WAN (config file lines) */
#define PORTMAP_STRLEN 64 /* "udp 65535-65535 255.255.255.255:65535" */

struct portmap {
	__be32 inside_ip;
	unsigned int line; /* config file line, 0 when not from a file */
	__u16 first, last; /* outside ports, host order, first <= last */
	__u16 inside_port; /* host order: the inside port of `first` */
	__u8 proto;	   /* IPPROTO_TCP or IPPROTO_UDP */
	bool dynamic;	   /* opened at run time (ce/portmap_dynamic.h), never in a file */
};

/* Parse the three words.  0 ok; -1 with a message naming the bad value. */
int portmap_parse(const char *proto, const char *ports, const char *inside, struct portmap *pm,
		  char *err, size_t errlen);
/* "tcp|udp PORT[-PORT]" alone (portmap del).  0 ok, -1 + message. */
int portmap_parse_ports(const char *proto, const char *ports, struct portmap *pm, char *err,
			size_t errlen);
/* "tcp 5000-5010 192.168.1.10:8000": the config file form. */
const char *portmap_format(const struct portmap *pm, char *buf, size_t len);
const char *portmap_proto_str(__u8 proto);
/* Do two forwards share an outside port (same protocol)?  Or an inside
 * endpoint (mapce_bind has one binding per inside endpoint)? */
bool portmap_outside_overlap(const struct portmap *a, const struct portmap *b);
bool portmap_inside_overlap(const struct portmap *a, const struct portmap *b);

/* The set's ranges as text ("4864-4879, 8960-8975, ..."). */
const char *portmap_set_ranges(const struct mapce_config *c, char *buf, size_t len);
/* Can pm be forwarded on the CE c: every port in the set, inside address
 * unicast and not the CE's public one.  0 ok, -1 + message. */
int portmap_check(const struct mapce_config *c, const struct portmap *pm, char *err, size_t errlen);

#endif
