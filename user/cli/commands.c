// SPDX-License-Identifier: GPL-2.0-only
/* commands.c - the top level of the command line: `mapce CMD` (commands.h). */
#include "cli/commands.h"
#include "core/output.h"

static const struct opt_def global_opts[] = {
	{ "json", NULL, "JSON output", 'j', 0, 'j' },
	{ "pretty", NULL, "indented JSON output", 'p', 0, 'p' },
	{ "verbose", NULL, "libbpf and verifier messages (-vv or repeated: more)", 'v', OPT_REPEAT,
	  'v' },
	{ "version", NULL, "print versions (first, instead of a command)", 'V', 0, 'V' },
	{},
};

const struct opt_group mapce_global_group = {
	"Global options (anywhere on the line before a --)",
	global_opts,
};

static const struct cli_cmd mapce_cmds[] = {
	{ "calc", cmd_calc, "derive MAP-E parameters from a service, a DHCPv6 option or rules",
	  &calc_spec },
	{ "up", cmd_up, "start the CE on a WAN interface", &up_spec },
	{ "down", cmd_down, "stop the CE and remove everything up added", &down_spec },
	{ "run", cmd_run, "start the CE and keep it up as the line changes (prefix, link, SIGHUP)",
	  &run_spec },
	{ "status", cmd_status, "show parameters, attach modes and counters", &status_spec },
	{ "flows", cmd_flows, "list live NAT flows with per-flow counters", &flows_spec },
	{ "stats", cmd_stats, "print the per-reason packet counters (or Prometheus metrics)",
	  &stats_spec },
	{ "ports", cmd_ports, "show the port set and who uses it: per protocol, per LAN host",
	  &ports_spec },
	{ "log", cmd_log, "print the binding log: mappings created, closed, expired, refused",
	  &log_spec },
	{ "portmap", NULL, "forward outside ports to LAN hosts (portmap add|del|list)", NULL,
	  &portmap_level },
	{ "upnp-config", cmd_upnp_config,
	  "write a miniupnpd configuration that maps only the CE's port set", &upnp_config_spec },
	{ "provision", cmd_provision,
	  "ask the line's HB46PP server for its service and print it as config", &provision_spec },
	{ "isp", NULL, "the ISP rule tables mapce knows (isp list|show)", NULL, &isp_level },
	{ "br", NULL, "run a stateless BR on an interface (br up|down|status)", NULL, &br_level },
	{},
};

static const struct opt_group *const mapce_groups[] = { &mapce_global_group, NULL };

const struct cli_level mapce_level = {
	.name = "",
	.synopsis = "[-j|--json] [-p|--pretty] [-v] COMMAND [ARGS]\n"
		    "COMMAND -h\n"
		    "-V",
	.description = "mapce: a MAP-E (RFC 7597) CE gateway, and a stateless BR for labs, on XDP "
		       "and TC.",
	.cmds = mapce_cmds,
	.groups = mapce_groups,
};

int cli_rule_opt(const char *cmd, struct mapce_opts *o, const struct opt_def *opt, const char *arg)
{
	char msg[512];
	int ret = mapce_opts_handle(o, opt->val, arg, msg, sizeof(msg));

	if (ret < 0) {
		pr_err("%s: %s", cmd, msg);
		return o->usage_err ? EXIT_USAGE : 1;
	}
	if (ret > 0) { /* in the table but not handled: a bug */
		pr_err("%s: option --%s not handled", cmd, opt->name);
		return 1;
	}
	return 0;
}
