// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_flows.c - `mapce flows [--wan IF]`: every live NAT flow of the
 * pinned mapce_flow_out with its inbound half from mapce_flow_in: proto,
 * inside, outside and remote endpoints, state, age and idle time (seconds,
 * CLOCK_MONOTONIC_COARSE like the datapath), packets and bytes each way.
 * JSON: {"wan": IF, "flows": [{"proto", "inside", "inside_ip",
 * "inside_port", "outside", ..., "remote", ..., "state", "age_s",
 * "idle_s", "timeout_s", "packets_out", "bytes_out", "packets_in",
 * "bytes_in"}, ...]}.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/addrfmt.h"
#include "sys/caps.h"
#include "ce/ce_maps.h"
#include "cli/cli_wan.h"
#include "cli/commands.h"
#include "sys/lock.h"
#include "mapce_flow.h"
#include "core/output.h"

static const struct opt_group *const flows_groups[] = { &cli_wan_group, NULL };

const struct cli_spec flows_spec = {
	.name = "flows",
	.description = "List the live NAT flows of the CE on IF (default: the only WAN that is up) "
		       "with their state, age, idle time and per-direction counters.",
	.groups = flows_groups,
	.on_opt = cli_store_arg,
};

struct flows_ctx {
	int flow_in;
	__u64 now;
	struct mapce_config cfg;
	bool have_cfg;
};

static void print_ep(const char *key, __be32 ip, __be16 port, const char *text_fmt)
{
	char ep[EP4_STRLEN], k[32], a[IP4_STRLEN];

	out_str(key, text_fmt, ep4_str(ip, port, ep));
	snprintf(k, sizeof(k), "%s_ip", key);
	out_str(k, NULL, ip4_str(ip, a));
	snprintf(k, sizeof(k), "%s_port", key);
	out_uint(k, NULL, ntohs(port));
}

static __u64 secs_since(__u64 now, __u64 t)
{
	return now > t ? (now - t) / 1000000000ull : 0;
}

static int flow_cb(const void *key, const void *val, void *arg)
{
	const struct mapce_tuple *t = key;
	const struct mapce_flow *out = val;
	struct flows_ctx *x = arg;
	struct mapce_flow in;
	bool have_in = ce_flow_in_half(x->flow_in, t, out, &in);
	__u64 last = out->last_ns > in.last_ns ? out->last_ns : in.last_ns;
	int st = mapce_flow_state(t->proto, out->tcp_seen, have_in ? in.tcp_seen : 0);

	out_open_object(NULL);
	out_str("proto", "%-5s", l4_proto_str(t->proto));
	print_ep("inside", t->local_ip, t->local_port, " %-21s");
	print_ep("outside", out->ip, out->port, " %-21s");
	print_ep("remote", t->remote_ip, t->remote_port, " %-21s");
	out_str("state", " %-11s", st < MAPCE_FS__MAX ? mapce_flow_state_names[st] : "?");
	out_uint("age_s", " %7llu", secs_since(x->now, out->created_ns));
	out_uint("idle_s", " %6llu", secs_since(x->now, last));
	if (x->have_cfg)
		out_uint("timeout_s", NULL, mapce_flow_timeout(&x->cfg, t->proto, st));
	out_uint("packets_out", " %10llu", out->packets);
	out_uint("bytes_out", " %12llu", out->bytes);
	out_uint("packets_in", " %10llu", in.packets);
	out_uint("bytes_in", " %12llu", in.bytes);
	out_bool("inbound_half", NULL, have_in);
	out_text("%s\n", have_in ? "" : " (no inbound half)");
	out_close_object();
	return 0;
}

int cmd_flows(int argc, char **argv)
{
	char wan[IF_NAMESIZE];
	const char *wan_opt = NULL;
	struct flows_ctx x = {};
	struct ce_maps m;
	long n;
	int lock, ret = cli_parse(&flows_spec, argc, argv, &wan_opt, NULL);

	if (ret != CLI_GO)
		return ret;
	if (caps_check("mapce flows", CAPS_MAPS))
		return 1;
	ret = cli_wan_one(wan_opt, wan);
	if (ret)
		return ret;
	lock = mapce_lock(false);
	if (ce_maps_open(wan, &m) || m.flow_out < 0) {
		mapce_unlock(lock);
		pr_err("not up on %s", wan);
		return 1;
	}
	x.flow_in = m.flow_in;
	x.have_cfg = ce_maps_config(&m, &x.cfg) == 0;
	x.now = ce_now_ns();

	out_open_object(NULL);
	out_str("wan", "%s:\n", wan);
	out_text("%-5s %-21s %-21s %-21s %-11s %7s %6s %10s %12s %10s %12s\n", "proto", "inside",
		 "outside", "remote", "state", "age_s", "idle_s", "pkts_out", "bytes_out",
		 "pkts_in", "bytes_in");
	out_open_array("flows");
	n = ce_map_foreach(m.flow_out, flow_cb, &x);
	out_close_array();
	out_int("count", n >= 0 ? "%lld flows\n" : NULL, n >= 0 ? n : 0);
	out_close_object();
	out_finish();
	ce_maps_close(&m);
	mapce_unlock(lock);
	if (n < 0) {
		pr_err("reading %s/mapce_flow_out: %s", m.dir, strerror((int)-n));
		return 1;
	}
	return 0;
}
