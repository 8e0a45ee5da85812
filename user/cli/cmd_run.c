// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_run.c - `mapce run --wan IF [--config FILE] [up's options]`: up's
 * settings and plan (cmd_up.c: the same options, the same file, the same
 * policy), handed to the loop that keeps the CE in line (ce/ce_run.h).
 * What is run's own here: a reload's merge (the WAN may not change under
 * it), and, for a new prefix found by an event, port forwards outside the
 * new port set left out with a note instead of refusing the prefix (a
 * config file or a reload still refuses them, naming the line); and a
 * DS-Lite AFTR given by name (--aftr, DHCPv6 option 64) planned with the
 * address run follows (ce/aftr_service.h), not asked again at every pass.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ce/auto_mode.h"
#include "ce/aftr_service.h"
#include "ce/binlog_service.h"
#include "ce/ce_run.h"
#include "ce/pcp_server.h"
#include "ce/update_service.h"
#include "ce/upnp_bridge.h"
#include "cli/commands.h"
#include "core/config_file.h"
#include "core/mode.h"
#include "core/output.h"
#include "core/portmap.h"
#include "sys/caps.h"

/* The settings run keeps: from the command line and the file, merged. */
static struct up_settings S;

const struct cli_spec run_spec = {
	.name = "run",
	.synopsis = "run --wan IF RULE-OPTIONS --br ADDR [OPTIONS]\n"
		    "run --config FILE [OPTIONS]",
	.description =
		"Start the MAP-E CE on IF as 'up' does (or take over the one that runs there), "
		"then stay in the foreground and keep it in line with the line, watching IF "
		"over rtnetlink.  Within about a second of a change: a new prefix (on IF, or on "
		"the prefix-from interface, or in a DHCPv6 option file) re-derives the IPv4 "
		"address, PSID and MAP address, swaps the address and the route, and drops the "
		"NAT bindings that no longer fit (keeping those that do); a link that went down "
		"and up gets back what the kernel took (the MAP address, the IPv4 route) with "
		"every flow kept.  SIGHUP reads the config file again and applies what changed "
		"in place (a broken file is refused with its line, the running state kept); "
		"SIGTERM or SIGINT takes the CE down and exits 0; 'mapce down' makes it exit.  "
		"With update-url in the config file it makes the update call after the start, "
		"after every change of the tunnel's local address and of the update keys, and "
		"retries a failure with backoff (status shows the last try and success).  With "
		"--mode dslite --aftr NAME (or DHCPv6 option 64's name) it follows the name: asked "
		"again when its TTL ends (30 s to a day), at once on a new WAN prefix, after a "
		"failure with backoff (5 s doubled up to 5 min, the last good address kept); a new "
		"address moves the tunnel's remote in place, every binding and counter kept "
		"(status shows the address, the TTL left, the next question and the last "
		"failure).  With mode auto "
		"it asks the HB46PP server again when the answer's ttl ends and at once on a new "
		"WAN prefix, and applies a changed answer in place; a failed question or a bad "
		"answer keeps the running config and is asked again with backoff.\n\n"
		"One log line per event on stderr (with -j: one JSON object per line on "
		"stdout).  The pid file " MAPCE_RUN_DIR "/IF.pid names the process (a DHCPv6 "
		"client hook sends it SIGHUP) and is its lock: a second run on IF refuses.  "
		"Under systemd (Type=notify) it says READY=1 once up, RELOADING=1/READY=1 "
		"around a SIGHUP, STOPPING=1, and the current address and PSID as STATUS.",
	.groups = run_groups,
	.file_only = up_file_only,
	.notes = "The options and the config file are up's (mapce up -h).  A DHCPv6 client "
		 "hook that writes the option to the dhcpv6-option-file (and, when the "
		 "delegated prefix lives only in its lease, a 'prefix' line to the config file) "
		 "sends SIGHUP to the pid in " MAPCE_RUN_DIR "/IF.pid.",
	.on_opt = up_opt,
};

static int run_reread(void *ctx, char *err, size_t errlen)
{
	static struct up_settings s;
	int ret = up_settings_reread(&s, err, errlen);

	if (ret)
		return ret;
	if (strcmp(s.wan, S.wan)) {
		mapce_errf(err, errlen, "%s:%u: wan %s: the WAN of a running 'mapce run' is %s",
			   s.path, s.line[UK_WAN], s.wan, S.wan);
		return 1;
	}
	S = s;
	return 0;
}

/*
 * A new port set may leave forwards of the file outside it: refusing the
 * prefix would leave the LAN without IPv4, so they are left out and said
 * (lenient).  Plan without them, keep those that fit, plan with those.
 */
static int run_plan(void *ctx, bool lenient, struct ce_up_params *p, char *note, size_t notelen,
		    char *err, size_t errlen)
{
	static struct up_settings kept;
	const struct up_settings *s = &S;
	char m[512], first[PATH_MAX + 600] = "";
	int ret, left = 0;

	note[0] = '\0';
	ret = up_plan_msg(s, aftr_follow_plan, p, err, errlen);
	if (!ret || !lenient || !s->n_portmaps)
		return ret;
	kept = *s;
	kept.n_portmaps = 0;
	if (up_plan_msg(&kept, aftr_follow_plan, p, m, sizeof(m)))
		return ret; /* not the forwards: the first message stands */
	for (int i = 0; i < s->n_portmaps; i++) {
		if (!portmap_check(&p->cfg, &s->portmaps[i], m, sizeof(m))) {
			kept.portmaps[kept.n_portmaps++] = s->portmaps[i];
		} else if (!left++) {
			snprintf(first, sizeof(first), "%s:%u: %s", s->path, s->portmaps[i].line,
				 m);
		}
	}
	ret = up_plan_msg(&kept, aftr_follow_plan, p, err, errlen);
	if (!ret && left)
		snprintf(note, notelen, "%d port forward%s outside the new port set left out (%s)",
			 left, left == 1 ? "" : "s", first);
	return ret;
}

static const struct up_settings *run_settings(void)
{
	return &S;
}

static const char *run_prefix_from(void *ctx)
{
	return S.prefix_from[0] ? S.prefix_from : NULL;
}

static const char *run_config(void *ctx)
{
	return S.path;
}

static const char *run_prometheus_file(void *ctx)
{
	return S.prometheus_file[0] ? S.prometheus_file : NULL;
}

static struct ce_run_ops run_ops = {
	.reread = run_reread,
	.plan = run_plan,
	.prefix_from = run_prefix_from,
	.config = run_config,
	.prometheus_file = run_prometheus_file,
};

/* What the settings ask run to keep beside the CE (run_service.h), in
 * start order; each service adds itself here when its setting is given. */
static struct run_service *run_services[RUN_SERVICE_MAX];

static void run_add(struct run_service *s)
{
	run_services[run_ops.n_services++] = s;
}

int cmd_run(int argc, char **argv)
{
	int ret = up_settings_from_argv(&run_spec, argc, argv, &S);

	if (ret != CLI_GO)
		return ret;
	if (caps_check("mapce run", CAPS_LOAD))
		return 1;
	if (up_auto_ask("run", &S))
		return 1;
	if (S.val[UK_MODE] == MAPCE_MODE_AUTO) /* asks again when the ttl ends */
		run_add(auto_mode_service(S.wan, run_settings));
	if (S.binding_log[0])
		run_add(binlog_service(S.binding_log));
	if (S.upnp_leases[0])
		run_add(upnp_bridge_service(S.wan, S.upnp_leases));
	if (S.pcp[0])
		run_add(pcp_server_service(S.wan, S.pcp));
	/* always: a reload may give it an update-url, an AFTR name */
	run_add(update_service(S.wan, run_settings));
	run_add(aftr_service(S.wan));
	run_ops.services = run_services;
	return ce_run_loop(S.wan, &run_ops, NULL);
}
