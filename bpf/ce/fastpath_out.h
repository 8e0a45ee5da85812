/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fastpath_out.h - the outbound half of the XDP fast path
 * (mapce_xdp_fastpath, on the LAN device of `up --fastpath LAN_IF`):
 * IPv4 from the LAN that the FIB routes to the tunnel is NAPT-ed by the
 * TC egress's own flow lookup and creation (gc.h's napt_flow_new: new
 * flows too), encapsulated and redirected out of the WAN.  What is not simple
 * passes to the normal path, counted (fastpath.h).
 */
#ifndef MAPCE_BPF_CE_FASTPATH_OUT_H
#define MAPCE_BPF_CE_FASTPATH_OUT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "lib/consts.h"
#include "lib/csum.h"
#include "lib/encap.h"
#include "lib/fib.h"
#include "lib/mss.h"
#include "lib/parse.h"
#include "lib/stats.h"
#include "maps.h"
#include "common.h"
#include "egress.h"
#include "fastpath.h"
#include "frag.h"
#include "gc.h"
#include "modes.h"

/*
 * May IPv4 packet v (parse result rc, header iph at ETH_HLEN) from the
 * LAN take the fast path, as far as the packet and the configuration say?
 * 0, or the event that sends it the normal way.
 */
static __always_inline __u32 fastpath_out_simple(struct xdp_md *ctx, const struct mapce_config *cfg,
						 const struct iphdr *iph, const struct v4_info *v,
						 int rc)
{
	__u32 ev = fastpath_hdr_check(iph);

	if (ev)
		return ev;
	if (rc == PARSE_UNSUPPORTED && v->proto == IPPROTO_ICMP && icmp4_is_error(v->icmp_type))
		return MAPCE_R_EV_FP_ICMP_ERROR;
	if (rc != PARSE_OK || !v->sport_off || !xdp_ipv4_csum_ok(ctx, iph, ETH_HLEN))
		return MAPCE_R_EV_FP_OTHER;
	/* left to offload by a veth/tap LAN peer: TC egress finishes it */
	if (v4_csum_left_to_offload((void *)(long)ctx->data, (void *)(long)ctx->data_end, v))
		return MAPCE_R_EV_FP_CSUM_PARTIAL;
	/* DS-Lite (no NAPT), the box's own ipip6 address, the option of
	 * the encapsulation limit, a mesh peer: the normal path's */
	if (!mode_napt(cfg) || v->saddr == cfg->ipv4 || cfg->encap_limit ||
	    fmr_lookup(cfg, v->daddr))
		return MAPCE_R_EV_FP_OTHER;
	if (v->daddr == cfg->ipv4)
		return MAPCE_R_EV_FP_HAIRPIN;
	return 0;
}

/* Translate LAN packet v on flow f, as TC egress does: source to the
 * outside endpoint, the id it leaves with, SYNs with their MSS clamped;
 * and TTL - 1 as the kernel's forwarding would have done. */
static __always_inline void fastpath_out_translate(struct xdp_md *ctx,
						   const struct mapce_config *cfg,
						   const struct v4_info *v,
						   const struct mapce_flow *f, __u32 pmtu)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	/* and TTL - 1, and the id it leaves with */
	xdp_nat_rewrite(data, data_end, v, 1, f->ip, f->port, 1, frag_out_id(v, f->ip));
	if ((v->tcp_flags & TCP_FLAG_SYN) &&
	    xdp_mss_clamp(data, data_end, v, mss_ceiling(cfg, pmtu)))
		stats_count(&mapce_stats, MAPCE_R_EV_MSS_CLAMPED, 0);
}

/*
 * The outer IPv6 header to the BR in front of the translated packet v
 * (tot_len bytes of IPv4), the next hop's MACs (hop, fib_cache.h) on.
 * 0, or -1 when the head cannot grow.
 */
static __always_inline int fastpath_out_encap(struct xdp_md *ctx, const struct mapce_config *cfg,
					      const struct v4_info *v,
					      const struct mapce_fib_entry *hop)
{
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	void *data, *data_end;

	if (bpf_xdp_adjust_head(ctx, -(int)IPV6_HLEN))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip6 = data + ETH_HLEN;
	if ((void *)(ip6 + 1) > data_end)
		return -1;
	fastpath_set_macs(eth, hop);
	eth->h_proto = bpf_htons(ETH_P_IPV6);
	ipv6_outer_fill(ip6, cfg->ce_ipv6, cfg->br_ipv6, v->tos, cfg->hop_limit, v->tot_len);
	return 0;
}

/*
 * One frame from the LAN.  The verdict; *reason is the packet's reason
 * when the fast path took it (encap, as TC egress counts it, or a drop),
 * else MAPCE_R__MAX (the normal path counts it); *ev the event: a hit or
 * why not (0: not IPv4, or the fast path off).
 */
static __always_inline int fastpath_out(struct xdp_md *ctx, __u32 *reason, __u32 *ev)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + ETH_HLEN;
	const struct mapce_fib_entry *hop;
	const struct mapce_config *cfg;
	struct bpf_fib_lookup fib;
	struct mapce_tuple ko = {};
	struct v4_info v = {};
	struct mapce_flow *f;
	__u32 pmtu, frame;
	long fib_rc;
	int rc;

	*reason = MAPCE_R__MAX;
	*ev = 0;
	if ((void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS; /* not IPv4: not ours */
	cfg = config_get();
	if (!cfg || !fastpath_lan())
		return XDP_PASS;
	rc = parse_ipv4(data, data_end, ETH_HLEN, &v);
	*ev = fastpath_out_simple(ctx, cfg, iph, &v, rc);
	if (*ev)
		return XDP_PASS;
	pmtu = egress_pmtu(&v);
	if (v.tot_len > cfg->mtu || (pmtu && v.tot_len + IPV6_HLEN > pmtu)) {
		/* the normal path answers (fragmentation needed) */
		*ev = MAPCE_R_EV_FP_MTU;
		return XDP_PASS;
	}
	/* an established flow's own next hop first (fib_cache.h) */
	f = napt_flow_find(&v, &ko);
	fib_rc = fib_v4_hop(ctx, f, ctx->ingress_ifindex, v.saddr, v.daddr, v.tos, v.tot_len, &fib,
			    &hop);
	*ev = fastpath_fib_event(fib_rc, fib.ifindex, cfg->wan_ifindex);
	if (*ev || !hop) /* no hop: never without an event (the verifier's case) */
		return XDP_PASS;
	/* Ethernet pads short frames: only the IPv4 packet goes in the
	 * tunnel (before anything changes: a failure leaves it as it was) */
	frame = (__u32)(data_end - data);
	if (frame > ETH_HLEN + (__u32)v.tot_len &&
	    bpf_xdp_adjust_tail(ctx, -(int)(frame - ETH_HLEN - v.tot_len))) {
		*ev = MAPCE_R_EV_FP_OTHER;
		return XDP_PASS;
	}
	if (!f) {
		f = napt_flow_new(cfg, &ko, reason);
		if (!f) {
			/* refused: the normal path refuses it again, logs
			 * and answers */
			*reason = MAPCE_R__MAX;
			*ev = MAPCE_R_EV_FP_OTHER;
			return XDP_PASS;
		}
		fib_hop_keep(&f->hop, hop);
	}
	if (flow_account(f, 1, v.tot_len, v.tcp_flags, v.proto))
		binlog_closed(&v, f, 0);
	fastpath_out_translate(ctx, cfg, &v, f, pmtu);
	if (fastpath_out_encap(ctx, cfg, &v, hop)) {
		*reason = MAPCE_R_DROP_ENCAP_FAILED;
		*ev = 0;
		return XDP_DROP;
	}
	*reason = MAPCE_R_ENCAP;
	*ev = MAPCE_R_EV_FASTPATH_OUT;
	return (int)bpf_redirect(cfg->wan_ifindex, 0);
}

#endif
