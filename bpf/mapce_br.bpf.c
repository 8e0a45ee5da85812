// SPDX-License-Identifier: GPL-2.0-only
/* mapce_br.bpf.c - a stateless MAP-E BR (placeholder until the BR lands). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/defs.h"

SEC("xdp")
int mapce_br_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
