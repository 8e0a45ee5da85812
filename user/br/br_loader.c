// SPDX-License-Identifier: GPL-2.0-only
/*
 * br_loader.c - `mapce br up` and `mapce br down` on the CE-facing device:
 * the BR's spec and its own steps in sys/deploy.h's lifecycle.
 *
 *   tables    the rules and the rule LPM (IPv4 destination -> rule)
 *   address   the BR address /128 nodad on the device, unless it is there
 *   routes    per rule: IPv4 prefix via inet6 <next hop to the rule IPv6
 *             prefix>, mtu, proto RTPROT_MAPCE_BR; leftovers of ours for
 *             prefixes no rule has any more are deleted.  A rule prefix
 *             on the device's own link (no router): via the on-link next
 *             hop MAPCE_BR_ONLINK_GW and its permanent neighbour entry;
 *             the tc program finds each CE on the link
 *   programs  XDP ingress (decapsulation); tc egress (encapsulation)
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>

#include "mapce_br.skel.h"

#include "br/br_loader.h"
#include "core/addrfmt.h"
#include "core/output.h"
#include "sys/deploy.h"
#include "sys/pin.h"
#include "sys/rule_maps.h"
#include "sys/sysctl.h"

/* One run of br up: the shared part first, then the BR's own. */
struct br_run {
	struct deploy d;
	const struct br_up_params *p;
	__u8 gw[MAPCE_MAX_RULES][16]; /* each rule's IPv6 next hop */
	bool onlink[MAPCE_MAX_RULES]; /* ... is MAPCE_BR_ONLINK_GW: the CEs are on-link */
	bool neigh;		      /* its neighbour entry is in place */
};

static const __u8 onlink_gw[16] = MAPCE_BR_ONLINK_GW;
static const __u8 onlink_mac[6] = MAPCE_BR_ONLINK_MAC; /* mapce_abi.h */

static struct br_run *br_run(struct deploy *d)
{
	return (struct br_run *)((char *)d - offsetof(struct br_run, d));
}

/* The IPv6 next hop toward a rule's IPv6 prefix, which must leave via the
 * device: a router, or the on-link next hop when the prefix is on the
 * device's link (*onlink).  0, or -1 after pr_err(). */
static int next_hop(const struct br_up_params *p, const struct mapce_rule *r, __u8 gw[16],
		    bool *onlink)
{
	char a[IP6_STRLEN], s[256], dev[IF_NAMESIZE];
	struct nl_route rt;
	int ret;

	ret = nl_route_get(AF_INET6, r->ipv6_prefix, &rt);
	if (ret) {
		pr_err("no IPv6 route toward the rule IPv6 prefix %s/%u: %s",
		       ip6_str(r->ipv6_prefix, a), r->ipv6_prefix_len, nl_strerror(ret));
		return -1;
	}
	if (rt.oif != p->ifindex) {
		pr_err("the IPv6 route toward the rule IPv6 prefix %s/%u leaves via %s, not %s "
		       "(route: %s)",
		       ip6_str(r->ipv6_prefix, a), r->ipv6_prefix_len,
		       if_indextoname((unsigned int)rt.oif, dev) ? dev : "?", p->ifname,
		       nl_route_str(&rt, s, sizeof(s)));
		return -1;
	}
	*onlink = rt.gw_family != AF_INET6;
	memcpy(gw, *onlink ? onlink_gw : rt.gw, 16);
	return 0;
}

static void undo_neigh(struct deploy *d, const struct deploy_undo *u)
{
	(void)u;
	nl_neigh6_del(d->ifindex, onlink_gw);
}

/* The on-link next hop's neighbour entry, once per up.  0, or -1 after
 * pr_err(). */
static int onlink_neigh(struct br_run *r)
{
	struct deploy_undo u = { 0 };
	int ret, had;

	if (r->neigh)
		return 0;
	had = nl_neigh6_is_permanent(r->p->ifindex, onlink_gw, onlink_mac);
	ret = nl_neigh6_set_permanent(r->p->ifindex, onlink_gw, onlink_mac);
	if (ret) {
		pr_err("adding the neighbour entry of the on-link next hop fe80::6d61:7063:6272 "
		       "on %s: %s",
		       r->p->ifname, nl_strerror(ret));
		return -1;
	}
	r->neigh = true;
	return had == 1 ? 0 : deploy_undo_push(&r->d, undo_neigh, &u);
}

/* Is route the one of ours for rule (same prefix; mtu and next hop are
 * checked by the caller)? */
static bool is_rule_route(const struct nl_route *rt, const struct mapce_rule *rule)
{
	return rt->dst_len == rule->ipv4_prefix_len && !memcmp(rt->dst, &rule->ipv4_prefix, 4);
}

/* ---- already up ----------------------------------------------------------- */

/* Do the pinned rules and LPM equal the ones we would write? */
static bool br_tables_equal(struct deploy *d)
{
	const struct br_up_params *p = br_run(d)->p;
	int fd = pin_open(d->dir, "mapce_br_rules"), lfd = pin_open(d->dir, "mapce_br_lpm");
	bool same = fd >= 0 && lfd >= 0 && rule_array_equal(fd, p->rules, p->n_rules) &&
		    rule_lpm_equal(lfd, p->rules, p->n_rules);

	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
	return same;
}

/* Is every rule's route there, ours, via today's next hop, with our MTU?
 * NULL, or what is missing. */
static const char *br_missing(struct deploy *d)
{
	const struct br_up_params *p = br_run(d)->p;
	static char what[96];
	struct nl_route *have;
	const char *ret = NULL;
	int n = nl_route_list_all(AF_INET, 0, &have);

	for (int i = 0; i < p->n_rules && !ret; i++) {
		const struct mapce_rule *r = &p->rules[i];
		struct nl_route nh;
		bool found = false;
		char b[PFX4_STRLEN];

		if (nl_route_get(AF_INET6, r->ipv6_prefix, &nh) == 0 && nh.oif == d->ifindex) {
			bool onlink = nh.gw_family != AF_INET6;
			const __u8 *gw = onlink ? onlink_gw : nh.gw;

			for (int j = 0; j < n && !found; j++)
				found = have[j].protocol == RTPROT_MAPCE_BR &&
					have[j].oif == d->ifindex && is_rule_route(&have[j], r) &&
					have[j].gw_family == AF_INET6 &&
					!memcmp(have[j].gw, gw, 16) && have[j].mtu == p->cfg.mtu;
			if (found && onlink &&
			    nl_neigh6_is_permanent(d->ifindex, onlink_gw, onlink_mac) != 1) {
				snprintf(what, sizeof(what),
					 "the on-link next hop's neighbour entry");
				return what;
			}
		}
		if (!found) {
			snprintf(what, sizeof(what), "the route to %s (or its next hop changed)",
				 pfx4_str(r->ipv4_prefix, r->ipv4_prefix_len, b));
			ret = what;
		}
	}
	if (n >= 0)
		free(have);
	return ret;
}

/* ---- tables ----------------------------------------------------------------- */

static int br_write_tables(struct deploy *d)
{
	const struct br_up_params *p = br_run(d)->p;
	__u32 i;
	int ret;

	/* through deploy: a repair writes them without loading the object */
	ret = rule_array_write(deploy_map_fd(d, "mapce_br_rules"), p->rules, p->n_rules, &i);
	if (ret) {
		pr_err("writing rule %u to mapce_br_rules: %s", i + 1, deploy_strerror(ret));
		return -1;
	}
	/* Every rule: the LPM is how the BR finds a packet's rule. */
	ret = rule_lpm_write(deploy_map_fd(d, "mapce_br_lpm"), p->rules, p->n_rules, false, &i);
	if (ret) {
		pr_err("writing rule %u to mapce_br_lpm: %s", i + 1, deploy_strerror(ret));
		return -1;
	}
	return 0;
}

/* ---- routes ------------------------------------------------------------------ */

/* Leftovers of ours for prefixes no rule has any more. */
static void delete_stale_routes(struct br_run *r, const struct nl_route *all, int n)
{
	const struct br_up_params *p = r->p;
	char s[256];
	int ret;

	for (int j = 0; j < n; j++) {
		bool wanted = false;

		if (all[j].protocol != RTPROT_MAPCE_BR || all[j].oif != p->ifindex)
			continue;
		for (int i = 0; i < p->n_rules && !wanted; i++)
			wanted = is_rule_route(&all[j], &p->rules[i]);
		if (!wanted && (ret = nl_route_del(&all[j])))
			pr_warn("deleting the stale route '%s': %s",
				nl_route_str(&all[j], s, sizeof(s)), nl_strerror(ret));
	}
}

/* One rule's route: 0, or -1 after pr_err(). */
static int rule_route(struct br_run *r, int i, const struct nl_route *all, int n)
{
	const struct br_up_params *p = r->p;
	const struct mapce_rule *rule = &p->rules[i];
	char s[256], b[PFX4_STRLEN];
	struct nl_route route;
	bool ours;
	int j;

	if (next_hop(p, rule, r->gw[i], &r->onlink[i]))
		return -1;
	if (r->onlink[i] && onlink_neigh(r))
		return -1;
	j = deploy_route_conflict(&r->d, all, n, rule->ipv4_prefix, rule->ipv4_prefix_len, &ours);
	if (j >= 0) {
		pr_err("a route to the rule IPv4 prefix %s exists already (%s); the BR will not "
		       "replace it: delete it first",
		       pfx4_str(rule->ipv4_prefix, rule->ipv4_prefix_len, b),
		       nl_route_str(&all[j], s, sizeof(s)));
		return -1;
	}
	nl_route4_via6(&route, rule->ipv4_prefix, rule->ipv4_prefix_len, r->gw[i], p->ifindex,
		       p->cfg.mtu, RTPROT_MAPCE_BR);
	return deploy_route_add(&r->d, &route, ours);
}

static int br_routes(struct deploy *d)
{
	struct br_run *r = br_run(d);
	struct nl_route *all;
	int n, ret = 0;

	n = nl_route_list_all(AF_INET, 0, &all);
	if (n < 0) {
		pr_err("listing the IPv4 routes: %s", nl_strerror(n));
		return -1;
	}
	delete_stale_routes(r, all, n);
	for (int i = 0; i < r->p->n_rules && !ret; i++)
		ret = rule_route(r, i, all, n);
	free(all);
	return ret;
}

/* ---- done ------------------------------------------------------------------ */

static void print_up(const struct br_run *r)
{
	const struct br_up_params *p = r->p;
	char a[IP6_STRLEN], b[PFX4_STRLEN];

	out_open_object(NULL);
	out_str("dev", "br up on %s:", p->ifname);
	out_str("br_ipv6", " address %s", ip6_str(p->cfg.br_ipv6, a));
	out_str("iid_format", ", %s IIDs",
		(p->cfg.flags & MAPCE_CFG_F_LEGACY_IID) ? "legacy" : "rfc7597");
	out_uint("mtu", ", mtu %llu", p->cfg.mtu);
	out_str("xdp_mode", ", xdp %s", xdp_mode_str(r->d.xdp_attached));
	out_bool("maps_reused", NULL, r->d.pins_existed);
	out_text("\n");
	out_open_array("routes");
	for (int i = 0; i < p->n_rules; i++) {
		const struct mapce_rule *rule = &p->rules[i];

		out_open_object(NULL);
		out_str("dst", "  %s", pfx4_str(rule->ipv4_prefix, rule->ipv4_prefix_len, b));
		out_str("via", " via inet6 %s", ip6_str(r->gw[i], a));
		out_bool("onlink", r->onlink[i] ? " (CEs on-link)" : NULL, r->onlink[i]);
		out_text("\n");
		out_close_object();
	}
	out_close_array();
	out_close_object();
	out_finish();
}

static void br_done(struct deploy *d)
{
	char path[128];

	if (sysctl_is_off(SYSCTL_IPV4_FORWARDING))
		pr_warn("net.ipv4.conf.all.forwarding is 0: decapsulated IPv4 will not be "
			"forwarded (sysctl -w net.ipv4.conf.all.forwarding=1)");
	/* bpf_fib_lookup answers FWD_DISABLED without it: the encapsulated
	 * packets then all go to the IPv4 route's next hop. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", d->dev);
	if (sysctl_is_off(path))
		pr_warn("net.ipv6.conf.%s.forwarding is 0: every CE is reached via the next hop of "
			"its rule's route; with CEs behind different next hops, enable it",
			d->dev);
	print_up(br_run(d));
}

/* ---- the spec -------------------------------------------------------------- */

DEPLOY_SKEL_OPS(mapce_br);

static const struct deploy_prog br_progs[] = {
	{ MAPCE_BR_XDP_PROG_NAME, DEPLOY_XDP },
	{ MAPCE_BR_TC_PROG_NAME, DEPLOY_TC_EGRESS, MAPCE_BR_TC_HANDLE, MAPCE_BR_TC_PRIORITY },
};

static const struct deploy_side br_side =
	DEPLOY_SIDE(br_tables_equal, br_missing, NULL, NULL, br_write_tables, br_routes, br_done);

const struct deploy_spec br_spec = {
	.w = { "mapce br", "--dev", "dev", "br down on", "the BR is ", "the BR's", "BR address" },
	.pins = { MAPCE_BR_PIN_ROOT, "mapce_br_config", MAPCE_BR_STATE_PREFIX, "mapce_br_layout" },
	.net = { IFA_F_NODAD, RTPROT_MAPCE_BR, onlink_gw },
	DEPLOY_PROGS(br_progs),
	.skel = &mapce_br_skel_ops,
	.side = &br_side,
};

int br_up(const struct br_up_params *p)
{
	static struct br_run r;

	r = (struct br_run){ .p = p };
	return deploy_up_exit(&r.d, &br_spec, p->ifname, p->ifindex, &p->cfg, p->cfg.br_ipv6,
			      p->xdp_mode);
}
