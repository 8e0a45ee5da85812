// SPDX-License-Identifier: GPL-2.0-only
/*
 * ce_loader.c - `mapce up` and `mapce down` on a WAN interface: the CE's
 * spec and its own steps in sys/deploy.h's lifecycle.
 *
 *   before load   --max-flows sizes the NAT tables (pinned ones keep theirs)
 *   tables        pinned NAT state of another address or port set flushed;
 *                 rules, the FMR LPM (--mesh), the port forwards
 *   address       the MAP IPv6 address /128 (nodad, noprefixroute)
 *   routes        IPv4 default route via inet6 <next hop to the BR>, mtu,
 *                 proto RTPROT_MAPCE
 *   programs      XDP ingress; tc egress (NAPT + encap); tc ingress
 *                 (reassembly of outer IPv6 fragments)
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

#include "ce/ce_loader.h"
#include "ce/portmap.h"
#include "core/addrfmt.h"
#include "core/config_file.h"
#include "core/output.h"
#include "sys/config_record.h"
#include "sys/deploy.h"
#include "sys/map_util.h"
#include "sys/pin.h"
#include "sys/rule_maps.h"
#include "sys/sysctl.h"

/* One run of up: the shared part first, then the CE's own. */
struct ce_run {
	struct deploy d;
	const struct ce_up_params *p;
	__u32 flows;  /* the NAT tables' size (0: the object's default) */
	__u8 gw[16];  /* the IPv6 next hop toward the BR */
	int forwards; /* port forwards installed */
};

static struct ce_run *ce_run(struct deploy *d)
{
	return (struct ce_run *)((char *)d - offsetof(struct ce_run, d));
}

/* Our IPv4 default route on ifindex (proto RTPROT_MAPCE), if any. */
static bool find_our_route(int ifindex)
{
	struct nl_route *routes;
	int n = nl_route_list_all(AF_INET, 0, &routes);
	bool found = false;

	for (int i = 0; i < n && !found; i++)
		found = routes[i].dst_len == 0 && routes[i].protocol == RTPROT_MAPCE &&
			routes[i].oif == ifindex;
	if (n >= 0)
		free(routes);
	return found;
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
	return find_our_route(d->ifindex) ? NULL : "the IPv4 default route";
}

static void record_config(const struct ce_up_params *p)
{
	int ret = config_path_record(p->ifname, p->config_path);

	if (ret)
		pr_warn("recording the config file of %s: %s (mapce portmap will not save)",
			p->ifname, strerror(-ret));
}

/* Already up: bring the forwards in line with the config (a live dynamic
 * mapping holding a port is a refusal), record the config file. */
static int ce_already_up(struct deploy *d)
{
	const struct ce_up_params *p = ce_run(d)->p;
	struct portmap_maps m;
	char errbuf[1536];
	int added, removed, ret;

	ret = portmap_maps_open(d->dir, &m);
	if (ret) {
		pr_err("opening the port maps in %s: %s", d->dir, strerror(-ret));
		return -1;
	}
	ret = portmap_sync(&m, p->portmaps, p->n_portmaps, false, p->config_path, &added, &removed,
			   errbuf, sizeof(errbuf));
	portmap_maps_close(&m);
	if (ret) {
		pr_err("port forwards: %s", errbuf);
		return -1;
	}
	if (added || removed)
		pr_warn("%s: port forwards brought in line with the config: %d added, %d removed",
			p->ifname, added, removed);
	record_config(p);
	return 0;
}

/* ---- load and tables ---------------------------------------------------- */

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
	return 0;
}

/* Pinned NAT state of another address or port set is void. */
static void flush_stale_nat(struct ce_run *r)
{
	const struct mapce_config *old = &r->d.old_cfg, *c = &r->p->cfg;
	struct mapce_ce *s = r->d.skel;

	if (!r->d.old_cfg_valid ||
	    (old->ipv4 == c->ipv4 && old->psid == c->psid && old->psid_len == c->psid_len &&
	     old->psid_offset == c->psid_offset))
		return;
	pr_warn("pinned NAT state of %s belongs to another address or port set: flushing it",
		r->p->ifname);
	map_clear(bpf_map__fd(s->maps.mapce_flow_out), r->flows);
	map_clear(bpf_map__fd(s->maps.mapce_flow_in), r->flows);
	map_clear(bpf_map__fd(s->maps.mapce_bind), r->flows);
	map_clear(bpf_map__fd(s->maps.mapce_ports), r->flows);
	map_clear(bpf_map__fd(s->maps.mapce_peers), r->flows);
	map_clear(bpf_map__fd(s->maps.mapce_hosts),
		  map_max_entries(bpf_map__fd(s->maps.mapce_hosts)));
}

/* The port forwards.  Nothing is attached yet, so dynamic mappings left
 * in reused pins are stale: a forward takes their port. */
static int install_forwards(struct ce_run *r)
{
	const struct ce_up_params *p = r->p;
	struct mapce_ce *s = r->d.skel;
	struct portmap_maps m = {
		.ports = bpf_map__fd(s->maps.mapce_ports),
		.bind = bpf_map__fd(s->maps.mapce_bind),
		.hosts = bpf_map__fd(s->maps.mapce_hosts),
		.cfg = p->cfg,
	};
	char errbuf[1536];
	int added, removed;

	/* the fds belong to the skeleton: no portmap_maps_close() */
	if (portmap_sync(&m, p->portmaps, p->n_portmaps, true, p->config_path, &added, &removed,
			 errbuf, sizeof(errbuf))) {
		pr_err("port forwards: %s", errbuf);
		return -1;
	}
	r->forwards = p->n_portmaps;
	return 0;
}

static int ce_write_tables(struct deploy *d)
{
	struct ce_run *r = ce_run(d);
	const struct ce_up_params *p = r->p;
	struct mapce_ce *s = d->skel;
	__u32 i;
	int ret;

	flush_stale_nat(r);
	ret = rule_array_write(bpf_map__fd(s->maps.mapce_rules), p->rules, p->n_rules, &i);
	if (ret) {
		pr_err("writing rule %u: %s", i, deploy_strerror(ret));
		return -1;
	}
	/* Without --mesh the LPM stays empty: every IPv4 goes to the BR. */
	ret = rule_lpm_write(bpf_map__fd(s->maps.mapce_fmr_lpm), p->rules, p->mesh ? p->n_rules : 0,
			     true, &i);
	if (ret) {
		pr_err("writing FMR %u to mapce_fmr_lpm: %s", i, deploy_strerror(ret));
		return -1;
	}
	return install_forwards(r);
}

/* ---- the route ---------------------------------------------------------- */

/* default via inet6 GW dev WAN mtu MTU proto mapce: the only IPv4 default
 * route (mapce sends all IPv4 through the tunnel). */
static int ce_routes(struct deploy *d)
{
	struct ce_run *r = ce_run(d);
	const struct mapce_config *c = &r->p->cfg;
	char a[IP6_STRLEN], s[256], dev[IF_NAMESIZE];
	struct nl_route *routes, br, route;
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
	nl_route4_via6(&route, 0, 0, r->gw, d->ifindex, c->mtu, RTPROT_MAPCE);
	return deploy_route_add(d, &route, ours);
}

/* ---- done ------------------------------------------------------------------ */

static void print_up(const struct ce_run *r)
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
	if (sysctl_is_off(SYSCTL_IPV4_FORWARDING))
		pr_warn("net.ipv4.conf.all.forwarding is 0: LAN hosts won't reach the internet "
			"(sysctl -w net.ipv4.conf.all.forwarding=1)");
	print_up(r);
}

/* ---- the spec -------------------------------------------------------------- */

static void ce_forget(const char *ifname)
{
	config_path_forget(ifname);
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
	.pins = { MAPCE_PIN_ROOT, "mapce_config", "" },
	.net = { IFA_F_NODAD | IFA_F_NOPREFIXROUTE, RTPROT_MAPCE },
	DEPLOY_PROGS(ce_progs),
	.skel = &mapce_ce_skel_ops,
	.side = &ce_side,
	.forget = ce_forget,
};

int ce_up(const struct ce_up_params *p)
{
	static struct ce_run r;

	r = (struct ce_run){ .p = p };
	deploy_init(&r.d, &ce_spec, p->ifname, p->ifindex, &p->cfg, p->cfg.ce_ipv6, p->xdp_mode);
	r.d.source = p->source;
	r.d.rule = p->rule;
	return deploy_up(&r.d) ? 1 : 0;
}
