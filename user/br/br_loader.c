// SPDX-License-Identifier: GPL-2.0-only
/*
 * br_loader.c - `mapce br up` and `mapce br down` on the CE-facing device.
 *
 * up, in order (rollback runs the done steps backwards):
 *   1. (caller) validate the rules, fill the config
 *   2. lock; already up with the same parameters: say so, change nothing
 *   3. load the skeleton, maps pinned/reused under MAPCE_BR_PIN_ROOT/<dev>/;
 *      write rules, LPM and config (config last: it enables the datapath)
 *   4. the BR address /128 nodad on the device, unless it is there
 *   5. per rule: IPv4 prefix via inet6 <next hop to the rule IPv6 prefix>,
 *      mtu, proto RTPROT_MAPCE_BR
 *   6. XDP ingress (native, or generic)
 *   7. tc clsact egress filter
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mapce_br.skel.h"

#include "core/addrfmt.h"
#include "sys/attach.h"
#include "br/br_loader.h"
#include "br/br_state.h"
#include "sys/lock.h"
#include "sys/netlink.h"
#include "core/output.h"
#include "sys/pin.h"

#define BR_ADDR_FLAGS IFA_F_NODAD
#define ROUTES_MAX 1024 /* IPv4 main-table routes we look at */
#define BR_PROG_SCAN_MAX 65536 /* loaded programs br down looks through */
#define FORWARDING_SYSCTL "/proc/sys/net/ipv4/conf/all/forwarding"

static const char *lerr(int e)
{
	static char buf[128];

	libbpf_strerror(e, buf, sizeof(buf));
	return buf;
}

/* strerror plus the kernel's extended ack, for netlink failures. */
static const char *nlerr(int e)
{
	static char buf[384];
	const char *ext = nl_errmsg();

	snprintf(buf, sizeof(buf), "%s%s%s", strerror(-e), *ext ? ": " : "", ext);
	return buf;
}

static const char *pfx4(__be32 a, __u8 len, char *buf, size_t n)
{
	char s[IP4_STRLEN];

	snprintf(buf, n, "%s/%u", ip4_str(a, s), len);
	return buf;
}

/* Our IPv4 routes (proto RTPROT_MAPCE_BR) on ifindex: up to max into out,
 * returns how many (or -errno). */
static int our_routes(int ifindex, struct nl_route *out, int max)
{
	static struct nl_route routes[ROUTES_MAX];
	int n = nl_route_list(AF_INET, RT_TABLE_MAIN, routes, ROUTES_MAX), k = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && i < ROUTES_MAX && k < max; i++)
		if (routes[i].protocol == RTPROT_MAPCE_BR && routes[i].oif == ifindex)
			out[k++] = routes[i];
	return k;
}

/* The IPv6 next hop toward a rule's IPv6 prefix, which must leave via
 * ifindex through a router.  0, or -1 after pr_err(). */
static int next_hop(const struct br_up_params *p, const struct mapce_rule *r, __u8 gw[16])
{
	char a[IP6_STRLEN], s[256], dev[IF_NAMESIZE];
	struct nl_route rt;
	int ret;

	ret = nl_route_get(AF_INET6, r->ipv6_prefix, &rt);
	if (ret) {
		pr_err("no IPv6 route toward the rule IPv6 prefix %s/%u: %s",
		    ip6_str(r->ipv6_prefix, a), r->ipv6_prefix_len, nlerr(ret));
		return -1;
	}
	if (rt.oif != p->ifindex) {
		pr_err("the IPv6 route toward the rule IPv6 prefix %s/%u leaves via %s, not %s "
		    "(route: %s)", ip6_str(r->ipv6_prefix, a), r->ipv6_prefix_len,
		    if_indextoname((unsigned int)rt.oif, dev) ? dev : "?", p->ifname,
		    nl_route_str(&rt, s, sizeof(s)));
		return -1;
	}
	if (rt.gw_family != AF_INET6) {
		pr_err("the IPv6 route toward the rule IPv6 prefix %s/%u on %s has no gateway "
		    "(route: %s); the BR routes each rule's IPv4 prefix via an IPv6 router: "
		    "add a route to the rule prefix via one",
		    ip6_str(r->ipv6_prefix, a), r->ipv6_prefix_len, p->ifname,
		    nl_route_str(&rt, s, sizeof(s)));
		return -1;
	}
	memcpy(gw, rt.gw, 16);
	return 0;
}

/* Do the pinned rules and LPM equal the ones we would write? */
static bool rules_equal(const char *dir, const struct br_up_params *p)
{
	int fd = pin_open(dir, "mapce_br_rules"), lfd = pin_open(dir, "mapce_br_lpm");
	bool same = fd >= 0 && lfd >= 0;

	for (__u32 i = 0; same && i < MAPCE_MAX_RULES; i++) {
		struct mapce_rule cur, want = {};

		if ((int)i < p->n_rules)
			want = p->rules[i];
		if (bpf_map_lookup_elem(fd, &i, &cur) || memcmp(&cur, &want, sizeof(cur)))
			same = false;
	}
	for (int i = 0; same && i < p->n_rules; i++) {
		struct mapce_lpm_v4_key k = { .prefixlen = p->rules[i].ipv4_prefix_len,
					      .addr = p->rules[i].ipv4_prefix };
		__u32 idx;

		if (bpf_map_lookup_elem(lfd, &k, &idx) || idx != (__u32)i)
			same = false;
	}
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
	return same;
}

/* Is every rule's route there, ours, via today's next hop, with our MTU?
 * NULL, or what is missing. */
static const char *routes_missing(const struct br_up_params *p)
{
	static struct nl_route have[MAPCE_MAX_RULES * 2];
	static char what[96];
	int n = our_routes(p->ifindex, have, MAPCE_MAX_RULES * 2);

	for (int i = 0; i < p->n_rules; i++) {
		const struct mapce_rule *r = &p->rules[i];
		struct nl_route nh;
		bool found = false;
		char b[32];

		if (nl_route_get(AF_INET6, r->ipv6_prefix, &nh) == 0 && nh.gw_family == AF_INET6)
			for (int j = 0; j < n && !found; j++)
				found = have[j].dst_len == r->ipv4_prefix_len &&
					!memcmp(have[j].dst, &r->ipv4_prefix, 4) &&
					have[j].gw_family == AF_INET6 &&
					!memcmp(have[j].gw, nh.gw, 16) && have[j].mtu == p->cfg.mtu;
		if (!found) {
			snprintf(what, sizeof(what), "the route to %s (or its next hop changed)",
				 pfx4(r->ipv4_prefix, r->ipv4_prefix_len, b, sizeof(b)));
			return what;
		}
	}
	return NULL;
}

/*
 * Step 2.  0: not up, go on.  1: up with exactly these parameters and
 * complete (nothing to do).  -1: up otherwise (error printed).
 */
static int check_existing(const struct br_up_params *p, const char *dir)
{
	struct mapce_config cur;
	struct xdp_info xi;
	struct tc_info ti;
	const char *missing = NULL;
	bool same;
	__u32 key = 0;
	int fd, ret;

	ret = xdp_query(p->ifindex, &xi);
	if (ret) {
		pr_err("querying the XDP program of %s: %s", p->ifname, lerr(ret));
		return -1;
	}
	if (!xi.prog_id || !prog_name_is(xi.prog_name, MAPCE_BR_XDP_PROG_NAME))
		return 0;
	fd = pin_open(dir, "mapce_br_config");
	if (fd < 0) {
		pr_err("%s has a mapce BR XDP program (id %u) but no pinned maps in %s; "
		    "run 'mapce br down --dev %s' first", p->ifname, xi.prog_id, dir, p->ifname);
		return -1;
	}
	same = !bpf_map_lookup_elem(fd, &key, &cur) && !memcmp(&cur, &p->cfg, sizeof(cur)) &&
	       rules_equal(dir, p) && prog_uses_map(xi.prog_id, map_id_of_fd(fd)) == 1;
	close(fd);
	if (!same) {
		pr_err("the BR is already up on %s with other parameters; run "
		    "'mapce br down --dev %s' first", p->ifname, p->ifname);
		return -1;
	}
	if (tc_query(p->ifindex, BPF_TC_EGRESS, MAPCE_BR_TC_HANDLE, MAPCE_BR_TC_PRIORITY, &ti) ||
	    !prog_name_is(ti.prog_name, MAPCE_BR_TC_PROG_NAME))
		missing = "the tc egress filter";
	else if (nl_addr6_present(p->ifindex, p->cfg.br_ipv6) != 1)
		missing = "the BR address";
	else
		missing = routes_missing(p);
	if (missing) {
		pr_err("the BR is up on %s, but %s is missing; run 'mapce br down --dev %s' first",
		    p->ifname, missing, p->ifname);
		return -1;
	}
	pr_warn("the BR is already up on %s", p->ifname);
	return 1;
}

/* First character of a sysctl file, or def when unreadable. */
static char sysctl_char(const char *path, char def)
{
	char c = def;
	FILE *f = fopen(path, "re");

	if (!f)
		return def;
	if (fread(&c, 1, 1, f) != 1)
		c = def;
	fclose(f);
	return c;
}

static void warn_forwarding(const char *ifname)
{
	char path[128];

	if (sysctl_char(FORWARDING_SYSCTL, '1') == '0')
		pr_warn("net.ipv4.conf.all.forwarding is 0: decapsulated IPv4 will not be forwarded "
		     "(sysctl -w net.ipv4.conf.all.forwarding=1)");
	/* bpf_fib_lookup answers FWD_DISABLED without it: the encapsulated
	 * packets then all go to the IPv4 route's next hop. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", ifname);
	if (sysctl_char(path, '1') == '0')
		pr_warn("net.ipv6.conf.%s.forwarding is 0: every CE is reached via the next hop of "
		     "its rule's route; with CEs behind different next hops, enable it", ifname);
}

/* One run of br up: what it did so far, for the rollback. */
struct up_run {
	const struct br_up_params *p;
	char dir[256];
	struct br_state st;       /* written after every step */
	struct br_state old;      /* the state file found at the start */
	bool had_state_file;
	bool old_valid;           /* old describes this very device */
	bool pins_existed;
	bool dir_created;
	struct mapce_br *skel;
	struct nl_route routes[MAPCE_MAX_RULES];
	bool route_added[MAPCE_MAX_RULES]; /* by this run (not replaced) */
	__u8 xdp_mode;
	/* done by this run */
	bool pins_created, addr_added, xdp_attached, hook_created, tc_attached;
};

static void save_state(struct up_run *r)
{
	int ret = br_state_save(r->p->ifname, &r->st);

	if (ret)
		pr_warn("writing the state file for %s: %s (mapce br down may leave things behind)",
		     r->p->ifname, strerror(-ret));
}

static void rollback(struct up_run *r)
{
	const struct br_up_params *p = r->p;
	char s[256];
	int ret;

	if (r->tc_attached) {
		ret = tc_detach_named(p->ifindex, BPF_TC_EGRESS, MAPCE_BR_TC_HANDLE,
				      MAPCE_BR_TC_PRIORITY, MAPCE_BR_TC_PROG_NAME, NULL);
		if (ret)
			pr_warn("rollback: detaching the tc filter: %s", lerr(ret));
	}
	if (r->hook_created) {
		ret = tc_hook_destroy_if_empty(p->ifindex);
		if (ret && ret != -ENOTEMPTY)
			pr_warn("rollback: removing clsact: %s", lerr(ret));
	}
	if (r->xdp_attached) {
		ret = xdp_detach_named(p->ifindex, MAPCE_BR_XDP_PROG_NAME, NULL);
		if (ret)
			pr_warn("rollback: detaching XDP: %s", lerr(ret));
	}
	for (int i = p->n_rules - 1; i >= 0; i--) {
		if (!r->route_added[i])
			continue;
		ret = nl_route_del(&r->routes[i]);
		if (ret)
			pr_warn("rollback: deleting '%s': %s",
			     nl_route_str(&r->routes[i], s, sizeof(s)), nlerr(ret));
	}
	if (r->addr_added) {
		ret = nl_addr6_del(p->ifindex, p->cfg.br_ipv6, 128);
		if (ret)
			pr_warn("rollback: deleting the BR address: %s", nlerr(ret));
	}
	mapce_br__destroy(r->skel);
	r->skel = NULL;
	if (r->pins_created) {
		ret = pin_dir_remove(r->dir);
		if (ret < 0)
			pr_warn("rollback: removing %s: %s", r->dir, strerror(-ret));
	} else if (r->dir_created) {
		rmdir(r->dir);
	}
	if (r->had_state_file)
		br_state_save(p->ifname, &r->old);
	else
		br_state_remove(p->ifname);
}

/* Delete every element of the LPM map (at most max + 1 rounds). */
static void lpm_clear(int fd, __u32 max)
{
	struct mapce_lpm_v4_key key;

	for (__u32 i = 0; i <= max; i++) {
		if (bpf_map_get_next_key(fd, NULL, &key))
			break;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
}

/* Step 3: load (pinning or reusing the maps) and write rules and config. */
static int step_load(struct up_run *r)
{
	const struct br_up_params *p = r->p;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = r->dir);
	struct mapce_config off;
	struct mapce_br *s;
	__u32 key = 0;
	int ret, fd;

	s = r->skel = mapce_br__open_opts(&oo);
	if (!s) {
		pr_err("opening the BPF object: %s", lerr(-errno));
		return -1;
	}
	/* libbpf pins the maps while loading: from here on they are ours to
	 * remove on failure, unless they were there before. */
	r->pins_created = !r->pins_existed;
	r->st.pins_created = r->pins_created || (r->old_valid && r->old.pins_created);
	ret = mapce_br__load(s);
	if (ret) {
		if (r->pins_existed)
			pr_err("loading the BR programs with the maps pinned in %s: %s (maps from "
			    "another mapce version? 'mapce br down --dev %s' removes them)",
			    r->dir, lerr(ret), p->ifname);
		else
			pr_err("loading the BR programs: %s (run with -vv for the verifier log)",
			    lerr(ret));
		return -1;
	}
	save_state(r);

	/* Disable while the rules change (reused pins may hold old ones):
	 * a disabled BR passes everything, it never misroutes. */
	memset(&off, 0, sizeof(off));
	fd = bpf_map__fd(s->maps.mapce_br_config);
	if (bpf_map_update_elem(fd, &key, &off, BPF_ANY)) {
		pr_err("writing mapce_br_config: %s", lerr(-errno));
		return -1;
	}
	fd = bpf_map__fd(s->maps.mapce_br_rules);
	for (__u32 i = 0; i < MAPCE_MAX_RULES; i++) {
		struct mapce_rule rule = {};

		if ((int)i < p->n_rules)
			rule = p->rules[i];
		if (bpf_map_update_elem(fd, &i, &rule, BPF_ANY)) {
			pr_err("writing rule %u to mapce_br_rules: %s", i + 1, lerr(-errno));
			return -1;
		}
	}
	fd = bpf_map__fd(s->maps.mapce_br_lpm);
	lpm_clear(fd, MAPCE_MAX_RULES);
	for (__u32 i = 0; (int)i < p->n_rules; i++) {
		struct mapce_lpm_v4_key k = { .prefixlen = p->rules[i].ipv4_prefix_len,
					      .addr = p->rules[i].ipv4_prefix };

		if (bpf_map_update_elem(fd, &k, &i, BPF_ANY)) {
			pr_err("writing rule %u to mapce_br_lpm: %s", i + 1, lerr(-errno));
			return -1;
		}
	}
	/* The config last: it is what enables the datapath. */
	if (bpf_map_update_elem(bpf_map__fd(s->maps.mapce_br_config), &key, &p->cfg, BPF_ANY)) {
		pr_err("writing mapce_br_config: %s", lerr(-errno));
		return -1;
	}
	return 0;
}

/* Step 4: the BR address, /128 nodad, unless it is on the device. */
static int step_address(struct up_run *r)
{
	const struct br_up_params *p = r->p;
	char a[IP6_STRLEN];
	int ret;

	/* A stale address of ours from an earlier run with other parameters. */
	if (r->old_valid && r->old.addr_added && memcmp(r->old.addr, p->cfg.br_ipv6, 16))
		nl_addr6_del(p->ifindex, r->old.addr, 128);
	memcpy(r->st.addr, p->cfg.br_ipv6, 16);
	ret = nl_addr6_present(p->ifindex, p->cfg.br_ipv6);
	if (ret < 0) {
		pr_err("listing the addresses of %s: %s", p->ifname, nlerr(ret));
		return -1;
	}
	if (ret == 1) {
		/* Not ours, unless an earlier run of ours added it. */
		r->st.addr_added = r->old_valid && r->old.addr_added &&
				   !memcmp(r->old.addr, p->cfg.br_ipv6, 16);
		save_state(r);
		return 0;
	}
	ret = nl_addr6_add(p->ifindex, p->cfg.br_ipv6, 128, BR_ADDR_FLAGS);
	if (ret) {
		pr_err("adding the BR address %s/128 to %s: %s", ip6_str(p->cfg.br_ipv6, a),
		    p->ifname, nlerr(ret));
		return -1;
	}
	r->addr_added = r->st.addr_added = true;
	save_state(r);
	return 0;
}

/* Step 5: RULE_IPV4_PREFIX via inet6 GW dev DEV mtu MTU proto mapce_br. */
static int step_routes(struct up_run *r)
{
	static struct nl_route all[ROUTES_MAX];
	const struct br_up_params *p = r->p;
	char s[256], b[32];
	int n, ret;

	n = nl_route_list(AF_INET, RT_TABLE_MAIN, all, ROUTES_MAX);
	if (n < 0) {
		pr_err("listing the IPv4 routes: %s", nlerr(n));
		return -1;
	}
	/* Leftovers of ours for prefixes no rule has any more. */
	for (int j = 0; j < n && j < ROUTES_MAX; j++) {
		bool wanted = false;

		if (all[j].protocol != RTPROT_MAPCE_BR || all[j].oif != p->ifindex)
			continue;
		for (int i = 0; i < p->n_rules && !wanted; i++)
			wanted = all[j].dst_len == p->rules[i].ipv4_prefix_len &&
				 !memcmp(all[j].dst, &p->rules[i].ipv4_prefix, 4);
		if (!wanted && (ret = nl_route_del(&all[j])))
			pr_warn("deleting the stale route '%s': %s",
			     nl_route_str(&all[j], s, sizeof(s)), nlerr(ret));
	}
	r->st.n_routes = 0;
	for (int i = 0; i < p->n_rules; i++) {
		const struct mapce_rule *rule = &p->rules[i];
		bool ours = false;
		__u8 gw[16];

		if (next_hop(p, rule, gw))
			return -1;
		for (int j = 0; j < n && j < ROUTES_MAX; j++) {
			if (all[j].dst_len != rule->ipv4_prefix_len ||
			    memcmp(all[j].dst, &rule->ipv4_prefix, 4))
				continue;
			if (all[j].protocol == RTPROT_MAPCE_BR && all[j].oif == p->ifindex) {
				ours = true; /* left by an earlier run: replace it */
				continue;
			}
			pr_err("a route to the rule IPv4 prefix %s exists already (%s); the BR will "
			    "not replace it: delete it first",
			    pfx4(rule->ipv4_prefix, rule->ipv4_prefix_len, b, sizeof(b)),
			    nl_route_str(&all[j], s, sizeof(s)));
			return -1;
		}
		nl_route4_via6(&r->routes[i], rule->ipv4_prefix, rule->ipv4_prefix_len, gw,
			       p->ifindex, p->cfg.mtu, RTPROT_MAPCE_BR);
		ret = ours ? nl_route_replace(&r->routes[i]) : nl_route_add(&r->routes[i]);
		if (ret) {
			pr_err("adding the route '%s': %s",
			    nl_route_str(&r->routes[i], s, sizeof(s)), nlerr(ret));
			return -1;
		}
		r->route_added[i] = !ours;
		r->st.routes[r->st.n_routes].dst = rule->ipv4_prefix;
		r->st.routes[r->st.n_routes].dst_len = rule->ipv4_prefix_len;
		memcpy(r->st.routes[r->st.n_routes].gw, gw, 16);
		r->st.n_routes++;
		save_state(r);
	}
	return 0;
}

/* Step 6: XDP on the device, never replacing someone else's program. */
static int step_xdp(struct up_run *r)
{
	const struct br_up_params *p = r->p;
	struct xdp_info xi;
	int ret;

	ret = xdp_query(p->ifindex, &xi);
	if (ret) {
		pr_err("querying the XDP program of %s: %s", p->ifname, lerr(ret));
		return -1;
	}
	if (xi.prog_id) {
		pr_err("%s already has XDP program %u (%s, %s mode) attached; refusing to replace it",
		    p->ifname, xi.prog_id, xi.prog_name[0] ? xi.prog_name : "unnamed",
		    xdp_mode_str(xi.mode));
		return -1;
	}
	ret = xdp_attach(p->ifindex, bpf_program__fd(r->skel->progs.mapce_br_xdp), p->xdp_mode,
			 &r->xdp_mode);
	if (ret) {
		pr_err("attaching XDP (%s) to %s: %s", p->xdp_mode == ATTACH_XDP_NATIVE ? "native" :
		    p->xdp_mode == ATTACH_XDP_GENERIC ? "generic" : "native, then generic",
		    p->ifname, lerr(ret));
		return -1;
	}
	r->xdp_attached = true;
	return 0;
}

/* Step 7: tc clsact egress filter at the BR's fixed handle and priority. */
static int step_tc(struct up_run *r)
{
	const struct br_up_params *p = r->p;
	struct tc_info ti;
	bool created, replace = false;
	int ret;

	ret = tc_hook_create(p->ifindex, &created);
	if (ret) {
		pr_err("creating the clsact qdisc on %s: %s", p->ifname, lerr(ret));
		return -1;
	}
	r->hook_created = created;
	r->st.hook_created = created || (r->old_valid && r->old.hook_created);
	save_state(r);

	ret = tc_query(p->ifindex, BPF_TC_EGRESS, MAPCE_BR_TC_HANDLE, MAPCE_BR_TC_PRIORITY, &ti);
	if (!ret) {
		if (!prog_name_is(ti.prog_name, MAPCE_BR_TC_PROG_NAME)) {
			pr_err("%s egress already has a tc filter at handle 0x%x priority 0x%x "
			    "(program %u, %s); refusing to replace it", p->ifname,
			    MAPCE_BR_TC_HANDLE, MAPCE_BR_TC_PRIORITY, ti.prog_id, ti.prog_name);
			return -1;
		}
		replace = true; /* a leftover of ours */
	} else if (ret != -ENOENT) {
		pr_err("querying the tc filters of %s: %s", p->ifname, lerr(ret));
		return -1;
	}
	ret = tc_attach(p->ifindex, BPF_TC_EGRESS,
			bpf_program__fd(r->skel->progs.mapce_br_tc_egress), MAPCE_BR_TC_HANDLE,
			MAPCE_BR_TC_PRIORITY, replace);
	if (ret) {
		pr_err("attaching the tc egress filter to %s: %s", p->ifname, lerr(ret));
		return -1;
	}
	r->tc_attached = true;
	save_state(r);
	return 0;
}

static void print_up(const struct up_run *r)
{
	const struct br_up_params *p = r->p;
	char a[IP6_STRLEN], b[32];

	out_open_object(NULL);
	out_str("dev", "br up on %s:", p->ifname);
	out_str("br_ipv6", " address %s", ip6_str(p->cfg.br_ipv6, a));
	out_str("iid_format", ", %s IIDs",
		(p->cfg.flags & MAPCE_CFG_F_LEGACY_IID) ? "legacy" : "rfc7597");
	out_uint("mtu", ", mtu %llu", p->cfg.mtu);
	out_str("xdp_mode", ", xdp %s", xdp_mode_str(r->xdp_mode));
	out_bool("maps_reused", NULL, r->pins_existed);
	out_text("\n");
	out_open_array("routes");
	for (int i = 0; i < p->n_rules; i++) {
		out_open_object(NULL);
		out_str("dst", "  %s", pfx4(p->rules[i].ipv4_prefix, p->rules[i].ipv4_prefix_len,
					    b, sizeof(b)));
		out_str("via", " via inet6 %s\n", ip6_str(r->routes[i].gw, a));
		out_close_object();
	}
	out_close_array();
	out_close_object();
	out_finish();
}

int br_up(const struct br_up_params *p)
{
	struct up_run r = { .p = p };
	int lock, ret;

	if (pin_prepare(MAPCE_BR_PIN_ROOT, p->ifname, r.dir, sizeof(r.dir)))
		return 1;
	lock = mapce_lock_or_err(true);
	if (lock < 0)
		return 1;
	ret = check_existing(p, r.dir);
	if (ret) {
		mapce_unlock(lock);
		return ret > 0 ? 0 : 1;
	}

	r.had_state_file = br_state_load(p->ifname, &r.old) == 0;
	r.old_valid = r.had_state_file && r.old.ifindex == p->ifindex;
	r.st.ifindex = p->ifindex;
	r.pins_existed = pin_exists(r.dir, "mapce_br_config");
	r.dir_created = !pin_exists(MAPCE_BR_PIN_ROOT, p->ifname);
	ret = mkdir_p(r.dir, 0700);
	if (ret) {
		pr_err("creating %s: %s", r.dir, strerror(-ret));
		goto fail;
	}
	save_state(&r);

	if (step_load(&r) || step_address(&r) || step_routes(&r) || step_xdp(&r) ||
	    step_tc(&r))
		goto fail;

	warn_forwarding(p->ifname);
	print_up(&r);
	mapce_br__destroy(r.skel);
	mapce_unlock(lock);
	return 0;
fail:
	rollback(&r);
	mapce_unlock(lock);
	return 1;
}

/*
 * Does a loaded BR program still use the maps pinned in dir?  (When the
 * device is not in this network namespace: it may have been deleted, or
 * the BR runs in another namespace, where its pins must stay.)
 */
static bool br_maps_in_use(const char *dir)
{
	int fd = pin_open(dir, "mapce_br_config");
	__u32 map_id, id = 0;
	bool used = false;

	if (fd < 0)
		return false;
	map_id = map_id_of_fd(fd);
	close(fd);
	for (int i = 0; i < BR_PROG_SCAN_MAX && map_id && !used; i++) {
		char name[PROG_NAME_LEN];

		if (bpf_prog_get_next_id(id, &id))
			break;
		if (prog_name_by_id(id, name))
			continue;
		used = (prog_name_is(name, MAPCE_BR_XDP_PROG_NAME) ||
			prog_name_is(name, MAPCE_BR_TC_PROG_NAME)) &&
		       prog_uses_map(id, map_id) == 1;
	}
	return used;
}

int br_down(const char *ifname)
{
	static struct nl_route rts[ROUTES_MAX];
	char dir[256], a[IP6_STRLEN], s[256];
	int ifindex = (int)if_nametoindex(ifname);
	struct br_state st;
	bool have_state, found = false;
	int lock, ret, n;

	if (pin_dir_path(dir, sizeof(dir), MAPCE_BR_PIN_ROOT, ifname)) {
		pr_err("pin path for %s too long", ifname);
		return 1;
	}
	lock = mapce_lock_or_err(true);
	if (lock < 0)
		return 1;
	if (!ifindex && br_maps_in_use(dir)) {
		pr_err("no device %s in this network namespace, but BR programs still use the maps "
		    "in %s: run 'mapce br down --dev %s' in the device's namespace", ifname, dir,
		    ifname);
		mapce_unlock(lock);
		return 1;
	}
	have_state = br_state_load(ifname, &st) == 0;
	/* Records about a device that has since been recreated are void. */
	if (have_state && st.ifindex != ifindex)
		st.addr_added = st.hook_created = false;

	if (ifindex) {
		struct xdp_info xi;
		struct tc_info ti;

		ret = xdp_detach_named(ifindex, MAPCE_BR_XDP_PROG_NAME, &xi);
		if (!ret)
			found = true;
		else if (ret == -EBUSY)
			pr_warn("%s: XDP program %u (%s) is not the BR's: left in place", ifname,
			     xi.prog_id, xi.prog_name);
		else if (ret != -ENOENT)
			pr_warn("%s: detaching XDP: %s", ifname, lerr(ret));

		ret = tc_detach_named(ifindex, BPF_TC_EGRESS, MAPCE_BR_TC_HANDLE,
				      MAPCE_BR_TC_PRIORITY, MAPCE_BR_TC_PROG_NAME, &ti);
		if (!ret)
			found = true;
		else if (ret == -EBUSY)
			pr_warn("%s: the tc filter at the BR's handle runs program %u (%s): left in "
			     "place", ifname, ti.prog_id, ti.prog_name);
		else if (ret != -ENOENT)
			pr_warn("%s: detaching the tc filter: %s", ifname, lerr(ret));

		if (have_state && st.hook_created) {
			ret = tc_hook_destroy_if_empty(ifindex);
			if (ret == -ENOTEMPTY)
				pr_warn("%s: clsact kept: other tc filters remain", ifname);
			else if (ret && ret != -ENOENT && ret != -EINVAL)
				pr_warn("%s: removing clsact: %s", ifname, lerr(ret));
		}

		/* Our routes carry RTPROT_MAPCE_BR: the state file lists them,
		 * the protocol finds them even without it. */
		n = our_routes(ifindex, rts, ROUTES_MAX);
		if (n < 0)
			pr_warn("%s: listing the IPv4 routes: %s", ifname, nlerr(n));
		for (int i = 0; i < n; i++) {
			ret = nl_route_del(&rts[i]);
			if (ret && ret != -ESRCH)
				pr_warn("%s: deleting '%s': %s", ifname,
				     nl_route_str(&rts[i], s, sizeof(s)), nlerr(ret));
			else if (!ret)
				found = true;
		}

		if (have_state && st.addr_added) {
			ret = nl_addr6_del(ifindex, st.addr, 128);
			if (!ret)
				found = true;
			else if (ret != -EADDRNOTAVAIL && ret != -ENODEV)
				pr_warn("%s: deleting the BR address %s: %s", ifname,
				     ip6_str(st.addr, a), nlerr(ret));
		}
	}

	if (pin_exists(MAPCE_BR_PIN_ROOT, ifname)) {
		ret = pin_dir_remove(dir);
		if (ret < 0)
			pr_warn("removing %s: %s", dir, strerror(-ret));
		found = true;
	}
	if (br_state_remove(ifname) == 0)
		found = true;
	mapce_unlock(lock);
	if (!found) {
		pr_err("the BR is not up on %s", ifname);
		return 1;
	}
	out_open_object(NULL);
	out_str("dev", "br down on %s\n", ifname);
	out_close_object();
	out_finish();
	return 0;
}
