// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_stats.c - `mapce stats [--wan IF] [--per-cpu] [--all]`: the
 * per-reason packet and byte counters of the pinned mapce_stats, summed
 * over the CPUs.  Text: the non-zero reasons (all with --all).  JSON:
 * {"wan": IF, "reasons": {"encap": {"packets": N, "bytes": N}, ...}}
 * with every reason (and "per_cpu": [{"cpu","packets","bytes"}] with
 * --per-cpu).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "sys/caps.h"
#include "ce/ce_maps.h"
#include "cli/cli_wan.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "sys/lock.h"
#include "core/output.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mapce stats [--wan IF] [--per-cpu] [--all]\n"
		"\n"
		"Per-reason packet and byte counters of the CE on IF (default: the\n"
		"only WAN that is up), summed over the CPUs.\n"
		"  --per-cpu   also show each CPU's counters\n"
		"  --all       text: every reason, not only the non-zero ones\n");
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "wan", required_argument, NULL, 'w' },
		{ "per-cpu", no_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct mapce_counter sum[MAPCE_R__MAX], *pc = NULL;
	char wan[IF_NAMESIZE];
	const char *wan_opt = NULL;
	bool per_cpu = false, all = false;
	struct ce_maps m;
	int opt, ret, lock, ncpus;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'w':
			wan_opt = optarg;
			break;
		case 'c':
			per_cpu = true;
			break;
		case 'a':
			all = true;
			break;
		default:
			return cli_bad_option("stats", opt, argv);
		}
	}
	if (cli_no_more_args("stats", argc, argv))
		return EXIT_USAGE;
	if (caps_check("mapce stats"))
		return 1;
	ret = cli_wan_one(wan_opt, wan);
	if (ret)
		return ret;
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
	if (per_cpu) {
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

		if (!out_json && zero && !all)
			continue;
		out_open_object(mapce_reason_names[r]);
		out_text("  %-28s", mapce_reason_names[r]);
		out_uint("packets", " %14llu", sum[r].packets);
		out_uint("bytes", " %16llu\n", sum[r].bytes);
		if (per_cpu) {
			out_open_array("per_cpu");
			for (int c = 0; c < ncpus; c++) {
				const struct mapce_counter *v = &pc[r * ncpus + c];

				if (!out_json && !v->packets && !v->bytes && !all)
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
