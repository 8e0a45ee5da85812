// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_ce.c - make bench: what the CE's datapath costs, in one run.
 *
 *   paths     the BPF cost per packet of every path beside trivial XDP
 *             and TC programs, by three methods (bench.h)
 *   stateful  RFC 9693's figures: binding setup and tear-down rates, table
 *             capacity, map memory per binding (stateful.h)
 *   scale     the established path with 1K, 100K and 1M live flows, and
 *             the time to create 1M (scale.h)
 *   counters  a per-packet counter shared (atomic or plain) or per-CPU: its
 *             cost on one CPU and on all at once, and what it loses
 *             (counters.h)
 *   state     one entry of NAT state: a hash map insert of a fresh key
 *             (cold), one key inserted and deleted again (warm), a warm
 *             lookup (state_cost.h): the floor under a new flow
 *
 *   build/tests/bench_ce [-j] [--quick] [--calls N] [--live N] [--only TEXT]
 *                        [--jit-lines DIR] [--commit ID]
 *
 * -j prints JSON instead of the table; --quick runs tiny counts (the smoke
 * test of make test: every row, no timing asserted); --only TEXT runs the
 * trivial programs and the paths whose names contain TEXT, nothing else
 * (for a profiler, or before/after runs of one path); --live N sets the
 * frames of a live series (b), 1000000 by default (a profiler's run wants
 * more); --jit-lines DIR writes DIR/PROGRAM.lines, the JIT's line table
 * of each of the CE's programs as the bench loaded them (jit_lines.h:
 * tests/bench/profile.sh's key from a sample to a source line).
 *
 * The bench moves to a network namespace of its own first: the XDP_PASS
 * frames of the live runs go up that namespace's stack (a loopback that
 * is down, no route) and vanish with it when the bench exits.  bpf_stats
 * are on only while a (c) series runs (bench.h).
 */
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "bench/bench.h"
#include "bench/paths.h"
#include "bench/stateful.h"
#include "bench/scale.h"
#include "bench/counters.h"
#include "bench/state_cost.h"

static void machine(char *cpu, size_t n)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(cpu, n, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && v) {
			v += v[1] == ' ' ? 2 : 1;
			v[strcspn(v, "\n\"\\")] = 0;
			snprintf(cpu, n, "%s", v);
			break;
		}
	}
	if (f)
		fclose(f);
}

static int usage(const char *bad)
{
	fprintf(stderr,
		"bench_ce: bad argument '%s'\nusage: bench_ce [-j] [--quick] [--calls N] "
		"[--live N] [--only TEXT] [--jit-lines DIR] [--commit ID]\n",
		bad);
	return 2;
}

/* The live frames the fast path redirects (and its trivial programs')
 * end at the trivial XDP_DROP program on the devices' peers: the same
 * short way out of the device for every frame, whatever it carries (up
 * the peer's stack, an encapsulated frame and a plain one would cost
 * differently).  0, or -1. */
static int fp_net_sinks(void)
{
	static const char *const peers[] = { "lanp", "wanp" };

	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		int ifindex = (int)if_nametoindex(peers[i]);

		if (!ifindex || bpf_xdp_attach(ifindex, base.xdp_drop, 0, NULL)) {
			fprintf(stderr, "# %s: cannot attach the XDP sink\n", peers[i]);
			return -1;
		}
	}
	return 0;
}

/* A count of --calls or --live: 1..max, or 0 (bad). */
static __u32 count_arg(const char *a, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(a, &end, 10);

	return *a && !*end && v >= 1 && v <= max ? (__u32)v : 0;
}

static int parse(int argc, char **argv, const char **commit)
{
	bo = (struct bench_opts){ .calls = 20001,
				  .live = 1000000,
				  .setup = 50000,
				  .capacity = 32768, /* below the 64512 ports: no overlap */
				  .scale = { 1000, 100000, 1000000 },
				  .create = 1000000 };
	/* --quick first: the options given beside it override it */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			bo.calls = 101;
			bo.live = 1000;
			bo.setup = 200;
			bo.capacity = 512;
			bo.scale[0] = 100;
			bo.scale[1] = 1000;
			bo.scale[2] = 4000;
			bo.create = 4000;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--quick")) {
			bo.json |= argv[i][1] == 'j';
		} else if (!strcmp(argv[i], "--calls") && i + 1 < argc) {
			bo.calls = count_arg(argv[++i], 10000000);
			if (!bo.calls)
				return usage(argv[i]);
		} else if (!strcmp(argv[i], "--live") && i + 1 < argc) {
			bo.live = count_arg(argv[++i], 1000000000);
			if (!bo.live)
				return usage(argv[i]);
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			bo.only = argv[++i];
		} else if (!strcmp(argv[i], "--commit") && i + 1 < argc) {
			*commit = argv[++i];
		} else if (!strcmp(argv[i], "--jit-lines") && i + 1 < argc) {
			bo.jit_dir = argv[++i];
		} else {
			return usage(argv[i]);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *commit = "unknown";
	char cpu[128], date[32], head[512];
	struct utsname u;
	struct pkt in4, in6;
	time_t now = time(NULL);
	int stats_fd;

	if (parse(argc, argv, &commit))
		return 2;
	if (bo.jit_dir && access(bo.jit_dir, W_OK)) {
		fprintf(stderr, "bench_ce: --jit-lines %s: not a directory it can write to\n",
			bo.jit_dir);
		return 2;
	}
	bo.can_live = unshare(CLONE_NEWNET) == 0;
	/* can bpf_stats be turned on?  Only for the (c) series (bench.h) */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	bo.stats = stats_fd >= 0;
	if (stats_fd >= 0)
		close(stats_fd);
	base.tc = trivial_prog(BPF_PROG_TYPE_SCHED_CLS, TC_ACT_OK);
	base.xdp_pass = trivial_prog(BPF_PROG_TYPE_XDP, XDP_PASS);
	base.xdp_drop = trivial_prog(BPF_PROG_TYPE_XDP, XDP_DROP);
	if (base.tc < 0 || base.xdp_pass < 0 || base.xdp_drop < 0) {
		fprintf(stderr, "bench_ce: cannot load a BPF program (run as root)\n");
		return 1;
	}
	bo.fp_net = bo.can_live && fp_net_setup() == 0 && fp_net_sinks() == 0;
	machine(cpu, sizeof(cpu));
	uname(&u);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	{
		struct v4_spec s = UDP_OUT(0x1345, 53, .payload = 64);

		pkt_v4(&in4, &s);
		ce_frame_from(&in6, BR6, &s);
	}
	bench_baselines(&in4, &in6);
	bench_paths();
	if (!bo.only) {
		bench_stateful();
		bench_scale();
		bench_counters();
		bench_state_cost();
	}
	snprintf(head, sizeof(head),
		 "\"machine\":\"%s\",\"cores\":%ld,\"kernel\":\"%s\",\"commit\":\"%s\","
		 "\"date\":\"%s\",\"bpf_stats\":%s,\"bpf_stats_while_timing\":%s,"
		 "\"live_frames\":%s,\"calls\":%u",
		 cpu, sysconf(_SC_NPROCESSORS_ONLN), u.release, commit, date,
		 bo.stats ? "true" : "false", bo.stats_timed ? "true" : "false",
		 bo.can_live ? "true" : "false", bo.calls);

	if (bo.json) {
		print_json(head);
	} else {
		printf("# mapce bench: %s, %ld cores, kernel %s, commit %s, %s\n", cpu,
		       sysconf(_SC_NPROCESSORS_ONLN), u.release, commit, date);
		printf("# ns per packet. (a) one packet per BPF_PROG_TEST_RUN call, median of %u;"
		       " net = minus the trivial\n#   program's (a); (b) XDP live frames, %u "
		       "per run, net = minus the trivial program's (b): the trivial program of\n#"
		       "   the same type and verdict on the same frame; (c) bpf_stats "
		       "run_time_ns/run_cnt over runs of their own made as (a)'s and (b)'s%s\n"
		       "#   (bpf_stats off while (a), (b) and the other figures are timed: %s)\n",
		       bo.calls, bo.live, bo.stats ? "" : " (unavailable)",
		       bo.stats_timed ? "NOT SO, it was on system-wide (kernel.bpf_stats_enabled)"
				      : "their clock reads are not in them");
		printf("\nBPF cost per packet\n");
		print_rows("paths");
	}
	if (!bo.json && !bo.only) {
		printf("\nStateful NAT (RFC 9693)\n");
		print_figs("stateful");
		printf("\nScale: established UDP with N live flows\n");
		print_rows("scale");
		print_figs("scale");
		printf("\nCounters: one 8-byte counter per packet, by kind\n");
		print_figs("counters");
		printf("\nState: one entry of a hash map of the flow table's sizes\n");
		print_figs("state");
	}
	fx_close();
	for (int i = 0; i < nbrows; i++)
		if (!brows[i].checked)
			return 1;
	for (int i = 0; i < nbfigs; i++)
		if (!bfigs[i].checked)
			return 1;
	return 0;
}
