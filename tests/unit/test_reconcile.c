// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_reconcile.c - what `mapce run` decides, as pure functions
 * (user/ce/reconcile.c, run_event.c, run_log.c), host only, no root:
 *
 *   which config fields changed and what kind of change that is (a new
 *   address or port set cuts NAT state; timeouts, filtering... are in
 *   place); which NAT entries fit a config; which kernel events are news;
 *   the log line of a pass (a new prefix with what it dropped and kept, a
 *   reload, a repair after a link flap, nothing at all).
 *
 * The configs are the lab's (tests/lab/lib/lab.sh): the rule 2001:db8::/40
 * -> 198.51.100.0/24, 16 EA bits, offset 4; 2001:db8:12:3400::/56 gives
 * 198.51.100.18 PSID 0x34 (52), 2001:db8:56:5600::/56 198.51.100.86 PSID
 * 0x56 (86).  With offset 4 and 8 PSID bits the set of PSID 52 is the 15
 * ranges 0x1340-0x134f ... 0xf340-0xf34f.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "harness.h"
#include "ce/reconcile.h"
#include "ce/run_event.h"
#include "core/policy.h"

static struct mapce_config cfg_at(const char *ipv4, __u16 psid, const char *ce_ipv6)
{
	struct mapce_config c = {
		.psid = psid,
		.psid_len = 8,
		.psid_offset = 4,
		.port_count = 240,
		.flags = MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID,
		.hop_limit = 64,
		.mtu = 1460,
		.timeout_udp = 300,
		.timeout_tcp_est = 7440,
		.timeout_tcp_trans = 240,
		.timeout_icmp = 60,
		.gc_interval_ms = 1000,
		.wan_ifindex = 3,
		.mss_clamp = 1420,
		.filtering = MAPCE_FILTER_ADF,
	};

	inet_pton(AF_INET, ipv4, &c.ipv4);
	inet_pton(AF_INET6, ce_ipv6, c.ce_ipv6);
	inet_pton(AF_INET6, "2001:db8:ffff::64", c.br_ipv6);
	return c;
}

static struct mapce_config lab_old(void)
{
	return cfg_at("198.51.100.18", 52, "2001:db8:12:3400:c6:3364:1200:3400");
}

static struct mapce_config lab_new(void)
{
	return cfg_at("198.51.100.86", 86, "2001:db8:56:5600:c6:3364:5600:5600");
}

static __be32 ip4(const char *s)
{
	__be32 a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void test_diff_kinds(void)
{
	struct mapce_config o = lab_old(), n;

	TCASE_BEGIN("reconcile: what kind of change each config field is");
	n = o;
	CHECK_EQ(ce_config_diff(&o, &n), 0);
	n = lab_new();
	CHECK_EQ(ce_config_diff(&o, &n), CE_CH_NAT | CE_CH_ADDRESS);
	/* the same address, another PSID length: still the port set */
	n = o;
	n.psid_len = 6;
	CHECK_EQ(ce_config_diff(&o, &n), CE_CH_NAT);
	n = o;
	n.psid_offset = 6;
	CHECK_EQ(ce_config_diff(&o, &n), CE_CH_NAT);
	/* a MAP address alone (legacy-iid toggled): the NAT state fits */
	n = o;
	n.ce_ipv6[15] ^= 1;
	n.flags &= (__u8)~MAPCE_CFG_F_LEGACY_IID;
	CHECK_EQ(ce_config_diff(&o, &n), CE_CH_ADDRESS | CE_CH_TUNE);
	/* in place: every binding kept */
	n = o;
	n.filtering = MAPCE_FILTER_EIF;
	n.timeout_udp = 120;
	n.max_per_host = 10;
	n.mtu = 1400;
	n.mss_clamp = 0;
	n.hop_limit = 32;
	CHECK_EQ(ce_config_diff(&o, &n), CE_CH_TUNE);
	n = o;
	n.br_ipv6[15] = 0x65;
	CHECK_EQ(ce_config_diff(&o, &n), CE_CH_BR);
	n = o;
	n.wan_ifindex = 9;
	CHECK_EQ(ce_config_diff(&o, &n), CE_CH_IFINDEX);
	TCASE_END();
}

static void test_diff_text(void)
{
	struct mapce_config o = lab_old(), n = lab_new();
	char buf[1024];

	TCASE_BEGIN("reconcile: the changed fields as 'name old -> new'");
	CHECK(ce_config_diff_text(&o, &n, true, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "ipv4 198.51.100.18 -> 198.51.100.86, psid 52 -> 86, MAP address "
		       "2001:db8:12:3400:c6:3364:1200:3400 -> 2001:db8:56:5600:c6:3364:5600:5600");
	/* without the NAT fields: nothing else changed */
	CHECK_EQ(ce_config_diff_text(&o, &n, false, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
	n = o;
	n.filtering = MAPCE_FILTER_EIF;
	n.timeout_udp = 120;
	n.mss_clamp = 0;
	n.flags |= MAPCE_CFG_F_MESH;
	ce_config_diff_text(&o, &n, true, buf, sizeof(buf));
	CHECK_STR(buf, "mss clamp 1420 -> off, filtering adf -> eif, timeout udp 300 -> 120, mesh "
		       "off -> on");
	/* a short buffer is cut, never overrun */
	CHECK(ce_config_diff_text(&o, &n, true, buf, 12) == 11);
	CHECK_STR(buf, "mss clamp 1");
	TCASE_END();
}

static void test_fits(void)
{
	struct mapce_config o = lab_old(), whole = lab_old();

	TCASE_BEGIN("reconcile: an outside endpoint fits the address and the port set");
	CHECK(ce_outside_fits(&o, ip4("198.51.100.18"), htons(0x1340)));
	CHECK(ce_outside_fits(&o, ip4("198.51.100.18"), htons(0xf34f)));
	CHECK(ce_outside_fits(&o, ip4("198.51.100.18"), htons(0x7345)));
	/* another PSID's port, a port of range 0 (A = 0), the old address */
	CHECK(!ce_outside_fits(&o, ip4("198.51.100.18"), htons(0x1350)));
	CHECK(!ce_outside_fits(&o, ip4("198.51.100.18"), htons(0x0340)));
	CHECK(!ce_outside_fits(&o, ip4("198.51.100.86"), htons(0x1340)));
	/* the new prefix's: its own set only */
	o = lab_new();
	CHECK(ce_outside_fits(&o, ip4("198.51.100.86"), htons(0x1560)));
	CHECK(!ce_outside_fits(&o, ip4("198.51.100.86"), htons(0x1340)));
	/* a whole address (no PSID): every port but 0 */
	whole.psid_len = 0;
	whole.psid = 0;
	CHECK(ce_outside_fits(&whole, ip4("198.51.100.18"), htons(1)));
	CHECK(ce_outside_fits(&whole, ip4("198.51.100.18"), htons(65535)));
	CHECK(!ce_outside_fits(&whole, ip4("198.51.100.18"), htons(0)));
	TCASE_END();
}

static struct ce_watch watch(void)
{
	struct ce_watch w = { .wan = "wan0", .wan_ifindex = 3, .addr_ifindex = 3 };

	inet_pton(AF_INET6, "2001:db8:12:3400:c6:3364:1200:3400", w.map_addr);
	return w;
}

static struct nl_event link_ev(int ifindex, bool up, bool running, bool removed, const char *name)
{
	struct nl_event e = { .kind = NL_EV_LINK };

	e.link.ifindex = ifindex;
	e.link.up = up;
	e.link.running = running;
	e.link.removed = removed;
	snprintf(e.link.name, sizeof(e.link.name), "%s", name);
	return e;
}

static struct nl_event addr_ev(enum nl_event_kind k, int ifindex, const char *a, __u8 scope,
			       __u32 flags)
{
	struct nl_event e = { .kind = k };

	e.addr6.ifindex = ifindex;
	inet_pton(AF_INET6, a, e.addr6.a.addr);
	e.addr6.a.prefix_len = 64;
	e.addr6.a.scope = scope;
	e.addr6.a.flags = flags;
	return e;
}

static struct nl_event route_ev(enum nl_event_kind k, __u8 family, __u8 dst_len, int oif,
				__u8 protocol, __u32 table)
{
	struct nl_event e = { .kind = k };

	e.route.family = family;
	e.route.dst_len = dst_len;
	e.route.oif = oif;
	e.route.protocol = protocol;
	e.route.table = table;
	return e;
}

static void test_events(void)
{
	struct ce_watch w = watch();
	struct nl_event e;

	TCASE_BEGIN("reconcile: which kernel events make run look again");
	e = link_ev(3, true, true, false, "wan0");
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_LINK_UP);
	e = link_ev(3, false, false, false, "wan0");
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_LINK_DOWN);
	e = link_ev(3, true, false, false, "wan0"); /* no carrier */
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_LINK_DOWN);
	e = link_ev(3, false, false, true, "wan0");
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_GONE);
	e = link_ev(5, true, true, false, "lan0"); /* another link */
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_IGNORE);
	e = link_ev(9, true, true, false, "wan0"); /* the WAN recreated */
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_CHECK);
	w.addr_ifindex = 5; /* prefix-from lan0 */
	e = link_ev(5, false, false, false, "lan0");
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_CHECK);

	e = addr_ev(NL_EV_ADDR6_NEW, 3, "2001:db8:56:5600::1", RT_SCOPE_UNIVERSE, 0);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_CHECK);
	e = addr_ev(NL_EV_ADDR6_NEW, 5, "2001:db8:56:5601::1", RT_SCOPE_UNIVERSE, 0);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_CHECK); /* on the prefix-from link */
	e = addr_ev(NL_EV_ADDR6_NEW, 6, "2001:db8:56:5601::1", RT_SCOPE_UNIVERSE, 0);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_IGNORE); /* elsewhere */
	e = addr_ev(NL_EV_ADDR6_NEW, 3, "2001:db8:56:5600::1", RT_SCOPE_UNIVERSE, IFA_F_TENTATIVE);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_IGNORE); /* DAD not done */
	e = addr_ev(NL_EV_ADDR6_NEW, 3, "fe80::1", RT_SCOPE_LINK, 0);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_IGNORE);
	/* our own MAP address: adding it is our echo, losing it is news */
	e = addr_ev(NL_EV_ADDR6_NEW, 3, "2001:db8:12:3400:c6:3364:1200:3400", RT_SCOPE_UNIVERSE,
		    IFA_F_NODAD);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_IGNORE);
	e.kind = NL_EV_ADDR6_DEL;
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_CHECK);
	e = addr_ev(NL_EV_ADDR6_DEL, 3, "2001:db8:12:3400::1", RT_SCOPE_UNIVERSE, IFA_F_DEPRECATED);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_CHECK);

	e = route_ev(NL_EV_ROUTE_NEW, AF_INET, 0, 3, RTPROT_MAPCE, RT_TABLE_MAIN);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_IGNORE); /* our echo */
	e.kind = NL_EV_ROUTE_DEL;
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_CHECK); /* taken away */
	e = route_ev(NL_EV_ROUTE_NEW, AF_INET6, 0, 3, RTPROT_RA, RT_TABLE_MAIN);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_CHECK); /* a new next hop? */
	e = route_ev(NL_EV_ROUTE_DEL, AF_INET6, 64, 3, RTPROT_KERNEL, RT_TABLE_MAIN);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_CHECK);
	e = route_ev(NL_EV_ROUTE_NEW, AF_INET6, 128, 3, RTPROT_KERNEL, RT_TABLE_LOCAL);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_IGNORE); /* mirrors an address */
	e = route_ev(NL_EV_ROUTE_NEW, AF_INET6, 64, 6, RTPROT_KERNEL, RT_TABLE_MAIN);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_IGNORE); /* another link's */
	e = route_ev(NL_EV_ROUTE_NEW, AF_INET, 24, 5, RTPROT_KERNEL, RT_TABLE_MAIN);
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_IGNORE);
	e = (struct nl_event){ .kind = NL_EV_OVERFLOW };
	CHECK_EQ(ce_event_verdict(&w, &e), CE_EV_CHECK);
	TCASE_END();
}

static struct ce_up_params params(const struct mapce_config *c, const char *prefix)
{
	struct ce_up_params p = { .cfg = *c, .prefix_len = 56 };

	inet_pton(AF_INET6, prefix, p.prefix);
	return p;
}

static void test_event_lines(void)
{
	struct mapce_config o = lab_old(), n = lab_new();
	struct ce_up_params before = params(&o, "2001:db8:12:3400::"),
			    now = params(&n, "2001:db8:56:5600::");
	struct ce_up_result res = { .mode = DEPLOY_RECONFIGURE, .old_cfg_valid = true };
	struct run_pass ps = { .before = &before, .now = &now, .res = &res, .config = "" };
	struct run_event ev;
	char line[2300];

	TCASE_BEGIN("run_event: one line per pass, the biggest change first");
	/* a new prefix: what it cut and kept; the new address is no repair */
	res.old_cfg = o;
	res.pruned = true;
	res.nat.bindings_dropped = 14;
	res.nat.bindings_kept = 3;
	res.missing = DEPLOY_MISS_ADDR;
	CHECK(run_event_describe(&ps, &ev));
	CHECK_STR(ev.event, "prefix");
	CHECK_STR(ev.msg,
		  "2001:db8:12:3400::/56 -> 2001:db8:56:5600::/56: ipv4 198.51.100.18 -> "
		  "198.51.100.86, psid 52 -> 86, MAP address "
		  "2001:db8:12:3400:c6:3364:1200:3400 -> 2001:db8:56:5600:c6:3364:5600:5600, "
		  "14 bindings dropped, 3 kept");
	CHECK(ev.nat && ev.counts && ev.bindings_dropped == 14 && ev.bindings_kept == 3);
	CHECK_EQ(ev.old.psid, 52);
	CHECK_EQ(ev.new.psid, 86);
	run_log_text("eth0", 1796320800, &ev, line, sizeof(line)); /* 2026-12-03T18:00:00Z */
	CHECK(!strncmp(line, "2026-12-03T18:00:00Z eth0 prefix 2001:db8:12:3400::/56 -> ", 58),
	      "%s", line);

	/* a reload that changed filtering and a timeout, and added a forward */
	memset(&res, 0, sizeof(res));
	res.mode = DEPLOY_RECONFIGURE;
	res.old_cfg_valid = true;
	res.old_cfg = o;
	res.forwards_added = 1;
	now = params(&o, "2001:db8:12:3400::");
	now.cfg.filtering = MAPCE_FILTER_EIF;
	now.cfg.timeout_udp = 200;
	ps.reload = true;
	ps.config = "/etc/mapce/eth0.conf";
	CHECK(run_event_describe(&ps, &ev));
	CHECK_STR(ev.event, "reload");
	CHECK_STR(ev.msg, "/etc/mapce/eth0.conf: filtering adf -> eif, timeout udp 300 -> 200, "
			  "port forwards +1 -0");
	CHECK(!ev.nat && !ev.counts);
	/* a reload that changed nothing is still said */
	memset(&res, 0, sizeof(res));
	res.mode = DEPLOY_COMPLETE;
	now = before;
	CHECK(run_event_describe(&ps, &ev));
	CHECK_STR(ev.msg, "/etc/mapce/eth0.conf: no change in the parameters");

	/* a link flap: what the kernel took, put back */
	ps.reload = false;
	ps.link_came_up = true;
	res.mode = DEPLOY_REPAIR;
	res.missing = DEPLOY_MISS_ADDR | DEPLOY_MISS_SIDE;
	CHECK(run_event_describe(&ps, &ev));
	CHECK_STR(ev.event, "repair");
	CHECK_STR(ev.msg, "link up: put back the MAP address, the IPv4 default route");

	/* a new next hop toward the BR */
	ps.link_came_up = false;
	memset(&res, 0, sizeof(res));
	res.mode = DEPLOY_REPAIR;
	res.route_changed = true;
	inet_pton(AF_INET6, "2001:db8:12:3400::ffff", res.old_gw);
	inet_pton(AF_INET6, "fe80::1", res.gw);
	CHECK(run_event_describe(&ps, &ev));
	CHECK_STR(ev.event, "route");
	CHECK_STR(ev.msg, "next hop 2001:db8:12:3400::ffff -> fe80::1");

	/* nothing: no line (the periodic check, an RA refreshing lifetimes) */
	memset(&res, 0, sizeof(res));
	res.mode = DEPLOY_COMPLETE;
	CHECK(!run_event_describe(&ps, &ev));

	/* the first pass: up, or the running CE taken over */
	ps.before = NULL;
	res.mode = DEPLOY_FRESH;
	CHECK(run_event_describe(&ps, &ev));
	CHECK_STR(ev.event, "start");
	CHECK_STR(ev.msg, "up: ipv4 198.51.100.18 psid 52 (240 ports), prefix "
			  "2001:db8:12:3400::/56, MAP address 2001:db8:12:3400:c6:3364:1200:3400");
	res.mode = DEPLOY_COMPLETE;
	CHECK(run_event_describe(&ps, &ev));
	CHECK(!strncmp(ev.msg, "took over the running CE: ipv4 198.51.100.18", 44), "%s", ev.msg);
	TCASE_END();
}

int main(void)
{
	test_diff_kinds();
	test_diff_text();
	test_fits();
	test_events();
	test_event_lines();
	return t_exit();
}
