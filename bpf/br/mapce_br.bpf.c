// SPDX-License-Identifier: GPL-2.0-only
/*
 * mapce_br.bpf.c - a stateless MAP-E BR (RFC 7597 §5-§8) on one device,
 * the one facing the CEs:
 *
 *   XDP ingress  IPv6 (next header 4) to the BR address from the CE that
 *                owns the inner IPv4 source and port -> decapsulated IPv4,
 *                passed to the kernel, which forwards it.  Anything else
 *                addressed to the BR in IPv4-in-IPv6 is dropped; all other
 *                traffic passes untouched.
 *                ICMPv6 errors about packets the BR sent to a CE (Packet
 *                Too Big from a router with a smaller MTU) -> ICMPv4
 *                errors to the internet host, passed to the kernel.
 *   TC egress    IPv4 the kernel routes out of the device to an address
 *                inside a rule's IPv4 prefix -> IPv6 to the CE that owns
 *                the destination address and port.  GSO packets stay GSO:
 *                only the headers are pulled into the linear area.
 *
 * Fragments of shared-address rules follow their first fragment both ways
 * (lib/br_frag.h).  CE-to-CE traffic hairpins through both programs:
 * decapsulated at XDP, routed back out of the device by the kernel,
 * encapsulated at TC.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h" /* before lib/parse.h, which uses MAPCE_TCP_SEEN_* without including it */
#include "lib/defs.h"
#include "lib/ctx.h"
#include "lib/parse.h"
#include "lib/encap.h"
#include "lib/stats.h"
#include "maps.h"
#include "owner.h"
#include "frag.h"
#include "destopt.h"
#include "icmp6.h"

#define BR_AF_INET6 10 /* AF_INET6: a macro, so not in vmlinux.h */

/* Bytes TC needs in the linear area to parse a packet: Ethernet, IPv4 with
 * options, and either a TCP header or an ICMP error's header plus quoted
 * IPv4 header with options and 8 bytes of it (14 + 60 + 8 + 60 + 8). */
#define BR_TC_HDRS 150

static __always_inline struct mapce_config *br_config(void)
{
	__u32 zero = 0;
	struct mapce_config *cfg = bpf_map_lookup_elem(&mapce_br_config, &zero);

	if (!cfg || !(cfg->flags & MAPCE_CFG_F_ENABLED))
		return NULL;
	return cfg;
}

SEC("xdp")
int mapce_br_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	__u32 reason = MAPCE_R_PASS_NATIVE;
	int action = XDP_PASS;
	struct mapce_config *cfg;
	struct mapce_rule *rule;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6;
	struct v4_info v;
	/* u64 words: the verifier rejects misaligned stack access */
	__u64 ce[2];
	__u32 optlen = 0; /* destination options between IPv6 and IPv4 */
	int rc, res, followed;

	cfg = br_config();
	if (!cfg)
		goto out;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		goto out;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > data_end || ip6->version != 6) {
		reason = MAPCE_R_DROP_MALFORMED;
		goto drop;
	}
	if (!ipv6_equal(&ip6->daddr, cfg->br_ipv6))
		goto out; /* native IPv6, ND, tunnels to someone else */
	if (ip6->nexthdr == BR_NEXTHDR_DEST) {
		/* a CE that adds the RFC 2473 encapsulation limit option */
		rc = br_destopt_check((void *)(ip6 + 1), data_end);
		if (rc == BR_DESTOPT_OTHER)
			goto out;
		if (rc != BR_DESTOPT_IPIP) {
			reason = rc == BR_DESTOPT_TRUNC ? MAPCE_R_DROP_MALFORMED
							: MAPCE_R_BR_DROP_UNSUPPORTED;
			goto drop;
		}
		optlen = BR_DESTOPT_LEN;
	} else if (ip6->nexthdr == BR_ICMPV6) {
		/* errors about our tunnel packets; echo, ND... pass */
		action = br_icmp6_err(ctx, cfg, &reason);
		goto out;
	} else if (ip6->nexthdr != IPPROTO_IPIP) {
		goto out; /* TCP, UDP... to the BR itself */
	}

	/* From here on it is ours: forward it or drop it, never pass it
	 * without the owner check. */
	if ((void *)(ip6 + 1) + bpf_ntohs(ip6->payload_len) > data_end) {
		reason = MAPCE_R_DROP_MALFORMED;
		goto drop;
	}
	rc = parse_ipv4(data, data_end, ETH_HLEN + IPV6_HLEN + optlen, &v);
	if (rc == PARSE_MALFORMED || v.tot_len + optlen > bpf_ntohs(ip6->payload_len)) {
		reason = MAPCE_R_DROP_MALFORMED;
		goto drop;
	}
	rule = br_rule_for(v.saddr);
	if (!rule) {
		reason = MAPCE_R_BR_DROP_NO_RULE;
		goto drop;
	}
	res = br_owner(rule, data, data_end, rc, &v, BR_FROM_CE,
		       !!(cfg->flags & MAPCE_CFG_F_LEGACY_IID), (__u8 *)ce, &followed);
	if (res != BR_OWNER_OK) {
		reason = res;
		goto drop;
	}
	/* The anti-spoofing check of RFC 7597 §8.1, seen from the BR; for a
	 * later fragment: from the CE that sent its first fragment. */
	if (!ipv6_equal(&ip6->saddr, ce)) {
		reason = MAPCE_R_BR_DROP_SPOOFED;
		goto drop;
	}
	if (mapce_rule_psid_len(rule) && br_is_first_fragment(&v))
		br_frag_record(&v, BR_FROM_CE, (__u8 *)ce);
	if (optlen ? br_xdp_decap_destopt(ctx) : xdp_decap_ipv6(ctx)) {
		reason = MAPCE_R_DROP_DECAP_FAILED;
		goto drop;
	}
	if (followed)
		stats_count(&mapce_br_stats, MAPCE_R_EV_BR_FRAG_FOLLOWED, bytes);
	reason = MAPCE_R_BR_DECAP;
	goto out;
drop:
	action = XDP_DROP;
out:
	stats_count(&mapce_br_stats, reason, bytes);
	return action;
}

/*
 * Point the frame at the IPv6 next hop toward dst.  The kernel filled in
 * the MACs of the gateway of the IPv4 route (br up routes each rule prefix
 * via the next hop toward the rule's IPv6 prefix); a FIB lookup on the
 * outer destination is right even when CEs sit behind different next
 * hops.  Anything but a resolved next hop on this same device keeps the
 * kernel's choice: no neighbour entry yet (NO_NEIGH), or IPv6 forwarding
 * off on the device (the helper then answers FWD_DISABLED; br up warns).
 */
static __always_inline void br_fib_macs(struct __sk_buff *skb, const void *src, const void *dst)
{
	struct bpf_fib_lookup fib = {};
	long rc;

	fib.family = BR_AF_INET6;
	fib.ifindex = skb->ifindex;
	__builtin_memcpy(fib.ipv6_src, src, 16);
	__builtin_memcpy(fib.ipv6_dst, dst, 16);
	/* tot_len 0: the helper checks the skb itself against the MTU */
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || fib.ifindex != skb->ifindex)
		return;
	/* dmac then smac: the first 12 bytes of the frame */
	bpf_skb_store_bytes(skb, 0, fib.dmac, ETH_ALEN, 0);
	bpf_skb_store_bytes(skb, ETH_ALEN, fib.smac, ETH_ALEN, 0);
}

SEC("tc")
int mapce_br_tc_egress(struct __sk_buff *skb)
{
	__u64 bytes = skb->len;
	__u32 reason = MAPCE_R_PASS_NATIVE;
	int action = TC_ACT_OK;
	struct mapce_config *cfg;
	struct mapce_rule *rule;
	struct iphdr iph;
	struct v4_info v;
	void *data, *data_end;
	__u32 need;
	__u64 ce[2];
	int rc, res, followed;

	cfg = br_config();
	if (!cfg)
		goto out;
	if (skb->protocol != bpf_htons(ETH_P_IP))
		goto out;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &iph, sizeof(iph)))
		goto out; /* not even an IPv4 header: not ours to judge */
	rule = br_rule_for(iph.daddr);
	if (!rule)
		goto out; /* the IPv4 internet, or another device's business */

	/* Only the headers need to be linear.  A GSO packet (GRO, TSO) is
	 * longer than its linear part; parse_ipv4_len checks tot_len
	 * against the whole skb, and the packet stays GSO (no linearising). */
	need = skb->len < BR_TC_HDRS ? skb->len : BR_TC_HDRS;
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	if (data + need > data_end && bpf_skb_pull_data(skb, need)) {
		reason = MAPCE_R_DROP_ENCAP_FAILED;
		goto drop;
	}
	/* pull_data invalidated every packet pointer */
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	rc = parse_ipv4_len(data, data_end, skb->len, ETH_HLEN, &v);
	if (rc == PARSE_MALFORMED) {
		reason = MAPCE_R_DROP_MALFORMED;
		goto drop;
	}
	res = br_owner(rule, data, data_end, rc, &v, BR_TO_CE,
		       !!(cfg->flags & MAPCE_CFG_F_LEGACY_IID), (__u8 *)ce, &followed);
	if (res != BR_OWNER_OK) {
		/* Never let IPv4 for a MAP domain leak out unencapsulated. */
		reason = res;
		goto drop;
	}
	if (mapce_rule_psid_len(rule) && br_is_first_fragment(&v))
		br_frag_record(&v, BR_TO_CE, (__u8 *)ce);
	/* No encapsulation-limit option (0): CEs need none (REFERENCE §3).
	 * FIXED_GSO + ENCAP_L3_IPV6 (lib/encap.h): a GSO packet keeps its
	 * segment size (the IPv4 route MTU leaves room for the 40 bytes) and
	 * is segmented as IPv4-in-IPv6 further down. */
	if (tc_encap_ipv6(skb, cfg->br_ipv6, (__u8 *)ce, v.tos, cfg->hop_limit, v.tot_len, 0)) {
		reason = MAPCE_R_DROP_ENCAP_FAILED;
		goto drop;
	}
	br_fib_macs(skb, cfg->br_ipv6, ce);
	if (followed)
		stats_count(&mapce_br_stats, MAPCE_R_EV_BR_FRAG_FOLLOWED, bytes);
	reason = MAPCE_R_BR_ENCAP;
	goto out;
drop:
	action = TC_ACT_SHOT;
out:
	stats_count(&mapce_br_stats, reason, bytes);
	return action;
}

char LICENSE[] SEC("license") = "GPL";
