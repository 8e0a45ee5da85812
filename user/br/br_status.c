// SPDX-License-Identifier: GPL-2.0-only
/*
 * br_status.c - `mapce br status [--dev IF]`: what the pinned maps say
 * (config, rules, fragments in flight), what is attached, the routes,
 * and the reason counters summed over the CPUs.  Reads only; takes the
 * lock shared.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mapce_rule.h"

#include "br/br_loader.h"
#include "core/addrfmt.h"
#include "core/output.h"
#include "sys/deploy.h"
#include "sys/lock.h"
#include "sys/netlink.h"
#include "sys/pin.h"

#define BR_STATUS_MAX_DEVS 64

static void print_config(int fd)
{
	struct mapce_config c;
	char a[IP6_STRLEN];
	__u32 key = 0;

	if (bpf_map_lookup_elem(fd, &key, &c)) {
		out_null("config", "  config      (unreadable)\n");
		return;
	}
	out_bool("enabled", "  enabled     %s\n", c.flags & MAPCE_CFG_F_ENABLED);
	out_str("br_ipv6", "  address     %s\n", ip6_str(c.br_ipv6, a));
	out_str("iid_format", "  iid_format  %s\n",
		(c.flags & MAPCE_CFG_F_LEGACY_IID) ? "legacy" : "rfc7597");
	out_uint("hop_limit", "  hop_limit   %llu\n", c.hop_limit);
	out_uint("mtu", "  mtu         %llu (IPv4 routes)\n", c.mtu);
}

static void print_rules(int fd)
{
	char a6[IP6_STRLEN], a4[IP4_STRLEN], buf[IP6_STRLEN + 8];
	int shown = 0;

	out_open_array("rules");
	for (__u32 i = 0; i < MAPCE_MAX_RULES; i++) {
		struct mapce_rule r;
		__u8 k;

		if (bpf_map_lookup_elem(fd, &i, &r) ||
		    (!r.ipv6_prefix_len && !r.ipv4_prefix_len && !r.ea_len))
			continue;
		k = mapce_rule_psid_len(&r);
		if (!shown++)
			out_text("  rules\n");
		out_open_object(NULL);
		out_uint("index", NULL, i);
		out_text("    %-3u ", i + 1);
		snprintf(buf, sizeof(buf), "%s/%u", ip6_str(r.ipv6_prefix, a6), r.ipv6_prefix_len);
		out_str("ipv6_prefix", "%s", buf);
		snprintf(buf, sizeof(buf), "%s/%u", ip4_str(r.ipv4_prefix, a4), r.ipv4_prefix_len);
		out_str("ipv4_prefix", " -> %s", buf);
		out_uint("ea_len", "  ea-len %llu", r.ea_len);
		out_uint("psid_offset", "  offset %llu", r.psid_offset);
		out_uint("psid_len", "  psid-len %llu", k);
		out_uint("ports_per_ce", "  (%llu ports per CE)\n",
			 mapce_port_count(r.psid_offset, k));
		out_close_object();
	}
	out_close_array();
	if (!shown)
		out_text("  rules       (none)\n");
}

/* The spec's programs (XDP, tc egress): attached, and which. */
static void print_attach(int ifindex)
{
	struct deploy_attached a;
	bool ours;

	for (int i = 0; i < br_spec.n_progs; i++) {
		bool xdp = br_spec.progs[i].hook == DEPLOY_XDP;

		ours = ifindex && !deploy_query(&br_spec, i, ifindex, &a) && a.ours;
		out_open_object(xdp ? "xdp" : "tc");
		out_bool("attached", xdp ? "  xdp         %s" : "  tc egress   %s", ours);
		if (ours && xdp) {
			out_uint("prog_id", " (program %llu", a.prog_id);
			out_str("mode", ", %s mode)", xdp_mode_str(a.xdp_mode));
		} else if (ours) {
			out_uint("prog_id", " (program %llu)", a.prog_id);
		}
		out_text("\n");
		out_close_object();
	}
}

static void print_routes(int ifindex)
{
	struct nl_route *rts = NULL;
	char s[256];
	int n = ifindex ? nl_route_list_all(AF_INET, 0, &rts) : 0;
	int shown = 0;

	out_open_array("routes");
	for (int i = 0; i < n; i++) {
		if (rts[i].protocol != RTPROT_MAPCE_BR || rts[i].oif != ifindex)
			continue;
		out_str(NULL, shown++ ? "              %s\n" : "  routes      %s\n",
			nl_route_str(&rts[i], s, sizeof(s)));
	}
	out_close_array();
	if (n > 0)
		free(rts);
	if (!shown)
		out_text("  routes      (none)\n");
}

/*
 * Datagrams the BR is tracking fragments of (mapce_br_frags keys; some may
 * be older than MAPCE_FRAG_TIMEOUT_S and void, the LRU reclaims them).
 * Bounded by the map's size.
 */
static void print_frags(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info), n = 0;
	struct mapce_frag_key k, next;
	void *prev = NULL;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		out_null("fragments", "  fragments   (unreadable)\n");
		return;
	}
	for (__u32 i = 0; i <= info.max_entries; i++) {
		if (bpf_map_get_next_key(fd, prev, &next))
			break;
		k = next;
		prev = &k;
		n++;
	}
	out_open_object("fragments");
	out_uint("datagrams", "  fragments   %llu datagrams tracked", n);
	out_uint("max", " (at most %llu", info.max_entries);
	out_uint("timeout_s", ", %llu s)\n", MAPCE_FRAG_TIMEOUT_S);
	out_close_object();
}

static void print_counters(int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	struct mapce_counter *v;
	int any = 0;

	if (ncpu <= 0 || !(v = calloc((size_t)ncpu, sizeof(*v)))) {
		out_null("counters", "  counters    (unreadable)\n");
		return;
	}
	out_open_object("counters");
	for (__u32 r = 0; r < MAPCE_R__MAX; r++) {
		__u64 p = 0, b = 0;

		if (bpf_map_lookup_elem(fd, &r, v))
			continue;
		for (int c = 0; c < ncpu; c++) {
			p += v[c].packets;
			b += v[c].bytes;
		}
		/* text: the reasons that happened; JSON: all of them */
		if (p && !any++)
			out_text("  counters\n");
		out_open_object(mapce_reason_names[r]);
		if (p)
			out_text("    %-24s", mapce_reason_names[r]);
		out_uint("packets", p ? "%12llu pkts" : NULL, p);
		out_uint("bytes", p ? "%14llu bytes\n" : NULL, b);
		out_close_object();
	}
	out_close_object();
	if (!any)
		out_text("  counters    (all zero)\n");
	free(v);
}

/* One device.  0, or -ENOENT when there is no BR on it. */
static int status_one(const char *ifname)
{
	char dir[256];
	int ifindex = (int)if_nametoindex(ifname);
	int cfg, rules, stats, frags;

	if (pin_dir_path(dir, sizeof(dir), MAPCE_BR_PIN_ROOT, ifname))
		return -ENAMETOOLONG;
	cfg = pin_open(dir, "mapce_br_config");
	if (cfg < 0)
		return -ENOENT;
	rules = pin_open(dir, "mapce_br_rules");
	stats = pin_open(dir, "mapce_br_stats");
	frags = pin_open(dir, "mapce_br_frags");

	out_open_object(NULL);
	out_str("dev", "br on %s", ifname);
	out_int("ifindex", NULL, ifindex);
	out_text(ifindex ? "\n" : " (no such device in this network namespace)\n");
	out_str("pin_dir", "  pins        %s\n", dir);
	print_config(cfg);
	print_attach(ifindex);
	if (rules >= 0)
		print_rules(rules);
	print_routes(ifindex);
	if (frags >= 0)
		print_frags(frags);
	if (stats >= 0)
		print_counters(stats);
	out_close_object();

	close(cfg);
	if (rules >= 0)
		close(rules);
	if (stats >= 0)
		close(stats);
	if (frags >= 0)
		close(frags);
	return 0;
}

int br_status(const char *ifname)
{
	static char names[BR_STATUS_MAX_DEVS][IF_NAMESIZE];
	int lock, n, ret = 0;

	lock = mapce_lock_or_err(false);
	if (lock < 0)
		return 1;
	if (ifname) {
		if (status_one(ifname)) {
			char dir[256] = "";

			pin_dir_path(dir, sizeof(dir), MAPCE_BR_PIN_ROOT, ifname);
			pr_err("the BR is not up on %s (no maps pinned in %s)", ifname, dir);
			ret = 1;
		}
		mapce_unlock(lock);
		if (!ret)
			out_finish();
		return ret;
	}
	n = pin_list_dirs(MAPCE_BR_PIN_ROOT, names, BR_STATUS_MAX_DEVS);
	out_open_array(NULL);
	for (int i = 0, shown = 0; i < n && i < BR_STATUS_MAX_DEVS; i++) {
		if (shown)
			out_text("\n");
		if (!status_one(names[i]))
			shown++;
	}
	out_close_array();
	if (n <= 0)
		out_text("no BR is up\n");
	out_finish();
	mapce_unlock(lock);
	return 0;
}
