// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_log.c - `mapce log [--follow] [--wan IF]`: the binding log of the CE
 * (ce/binlog_read.h): one line per event (-j: one JSON object per line),
 * what is queued, then exit; with --follow, new events as they come until
 * SIGINT or SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ce/binlog_read.h"
#include "cli/cli_wan.h"
#include "cli/commands.h"
#include "core/output.h"
#include "sys/caps.h"

struct log_opts {
	const char *wan;
	bool follow;
};

static const struct opt_def log_opts[] = {
	{ "follow", NULL, "stay and print new events as they come, until SIGINT or SIGTERM", 'f', 0,
	  0 },
	{},
};

static const struct opt_group log_group = { NULL, log_opts };
static const struct opt_group *const log_groups[] = { &cli_wan_group, &log_group, NULL };

static int log_opt(void *ctx, const struct opt_def *opt, const char *arg)
{
	struct log_opts *o = ctx;

	if (opt->val == 'w')
		o->wan = arg;
	else
		o->follow = true;
	return 0;
}

const struct cli_spec log_spec = {
	.name = "log",
	.description =
		"The binding log of the CE on IF (default: the only WAN that is up): one line per "
		"binding event the datapath saw since it was last read: created (a LAN endpoint "
		"got an outside port), closed (a TCP flow's first FIN or RST, per direction), "
		"expired (the expiry sweep freed the port), refused (no port left in the set, or "
		"the per-host limit).  Each line: the UTC time (ISO 8601, milliseconds), the "
		"event, the protocol, the inside, outside and remote address and port, and the "
		"reason counter the event is counted under: what an abuse report about an "
		"outside address, port and time needs to find the LAN host (RFC 6302).  With -j "
		"one JSON object a line: time, event, proto, inside, outside, remote, reason.",
	.groups = log_groups,
	.notes = "The events wait in a ring buffer in the kernel (about 6500 of them); what is "
		 "read is gone from it, and when it is full new events are lost and counted "
		 "(mapce stats: ev_binlog_lost), never a packet.  The ring has one reader: "
		 "while a 'mapce run' with a binding-log file (or another 'mapce log') reads "
		 "it, 'mapce log' refuses, naming that reader's pid; read the file instead.",
	.examples = "mapce log --wan wan0\n"
		    "mapce -j log --follow | jq 'select(.outside == \"198.51.100.18:4660\")'",
	.on_opt = log_opt,
};

static volatile sig_atomic_t log_stop;

static void on_signal(int sig)
{
	log_stop = sig;
}

static void on_event(const struct mapce_binlog_event *e, void *arg)
{
	binlog_print(e);
}

static int log_follow(struct binlog_reader *r)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int n;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!log_stop) {
		/* the ring's clock (mapce_binlog.h); the stop flag's too */
		n = binlog_wait(r, MAPCE_BINLOG_FLUSH_MS);
		if (n < 0 && n != -EINTR) {
			pr_err("log: reading the binding log: %s", strerror(-n));
			return 1;
		}
	}
	return 0;
}

int cmd_log(int argc, char **argv)
{
	struct log_opts o = {};
	struct binlog_reader r;
	char wan[IF_NAMESIZE], err[512];
	int n, ret = cli_parse(&log_spec, argc, argv, &o, NULL);

	if (ret != CLI_GO)
		return ret;
	if (caps_check("mapce log", CAPS_MAPS))
		return 1;
	ret = cli_wan_one(o.wan, wan);
	if (ret)
		return ret;
	if (binlog_open(&r, wan, on_event, NULL, err, sizeof(err))) {
		pr_err("log: %s", err);
		return 1;
	}
	n = binlog_read(&r);
	if (n < 0) {
		pr_err("log: reading the binding log: %s", strerror(-n));
		ret = 1;
	} else if (o.follow) {
		ret = log_follow(&r);
	}
	binlog_close(&r);
	return ret;
}
