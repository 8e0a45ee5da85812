// SPDX-License-Identifier: GPL-2.0-only
/*
 * nl_monitor.c - rtnetlink event monitor on libmnl (nl_monitor.h): a
 * non-blocking socket joined to the link, IPv6 address and route groups;
 * what it receives goes through the same parsers as the request client
 * (nl_parse.c).
 *
 * Only the kernel and CAP_NET_ADMIN processes may send to a NETLINK_ROUTE
 * socket, and every message is validated before it becomes an event, so
 * a stray message can at worst be skipped as malformed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "sys/nl_monitor.h"

/* Ask for a roomy queue so a burst (a link going down drops all its
 * routes at once) is less likely to overflow; the kernel caps it at
 * net.core.rmem_max, and an overflow is survivable anyway. */
#define NL_MONITOR_RCVBUF (1 << 20)
/* One receive: a notification is one message, a link's with all its
 * statistics a few KiB; a larger one would be cut (reported as lost). */
#define NL_MONITOR_RECV_BUF 32768

struct nl_monitor {
	struct mnl_socket *nl;
	unsigned long malformed;
	char buf[NL_MONITOR_RECV_BUF] __attribute__((aligned(8)));
};

int nl_event_from_msg(const struct nlmsghdr *nh, struct nl_event *ev)
{
	unsigned int rtm_flags = 0;
	int ret;

	memset(ev, 0, sizeof(*ev));
	switch (nh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ev->kind = NL_EV_LINK;
		ret = nl_parse_link(nh, &ev->link);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		ev->kind = nh->nlmsg_type == RTM_NEWADDR ? NL_EV_ADDR6_NEW : NL_EV_ADDR6_DEL;
		ret = nl_parse_addr6(nh, &ev->addr6);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		ev->kind = nh->nlmsg_type == RTM_NEWROUTE ? NL_EV_ROUTE_NEW : NL_EV_ROUTE_DEL;
		ret = nl_parse_route(nh, &ev->route, &rtm_flags);
		/* Cached clones (PMTU exceptions) are not routes: as listing. */
		if (!ret && (rtm_flags & RTM_F_CLONED))
			return 1;
		break;
	default:
		return 1;
	}
	if (ret == -EAFNOSUPPORT)
		return 1;
	return ret;
}

struct dispatch {
	nl_event_cb cb;
	void *arg;
	int events;
	unsigned long *malformed;
};

static int dispatch_cb(const struct nlmsghdr *nh, void *data)
{
	struct dispatch *d = data;
	struct nl_event ev;
	int ret = nl_event_from_msg(nh, &ev);

	/* Skip a bad message but go on: the rest of the batch is fine. */
	if (ret < 0) {
		(*d->malformed)++;
	} else if (ret == 0) {
		d->cb(&ev, d->arg);
		d->events++;
	}
	return MNL_CB_OK;
}

/* Subscriptions carry no control messages (acks, dump ends): skip any,
 * rather than let libmnl's defaults end the batch at one. */
static mnl_cb_t no_ctl_cbs[NLMSG_MIN_TYPE];

int nl_monitor_dispatch(const void *buf, size_t len, nl_event_cb cb, void *arg,
			unsigned long *malformed)
{
	struct dispatch d = { .cb = cb, .arg = arg, .malformed = malformed };
	/* Whole messages only: a message cut off (or with a length libmnl
	 * misreads, nl_parse.h) ends the batch, as a cut one always did. */
	size_t whole = nl_batch_framed(buf, len);
	/* Sequence and port id 0: notifications are nobody's answer.  libmnl
	 * refuses the rest of a batch only on a flag no notification has
	 * (NLM_F_DUMP_INTR): count that as one malformed message. */
	int ret = mnl_cb_run2(buf, whole, 0, 0, dispatch_cb, &d, no_ctl_cbs,
			      MNL_ARRAY_SIZE(no_ctl_cbs));

	if (ret < 0)
		(*malformed)++;
	return d.events;
}

int nl_monitor_open(struct nl_monitor **out)
{
	static const int groups[] = { RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
				      RTNLGRP_IPV6_ROUTE };
	int rcvbuf = NL_MONITOR_RCVBUF, ret;
	struct nl_monitor *m;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!m->nl) {
		ret = -errno;
		free(m);
		return ret;
	}
	if (mnl_socket_bind(m->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* NETLINK_ADD_MEMBERSHIP, not bind()'s 32-bit group mask: the way
	 * that works for every group number. */
	for (size_t i = 0; i < MNL_ARRAY_SIZE(groups); i++) {
		int g = groups[i];

		if (mnl_socket_setsockopt(m->nl, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			goto fail;
	}
	setsockopt(mnl_socket_get_fd(m->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	*out = m;
	return 0;
fail:
	ret = -errno;
	nl_monitor_close(m);
	return ret;
}

int nl_monitor_fd(const struct nl_monitor *m)
{
	return mnl_socket_get_fd(m->nl);
}

unsigned long nl_monitor_malformed(const struct nl_monitor *m)
{
	return m->malformed;
}

int nl_monitor_read(struct nl_monitor *m, nl_event_cb cb, void *arg)
{
	int events = 0;

	for (int i = 0; i < NL_MONITOR_BATCHES; i++) {
		ssize_t n = mnl_socket_recvfrom(m->nl, m->buf, sizeof(m->buf));

		if (n >= 0) {
			events += nl_monitor_dispatch(m->buf, (size_t)n, cb, arg, &m->malformed);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		/* ENOBUFS: the queue overflowed; ENOSPC: libmnl's word for a
		 * message cut to our buffer.  Either way events are lost and
		 * the socket goes on working. */
		if (errno == ENOBUFS || errno == ENOSPC) {
			struct nl_event ev = { .kind = NL_EV_OVERFLOW };

			cb(&ev, arg);
			events++;
			continue;
		}
		return -errno;
	}
	return events;
}

void nl_monitor_close(struct nl_monitor *m)
{
	if (!m)
		return;
	mnl_socket_close(m->nl);
	free(m);
}
