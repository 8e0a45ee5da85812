/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * state_cost.h - what one entry of NAT state costs this machine, the floor
 * under a new flow's cost.  A new flow makes five hash map entries (the
 * port's claim, the mapping, the flow's two halves, the peer: bpf/ce/
 * napt.h); here one raw XDP program inserts a fresh key per run into a
 * BPF hash map of the flow table's key and value sizes and default
 * length, preallocated as the CE's maps are, filling it from empty to
 * half with BPF_PROG_TEST_RUN's repeat: the element and its bucket cold,
 * as a new flow's are among other traffic.  Beside it the same program
 * inserting and deleting one key each run (bucket and element warm: the
 * bench's new-flow rows, which make the same flow again each call, pay
 * about this), looking up one present key (a warm lookup, the
 * established path's kind), and doing no map operation (the run's own
 * cost, subtracted from the others).  The fresh keys are a per-run
 * counter, spread by the map's own hash.
 */
#ifndef MAPCE_BENCH_STATE_COST_H
#define MAPCE_BENCH_STATE_COST_H

#include <bpf/bpf.h>
#include "bench/bench.h"
#include "bench/insns.h"
#include "mapce_flow.h"

enum state_op { SO_NONE, SO_INSERT, SO_PAIR, SO_LOOKUP };

/* The key and value, 8-byte words on the stack below r10. */
#define SC_KEY_WORDS ((sizeof(struct mapce_tuple) + 7) / 8)
#define SC_VAL_WORDS ((sizeof(struct mapce_flow) + 7) / 8)
#define SC_KEY_OFF (-(int)(8 * SC_KEY_WORDS) - 8) /* below the counter's key */
#define SC_VAL_OFF (SC_KEY_OFF - (int)(8 * SC_VAL_WORDS))
#define SC_MAX_INSNS (48 + SC_KEY_WORDS + SC_VAL_WORDS)

/* r1 = map_fd, r2 = &key, r3 = &value, r4 = BPF_NOEXIST (the update's
 * arguments; the lookup's and the delete's are the first two). */
static void state_args(struct bpf_insn *p, int *n, int map_fd)
{
	insns_ld_map_fd(p, n, BPF_REG_1, map_fd);
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	p[(*n)++] = ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, SC_KEY_OFF);
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0);
	p[(*n)++] = ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, SC_VAL_OFF);
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, BPF_NOEXIST);
}

/* Call helper fn; unless its r0 is 0 (want_zero) or not 0 (!want_zero),
 * return XDP_DROP. */
static void state_call(struct bpf_insn *p, int *n, int fn, int want_zero)
{
	p[(*n)++] = ins(BPF_JMP | BPF_CALL, 0, 0, 0, fn);
	p[(*n)++] = ins(BPF_JMP | (want_zero ? BPF_JEQ : BPF_JNE) | BPF_K, BPF_REG_0, 0, 2, 0);
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_DROP);
	p[(*n)++] = ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/*
 * n = counter[0]++, then by op: SO_INSERT: update(map, {n, 0...}, zero
 * value, BPF_NOEXIST); SO_PAIR: the same of key {0...}, then its delete
 * (one bucket and element, warm); SO_LOOKUP: lookup(map, {0...}), the
 * key inserted beforehand.  Returns XDP_PASS when every operation
 * succeeded (SO_NONE: always), else XDP_DROP.
 */
static int state_prog(int ctr_fd, int map_fd, enum state_op op)
{
	struct bpf_insn p[SC_MAX_INSNS];
	int n = 0;

	insns_lookup_key0(p, &n, ctr_fd);
	p[n++] = ins(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 2, 0);
	p[n++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_DROP);
	p[n++] = ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[n++] = ins(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_6, BPF_REG_0, 0, 0);
	p[n++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_6, 0, 0);
	p[n++] = ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_7, 0, 0, 1);
	p[n++] = ins(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_0, BPF_REG_7, 0, 0);
	if (op != SO_NONE) {
		/* the key and value: every word written (the verifier wants
		 * every byte a helper reads initialized), zero but the key's
		 * first for SO_INSERT: the counter */
		for (size_t w = 0; w < SC_KEY_WORDS; w++)
			p[n++] = ins(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0,
				     (__s16)(SC_KEY_OFF + 8 * w), 0);
		for (size_t w = 0; w < SC_VAL_WORDS; w++)
			p[n++] = ins(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0,
				     (__s16)(SC_VAL_OFF + 8 * w), 0);
		if (op == SO_INSERT)
			p[n++] = ins(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_6, SC_KEY_OFF,
				     0);
		state_args(p, &n, map_fd);
	}
	if (op == SO_INSERT || op == SO_PAIR)
		state_call(p, &n, BPF_FUNC_map_update_elem, 1);
	if (op == SO_PAIR) {
		state_args(p, &n, map_fd);
		state_call(p, &n, BPF_FUNC_map_delete_elem, 1);
	}
	if (op == SO_LOOKUP)
		state_call(p, &n, BPF_FUNC_map_lookup_elem, 0);
	p[n++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS);
	p[n++] = ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "mapce_state", "GPL", p, (size_t)n, NULL);
}

/* One round of op on a fresh table: *ns the kernel's mean ns per run over
 * repeat runs.  0, or -1 when a run failed its operation or the table
 * does not hold what it should after. */
static int state_round(enum state_op op, __u32 repeat, __u32 *ns)
{
	int ctr = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mapce_bench_n", 4, 8, 1, NULL);
	int map = bpf_map_create(BPF_MAP_TYPE_HASH, "mapce_bench_st", sizeof(struct mapce_tuple),
				 sizeof(struct mapce_flow), MAPCE_MAX_FLOWS, NULL);
	int prog = ctr < 0 || map < 0 ? -1 : state_prog(ctr, map, op);
	unsigned char frame[64] = { 0 };
	int err = -1;

	if (prog >= 0 && op == SO_LOOKUP) {
		/* the one present key: all zeros */
		struct mapce_tuple k = { 0 };
		struct mapce_flow v = { 0 };

		if (bpf_map_update_elem(map, &k, &v, BPF_NOEXIST))
			goto out;
	}
	if (prog >= 0) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
			    .repeat = repeat);

		/* every insert left its entry, every pair none */
		int want = op == SO_INSERT ? (int)repeat : op == SO_LOOKUP ? 1 : 0;

		if (bpf_prog_test_run_opts(prog, &o) == 0 && o.retval == XDP_PASS &&
		    fx_map_fd_count(map, sizeof(struct mapce_tuple)) == want) {
			*ns = o.duration;
			err = 0;
		}
	}
out:
	if (prog >= 0)
		close(prog);
	if (map >= 0)
		close(map);
	if (ctr >= 0)
		close(ctr);
	return err;
}

/* The median of five rounds of op, or -1 when a round failed. */
static double state_median(enum state_op op, __u32 repeat)
{
	__u32 r[5];

	for (int i = 0; i < 5; i++)
		if (state_round(op, repeat, &r[i]))
			return -1;
	qsort(r, 5, sizeof(r[0]), cmp_u32);
	return r[2];
}

static void bench_state_cost(void)
{
	/* half the default table: one fresh key a run, none left over */
	__u32 repeat = bo.calls > 1000 ? MAPCE_MAX_FLOWS / 2 : 1000;
	double none = state_median(SO_NONE, repeat);
	double insert = state_median(SO_INSERT, repeat);
	double pair = state_median(SO_PAIR, repeat);
	double lookup = state_median(SO_LOOKUP, repeat);
	int ok = none >= 0 && insert >= 0 && pair >= 0 && lookup >= 0;
	char name[80];

	snprintf(name, sizeof(name), "insert of a fresh key, filling %u of %u", repeat,
		 MAPCE_MAX_FLOWS);
	bfig_add("state", name, ok ? insert - none : BENCH_NONE, "ns/entry", ok);
	bfig_add("state", "insert and delete of one key, warm", ok ? pair - none : BENCH_NONE,
		 "ns/pair", ok);
	bfig_add("state", "lookup of a present key, warm", ok ? lookup - none : BENCH_NONE,
		 "ns/lookup", ok);
	bfig_add("state", "the program around them (subtracted)", ok ? none : BENCH_NONE, "ns/run",
		 ok);
}

#endif
