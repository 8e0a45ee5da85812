// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_stats.c - `mapce stats [--wan IF] [--per-cpu] [--all]`: the
 * per-reason packet and byte counters of the pinned mapce_stats, summed
 * over the CPUs.  Text: the non-zero reasons (all with --all).  JSON:
 * {"wan": IF, "reasons": {"encap": {"packets": N, "bytes": N}, ...}}
 * with every reason (and "per_cpu": [{"cpu","packets","bytes"}] with
 * --per-cpu).  --prometheus: the CE's metrics in the Prometheus text
 * format instead (ce/ce_prom.h: the same counters and more).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "sys/caps.h"
#include "ce/ce_maps.h"
#include "ce/ce_prom.h"
#include "cli/cli_wan.h"
#include "cli/commands.h"
#include "sys/lock.h"
#include "core/output.h"

struct stats_args {
	const char *wan;
	bool per_cpu, all, prometheus;
};

static const struct opt_def stats_opts[] = {
	{ "per-cpu", NULL, "also show each CPU's counters", 'c' },
	{ "all", NULL, "text: every reason, not only the non-zero ones", 'a' },
	{ "prometheus", NULL,
	  "print the metrics in the Prometheus text format instead: every reason counter, the "
	  "port set's use per protocol, bindings and flows per protocol and state, per-host "
	  "mappings and limit refusals, the learned path MTU",
	  'P' },
	{},
};

static const struct opt_group stats_group = { NULL, stats_opts };
static const struct opt_group *const stats_groups[] = { &cli_wan_group, &stats_group, NULL };

static int stats_opt(void *ctx, const struct opt_def *opt, const char *arg)
{
	struct stats_args *a = ctx;

	if (opt->val == 'w')
		a->wan = arg;
	else if (opt->val == 'c')
		a->per_cpu = true;
	else if (opt->val == 'P')
		a->prometheus = true;
	else
		a->all = true;
	return 0;
}

const struct cli_spec stats_spec = {
	.name = "stats",
	.description = "Per-reason packet and byte counters of the CE on IF (default: the only WAN "
		       "that is up), summed over the CPUs.",
	.groups = stats_groups,
	.examples = "  mapce stats --prometheus --wan wan0 > "
		    "/var/lib/prometheus/node-exporter/mapce.prom\n"
		    "  (mapce run keeps such a file up to date: its prometheus-file option)",
	.on_opt = stats_opt,
};

static int stats_prometheus(const char *wan)
{
	static struct ce_prom p;
	char err[512];
	int lock = mapce_lock(false), ret = ce_prom_collect(wan, &p, err, sizeof(err));

	mapce_unlock(lock);
	if (ret) {
		pr_err("stats: %s", err);
		ce_prom_free(&p);
		return 1;
	}
	ce_prom_write(stdout, &p);
	ce_prom_free(&p);
	if (fflush(stdout) || ferror(stdout)) {
		pr_err("stats: writing the metrics: %s", strerror(errno));
		return 1;
	}
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	struct mapce_counter sum[MAPCE_R__MAX], *pc = NULL;
	struct stats_args a = {};
	char wan[IF_NAMESIZE];
	struct ce_maps m;
	int lock, ncpus, ret = cli_parse(&stats_spec, argc, argv, &a, NULL);

	if (ret != CLI_GO)
		return ret;
	if (caps_check("mapce stats", CAPS_MAPS))
		return 1;
	if (a.prometheus && (out_json || a.per_cpu || a.all)) {
		pr_err("stats: --prometheus is a format of its own: not with %s",
		       out_json	   ? "-j"
		       : a.per_cpu ? "--per-cpu"
				   : "--all");
		return EXIT_USAGE;
	}
	ret = cli_wan_one(a.wan, wan);
	if (ret)
		return ret;
	if (a.prometheus)
		return stats_prometheus(wan);
	lock = mapce_lock(false);
	ret = ce_maps_open(wan, &m);
	if (ret) {
		mapce_unlock(lock);
		pr_err("not up on %s", wan);
		return 1;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		pr_err("stats: cannot count the CPUs: %s", strerror(-ncpus));
		goto fail;
	}
	if (a.per_cpu) {
		pc = calloc((size_t)ncpus * MAPCE_R__MAX, sizeof(*pc));
		if (!pc) {
			pr_err("stats: out of memory");
			goto fail;
		}
	}
	ret = ce_maps_stats(&m, sum, pc, ncpus);
	if (ret) {
		pr_err("reading %s/mapce_stats: %s", m.dir, strerror(-ret));
		goto fail;
	}
	ce_maps_close(&m);
	mapce_unlock(lock);

	out_open_object(NULL);
	out_str("wan", "%s:\n", wan);
	out_text("  %-28s %14s %16s\n", "reason", "packets", "bytes");
	out_open_object("reasons");
	for (int r = 0; r < MAPCE_R__MAX; r++) {
		bool zero = !sum[r].packets && !sum[r].bytes;

		if (!out_json && zero && !a.all)
			continue;
		out_open_object(mapce_reason_names[r]);
		out_text("  %-28s", mapce_reason_names[r]);
		out_uint("packets", " %14llu", sum[r].packets);
		out_uint("bytes", " %16llu\n", sum[r].bytes);
		if (a.per_cpu) {
			out_open_array("per_cpu");
			for (int c = 0; c < ncpus; c++) {
				const struct mapce_counter *v = &pc[r * ncpus + c];

				if (!out_json && !v->packets && !v->bytes && !a.all)
					continue;
				out_open_object(NULL);
				out_uint("cpu", "    cpu%-25llu", (unsigned long long)c);
				out_uint("packets", " %14llu", v->packets);
				out_uint("bytes", " %16llu\n", v->bytes);
				out_close_object();
			}
			out_close_array();
		}
		out_close_object();
	}
	out_close_object();
	out_close_object();
	out_finish();
	free(pc);
	return 0;
fail:
	free(pc);
	ce_maps_close(&m);
	mapce_unlock(lock);
	return 1;
}
