/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * resolve.h - DNS questions to the WAN's own resolvers: TXT (HB46PP's
 * 4over6.info) and AAAA (a DS-Lite AFTR's name), with the answer's TTL.
 *
 * Not getaddrinfo(): the questions go to the servers given here (the
 * line's, from --dns or resolv.conf), optionally out of one interface
 * (SO_BINDTODEVICE), within bounded time, and the answer's TTL and its
 * NXDOMAIN/NODATA are kept (HB46PP waits differently on each).  libresolv
 * builds the query (res_mkquery) and parses the reply (ns_initparse);
 * this file sends it (UDP, TCP when the reply is truncated) and checks
 * the reply belongs to the question (source, ID, question section).
 * Safe in threads: each thread has its own buffers.
 */
#ifndef MAPCE_RESOLVE_H
#define MAPCE_RESOLVE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/types.h>

#define RESOLVE_MAX_SERVERS 3	       /* as resolv.conf's MAXNS */
#define RESOLVE_TIMEOUT_MS 2000	       /* one try at one server */
#define RESOLVE_TRIES 2		       /* rounds over the servers */
#define RESOLV_CONF "/etc/resolv.conf" /* the default servers */

struct resolve_conf {
	int n;
	struct sockaddr_storage server[RESOLVE_MAX_SERVERS]; /* port 53 unless given */
	char ifname[IF_NAMESIZE];			     /* "": any interface */
	int timeout_ms;					     /* per try; 0: RESOLVE_TIMEOUT_MS */
	int tries;					     /* 0: RESOLVE_TRIES */
};

/* Results besides 0 and -1: the name does not exist, or has no record of
 * the type (an authoritative "no": HB46PP §3.6 c.2 waits hours on these,
 * minutes on other failures).  err says which server said so. */
#define RESOLVE_NXDOMAIN (-2)
#define RESOLVE_NODATA (-3)

void resolve_conf_init(struct resolve_conf *c, const char *ifname);
/* One server: an IPv6 or IPv4 address, a link-local one with %IF.  0, or
 * -1 naming the bad value. */
int resolve_add_server(struct resolve_conf *c, const char *addr, char *err, size_t errlen);
/* The nameserver lines of a resolv.conf (path NULL: RESOLV_CONF), up to
 * RESOLVE_MAX_SERVERS in all.  0 (at least one), or -1. */
int resolve_add_resolv_conf(struct resolve_conf *c, const char *path, char *err, size_t errlen);
/* The server's address as text ("2001:db8::53", "192.0.2.53"). */
const char *resolve_server_str(const struct sockaddr_storage *ss, char *buf, size_t len);

/*
 * The TXT records of name: the first one's character-strings joined into
 * out (printable ASCII only), and the number of TXT records in the answer
 * (a count > 1 is the caller's to judge).  *ttl: the smallest TTL of the
 * records used (CNAMEs included).  >= 1, RESOLVE_NXDOMAIN,
 * RESOLVE_NODATA, or -1; err names the server and the name.
 */
int resolve_txt(const char *name, const struct resolve_conf *c, char *out, size_t outlen,
		__u32 *ttl, char *err, size_t errlen);
/* The first AAAA record of name: 0, RESOLVE_NXDOMAIN, RESOLVE_NODATA or -1. */
int resolve_aaaa(const char *name, const struct resolve_conf *c, struct in6_addr *addr, __u32 *ttl,
		 char *err, size_t errlen);

#endif
