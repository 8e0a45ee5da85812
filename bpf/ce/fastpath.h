/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fastpath.h - what both directions of the XDP fast path (`up --fastpath
 * LAN_IF`) share, and its inbound half.  A packet takes the fast path only
 * when it is simple; anything else goes the normal way (XDP_PASS: the
 * kernel's forwarding and the TC egress), counted under the event that
 * says why (mapce_abi.h, ev_fastpath_pass_*):
 *   fragment   an IPv4 fragment (first or later): the slow paths know them
 *   options    an IPv4 header with options
 *   ttl        TTL <= 1: the kernel sends the time-exceeded
 *   icmp_error an ICMP error from the LAN: icmp4_err.h translates it
 *   no_neigh   the next hop's MAC is not resolved: the kernel resolves it
 *   mtu        over the route's MTU, the tunnel MTU or the learned path MTU
 *   local      not routed between the tunnel and the LAN: to the box itself,
 *              to another device, broadcast
 *   hairpin    to our own public address
 *   csum_partial  (out) a TCP/UDP checksum the LAN host left to offload
 *              (CHECKSUM_PARTIAL: a veth or tap peer with tx checksumming
 *              on): redirected, it would leave unfinished; the normal
 *              path finishes it (TC's checksum helpers know the skb).
 *              Inbound, XDP ingress leaves such a packet to the TC slow
 *              path before the fast path is asked (csum_to_slow_path).
 *   other      not simple otherwise: not TCP/UDP/echo, a bad header
 *              checksum, DS-Lite or the box's own ipip6 address, an FMR
 *              destination (mesh), the encapsulation limit option, a flow
 *              refused (the normal path answers it), forwarding disabled
 * What the fast path skips: the kernel's forwarding (netfilter's forward
 * and postrouting hooks, conntrack) and the qdiscs of the devices; the
 * router's duties are done here: TTL decremented, header checksum fixed
 * (RFC 1812 §5.3.1), the next hop's MACs from the FIB.
 */
#ifndef MAPCE_BPF_CE_FASTPATH_H
#define MAPCE_BPF_CE_FASTPATH_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "lib/consts.h"
#include "lib/csum.h"
#include "lib/encap.h"
#include "lib/fib.h"
#include "lib/parse.h"
#include "lib/stats.h"
#include "maps.h"
#include "fib_cache.h"

/* The fast path's LAN device, or 0 when the fast path is off. */
static __always_inline __u32 fastpath_lan(void)
{
	__u32 zero = 0;
	const struct mapce_fastpath *fp = bpf_map_lookup_elem(&mapce_fastpath, &zero);

	return fp ? fp->lan_ifindex : 0;
}

/* May the IPv4 header iph go the fast path?  0, or the event that sends
 * it the normal way. */
static __always_inline __u32 fastpath_hdr_check(const struct iphdr *iph)
{
	if (iph->ihl != 5)
		return MAPCE_R_EV_FP_OPTIONS;
	if (bpf_ntohs(iph->frag_off) & (IP_MF | IP_OFFSET))
		return MAPCE_R_EV_FP_FRAGMENT;
	if (iph->ttl <= 1)
		return MAPCE_R_EV_FP_TTL;
	return 0;
}

/* The FIB's answer rc (fib_v4_forward) for a packet that must leave by
 * want: 0 when it does, with its next hop resolved; else the event. */
static __always_inline __u32 fastpath_fib_event(long rc, __u32 got, __u32 want)
{
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		return got == want ? 0 : MAPCE_R_EV_FP_LOCAL;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		return got == want ? MAPCE_R_EV_FP_NO_NEIGH : MAPCE_R_EV_FP_LOCAL;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return MAPCE_R_EV_FP_MTU;
	case BPF_FIB_LKUP_RET_NOT_FWDED:
		return MAPCE_R_EV_FP_LOCAL;
	default: /* forwarding disabled, blackhole, unreachable, ... */
		return MAPCE_R_EV_FP_OTHER;
	}
}

/* The next hop's MACs (the FIB cache's entry hop) on Ethernet header eth. */
static __always_inline void fastpath_set_macs(struct ethhdr *eth, const struct mapce_fib_entry *hop)
{
	__builtin_memcpy(eth->h_dest, hop->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, hop->smac, ETH_ALEN);
}

/*
 * Inbound: may decapsulated packet v (its IPv4 header still behind the
 * tunnel's) of inbound flow half f (to the inside address f->ip) go
 * straight to the LAN?  The next hop (fib_cache.h: f's own, or kept there;
 * its out_ifindex is the LAN device), or NULL after counting why not
 * (nothing counted when the fast path is off).
 */
static __always_inline const struct mapce_fib_entry *
fastpath_in_check(struct xdp_md *ctx, const struct v4_info *v, struct mapce_flow *f)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct mapce_fib_entry *hop = NULL;
	__u32 lan = fastpath_lan(), ev;
	struct bpf_fib_lookup fib;
	struct iphdr *iph;
	long rc;

	if (!lan)
		return NULL;
	/* Verifier-sensitive: l3_off is 54 or 62 (tunnel_hlen). */
	if (v->l3_off > ETH_HLEN + IPV6_HLEN + DESTOPT_LEN)
		return NULL;
	iph = data + v->l3_off;
	if ((void *)(iph + 1) > data_end)
		return NULL;
	ev = fastpath_hdr_check(iph);
	if (!ev) {
		rc = fib_v4_hop(ctx, f, ctx->ingress_ifindex, v->saddr, f->ip, v->tos, v->tot_len,
				&fib, &hop);
		ev = fastpath_fib_event(rc, fib.ifindex, lan);
	}
	if (ev) {
		stats_count(&mapce_stats, ev, 0);
		return NULL;
	}
	return hop;
}

/*
 * Inbound, after the translation (with its TTL - 1: ingress_dnat's hop):
 * the tunnel's header off, the next hop's MACs on, and out of the LAN
 * device (hop: fastpath_in_check's answer; bpf_redirect: the kernel's
 * forwarding and the qdiscs are skipped).  *reason is decap, the same as
 * the normal path's.
 */
static __always_inline int fastpath_in(struct xdp_md *ctx, const struct v4_info *v,
				       const struct mapce_fib_entry *hop, __u32 *reason)
{
	void *data, *data_end;
	struct ethhdr *eth;

	if (xdp_decap_ipv6(ctx, v->l3_off - ETH_HLEN)) {
		*reason = MAPCE_R_DROP_DECAP_FAILED;
		return XDP_DROP;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end) {
		*reason = MAPCE_R_DROP_DECAP_FAILED;
		return XDP_DROP;
	}
	fastpath_set_macs(eth, hop);
	*reason = MAPCE_R_DECAP;
	stats_count(&mapce_stats, MAPCE_R_EV_FASTPATH_IN, 0);
	return (int)bpf_redirect(hop->out_ifindex, 0);
}

#endif
