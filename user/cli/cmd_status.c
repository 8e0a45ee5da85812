// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_status.c - `mapce status [--wan IF]`: for each WAN that is up (every
 * dir under MAPCE_PIN_ROOT, or IF): the parameters from the pinned config,
 * XDP attach mode and program ids, whether the tc filter is attached, live
 * flow and binding counts, the NAT behaviour (filtering, per-host limit,
 * port forwards), the main counters and the port usage per LAN host
 * (ce/port_use.h, shared with `mapce ports`), whether the
 * MAP address and the IPv4 route are there (a link flap takes them) and
 * whether a `mapce run` keeps the CE.  A WAN device deleted while up is
 * "up": false, "wan_gone": true, with the down that removes the rest.
 * JSON: {"interfaces": [ {...one object per WAN...} ]}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/libbpf.h>

#include "core/addrfmt.h"
#include "sys/attach.h"
#include "sys/caps.h"
#include "core/policy.h"
#include "ce/ce_maps.h"
#include "cli/cli_wan.h"
#include "cli/commands.h"
#include "core/config_file.h"
#include "sys/lock.h"
#include "core/mode.h"
#include "core/output.h"
#include "sys/pin.h"
#include "ce/portmap.h"
#include "ce/port_use.h"
#include "ce/ce_loader.h"
#include "ce/fastpath_lan.h"
#include "ce/hairpin_hook.h"
#include "sys/daemon.h"
#include "sys/netlink.h"
#include "sys/state_file.h"
#include "sys/provision_record.h"
#include "sys/update_call.h"
#include "ce/aftr_name.h"

#define HOSTS_SHOWN_TEXT 32 /* text mode lists the busiest hosts only */

static const struct opt_group *const status_groups[] = { &cli_wan_group, NULL };

const struct cli_spec status_spec = {
	.name = "status",
	.description =
		"Parameters, attach state, flow and binding counts, the main counters and the "
		"port usage per LAN host of the CE on IF (default: every WAN that is up), and the "
		"update call's last try and last success when the config has update-url, "
		"the DS-Lite AFTR name 'mapce run' follows: its address, TTL left, next "
		"question and last failure, and with mode auto the service the HB46PP answer "
		"ordered, its server, the last answer and the next question.  "
		"With -j: {\"interfaces\": [...]}, one object per WAN.",
	.groups = status_groups,
	.on_opt = cli_store_arg,
};

static void print_counter(const char *key, const char *label, const struct mapce_counter *c)
{
	out_open_object(key);
	out_text("  %-13s", label);
	out_uint("packets", "%llu packets", c->packets);
	out_uint("bytes", ", %llu bytes\n", c->bytes);
	out_close_object();
}

/* Where the rule came from and since when the address is in use: the
 * state file up wrote (not in the maps). */
static void print_origin(const char *wan)
{
	static struct up_state st;
	char when[64];
	struct tm tm;
	time_t t;

	if (state_load(ce_spec.pins.state_prefix, wan, &st)) {
		out_null("source", NULL);
		return;
	}
	if (st.rule[0])
		out_str("rule", "  rule         %s\n", st.rule);
	else
		out_null("rule", NULL);
	out_str("source", "  from         %s\n", st.source[0] ? st.source : "(not recorded)");
	t = (time_t)st.since;
	if (!st.since || !gmtime_r(&t, &tm)) {
		out_null("since", NULL);
		return;
	}
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	out_str("since", "  since        %s", when);
	out_int("since_age_s", " (%llds ago: this prefix and MAP address)\n",
		(long long)time(NULL) - st.since);
}

/* Unix time t as "2026-12-04T10:00:00Z" under key, with its age under
 * key_age_s; null when never. */
static void print_when(const char *key, const char *key_age, const char *text_fmt, long long t)
{
	char when[64], age[64];
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm)) {
		out_null(key, text_fmt ? " never" : NULL);
		out_null(key_age, NULL);
		return;
	}
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(age, sizeof(age), " (%%llds %s)", t > time(NULL) ? "from now" : "ago");
	out_str(key, text_fmt, when);
	out_int(key_age, age, llabs((long long)time(NULL) - t));
}

/* mode auto (ce/auto_mode.h): the service the HB46PP answer ordered, its
 * server, the last answer and the next question; null when not auto. */
static void print_provision(const char *wan)
{
	static struct provision_record r;

	if (provision_record_load(wan, &r)) {
		out_null("provision", NULL);
		return;
	}
	out_open_object("provision");
	out_str("mode", "  provision    mode %s:", "auto");
	out_str("service", " %s", r.service);
	out_str("url", " from %s\n", r.url);
	out_str("config", "    config     %s\n", r.config);
	print_when("fetched", "fetched_age_s", "    fetched    %s", r.fetched);
	if (r.ttl)
		out_uint("ttl", ", ttl %llu s", r.ttl);
	else
		out_null("ttl", ", no ttl");
	print_when("next", "next_in_s", ", next %s", r.next);
	out_text("\n");
	out_uint("failures", r.failures ? "    failures   %llu in a row" : NULL, r.failures);
	if (r.failures) {
		print_when("last_try", "last_try_age_s", ", last %s", r.last_try);
	} else {
		out_null("last_try", NULL);
		out_null("last_try_age_s", NULL);
	}
	if (r.error[0])
		out_str("error", r.failures ? ": %s\n" : NULL, r.error);
	else
		out_null("error", NULL);
	out_close_object();
}

/* The update call (sys/update_call.h): the record `up` or `run` keeps;
 * null when none was made.  The password is in none of it. */
static void print_update(const char *wan)
{
	static struct update_record r;

	if (update_record_load(wan, &r)) {
		out_null("update", NULL);
		return;
	}
	out_open_object("update");
	out_str("url", "  update       %s\n", r.url);
	print_when("last_try", "last_try_age_s", "    last try   %s", r.last_try);
	out_str("address", " from %s", r.addr);
	out_bool("ok", NULL, r.ok);
	if (r.code)
		out_int("code", ": HTTP %lld", r.code);
	else
		out_null("code", NULL);
	if (r.error[0])
		out_str("error", ": failed: %s", r.error);
	else
		out_null("error", NULL);
	out_str("reply", r.reply[0] ? ": %s\n" : "\n", r.reply);
	out_text("    last ok   ");
	print_when("last_success", "last_success_age_s", " %s", r.last_success);
	if (r.success_addr[0])
		out_str("success_address", " from %s", r.success_addr);
	else
		out_null("success_address", NULL);
	out_text("\n");
	out_uint("failures", r.failures ? "    failures   %llu in a row" : NULL, r.failures);
	if (r.next_try && r.failures)
		print_when("next_try", "next_try_in_s", ", next try %s", r.next_try);
	else
		print_when("next_try", "next_try_in_s", NULL, 0);
	out_text(r.failures ? "\n" : "");
	out_close_object();
}

/* The AFTR name `mapce run` follows (ce/aftr_name.h): null when none. */
static void print_aftr(const char *wan)
{
	static struct aftr_record r;
	long long left;

	if (aftr_record_load(wan, &r)) {
		out_null("aftr_name", NULL);
		return;
	}
	left = r.resolved + (long long)r.ttl - (long long)time(NULL);
	out_open_object("aftr_name");
	out_str("name", "  aftr name    %s", r.name);
	if (r.addr[0]) {
		out_str("address", " is %s", r.addr);
		out_uint("ttl", " (TTL %llu s", r.ttl);
		out_int("ttl_left_s", ", %lld s left)\n", left > 0 ? left : 0);
	} else {
		out_null("address", " (no address yet)\n");
		out_null("ttl", NULL);
		out_null("ttl_left_s", NULL);
	}
	out_text("    resolved  ");
	print_when("resolved", "resolved_age_s", " %s", r.resolved);
	print_when("last_try", "last_try_age_s", ", asked %s", r.last_try);
	print_when("next_try", "next_try_in_s", ", next %s\n", r.next_try);
	out_uint("failures", r.failures ? "    failures   %llu in a row" : NULL, r.failures);
	if (r.error[0])
		out_str("error", r.failures ? ": %s\n" : NULL, r.error);
	else
		out_null("error", NULL);
	out_close_object();
}

/* What a link flap takes (the MAP address, the IPv4 route) present?  And
 * who keeps the CE in line (mapce run).  Only known in the WAN's network
 * namespace (ifindex 0: not here). */
static void print_pieces(const char *wan, int ifindex, const struct mapce_config *c)
{
	struct nl_route *rts, *ours = NULL;
	char a[IP6_STRLEN], s[256];
	pid_t run = pidfile_running(wan);
	int n = ifindex ? nl_route_list_all(AF_INET, 0, &rts) : -1;

	if (!ifindex) {
		out_null("address_present", NULL);
		out_null("route_present", NULL);
	} else {
		out_bool("address_present", NULL, nl_addr6_present(ifindex, c->ce_ipv6) == 1);
		if (nl_addr6_present(ifindex, c->ce_ipv6) != 1)
			out_text("  address      %s missing from %s ('mapce up' puts it back)\n",
				 ip6_str(c->ce_ipv6, a), wan);
		for (int i = 0; i < n && !ours; i++) {
			if (rts[i].dst_len == 0 && rts[i].protocol == RTPROT_MAPCE &&
			    rts[i].oif == ifindex)
				ours = &rts[i];
		}
		out_bool("route_present", ours ? "  route        %s" : "  route        missing",
			 ours != NULL);
		if (ours)
			out_text(": %s\n", nl_route_str(ours, s, sizeof(s)));
		else
			out_text(" ('mapce up' puts it back)\n");
	}
	if (n >= 0)
		free(rts);
	if (run)
		out_int("run_pid", "  run          mapce run, pid %lld\n", run);
	else
		out_null("run_pid", "  run          no 'mapce run' keeps it\n");
}

/* Where each of the CE's programs attaches: ours (by name, or by the id
 * up recorded when names need CAP_SYS_ADMIN), another's, or nothing.
 * ifindex 0: the WAN is not here, nothing is known. */
static void print_attached(int ifindex)
{
	static const struct {
		const char *key, *label, *extra;
	} hooks[] = {
		/* ce_spec's order: XDP, tc egress, tc ingress */
		{ "xdp", "  xdp          %s", "" },
		{ "tc", "  tc egress    %s", "" },
		{ "tc_ingress", "  tc ingress   %s", " (outer fragment reassembly)" },
	};
	struct deploy_attached a;

	for (int i = 0; i < ce_spec.n_progs && i < 3; i++) {
		bool is_xdp = ce_spec.progs[i].hook == DEPLOY_XDP;

		out_open_object(hooks[i].key);
		if (!ifindex) {
			out_null("attached", NULL);
			out_close_object();
			continue;
		}
		if (deploy_query(&ce_spec, i, ifindex, &a))
			memset(&a, 0, sizeof(a));
		out_bool("attached", hooks[i].label, a.ours);
		if (a.ours && is_xdp)
			out_str("mode", ", %s", xdp_mode_str(a.xdp_mode));
		if (a.ours)
			out_uint("prog_id", ", prog id %llu", a.prog_id);
		else if (a.unknown)
			out_uint(
				"unknown_prog_id",
				" (program %llu: whose it is cannot be told without CAP_SYS_ADMIN)",
				a.prog_id);
		else if (a.prog_id)
			out_uint("foreign_prog_id", " (program %llu is not mapce's)", a.prog_id);
		out_text(a.ours ? "%s\n" : "\n", hooks[i].extra);
		out_close_object();
	}
}

/* The IPv4 address and the ports the NAPT really gives out
 * (mode_napt_port_count): a port set (MAP-E, lw4o6), 1024-65535 (ipip6,
 * whose forwards take any port), none (DS-Lite). */
static void print_address(const struct mapce_config *c)
{
	char a[IP4_STRLEN], p[PFX4_STRLEN];
	__u32 n = mode_napt_port_count(c);
	bool ipip6 = c->mode == MAPCE_MODE_IPIP6, set = !ipip6 && n;

	out_str("ipv4", "  ipv4         %s", ip4_str(c->ipv4, a));
	out_uint("ipv4_prefix_len", NULL, c->ipv4_prefix_len);
	if (c->ipv4_prefix_len < 32)
		out_text(" (routed prefix %s)", net4_str(c->ipv4, c->ipv4_prefix_len, p));
	out_text("\n");
	out_uint("psid", set ? "  psid         %llu" : NULL, c->psid);
	out_uint("psid_len", set ? " (length %llu" : NULL, c->psid_len);
	out_uint("psid_offset", set ? ", offset %llu), " : NULL, c->psid_offset);
	if (ipip6)
		out_text("  ports        %u-65535 for NAPT, forwards on any port: ",
			 MAPCE_IPIP6_NAPT_FIRST);
	else if (!n)
		out_text("  ports        none: no NAT here (the AFTR translates)");
	out_uint("port_count", n ? "%llu ports\n" : "\n", n);
}

/* The XDP fast path: its LAN device and attach mode (from up's record),
 * its hits each way and why packets took the normal path (sum: the
 * counters, NULL when they cannot be read). */
static void print_fastpath(const char *wan, const struct mapce_counter *sum)
{
	static const char pass[] = "ev_fastpath_pass_";
	struct lan_record r;
	bool on = fastpath_record_load(wan, &r) == 0, any = false;

	out_open_object("fastpath");
	out_bool("on", NULL, on);
	if (on) {
		out_str("lan", "  fastpath     %s", r.lan);
		out_str("xdp_mode", " (xdp %s)", xdp_mode_str(r.mode));
	} else {
		out_null("lan", "  fastpath     off");
	}
	if (sum) {
		out_uint("out", ", out %llu", sum[MAPCE_R_EV_FASTPATH_OUT].packets);
		out_uint("in", ", in %llu packets", sum[MAPCE_R_EV_FASTPATH_IN].packets);
		out_open_object("passed");
		for (int i = 0; i < MAPCE_R__MAX; i++) {
			const char *n = mapce_reason_names[i];

			if (strncmp(n, pass, sizeof(pass) - 1) || !sum[i].packets)
				continue;
			out_text(any ? " %s" : "; to the normal path: %s", n + sizeof(pass) - 1);
			out_uint(n + sizeof(pass) - 1, " %llu", sum[i].packets);
			any = true;
		}
		out_close_object();
	}
	out_text("\n");
	out_close_object();
}

/* ipip6's hairpin hook: its LAN device (from up's record) and the
 * packets hairpinned (every mode's, sum[hairpin]; NULL: unread). */
static void print_hairpin(const char *wan, const struct mapce_config *c,
			  const struct mapce_counter *sum)
{
	struct lan_record r;
	bool on = hairpin_record_load(wan, &r) == 0;

	if (!c || c->mode != MAPCE_MODE_IPIP6)
		return; /* MAP-E and lw4o6 hairpin at the WAN, DS-Lite at the AFTR */
	out_open_object("hairpin");
	if (on)
		out_str("lan", "  hairpin      via %s", r.lan);
	else
		out_null("lan", "  hairpin      off (LAN hosts reach the box itself on the fixed "
				"address; config key hairpin LAN_IF)");
	if (sum && on)
		out_uint("packets", ", %llu packets", sum[MAPCE_R_HAIRPIN].packets);
	out_text("\n");
	out_close_object();
}

static void print_wan(const char *wan)
{
	struct mapce_counter sum[MAPCE_R__MAX], dropped = {};
	bool have_sum = false;
	struct port_use use = {};
	char a[IP6_STRLEN];
	struct mapce_config c;
	struct ce_maps m;
	int ifindex = (int)if_nametoindex(wan);
	int ncpus = libbpf_num_possible_cpus();
	bool have_cfg, any_drop = false;
	int in_use;

	out_open_object(NULL);
	out_str("wan", "%s", wan);
	if (ce_maps_open(wan, &m)) {
		out_bool("up", NULL, false);
		out_text(": not up (no pinned config in %s)\n", m.dir);
		out_close_object();
		return;
	}
	have_cfg = ce_maps_config(&m, &c) == 0;
	/* Pins are global, interfaces per network namespace: a name here
	 * with another ifindex than the config's is another device. */
	if (ifindex && have_cfg && c.wan_ifindex && c.wan_ifindex != (__u32)ifindex)
		ifindex = 0;
	/* Not here: deleted (its programs went with it, the pins stay until
	 * down), or in another namespace with its programs running. */
	in_use = ifindex ? 1 : deploy_maps_in_use(&ce_spec, m.dir);
	out_bool("up", NULL, in_use != 0);
	if (ifindex) {
		out_int("ifindex", " (ifindex %lld)", ifindex);
	} else if (!in_use) {
		out_null("ifindex", NULL);
		out_bool("wan_gone", NULL, true);
		out_text(": the WAN device is gone (no mapce program uses its pinned maps); "
			 "'mapce down --wan %s' removes what is left",
			 wan);
	} else {
		out_null("ifindex",
			 in_use > 0 ? " (not in this network namespace, its programs running: "
				      "attach state unknown)"
				    : " (not in this network namespace: attach state unknown)");
	}
	out_text("\n");
	if (!have_cfg) {
		out_str("error", "  config: %s\n", "cannot read the pinned config");
	} else {
		out_str("mode", "  mode         %s\n", mode_str(c.mode));
		print_address(&c);
		out_str("ce_ipv6", "  ce_ipv6      %s\n", ip6_str(c.ce_ipv6, a));
		out_str("br", "  br           %s\n", ip6_str(c.br_ipv6, a));
		print_origin(wan);
		print_provision(wan);
		print_update(wan);
		print_aftr(wan);
		print_pieces(wan, ifindex, &c);
		out_uint("mtu", "  mtu          %llu", c.mtu);
		out_uint("hop_limit", ", hop limit %llu", c.hop_limit);
		out_uint("mss_clamp", c.mss_clamp ? ", mss clamp %llu" : ", mss clamp off",
			 c.mss_clamp);
		out_uint("encap_limit", c.encap_limit ? ", encap limit %llu\n" : "\n",
			 c.encap_limit);
		out_open_object("timeouts");
		out_uint("udp", "  timeouts     udp %llus", c.timeout_udp);
		out_uint("tcp_est", ", tcp established %llus", c.timeout_tcp_est);
		out_uint("tcp_trans", ", tcp transitory %llus", c.timeout_tcp_trans);
		out_uint("icmp", ", icmp %llus\n", c.timeout_icmp);
		out_close_object();
		out_str("filtering", "  nat          filtering %s", filtering_str(c.filtering));
		out_uint("max_per_host",
			 c.max_per_host ? ", max %llu mappings per host" : ", no per-host limit",
			 c.max_per_host);
		out_text("\n");
		out_uint("gc_interval_ms", NULL, c.gc_interval_ms);
		out_uint("wan_ifindex", NULL, c.wan_ifindex);
		out_text("  flags       ");
		out_open_array("flags");
		if (c.flags & MAPCE_CFG_F_ENABLED)
			out_str(NULL, " %s", "enabled");
		if (c.flags & MAPCE_CFG_F_MESH)
			out_str(NULL, " %s", "mesh");
		if (c.flags & MAPCE_CFG_F_LEGACY_IID)
			out_str(NULL, " %s", "legacy_iid");
		out_close_array();
		out_text("\n");
	}

	/* Attach state: only known in the WAN's network namespace. */
	print_attached(ifindex);

	out_int("flows", "  flows        %lld", ce_map_count(m.flow_out));
	out_uint("max_flows", " of %llu\n", ce_map_max_entries(m.flow_out));
	out_int("bindings", "  bindings     %lld", ce_map_count(m.bind));
	out_uint("max_bindings", " of %llu\n", ce_map_max_entries(m.bind));
	if (have_cfg && m.ports >= 0 && m.bind >= 0) {
		struct portmap_maps pmm = {
			.ports = m.ports, .bind = m.bind, .hosts = -1, .cfg = c
		};
		static struct portmap fw[PORTMAP_MAX * 4];
		long fw_ports = 0;
		int n_fw = portmap_read_installed(&pmm, fw, PORTMAP_MAX * 4, &fw_ports);

		out_int("port_forwards", "  forwards     %lld", n_fw < 0 ? 0 : n_fw);
		out_int("forwarded_ports", " (%lld ports; mapce portmap list)\n", fw_ports);
	}

	out_open_object("counters");
	if (ncpus > 0 && !ce_maps_stats(&m, sum, NULL, ncpus)) {
		have_sum = true;
		print_counter("encap", "encap", &sum[MAPCE_R_ENCAP]);
		print_counter("decap", "decap", &sum[MAPCE_R_DECAP]);
		print_counter("pass_native", "pass_native", &sum[MAPCE_R_PASS_NATIVE]);
		for (int r = 0; r < MAPCE_R__MAX; r++) {
			if (strncmp(mapce_reason_names[r], "drop_", 5))
				continue;
			dropped.packets += sum[r].packets;
			dropped.bytes += sum[r].bytes;
		}
		print_counter("dropped", "dropped", &dropped);
		out_open_object("drops");
		for (int r = 0; r < MAPCE_R__MAX; r++) {
			if (strncmp(mapce_reason_names[r], "drop_", 5) || !sum[r].packets)
				continue;
			if (!any_drop)
				out_text("    by reason:");
			any_drop = true;
			out_text(" %s", mapce_reason_names[r]);
			out_uint(mapce_reason_names[r], " %llu", sum[r].packets);
		}
		if (any_drop)
			out_text("\n");
		out_close_object();
	}
	out_close_object();
	print_fastpath(wan, have_sum ? sum : NULL);
	print_hairpin(wan, have_cfg ? &c : NULL, have_sum ? sum : NULL);

	/* Port usage per LAN host: the EIM bindings by inside address, and
	 * the datapath's per-host accounting (held, refusals at the limit). */
	if (have_cfg) {
		port_use_read(&m, &c, &use);
		port_use_print_hosts(&use, &c, HOSTS_SHOWN_TEXT);
		port_use_free(&use);
	}
	ce_maps_close(&m);
	out_close_object();
}

int cmd_status(int argc, char **argv)
{
	static char names[CE_MAX_WANS][IF_NAMESIZE];
	const char *wan = NULL;
	int n, lock, ret = cli_parse(&status_spec, argc, argv, &wan, NULL);

	if (ret != CLI_GO)
		return ret;
	if (caps_check("mapce status", CAPS_MAPS))
		return 1;
	n = cli_wans(wan, names, CE_MAX_WANS);
	if (n < 0)
		return 1;
	lock = mapce_lock(false);
	out_open_object(NULL);
	out_open_array("interfaces");
	for (int i = 0; i < n; i++) {
		if (i)
			out_text("\n");
		print_wan(names[i]);
	}
	out_close_array();
	out_close_object();
	out_finish();
	mapce_unlock(lock);
	return 0;
}
