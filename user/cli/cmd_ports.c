// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_ports.c - `mapce ports [--wan IF]`: the CE's port set and who uses
 * it, from the pinned maps: the set (ranges, size), per protocol the
 * ports claimed, free, held by forwards and the mappings overlapped onto
 * a claimed port, the per-host limit, the allocation failures since the
 * maps were made (drop_no_ports, drop_host_limit, drop_table_full) and
 * the LAN hosts, busiest first (ce/port_use.h, shared with `mapce
 * status`).  Text and JSON from the same out_*() calls:
 *   {"wan", "ipv4", "psid", "psid_len", "psid_offset", "port_count",
 *    "range_size", "ranges": [{"first","last"}], "protocols": {"tcp":
 *    {"in_use","free","forwards","overlapped","mappings"}, "udp", "icmp"},
 *    "max_per_host", "allocation_failures": {"no_ports","host_limit",
 *    "table_full"}, "hosts": [...as status...]}
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "ce/ce_maps.h"
#include "ce/port_use.h"
#include "cli/cli_wan.h"
#include "cli/commands.h"
#include "core/mode.h"
#include "core/addrfmt.h"
#include "core/output.h"
#include "core/portmap.h"
#include "mapce_rule.h"
#include "sys/caps.h"
#include "sys/lock.h"

#define HOSTS_SHOWN_TEXT 32 /* text mode lists the busiest hosts only */

static const struct opt_group *const ports_groups[] = { &cli_wan_group, NULL };

const struct cli_spec ports_spec = {
	.name = "ports",
	.description =
		"The port set of the CE on IF (default: the only WAN that is up) and who uses it: "
		"the set's ranges and size; per protocol the ports in use, free, held by port "
		"forwards and the mappings overlapped onto a port another mapping holds (once the "
		"set is exhausted); the per-host limit; the allocation failures since up (no free "
		"port, the per-host limit, a full table); and the LAN hosts, busiest first, with "
		"their mappings per protocol, what counts against the limit and the refusals at "
		"it.",
	.groups = ports_groups,
	.on_opt = cli_store_arg,
};

static void print_set(const struct mapce_config *c)
{
	__u32 n = mapce_range_count(c->psid_offset, c->psid_len);
	__u32 size = mapce_range_size(c->psid_offset, c->psid_len);
	char a[IP4_STRLEN], ranges[1024];

	out_str("ipv4", "  address      %s", ip4_str(c->ipv4, a));
	out_uint("psid", ", psid %llu", c->psid);
	out_uint("psid_len", " (length %llu", c->psid_len);
	out_uint("psid_offset", ", offset %llu)\n", c->psid_offset);
	out_uint("port_count", "  set          %llu ports", c->port_count);
	out_uint("range_count", NULL, n);
	out_uint("range_size", n > 1 ? " in ranges of %llu" : "", size);
	out_text(": %s\n", portmap_set_ranges(c, ranges, sizeof(ranges)));
	out_open_array("ranges");
	for (__u32 i = 0; i < n && out_json; i++) {
		__u32 first = mapce_range_first(c->psid_offset, c->psid_len, c->psid, i);

		out_open_object(NULL);
		out_uint("first", NULL, first);
		out_uint("last", NULL, first + size - 1);
		out_close_object();
	}
	out_close_array();
}

static void print_use(const struct mapce_config *c, const struct port_use *u)
{
	out_text("  %-10s %8s %8s %9s %11s %9s\n", "protocol", "in use", "free", "forwards",
		 "overlapped", "mappings");
	out_open_object("protocols");
	for (int p = 0; p < PU__N; p++) {
		__u32 used = u->in_use[p], n = mode_napt_port_count(c); /* ipip6: 1024- */

		out_open_object(port_use_proto_names[p]);
		out_text("  %-10s", port_use_proto_names[p]);
		out_uint("in_use", " %8llu", used);
		out_uint("free", " %8llu", n > used ? n - used : 0);
		out_uint("forwards", " %9llu", u->claimed_forwards[p]);
		out_uint("overlapped", " %11llu", u->overlapped[p]);
		out_uint("mappings", " %9llu\n", u->mappings[p]);
		out_close_object();
	}
	out_close_object();
}

static void print_failures(const struct ce_maps *m, const struct mapce_config *c)
{
	struct mapce_counter sum[MAPCE_R__MAX];
	int ncpus = libbpf_num_possible_cpus();

	out_uint("max_per_host",
		 c->max_per_host ? "  limit        %llu mappings per LAN host\n"
				 : "  limit        none per LAN host\n",
		 c->max_per_host);
	if (ncpus <= 0 || ce_maps_stats(m, sum, NULL, ncpus)) {
		out_null("allocation_failures", "  failures     (the counters cannot be read)\n");
		return;
	}
	out_open_object("allocation_failures");
	out_uint("no_ports", "  failures     %llu without a free port",
		 sum[MAPCE_R_DROP_NO_PORTS].packets);
	out_uint("host_limit", ", %llu at the per-host limit",
		 sum[MAPCE_R_DROP_HOST_LIMIT].packets);
	out_uint("table_full", ", %llu with the table full (since up)\n",
		 sum[MAPCE_R_DROP_TABLE_FULL].packets);
	out_close_object();
}

int cmd_ports(int argc, char **argv)
{
	static struct port_use u;
	const char *arg = NULL;
	char wan[IF_NAMESIZE];
	struct mapce_config c;
	struct ce_maps m;
	int lock, ret = cli_parse(&ports_spec, argc, argv, &arg, NULL);

	if (ret != CLI_GO)
		return ret;
	if (caps_check("mapce ports", CAPS_MAPS))
		return 1;
	ret = cli_wan_one(arg, wan);
	if (ret)
		return ret;
	lock = mapce_lock(false);
	if (ce_maps_open(wan, &m)) {
		mapce_unlock(lock);
		pr_err("not up on %s", wan);
		return 1;
	}
	ret = ce_maps_config(&m, &c);
	if (ret) {
		pr_err("ports: reading %s/mapce_config: %s", m.dir, strerror(-ret));
		goto out;
	}
	ret = port_use_read(&m, &c, &u);
	if (ret) {
		pr_err("ports: reading %s/mapce_ports, mapce_bind: %s", m.dir, strerror(-ret));
		goto out;
	}
	out_open_object(NULL);
	out_str("wan", "%s:\n", wan);
	print_set(&c);
	print_use(&c, &u);
	print_failures(&m, &c);
	port_use_print_hosts(&u, &c, HOSTS_SHOWN_TEXT);
	out_close_object();
	out_finish();
out:
	port_use_free(&u);
	ce_maps_close(&m);
	mapce_unlock(lock);
	return ret ? 1 : 0;
}
