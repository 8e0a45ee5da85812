// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_nl_parse.c - the rtnetlink parsers (user/sys/nl_parse.h) on
 * messages built by hand: what a kernel sends (with attributes we don't
 * use, and ones newer than our headers), and malformed ones a buggy or
 * hostile sender could produce: truncated and zero-length attributes,
 * wrong payload lengths, trailing bytes, short family headers.  A
 * malformed message must be refused whole (-EBADMSG) and nothing of it
 * handed out.  No root, no sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "harness.h"
#include "sys/nl_parse.h"
#include "test_nl_msg.h"

#define ATTR_FROM_THE_FUTURE 0x3ff /* above every *_MAX we compile with */

static const __u8 zero16[16];

static void in6(const char *s, __u8 out[16])
{
	inet_pton(AF_INET6, s, out);
}

/* ---- links ---------------------------------------------------------- */

static struct ifinfomsg *link_msg(struct tmsg *m, __u16 type)
{
	struct ifinfomsg *ifi = tmsg_start(m, type, sizeof(*ifi));

	ifi->ifi_index = 7;
	ifi->ifi_flags = IFF_UP | IFF_RUNNING | IFF_MULTICAST;
	return ifi;
}

static void test_link(void)
{
	static const __u8 mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct nl_link_info l;
	struct tmsg m;

	TCASE_BEGIN("nl_parse_link: index, flags, MTU, name; unused, unknown attributes skipped");
	link_msg(&m, RTM_NEWLINK);
	tmsg_put(&m, IFLA_ADDRESS, mac, sizeof(mac));
	tmsg_put_u32(&m, IFLA_MTU, 1500);
	tmsg_put_str(&m, IFLA_IFNAME, "wan0");
	tmsg_put(&m, ATTR_FROM_THE_FUTURE, "xyz", 3);
	CHECK_EQ(nl_parse_link(&m.nh, &l), 0);
	CHECK_EQ(l.ifindex, 7);
	CHECK(l.up && l.running && !l.removed);
	CHECK_EQ(l.flags, IFF_UP | IFF_RUNNING | IFF_MULTICAST);
	CHECK_EQ(l.mtu, 1500);
	CHECK_STR(l.name, "wan0");
	TCASE_END();

	TCASE_BEGIN("nl_parse_link: RTM_DELLINK is removed; no attributes is no MTU, no name");
	link_msg(&m, RTM_DELLINK)->ifi_flags = 0;
	CHECK_EQ(nl_parse_link(&m.nh, &l), 0);
	CHECK(l.removed && !l.up && !l.running);
	CHECK_EQ(l.mtu, 0);
	CHECK_STR(l.name, "");
	TCASE_END();

	TCASE_BEGIN("nl_parse_link: refuses a short ifinfomsg, a bad IFLA_MTU or IFLA_IFNAME");
	tmsg_start(&m, RTM_NEWLINK, 8);
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	link_msg(&m, RTM_NEWLINK);
	tmsg_put(&m, IFLA_MTU, "\x05\xdc", 2);
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	link_msg(&m, RTM_NEWLINK);
	tmsg_put(&m, IFLA_MTU, "\0\0\0\0\0\0\0\0", 8);
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	link_msg(&m, RTM_NEWLINK);
	tmsg_put(&m, IFLA_IFNAME, "wan0", 4); /* no NUL */
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	link_msg(&m, RTM_NEWLINK);
	tmsg_put(&m, IFLA_IFNAME, NULL, 0); /* empty */
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	link_msg(&m, RTM_NEWLINK);
	tmsg_put_u32(&m, IFLA_MTU, 1500);
	tmsg_put_str(&m, IFLA_IFNAME, "a-name-longer-than-ifnamsiz");
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	CHECK(l.ifindex == 0 && l.mtu == 0 && !l.name[0]); /* nothing handed out */
	TCASE_END();
}

/* ---- attribute framing (the same walk serves every parser) ---------- */

static void test_framing(void)
{
	struct nl_link_info l;
	struct nlattr *a;
	struct tmsg m;

	TCASE_BEGIN("framing: an attribute running past the message is refused, nothing read");
	link_msg(&m, RTM_NEWLINK);
	tmsg_put_u32(&m, IFLA_MTU, 1500);
	a = tmsg_put(&m, IFLA_IFNAME, "wan0", 5);
	a->nla_len += 64; /* claims bytes the message doesn't have */
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	CHECK_EQ(l.mtu, 0);
	CHECK_EQ(l.ifindex, 0);
	/* the message cut inside the attribute's payload */
	link_msg(&m, RTM_NEWLINK);
	tmsg_put_u32(&m, IFLA_MTU, 1500);
	m.nh.nlmsg_len -= 2;
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	/* ... and inside its header */
	link_msg(&m, RTM_NEWLINK);
	tmsg_put_u32(&m, IFLA_MTU, 1500);
	m.nh.nlmsg_len -= 6;
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	TCASE_END();

	TCASE_BEGIN("framing: zero and sub-header attribute lengths, trailing bytes are refused");
	link_msg(&m, RTM_NEWLINK);
	tmsg_put_u32(&m, IFLA_MTU, 1500);
	a = tmsg_put(&m, IFLA_TXQLEN, NULL, 4);
	a->nla_len = 0; /* would loop forever in a naive walk */
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	a->nla_len = 2;
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	link_msg(&m, RTM_NEWLINK);
	tmsg_put_u32(&m, IFLA_MTU, 1500);
	m.nh.nlmsg_len += 4; /* 4 zero bytes: a header of length 0 */
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	link_msg(&m, RTM_NEWLINK);
	tmsg_put_u32(&m, IFLA_MTU, 1500);
	m.nh.nlmsg_len += 2; /* too few for any attribute */
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	TCASE_END();

	TCASE_BEGIN("framing: a last attribute without its padding is fine; a short nlmsg_len not");
	link_msg(&m, RTM_NEWLINK);
	tmsg_put_str(&m, IFLA_IFNAME, "eth1"); /* 5 bytes + 3 padding */
	m.nh.nlmsg_len -= 3;
	CHECK_EQ(nl_parse_link(&m.nh, &l), 0);
	CHECK_STR(l.name, "eth1");
	m.nh.nlmsg_len = 8;
	CHECK_EQ(nl_parse_link(&m.nh, &l), -EBADMSG);
	TCASE_END();
}

/* ---- IPv6 addresses ------------------------------------------------- */

static struct ifaddrmsg *addr_msg(struct tmsg *m, __u8 family)
{
	struct ifaddrmsg *ifa = tmsg_start(m, RTM_NEWADDR, sizeof(*ifa));

	ifa->ifa_family = family;
	ifa->ifa_prefixlen = 64;
	ifa->ifa_flags = IFA_F_PERMANENT;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = 3;
	return ifa;
}

static void test_addr6(void)
{
	struct ifa_cacheinfo ci = { .ifa_prefered = 1800, .ifa_valid = 7200 };
	__u8 a1[16], a2[16];
	struct nl_addr6_info info;
	struct tmsg m;

	in6("2001:db8:12:3400::1", a1);
	in6("2001:db8::99", a2);

	TCASE_BEGIN("nl_parse_addr6: IFA_LOCAL wins over IFA_ADDRESS, IFA_FLAGS over ifa_flags");
	addr_msg(&m, AF_INET6);
	tmsg_put(&m, IFA_ADDRESS, a2, 16);
	tmsg_put(&m, IFA_LOCAL, a1, 16);
	tmsg_put_u32(&m, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
	tmsg_put(&m, IFA_CACHEINFO, &ci, sizeof(ci));
	tmsg_put(&m, ATTR_FROM_THE_FUTURE, NULL, 12);
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), 0);
	CHECK_EQ(info.ifindex, 3);
	CHECK(!memcmp(info.a.addr, a1, 16));
	CHECK_EQ(info.a.prefix_len, 64);
	CHECK_EQ(info.a.scope, RT_SCOPE_UNIVERSE);
	CHECK_EQ(info.a.flags, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
	CHECK_EQ(info.preferred_lft, 1800);
	CHECK_EQ(info.valid_lft, 7200);
	TCASE_END();

	TCASE_BEGIN("nl_parse_addr6: IFA_ADDRESS alone; no IFA_FLAGS, no IFA_CACHEINFO");
	addr_msg(&m, AF_INET6);
	tmsg_put(&m, IFA_ADDRESS, a2, 16);
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), 0);
	CHECK(!memcmp(info.a.addr, a2, 16));
	CHECK_EQ(info.a.flags, IFA_F_PERMANENT);
	CHECK_EQ(info.preferred_lft, NL_LIFETIME_FOREVER);
	CHECK_EQ(info.valid_lft, NL_LIFETIME_FOREVER);
	TCASE_END();

	TCASE_BEGIN("nl_parse_addr6: an IPv4 address is not ours (its 4-byte IFA_ADDRESS is fine)");
	addr_msg(&m, AF_INET)->ifa_prefixlen = 24;
	tmsg_put(&m, IFA_ADDRESS, "\xc0\x00\x02\x01", 4);
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), -EAFNOSUPPORT);
	TCASE_END();

	TCASE_BEGIN("nl_parse_addr6: refuses bad lengths, no address, a /129, a short header");
	addr_msg(&m, AF_INET6);
	tmsg_put(&m, IFA_ADDRESS, a1, 4);
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), -EBADMSG);
	addr_msg(&m, AF_INET6);
	tmsg_put(&m, IFA_ADDRESS, a1, 16);
	tmsg_put(&m, IFA_LOCAL, a1, 17);
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), -EBADMSG);
	addr_msg(&m, AF_INET6);
	tmsg_put(&m, IFA_CACHEINFO, &ci, 8);
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), -EBADMSG);
	addr_msg(&m, AF_INET6);
	tmsg_put(&m, IFA_ADDRESS, a1, 16);
	tmsg_put(&m, IFA_FLAGS, "\x80", 1);
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), -EBADMSG);
	addr_msg(&m, AF_INET6);
	tmsg_put_u32(&m, IFA_FLAGS, 0);
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), -EBADMSG); /* no address at all */
	addr_msg(&m, AF_INET6)->ifa_prefixlen = 129;
	tmsg_put(&m, IFA_ADDRESS, a1, 16);
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), -EBADMSG);
	tmsg_start(&m, RTM_NEWADDR, 4);
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), -EBADMSG);
	/* a truncated IFA_LOCAL: 16 bytes claimed, 10 there */
	addr_msg(&m, AF_INET6);
	tmsg_put(&m, IFA_LOCAL, a1, 16);
	m.nh.nlmsg_len -= 6;
	CHECK_EQ(nl_parse_addr6(&m.nh, &info), -EBADMSG);
	CHECK(!memcmp(info.a.addr, zero16, 16));
	TCASE_END();
}

/* ---- routes --------------------------------------------------------- */

static struct rtmsg *route_msg(struct tmsg *m, __u8 family, __u8 dst_len)
{
	struct rtmsg *rtm = tmsg_start(m, RTM_NEWROUTE, sizeof(*rtm));

	rtm->rtm_family = family;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = 0x4d;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	return rtm;
}

/* RTA_VIA's payload: family, then as many address bytes as alen. */
static void put_via(struct tmsg *m, __u16 family, const __u8 *addr, size_t alen)
{
	__u8 via[2 + 16];

	memcpy(via, &family, 2);
	memcpy(via + 2, addr, alen);
	tmsg_put(m, RTA_VIA, via, 2 + alen);
}

static void test_route(void)
{
	__u8 gw6[16], dst6[16];
	struct nl_route r;
	struct nlattr *mx;
	unsigned int flags;
	struct tmsg m;
	char s[160];

	in6("2001:db8::1", gw6);
	in6("2001:db8:ff::", dst6);

	TCASE_BEGIN("nl_parse_route: IPv4 via inet6 (RTA_VIA), oif, metric, table, metrics MTU");
	route_msg(&m, AF_INET, 24);
	tmsg_put_u32(&m, RTA_TABLE, RT_TABLE_MAIN);
	tmsg_put(&m, RTA_DST, "\xc0\x00\x02\x00", 4);
	put_via(&m, AF_INET6, gw6, 16);
	tmsg_put_u32(&m, RTA_OIF, 3);
	tmsg_put_u32(&m, RTA_PRIORITY, 100);
	mx = tmsg_put(&m, RTA_METRICS, NULL, 0);
	tmsg_put_u32(&m, RTAX_HOPLIMIT, 64); /* a metric we don't use */
	tmsg_put_u32(&m, RTAX_MTU, 1460);
	tmsg_nest_end(&m, mx);
	tmsg_put(&m, RTA_MULTIPATH, NULL, 8); /* not ours: skipped */
	tmsg_put(&m, ATTR_FROM_THE_FUTURE, NULL, 1);
	CHECK_EQ(nl_parse_route(&m.nh, &r, &flags), 0);
	CHECK_EQ(r.family, AF_INET);
	CHECK_EQ(r.gw_family, AF_INET6);
	CHECK(!memcmp(r.gw, gw6, 16));
	CHECK_EQ(r.oif, 3);
	CHECK_EQ(flags, 0);
	r.oif = 0; /* nl_route_str would look the index up on this host */
	CHECK_STR(nl_route_str(&r, s, sizeof(s)),
		  "192.0.2.0/24 via inet6 2001:db8::1 proto 0x4d metric 100 mtu 1460");
	TCASE_END();

	TCASE_BEGIN("nl_parse_route: IPv6 via RTA_GATEWAY in a table above 255; default; flags");
	route_msg(&m, AF_INET6, 48)->rtm_table = RT_TABLE_UNSPEC;
	tmsg_put_u32(&m, RTA_TABLE, 1000);
	tmsg_put(&m, RTA_DST, dst6, 16);
	tmsg_put(&m, RTA_GATEWAY, gw6, 16);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), 0);
	CHECK_EQ(r.table, 1000);
	CHECK(!memcmp(r.dst, dst6, 16) && r.dst_len == 48);
	CHECK_EQ(r.gw_family, AF_INET6);
	CHECK(!memcmp(r.gw, gw6, 16));
	route_msg(&m, AF_INET6, 0)->rtm_flags = RTM_F_CLONED;
	CHECK_EQ(nl_parse_route(&m.nh, &r, &flags), 0);
	CHECK_EQ(flags, RTM_F_CLONED);
	CHECK_EQ(r.table, RT_TABLE_MAIN);
	CHECK_STR(nl_route_str(&r, s, sizeof(s)), "default proto 0x4d");
	TCASE_END();

	TCASE_BEGIN("nl_parse_route: RTA_VIA of MPLS skipped; other route families not ours");
	route_msg(&m, AF_INET, 0);
	put_via(&m, 28 /* AF_MPLS */, (const __u8 *)"\0\0\x10\0", 4);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), 0);
	CHECK_EQ(r.gw_family, 0);
	route_msg(&m, 128 /* RTNL_FAMILY_IPMR */, 0);
	tmsg_put(&m, RTA_DST, "\xe0\0\0\1\0\0", 6);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EAFNOSUPPORT);
	TCASE_END();

	TCASE_BEGIN("nl_parse_route: refuses wrong address lengths, short RTA_VIA, bad u32s");
	route_msg(&m, AF_INET, 24);
	tmsg_put(&m, RTA_DST, dst6, 16);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	route_msg(&m, AF_INET6, 0);
	tmsg_put(&m, RTA_GATEWAY, gw6, 4);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	route_msg(&m, AF_INET, 0);
	tmsg_put(&m, RTA_VIA, "\x0a", 1);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	route_msg(&m, AF_INET, 0);
	put_via(&m, AF_INET6, gw6, 10);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	CHECK_EQ(r.gw_family, 0);
	route_msg(&m, AF_INET, 0);
	tmsg_put(&m, RTA_OIF, "\3\0", 2);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	route_msg(&m, AF_INET, 0);
	tmsg_put(&m, RTA_TABLE, "\0\0\0\0\0", 5);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	TCASE_END();

	TCASE_BEGIN("nl_parse_route: refuses bad metrics, dst_len over the family, a short rtmsg");
	route_msg(&m, AF_INET, 0);
	mx = tmsg_put(&m, RTA_METRICS, NULL, 0);
	tmsg_put(&m, RTAX_MTU, "\x05\xb4", 2);
	tmsg_nest_end(&m, mx);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	route_msg(&m, AF_INET, 0);
	mx = tmsg_put(&m, RTA_METRICS, NULL, 0);
	tmsg_put_u32(&m, RTAX_MTU, 1460);
	tmsg_nest_end(&m, mx);
	mx->nla_len -= 2; /* the nest cuts its MTU short */
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	CHECK_EQ(r.mtu, 0);
	route_msg(&m, AF_INET, 33);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	route_msg(&m, AF_INET6, 129);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	tmsg_start(&m, RTM_NEWROUTE, 8);
	CHECK_EQ(nl_parse_route(&m.nh, &r, NULL), -EBADMSG);
	TCASE_END();
}

/* ---- extended ack --------------------------------------------------- */

/* An NLMSG_ERROR for a request of req_payload bytes, echoed whole unless
 * capped. */
static struct nlmsgerr *error_msg(struct tmsg *m, int error, bool capped, size_t req_payload)
{
	size_t echo = capped ? 0 : NLMSG_ALIGN(req_payload);
	struct nlmsgerr *e = tmsg_start(m, NLMSG_ERROR, sizeof(*e) + echo);

	e->error = error;
	e->msg.nlmsg_len = NLMSG_LENGTH(req_payload);
	e->msg.nlmsg_type = RTM_NEWROUTE;
	m->nh.nlmsg_flags = (capped ? NLM_F_CAPPED : 0) | NLM_F_ACK_TLVS;
	return e;
}

static void test_extack(void)
{
	struct nlattr *a;
	struct tmsg m;
	char buf[64];
	int *done;

	TCASE_BEGIN("nl_parse_extack: the message of a capped and of a full echo, newline dropped");
	error_msg(&m, -EEXIST, true, sizeof(struct rtmsg) + 24);
	tmsg_put_str(&m, NLMSGERR_ATTR_MSG, "Route exists\n");
	tmsg_put_u32(&m, NLMSGERR_ATTR_OFFS, 28);
	CHECK_EQ(nl_parse_extack(&m.nh, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "Route exists");
	error_msg(&m, -EINVAL, false, sizeof(struct rtmsg) + 24);
	tmsg_put_str(&m, NLMSGERR_ATTR_MSG, "Invalid prefix for given prefix length");
	CHECK_EQ(nl_parse_extack(&m.nh, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "Invalid prefix for given prefix length");
	/* no NLM_F_ACK_TLVS: no attributes to look for */
	m.nh.nlmsg_flags = 0;
	CHECK_EQ(nl_parse_extack(&m.nh, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
	TCASE_END();

	TCASE_BEGIN("nl_parse_extack: the message of a failed dump's NLMSG_DONE");
	done = tmsg_start(&m, NLMSG_DONE, sizeof(int));
	*done = -EMSGSIZE;
	m.nh.nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	tmsg_put_str(&m, NLMSGERR_ATTR_MSG, "dump too big");
	CHECK_EQ(nl_parse_extack(&m.nh, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "dump too big");
	TCASE_END();

	TCASE_BEGIN("nl_parse_extack: refuses a long echo, a short nlmsgerr, an unterminated text");
	error_msg(&m, -EINVAL, false, 12)->msg.nlmsg_len = 4000;
	tmsg_put_str(&m, NLMSGERR_ATTR_MSG, "x");
	CHECK_EQ(nl_parse_extack(&m.nh, buf, sizeof(buf)), -EBADMSG);
	error_msg(&m, -EINVAL, false, 12)->msg.nlmsg_len = 3;
	CHECK_EQ(nl_parse_extack(&m.nh, buf, sizeof(buf)), -EBADMSG);
	tmsg_start(&m, NLMSG_ERROR, 8);
	CHECK_EQ(nl_parse_extack(&m.nh, buf, sizeof(buf)), -EBADMSG);
	error_msg(&m, -EINVAL, true, 12);
	tmsg_put(&m, NLMSGERR_ATTR_MSG, "no end", 6);
	CHECK_EQ(nl_parse_extack(&m.nh, buf, sizeof(buf)), -EBADMSG);
	CHECK_STR(buf, "");
	error_msg(&m, -EINVAL, true, 12);
	a = tmsg_put(&m, NLMSGERR_ATTR_MSG, "truncated", 10);
	a->nla_len += 8; /* claims bytes past the message */
	CHECK_EQ(nl_parse_extack(&m.nh, buf, sizeof(buf)), -EBADMSG);
	TCASE_END();
}

int main(void)
{
	test_link();
	test_framing();
	test_addr6();
	test_route();
	test_extack();
	return t_exit();
}
