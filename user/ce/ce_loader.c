// SPDX-License-Identifier: GPL-2.0-only
/*
 * ce_loader.c - `mapce up`, `mapce run` and `mapce down` on a WAN
 * interface: the CE's spec and its own steps in sys/deploy.h's lifecycle.
 *
 *   before load   --max-flows sizes the NAT tables (pinned ones keep theirs)
 *   tables        a new address or port set: the datapath stopped, the NAT
 *                 state that no longer fits cut (nat_prune.h), the rest
 *                 kept; rules, the FMR LPM (--mesh), the port forwards.  A
 *                 CE that runs with the same address and port set changes
 *                 them in place (forwards first: the one step that may
 *                 refuse, before anything changed)
 *   address       the MAP IPv6 address /128 (nodad, noprefixroute)
 *   programs      XDP ingress; tc egress (NAPT + encap); tc ingress
 *                 (reassembly of outer IPv6 fragments)
 *   routes        IPv4 default route via inet6 <next hop to the BR>, mtu,
 *                 proto RTPROT_MAPCE (replaced only when it differs)
 *   LAN hooks     --fastpath LAN_IF: the XDP fast path on the LAN device
 *                 (ce/fastpath_lan.h); --hairpin LAN_IF: ipip6's hairpin
 *                 filter (ce/hairpin_hook.h); last, brought in line when
 *                 already up
 *   done          record the config file used (for `mapce portmap`)
 * The port forwards go in with the tables, before anything is attached,
 * and are kept in line with the config file when up finds itself up.
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

#include "mapce_ce.skel.h"

#include "ce/aftr_name.h"
#include "ce/ce_loader.h"
#include "ce/fastpath_lan.h"
#include "ce/hairpin_hook.h"
#include "ce/port_hint_sync.h"
#include "ce/portmap.h"
#include "ce/reconcile.h"
#include "core/addrfmt.h"
#include "core/config_file.h"
#include "core/mode.h"
#include "core/output.h"
#include "sys/config_record.h"
#include "sys/provision_record.h"
#include "sys/update_call.h"
#include "sys/deploy.h"
#include "sys/map_mem.h"
#include "sys/map_util.h"
#include "sys/pin.h"
#include "sys/rule_maps.h"
#include "sys/sysctl.h"

/* One run of up: the shared part first, then the CE's own. */
struct ce_run {
	struct deploy d;
	const struct ce_up_params *p;
	__u32 flows;		  /* the NAT tables' size (0: the object's default) */
	__u8 gw[16];		  /* the IPv6 next hop toward the BR */
	int forwards;		  /* port forwards installed */
	struct ce_up_result *res; /* what changed, for run (NULL: up) */
	struct ce_up_result own;  /* where res points for up */
};

static struct ce_run *ce_run(struct deploy *d)
{
	return (struct ce_run *)((char *)d - offsetof(struct ce_run, d));
}

/* Our IPv4 default route on ifindex (proto RTPROT_MAPCE) into *out (may
 * be NULL), if any. */
static bool find_our_route(int ifindex, struct nl_route *out)
{
	struct nl_route *routes;
	int n = nl_route_list_all(AF_INET, 0, &routes);
	bool found = false;

	for (int i = 0; i < n && !found; i++) {
		found = routes[i].dst_len == 0 && routes[i].protocol == RTPROT_MAPCE &&
			routes[i].oif == ifindex;
		if (found && out)
			*out = routes[i];
	}
	if (n >= 0)
		free(routes);
	return found;
}

const char *ce_missing_str(unsigned int missing, char *buf, size_t len)
{
	static const struct {
		unsigned int bit;
		const char *what;
	} words[] = {
		{ 1u << 1, "the tc egress filter" },
		{ 1u << 2, "the tc ingress filter" },
		{ DEPLOY_MISS_ADDR, "the MAP address" },
		{ DEPLOY_MISS_SIDE, "the IPv4 default route" },
		{ DEPLOY_MISS_CONFIG, "the config (left disabled)" },
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && n + 1 < len; i++) {
		if (!(missing & words[i].bit))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", words[i].what);
	}
	return buf;
}

/* ---- already up ----------------------------------------------------------- */

/* Do the pinned rules (and the NAT tables' size) equal ours? */
static bool ce_tables_equal(struct deploy *d)
{
	const struct ce_up_params *p = ce_run(d)->p;
	int fd = pin_open(d->dir, "mapce_rules");
	bool same = fd >= 0 && rule_array_equal(fd, p->rules, p->n_rules);

	if (fd >= 0)
		close(fd);
	if (same && p->max_flows) {
		fd = pin_open(d->dir, "mapce_flow_out");
		same = fd >= 0 && map_max_entries(fd) == p->max_flows;
		if (fd >= 0)
			close(fd);
	}
	return same;
}

static const char *ce_missing(struct deploy *d)
{
	return find_our_route(d->ifindex, NULL) ? NULL : "the IPv4 default route";
}

static void record_config(const struct ce_up_params *p)
{
	int ret = config_path_record(p->ifname, p->config_path);

	if (ret)
		pr_warn("recording the config file of %s: %s (mapce portmap will not save)",
			p->ifname, strerror(-ret));
}

/* The STATIC entries of the maps made p's forwards (portmap_sync); evict:
 * a dynamic mapping on a wanted port gives way, else it is a refusal.
 * Under `mapce run` (d.reconcile) a refusal in place is not a failure:
 * the forwards stay as they were, the rest of the pass applies (a link
 * flap's repair, a reload's other settings), res->forwards_refused says
 * why and run tries again at its next pass.  `up` and `portmap` refuse. */
static int sync_forwards(struct ce_run *r, bool evict)
{
	const struct ce_up_params *p = r->p;
	struct portmap_maps m = {
		.ports = deploy_map_fd(&r->d, "mapce_ports"),
		.bind = deploy_map_fd(&r->d, "mapce_bind"),
		.hosts = deploy_map_fd(&r->d, "mapce_hosts"),
		.hint = deploy_map_fd(&r->d, "mapce_port_hint"),
		.cfg = p->cfg,
	};
	char errbuf[1536];

	/* the fds are deploy's: no portmap_maps_close() */
	if (portmap_sync(&m, p->portmaps, p->n_portmaps, evict, p->config_path,
			 &r->res->forwards_added, &r->res->forwards_removed, errbuf,
			 sizeof(errbuf))) {
		if (!evict && r->d.reconcile) {
			snprintf(r->res->forwards_refused, sizeof(r->res->forwards_refused),
				 "port forwards: %s", errbuf);
			return 0;
		}
		pr_err("port forwards: %s", errbuf);
		return -1;
	}
	r->forwards = p->n_portmaps;
	return 0;
}

/* The LAN hooks as p asks: the XDP fast path and ipip6's hairpin filter,
 * each attached to its LAN device, or off. */
static int sync_lan(struct deploy *d)
{
	const struct ce_up_params *p = ce_run(d)->p;
	struct mapce_ce *s = d->skel;
	struct fastpath_want fp = {
		.wan = p->ifname,
		.lan = p->fastpath,
		.ifindex = p->fastpath_ifindex,
		.prog_fd = s ? bpf_program__fd(s->progs.mapce_xdp_fastpath) : -1,
		.map_fd = deploy_map_fd(d, "mapce_fastpath"),
		.xdp_mode = p->xdp_mode,
	};
	struct hairpin_want hp = {
		.wan = p->ifname,
		.lan = p->hairpin,
		.ifindex = p->hairpin_ifindex,
		.prog_fd = s ? bpf_program__fd(s->progs.mapce_tc_lan) : -1,
	};

	return fastpath_sync(&fp) || hairpin_sync(&hp) ? -1 : 0;
}

/* Already up: bring the forwards in line with the config (a live dynamic
 * mapping holding a port is a refusal, but under run: sync_forwards) and
 * the fast path, record the config file. */
static int ce_already_up(struct deploy *d)
{
	struct ce_run *r = ce_run(d);

	if (sync_forwards(r, false) || sync_lan(d))
		return -1;
	if ((r->res->forwards_added || r->res->forwards_removed) && !d->quiet)
		pr_warn("%s: port forwards brought in line with the config: %d added, %d removed",
			r->p->ifname, r->res->forwards_added, r->res->forwards_removed);
	record_config(r->p);
	return 0;
}

/* ---- load and tables ---------------------------------------------------- */

/* New maps are allocated whole when created (preallocated hash maps): a
 * size the machine cannot hold is refused with the numbers, before
 * anything is created.  Reused pins cost nothing new. */
static int check_memory(struct ce_run *r)
{
	struct deploy *d = &r->d;
	__u64 need, avail;
	char n[32], a[32];

	if (d->pins_existed)
		return 0;
	need = map_mem_object(d->spec->skel->object(d->skel));
	avail = mem_available("/proc/meminfo");
	if (!avail || need <= avail)
		return 0;
	if (r->p->max_flows)
		pr_err("--max-flows %u: the maps need about %s (%llu bytes) of kernel memory, more "
		       "than the %s MemAvailable in /proc/meminfo; pick a smaller --max-flows",
		       r->p->max_flows, mem_str(need, n, sizeof(n)), (unsigned long long)need,
		       mem_str(avail, a, sizeof(a)));
	else
		pr_err("the maps need about %s (%llu bytes) of kernel memory, more than the %s "
		       "MemAvailable in /proc/meminfo",
		       mem_str(need, n, sizeof(n)), (unsigned long long)need,
		       mem_str(avail, a, sizeof(a)));
	return -1;
}

/* --max-flows sizes the NAT tables; pinned ones keep their size (resizing
 * would drop the NAT state: that takes a down). */
static int ce_before_load(struct deploy *d)
{
	struct ce_run *r = ce_run(d);
	struct mapce_ce *s = d->skel;
	__u32 pinned = 0;
	int fd, ret;

	r->flows = r->p->max_flows;
	if (d->pins_existed) {
		fd = pin_open(d->dir, "mapce_flow_out");
		if (fd >= 0) {
			pinned = map_max_entries(fd);
			close(fd);
		}
		if (r->flows && pinned && r->flows != pinned) {
			pr_err("--max-flows %u differs from the %u of the pinned maps in %s; "
			       "run 'mapce down --wan %s' first (it drops the NAT state)",
			       r->flows, pinned, d->dir, d->dev);
			return -1;
		}
		if (!r->flows)
			r->flows = pinned;
	}
	/* the object's size must match the pinned maps' for libbpf to reuse
	 * them */
	if (r->flows) {
		struct bpf_map *maps[] = { s->maps.mapce_flow_out, s->maps.mapce_flow_in,
					   s->maps.mapce_bind, s->maps.mapce_ports };

		for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
			ret = bpf_map__set_max_entries(maps[i], r->flows);
			if (ret) {
				pr_err("sizing %s to %u entries: %s", bpf_map__name(maps[i]),
				       r->flows, deploy_strerror(ret));
				return -1;
			}
		}
	}
	return check_memory(r);
}

/* The pinned NAT maps through deploy (the skeleton's, or the pins). */
static void nat_fds(struct deploy *d, struct nat_fds *m)
{
	m->flow_out = deploy_map_fd(d, "mapce_flow_out");
	m->flow_in = deploy_map_fd(d, "mapce_flow_in");
	m->bind = deploy_map_fd(d, "mapce_bind");
	m->ports = deploy_map_fd(d, "mapce_ports");
	m->peers = deploy_map_fd(d, "mapce_peers");
	m->hosts = deploy_map_fd(d, "mapce_hosts");
}

/* A new address or port set: the datapath stops (when it runs), the NAT
 * state that no longer fits goes, the rest stays.  Nothing is attached
 * on a fresh up, so there is nothing to stop then. */
static int renumber(struct ce_run *r)
{
	struct deploy *d = &r->d;
	struct nat_fds m;
	int ret;

	if (d->mode != DEPLOY_FRESH && deploy_config_disable(d))
		return -1;
	if (!d->pins_existed)
		return 0;
	nat_fds(d, &m);
	ret = nat_prune(&m, &r->p->cfg, &r->res->nat);
	if (ret) {
		pr_err("cutting the NAT state of the old address and port set: %s", strerror(-ret));
		return -1;
	}
	r->res->pruned = true;
	if (!d->quiet && (r->res->nat.bindings_dropped || r->res->nat.flows_dropped))
		pr_warn("%s: pinned NAT state of another address or port set: %ld bindings and "
			"%ld flows dropped, %ld bindings kept",
			d->dev, r->res->nat.bindings_dropped, r->res->nat.flows_dropped,
			r->res->nat.bindings_kept);
	return 0;
}

/* The live datapath may not take --max-flows from the pins' size. */
static int check_flows(struct ce_run *r)
{
	__u32 pinned = map_max_entries(deploy_map_fd(&r->d, "mapce_flow_out"));

	if (!r->p->max_flows || !pinned || pinned == r->p->max_flows)
		return 0;
	pr_err("max-flows %u differs from the %u of the pinned maps in %s; that takes 'mapce "
	       "down --wan %s' (it drops the NAT state)",
	       r->p->max_flows, pinned, r->d.dir, r->d.dev);
	return -1;
}

static int ce_write_tables(struct deploy *d)
{
	struct ce_run *r = ce_run(d);
	const struct ce_up_params *p = r->p;
	const struct mapce_config *old = &d->old_cfg;
	/* the datapath runs (or ran, pinned) with these maps */
	bool live = d->mode != DEPLOY_FRESH;
	bool cut = !d->old_cfg_valid || (ce_config_diff(old, &p->cfg) & CE_CH_NAT);
	struct mapce_pmtu none = {};
	__u32 i, key = 0;
	int ret;

	r->res->old_cfg_valid = d->old_cfg_valid;
	r->res->old_cfg = *old;
	if (live && check_flows(r))
		return -1;
	/* In place, the forwards go first: the one step that may refuse (a
	 * live mapping holds a wanted port, for `up`; run goes on without
	 * them: sync_forwards), before anything changed. */
	if (cut ? renumber(r) : live && sync_forwards(r, false))
		return -1;
	/* the path MTU learned toward another BR says nothing of this one */
	if (d->old_cfg_valid && (ce_config_diff(old, &p->cfg) & CE_CH_BR))
		bpf_map_update_elem(deploy_map_fd(d, "mapce_pmtu"), &key, &none, BPF_ANY);
	ret = rule_array_write(deploy_map_fd(d, "mapce_rules"), p->rules, p->n_rules, &i);
	if (ret) {
		pr_err("writing rule %u: %s", i, deploy_strerror(ret));
		return -1;
	}
	/* Without --mesh the LPM stays empty: every IPv4 goes to the BR. */
	ret = rule_lpm_write(deploy_map_fd(d, "mapce_fmr_lpm"), p->rules, p->mesh ? p->n_rules : 0,
			     true, &i);
	if (ret) {
		pr_err("writing FMR %u to mapce_fmr_lpm: %s", i, deploy_strerror(ret));
		return -1;
	}
	/* Stopped or never started: stale dynamic mappings give way to a
	 * forward. */
	if ((cut || !live) && sync_forwards(r, true))
		return -1;
	/* the port hint as the claims now are: pins of a build without it,
	 * a new set, forwards removed (port_hint_sync.h) */
	ret = port_hint_rebuild(deploy_map_fd(d, "mapce_port_hint"),
				deploy_map_fd(d, "mapce_ports"), &p->cfg);
	if (ret) {
		pr_err("writing mapce_port_hint from mapce_ports: %s", deploy_strerror(ret));
		return -1;
	}
	return 0;
}

/* ---- the route ---------------------------------------------------------- */

/* The IPv4 address the mode makes the box's own, on the WAN (/32, address
 * protocol mapce): ipip6's fixed address (services on the router reached
 * on it: the datapath passes up what no binding takes), DS-Lite's B4
 * address 192.0.0.2 (RFC 6333 §5.7: the box's own IPv4 in the tunnel);
 * none in the other modes.  A former one of ours goes. */
static int ce_local_addr(struct deploy *d)
{
	const struct mapce_config *c = &ce_run(d)->p->cfg;
	__be32 want = c->mode == MAPCE_MODE_IPIP6 || c->mode == MAPCE_MODE_DSLITE ? c->ipv4 : 0;
	char a[IP4_STRLEN];
	int ret = nl_addr4_sync(d->ifindex, want, RTPROT_MAPCE, NULL);

	if (ret)
		pr_err("making %s/32 the address of %s: %s", ip4_str(want, a), d->dev,
		       nl_strerror(ret));
	return ret ? -1 : 0;
}

/* default via inet6 GW dev WAN mtu MTU proto mapce: the only IPv4 default
 * route (mapce sends all IPv4 through the tunnel).  Ours already there as
 * wanted stays untouched; otherwise it is replaced. */
static int ce_routes(struct deploy *d)
{
	struct ce_run *r = ce_run(d);
	const struct mapce_config *c = &r->p->cfg;
	char a[IP6_STRLEN], s[256], dev[IF_NAMESIZE];
	struct nl_route *routes, br, route, cur;
	bool ours;
	int ret, n, i;

	ret = nl_route_get(AF_INET6, c->br_ipv6, &br);
	if (ret) {
		pr_err("no IPv6 route to the BR %s: %s", ip6_str(c->br_ipv6, a), nl_strerror(ret));
		return -1;
	}
	if (br.oif != d->ifindex) {
		pr_err("the IPv6 route to the BR %s leaves via %s, not %s (route: %s)",
		       ip6_str(c->br_ipv6, a),
		       if_indextoname((unsigned int)br.oif, dev) ? dev : "?", d->dev,
		       nl_route_str(&br, s, sizeof(s)));
		return -1;
	}
	/* Via the router toward the BR; a BR on the link is its own next hop. */
	memcpy(r->gw, br.gw_family == AF_INET6 ? br.gw : c->br_ipv6, 16);
	memcpy(r->res->gw, r->gw, 16);

	n = nl_route_list_all(AF_INET, 0, &routes);
	if (n < 0) {
		pr_err("listing the IPv4 routes: %s", nl_strerror(n));
		return -1;
	}
	i = deploy_route_conflict(d, routes, n, 0, 0, &ours);
	if (i >= 0)
		pr_err("an IPv4 default route exists already (%s); mapce sends IPv4 through the "
		       "tunnel and will not replace it: delete it first",
		       nl_route_str(&routes[i], s, sizeof(s)));
	free(routes);
	if (i >= 0)
		return -1;
	if (ce_local_addr(d))
		return -1;
	nl_route4_via6(&route, 0, 0, r->gw, d->ifindex, c->mtu, RTPROT_MAPCE);
	/* DS-Lite: the box's own IPv4 leaves from the B4's address */
	if (c->mode == MAPCE_MODE_DSLITE)
		route.prefsrc = c->ipv4;
	if (ours && find_our_route(d->ifindex, &cur)) {
		if (cur.gw_family == AF_INET6 && !memcmp(cur.gw, r->gw, 16) && cur.mtu == c->mtu &&
		    cur.prefsrc == route.prefsrc) {
			deploy_route_record(d, &route);
			return sync_lan(d);
		}
		r->res->route_changed = true;
		memcpy(r->res->old_gw, cur.gw, 16);
		r->res->old_mtu = cur.mtu;
	}
	if (deploy_route_add(d, &route, ours))
		return -1;
	/* last: the one step the rollback does not undo (it undoes itself) */
	return sync_lan(d);
}

/* ---- done ------------------------------------------------------------------ */

static void print_up(const struct ce_run *r)
{
	const struct mapce_config *c = &r->p->cfg;
	char a[IP6_STRLEN], p[PFX4_STRLEN];
	char fixed[160];
	bool set;

	out_open_object(NULL);
	out_str("wan", "up on %s", r->p->ifname);
	/* what a link flap or a crash had taken, put back */
	if (r->d.mode == DEPLOY_REPAIR || r->d.mode == DEPLOY_RECONFIGURE)
		out_str("repaired", " (repaired: %s)",
			ce_missing_str(r->d.missing, fixed, sizeof(fixed)));
	else
		out_null("repaired", NULL);
	out_text(":");
	out_str("mode", c->mode != MAPCE_MODE_MAP_E ? " %s" : NULL, mode_str(c->mode));
	out_str("ipv4", " %s", ip4_str(c->ipv4, a));
	out_uint("ipv4_prefix_len", NULL, c->ipv4_prefix_len);
	if (c->ipv4_prefix_len < 32)
		out_text(" (routed prefix %s)", net4_str(c->ipv4, c->ipv4_prefix_len, p));
	/* the ports the NAPT really gives out (none: DS-Lite) */
	set = c->mode != MAPCE_MODE_IPIP6 && c->mode != MAPCE_MODE_DSLITE;
	out_uint("psid", set ? " psid %llu" : NULL, c->psid);
	out_uint("psid_len", set ? "/%llu" : NULL, c->psid_len);
	out_uint("psid_offset", set ? " offset %llu" : NULL, c->psid_offset);
	if (c->mode == MAPCE_MODE_IPIP6)
		out_text(" ports %u-65535", MAPCE_IPIP6_NAPT_FIRST);
	out_uint("port_count", c->mode != MAPCE_MODE_DSLITE ? " (%llu ports)" : " (no NAT)",
		 mode_napt_port_count(c));
	out_str("ce_ipv6", ", MAP address %s", ip6_str(c->ce_ipv6, a));
	out_str("br", ", BR %s", ip6_str(c->br_ipv6, a));
	out_str("next_hop", " via %s", ip6_str(r->gw, a));
	out_uint("mtu", ", mtu %llu", c->mtu);
	out_str("xdp_mode", ", xdp %s", xdp_mode_str(r->d.xdp_attached));
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
	if (r->p->source[0])
		out_str("source", ", rule from %s", r->p->source);
	else
		out_null("source", NULL);
	if (r->p->rule[0])
		out_str("rule", NULL, r->p->rule);
	else
		out_null("rule", NULL);
	out_bool("maps_reused", NULL, r->d.pins_existed);
	out_text("%s\n", r->d.pins_existed ? " (pinned NAT state reused)" : "");
	out_close_object();
	out_finish();
}

static void ce_done(struct deploy *d)
{
	struct ce_run *r = ce_run(d);

	record_config(r->p);
	r->res->mode = d->mode;
	r->res->missing = d->missing;
	r->res->addr_replaced = d->addr_replaced;
	memcpy(r->res->old_addr, d->old_addr, 16);
	if (d->quiet)
		return;
	if (sysctl_is_off(SYSCTL_IPV4_FORWARDING))
		pr_warn("net.ipv4.conf.all.forwarding is 0: LAN hosts won't reach the internet "
			"(sysctl -w net.ipv4.conf.all.forwarding=1)");
	print_up(r);
}

/* ---- the spec -------------------------------------------------------------- */

static void ce_forget(const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname);

	config_path_forget(ifname);
	fastpath_down(ifname);
	hairpin_down(ifname);
	update_record_forget(ifname);
	provision_record_forget(ifname);
	aftr_record_forget(ifname);
	/* the mode's own IPv4 address (ce_local_addr) */
	if (ifindex)
		nl_addr4_sync(ifindex, 0, RTPROT_MAPCE, NULL);
}

DEPLOY_SKEL_OPS(mapce_ce);

static const struct deploy_prog ce_progs[] = {
	{ MAPCE_XDP_PROG_NAME, DEPLOY_XDP },
	{ MAPCE_TC_PROG_NAME, DEPLOY_TC_EGRESS, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY },
	{ MAPCE_TC_IN_PROG_NAME, DEPLOY_TC_INGRESS, MAPCE_TC_HANDLE, MAPCE_TC_PRIORITY },
};

static const struct deploy_side ce_side =
	DEPLOY_SIDE(ce_tables_equal, ce_missing, ce_already_up, ce_before_load, ce_write_tables,
		    ce_routes, ce_done);

const struct deploy_spec ce_spec = {
	.w = { "mapce", "--wan", "wan", "down on", "", "mapce's", "MAP address" },
	.pins = { MAPCE_PIN_ROOT, "mapce_config", "", "mapce_layout" },
	.net = { IFA_F_NODAD | IFA_F_NOPREFIXROUTE, RTPROT_MAPCE },
	DEPLOY_PROGS(ce_progs),
	.skel = &mapce_ce_skel_ops,
	.side = &ce_side,
	.forget = ce_forget,
};

/* One run of deploy_up for p; *res (may be r's own) says what it did. */
static int ce_deploy(const struct ce_up_params *p, __u32 *pins, struct ce_up_result *res)
{
	static struct ce_run r;
	int ret;

	r = (struct ce_run){ .p = p };
	r.res = res ? res : &r.own;
	memset(r.res, 0, sizeof(*r.res));
	deploy_init(&r.d, &ce_spec, p->ifname, p->ifindex, &p->cfg, p->cfg.ce_ipv6, p->xdp_mode);
	r.d.source = p->source;
	r.d.rule = p->rule;
	r.d.reconcile = r.d.quiet = pins != NULL;
	r.d.pins_map_id = pins ? *pins : 0;
	ret = deploy_up(&r.d);
	r.res->mode = r.d.mode;
	r.res->pins_lost = r.d.pins_lost;
	if (!ret && pins)
		*pins = r.d.pins_map_id;
	return ret;
}

int ce_up(const struct ce_up_params *p)
{
	return ce_deploy(p, NULL, NULL) ? 1 : 0;
}

int ce_reconcile(const struct ce_up_params *p, __u32 *pins, struct ce_up_result *res)
{
	return ce_deploy(p, pins, res);
}
