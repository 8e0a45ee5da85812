// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_nl.c - every rtnetlink reply and event parser (user/sys/nl_parse.c:
 * nl_parse_link, nl_parse_addr6, nl_parse_route, nl_parse_extack) and the
 * event monitor's batch dispatch (user/sys/nl_monitor.c:
 * nl_monitor_dispatch, nl_event_from_msg).
 *
 * Input: one received batch, as a recv() on a netlink socket returns it
 * (messages one after the other, each nlmsg_len long, aligned to 4).  The
 * batch goes to nl_monitor_dispatch as it is; then each whole message
 * (nl_batch_framed's prefix, walked as mnl_cb_run walks it: nlmsg_len
 * bytes readable) goes to every parser whatever its type, as a reply of any kind can reach any
 * parser's caller.  A parser returns 0, -EBADMSG or -EAFNOSUPPORT (addresses and routes), never
 * reads past nlmsg_len (ASan: the input buffer is exactly the batch), and what it fills is sane: a
 * NUL-terminated name, prefix lengths within the family, a gateway family of 0, inet or inet6.  A
 * second parse of the same message gives the same result.
 */
#include <errno.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>

#include "fuzz.h"
#include "sys/nl_monitor.h"
#include "sys/nl_parse.h"

static void check_link(const struct nl_link_info *l)
{
	FUZZ_CHECK(memchr(l->name, '\0', sizeof(l->name)), "name not terminated");
	FUZZ_CHECK(l->up == !!(l->flags & IFF_UP) && l->running == !!(l->flags & IFF_RUNNING));
}

static void check_route(const struct nl_route *r)
{
	FUZZ_CHECK(r->family == AF_INET || r->family == AF_INET6, "family %u", r->family);
	FUZZ_CHECK(r->dst_len <= (r->family == AF_INET ? 32 : 128), "dst_len %u", r->dst_len);
	FUZZ_CHECK(r->gw_family == 0 || r->gw_family == AF_INET || r->gw_family == AF_INET6,
		   "gw_family %u", r->gw_family);
}

static void on_event(const struct nl_event *ev, void *arg)
{
	int *events = arg;

	(*events)++;
	switch (ev->kind) {
	case NL_EV_LINK:
		check_link(&ev->link);
		break;
	case NL_EV_ADDR6_NEW:
	case NL_EV_ADDR6_DEL:
		FUZZ_CHECK(ev->addr6.a.prefix_len <= 128);
		break;
	case NL_EV_ROUTE_NEW:
	case NL_EV_ROUTE_DEL:
		check_route(&ev->route);
		break;
	default:
		FUZZ_CHECK(0, "event kind %d from a batch", ev->kind);
	}
}

/* Every parser on one message (nlmsg_len bytes readable). */
static void parse_all(const struct nlmsghdr *nh)
{
	struct nl_link_info l1, l2;
	struct nl_addr6_info a1, a2;
	struct nl_route r1, r2;
	struct nl_event ev;
	unsigned int flags = 0;
	char msg[256], msg2[256];
	int ret;

	ret = nl_parse_link(nh, &l1);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG, "link: %d", ret);
	FUZZ_CHECK(nl_parse_link(nh, &l2) == ret && !memcmp(&l1, &l2, sizeof(l1)));
	if (!ret)
		check_link(&l1);

	ret = nl_parse_addr6(nh, &a1);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -EAFNOSUPPORT, "addr6: %d", ret);
	FUZZ_CHECK(nl_parse_addr6(nh, &a2) == ret && !memcmp(&a1, &a2, sizeof(a1)));
	if (!ret)
		FUZZ_CHECK(a1.a.prefix_len <= 128);

	ret = nl_parse_route(nh, &r1, &flags);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -EAFNOSUPPORT, "route: %d", ret);
	FUZZ_CHECK(nl_parse_route(nh, &r2, NULL) == ret && !memcmp(&r1, &r2, sizeof(r1)));
	if (!ret)
		check_route(&r1);

	ret = nl_parse_extack(nh, msg, sizeof(msg));
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG, "extack: %d", ret);
	FUZZ_CHECK(memchr(msg, '\0', sizeof(msg)) && !strchr(msg, '\n'));
	FUZZ_CHECK(nl_parse_extack(nh, msg2, sizeof(msg2)) == ret && !strcmp(msg, msg2));
	FUZZ_CHECK(nl_parse_extack(nh, msg2, 1) == ret && msg2[0] == '\0');

	ret = nl_event_from_msg(nh, &ev);
	FUZZ_CHECK(ret == 0 || ret == 1 || ret == -EBADMSG, "event: %d", ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nh = (const struct nlmsghdr *)data;
	unsigned long malformed = 0;
	int events = 0, ret, left, msgs = 0;

	/* netlink buffers are aligned: a batch starts on a message header;
	 * larger than the monitor's receive buffer is not a batch */
	if (size > 65536 || ((uintptr_t)data & 3))
		return 0;
	ret = nl_monitor_dispatch(data, size, on_event, &events, &malformed);
	FUZZ_CHECK(ret == events && ret >= 0, "%d events, %d delivered", ret, events);
	/* the whole messages, as mnl_cb_run hands them out */
	left = (int)nl_batch_framed(data, size);
	FUZZ_CHECK((size_t)left <= size);
	for (; mnl_nlmsg_ok(nh, left); nh = mnl_nlmsg_next(nh, &left), msgs++) {
		FUZZ_CHECK((const uint8_t *)nh + nh->nlmsg_len <= data + size,
			   "a message past the batch");
		parse_all(nh);
	}
	FUZZ_CHECK(malformed <= (unsigned long)msgs + 1, "%lu malformed of %d", malformed, msgs);
	return 0;
}
