// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_nl_monitor.c - the netlink event monitor (user/sys/nl_monitor.h).
 *
 * Host part (no root): messages built by hand become the right events,
 * a batch with a malformed message in it delivers the good ones around
 * it, control messages and cut-off messages are skipped, and a monitor
 * opens and reads on the host without privileges.
 *
 * Root part, in a private network namespace of a child process (nothing
 * on the host changes; skipped without root): real changes, made with
 * `ip` and with the netlink.h client, arrive as the expected events: a
 * veth pair appearing, going up, down and away; an IPv6 address added and
 * removed; an IPv4 route via an IPv6 next hop added and removed; an
 * overflowed queue reported as OVERFLOW and reading going on after it.
 * It also checks that the client keeps the kernel's extended ack.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "harness.h"
#include "sys/netlink.h"
#include "sys/nl_monitor.h"
#include "test_nl_msg.h"

#define MAX_EVENTS 1024

static struct nl_event evs[MAX_EVENTS];
static int n_evs;

static void collect_cb(const struct nl_event *ev, void *arg)
{
	(void)arg;
	if (n_evs < MAX_EVENTS)
		evs[n_evs++] = *ev;
}

/* ---- host part: messages into events -------------------------------- */

static void link_msg(struct tmsg *m, __u16 type, int ifindex, unsigned int flags)
{
	struct ifinfomsg *ifi = tmsg_start(m, type, sizeof(*ifi));

	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	tmsg_put_u32(m, IFLA_MTU, 1500);
	tmsg_put_str(m, IFLA_IFNAME, "wan0");
}

static void addr_msg(struct tmsg *m, __u16 type, __u8 family)
{
	struct ifaddrmsg *ifa = tmsg_start(m, type, sizeof(*ifa));
	__u8 a[16];

	inet_pton(AF_INET6, "2001:db8::1", a);
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = 64;
	ifa->ifa_index = 2;
	tmsg_put(m, IFA_ADDRESS, a, family == AF_INET6 ? 16 : 4);
}

static void route_msg(struct tmsg *m, __u16 type, __u32 rtm_flags)
{
	struct rtmsg *rtm = tmsg_start(m, type, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_flags = rtm_flags;
	tmsg_put_u32(m, RTA_OIF, 2);
}

static void test_mapping(void)
{
	struct nl_event ev;
	struct tmsg m;

	TCASE_BEGIN("nl_event_from_msg: link, IPv6 address and route messages become their kinds");
	link_msg(&m, RTM_NEWLINK, 2, IFF_UP);
	CHECK_EQ(nl_event_from_msg(&m.nh, &ev), 0);
	CHECK(ev.kind == NL_EV_LINK && ev.link.up && !ev.link.running && !ev.link.removed);
	CHECK_EQ(ev.link.mtu, 1500);
	link_msg(&m, RTM_DELLINK, 2, 0);
	CHECK_EQ(nl_event_from_msg(&m.nh, &ev), 0);
	CHECK(ev.kind == NL_EV_LINK && ev.link.removed);
	addr_msg(&m, RTM_NEWADDR, AF_INET6);
	CHECK_EQ(nl_event_from_msg(&m.nh, &ev), 0);
	CHECK(ev.kind == NL_EV_ADDR6_NEW && ev.addr6.ifindex == 2 && ev.addr6.a.prefix_len == 64);
	addr_msg(&m, RTM_DELADDR, AF_INET6);
	CHECK_EQ(nl_event_from_msg(&m.nh, &ev), 0);
	CHECK_EQ(ev.kind, NL_EV_ADDR6_DEL);
	route_msg(&m, RTM_NEWROUTE, 0);
	CHECK_EQ(nl_event_from_msg(&m.nh, &ev), 0);
	CHECK(ev.kind == NL_EV_ROUTE_NEW && ev.route.family == AF_INET && ev.route.oif == 2);
	route_msg(&m, RTM_DELROUTE, 0);
	CHECK_EQ(nl_event_from_msg(&m.nh, &ev), 0);
	CHECK_EQ(ev.kind, NL_EV_ROUTE_DEL);
	TCASE_END();

	TCASE_BEGIN("nl_event_from_msg: IPv4 addresses, cached clones, other types are not events");
	addr_msg(&m, RTM_NEWADDR, AF_INET);
	CHECK_EQ(nl_event_from_msg(&m.nh, &ev), 1);
	route_msg(&m, RTM_NEWROUTE, RTM_F_CLONED);
	CHECK_EQ(nl_event_from_msg(&m.nh, &ev), 1);
	tmsg_start(&m, RTM_NEWNEIGH, sizeof(struct ndmsg));
	CHECK_EQ(nl_event_from_msg(&m.nh, &ev), 1);
	tmsg_start(&m, RTM_NEWROUTE, 4);
	CHECK_EQ(nl_event_from_msg(&m.nh, &ev), -EBADMSG);
	TCASE_END();
}

/* Append m to a batch buffer at *off, as the kernel packs messages. */
static void batch_add(char *batch, size_t *off, const struct tmsg *m)
{
	memcpy(batch + *off, m->buf, m->nh.nlmsg_len);
	*off += NLMSG_ALIGN(m->nh.nlmsg_len);
}

static void test_dispatch(void)
{
	static char batch[8 * TMSG_MAX] __attribute__((aligned(8)));
	unsigned long malformed = 0;
	struct nlmsgerr *e;
	struct nlattr *a;
	struct tmsg m;
	size_t off = 0;
	int n;

	TCASE_BEGIN("nl_monitor_dispatch: good events around a bad one; control, cut-off skipped");
	link_msg(&m, RTM_NEWLINK, 2, IFF_UP | IFF_RUNNING);
	batch_add(batch, &off, &m);
	route_msg(&m, RTM_NEWROUTE, 0);
	a = tmsg_put(&m, RTA_GATEWAY, NULL, 4);
	a->nla_len = 40; /* runs past the message */
	batch_add(batch, &off, &m);
	e = tmsg_start(&m, NLMSG_ERROR, sizeof(*e));
	e->error = -EPERM; /* nobody's answer: skipped, doesn't end the batch */
	batch_add(batch, &off, &m);
	addr_msg(&m, RTM_NEWADDR, AF_INET);
	batch_add(batch, &off, &m);
	addr_msg(&m, RTM_DELADDR, AF_INET6);
	batch_add(batch, &off, &m);
	route_msg(&m, RTM_DELROUTE, 0);
	batch_add(batch, &off, &m); /* cut below: its header says more */
	n_evs = 0;
	n = nl_monitor_dispatch(batch, off - 4, collect_cb, NULL, &malformed);
	CHECK_EQ(n, 2);
	CHECK_EQ(n_evs, 2);
	CHECK_EQ(malformed, 1);
	CHECK(evs[0].kind == NL_EV_LINK && evs[0].link.running);
	CHECK_STR(evs[0].link.name, "wan0");
	CHECK(evs[1].kind == NL_EV_ADDR6_DEL && evs[1].addr6.ifindex == 2);
	TCASE_END();

	TCASE_BEGIN("nl_monitor_dispatch: a batch libmnl refuses (DUMP_INTR) is malformed");
	off = 0;
	link_msg(&m, RTM_NEWLINK, 2, 0);
	m.nh.nlmsg_flags = NLM_F_DUMP_INTR;
	batch_add(batch, &off, &m);
	malformed = 0;
	n_evs = 0;
	CHECK_EQ(nl_monitor_dispatch(batch, off, collect_cb, NULL, &malformed), 0);
	CHECK_EQ(malformed, 1);
	CHECK_EQ(n_evs, 0);
	TCASE_END();
}

static void test_open_unprivileged(void)
{
	struct nl_monitor *m;
	int ret;

	TCASE_BEGIN("nl_monitor_open: opens and reads without blocking; close");
	ret = nl_monitor_open(&m);
	CHECK_EQ(ret, 0);
	if (!ret) {
		CHECK(nl_monitor_fd(m) >= 0);
		/* The host may have events of its own: only no error, no wait. */
		CHECK(nl_monitor_read(m, collect_cb, NULL) >= 0);
		CHECK_EQ(nl_monitor_malformed(m), 0);
		nl_monitor_close(m);
	}
	TCASE_END();
}

/* ---- root part: real events in a private namespace ------------------ */

/* An event to look for: its kind and, when set, what identifies it. */
struct want {
	enum nl_event_kind kind;
	int ifindex;	  /* LINK */
	bool up, removed; /* LINK */
	const __u8 *addr; /* ADDR6_*: the address; ROUTE_*: the dst */
	__u8 family;	  /* ROUTE_*: of addr */
};

static const struct nl_event *find(const struct want *w)
{
	for (int i = 0; i < n_evs; i++) {
		const struct nl_event *ev = &evs[i];

		if (ev->kind != w->kind)
			continue;
		if (ev->kind == NL_EV_LINK &&
		    (ev->link.ifindex != w->ifindex || ev->link.up != w->up ||
		     ev->link.removed != w->removed))
			continue;
		if ((ev->kind == NL_EV_ADDR6_NEW || ev->kind == NL_EV_ADDR6_DEL) && w->addr &&
		    memcmp(ev->addr6.a.addr, w->addr, 16))
			continue;
		if ((ev->kind == NL_EV_ROUTE_NEW || ev->kind == NL_EV_ROUTE_DEL) && w->addr &&
		    (ev->route.family != w->family ||
		     memcmp(ev->route.dst, w->addr, w->family == AF_INET ? 4 : 16)))
			continue;
		return ev;
	}
	return NULL;
}

/*
 * Find w among the events read since the last forget(), reading more
 * until it shows (NULL after 3 s).  Most events are queued before the
 * kernel answers the request that caused them, but not all: IPv6
 * addresses are announced from the DAD worker even with IFA_F_NODAD.
 */
static const struct nl_event *wait_for(struct nl_monitor *m, const struct want *w)
{
	struct pollfd pfd = { .fd = nl_monitor_fd(m), .events = POLLIN };
	const struct nl_event *ev;

	for (int i = 0; i < 30; i++) {
		CHECK(nl_monitor_read(m, collect_cb, NULL) >= 0);
		ev = find(w);
		if (ev)
			return ev;
		poll(&pfd, 1, 100);
	}
	return NULL;
}

/* Start looking at new events only (before each change). */
static void forget(struct nl_monitor *m)
{
	CHECK(nl_monitor_read(m, collect_cb, NULL) >= 0);
	n_evs = 0;
}

static int sh(const char *cmd)
{
	return system(cmd);
}

static void live_link_and_addr(struct nl_monitor *m, int ifindex, const __u8 a6[16])
{
	__u8 prefix[16] = { 0x20, 0x01, 0x0d, 0xb8 }; /* a6's /64 */
	const struct nl_event *ev;

	TCASE_BEGIN("live: a new veth, set up, shows as LINK events with name and MTU");
	forget(m);
	CHECK_EQ(sh("ip link set mnl0 up && ip link set mnl1 up"), 0);
	ev = wait_for(m, &(struct want){ NL_EV_LINK, ifindex, .up = true });
	CHECK(ev != NULL);
	if (ev) {
		CHECK_STR(ev->link.name, "mnl0");
		CHECK_EQ(ev->link.mtu, 1500);
	}
	TCASE_END();

	TCASE_BEGIN("live: nl_addr6_add shows as ADDR6_NEW with lifetimes, and its prefix route");
	forget(m);
	CHECK_EQ(nl_addr6_add(ifindex, a6, 64, IFA_F_NODAD), 0);
	ev = wait_for(m, &(struct want){ NL_EV_ADDR6_NEW, .addr = a6 });
	CHECK(ev != NULL);
	if (ev) {
		CHECK(ev->addr6.ifindex == ifindex && ev->addr6.a.prefix_len == 64);
		CHECK(ev->addr6.a.flags & IFA_F_NODAD);
		CHECK_EQ(ev->addr6.valid_lft, NL_LIFETIME_FOREVER);
		CHECK_EQ(ev->addr6.preferred_lft, NL_LIFETIME_FOREVER);
	}
	ev = wait_for(m, &(struct want){ NL_EV_ROUTE_NEW, .addr = prefix, .family = AF_INET6 });
	CHECK(ev && ev->route.dst_len == 64 && ev->route.oif == ifindex);
	TCASE_END();
}

static void live_route(struct nl_monitor *m, int ifindex)
{
	__u8 gw6[16], bad[16] = { 192, 0, 2, 1 };
	const struct nl_event *ev;
	struct nl_route r;

	TCASE_BEGIN("live: an IPv4 route via inet6 shows as ROUTE_NEW / ROUTE_DEL with RTA_VIA");
	inet_pton(AF_INET6, "2001:db8::2", gw6);
	nl_route4_via6(&r, htonl(0xc6336400), 24, gw6, ifindex, 1400, 0x4d);
	forget(m);
	CHECK_EQ(nl_route_add(&r), 0);
	ev = wait_for(m, &(struct want){ NL_EV_ROUTE_NEW, .addr = r.dst, .family = AF_INET });
	CHECK(ev != NULL);
	if (ev) {
		CHECK(ev->route.dst_len == 24 && ev->route.oif == ifindex);
		CHECK(ev->route.gw_family == AF_INET6 && !memcmp(ev->route.gw, gw6, 16));
		CHECK(ev->route.protocol == 0x4d && ev->route.table == RT_TABLE_MAIN);
		CHECK_EQ(ev->route.mtu, 1400);
	}
	forget(m);
	CHECK_EQ(nl_route_del(&r), 0);
	ev = wait_for(m, &(struct want){ NL_EV_ROUTE_DEL, .addr = r.dst, .family = AF_INET });
	CHECK(ev != NULL);
	TCASE_END();

	TCASE_BEGIN("live: the client keeps the kernel's extended ack");
	nl_route4_via6(&r, 0, 24, gw6, ifindex, 0, 0x4d);
	memcpy(r.dst, bad, 4); /* host bits set under a /24 */
	CHECK_EQ(nl_route_add(&r), -EINVAL);
	CHECK(strstr(nl_errmsg(), "prefix") != NULL, "\"%s\"", nl_errmsg());
	TCASE_END();
}

/* On lo, once the veth is gone: nothing else is happening then. */
static void live_overflow(struct nl_monitor *m)
{
	int small = 1, roomy = 1 << 20;
	__u8 a[16];

	TCASE_BEGIN("live: a full queue reports OVERFLOW, and events flow again after it");
	CHECK_EQ(sh("ip link set lo up"), 0);
	usleep(200 * 1000);
	forget(m);
	/* The smallest queue the kernel allows holds a handful of events. */
	CHECK_EQ(setsockopt(nl_monitor_fd(m), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	inet_pton(AF_INET6, "2001:db8:1::", a);
	for (int i = 1; i <= 64; i++) {
		a[15] = (__u8)i;
		CHECK_EQ(nl_addr6_add(1, a, 128, IFA_F_NODAD), 0);
	}
	CHECK(wait_for(m, &(struct want){ NL_EV_OVERFLOW }) != NULL, "%d events, none OVERFLOW",
	      n_evs);
	CHECK_EQ(setsockopt(nl_monitor_fd(m), SOL_SOCKET, SO_RCVBUF, &roomy, sizeof(roomy)), 0);
	usleep(200 * 1000); /* let the DAD worker finish the 64 */
	forget(m);
	a[15] = 0xff;
	CHECK_EQ(nl_addr6_add(1, a, 128, IFA_F_NODAD), 0);
	CHECK(wait_for(m, &(struct want){ NL_EV_ADDR6_NEW, .addr = a }) != NULL);
	TCASE_END();
}

/* In the child, inside its own network namespace. */
static int live(void)
{
	struct nl_monitor *m;
	int ifindex;
	__u8 a6[16];

	TCASE_BEGIN("live: a monitor opens in a fresh namespace and sees a veth appear");
	if (nl_monitor_open(&m)) {
		CHECK(0, "nl_monitor_open failed");
		return t_exit();
	}
	forget(m);
	CHECK_EQ(sh("ip link add mnl0 type veth peer name mnl1"), 0);
	ifindex = (int)if_nametoindex("mnl0");
	CHECK(ifindex > 0);
	CHECK(wait_for(m, &(struct want){ NL_EV_LINK, ifindex }) != NULL);
	TCASE_END();

	inet_pton(AF_INET6, "2001:db8::1", a6);
	live_link_and_addr(m, ifindex, a6);
	live_route(m, ifindex);

	TCASE_BEGIN("live: address removal, link down and link removal show as events");
	forget(m);
	CHECK_EQ(nl_addr6_del(ifindex, a6, 64), 0);
	CHECK(wait_for(m, &(struct want){ NL_EV_ADDR6_DEL, .addr = a6 }) != NULL);
	forget(m);
	CHECK_EQ(sh("ip link set mnl0 down"), 0);
	CHECK(wait_for(m, &(struct want){ NL_EV_LINK, ifindex }) != NULL);
	forget(m);
	CHECK_EQ(sh("ip link del mnl0"), 0);
	CHECK(wait_for(m, &(struct want){ NL_EV_LINK, ifindex, .removed = true }) != NULL);
	TCASE_END();

	live_overflow(m);
	CHECK_EQ(nl_monitor_malformed(m), 0);
	nl_monitor_close(m);
	return t_exit();
}

static void test_live(void)
{
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		TSKIP("live: events in a private namespace", "needs root");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET)) {
			TSKIP("live: events in a private namespace",
			      "unshare(CLONE_NEWNET) failed");
			fflush(stdout);
			_exit(0);
		}
		status = live();
		fflush(stdout);
		_exit(status);
	}
	TCASE_BEGIN("live: the namespace child finished cleanly");
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	TCASE_END();
}

int main(void)
{
	test_mapping();
	test_dispatch();
	test_open_unprivileged();
	test_live();
	return t_exit();
}
