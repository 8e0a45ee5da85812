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

#include <unistd.h>
#include <bpf/bpf.h>
#include "bench/insns.h"
#include "bpf/ce.h"

/* Bytes the wrapper writes back: the headers (Ethernet, IPv6, IPv4,
 * UDP: 82 at most). */
#define RESTORE_MAX 128U

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
 * writes in's first bytes back into every frame (XDP_BOUNDS and
 * insns_write_bytes, as trafficgen's generator writes its headers), then
 * tail-calls target.  0, or -1 (nothing left open). */
static inline int restore_wrapper(struct restore *w, int target, const struct pkt *in)
{
	unsigned int len = (in->len < RESTORE_MAX ? (unsigned int)in->len : RESTORE_MAX) & ~3U;
	struct bpf_insn p[XDP_BOUNDS_INSNS + RESTORE_MAX / 4 + 6] = {
		/* too short: skip the stores and the tail call, abort */
		XDP_BOUNDS(len, len / 4 + 4),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP);
	int n = XDP_BOUNDS_INSNS;
	__u32 zero = 0;

	w->prog = -1;
	w->map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "mapce_restore", 4, 4, 1, NULL);
	if (w->map < 0 || bpf_map_update_elem(w->map, &zero, &target, BPF_ANY))
		goto fail;
	insns_write_bytes(p, &n, in->b, len);
	/* bpf_tail_call(ctx (still r1), map, 0): falls through only when it
	 * fails */
	insns_ld_map_fd(p, &n, BPF_REG_2, w->map);
	p[n++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 0);
	p[n++] = ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call);
	p[n++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_ABORTED);
	p[n++] = ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	w->prog = bpf_prog_load(BPF_PROG_TYPE_XDP, "mapce_restore", "GPL", p, (size_t)n, &o);
	if (w->prog >= 0)
		return 0;
fail:
	restore_close(w);
	return -1;
}

#endif
