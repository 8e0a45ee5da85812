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
 * (frag.h).  CE-to-CE traffic hairpins through both programs:
 * decapsulated at XDP, routed back out of the device by the kernel,
 * encapsulated at TC.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "lib/consts.h"
#include "lib/ctx.h"
#include "lib/encap.h"
#include "lib/fib.h"
#include "lib/frag.h"
#include "lib/parse.h"
#include "lib/stats.h"
#include "maps.h"
#include "owner.h"
#include "frag.h"
#include "icmp6.h"

/* The configuration, or NULL when there is none (or it is disabled). */
static __always_inline struct mapce_config *br_config(void)
{
	__u32 zero = 0;
	struct mapce_config *cfg = bpf_map_lookup_elem(&mapce_br_config, &zero);

	if (!cfg || !(cfg->flags & MAPCE_CFG_F_ENABLED))
		return NULL;
	return cfg;
}

/*
 * A tunnel packet from a CE, the IPv4 packet hlen bytes after the
 * Ethernet header: forwarded (decapsulated, passed to the kernel) when it
 * comes from the CE that owns its source address and port, else dropped.
 * Returns the XDP verdict and sets *reason.
 */
static __always_inline int br_decap(struct xdp_md *ctx, const struct mapce_config *cfg, __u32 hlen,
				    __u32 *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6 = data + ETH_HLEN;
	__u64 bytes = data_end - data;
	struct mapce_rule *rule;
	struct v4_info v;
	__u32 plen;
	/* u64 words: the verifier rejects misaligned stack access */
	__u64 ce[2];
	int rc, res, followed;

	if ((void *)(ip6 + 1) > data_end)
		goto malformed;
	plen = bpf_ntohs(ip6->payload_len);
	if ((void *)(ip6 + 1) + plen > data_end)
		goto malformed;
	rc = parse_ipv4(data, data_end, ETH_HLEN + hlen, &v);
	if (rc == PARSE_MALFORMED || v.tot_len + hlen - IPV6_HLEN > plen)
		goto malformed;
	rule = br_rule_for(v.saddr);
	if (!rule) {
		*reason = MAPCE_R_BR_DROP_NO_RULE;
		return XDP_DROP;
	}
	res = br_owner(rule, data, data_end, rc, &v, BR_FROM_CE,
		       !!(cfg->flags & MAPCE_CFG_F_LEGACY_IID), (__u8 *)ce, &followed);
	if (res != BR_OWNER_OK) {
		*reason = res;
		return XDP_DROP;
	}
	/* The anti-spoofing check of RFC 7597 §8.1, seen from the BR; for a
	 * later fragment: from the CE that sent its first fragment. */
	if (!ipv6_equal(&ip6->saddr, ce)) {
		*reason = MAPCE_R_BR_DROP_SPOOFED;
		return XDP_DROP;
	}
	if (mapce_rule_psid_len(rule) && ipv4_is_first_fragment(&v))
		br_frag_record(&v, BR_FROM_CE, (__u8 *)ce);
	if (xdp_decap_ipv6(ctx, hlen)) {
		*reason = MAPCE_R_DROP_DECAP_FAILED;
		return XDP_DROP;
	}
	if (followed)
		stats_count(&mapce_br_stats, MAPCE_R_EV_BR_FRAG_FOLLOWED, bytes);
	*reason = MAPCE_R_BR_DECAP;
	return XDP_PASS;
malformed:
	*reason = MAPCE_R_DROP_MALFORMED;
	return XDP_DROP;
}

/*
 * IPv4 to an address of rule's prefix: encapsulated to the CE that owns
 * its destination address and port, toward that CE's IPv6 next hop, or
 * dropped: IPv4 for a MAP domain never leaks out unencapsulated.
 * Returns the TC verdict and sets *reason.
 */
static __always_inline int br_encap(struct __sk_buff *skb, const struct mapce_config *cfg,
				    const struct mapce_rule *rule, __u32 *reason)
{
	__u32 need = skb->len < BR_TC_HDRS ? skb->len : BR_TC_HDRS;
	__u64 bytes = skb->len; /* as it came: before the encapsulation */
	void *data = skb_data(skb);
	void *data_end = skb_data_end(skb);
	struct v4_info v;
	__u64 ce[2];
	int rc, res, followed;

	/* Only the headers need to be linear.  A GSO packet (GRO, TSO) is
	 * longer than its linear part; parse_ipv4_len checks tot_len
	 * against the whole skb, and the packet stays GSO (no linearising). */
	if (data + need > data_end && bpf_skb_pull_data(skb, need)) {
		*reason = MAPCE_R_DROP_ENCAP_FAILED;
		return TC_ACT_SHOT;
	}
	/* pull_data invalidated every packet pointer */
	data = skb_data(skb);
	data_end = skb_data_end(skb);
	rc = parse_ipv4_len(data, data_end, skb->len, ETH_HLEN, &v);
	if (rc == PARSE_MALFORMED) {
		*reason = MAPCE_R_DROP_MALFORMED;
		return TC_ACT_SHOT;
	}
	res = br_owner(rule, data, data_end, rc, &v, BR_TO_CE,
		       !!(cfg->flags & MAPCE_CFG_F_LEGACY_IID), (__u8 *)ce, &followed);
	if (res != BR_OWNER_OK) {
		*reason = res;
		return TC_ACT_SHOT;
	}
	if (mapce_rule_psid_len(rule) && ipv4_is_first_fragment(&v))
		br_frag_record(&v, BR_TO_CE, (__u8 *)ce);
	/* No encapsulation-limit option (0): CEs need none.  FIXED_GSO +
	 * ENCAP_L3_IPV6 (lib/encap.h): a GSO packet keeps its segment size
	 * (the IPv4 route MTU leaves room for the 40 bytes) and is segmented
	 * as IPv4-in-IPv6 further down. */
	if (tc_encap_ipv6(skb, cfg->br_ipv6, (__u8 *)ce, v.tos, cfg->hop_limit, v.tot_len, 0)) {
		*reason = MAPCE_R_DROP_ENCAP_FAILED;
		return TC_ACT_SHOT;
	}
	if (followed)
		stats_count(&mapce_br_stats, MAPCE_R_EV_BR_FRAG_FOLLOWED, bytes);
	*reason = MAPCE_R_BR_ENCAP;
	return fib_macs_or_neigh(skb, cfg->br_ipv6, ce);
}

SEC("xdp")
int mapce_br_xdp(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - (void *)(long)ctx->data;
	__u32 reason = MAPCE_R_PASS_NATIVE;
	int action = XDP_PASS, hlen, rc;
	struct mapce_config *cfg = br_config();
	struct ipv6hdr *ip6;

	if (!cfg)
		goto out;
	rc = frame_ipv6((void *)(long)ctx->data, data_end, &ip6);
	if (rc < 0) {
		/* to the BR or not, a broken IPv6 header is dropped here */
		reason = MAPCE_R_DROP_MALFORMED;
		action = XDP_DROP;
	}
	if (rc <= 0 || !ipv6_equal(&ip6->daddr, cfg->br_ipv6))
		goto out; /* native IPv6, ND, tunnels to someone else */
	if (ip6->nexthdr == NEXTHDR_ICMPV6) {
		/* errors about our tunnel packets; echo, ND... pass */
		action = icmp6_err_to_icmp4(ctx, cfg, cfg->br_ipv6, &reason);
		goto out;
	}
	/* IPv4-in-IPv6, maybe behind the encapsulation limit option */
	hlen = tunnel_hlen(ip6, data_end, MAPCE_R_BR_DROP_UNSUPPORTED, &reason);
	if (hlen < 0)
		action = XDP_DROP;
	else if (hlen > 0)
		/* from here on it is ours: forwarded, or dropped */
		action = br_decap(ctx, cfg, hlen, &reason);
out:
	stats_count(&mapce_br_stats, reason, bytes);
	return action;
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
	/* to a CE: encapsulated, or dropped */
	action = br_encap(skb, cfg, rule, &reason);
out:
	stats_count(&mapce_br_stats, reason, bytes);
	return action;
}

char LICENSE[] SEC("license") = "GPL";
