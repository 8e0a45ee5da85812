// SPDX-License-Identifier: GPL-2.0-only
/*
 * netlink.c - rtnetlink requests on raw NETLINK_ROUTE sockets: the
 * request builder and the exchange with the kernel (nl_msg.h), links,
 * IPv6 addresses and tc filter counts.  Routes are nl_route.c.
 *
 * One socket per request: open, send one message, read until the ack,
 * the error or NLMSG_DONE, close.  Bounded: SO_RCVTIMEO per receive and
 * a cap on the number of receives.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "sys/netlink.h"
#include "sys/nl_msg.h"

#define NL_RECV_BUF 65536  /* a dump batch is at most 32 KiB */
#define NL_MAX_RECVS 4096  /* bound on receives per request */

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

void *nl_msg_init(struct nl_msg *m, __u16 type, __u16 flags, size_t hdrlen)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	return NLMSG_DATA(&m->nh);
}

struct rtattr *nl_attr_put(struct nl_msg *m, __u16 type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(m->nh.nlmsg_len);
	struct rtattr *rta;

	if (off + RTA_SPACE(len) > sizeof(m->buf)) {
		m->nh.nlmsg_len = sizeof(m->buf) + 1; /* poison */
		return NULL;
	}
	rta = (struct rtattr *)(m->buf + off);
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	m->nh.nlmsg_len = off + RTA_SPACE(len);
	return rta;
}

void nl_attr_put_u32(struct nl_msg *m, __u16 type, __u32 v)
{
	nl_attr_put(m, type, &v, sizeof(v));
}

void nl_nest_end(struct nl_msg *m, struct rtattr *nest)
{
	if (nest)
		nest->rta_len = (char *)m->buf + m->nh.nlmsg_len - (char *)nest;
}

/* Keep the kernel's extended-ack message (NLMSGERR_ATTR_MSG) of an error. */
static void save_extack(const struct nlmsghdr *nh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	size_t off = sizeof(*e);
	const struct rtattr *rta;
	int rem;

	g_errmsg[0] = '\0';
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len > NLMSG_HDRLEN ? e->msg.nlmsg_len - NLMSG_HDRLEN : 0;
	rem = (int)nh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	rta = (const struct rtattr *)((const char *)e + off);
	for (; rem > 0 && RTA_OK(rta, rem); rta = RTA_NEXT(rta, rem)) {
		if (rta->rta_type == NLMSGERR_ATTR_MSG) {
			snprintf(g_errmsg, sizeof(g_errmsg), "%.*s", (int)RTA_PAYLOAD(rta),
				 (const char *)RTA_DATA(rta));
			/* drop the trailing newline some messages carry */
			g_errmsg[strcspn(g_errmsg, "\n")] = '\0';
			return;
		}
	}
}

int nl_talk(struct nl_msg *m, nl_cb cb, void *arg)
{
	static char buf[NL_RECV_BUF] __attribute__((aligned(8)));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_MS / 1000,
			      .tv_usec = (NL_TIMEOUT_MS % 1000) * 1000 };
	bool dump = (m->nh.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	int one = 1, fd, ret = -ETIMEDOUT, cb_ret = 0;
	__u32 seq;

	g_errmsg[0] = '\0';
	if (m->nh.nlmsg_len > sizeof(m->buf))
		return -EMSGSIZE;
	if (!dump)
		m->nh.nlmsg_flags |= NLM_F_ACK;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* Best effort: older kernels lack these, the request still works. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	seq = ++g_seq + (__u32)getpid() * 1000u;
	m->nh.nlmsg_seq = seq;
	if (sendto(fd, m, m->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	for (int i = 0; i < NL_MAX_RECVS; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -errno;
			goto out;
		}
		len = (int)n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned int)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE) {
				/* A dump error travels as a negative int in DONE. */
				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) &&
				    *(int *)NLMSG_DATA(nh) < 0)
					ret = *(int *)NLMSG_DATA(nh);
				else
					ret = cb_ret;
				goto out;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
					ret = -EBADMSG;
					goto out;
				}
				if (e->error) {
					save_extack(nh);
					ret = e->error;
				} else {
					ret = cb_ret; /* the ack */
				}
				goto out;
			}
			if (cb && !cb_ret)
				cb_ret = cb(nh, arg);
		}
	}
out:
	close(fd);
	return ret;
}

/* ---- links ---------------------------------------------------------- */

static int link_mtu_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int rem = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	const struct rtattr *rta = IFLA_RTA(ifi);

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	for (; RTA_OK(rta, rem); rta = RTA_NEXT(rta, rem)) {
		if (rta->rta_type == IFLA_MTU && RTA_PAYLOAD(rta) >= 4)
			memcpy(arg, RTA_DATA(rta), 4);
	}
	return 0;
}

int nl_link_mtu(int ifindex, unsigned int *mtu)
{
	struct nl_msg m;
	struct ifinfomsg *ifi = nl_msg_init(&m, RTM_GETLINK, 0, sizeof(*ifi));
	unsigned int v = 0;
	int ret;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ret = nl_talk(&m, link_mtu_cb, &v);
	if (ret)
		return ret;
	if (!v)
		return -ENODATA;
	*mtu = v;
	return 0;
}

/* ---- IPv6 addresses ------------------------------------------------- */

struct addr_list {
	int ifindex, max, n;
	struct nl_addr6 *out;
};

static int addr_list_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	int rem = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa));
	const struct rtattr *rta = IFA_RTA(ifa);
	struct addr_list *l = arg;
	struct nl_addr6 a = { .prefix_len = ifa->ifa_prefixlen, .scope = ifa->ifa_scope,
			      .flags = ifa->ifa_flags };
	bool have = false;

	if (nh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET6 ||
	    (int)ifa->ifa_index != l->ifindex)
		return 0;
	for (; RTA_OK(rta, rem); rta = RTA_NEXT(rta, rem)) {
		if ((rta->rta_type == IFA_ADDRESS || rta->rta_type == IFA_LOCAL) &&
		    RTA_PAYLOAD(rta) == 16 && (!have || rta->rta_type == IFA_LOCAL)) {
			memcpy(a.addr, RTA_DATA(rta), 16);
			have = true;
		} else if (rta->rta_type == IFA_FLAGS && RTA_PAYLOAD(rta) == 4) {
			memcpy(&a.flags, RTA_DATA(rta), 4);
		}
	}
	if (have && l->n < l->max)
		l->out[l->n++] = a;
	return 0;
}

int nl_addr6_list(int ifindex, struct nl_addr6 *out, int max)
{
	struct nl_msg m;
	struct ifaddrmsg *ifa = nl_msg_init(&m, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	struct addr_list l = { .ifindex = ifindex, .max = max, .out = out };
	int ret;

	ifa->ifa_family = AF_INET6;
	ifa->ifa_index = ifindex;
	ret = nl_talk(&m, addr_list_cb, &l);
	return ret < 0 ? ret : l.n;
}

static int addr6_req(__u16 type, __u16 flags, int ifindex, const __u8 addr[16], __u8 plen,
		     __u32 ifa_flags)
{
	struct nl_msg m;
	struct ifaddrmsg *ifa = nl_msg_init(&m, type, flags, sizeof(*ifa));

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_flags = ifa_flags & 0xff;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	nl_attr_put(&m, IFA_LOCAL, addr, 16);
	nl_attr_put(&m, IFA_ADDRESS, addr, 16);
	if (type == RTM_NEWADDR)
		nl_attr_put_u32(&m, IFA_FLAGS, ifa_flags);
	return nl_talk(&m, NULL, NULL);
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

static int count_cb(const struct nlmsghdr *nh, void *arg)
{
	if (nh->nlmsg_type == RTM_NEWTFILTER)
		(*(int *)arg)++;
	return 0;
}

int nl_tc_filter_count(int ifindex, __u32 parent)
{
	struct nl_msg m;
	struct tcmsg *tcm = nl_msg_init(&m, RTM_GETTFILTER, NLM_F_DUMP, sizeof(*tcm));
	int n = 0, ret;

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	ret = nl_talk(&m, count_cb, &n);
	if (ret == -EINVAL || ret == -ENOENT)
		return 0; /* no such qdisc: no filters */
	return ret < 0 ? ret : n;
}
