/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench.h - the bench's timing methods and its results (make bench).
 *
 * Three ways to time one BPF program on one input, each labelled in the
 * output because each measures something different:
 *   (a) one packet per BPF_PROG_TEST_RUN call (repeat = 1, a fresh copy of
 *       the input each call): the median of the kernel-reported durations
 *       minus the median of a trivial program of the same type timed the
 *       same way.  It includes the test_run timer's overhead; the trivial
 *       program's subtraction takes most of it out.
 *   (b) XDP live frames (BPF_F_TEST_XDP_LIVE_FRAMES, repeat = a batch):
 *       the kernel's total time over packets, as a driver would run the
 *       program on a page-pool frame, verdicts acted on (XDP_PASS frames
 *       go up the stack of the bench's own network namespace, where
 *       nothing routes them: see bench_ce.c).  XDP paths only.
 *   (c) bpf_stats: run_time_ns / run_cnt of the program over runs of its
 *       own made as (a)'s and (b)'s are, enabled with BPF_ENABLE_STATS for
 *       just those runs (the kernel switches it off again when the fd
 *       closes, however the bench exits).  Off while (a), (b) and every
 *       other figure is timed: with it on, every program run reads the
 *       clock twice around the program (sched_clock, a pvclock read in a
 *       KVM guest: some 20 ns each), which those figures would carry.
 *       A timed series that sees run_cnt move all the same (bpf_stats on
 *       system-wide) is reported in the header (bo.stats_timed).
 * Every series also checks that the program took the path it is named
 * for: its reason counter moved once per packet, its verdict was the
 * expected one.  A row that did not is reported unchecked, not timed.
 *
 * Everything is static: bench_ce.c is the one translation unit.
 */
#ifndef MAPCE_BENCH_H
#define MAPCE_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "bpf/ce.h"
#include "bench/insns.h"

/* How much work a run does; --quick shrinks it for the smoke test. */
struct bench_opts {
	__u32 calls;	     /* (a): test_run calls per series */
	__u32 live;	     /* (b): packets per live-frame series */
	__u32 setup;	     /* stateful: new flows timed for the setup rate */
	__u32 capacity;	     /* stateful: --max-flows of the capacity figure */
	__u32 scale[3];	     /* scale: live flows of the three columns */
	__u32 create;	     /* scale: flows created through the datapath */
	int json, can_live;  /* -j; live frames usable (own netns) */
	int stats;	     /* bpf_stats can be turned on (BPF_ENABLE_STATS): (c) */
	int stats_timed;     /* a timed series saw bpf_stats on all the same
			      * (kernel.bpf_stats_enabled=1 system-wide) */
	int fp_net;	     /* the fast path's devices are up (bpf/fastpath_net.h) */
	const char *only;    /* --only: the paths whose names contain it, or NULL */
	const char *jit_dir; /* --jit-lines: where the programs' line tables go */
};

static struct bench_opts bo;

/* ---- results ------------------------------------------------------------ */

#define BENCH_NONE -1e30 /* a method that does not apply (never a difference) */

/* One program on one input, by up to three methods. */
struct brow {
	char section[16], name[64];
	const char *prog; /* "xdp" or "tc" */
	__u32 flows;	  /* live flows in the tables (0: as set up) */
	int checked;	  /* took the named path every time */
	double a_raw, a_net, c_a, b_raw, b_net, c_b;
	const char *note;
};

/* One stateful or scale figure. */
struct bfig {
	char section[16], name[80];
	double value;
	const char *unit;
	int checked;
	char note[96];
};

#define BENCH_MAX_ROWS 48
static struct brow brows[BENCH_MAX_ROWS];
static struct bfig bfigs[BENCH_MAX_ROWS];
static int nbrows, nbfigs;

static inline struct brow *brow_add(const char *section, const char *name, const char *prog)
{
	struct brow *r = &brows[nbrows < BENCH_MAX_ROWS - 1 ? nbrows++ : nbrows];

	memset(r, 0, sizeof(*r));
	snprintf(r->section, sizeof(r->section), "%s", section);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->prog = prog;
	r->a_raw = r->a_net = r->c_a = r->b_raw = r->b_net = r->c_b = BENCH_NONE;
	return r;
}

static inline struct bfig *bfig_add(const char *section, const char *name, double value,
				    const char *unit, int checked)
{
	struct bfig *f = &bfigs[nbfigs < BENCH_MAX_ROWS - 1 ? nbfigs++ : nbfigs];

	memset(f, 0, sizeof(*f));
	snprintf(f->section, sizeof(f->section), "%s", section);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->value = value;
	f->unit = unit;
	f->checked = checked;
	return f;
}

/* ---- clocks and the kernel's own figures -------------------------------- */

static inline double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* bpf_stats of a program: total run time and runs. */
static inline void prog_stats(int fd, __u64 *ns, __u64 *cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	*ns = *cnt = 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
		*ns = info.run_time_ns;
		*cnt = info.run_cnt;
	}
}

/* memlock of a map as the kernel charges it (/proc/self/fdinfo). */
static inline long long map_memlock(int fd)
{
	char path[64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* A program that returns at once: r0 = ret; exit. */
static inline int trivial_prog(enum bpf_prog_type type, int ret)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(type, "mapce_trivial", "GPL", insns, 2, NULL);
}

/* A program that returns bpf_redirect(ifindex, 0): the trivial program of
 * a path whose verdict is a redirect to ifindex (the attach type libbpf
 * gives mapce's XDP programs: the restoring wrapper tail-calls either,
 * restore.h).  Its fd, or -1. */
static inline int trivial_redirect_prog(__u32 ifindex)
{
	struct bpf_insn insns[4];
	int n = 0;
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP);

	insns_redirect(insns, &n, (int)ifindex);
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "mapce_trivial", "GPL", insns, (size_t)n, &o);
}

/* ---- the methods -------------------------------------------------------- */

/* A series: what a path expects of every packet, and what it measured. */
struct series {
	int fd, verdict;
	__u32 ifindex; /* XDP: the frames' ingress_ifindex (the fast path's FIB); 0: none */
	__u32 to;      /* XDP_REDIRECT: the device the path sends to */
	__u32 reason;  /* MAPCE_R__MAX: a trivial program, no counters */
	__u32 event;   /* an event each packet also counts (the fast path's), or 0 */
	const struct pkt *in;
	void (*after)(const struct pkt *out); /* optional: undo a run's state */
	double raw, stats;		      /* ns per packet */
	int ok;
};

/* ---- the binding log's reader ------------------------------------------- */

/* A reader of the CE's binding log, as `mapce run --binding-log` keeps one:
 * new flows read their records after each call.  Unread, the ring fills
 * and new flows time a failed reserve (their events lost), not what a
 * router with its log pays. */
static struct ring_buffer *binlog_reader;

static int binlog_record(void *ctx, void *data, size_t len)
{
	return 0;
}

/* A reader of fx.ce's ring (again after a reload); 0 or -1. */
static inline int binlog_reader_open(void)
{
	ring_buffer__free(binlog_reader);
	binlog_reader =
		ring_buffer__new(bpf_map__fd(fx.ce->maps.mapce_binlog), binlog_record, NULL, NULL);
	return binlog_reader ? 0 : -1;
}

/* What is queued, read (gone from the ring). */
static inline void binlog_reader_read(void)
{
	if (binlog_reader)
		ring_buffer__consume(binlog_reader);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static inline __u64 reason_now(__u32 reason)
{
	return reason < MAPCE_R__MAX ? fx_reason_packets(reason) : 0;
}

/* Where s's reason counter (*r0) and its event's (*e0) stand now. */
static inline void series_mark(const struct series *s, __u64 *r0, __u64 *e0)
{
	*r0 = reason_now(s->reason);
	*e0 = s->event ? reason_now(s->event) : 0;
}

/* Did every one of packets take s's path: its reason counter (and its
 * event's) moved once per packet since r0 (e0)? */
static inline int series_counted(const struct series *s, __u64 r0, __u64 e0, __u64 packets)
{
	if (s->reason >= MAPCE_R__MAX)
		return 1;
	return reason_now(s->reason) - r0 == packets &&
	       (!s->event || reason_now(s->event) - e0 == packets);
}

/* What a series measures: its time ((a) or (b), bpf_stats off) or its
 * bpf_stats ((c), on for the series). */
enum method { M_TIMED, M_STATS };

/* Before a series by method m: bpf_stats on for M_STATS (the fd that keeps
 * it on, or -1), and where s's program's bpf_stats stand. */
static inline int stats_begin(const struct series *s, enum method m, __u64 *ns0, __u64 *n0)
{
	int fd = m == M_STATS ? bpf_enable_stats(BPF_STATS_RUN_TIME) : -1;

	prog_stats(s->fd, ns0, n0);
	return fd;
}

/* After it: (c) into s->stats for M_STATS, bpf_stats off again (fd); a
 * timed series whose program's run count moved ran with bpf_stats on. */
static inline void stats_end(struct series *s, enum method m, int fd, __u64 ns0, __u64 n0)
{
	__u64 ns1, n1;

	prog_stats(s->fd, &ns1, &n1);
	if (m == M_STATS)
		s->stats = n1 > n0 ? (double)(ns1 - ns0) / (double)(n1 - n0) : BENCH_NONE;
	else if (n1 != n0)
		bo.stats_timed = 1;
	if (fd >= 0)
		close(fd);
}

/* (a), or (c) over runs made the same way: calls runs of one packet each. */
static void series_calls(struct series *s, __u32 calls, enum method m)
{
	static struct pkt out;
	__u32 *v = calloc(calls, sizeof(*v)), bad = 0;
	__u64 ns0, n0, r0, e0;
	int fd;

	s->ok = 0;
	if (!v)
		return;
	series_mark(s, &r0, &e0);
	fd = stats_begin(s, m, &ns0, &n0);
	for (__u32 i = 0; i < calls; i++) {
		struct xdp_md ctx = { .data_end = (__u32)s->in->len,
				      .ingress_ifindex = s->ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = s->in->b,
			    .data_size_in = (__u32)s->in->len, .data_out = out.b,
			    .data_size_out = sizeof(out.b), .repeat = 1);

		if (s->ifindex) {
			o.ctx_in = &ctx;
			o.ctx_size_in = sizeof(ctx);
		}
		if (bpf_prog_test_run_opts(s->fd, &o) || (int)o.retval != s->verdict) {
			bad++;
			v[i] = 0;
			continue;
		}
		v[i] = o.duration;
		out.len = o.data_size_out;
		if (s->after)
			s->after(&out);
	}
	stats_end(s, m, fd, ns0, n0);
	if (m == M_TIMED) {
		qsort(v, calls, sizeof(v[0]), cmp_u32);
		s->raw = v[calls / 2];
	}
	s->ok = !bad && series_counted(s, r0, e0, calls);
	free(v);
}

/* (b), or (c) over runs made the same way: packets live frames, in one
 * call. */
static void series_live(struct series *s, __u32 packets, enum method m)
{
	__u64 ns0, n0, r0, e0;
	struct xdp_md ctx = { .data_end = (__u32)s->in->len, .ingress_ifindex = s->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = s->in->b, .data_size_in = (__u32)s->in->len,
		    .repeat = packets / 10 + 1, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	int fd, err;

	if (s->ifindex) {
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	s->ok = 0;
	if (m == M_TIMED)
		s->raw = BENCH_NONE;
	else
		s->stats = BENCH_NONE;
	/* a warm-up: the first frames pay for the page pool's pages */
	if (bpf_prog_test_run_opts(s->fd, &o))
		return;
	o.repeat = packets;
	series_mark(s, &r0, &e0);
	fd = stats_begin(s, m, &ns0, &n0);
	err = bpf_prog_test_run_opts(s->fd, &o);
	stats_end(s, m, fd, ns0, n0);
	if (err)
		return;
	if (m == M_TIMED)
		s->raw = o.duration;
	s->ok = series_counted(s, r0, e0, packets);
}

/* The trivial programs, loaded once (bench_ce.c). */
struct baseline {
	int tc, xdp_pass, xdp_drop;
};

static struct baseline base;

static inline double net(double raw, double trivial)
{
	return raw == BENCH_NONE || trivial == BENCH_NONE ? BENCH_NONE : raw - trivial;
}

/* ---- output ------------------------------------------------------------- */

static void fmt_ns(char *b, size_t n, double v)
{
	if (v == BENCH_NONE)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.0f", v);
}

static void print_rows(const char *section)
{
	printf("  %-40s %-3s %6s %6s %8s %6s %6s %8s\n", "path", "", "(a)raw", "(a)net", "(c)on(a)",
	       "(b)raw", "(b)net", "(c)on(b)");
	for (int i = 0; i < nbrows; i++) {
		const struct brow *r = &brows[i];
		char c[6][16];

		if (strcmp(r->section, section))
			continue;
		fmt_ns(c[0], sizeof(c[0]), r->a_raw);
		fmt_ns(c[1], sizeof(c[1]), r->a_net);
		fmt_ns(c[2], sizeof(c[2]), r->c_a);
		fmt_ns(c[3], sizeof(c[3]), r->b_raw);
		fmt_ns(c[4], sizeof(c[4]), r->b_net);
		fmt_ns(c[5], sizeof(c[5]), r->c_b);
		printf("  %-40s %-3s %6s %6s %8s %6s %6s %8s%s%s\n", r->name, r->prog, c[0], c[1],
		       c[2], c[3], c[4], c[5], r->checked ? "" : "  UNCHECKED: wrong path",
		       r->note ? r->note : "");
	}
}

static void print_figs(const char *section)
{
	for (int i = 0; i < nbfigs; i++) {
		const struct bfig *f = &bfigs[i];

		if (strcmp(f->section, section))
			continue;
		char v[24];

		if (f->value == BENCH_NONE)
			snprintf(v, sizeof(v), "-");
		else
			snprintf(v, sizeof(v), f->value < 100 ? "%.3f" : "%.0f", f->value);
		printf("  %-56s %12s %-12s%s%s\n", f->name, v, f->unit,
		       f->checked ? "" : " UNCHECKED", f->note);
	}
}

static void json_num(const char *key, double v, const char *sep)
{
	if (v == BENCH_NONE)
		printf("\"%s\":null%s", key, sep);
	else
		printf("\"%s\":%.1f%s", key, v, sep);
}

static void print_json(const char *head_json)
{
	printf("{%s,\"rows\":[", head_json);
	for (int i = 0; i < nbrows; i++) {
		const struct brow *r = &brows[i];

		printf("%s{\"section\":\"%s\",\"name\":\"%s\",\"prog\":\"%s\",\"flows\":%u,"
		       "\"checked\":%s,",
		       i ? "," : "", r->section, r->name, r->prog, r->flows,
		       r->checked ? "true" : "false");
		json_num("a_raw_ns", r->a_raw, ",");
		json_num("a_net_ns", r->a_net, ",");
		json_num("c_on_a_ns", r->c_a, ",");
		json_num("b_raw_ns", r->b_raw, ",");
		json_num("b_net_ns", r->b_net, ",");
		json_num("c_on_b_ns", r->c_b, "}");
	}
	printf("],\"figures\":[");
	for (int i = 0; i < nbfigs; i++) {
		const struct bfig *f = &bfigs[i];

		printf("%s{\"section\":\"%s\",\"name\":\"%s\",\"unit\":\"%s\",\"checked\":%s,",
		       i ? "," : "", f->section, f->name, f->unit, f->checked ? "true" : "false");
		json_num("value", f->value, ",");
		printf("\"note\":\"%s\"}", f->note);
	}
	printf("]}\n");
}

#endif
