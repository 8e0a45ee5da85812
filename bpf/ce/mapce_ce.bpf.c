// SPDX-License-Identifier: GPL-2.0-only
/*
 * mapce_ce.bpf.c - the CE datapath on the WAN interface: its entry points.
 *
 *   TC egress  (mapce_tc_egress):   IPv4 the kernel routes out of the WAN
 *              (forwarded from the LAN or sent by the box itself) is NAPT-ed
 *              into the port set and encapsulated in IPv6 to the BR (or, for
 *              an FMR destination, to the owning CE).  Stages: egress.h.
 *   The service (MAP-E, lw4o6, ipip6, DS-Lite) changes what is translated,
 *   not the path: modes.h.
 *   XDP ingress (mapce_xdp_ingress): IPv4-in-IPv6 to our MAP address from the
 *              BR (or an FMR CE) is decapsulated, reverse-NAPT-ed and passed
 *              to the kernel, which routes it to the LAN (nftables forward
 *              rules still apply); ICMPv6 errors about our tunnel packets
 *              become ICMPv4 errors to the inside host.  Everything else
 *              passes untouched.  Stages: ingress.h, icmp6_err.h.
 *   TC ingress (mapce_tc_ingress):  the slow path after XDP, for fragments
 *              XDP cannot translate alone.  Stages: slowpath.h, reasm.h.
 *   XDP fast path (mapce_xdp_fastpath, on the LAN device of `up --fastpath
 *              LAN_IF`): what TC egress would do to simple tunnel-bound
 *              IPv4 from the LAN, then straight out of the WAN; with it
 *              on, XDP ingress sends what it decapsulates for LAN hosts
 *              straight to the LAN.  Stages: fastpath_out.h, fastpath.h.
 *   TC LAN     (mapce_tc_lan, TC ingress on the LAN device of `up --hairpin
 *              LAN_IF`): ipip6's hairpinning; what a LAN host sends to a
 *              mapping or forward on the fixed address is translated by TC
 *              egress's stages there and sent back to the LAN, rather than
 *              taken by the box itself.  Stages: hairpin_lan.h, egress.h.
 *
 * Every packet is counted under exactly one reason (mapce_abi.h) at the
 * single exit of each program.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "lib/consts.h"
#include "lib/parse.h"
#include "lib/stats.h"
#include "maps.h"
#include "common.h"
#include "egress.h"
#include "ingress.h"
#include "icmp6_err.h"
#include "slowpath.h"
#include "fastpath_out.h"
#include "hairpin_lan.h"

SEC("tc")
int mapce_tc_egress(struct __sk_buff *skb)
{
	__u32 reason = MAPCE_R_PASS_NATIVE, len = skb->len;
	const struct mapce_config *cfg;
	struct v4_info v = {};
	int rc, verdict = TC_ACT_OK;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		goto out;
	cfg = config_get();
	if (!cfg) {
		/* IPv4 routed to a WAN with no MAP config would leak
		 * untranslated: never let it out. */
		reason = MAPCE_R_DROP_NOT_CONFIGURED;
		verdict = TC_ACT_SHOT;
		goto out;
	}
	rc = egress_parse(skb, &v);
	if (egress_is_plain(cfg, &v, rc))
		/* DS-Lite, or the box's own fixed address: no NAPT */
		verdict = egress_plain(skb, cfg, &v, &reason);
	else if (rc == PARSE_OK)
		/* ports or an echo id: NAPT, then the tunnel (or a hairpin) */
		verdict = egress_napt(skb, cfg, &v, &reason);
	else if (rc == PARSE_FRAGMENT)
		/* a later fragment: follows its first fragment */
		verdict = egress_later_fragment(skb, cfg, &v, &reason);
	else if (rc == PARSE_UNSUPPORTED && v.proto == IPPROTO_ICMP && icmp4_is_error(v.icmp_type))
		/* a LAN host's error about a packet we delivered */
		verdict = egress_icmp_error(skb, cfg, &v, &reason);
	else {
		reason = parse_reason(rc, v.proto);
		verdict = TC_ACT_SHOT;
	}
out:
	stats_count(&mapce_stats, reason, len);
	return verdict;
}

SEC("xdp")
int mapce_xdp_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 reason = MAPCE_R_PASS_NATIVE, len = data_end - data;
	const struct mapce_config *cfg;
	struct ipv6hdr *ip6;
	struct v4_info v = {};
	int rc, hlen, verdict = XDP_PASS;

	/* tunnel packets (maybe behind the encapsulation limit option) and
	 * ICMPv6 only; a broken IPv6 header is the kernel's to judge */
	if (frame_ipv6(data, data_end, &ip6) <= 0 ||
	    (ip6->nexthdr != IPPROTO_IPIP && ip6->nexthdr != NEXTHDR_ICMPV6 &&
	     ip6->nexthdr != NEXTHDR_DEST))
		goto out;
	cfg = config_get();
	if (!cfg || !ipv6_equal(&ip6->daddr, cfg->ce_ipv6))
		goto out; /* not to our MAP address: not ours to judge */
	if (ip6->nexthdr == NEXTHDR_ICMPV6) {
		/* an error about a tunnel packet goes to the inside host */
		verdict = icmp6_err_to_icmp4(ctx, cfg, cfg->ce_ipv6, &reason);
		goto out;
	}
	/* IPv4 right after the IPv6 header, or after the RFC 2473
	 * destination option a Linux ip6tnl (or a BR) adds by default:
	 * the same packet.  Options we do not know: dropped, counted. */
	hlen = tunnel_hlen(ip6, data_end, MAPCE_R_DROP_UNSUPPORTED_PROTO, &reason);
	if (hlen <= 0) {
		verdict = hlen < 0 ? XDP_DROP : XDP_PASS;
		goto out;
	}

	/* From here on it is MAP traffic: pass nothing untranslated. */
	rc = parse_ipv4(data, data_end, ETH_HLEN + hlen, &v);
	if (rc != PARSE_MALFORMED && !ingress_csum_ok(ctx, &v))
		/* the kernel would drop it after we counted it as decap */
		rc = PARSE_BAD_CSUM;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ip6 = data + ETH_HLEN;
	if ((void *)(ip6 + 1) > data_end)
		rc = PARSE_MALFORMED;
	else if ((!mode_napt(cfg) || mode_routed(cfg, v.daddr)) && rc != PARSE_BAD_CSUM &&
		 rc != PARSE_MALFORMED)
		/* DS-Lite, or to ipip6's routed prefix: decapsulated as it is */
		verdict = ingress_plain(ctx, cfg, ip6, &v, &reason);
	else if (rc == PARSE_OK)
		/* ports or an echo id: reverse NAPT, decapsulation */
		verdict = ingress_napt(ctx, cfg, ip6, &v, &reason);
	else if (rc == PARSE_FRAGMENT)
		/* a later fragment: follows its first, or waits for it */
		verdict = ingress_later_fragment(ctx, cfg, ip6, &v, &reason);
	else if (rc == PARSE_UNSUPPORTED && v.proto == IPPROTO_ICMP && icmp4_is_error(v.icmp_type))
		/* an error from the internet about one of our flows */
		verdict = ingress_icmp_error(ctx, cfg, ip6, &v, &reason);
	else {
		reason = parse_reason(rc, v.proto);
		verdict = XDP_DROP;
	}
out:
	stats_count(&mapce_stats, reason, len);
	return verdict;
}

SEC("tc")
int mapce_tc_ingress(struct __sk_buff *skb)
{
	const struct mapce_config *cfg = NULL;
	__u32 reason, off = 0, len = skb->len;
	int kind, verdict;

	/* only what XDP passed up for the slow path; the rest goes on */
	kind = slow_path_kind(skb, &cfg, &off);
	if (kind == SLOW_NONE || !cfg)
		return TC_ACT_OK;
	/* held until its datagram is whole, then translated */
	verdict = slow_path(skb, cfg, kind, off, &reason);
	stats_count(&mapce_stats, reason, len);
	return verdict;
}

SEC("xdp")
int mapce_xdp_fastpath(struct xdp_md *ctx)
{
	__u32 reason, ev, len = ctx->data_end - ctx->data;
	int verdict = fastpath_out(ctx, &reason, &ev);

	/* a packet the fast path took is counted here (TC egress never sees
	 * it); one it passes is counted by the normal path, its event here */
	if (reason < MAPCE_R__MAX)
		stats_count(&mapce_stats, reason, len);
	if (ev)
		stats_count(&mapce_stats, ev, 0);
	return verdict;
}

SEC("tc")
int mapce_tc_lan(struct __sk_buff *skb)
{
	__u32 reason, len = skb->len;
	int verdict = hairpin_lan(skb, &reason);

	/* only hairpin traffic is counted: the rest is the LAN's own */
	if (reason < MAPCE_R__MAX)
		stats_count(&mapce_stats, reason, len);
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
