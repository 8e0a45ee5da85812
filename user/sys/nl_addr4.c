// SPDX-License-Identifier: GPL-2.0-only
/*
 * nl_addr4.c - the IPv4 address a CE mode makes local (netlink.h,
 * nl_addr4_sync): ipip6's fixed address, DS-Lite's 192.0.0.2.  Marked with
 * the address protocol (IFA_PROTO, Linux 5.18) so that `down`, and an up
 * with another address, find exactly ours without a record.
 */
#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "sys/netlink.h"
#include "sys/nl_msg.h"

#define ADDR4_MAX 64 /* of ours on one device; more is not ours */

struct addr4_list {
	int ifindex;
	__u8 proto;
	int n;
	__be32 out[ADDR4_MAX];
};

static int addr4_cb(const struct nlmsghdr *nh, void *arg)
{
	struct addr4_list *l = arg;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nh);
	const struct nlattr *a;
	__be32 local = 0;
	int proto = -1;

	if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    ifa->ifa_family != AF_INET || (int)ifa->ifa_index != l->ifindex)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(a) == IFA_LOCAL && mnl_attr_get_payload_len(a) == 4)
			memcpy(&local, mnl_attr_get_payload(a), 4);
		else if (mnl_attr_get_type(a) == IFA_PROTO && mnl_attr_get_payload_len(a) >= 1)
			proto = *(const __u8 *)mnl_attr_get_payload(a);
	}
	if (proto == l->proto && local && l->n < ADDR4_MAX)
		l->out[l->n++] = local;
	return MNL_CB_OK;
}

static int addr4_req(__u16 type, __u16 flags, int ifindex, __be32 addr, __u8 proto)
{
	struct nl_req req;
	struct ifaddrmsg *ifa = nl_req_start(&req, type, flags, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (__u32)ifindex;
	mnl_attr_put(&req.nh, IFA_LOCAL, 4, &addr);
	mnl_attr_put(&req.nh, IFA_ADDRESS, 4, &addr);
	if (type == RTM_NEWADDR)
		mnl_attr_put_u8(&req.nh, IFA_PROTO, proto);
	return nl_talk(&req, NULL, NULL);
}

int nl_addr4_sync(int ifindex, __be32 want, __u8 proto, bool *changed)
{
	struct nl_req req;
	struct ifaddrmsg *ifa = nl_req_start(&req, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	static struct addr4_list l;
	bool have = false;
	int ret;

	memset(&l, 0, sizeof(l));
	l.ifindex = ifindex;
	l.proto = proto;
	ifa->ifa_family = AF_INET;
	ret = nl_talk(&req, addr4_cb, &l);
	if (ret < 0)
		return ret;
	for (int i = 0; i < l.n; i++) {
		if (want && l.out[i] == want) {
			have = true;
			continue;
		}
		ret = addr4_req(RTM_DELADDR, 0, ifindex, l.out[i], proto);
		if (ret && ret != -EADDRNOTAVAIL)
			return ret;
		if (changed)
			*changed = true;
	}
	if (!want || have)
		return 0;
	ret = addr4_req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, want, proto);
	if (!ret && changed)
		*changed = true;
	return ret;
}
