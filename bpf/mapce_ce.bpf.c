// SPDX-License-Identifier: GPL-2.0-only
/* mapce_ce.bpf.c - the CE datapath: XDP on WAN ingress, TC on WAN egress. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/defs.h"
#include "lib/maps.h"

SEC("xdp")
int mapce_xdp_ingress(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int mapce_tc_egress(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
