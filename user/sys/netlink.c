// SPDX-License-Identifier: GPL-2.0-only
/*
 * netlink.c - rtnetlink requests on raw NETLINK_ROUTE sockets.
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

#define NL_MSG_MAX 1024    /* our requests are a few attributes long */
#define NL_RECV_BUF 65536  /* a dump batch is at most 32 KiB */
#define NL_MAX_RECVS 4096  /* bound on receives per request */

static char g_errmsg[256];
static __u32 g_seq;

const char *nl_errmsg(void)
{
	return g_errmsg;
}

/* A request under construction. */
struct nl_msg {
	union {
		struct nlmsghdr nh;
		char buf[NL_MSG_MAX];
	};
};

static void *msg_init(struct nl_msg *m, __u16 type, __u16 flags, size_t hdrlen)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	return NLMSG_DATA(&m->nh);
}

/* Append an attribute; our requests are far below NL_MSG_MAX, so running
 * out of room is a programming error reported as -EMSGSIZE by nl_talk. */
static struct rtattr *attr_put(struct nl_msg *m, __u16 type, const void *data, size_t len)
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

static void attr_put_u32(struct nl_msg *m, __u16 type, __u32 v)
{
	attr_put(m, type, &v, sizeof(v));
}

static void nest_end(struct nl_msg *m, struct rtattr *nest)
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

typedef int (*nl_cb)(const struct nlmsghdr *nh, void *arg);

/* Send m and feed every answer to cb (may be NULL).  Dumps end at
 * NLMSG_DONE, other requests (sent with NLM_F_ACK) at the ack. */
static int nl_talk(struct nl_msg *m, nl_cb cb, void *arg)
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
	struct ifinfomsg *ifi = msg_init(&m, RTM_GETLINK, 0, sizeof(*ifi));
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
	struct ifaddrmsg *ifa = msg_init(&m, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
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
	struct ifaddrmsg *ifa = msg_init(&m, type, flags, sizeof(*ifa));

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_flags = ifa_flags & 0xff;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	attr_put(&m, IFA_LOCAL, addr, 16);
	attr_put(&m, IFA_ADDRESS, addr, 16);
	if (type == RTM_NEWADDR)
		attr_put_u32(&m, IFA_FLAGS, ifa_flags);
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

/* ---- routes --------------------------------------------------------- */

static size_t addr_len(__u8 family)
{
	return family == AF_INET ? 4 : 16;
}

/* RTM_NEWROUTE / RTM_DELROUTE from r. */
static int route_req(__u16 type, __u16 flags, const struct nl_route *r)
{
	struct nl_msg m;
	struct rtmsg *rtm = msg_init(&m, type, flags, sizeof(*rtm));
	__u32 table = r->table ? r->table : RT_TABLE_MAIN;

	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = r->dst_len;
	rtm->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	if (type == RTM_NEWROUTE) {
		rtm->rtm_protocol = r->protocol ? r->protocol : RTPROT_BOOT;
		rtm->rtm_scope = r->scope ? r->scope : RT_SCOPE_UNIVERSE;
		rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
	} else {
		rtm->rtm_protocol = r->protocol; /* 0 matches any */
		rtm->rtm_scope = RT_SCOPE_NOWHERE; /* any scope */
		rtm->rtm_type = r->type;
	}
	attr_put_u32(&m, RTA_TABLE, table);
	if (r->dst_len)
		attr_put(&m, RTA_DST, r->dst, addr_len(r->family));
	if (r->gw_family && r->gw_family != r->family) {
		/* RTA_VIA: family + address (an IPv4 route via an IPv6 hop) */
		struct {
			__kernel_sa_family_t family;
			__u8 addr[16];
		} __attribute__((packed)) via = { .family = r->gw_family };

		memcpy(via.addr, r->gw, addr_len(r->gw_family));
		attr_put(&m, RTA_VIA, &via, sizeof(via.family) + addr_len(r->gw_family));
	} else if (r->gw_family) {
		attr_put(&m, RTA_GATEWAY, r->gw, addr_len(r->gw_family));
	}
	if (r->oif)
		attr_put_u32(&m, RTA_OIF, (__u32)r->oif);
	if (r->priority)
		attr_put_u32(&m, RTA_PRIORITY, r->priority);
	if (r->mtu && type == RTM_NEWROUTE) {
		struct rtattr *nest = attr_put(&m, RTA_METRICS, NULL, 0);

		attr_put_u32(&m, RTAX_MTU, r->mtu);
		nest_end(&m, nest);
	}
	return nl_talk(&m, NULL, NULL);
}

int nl_route_add(const struct nl_route *r)
{
	return route_req(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r);
}

int nl_route_replace(const struct nl_route *r)
{
	return route_req(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r);
}

int nl_route_del(const struct nl_route *r)
{
	return route_req(RTM_DELROUTE, 0, r);
}

/* Decode an RTM_NEWROUTE into r. */
static void route_parse(const struct nlmsghdr *nh, struct nl_route *r)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	int rem = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm));
	const struct rtattr *rta = RTM_RTA(rtm);
	size_t alen = addr_len(rtm->rtm_family);

	memset(r, 0, sizeof(*r));
	r->family = rtm->rtm_family;
	r->dst_len = rtm->rtm_dst_len;
	r->protocol = rtm->rtm_protocol;
	r->type = rtm->rtm_type;
	r->scope = rtm->rtm_scope;
	r->table = rtm->rtm_table;
	for (; RTA_OK(rta, rem); rta = RTA_NEXT(rta, rem)) {
		size_t plen = RTA_PAYLOAD(rta);
		const __u8 *p = RTA_DATA(rta);

		switch (rta->rta_type) {
		case RTA_DST:
			if (plen == alen)
				memcpy(r->dst, p, alen);
			break;
		case RTA_GATEWAY:
			if (plen == alen) {
				memcpy(r->gw, p, alen);
				r->gw_family = r->family;
			}
			break;
		case RTA_VIA: {
			__kernel_sa_family_t fam;

			if (plen < sizeof(fam))
				break;
			memcpy(&fam, p, sizeof(fam));
			if ((fam == AF_INET || fam == AF_INET6) &&
			    plen >= sizeof(fam) + addr_len((__u8)fam)) {
				r->gw_family = (__u8)fam;
				memcpy(r->gw, p + sizeof(fam), addr_len((__u8)fam));
			}
			break;
		}
		case RTA_OIF:
			if (plen == 4)
				memcpy(&r->oif, p, 4);
			break;
		case RTA_PRIORITY:
			if (plen == 4)
				memcpy(&r->priority, p, 4);
			break;
		case RTA_TABLE:
			if (plen == 4)
				memcpy(&r->table, p, 4);
			break;
		case RTA_METRICS: {
			const struct rtattr *mx = (const struct rtattr *)p;
			int mrem = (int)plen;

			for (; RTA_OK(mx, mrem); mx = RTA_NEXT(mx, mrem)) {
				if (mx->rta_type == RTAX_MTU && RTA_PAYLOAD(mx) == 4)
					memcpy(&r->mtu, RTA_DATA(mx), 4);
			}
			break;
		}
		}
	}
}

struct route_list {
	int family, max, n;
	__u32 table;
	struct nl_route *out;
};

static int route_list_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	struct route_list *l = arg;
	struct nl_route r;

	if (nh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != l->family ||
	    (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	route_parse(nh, &r);
	if (r.table != l->table)
		return 0;
	if (l->n < l->max)
		l->out[l->n] = r;
	l->n++;
	return 0;
}

int nl_route_list(int family, __u32 table, struct nl_route *out, int max)
{
	struct nl_msg m;
	struct rtmsg *rtm = msg_init(&m, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm));
	struct route_list l = { .family = family, .max = max, .out = out,
				.table = table ? table : RT_TABLE_MAIN };
	int ret;

	rtm->rtm_family = (__u8)family;
	ret = nl_talk(&m, route_list_cb, &l);
	return ret < 0 ? ret : l.n;
}

static int route_get_cb(const struct nlmsghdr *nh, void *arg)
{
	if (nh->nlmsg_type == RTM_NEWROUTE)
		route_parse(nh, arg);
	return 0;
}

int nl_route_get(int family, const __u8 dst[16], struct nl_route *out)
{
	struct nl_msg m;
	struct rtmsg *rtm = msg_init(&m, RTM_GETROUTE, 0, sizeof(*rtm));
	int ret;

	rtm->rtm_family = (__u8)family;
	rtm->rtm_dst_len = family == AF_INET ? 32 : 128;
	attr_put(&m, RTA_DST, dst, addr_len((__u8)family));
	memset(out, 0, sizeof(*out));
	ret = nl_talk(&m, route_get_cb, out);
	if (ret)
		return ret;
	if (out->family != family)
		return -ENODATA;
	if (out->type != RTN_UNICAST && out->type != RTN_LOCAL)
		return -ENETUNREACH;
	return 0;
}

void nl_route4_via6(struct nl_route *r, __be32 dst, __u8 dst_len, const __u8 gw6[16], int oif,
		    __u32 mtu, __u8 protocol)
{
	memset(r, 0, sizeof(*r));
	r->family = AF_INET;
	r->dst_len = dst_len;
	memcpy(r->dst, &dst, 4);
	r->gw_family = AF_INET6;
	memcpy(r->gw, gw6, 16);
	r->oif = oif;
	r->mtu = mtu;
	r->protocol = protocol;
	r->table = RT_TABLE_MAIN;
}

const char *nl_route_str(const struct nl_route *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], dev[IF_NAMESIZE] = "";
	size_t n = 0;

#define APPEND(...)                                                          \
	do {                                                                 \
		if (n < len)                                                 \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); \
	} while (0)
	if (!len)
		return buf;
	buf[0] = '\0';
	if (r->type && r->type != RTN_UNICAST)
		APPEND("%s ", r->type == RTN_UNREACHABLE ? "unreachable" :
			      r->type == RTN_BLACKHOLE	 ? "blackhole" :
			      r->type == RTN_PROHIBIT	 ? "prohibit" :
			      r->type == RTN_LOCAL	 ? "local" : "type-other");
	if (!r->dst_len)
		APPEND("default");
	else
		APPEND("%s/%u", inet_ntop(r->family, r->dst, a, sizeof(a)), r->dst_len);
	if (r->gw_family)
		APPEND(" via %s%s", r->gw_family != r->family ? "inet6 " : "",
		       inet_ntop(r->gw_family, r->gw, a, sizeof(a)));
	if (r->oif)
		APPEND(" dev %s", if_indextoname((unsigned int)r->oif, dev) ? dev : "?");
	if (r->protocol) {
		const char *pn = r->protocol == RTPROT_KERNEL ? "kernel" :
				 r->protocol == RTPROT_BOOT   ? "boot" :
				 r->protocol == RTPROT_STATIC ? "static" :
				 r->protocol == RTPROT_RA     ? "ra" :
				 r->protocol == RTPROT_DHCP   ? "dhcp" : NULL;

		if (pn)
			APPEND(" proto %s", pn);
		else
			APPEND(" proto 0x%x", r->protocol);
	}
	if (r->priority)
		APPEND(" metric %u", r->priority);
	if (r->mtu)
		APPEND(" mtu %u", r->mtu);
#undef APPEND
	return buf;
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
	struct tcmsg *tcm = msg_init(&m, RTM_GETTFILTER, NLM_F_DUMP, sizeof(*tcm));
	int n = 0, ret;

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	ret = nl_talk(&m, count_cb, &n);
	if (ret == -EINVAL || ret == -ENOENT)
		return 0; /* no such qdisc: no filters */
	return ret < 0 ? ret : n;
}
