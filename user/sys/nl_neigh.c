// SPDX-License-Identifier: GPL-2.0-only
/*
 * nl_neigh.c - permanent IPv6 neighbour entries (RTM_NEWNEIGH /
 * RTM_DELNEIGH / RTM_GETNEIGH over libmnl): the BR's on-link next hop
 * (netlink.h).
 */
#include <errno.h>
#include <string.h>
#include <linux/neighbour.h>

#include "sys/netlink.h"
#include "sys/nl_msg.h"

static struct ndmsg *neigh_req(struct nl_req *req, __u16 type, __u16 flags, int ifindex,
			       const __u8 ip[16])
{
	struct ndmsg *nd = nl_req_start(req, type, flags, sizeof(*nd));

	nd->ndm_family = AF_INET6;
	nd->ndm_ifindex = ifindex;
	mnl_attr_put(&req->nh, NDA_DST, 16, ip);
	return nd;
}

int nl_neigh6_set_permanent(int ifindex, const __u8 ip[16], const __u8 mac[6])
{
	struct nl_req req;
	struct ndmsg *nd = neigh_req(&req, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, ifindex, ip);

	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(&req.nh, NDA_LLADDR, 6, mac);
	return nl_talk(&req, NULL, NULL);
}

int nl_neigh6_del(int ifindex, const __u8 ip[16])
{
	struct nl_req req;

	neigh_req(&req, RTM_DELNEIGH, 0, ifindex, ip);
	return nl_talk(&req, NULL, NULL);
}

struct neigh_get {
	const __u8 *mac;
	bool match;
};

static int neigh_get_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nh);
	struct neigh_get *g = arg;
	const struct nlattr *a;

	if (nh->nlmsg_type != RTM_NEWNEIGH || nh->nlmsg_len < mnl_nlmsg_size(sizeof(*nd)))
		return MNL_CB_OK;
	if (!(nd->ndm_state & NUD_PERMANENT))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nh, sizeof(*nd))
	{
		if (mnl_attr_get_type(a) == NDA_LLADDR && mnl_attr_get_payload_len(a) == 6 &&
		    !memcmp(mnl_attr_get_payload(a), g->mac, 6))
			g->match = true;
	}
	return MNL_CB_OK;
}

int nl_neigh6_is_permanent(int ifindex, const __u8 ip[16], const __u8 mac[6])
{
	struct neigh_get g = { .mac = mac };
	struct nl_req req;
	int ret;

	neigh_req(&req, RTM_GETNEIGH, 0, ifindex, ip);
	ret = nl_talk(&req, neigh_get_cb, &g);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	return g.match;
}
