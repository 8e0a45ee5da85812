/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * restore.h - live frames (method (b)) for the paths that rewrite and
 * redirect their frame: the fast path both ways.
 *
 * BPF_F_TEST_XDP_LIVE_FRAMES initialises a page pool page with the input
 * frame once and, when the page comes back, resets only the frame's
 * pointers: a program that rewrote its frame meets its own output again
 * (the fast path's decapsulated or encapsulated frame, its TTL one lower
 * each time).  So such a path runs behind a wrapper: a small XDP program
 * that writes the input frame's first bytes back (the headers the path
 * rewrites; stores of constants) and tail-calls the path.  Its trivial
 * program runs behind the same wrapper: one that redirects to the same
 * device, so that the net figure is the path's own work, the restore, the
 * tail call and the redirected frame's way out of the device taken out.
 * Every frame is still checked to have taken the path (its reason and
 * its event counters, bench.h).  bpf_stats see the wrapper only (a
 * tail-called program's runs are not counted): no (c) on such a (b).
 */
#ifndef MAPCE_BENCH_RESTORE_H
#define MAPCE_BENCH_RESTORE_H

#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "bpf/ce.h"

/* Bytes the wrapper writes back: the headers (Ethernet, IPv6, IPv4,
 * UDP: 82 at most) in 8-byte stores. */
#define RESTORE_MAX 128U
#define RESTORE_MAX_INSNS (8 + 3 * (RESTORE_MAX / 8) + 8)

/* A program that returns bpf_redirect(ifindex, 0): the trivial program of
 * a path whose verdict is a redirect to ifindex.  Its fd, or -1. */
static inline int trivial_redirect_prog(__u32 ifindex)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = (int)ifindex },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP);

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "mapce_trivial", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &o);
}

/* A wrapper: its program and the prog array it tail-calls through.  The
 * array's fd stays open while the wrapper runs: a prog array is emptied
 * when its last file descriptor closes (the kernel breaks reference
 * cycles so), even while a program still uses it. */
struct restore {
	int prog, map;
};

static inline void restore_close(struct restore *w)
{
	if (w->prog >= 0)
		close(w->prog);
	if (w->map >= 0)
		close(w->map);
	w->prog = w->map = -1;
}

/* The wrapper *w around XDP program target (fd) for live frames of in: it
 * writes in's first bytes back into every frame, then tail-calls target.
 * 0, or -1 (nothing left open). */
static inline int restore_wrapper(struct restore *w, int target, const struct pkt *in)
{
	struct bpf_insn p[RESTORE_MAX_INSNS];
	__u32 len = (in->len < RESTORE_MAX ? (__u32)in->len : RESTORE_MAX) & ~7U, n = 0, zero = 0;
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP);
	int map, abort_at;

	w->prog = -1;
	w->map = map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "mapce_restore", 4, 4, 1, NULL);
	if (map < 0 || bpf_map_update_elem(map, &zero, &target, BPF_ANY))
		goto fail;
	/* r6 = ctx; r2 = data; r3 = data_end; the frame must hold len bytes */
	p[n++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X,
				    .dst_reg = BPF_REG_6,
				    .src_reg = BPF_REG_1 };
	p[n++] = (struct bpf_insn){ .code = BPF_LDX | BPF_MEM | BPF_W,
				    .dst_reg = BPF_REG_2,
				    .src_reg = BPF_REG_1,
				    .off = offsetof(struct xdp_md, data) };
	p[n++] = (struct bpf_insn){ .code = BPF_LDX | BPF_MEM | BPF_W,
				    .dst_reg = BPF_REG_3,
				    .src_reg = BPF_REG_1,
				    .off = offsetof(struct xdp_md, data_end) };
	p[n++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X,
				    .dst_reg = BPF_REG_4,
				    .src_reg = BPF_REG_2 };
	p[n++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K,
				    .dst_reg = BPF_REG_4,
				    .imm = (int)len };
	abort_at = (int)n;
	p[n++] = (struct bpf_insn){ .code = BPF_JMP | BPF_JGT | BPF_X,
				    .dst_reg = BPF_REG_4,
				    .src_reg = BPF_REG_3 }; /* .off set below */
	/* the frame's bytes, eight at a time (the host's byte order, as a
	 * store writes them back) */
	for (__u32 off = 0; off < len; off += 8) {
		__u64 v;

		memcpy(&v, in->b + off, sizeof(v));
		p[n++] = (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM,
					    .dst_reg = BPF_REG_4,
					    .imm = (int)(__u32)v };
		p[n++] = (struct bpf_insn){ .imm = (int)(__u32)(v >> 32) };
		p[n++] = (struct bpf_insn){ .code = BPF_STX | BPF_MEM | BPF_DW,
					    .dst_reg = BPF_REG_2,
					    .src_reg = BPF_REG_4,
					    .off = (__s16)off };
	}
	/* bpf_tail_call(ctx, map, 0); falls through only when it fails */
	p[n++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X,
				    .dst_reg = BPF_REG_1,
				    .src_reg = BPF_REG_6 };
	p[n++] = (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM,
				    .dst_reg = BPF_REG_2,
				    .src_reg = BPF_PSEUDO_MAP_FD,
				    .imm = map };
	p[n++] = (struct bpf_insn){ 0 };
	p[n++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K,
				    .dst_reg = BPF_REG_3,
				    .imm = 0 };
	p[n++] = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_tail_call };
	p[abort_at].off = (__s16)(n - (__u32)abort_at - 1);
	p[n++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K,
				    .dst_reg = BPF_REG_0,
				    .imm = XDP_ABORTED };
	p[n++] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	w->prog = bpf_prog_load(BPF_PROG_TYPE_XDP, "mapce_restore", "GPL", p, n, &o);
	if (w->prog >= 0)
		return 0;
fail:
	restore_close(w);
	return -1;
}

#endif
