// SPDX-License-Identifier: GPL-2.0-only
/*
 * netlink.c - rtnetlink requests on libmnl: the exchange with the kernel
 * (nl_msg.h), links, IPv6 addresses and tc filter counts.  Routes are
 * nl_route.c, the message parsers nl_parse.c.
 *
 * One socket per request: open, send one message, read until the ack,
 * the error or NLMSG_DONE, close.  Bounded: SO_RCVTIMEO per receive and
 * a cap on the number of receives.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "sys/netlink.h"
#include "sys/nl_msg.h"
#include "sys/nl_parse.h"

#define NL_RECV_BUF 65536 /* a dump batch is at most 32 KiB */
#define NL_MAX_RECVS 4096 /* bound on receives per request */

static char g_errmsg[256];
static __u32 g_seq;

const char *nl_errmsg(void)
{
	return g_errmsg;
}

const char *nl_strerror(int e)
{
	static char buf[384];

	snprintf(buf, sizeof(buf), "%s%s%s", strerror(-e), g_errmsg[0] ? ": " : "", g_errmsg);
	return buf;
}

/* NLMSG_ERROR: error 0 is the ack that ends a request; an error keeps
 * the kernel's extended ack for nl_errmsg() and fails with it. */
static int error_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nh);

	if (mnl_nlmsg_get_payload_len(nh) < sizeof(*e))
		return nl_cb_error(-EBADMSG);
	if (!e->error)
		return MNL_CB_STOP;
	nl_parse_extack(nh, g_errmsg, sizeof(g_errmsg));
	return nl_cb_error(e->error < 0 ? e->error : -EPROTO);
}

/* NLMSG_DONE ends a dump; one that failed part way carries a negative
 * errno (and maybe an extended ack) in it. */
static int done_cb(const struct nlmsghdr *nh, void *arg)
{
	int err;

	if (mnl_nlmsg_get_payload_len(nh) < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	nl_parse_extack(nh, g_errmsg, sizeof(g_errmsg));
	return nl_cb_error(err);
}

/* Control messages by type; NLMSG_NOOP and NLMSG_OVERRUN are skipped. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
};

/*
 * libmnl fails a whole batch with EINTR when the kernel flags it
 * NLM_F_DUMP_INTR (the table changed while it was dumped).  mapce has
 * always used such a dump as is, as `ip` does (it only warns): callers
 * act on what they saw and look again on their next run.  So clear the
 * flag before libmnl sees it.
 */
static void accept_interrupted_dump(void *buf, int len)
{
	for (struct nlmsghdr *nh = buf; mnl_nlmsg_ok(nh, len); nh = mnl_nlmsg_next(nh, &len))
		nh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
}

int nl_talk(struct nl_req *req, mnl_cb_t cb, void *arg)
{
	static char buf[NL_RECV_BUF] __attribute__((aligned(8)));
	struct nlmsghdr *nh = &req->nh;
	struct timeval tv = { .tv_sec = NL_TIMEOUT_MS / 1000,
			      .tv_usec = (NL_TIMEOUT_MS % 1000) * 1000L };
	int one = 1, ret = -ETIMEDOUT;
	struct mnl_socket *nl;
	unsigned int portid;

	g_errmsg[0] = '\0';
	if ((nh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nh->nlmsg_flags |= NLM_F_ACK;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	/* Best effort: older kernels lack these, the request still works. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nh->nlmsg_seq = ++g_seq + (__u32)getpid() * 1000u;
	if (mnl_socket_sendto(nl, nh, nh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (int i = 0; i < NL_MAX_RECVS; i++) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -errno;
			goto out;
		}
		/* whole messages only (nl_parse.h: libmnl misreads huge lengths) */
		n = (ssize_t)nl_batch_framed(buf, (size_t)n);
		accept_interrupted_dump(buf, (int)n);
		/* Checks the port id and sequence number of every message. */
		ret = mnl_cb_run2(buf, (size_t)n, nh->nlmsg_seq, portid, cb, arg, ctl_cbs,
				  MNL_ARRAY_SIZE(ctl_cbs));
		if (ret <= MNL_CB_STOP) {
			ret = ret == MNL_CB_STOP ? 0 : -(errno ? errno : EPROTO);
			goto out;
		}
		ret = -ETIMEDOUT; /* for the bound on receives */
	}
out:
	mnl_socket_close(nl);
	return ret;
}

/* ---- links ---------------------------------------------------------- */

static int link_cb(const struct nlmsghdr *nh, void *arg)
{
	int ret;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	ret = nl_parse_link(nh, arg);
	if (ret)
		return nl_cb_error(ret);
	return MNL_CB_OK;
}

int nl_link_get(int ifindex, struct nl_link_info *out)
{
	struct nl_req req;
	struct ifinfomsg *ifi = nl_req_start(&req, RTM_GETLINK, 0, sizeof(*ifi));

	memset(out, 0, sizeof(*out));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nl_talk(&req, link_cb, out);
}

int nl_link_mtu(int ifindex, unsigned int *mtu)
{
	struct nl_link_info link;
	int ret = nl_link_get(ifindex, &link);

	if (ret)
		return ret;
	if (!link.mtu)
		return -ENODATA;
	*mtu = link.mtu;
	return 0;
}

/* ---- IPv6 addresses ------------------------------------------------- */

struct addr_list {
	int ifindex, max, n;
	struct nl_addr6 *out;
};

static int addr_list_cb(const struct nlmsghdr *nh, void *arg)
{
	struct addr_list *l = arg;
	struct nl_addr6_info info;
	int ret;

	if (nh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	ret = nl_parse_addr6(nh, &info);
	if (ret == -EAFNOSUPPORT)
		return MNL_CB_OK;
	if (ret)
		return nl_cb_error(ret);
	/* Without strict checking the kernel dumps every link's addresses. */
	if (info.ifindex == l->ifindex && l->n < l->max)
		l->out[l->n++] = info.a;
	return MNL_CB_OK;
}

int nl_addr6_list(int ifindex, struct nl_addr6 *out, int max)
{
	struct nl_req req;
	struct ifaddrmsg *ifa = nl_req_start(&req, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	struct addr_list l = { .ifindex = ifindex, .max = max, .out = out };
	int ret;

	ifa->ifa_family = AF_INET6;
	ifa->ifa_index = ifindex;
	ret = nl_talk(&req, addr_list_cb, &l);
	return ret < 0 ? ret : l.n;
}

static int addr6_req(__u16 type, __u16 flags, int ifindex, const __u8 addr[16], __u8 plen,
		     __u32 ifa_flags)
{
	struct nl_req req;
	struct ifaddrmsg *ifa = nl_req_start(&req, type, flags, sizeof(*ifa));

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_flags = ifa_flags & 0xff; /* the rest only fits IFA_FLAGS */
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(&req.nh, IFA_LOCAL, 16, addr);
	mnl_attr_put(&req.nh, IFA_ADDRESS, 16, addr);
	if (type == RTM_NEWADDR)
		mnl_attr_put_u32(&req.nh, IFA_FLAGS, ifa_flags);
	return nl_talk(&req, NULL, NULL);
}

int nl_addr6_add(int ifindex, const __u8 addr[16], __u8 prefix_len, __u32 flags)
{
	return addr6_req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, addr, prefix_len, flags);
}

int nl_addr6_del(int ifindex, const __u8 addr[16], __u8 prefix_len)
{
	return addr6_req(RTM_DELADDR, 0, ifindex, addr, prefix_len, 0);
}

int nl_addr6_present(int ifindex, const __u8 addr[16])
{
	struct nl_addr6 list[64];
	int n = nl_addr6_list(ifindex, list, 64);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (!memcmp(list[i].addr, addr, 16))
			return 1;
	}
	return 0;
}

/* ---- tc ------------------------------------------------------------- */

/* Counts messages, reads nothing of them: no parser needed. */
static int count_cb(const struct nlmsghdr *nh, void *arg)
{
	if (nh->nlmsg_type == RTM_NEWTFILTER)
		(*(int *)arg)++;
	return MNL_CB_OK;
}

int nl_tc_filter_count(int ifindex, __u32 parent)
{
	struct nl_req req;
	struct tcmsg *tcm = nl_req_start(&req, RTM_GETTFILTER, NLM_F_DUMP, sizeof(*tcm));
	int n = 0, ret;

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	ret = nl_talk(&req, count_cb, &n);
	if (ret == -EINVAL || ret == -ENOENT)
		return 0; /* no such qdisc: no filters */
	return ret < 0 ? ret : n;
}
