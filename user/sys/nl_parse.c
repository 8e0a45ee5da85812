// SPDX-License-Identifier: GPL-2.0-only
/*
 * nl_parse.c - rtnetlink message parsers on libmnl (nl_parse.h).
 *
 * Each message type has a policy: the attributes we use and the libmnl
 * type (hence length) each must have.  One generic walk checks the
 * framing, validates every attribute the policy names and files it in a
 * table indexed by type; the parsers then read only from that table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "sys/nl_parse.h"

/* What an attribute type must look like; MNL_TYPE_UNSPEC (zero) means
 * "not used": skipped without a look.  len 0 takes libmnl's length for
 * the type (4 for U32, none for BINARY: the parser checks it). */
struct nl_policy {
	enum mnl_attr_data_type type;
	__u16 len;
};

struct attr_table {
	const struct nl_policy *policy;
	unsigned int max;	  /* highest type in policy */
	const struct nlattr **tb; /* max + 1 entries */
};

static int policy_cb(const struct nlattr *a, void *data)
{
	const struct attr_table *t = data;
	__u16 type = mnl_attr_get_type(a);
	const struct nl_policy *p;

	/* Newer than the policy (mnl_attr_type_valid fails) or not used. */
	if (mnl_attr_type_valid(a, (__u16)t->max) < 0 || t->policy[type].type == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	p = &t->policy[type];
	if ((p->len ? mnl_attr_validate2(a, p->type, p->len) : mnl_attr_validate(a, p->type)) < 0)
		return MNL_CB_ERROR;
	t->tb[type] = a;
	return MNL_CB_OK;
}

/*
 * Validate the attributes in [p, p + len) against policy into tb.  libmnl's
 * walk stops quietly at an attribute that overruns the buffer; we also
 * want to know, so first walk to the end and check that the attributes
 * tile the bytes exactly (the last one's padding may be cut off).
 */
static int parse_attrs(const void *p, size_t len, const struct nl_policy *policy, unsigned int max,
		       const struct nlattr **tb)
{
	struct attr_table t = { .policy = policy, .max = max, .tb = tb };
	const struct nlattr *attr;
	size_t tiled = 0;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each_payload(p, len) tiled =
		(size_t)((const char *)mnl_attr_next(attr) - (const char *)p);
	if (tiled < len)
		return -EBADMSG;
	if (mnl_attr_parse_payload(p, len, policy_cb, &t) < 0)
		return -EBADMSG;
	return 0;
}

/* The family header (hdrlen bytes) of nh, or NULL when nh is too short. */
static const void *msg_header(const struct nlmsghdr *nh, size_t hdrlen)
{
	if (nh->nlmsg_len < MNL_NLMSG_HDRLEN || mnl_nlmsg_get_payload_len(nh) < MNL_ALIGN(hdrlen))
		return NULL;
	return mnl_nlmsg_get_payload(nh);
}

/* The attributes after nh's family header (checked by msg_header) into tb. */
static int msg_attrs(const struct nlmsghdr *nh, size_t hdrlen, const struct nl_policy *policy,
		     unsigned int max, const struct nlattr **tb)
{
	return parse_attrs(mnl_nlmsg_get_payload_offset(nh, hdrlen),
			   mnl_nlmsg_get_payload_len(nh) - MNL_ALIGN(hdrlen), policy, max, tb);
}

static void copy_u32(__u32 *dst, const struct nlattr *a)
{
	if (a)
		*dst = mnl_attr_get_u32(a);
}

size_t nl_batch_framed(const void *buf, size_t len)
{
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nh = (const void *)((const char *)buf + off);

		if (nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > len - off)
			break;
		off += NLMSG_ALIGN(nh->nlmsg_len);
		if (off >= len) /* the last message, its padding maybe cut */
			return len;
	}
	return off;
}

/* ---- links ---------------------------------------------------------- */

static const struct nl_policy link_policy[IFLA_MAX + 1] = {
	[IFLA_MTU] = { MNL_TYPE_U32 },
	[IFLA_IFNAME] = { MNL_TYPE_NUL_STRING },
};

int nl_parse_link(const struct nlmsghdr *nh, struct nl_link_info *out)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi = msg_header(nh, sizeof(*ifi));

	memset(out, 0, sizeof(*out));
	if (!ifi || msg_attrs(nh, sizeof(*ifi), link_policy, IFLA_MAX, tb))
		return -EBADMSG;
	/* NUL-terminated (validated), so the length bounds the copy. */
	if (tb[IFLA_IFNAME] && mnl_attr_get_payload_len(tb[IFLA_IFNAME]) > sizeof(out->name))
		return -EBADMSG;
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	out->up = ifi->ifi_flags & IFF_UP;
	out->running = ifi->ifi_flags & IFF_RUNNING;
	out->removed = nh->nlmsg_type == RTM_DELLINK;
	copy_u32(&out->mtu, tb[IFLA_MTU]);
	if (tb[IFLA_IFNAME])
		strcpy(out->name, mnl_attr_get_str(tb[IFLA_IFNAME]));
	return 0;
}

/* ---- IPv6 addresses ------------------------------------------------- */

static const struct nl_policy addr6_policy[IFA_MAX + 1] = {
	[IFA_ADDRESS] = { MNL_TYPE_BINARY, 16 },
	[IFA_LOCAL] = { MNL_TYPE_BINARY, 16 },
	[IFA_FLAGS] = { MNL_TYPE_U32 },
	[IFA_CACHEINFO] = { MNL_TYPE_BINARY, sizeof(struct ifa_cacheinfo) },
};

int nl_parse_addr6(const struct nlmsghdr *nh, struct nl_addr6_info *out)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa = msg_header(nh, sizeof(*ifa));
	const struct nlattr *addr;

	memset(out, 0, sizeof(*out));
	if (!ifa)
		return -EBADMSG;
	/* The family decides the attributes' lengths: check it first. */
	if (ifa->ifa_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (ifa->ifa_prefixlen > 128 || msg_attrs(nh, sizeof(*ifa), addr6_policy, IFA_MAX, tb))
		return -EBADMSG;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on a
	 * point-to-point link and the same address otherwise. */
	addr = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!addr)
		return -EBADMSG;
	out->ifindex = (int)ifa->ifa_index;
	memcpy(out->a.addr, mnl_attr_get_payload(addr), 16);
	out->a.prefix_len = ifa->ifa_prefixlen;
	out->a.scope = ifa->ifa_scope;
	out->a.flags = ifa->ifa_flags; /* only 8 bits: IFA_FLAGS has all */
	copy_u32(&out->a.flags, tb[IFA_FLAGS]);
	out->preferred_lft = out->valid_lft = NL_LIFETIME_FOREVER;
	if (tb[IFA_CACHEINFO]) {
		struct ifa_cacheinfo ci;

		memcpy(&ci, mnl_attr_get_payload(tb[IFA_CACHEINFO]), sizeof(ci));
		out->preferred_lft = ci.ifa_prefered;
		out->valid_lft = ci.ifa_valid;
	}
	return 0;
}

/* ---- routes --------------------------------------------------------- */

static const struct nl_policy route_policy[RTA_MAX + 1] = {
	[RTA_DST] = { MNL_TYPE_BINARY },     /* length checked by family */
	[RTA_GATEWAY] = { MNL_TYPE_BINARY }, /* likewise */
	[RTA_VIA] = { MNL_TYPE_BINARY },     /* family + address */
	[RTA_OIF] = { MNL_TYPE_U32 },	     [RTA_PRIORITY] = { MNL_TYPE_U32 },
	[RTA_TABLE] = { MNL_TYPE_U32 },	     [RTA_METRICS] = { MNL_TYPE_NESTED },
	[RTA_PREFSRC] = { MNL_TYPE_BINARY }, /* length checked by family */
};

static const struct nl_policy metrics_policy[RTAX_MAX + 1] = {
	[RTAX_MTU] = { MNL_TYPE_U32 },
};

static size_t addr_len(unsigned int family)
{
	return family == AF_INET ? 4 : 16;
}

/* An address attribute of exactly the family's length into dst. */
static int copy_addr(__u8 *dst, const struct nlattr *a, unsigned int family)
{
	if (mnl_attr_get_payload_len(a) != addr_len(family))
		return -EBADMSG;
	memcpy(dst, mnl_attr_get_payload(a), addr_len(family));
	return 0;
}

/* RTA_VIA: a struct rtvia, family then address (an IPv4 route via an
 * IPv6 next hop).  Families other than inet/inet6 (MPLS...) are not ours. */
static int parse_via(const struct nlattr *a, struct nl_route *r)
{
	const __u8 *p = mnl_attr_get_payload(a);
	__kernel_sa_family_t fam;

	if (mnl_attr_get_payload_len(a) < sizeof(fam))
		return -EBADMSG;
	memcpy(&fam, p, sizeof(fam));
	if (fam != AF_INET && fam != AF_INET6)
		return 0;
	if (mnl_attr_get_payload_len(a) != sizeof(fam) + addr_len(fam))
		return -EBADMSG;
	r->gw_family = (__u8)fam;
	memcpy(r->gw, p + sizeof(fam), addr_len(fam));
	return 0;
}

int nl_parse_route(const struct nlmsghdr *nh, struct nl_route *out, unsigned int *rtm_flags)
{
	const struct nlattr *tb[RTA_MAX + 1], *mx[RTAX_MAX + 1];
	const struct rtmsg *rtm = msg_header(nh, sizeof(*rtm));
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!rtm)
		return -EBADMSG;
	/* The family decides the addresses' lengths: check it first. */
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (rtm->rtm_dst_len > addr_len(rtm->rtm_family) * 8 ||
	    msg_attrs(nh, sizeof(*rtm), route_policy, RTA_MAX, tb))
		return -EBADMSG;
	out->family = rtm->rtm_family;
	out->dst_len = rtm->rtm_dst_len;
	out->protocol = rtm->rtm_protocol;
	out->type = rtm->rtm_type;
	out->scope = rtm->rtm_scope;
	out->table = rtm->rtm_table; /* 8 bits: RTA_TABLE has ids above 255 */
	if (rtm_flags)
		*rtm_flags = rtm->rtm_flags;
	if (tb[RTA_DST])
		ret = copy_addr(out->dst, tb[RTA_DST], out->family);
	if (!ret && tb[RTA_GATEWAY]) {
		ret = copy_addr(out->gw, tb[RTA_GATEWAY], out->family);
		out->gw_family = out->family;
	}
	if (!ret && tb[RTA_VIA])
		ret = parse_via(tb[RTA_VIA], out);
	if (!ret && tb[RTA_METRICS]) {
		ret = parse_attrs(mnl_attr_get_payload(tb[RTA_METRICS]),
				  mnl_attr_get_payload_len(tb[RTA_METRICS]), metrics_policy,
				  RTAX_MAX, mx);
		if (!ret)
			copy_u32(&out->mtu, mx[RTAX_MTU]);
	}
	if (ret) {
		memset(out, 0, sizeof(*out));
		return ret;
	}
	if (tb[RTA_OIF])
		out->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	copy_u32(&out->priority, tb[RTA_PRIORITY]);
	copy_u32(&out->table, tb[RTA_TABLE]);
	if (out->family == AF_INET && tb[RTA_PREFSRC] &&
	    mnl_attr_get_payload_len(tb[RTA_PREFSRC]) == 4)
		memcpy(&out->prefsrc, mnl_attr_get_payload(tb[RTA_PREFSRC]), 4);
	return 0;
}

/* ---- extended ack --------------------------------------------------- */

static const struct nl_policy extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = { MNL_TYPE_NUL_STRING },
};

int nl_parse_extack(const struct nlmsghdr *nh, char *buf, size_t len)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t payload, off;

	if (len)
		buf[0] = '\0';
	if (!msg_header(nh, 0))
		return -EBADMSG;
	payload = mnl_nlmsg_get_payload_len(nh);
	if (nh->nlmsg_type == NLMSG_DONE) {
		off = sizeof(int); /* the dump's error code */
	} else {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nh);

		if (payload < sizeof(*e))
			return -EBADMSG;
		/* The request is echoed whole unless NETLINK_CAP_ACK capped it
		 * to its header, which struct nlmsgerr already holds. */
		off = sizeof(*e);
		if (!(nh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < MNL_NLMSG_HDRLEN)
				return -EBADMSG;
			off += e->msg.nlmsg_len - MNL_NLMSG_HDRLEN;
		}
	}
	off = MNL_ALIGN(off);
	if (payload < off)
		return -EBADMSG;
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0; /* no attributes: an old kernel or no message */
	if (parse_attrs((const char *)mnl_nlmsg_get_payload(nh) + off, payload - off, extack_policy,
			NLMSGERR_ATTR_MAX, tb))
		return -EBADMSG;
	if (tb[NLMSGERR_ATTR_MSG] && len) {
		snprintf(buf, len, "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
		/* drop the trailing newline some messages carry */
		buf[strcspn(buf, "\n")] = '\0';
	}
	return 0;
}
