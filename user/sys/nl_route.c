// SPDX-License-Identifier: GPL-2.0-only
/*
 * nl_route.c - IPv4 and IPv6 routes over rtnetlink (netlink.h, libmnl):
 * add, replace, delete, list a table, ask the kernel which route it would
 * use, and print one the way `ip route` does.  nl_parse.c reads the
 * kernel's route messages.
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
#include "sys/nl_parse.h"

#define ROUTES_FIRST_GUESS 512 /* routes of a table nl_route_list_all expects */

static size_t addr_len(__u8 family)
{
	return family == AF_INET ? 4 : 16;
}

/* RTM_NEWROUTE / RTM_DELROUTE from r. */
static int route_req(__u16 type, __u16 flags, const struct nl_route *r)
{
	struct nl_req req;
	struct nlmsghdr *nh = &req.nh;
	struct rtmsg *rtm = nl_req_start(&req, type, flags, sizeof(*rtm));
	__u32 table = r->table ? r->table : RT_TABLE_MAIN;

	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = r->dst_len;
	rtm->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC; /* RTA_TABLE has it all */
	if (type == RTM_NEWROUTE) {
		rtm->rtm_protocol = r->protocol ? r->protocol : RTPROT_BOOT;
		rtm->rtm_scope = r->scope ? r->scope : RT_SCOPE_UNIVERSE;
		rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
	} else {
		rtm->rtm_protocol = r->protocol;   /* 0 matches any */
		rtm->rtm_scope = RT_SCOPE_NOWHERE; /* any scope */
		rtm->rtm_type = r->type;
	}
	mnl_attr_put_u32(nh, RTA_TABLE, table);
	if (r->dst_len)
		mnl_attr_put(nh, RTA_DST, addr_len(r->family), r->dst);
	if (r->gw_family && r->gw_family != r->family) {
		/* RTA_VIA: family + address (an IPv4 route via an IPv6 hop) */
		struct {
			__kernel_sa_family_t family;
			__u8 addr[16];
		} __attribute__((packed)) via = { .family = r->gw_family };

		memcpy(via.addr, r->gw, addr_len(r->gw_family));
		mnl_attr_put(nh, RTA_VIA, sizeof(via.family) + addr_len(r->gw_family), &via);
	} else if (r->gw_family) {
		mnl_attr_put(nh, RTA_GATEWAY, addr_len(r->gw_family), r->gw);
	}
	if (r->oif)
		mnl_attr_put_u32(nh, RTA_OIF, (__u32)r->oif);
	if (r->prefsrc && r->family == AF_INET && type == RTM_NEWROUTE)
		mnl_attr_put(nh, RTA_PREFSRC, 4, &r->prefsrc);
	if (r->priority)
		mnl_attr_put_u32(nh, RTA_PRIORITY, r->priority);
	if (r->mtu && type == RTM_NEWROUTE) {
		struct nlattr *nest = mnl_attr_nest_start(nh, RTA_METRICS);

		mnl_attr_put_u32(nh, RTAX_MTU, r->mtu);
		mnl_attr_nest_end(nh, nest);
	}
	return nl_talk(&req, NULL, NULL);
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

struct route_list {
	int family, max, n;
	__u32 table;
	struct nl_route *out;
};

static int route_list_cb(const struct nlmsghdr *nh, void *arg)
{
	struct route_list *l = arg;
	unsigned int rtm_flags;
	struct nl_route r;
	int ret;

	if (nh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	ret = nl_parse_route(nh, &r, &rtm_flags);
	if (ret == -EAFNOSUPPORT)
		return MNL_CB_OK;
	if (ret)
		return nl_cb_error(ret);
	/* Cached clones (PMTU exceptions...) are not routes anyone added. */
	if (r.family != l->family || (rtm_flags & RTM_F_CLONED) || r.table != l->table)
		return MNL_CB_OK;
	if (l->n < l->max)
		l->out[l->n] = r;
	l->n++;
	return MNL_CB_OK;
}

int nl_route_list(int family, __u32 table, struct nl_route *out, int max)
{
	struct nl_req req;
	struct rtmsg *rtm = nl_req_start(&req, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm));
	struct route_list l = {
		.family = family, .max = max, .out = out, .table = table ? table : RT_TABLE_MAIN
	};
	int ret;

	rtm->rtm_family = (__u8)family;
	ret = nl_talk(&req, route_list_cb, &l);
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
	int ret;

	if (nh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	ret = nl_parse_route(nh, arg, NULL);
	return ret && ret != -EAFNOSUPPORT ? nl_cb_error(ret) : MNL_CB_OK;
}

int nl_route_get(int family, const __u8 dst[16], struct nl_route *out)
{
	struct nl_req req;
	struct rtmsg *rtm = nl_req_start(&req, RTM_GETROUTE, 0, sizeof(*rtm));
	int ret;

	rtm->rtm_family = (__u8)family;
	rtm->rtm_dst_len = family == AF_INET ? 32 : 128;
	mnl_attr_put(&req.nh, RTA_DST, addr_len((__u8)family), dst);
	memset(out, 0, sizeof(*out));
	ret = nl_talk(&req, route_get_cb, out);
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

#define APPEND(...)                                                           \
	do {                                                                  \
		if (n < len)                                                  \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); \
	} while (0)
	if (!len)
		return buf;
	buf[0] = '\0';
	if (r->type && r->type != RTN_UNICAST)
		APPEND("%s ", r->type == RTN_UNREACHABLE ? "unreachable"
			      : r->type == RTN_BLACKHOLE ? "blackhole"
			      : r->type == RTN_PROHIBIT	 ? "prohibit"
			      : r->type == RTN_LOCAL	 ? "local"
							 : "type-other");
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
		const char *pn = r->protocol == RTPROT_KERNEL	? "kernel"
				 : r->protocol == RTPROT_BOOT	? "boot"
				 : r->protocol == RTPROT_STATIC ? "static"
				 : r->protocol == RTPROT_RA	? "ra"
				 : r->protocol == RTPROT_DHCP	? "dhcp"
								: NULL;

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
