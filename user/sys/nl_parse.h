/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nl_parse.h - the rtnetlink message parsers shared by the request client
 * (netlink.c, nl_route.c), the event monitor (nl_monitor.c) and the unit
 * tests.  Everyone else uses netlink.h or nl_monitor.h.
 *
 * Trust model: a message is read only after its framing has been checked
 * (the family header is there, the attributes tile the rest exactly), and
 * an attribute only after its type's length has been checked (libmnl's
 * mnl_attr_validate through a per-message policy).  A message that fails
 * either is refused whole with -EBADMSG, never half-read: a short
 * attribute from a buggy kernel or a hostile peer can't make us read
 * past its end.  Attributes we don't use, including ones newer than our
 * headers, are skipped unjudged so a newer kernel still parses.
 *
 * Every parser takes a message whose nlmsg_len bytes are readable (what
 * mnl_cb_run guarantees with mnl_nlmsg_ok) and returns 0, -EBADMSG
 * (malformed) or -EAFNOSUPPORT (a family we don't parse: not an error,
 * callers skip it).
 */
#ifndef MAPCE_NL_PARSE_H
#define MAPCE_NL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/types.h>

#include "sys/netlink.h"

/* IFA_CACHEINFO's "forever" (the kernel's INFINITY_LIFE_TIME). */
#define NL_LIFETIME_FOREVER 0xffffffffu

/*
 * The bytes of a received batch buf[0..len) that libmnl may walk: the
 * longest prefix of whole messages (nlmsg_len at least a header and
 * within the bytes left; the last one's padding may be missing), where
 * libmnl's walk would stop anyway.  libmnl's own check (mnl_nlmsg_ok,
 * hence mnl_cb_run) casts nlmsg_len to int, so a length of 2 GiB or more
 * passes it: the message is read, and the walk goes on, far past the
 * buffer.
 */
size_t nl_batch_framed(const void *buf, size_t len);

/* A link (RTM_NEWLINK / RTM_DELLINK). */
struct nl_link_info {
	int ifindex;
	unsigned int flags;	/* IFF_* (ifi_flags) */
	bool up;		/* IFF_UP: administratively up */
	bool running;		/* IFF_RUNNING: operationally up (carrier, not dormant) */
	bool removed;		/* RTM_DELLINK: the link is gone */
	__u32 mtu;		/* IFLA_MTU, 0 when absent */
	char name[IF_NAMESIZE]; /* IFLA_IFNAME, "" when absent */
};

/* An IPv6 address (RTM_NEWADDR / RTM_DELADDR, AF_INET6). */
struct nl_addr6_info {
	int ifindex;
	struct nl_addr6 a; /* addr: IFA_LOCAL, else IFA_ADDRESS */
	/* Seconds left (IFA_CACHEINFO); NL_LIFETIME_FOREVER for a static
	 * address, and when the kernel sent none (it always does). */
	__u32 preferred_lft, valid_lft;
};

/* RTM_NEWLINK / RTM_DELLINK into *out (removed set for RTM_DELLINK).
 * Refused: a short ifinfomsg, bad framing, IFLA_MTU not 4 bytes,
 * IFLA_IFNAME not a NUL-terminated string of at most IF_NAMESIZE bytes. */
int nl_parse_link(const struct nlmsghdr *nh, struct nl_link_info *out);

/* RTM_NEWADDR / RTM_DELADDR into *out.  -EAFNOSUPPORT for other families.
 * Refused: a short ifaddrmsg, prefix length over 128, bad framing,
 * IFA_ADDRESS/IFA_LOCAL not 16 bytes, neither present, IFA_FLAGS not 4
 * bytes, IFA_CACHEINFO not a struct ifa_cacheinfo. */
int nl_parse_addr6(const struct nlmsghdr *nh, struct nl_addr6_info *out);

/* RTM_NEWROUTE / RTM_DELROUTE into *out (table from RTA_TABLE, else
 * rtm_table); *rtm_flags (may be NULL) gets rtm_flags (RTM_F_CLONED...).
 * -EAFNOSUPPORT unless AF_INET or AF_INET6.  Refused: a short rtmsg,
 * dst_len over the family's bits, bad framing, RTA_DST/RTA_GATEWAY not
 * an address of the route's family, RTA_VIA shorter than its family or,
 * for inet/inet6, not exactly family + address (other families' RTA_VIA
 * is skipped), RTA_OIF/RTA_PRIORITY/RTA_TABLE not 4 bytes, RTA_METRICS
 * badly framed or its RTAX_MTU not 4 bytes. */
int nl_parse_route(const struct nlmsghdr *nh, struct nl_route *out, unsigned int *rtm_flags);

/* The kernel's extended-ack text (NLMSGERR_ATTR_MSG) of an NLMSG_ERROR,
 * or of an NLMSG_DONE ending a failed dump, into buf ("" when none; a
 * trailing newline dropped).  Refused: a short nlmsgerr, an echoed
 * request longer than the message, bad framing, a message attribute
 * that is not a NUL-terminated string. */
int nl_parse_extack(const struct nlmsghdr *nh, char *buf, size_t len);

#endif
