/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * counters.h - what a per-packet counter costs, and what it loses, by kind:
 *   shared atomic   one 8-byte value all CPUs add to with a locked add (what
 *                   flow_account did to a flow half's packets and bytes);
 *   shared plain    the same value with a plain load-add-store (cheaper, but
 *                   concurrent adds from two CPUs overwrite each other;
 *                   what flow_account does now);
 *   per-CPU         a BPF_MAP_TYPE_PERCPU_ARRAY slot per CPU (what the
 *                   reason counters use), summed by the reader.
 * Each kind is a three-instruction raw XDP program around one map lookup,
 * run with BPF_PROG_TEST_RUN's repeat on one CPU alone and then on every
 * CPU at once (one thread pinned per CPU, started together): the figures
 * are the kernel's ns per run and the increments lost (expected minus the
 * value read back).  The contended column is the worst case of a flow
 * whose packets are spread over CPUs; RSS/RPS keep one flow direction on
 * one CPU, and a flow's two halves are separate map values.
 */
#ifndef MAPCE_BENCH_COUNTERS_H
#define MAPCE_BENCH_COUNTERS_H

#include <pthread.h>
#include <sched.h>
#include <bpf/bpf.h>
#include "bench/bench.h"
#include "bench/insns.h"

enum counter_kind { CK_ATOMIC, CK_PLAIN, CK_PERCPU, CK__N };

static const char *const counter_kind_name[CK__N] = { "shared atomic", "shared plain", "per-CPU" };

/* r0 = lookup(map, &0); if (r0) *r0 += 1 (atomically or not); return XDP_PASS */
static int counter_prog(int map_fd, enum counter_kind kind)
{
	struct bpf_insn p[16];
	int n = 0, n_add = kind == CK_ATOMIC ? 2 : 3;

	insns_lookup_key0(p, &n, map_fd);
	/* the verifier wants the NULL check before any access */
	p[n++] = ins(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, (__s16)n_add, 0);
	if (kind == CK_ATOMIC) {
		p[n++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1);
		p[n++] = ins(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_1, 0, BPF_ADD);
	} else {
		p[n++] = ins(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_0, 0, 0);
		p[n++] = ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, 1);
		p[n++] = ins(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_0, BPF_REG_1, 0, 0);
	}
	p[n++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS);
	p[n++] = ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "mapce_counter", "GPL", p, (size_t)n, NULL);
}

struct counter_run {
	int prog_fd, cpu;
	__u32 repeat;
	pthread_barrier_t *start;
	__u32 ns; /* the kernel's mean ns per run */
	int err;
};

static void *counter_thread(void *arg)
{
	struct counter_run *r = arg;
	unsigned char frame[64] = { 0 };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (r->start)
		pthread_barrier_wait(r->start);

	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = r->repeat);
	r->err = bpf_prog_test_run_opts(r->prog_fd, &o);
	r->ns = o.duration;
	return NULL;
}

/* The sum of slot 0 over the map's values (one, or one per CPU). */
static __u64 counter_read(int map_fd, int percpu)
{
	int n = percpu ? libbpf_num_possible_cpus() : 1;
	__u64 v[n > 0 ? n : 1], sum = 0;
	__u32 key = 0;

	if (bpf_map_lookup_elem(map_fd, &key, v))
		return 0;
	for (int i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

/* Runs prog on ncpu CPUs at once; the mean of their ns per run, and the
 * increments lost, or -1 when a run failed. */
static double counter_series(int prog_fd, int map_fd, int percpu, int ncpu, __u32 repeat,
			     double *lost)
{
	struct counter_run runs[ncpu];
	pthread_t th[ncpu];
	pthread_barrier_t start;
	__u64 zero[libbpf_num_possible_cpus() > 0 ? libbpf_num_possible_cpus() : 1];
	__u32 key = 0;
	double ns = 0;

	memset(zero, 0, sizeof(zero));
	bpf_map_update_elem(map_fd, &key, zero, BPF_ANY);
	pthread_barrier_init(&start, NULL, (unsigned)ncpu);
	for (int i = 0; i < ncpu; i++) {
		runs[i] = (struct counter_run){
			.prog_fd = prog_fd, .cpu = i, .repeat = repeat, .start = &start
		};
		pthread_create(&th[i], NULL, counter_thread, &runs[i]);
	}
	for (int i = 0; i < ncpu; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < ncpu; i++) {
		if (runs[i].err)
			return -1;
		ns += runs[i].ns;
	}
	*lost = (double)((__u64)ncpu * repeat - counter_read(map_fd, percpu));
	return ns / ncpu;
}

static void bench_counters(void)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	__u32 repeat = bo.calls > 1000 ? bo.calls * 100 : bo.calls * 10;

	if (ncpu > 8)
		ncpu = 8;
	for (int k = 0; k < CK__N; k++) {
		int percpu = k == CK_PERCPU;
		int map = bpf_map_create(percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY,
					 "mapce_bench_ctr", 4, 8, 1, NULL);
		int prog = map < 0 ? -1 : counter_prog(map, (enum counter_kind)k);
		double lost1 = 0, lostn = 0, one = -1, all = -1;
		char name[80];

		if (prog >= 0) {
			one = counter_series(prog, map, percpu, 1, repeat, &lost1);
			all = counter_series(prog, map, percpu, ncpu, repeat, &lostn);
		}
		snprintf(name, sizeof(name), "%s, one CPU", counter_kind_name[k]);
		bfig_add("counters", name, one < 0 ? BENCH_NONE : one, "ns/packet",
			 one >= 0 && lost1 == 0);
		snprintf(name, sizeof(name), "%s, %d CPUs on one value", counter_kind_name[k],
			 ncpu);
		bfig_add("counters", name, all < 0 ? BENCH_NONE : all, "ns/packet", all >= 0);
		snprintf(name, sizeof(name), "%s, %d CPUs: increments lost of %llu",
			 counter_kind_name[k], ncpu, (unsigned long long)ncpu * repeat);
		/* lost adds are the plain kind's error; the others must lose none */
		bfig_add("counters", name, all < 0 ? BENCH_NONE : lostn, "packets",
			 all >= 0 && (k == CK_PLAIN || lostn == 0));
		if (prog >= 0)
			close(prog);
		if (map >= 0)
			close(map);
	}
}

#endif
