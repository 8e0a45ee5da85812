/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nl_monitor.h - kernel network events for the `mapce run` daemon: a
 * netlink socket subscribed to link, IPv6 address and IPv4/IPv6 route
 * changes, read into events.
 *
 * Use: nl_monitor_open() in the network namespace to watch, poll
 * nl_monitor_fd() for POLLIN, call nl_monitor_read() when it is readable
 * (and once after open is not needed: nothing is queued before the
 * subscription).  The monitor reports changes only: read the current
 * state with netlink.h (nl_addr6_list, nl_route_list_all, nl_link_mtu)
 * after opening the monitor, so nothing changes unseen in between.
 *
 * What the daemon should do with each kind:
 *  LINK        a link appeared, changed or (removed) went away.  For the
 *              WAN link: !up or !running means no path: stop claiming
 *              one.  Going down also makes the kernel drop the routes
 *              through the link (and, by default, its IPv6 addresses:
 *              ROUTE_DEL/ADDR6_DEL events follow), so when it is up and
 *              running again re-read its addresses and put mapce's
 *              routes back.  An MTU change means recompute the tunnel
 *              MTU; removed means detach and wait for a link of that
 *              name.  Other links: ignore.
 *  ADDR6_NEW   an address was added or changed (lifetimes refresh with
 *              every RA).  A new global address on the WAN link may be the
 *              delegated prefix's CE address: re-derive the rule's
 *              addresses.  IFA_F_TENTATIVE set means DAD is not done:
 *              wait for the ADDR6_NEW that clears it.
 *  ADDR6_DEL   an address went away (deleted, or its valid lifetime ran
 *              out).  If it was the CE's own address, the tunnel has no
 *              source: tear down or re-derive.
 *  ROUTE_NEW   a route was added or replaced.  A new default route (or
 *              one to the BR) may change the next hop: re-check the
 *              MAP-E egress route.  Routes with mapce's own protocol are
 *              its own echo: ignore them.
 *  ROUTE_DEL   a route went away.  If it is mapce's own (its protocol),
 *              someone removed it: put it back.  If it is the IPv6 route
 *              the tunnel uses, re-check reachability.
 *  OVERFLOW    the socket's queue overflowed (ENOBUFS) and events were
 *              lost, unknown which: re-read all state with netlink.h as
 *              if just started.  Reading goes on normally after it.
 */
#ifndef MAPCE_NL_MONITOR_H
#define MAPCE_NL_MONITOR_H

#include <stddef.h>
#include <linux/netlink.h>

#include "sys/netlink.h"
#include "sys/nl_parse.h"

enum nl_event_kind {
	NL_EV_LINK,
	NL_EV_ADDR6_NEW,
	NL_EV_ADDR6_DEL,
	NL_EV_ROUTE_NEW,
	NL_EV_ROUTE_DEL,
	NL_EV_OVERFLOW,
};

struct nl_event {
	enum nl_event_kind kind;
	union {
		struct nl_link_info link;   /* NL_EV_LINK */
		struct nl_addr6_info addr6; /* NL_EV_ADDR6_* */
		/* NL_EV_ROUTE_*: family, dst/dst_len, oif, protocol, table
		 * (full 32 bits), type, scope, gateway (gw_family 0 when
		 * none; AF_INET6 for an IPv4 route via RTA_VIA), priority,
		 * mtu. */
		struct nl_route route;
	};
};

/* Called once per event; ev is valid during the call only. */
typedef void (*nl_event_cb)(const struct nl_event *ev, void *arg);

struct nl_monitor;

/* Open a non-blocking socket in the caller's network namespace and
 * subscribe it.  0 and *out, or -errno. */
int nl_monitor_open(struct nl_monitor **out);
/* The descriptor to poll for POLLIN (owned by the monitor). */
int nl_monitor_fd(const struct nl_monitor *m);
/*
 * Deliver what is queued to cb, without blocking: at most
 * NL_MONITOR_BATCHES receives per call so a flood can't starve the
 * caller's loop (the fd stays readable: poll again).  Returns the number
 * of events delivered, or -errno when the socket failed (not for a lost
 * event: that is an NL_EV_OVERFLOW event).  A malformed message is
 * skipped and counted (nl_monitor_malformed), never half-delivered.
 */
#define NL_MONITOR_BATCHES 64
int nl_monitor_read(struct nl_monitor *m, nl_event_cb cb, void *arg);
/* Messages skipped as malformed since open. */
unsigned long nl_monitor_malformed(const struct nl_monitor *m);
void nl_monitor_close(struct nl_monitor *m);

/* ---- for the unit tests --------------------------------------------- */

/*
 * One message into an event: 0 filled, 1 not an event we report (another
 * message type or address family, a cached route clone), -EBADMSG
 * malformed.  nlmsg_len bytes must be readable.
 */
int nl_event_from_msg(const struct nlmsghdr *nh, struct nl_event *ev);
/*
 * Every message of one received batch (what a recv returned) to cb;
 * returns the events delivered and adds the malformed ones to
 * *malformed.  A message that overruns the batch ends it.
 */
int nl_monitor_dispatch(const void *buf, size_t len, nl_event_cb cb, void *arg,
			unsigned long *malformed);

#endif
