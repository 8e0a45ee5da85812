/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netlink.h - a small rtnetlink client on libmnl: links, IPv6 addresses,
 * IPv4/IPv6 routes (including an IPv4 route via an IPv6 next hop, RTA_VIA,
 * Linux >= 5.2) and tc filter counting.  Used by `mapce up/down` and
 * `mapce br up/down`.  Kernel events: nl_monitor.h.
 *
 * Conventions: every function opens its own socket in the caller's
 * network namespace, waits at most NL_TIMEOUT_MS for the kernel, and
 * returns 0 (or a count) on success, -errno on failure.  After a failure
 * nl_errmsg() gives the kernel's extended-ack text ("" when it sent none):
 * print it next to strerror(-ret).  Addresses are in network byte order;
 * an IPv4 address sits in the first 4 bytes of a 16-byte field.
 */
#ifndef MAPCE_NETLINK_H
#define MAPCE_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define NL_TIMEOUT_MS 5000 /* per receive; the kernel answers in microseconds */

/* The kernel's extended-ack message of the last failed request, or "". */
const char *nl_errmsg(void);
/* strerror(-e) plus the extended ack, for messages (a static buffer). */
const char *nl_strerror(int e);

/* ---- links ---------------------------------------------------------- */

/* MTU of a link (IFLA_MTU). */
int nl_link_mtu(int ifindex, unsigned int *mtu);
/* A link's state (nl_parse.h's struct nl_link_info: up, running, MTU,
 * name). */
struct nl_link_info;
int nl_link_get(int ifindex, struct nl_link_info *out);

/* ---- IPv6 addresses ------------------------------------------------- */

struct nl_addr6 {
	__u8 addr[16];
	__u8 prefix_len;
	__u8 scope;  /* RT_SCOPE_UNIVERSE (global), RT_SCOPE_LINK, ... */
	__u32 flags; /* IFA_F_* (IFA_FLAGS, else ifa_flags) */
};

/* IPv6 addresses of ifindex, in kernel order.  Fills at most max entries
 * and returns how many it filled. */
int nl_addr6_list(int ifindex, struct nl_addr6 *out, int max);
/* Add addr/prefix_len with IFA_F_* flags (e.g. IFA_F_NODAD |
 * IFA_F_NOPREFIXROUTE).  -EEXIST when the address is already there. */
int nl_addr6_add(int ifindex, const __u8 addr[16], __u8 prefix_len, __u32 flags);
/* Delete it.  -EADDRNOTAVAIL when it is not there. */
int nl_addr6_del(int ifindex, const __u8 addr[16], __u8 prefix_len);
/* Is addr (any prefix length) on ifindex?  1 yes, 0 no, -errno. */
int nl_addr6_present(int ifindex, const __u8 addr[16]);

/* Make want/32 (0: none) the only IPv4 address of ifindex with address
 * protocol proto (IFA_PROTO): others of proto deleted, want added when
 * missing.  *changed (may be NULL) set when something was.  0 or -errno.
 * (nl_addr4.c) */
int nl_addr4_sync(int ifindex, __be32 want, __u8 proto, bool *changed);

/* ---- routes --------------------------------------------------------- */

/*
 * One route (only what mapce needs).  For add/del, zero fields mean
 * "default" (table main, type unicast, scope universe, protocol boot on
 * add / any on delete, no oif, no metric, no MTU).
 */
struct nl_route {
	__u8 family;	/* AF_INET or AF_INET6: family of dst */
	__u8 dst_len;	/* 0 = default route */
	__u8 protocol;	/* RTPROT_* */
	__u8 type;	/* RTN_*; listing fills it */
	__u8 scope;	/* RT_SCOPE_*; listing fills it */
	__u8 gw_family; /* 0 no gateway; AF_INET or AF_INET6 (IPv4 routes with
			 * an AF_INET6 gateway use RTA_VIA) */
	__u8 dst[16];
	__u8 gw[16];
	__u32 table;	/* RT_TABLE_*; 0 = main */
	int oif;	/* output ifindex, 0 none */
	__u32 priority; /* metric */
	__u32 mtu;	/* RTAX_MTU, 0 none */
	__be32 prefsrc; /* IPv4 RTA_PREFSRC, 0 none */
};

/* Add (NLM_F_EXCL: -EEXIST when an equal route exists). */
int nl_route_add(const struct nl_route *r);
/* Add or replace the route with the same dst/table/priority. */
int nl_route_replace(const struct nl_route *r);
/* Delete the route matching r: dst/dst_len/table, and protocol, oif and
 * gateway when set (so a delete with our protocol never hits another's). */
int nl_route_del(const struct nl_route *r);
/* Routes of a family in one table (0 = main; RT_TABLE_UNSPEC not allowed).
 * Fills at most max, returns how many matched (may exceed max). */
int nl_route_list(int family, __u32 table, struct nl_route *out, int max);
/* All routes of a family in one table, in a malloc'd array (*out; free
 * it; NULL on failure).  Returns the count or -errno. */
int nl_route_list_all(int family, __u32 table, struct nl_route **out);
/* What the kernel would use for dst (RTM_GETROUTE): gateway (gw_family 0
 * when on-link) and oif.  -ENETUNREACH etc. when there is no route. */
int nl_route_get(int family, const __u8 dst[16], struct nl_route *out);
/* A permanent IPv6 neighbour entry ip -> mac on ifindex (created or
 * replaced); deleted; is it there, permanent, with that mac (1), not (0),
 * or -errno. */
int nl_neigh6_set_permanent(int ifindex, const __u8 ip[16], const __u8 mac[6]);
int nl_neigh6_del(int ifindex, const __u8 ip[16]);
int nl_neigh6_is_permanent(int ifindex, const __u8 ip[16], const __u8 mac[6]);

/* Fill r for "DST/LEN via inet6 GW dev OIF [mtu MTU] proto PROTO" in the
 * main table: the MAP-E egress route, CE default and BR prefix alike. */
void nl_route4_via6(struct nl_route *r, __be32 dst, __u8 dst_len, const __u8 gw6[16], int oif,
		    __u32 mtu, __u8 protocol);
/* "default via inet6 2001:db8::1 dev eth0 proto 0x4d mtu 1460", for
 * messages. */
const char *nl_route_str(const struct nl_route *r, char *buf, size_t len);

/* ---- tc ------------------------------------------------------------- */

/* Number of tc filters under parent (e.g. TC_H_MAKE(TC_H_CLSACT,
 * TC_H_MIN_EGRESS)) on ifindex; 0 when none or no such qdisc. */
int nl_tc_filter_count(int ifindex, __u32 parent);

#endif
