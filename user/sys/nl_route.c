// SPDX-License-Identifier: GPL-2.0-only
/*
 * nl_route.c - IPv4 and IPv6 routes over rtnetlink (netlink.h): add,
 * replace, delete, list a table, ask the kernel which route it would use,
 * and print one the way `ip route` does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "sys/netlink.h"
#include "sys/nl_msg.h"

#define ROUTES_FIRST_GUESS 512 /* routes of a table nl_route_list_all expects */

static size_t addr_len(__u8 family)
{
	return family == AF_INET ? 4 : 16;
}

/* RTM_NEWROUTE / RTM_DELROUTE from r. */
static int route_req(__u16 type, __u16 flags, const struct nl_route *r)
{
	struct nl_msg m;
	struct rtmsg *rtm = nl_msg_init(&m, type, flags, sizeof(*rtm));
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
	nl_attr_put_u32(&m, RTA_TABLE, table);
	if (r->dst_len)
		nl_attr_put(&m, RTA_DST, r->dst, addr_len(r->family));
	if (r->gw_family && r->gw_family != r->family) {
		/* RTA_VIA: family + address (an IPv4 route via an IPv6 hop) */
		struct {
			__kernel_sa_family_t family;
			__u8 addr[16];
		} __attribute__((packed)) via = { .family = r->gw_family };

		memcpy(via.addr, r->gw, addr_len(r->gw_family));
		nl_attr_put(&m, RTA_VIA, &via, sizeof(via.family) + addr_len(r->gw_family));
	} else if (r->gw_family) {
		nl_attr_put(&m, RTA_GATEWAY, r->gw, addr_len(r->gw_family));
	}
	if (r->oif)
		nl_attr_put_u32(&m, RTA_OIF, (__u32)r->oif);
	if (r->priority)
		nl_attr_put_u32(&m, RTA_PRIORITY, r->priority);
	if (r->mtu && type == RTM_NEWROUTE) {
		struct rtattr *nest = nl_attr_put(&m, RTA_METRICS, NULL, 0);

		nl_attr_put_u32(&m, RTAX_MTU, r->mtu);
		nl_nest_end(&m, nest);
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
	struct rtmsg *rtm = nl_msg_init(&m, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm));
	struct route_list l = { .family = family, .max = max, .out = out,
				.table = table ? table : RT_TABLE_MAIN };
	int ret;

	rtm->rtm_family = (__u8)family;
	ret = nl_talk(&m, route_list_cb, &l);
	return ret < 0 ? ret : l.n;
}

int nl_route_list_all(int family, __u32 table, struct nl_route **out)
{
	int max = ROUTES_FIRST_GUESS, n;

	for (int tries = 0; tries < 3; tries++) {
		*out = calloc((size_t)max, sizeof(**out));
		if (!*out)
			return -ENOMEM;
		n = nl_route_list(family, table, *out, max);
		if (n >= 0 && n <= max)
			return n;
		free(*out);
		*out = NULL;
		if (n < 0)
			return n;
		/* More than we had room for: again, with room for all (and
		 * for the ones added meanwhile). */
		max = n + ROUTES_FIRST_GUESS;
	}
	return -EAGAIN;
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
	struct rtmsg *rtm = nl_msg_init(&m, RTM_GETROUTE, 0, sizeof(*rtm));
	int ret;

	rtm->rtm_family = (__u8)family;
	rtm->rtm_dst_len = family == AF_INET ? 32 : 128;
	nl_attr_put(&m, RTA_DST, dst, addr_len((__u8)family));
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
