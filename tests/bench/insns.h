/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * insns.h - the pieces of the bench's small XDP and TC programs, written
 * as raw instructions (bench_ce's trivial programs, the restoring wrapper,
 * the counters' programs; trafficgen's generator and sink): no object
 * file, nothing to build but the C that loads them.
 */
#ifndef MAPCE_BENCH_INSNS_H
#define MAPCE_BENCH_INSNS_H

#include <string.h>
#include <linux/bpf.h>

/* One instruction, positionally: keeps a program one line an instruction. */
static inline struct bpf_insn ins(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	return (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
	};
}

/* XDP, ctx in r1: r2 = ctx->data; r3 = ctx->data_end; if r2 + len > r3:
 * skip the next `skip` instructions.  The packet bounds check the verifier
 * wants before r2's first len bytes are touched (r1 is left as it was). */
#define XDP_BOUNDS(len, skip)                                                                  \
	{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_1 },     \
		{ .code = BPF_LDX | BPF_MEM | BPF_W,                                           \
		  .dst_reg = BPF_REG_3,                                                        \
		  .src_reg = BPF_REG_1,                                                        \
		  .off = 4 },                                                                  \
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X,                                         \
		  .dst_reg = BPF_REG_4,                                                        \
		  .src_reg = BPF_REG_2 },                                                      \
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_4, .imm = (len) },   \
	{                                                                                      \
		.code = BPF_JMP | BPF_JGT | BPF_X, .dst_reg = BPF_REG_4, .src_reg = BPF_REG_3, \
		.off = (skip)                                                                  \
	}
#define XDP_BOUNDS_INSNS 5

/* After XDP_BOUNDS: the frame's first len bytes (a multiple of 4) written
 * as bytes holds them, four at a time (stores of constants, as they lie
 * in memory), at p[*n] on.  len / 4 instructions. */
static inline void insns_write_bytes(struct bpf_insn *p, int *n, const unsigned char *bytes,
				     unsigned int len)
{
	for (unsigned int off = 0; off + 4 <= len; off += 4) {
		__s32 w;

		memcpy(&w, bytes + off, sizeof(w));
		p[(*n)++] = ins(BPF_ST | BPF_MEM | BPF_W, BPF_REG_2, 0, (__s16)off, w);
	}
}

/* reg = the map map_fd (the verifier's 64-bit load of a map's fd), at
 * p[*n] on.  2 instructions. */
static inline void insns_ld_map_fd(struct bpf_insn *p, int *n, __u8 reg, int map_fd)
{
	p[(*n)++] = ins(BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_FD, 0, map_fd);
	p[(*n)++] = ins(0, 0, 0, 0, 0); /* the second half of the 64-bit load */
}

/* r0 = bpf_map_lookup_elem(map_fd, &(__u32){0}) (the key on the stack at
 * r10 - 4; r1-r5 clobbered), at p[*n] on.  6 instructions; the verifier
 * wants r0 checked against NULL before any access. */
#define INSNS_LOOKUP_KEY0 6
static inline void insns_lookup_key0(struct bpf_insn *p, int *n, int map_fd)
{
	p[(*n)++] = ins(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0);
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	p[(*n)++] = ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4);
	insns_ld_map_fd(p, n, BPF_REG_1, map_fd);
	p[(*n)++] = ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
}

/* return bpf_redirect(ifindex, 0), at p[*n] on.  4 instructions. */
static inline void insns_redirect(struct bpf_insn *p, int *n, int ifindex)
{
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, ifindex);
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 0);
	p[(*n)++] = ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect);
	p[(*n)++] = ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

#endif
