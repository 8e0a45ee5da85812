// SPDX-License-Identifier: GPL-2.0-only
/*
 * ce_loader.c - `mapce up` and `mapce down` on a WAN interface.
 *
 * up, in order (rollback runs the done steps backwards):
 *   1. (caller) derive the parameters
 *   2. lock; already up with the same parameters: say so, change nothing
 *   3. load the skeleton, maps pinned/reused under MAPCE_PIN_ROOT/<wan>/;
 *      write rules, FMR LPM and config
 *   4. MAP IPv6 address /128 (nodad, noprefixroute) on the WAN
 *   5. IPv4 default route via inet6 <next hop to the BR>, mtu, proto mapce
 *   6. XDP ingress (native, or generic)
 *   7. tc clsact filters: egress (NAPT + encap), ingress (reassembly of
 *      outer IPv6 fragments)
 *   then: record the config file used (for `mapce portmap`)
 * The port forwards are installed in step 3, before anything is attached,
 * and kept in line with the config file when up finds itself already up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mapce_ce.skel.h"

#include "core/addrfmt.h"
#include "sys/attach.h"
#include "ce/ce_loader.h"
#include "ce/ce_state.h"
#include "core/config_file.h"
#include "sys/config_record.h"
#include "sys/lock.h"
#include "sys/netlink.h"
#include "core/output.h"
#include "sys/pin.h"

#define MAP_ADDR_FLAGS (IFA_F_NODAD | IFA_F_NOPREFIXROUTE)
#define ROUTES_MAX 512         /* first guess of the IPv4 main-table size */
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

/* The IPv4 routes of the main table, in a malloc'd array (*out; free it).
 * Returns the count or -errno. */
static int routes4(struct nl_route **out)
{
	int max = ROUTES_MAX, n;

	for (int tries = 0; tries < 3; tries++) {
		*out = calloc((size_t)max, sizeof(**out));
		if (!*out)
			return -ENOMEM;
		n = nl_route_list(AF_INET, RT_TABLE_MAIN, *out, max);
		if (n <= max)
			return n;
		/* More than we had room for: again, with room for all. */
		free(*out);
		max = n + ROUTES_MAX;
	}
	*out = NULL;
	return -EAGAIN;
}

/* Our IPv4 default route on ifindex (proto RTPROT_MAPCE), if any. */
static bool find_our_route(int ifindex, struct nl_route *out)
{
	struct nl_route *routes;
	int n = routes4(&routes);
	bool found = false;

	for (int i = 0; i < n && !found; i++) {
		if (routes[i].dst_len == 0 && routes[i].protocol == RTPROT_MAPCE &&
		    routes[i].oif == ifindex) {
			if (out)
				*out = routes[i];
			found = true;
		}
	}
	if (n >= 0)
		free(routes);
	return found;
}

/* Delete every element of a hash/LPM map: take the first key, delete it,
 * repeat (at most max + 1 times). */
static void map_clear(int fd, __u32 max)
{
	__u8 key[64];

	for (__u32 i = 0; i <= max; i++) {
		if (bpf_map_get_next_key(fd, NULL, key))
			break;
		if (bpf_map_delete_elem(fd, key))
			break;
	}
}

static __u32 map_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/* Do the pinned rules equal the ones we would write? */
static bool rules_equal(const char *dir, const struct ce_up_params *p)
{
	int fd = pin_open(dir, "mapce_rules");
	bool same = fd >= 0;

	for (__u32 i = 0; same && i < MAPCE_MAX_RULES; i++) {
		struct mapce_rule cur, want = {};

		if ((int)i < p->n_rules)
			want = p->rules[i];
		if (bpf_map_lookup_elem(fd, &i, &cur) || memcmp(&cur, &want, sizeof(cur)))
			same = false;
	}
	if (fd >= 0)
		close(fd);
	return same;
}

/* Already up: bring the forwards in line with the config (a live dynamic
 * mapping holding a port is a refusal), record the config file.  0 or -1
 * after pr_err(). */
static int sync_forwards_running(const struct ce_up_params *p, const char *dir)
{
	struct portmap_maps m;
	char errbuf[1536];
	int added, removed, ret;

	ret = portmap_maps_open(dir, &m);
	if (ret) {
		pr_err("opening the port maps in %s: %s", dir, strerror(-ret));
		return -1;
	}
	ret = portmap_sync(&m, p->portmaps, p->n_portmaps, false, p->config_path, &added,
			   &removed, errbuf, sizeof(errbuf));
	portmap_maps_close(&m);
	if (ret) {
		pr_err("port forwards: %s", errbuf);
		return -1;
	}
	if (added || removed)
		pr_warn("%s: port forwards brought in line with the config: %d added, %d removed",
		     p->ifname, added, removed);
	ret = config_path_record(p->ifname, p->config_path);
	if (ret)
		pr_warn("recording the config file of %s: %s (mapce portmap will not save)",
		     p->ifname, strerror(-ret));
	return 0;
}

/*
 * Step 2.  0: not up, go on.  1: up with exactly these parameters and
 * complete (nothing to do).  -1: up otherwise (error printed).
 */
static int check_existing(const struct ce_up_params *p, const char *dir)
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
	if (!xi.prog_id || !prog_name_is(xi.prog_name, MAPCE_XDP_PROG_NAME))
		return 0;
	fd = pin_open(dir, "mapce_config");
	if (fd < 0) {
		pr_err("%s has a mapce XDP program (id %u) but no pinned maps in %s; "
		    "run 'mapce down --wan %s' first", p->ifname, xi.prog_id, dir, p->ifname);
		return -1;
	}
	same = !bpf_map_lookup_elem(fd, &key, &cur) && !memcmp(&cur, &p->cfg, sizeof(cur)) &&
	       rules_equal(dir, p) && prog_uses_map(xi.prog_id, map_id_of_fd(fd)) == 1;
	close(fd);
	if (same && p->max_flows) {
		fd = pin_open(dir, "mapce_flow_out");
		same = fd >= 0 && map_max_entries(fd) == p->max_flows;
		if (fd >= 0)
			close(fd);
	}
	if (!same) {
		pr_err("already up on %s with other parameters; run 'mapce down --wan %s' first",
		    p->ifname, p->ifname);
		return -1;
	}
	if (tc_query(p->ifindex, BPF_TC_EGRESS, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY, &ti) ||
	    !prog_name_is(ti.prog_name, MAPCE_TC_PROG_NAME))
		missing = "the tc egress filter";
	else if (tc_query(p->ifindex, BPF_TC_INGRESS, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY, &ti) ||
		 !prog_name_is(ti.prog_name, MAPCE_TC_IN_PROG_NAME))
		missing = "the tc ingress filter";
	else if (nl_addr6_present(p->ifindex, p->cfg.ce_ipv6) != 1)
		missing = "the MAP IPv6 address";
	else if (!find_our_route(p->ifindex, NULL))
		missing = "the IPv4 default route";
	if (missing) {
		pr_err("up on %s, but %s is missing; run 'mapce down --wan %s' first", p->ifname,
		    missing, p->ifname);
		return -1;
	}
	pr_warn("already up on %s", p->ifname);
	return sync_forwards_running(p, dir) ? -1 : 1;
}

static void warn_forwarding(void)
{
	char c = '1';
	FILE *f = fopen(FORWARDING_SYSCTL, "re");

	if (!f)
		return;
	if (fread(&c, 1, 1, f) == 1 && c == '0')
		pr_warn("net.ipv4.conf.all.forwarding is 0: LAN hosts won't reach the internet "
		     "(sysctl -w net.ipv4.conf.all.forwarding=1)");
	fclose(f);
}

/*
 * libbpf's messages while loading: a verifier rejection prints the whole
 * verifier log (thousands of lines) at warning level.  Without -v they are
 * captured here and only the last lines (where the verifier says why) are
 * shown on failure.
 */
#define LOAD_LOG_MAX (256 * 1024)
#define LOAD_LOG_TAIL 8 /* lines shown without -v */
static char load_log[LOAD_LOG_MAX];
static size_t load_log_len;

static int load_log_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n <= 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (load_log_len + (size_t)n >= LOAD_LOG_MAX) { /* keep the newer half */
		memmove(load_log, load_log + LOAD_LOG_MAX / 2, load_log_len - LOAD_LOG_MAX / 2);
		load_log_len -= LOAD_LOG_MAX / 2;
	}
	memcpy(load_log + load_log_len, line, (size_t)n);
	load_log_len += (size_t)n;
	load_log[load_log_len] = '\0';
	return n;
}

/* The last LOAD_LOG_TAIL lines of the captured log, on stderr. */
static void load_log_tail(void)
{
	char *end = load_log + load_log_len, *p = end;
	int lines = 0;

	while (p > load_log && lines <= LOAD_LOG_TAIL) {
		p--;
		if (*p == '\n' && p + 1 < end)
			lines++;
	}
	if (*p == '\n')
		p++;
	if (p < end)
		fprintf(stderr, "%s%s", p, end[-1] == '\n' ? "" : "\n");
}

/* One run of up: what it did so far, for the rollback. */
struct up_run {
	const struct ce_up_params *p;
	char dir[256];
	struct ce_state st;       /* written after every step */
	struct ce_state old;      /* the state file found at the start */
	bool had_state_file;
	bool old_valid;           /* old describes this very device */
	bool pins_existed;
	bool dir_created;
	struct mapce_ce *skel;
	struct nl_route route;
	__u8 gw[16];
	__u8 xdp_mode;
	/* done by this run */
	bool pins_created, addr_added, route_added, xdp_attached, hook_created, tc_attached;
	bool tc_in_attached;
	int forwards; /* port forwards installed */
};

static void save_state(struct up_run *r)
{
	int ret = ce_state_save(r->p->ifname, &r->st);

	if (ret)
		pr_warn("writing the state file for %s: %s (mapce down may leave things behind)",
		     r->p->ifname, strerror(-ret));
}

static void rollback(struct up_run *r)
{
	const struct ce_up_params *p = r->p;
	int ret;

	if (r->tc_in_attached) {
		ret = tc_detach_named(p->ifindex, BPF_TC_INGRESS, MAPCE_TC_HANDLE,
				      MAPCE_TC_PRIORITY, MAPCE_TC_IN_PROG_NAME, NULL);
		if (ret)
			pr_warn("rollback: detaching the tc ingress filter: %s", lerr(ret));
	}
	if (r->tc_attached) {
		ret = tc_detach_named(p->ifindex, BPF_TC_EGRESS, MAPCE_TC_HANDLE,
				      MAPCE_TC_PRIORITY, MAPCE_TC_PROG_NAME, NULL);
		if (ret)
			pr_warn("rollback: detaching the tc filter: %s", lerr(ret));
	}
	if (r->hook_created) {
		ret = tc_hook_destroy_if_empty(p->ifindex);
		if (ret && ret != -ENOTEMPTY)
			pr_warn("rollback: removing clsact: %s", lerr(ret));
	}
	if (r->xdp_attached) {
		ret = xdp_detach_named(p->ifindex, MAPCE_XDP_PROG_NAME, NULL);
		if (ret)
			pr_warn("rollback: detaching XDP: %s", lerr(ret));
	}
	if (r->route_added) {
		ret = nl_route_del(&r->route);
		if (ret)
			pr_warn("rollback: deleting the IPv4 default route: %s", nlerr(ret));
	}
	if (r->addr_added) {
		ret = nl_addr6_del(p->ifindex, p->cfg.ce_ipv6, 128);
		if (ret)
			pr_warn("rollback: deleting the MAP address: %s", nlerr(ret));
	}
	mapce_ce__destroy(r->skel);
	r->skel = NULL;
	if (r->pins_created) {
		ret = pin_dir_remove(r->dir);
		if (ret < 0)
			pr_warn("rollback: removing %s: %s", r->dir, strerror(-ret));
	} else if (r->dir_created) {
		rmdir(r->dir);
	}
	if (r->had_state_file)
		ce_state_save(p->ifname, &r->old);
	else
		ce_state_remove(p->ifname);
}

/* Step 3, last: the port forwards.  Nothing is attached yet, so dynamic
 * mappings left in reused pins are stale: a forward takes their port. */
static int step_forwards(struct up_run *r)
{
	struct portmap_maps m = {
		.ports = bpf_map__fd(r->skel->maps.mapce_ports),
		.bind = bpf_map__fd(r->skel->maps.mapce_bind),
		.hosts = bpf_map__fd(r->skel->maps.mapce_hosts),
		.cfg = r->p->cfg,
	};
	char errbuf[1536];
	int added, removed;

	/* the fds belong to the skeleton: no portmap_maps_close() */
	if (portmap_sync(&m, r->p->portmaps, r->p->n_portmaps, true, r->p->config_path, &added,
			 &removed, errbuf, sizeof(errbuf))) {
		pr_err("port forwards: %s", errbuf);
		return -1;
	}
	r->forwards = r->p->n_portmaps;
	return 0;
}

/* Step 3: load (pinning or reusing the maps) and write config and rules. */
static int step_load(struct up_run *r)
{
	const struct ce_up_params *p = r->p;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = r->dir);
	struct mapce_ce *s;
	__u32 flows = p->max_flows, key = 0;
	int ret, fd;

	s = r->skel = mapce_ce__open_opts(&oo);
	if (!s) {
		pr_err("opening the BPF object: %s", lerr(-errno));
		return -1;
	}
	if (r->pins_existed) {
		__u32 pinned = 0;

		fd = pin_open(r->dir, "mapce_flow_out");
		if (fd >= 0) {
			pinned = map_max_entries(fd);
			close(fd);
		}
		if (flows && pinned && flows != pinned) {
			pr_err("--max-flows %u differs from the %u of the pinned maps in %s; "
			    "run 'mapce down --wan %s' first (it drops the NAT state)",
			    flows, pinned, r->dir, p->ifname);
			return -1;
		}
		if (!flows)
			flows = pinned;
	}
	if (flows) {
		struct bpf_map *maps[] = { s->maps.mapce_flow_out, s->maps.mapce_flow_in,
					   s->maps.mapce_bind, s->maps.mapce_ports };

		for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
			ret = bpf_map__set_max_entries(maps[i], flows);
			if (ret) {
				pr_err("sizing %s to %u entries: %s", bpf_map__name(maps[i]), flows,
				    lerr(ret));
				return -1;
			}
		}
	}
	/* libbpf pins the maps while loading: from here on they are ours to
	 * remove on failure, unless they were there before. */
	r->pins_created = !r->pins_existed;
	r->st.pins_created = r->pins_created || (r->old_valid && r->old.pins_created);
	if (!verbose) {
		libbpf_print_fn_t old = libbpf_set_print(load_log_print);

		load_log_len = 0;
		load_log[0] = '\0';
		ret = mapce_ce__load(s);
		libbpf_set_print(old);
		if (ret && load_log_len) {
			fprintf(stderr, "mapce: the last lines of libbpf's log (-v shows all):\n");
			load_log_tail();
		}
	} else {
		ret = mapce_ce__load(s);
	}
	if (ret) {
		if (r->pins_existed)
			pr_err("loading the BPF programs with the maps pinned in %s: %s (maps from "
			    "another mapce version? 'mapce down --wan %s' removes them)",
			    r->dir, lerr(ret), p->ifname);
		else
			pr_err("loading the BPF programs: %s (the verifier log above says why)",
			    lerr(ret));
		return -1;
	}
	save_state(r);

	if (r->pins_existed) {
		struct mapce_config old;

		fd = bpf_map__fd(s->maps.mapce_config);
		/* Pinned NAT state of another address or port set is void. */
		if (!bpf_map_lookup_elem(fd, &key, &old) &&
		    (old.ipv4 != p->cfg.ipv4 || old.psid != p->cfg.psid ||
		     old.psid_len != p->cfg.psid_len || old.psid_offset != p->cfg.psid_offset)) {
			pr_warn("pinned NAT state of %s belongs to another address or port set: "
			     "flushing it", p->ifname);
			map_clear(bpf_map__fd(s->maps.mapce_flow_out), flows);
			map_clear(bpf_map__fd(s->maps.mapce_flow_in), flows);
			map_clear(bpf_map__fd(s->maps.mapce_bind), flows);
			map_clear(bpf_map__fd(s->maps.mapce_ports), flows);
			map_clear(bpf_map__fd(s->maps.mapce_peers), flows);
			map_clear(bpf_map__fd(s->maps.mapce_hosts),
				  map_max_entries(bpf_map__fd(s->maps.mapce_hosts)));
		}
	}
	fd = bpf_map__fd(s->maps.mapce_rules);
	for (__u32 i = 0; i < MAPCE_MAX_RULES; i++) {
		struct mapce_rule rule = {};

		if ((int)i < p->n_rules)
			rule = p->rules[i];
		ret = bpf_map_update_elem(fd, &i, &rule, BPF_ANY);
		if (ret) {
			pr_err("writing rule %u: %s", i, lerr(-errno));
			return -1;
		}
	}
	fd = bpf_map__fd(s->maps.mapce_fmr_lpm);
	map_clear(fd, MAPCE_MAX_RULES);
	for (__u32 i = 0; p->mesh && (int)i < p->n_rules; i++) {
		struct mapce_lpm_v4_key k = { .prefixlen = p->rules[i].ipv4_prefix_len,
					      .addr = p->rules[i].ipv4_prefix };

		if (!(p->rules[i].flags & MAPCE_RULE_F_FMR))
			continue;
		if (bpf_map_update_elem(fd, &k, &i, BPF_ANY)) {
			pr_err("writing FMR %u to mapce_fmr_lpm: %s", i, lerr(-errno));
			return -1;
		}
	}
	/* The config last: it is what enables the datapath. */
	if (bpf_map_update_elem(bpf_map__fd(s->maps.mapce_config), &key, &p->cfg, BPF_ANY)) {
		pr_err("writing mapce_config: %s", lerr(-errno));
		return -1;
	}
	return step_forwards(r);
}

/* Step 4: the MAP IPv6 address. */
static int step_address(struct up_run *r)
{
	const struct ce_up_params *p = r->p;
	char a[IP6_STRLEN];
	int ret;

	/* A stale address of ours from an earlier run with other parameters. */
	if (r->old_valid && r->old.addr_added && memcmp(r->old.addr, p->cfg.ce_ipv6, 16))
		nl_addr6_del(p->ifindex, r->old.addr, 128);
	memcpy(r->st.addr, p->cfg.ce_ipv6, 16);
	ret = nl_addr6_add(p->ifindex, p->cfg.ce_ipv6, 128, MAP_ADDR_FLAGS);
	if (ret == -EEXIST) {
		/* Not ours, unless an earlier run of ours added it. */
		r->st.addr_added = r->old_valid && r->old.addr_added &&
				   !memcmp(r->old.addr, p->cfg.ce_ipv6, 16);
	} else if (ret) {
		pr_err("adding the MAP address %s/128 to %s: %s", ip6_str(p->cfg.ce_ipv6, a),
		    p->ifname, nlerr(ret));
		return -1;
	} else {
		r->addr_added = r->st.addr_added = true;
	}
	save_state(r);
	return 0;
}

/* Step 5: default via inet6 GW dev WAN mtu MTU proto mapce. */
static int step_route(struct up_run *r)
{
	const struct ce_up_params *p = r->p;
	char a[IP6_STRLEN], s[256], dev[IF_NAMESIZE];
	struct nl_route *routes;
	struct nl_route br;
	bool ours = false;
	int ret, n;

	ret = nl_route_get(AF_INET6, p->cfg.br_ipv6, &br);
	if (ret) {
		pr_err("no IPv6 route to the BR %s: %s", ip6_str(p->cfg.br_ipv6, a), nlerr(ret));
		return -1;
	}
	if (br.oif != p->ifindex) {
		pr_err("the IPv6 route to the BR %s leaves via %s, not %s (route: %s)",
		    ip6_str(p->cfg.br_ipv6, a),
		    if_indextoname((unsigned int)br.oif, dev) ? dev : "?", p->ifname,
		    nl_route_str(&br, s, sizeof(s)));
		return -1;
	}
	/* Via the router toward the BR; a BR on the link is its own next hop. */
	memcpy(r->gw, br.gw_family == AF_INET6 ? br.gw : p->cfg.br_ipv6, 16);

	n = routes4(&routes);
	if (n < 0) {
		pr_err("listing the IPv4 routes: %s", nlerr(n));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (routes[i].dst_len)
			continue;
		if (routes[i].protocol == RTPROT_MAPCE && routes[i].oif == p->ifindex) {
			ours = true; /* left by an earlier run: replace it */
			continue;
		}
		pr_err("an IPv4 default route exists already (%s); mapce sends IPv4 through the "
		    "tunnel and will not replace it: delete it first",
		    nl_route_str(&routes[i], s, sizeof(s)));
		free(routes);
		return -1;
	}
	free(routes);
	nl_route4_via6(&r->route, 0, 0, r->gw, p->ifindex, p->cfg.mtu, RTPROT_MAPCE);
	ret = ours ? nl_route_replace(&r->route) : nl_route_add(&r->route);
	if (ret) {
		pr_err("adding the route '%s': %s", nl_route_str(&r->route, s, sizeof(s)), nlerr(ret));
		return -1;
	}
	r->route_added = r->st.route_added = true;
	save_state(r);
	return 0;
}

/* Step 6: XDP on WAN ingress, never replacing someone else's program. */
static int step_xdp(struct up_run *r)
{
	const struct ce_up_params *p = r->p;
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
	ret = xdp_attach(p->ifindex, bpf_program__fd(r->skel->progs.mapce_xdp_ingress),
			 p->xdp_mode, &r->xdp_mode);
	if (ret) {
		pr_err("attaching XDP (%s) to %s: %s", p->xdp_mode == ATTACH_XDP_NATIVE ? "native" :
		    p->xdp_mode == ATTACH_XDP_GENERIC ? "generic" : "native, then generic",
		    p->ifname, lerr(ret));
		return -1;
	}
	r->xdp_attached = true;
	return 0;
}

/* Attach prog in one direction at our fixed handle and priority, replacing
 * only a leftover of ours.  *attached is set once it is in place. */
static int tc_attach_ours(const struct ce_up_params *p, enum bpf_tc_attach_point dir,
			  struct bpf_program *prog, const char *name, bool *attached)
{
	const char *what = dir == BPF_TC_EGRESS ? "egress" : "ingress";
	struct tc_info ti;
	bool replace = false;
	int ret;

	ret = tc_query(p->ifindex, dir, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY, &ti);
	if (!ret) {
		if (!prog_name_is(ti.prog_name, name)) {
			pr_err("%s %s already has a tc filter at handle 0x%x priority 0x%x "
			    "(program %u, %s); refusing to replace it", p->ifname, what,
			    MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY, ti.prog_id, ti.prog_name);
			return -1;
		}
		replace = true; /* a leftover of ours */
	} else if (ret != -ENOENT) {
		pr_err("querying the tc filters of %s: %s", p->ifname, lerr(ret));
		return -1;
	}
	ret = tc_attach(p->ifindex, dir, bpf_program__fd(prog), MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY,
			replace);
	if (ret) {
		pr_err("attaching the tc %s filter to %s: %s", what, p->ifname, lerr(ret));
		return -1;
	}
	*attached = true;
	return 0;
}

/* Step 7: tc clsact filters at our fixed handle and priority: egress does
 * the NAPT and encapsulation, ingress reassembles outer IPv6 fragments. */
static int step_tc(struct up_run *r)
{
	const struct ce_up_params *p = r->p;
	bool created;
	int ret;

	ret = tc_hook_create(p->ifindex, &created);
	if (ret) {
		pr_err("creating the clsact qdisc on %s: %s", p->ifname, lerr(ret));
		return -1;
	}
	r->hook_created = created;
	r->st.hook_created = created || (r->old_valid && r->old.hook_created);
	save_state(r);

	if (tc_attach_ours(p, BPF_TC_EGRESS, r->skel->progs.mapce_tc_egress, MAPCE_TC_PROG_NAME,
			   &r->tc_attached))
		return -1;
	save_state(r);
	if (tc_attach_ours(p, BPF_TC_INGRESS, r->skel->progs.mapce_tc_ingress,
			   MAPCE_TC_IN_PROG_NAME, &r->tc_in_attached))
		return -1;
	save_state(r);
	return 0;
}

static void print_up(const struct up_run *r)
{
	const struct mapce_config *c = &r->p->cfg;
	char a[IP6_STRLEN];

	out_open_object(NULL);
	out_str("wan", "up on %s:", r->p->ifname);
	out_str("ipv4", " %s", ip4_str(c->ipv4, a));
	out_uint("psid", " psid %llu", c->psid);
	out_uint("psid_len", "/%llu", c->psid_len);
	out_uint("psid_offset", " offset %llu", c->psid_offset);
	out_uint("port_count", " (%llu ports)", c->port_count);
	out_str("ce_ipv6", ", MAP address %s", ip6_str(c->ce_ipv6, a));
	out_str("br", ", BR %s", ip6_str(c->br_ipv6, a));
	out_str("next_hop", " via %s", ip6_str(r->gw, a));
	out_uint("mtu", ", mtu %llu", c->mtu);
	out_str("xdp_mode", ", xdp %s", xdp_mode_str(r->xdp_mode));
	out_str("filtering", ", filtering %s", filtering_str(c->filtering));
	if (c->max_per_host)
		out_uint("max_per_host", ", max %llu per host", c->max_per_host);
	else
		out_uint("max_per_host", NULL, 0);
	out_int("port_forwards", r->forwards ? ", forwards %lld" : NULL, r->forwards);
	if (r->p->config_path[0])
		out_str("config", ", config %s", r->p->config_path);
	else
		out_null("config", NULL);
	out_bool("maps_reused", NULL, r->pins_existed);
	out_text("%s\n", r->pins_existed ? " (pinned NAT state reused)" : "");
	out_close_object();
	out_finish();
}

int ce_up(const struct ce_up_params *p)
{
	struct up_run r = { .p = p };
	int lock, ret;

	if (pin_prepare(MAPCE_PIN_ROOT, p->ifname, r.dir, sizeof(r.dir)))
		return 1;
	lock = mapce_lock_or_err(true);
	if (lock < 0)
		return 1;
	ret = check_existing(p, r.dir);
	if (ret) {
		mapce_unlock(lock);
		if (ret > 0 && out_json) { /* stdout stays a document */
			out_open_object(NULL);
			out_str("wan", NULL, p->ifname);
			out_bool("already_up", NULL, true);
			out_close_object();
			out_finish();
		}
		return ret > 0 ? 0 : 1;
	}

	r.had_state_file = ce_state_load(p->ifname, &r.old) == 0;
	r.old_valid = r.had_state_file && r.old.ifindex == p->ifindex;
	r.st.ifindex = p->ifindex;
	r.pins_existed = pin_exists(r.dir, "mapce_config");
	r.dir_created = !pin_exists(MAPCE_PIN_ROOT, p->ifname);
	ret = mkdir_p(r.dir, 0700);
	if (ret) {
		pr_err("creating %s: %s", r.dir, strerror(-ret));
		goto fail;
	}
	save_state(&r);

	if (step_load(&r) || step_address(&r) || step_route(&r) || step_xdp(&r) ||
	    step_tc(&r))
		goto fail;

	ret = config_path_record(p->ifname, p->config_path);
	if (ret)
		pr_warn("recording the config file of %s: %s (mapce portmap will not save)",
		     p->ifname, strerror(-ret));
	warn_forwarding();
	print_up(&r);
	mapce_ce__destroy(r.skel);
	mapce_unlock(lock);
	return 0;
fail:
	rollback(&r);
	mapce_unlock(lock);
	return 1;
}

int ce_down(const char *ifname)
{
	char dir[256], a[IP6_STRLEN], s[256];
	int ifindex = (int)if_nametoindex(ifname);
	struct ce_state st;
	bool have_state, found = false;
	/* what this down removed, for the summary */
	bool rm_xdp = false, rm_tc = false, rm_clsact = false, rm_route = false, rm_addr = false;
	bool rm_pins = false;
	int lock, ret;

	if (pin_dir_path(dir, sizeof(dir), MAPCE_PIN_ROOT, ifname)) {
		pr_err("pin path for %s too long", ifname);
		return 1;
	}
	lock = mapce_lock_or_err(true);
	if (lock < 0)
		return 1;
	have_state = ce_state_load(ifname, &st) == 0;
	/* Records about a device that has since been recreated are void. */
	if (have_state && st.ifindex != ifindex)
		st.addr_added = st.hook_created = false;

	if (ifindex) {
		struct xdp_info xi;
		struct tc_info ti;
		struct nl_route rt;

		ret = xdp_detach_named(ifindex, MAPCE_XDP_PROG_NAME, &xi);
		if (!ret)
			found = rm_xdp = true;
		else if (ret == -EBUSY)
			pr_warn("%s: XDP program %u (%s) is not mapce's: left in place", ifname,
			     xi.prog_id, xi.prog_name);
		else if (ret != -ENOENT)
			pr_warn("%s: detaching XDP: %s", ifname, lerr(ret));

		ret = tc_detach_named(ifindex, BPF_TC_EGRESS, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY,
				      MAPCE_TC_PROG_NAME, &ti);
		if (!ret)
			found = rm_tc = true;
		else if (ret == -EBUSY)
			pr_warn("%s: the tc filter at mapce's handle runs program %u (%s): left in "
			     "place", ifname, ti.prog_id, ti.prog_name);
		else if (ret != -ENOENT)
			pr_warn("%s: detaching the tc filter: %s", ifname, lerr(ret));

		ret = tc_detach_named(ifindex, BPF_TC_INGRESS, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY,
				      MAPCE_TC_IN_PROG_NAME, &ti);
		if (!ret)
			found = rm_tc = true;
		else if (ret == -EBUSY)
			pr_warn("%s: the tc ingress filter at mapce's handle runs program %u (%s): "
			     "left in place", ifname, ti.prog_id, ti.prog_name);
		else if (ret != -ENOENT)
			pr_warn("%s: detaching the tc ingress filter: %s", ifname, lerr(ret));

		if (have_state && st.hook_created) {
			ret = tc_hook_destroy_if_empty(ifindex);
			if (!ret)
				rm_clsact = true;
			else if (ret == -ENOTEMPTY)
				pr_warn("%s: clsact kept: other tc filters remain", ifname);
			else if (ret && ret != -ENOENT && ret != -EINVAL)
				pr_warn("%s: removing clsact: %s", ifname, lerr(ret));
		}

		/* Our routes carry RTPROT_MAPCE: no state needed to find them. */
		for (int i = 0; i < 8 && find_our_route(ifindex, &rt); i++) {
			ret = nl_route_del(&rt);
			if (ret) {
				pr_warn("%s: deleting '%s': %s", ifname, nl_route_str(&rt, s, sizeof(s)),
				     nlerr(ret));
				break;
			}
			found = rm_route = true;
		}

		if (have_state && st.addr_added) {
			ret = nl_addr6_del(ifindex, st.addr, 128);
			if (!ret)
				found = rm_addr = true;
			else if (ret != -EADDRNOTAVAIL && ret != -ENODEV)
				pr_warn("%s: deleting the MAP address %s: %s", ifname,
				     ip6_str(st.addr, a), nlerr(ret));
		}
	}

	if (pin_exists(MAPCE_PIN_ROOT, ifname)) {
		ret = pin_dir_remove(dir);
		if (ret < 0)
			pr_warn("removing %s: %s", dir, strerror(-ret));
		found = rm_pins = true;
	}
	if (ce_state_remove(ifname) == 0)
		found = true;
	config_path_forget(ifname);
	rmdir(MAPCE_PIN_ROOT); /* only when empty: other WANs keep it */
	mapce_unlock(lock);
	if (!found) {
		pr_err("not up on %s", ifname);
		return 1;
	}
	out_open_object(NULL);
	out_str("wan", "down on %s:", ifname);
	out_open_object("removed");
	out_bool("xdp", rm_xdp ? " xdp" : NULL, rm_xdp);
	out_bool("tc_filter", rm_tc ? " tc-filter" : NULL, rm_tc);
	out_bool("clsact", rm_clsact ? " clsact" : NULL, rm_clsact);
	out_bool("route", rm_route ? " route" : NULL, rm_route);
	out_bool("address", rm_addr ? " address" : NULL, rm_addr);
	out_bool("pins", rm_pins ? " pins" : NULL, rm_pins);
	out_close_object();
	out_text(" removed\n");
	out_close_object();
	out_finish();
	return 0;
}
