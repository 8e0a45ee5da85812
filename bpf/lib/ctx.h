/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ctx.h - packet pointer loads from the TC context.
 *
 * Verifier-sensitive: clang may compute &skb->data once and load data_end
 * at an offset from that modified ctx pointer, which the verifier rejects
 * ("dereference of modified ctx ptr").  These loads are written in asm so
 * each is a single load straight from the context.
 */
#ifndef MAPCE_BPF_LIB_CTX_H
#define MAPCE_BPF_LIB_CTX_H

#include "vmlinux.h"
#include "consts.h"

static __always_inline void *skb_data(const struct __sk_buff *skb)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + %2)"
		     : "=r"(p)
		     : "r"(skb), "i"(__builtin_offsetof(struct __sk_buff, data)));
	return p;
}

static __always_inline void *skb_data_end(const struct __sk_buff *skb)
{
	void *p;

	asm volatile("%0 = *(u32 *)(%1 + %2)"
		     : "=r"(p)
		     : "r"(skb), "i"(__builtin_offsetof(struct __sk_buff, data_end)));
	return p;
}

#endif
