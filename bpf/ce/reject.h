/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reject.h - tell the inside host that its flow cannot be mapped (the port
 * set is exhausted, or the host holds its --max-per-host mappings) instead
 * of dropping silently (RFC 5508 REQ-8, RFC 5382): a TCP segment gets a
 * RST as if from the remote; anything else an ICMP destination unreachable,
 * code 13 (administratively prohibited), from our public address.
 *
 * The packet is rewritten in place into the reply and redirected into the
 * WAN's ingress, so the kernel routes it to the LAN like any packet.
 *
 * Verifier- and offload-sensitive: a forwarded skb may be CHECKSUM_PARTIAL
 * (veth, virtio LANs), and that state survives the rewrite: whoever
 * transmits it next will sum [csum_start, end] and store the result at
 * csum_start + csum_offset, both unchanged by us.  So:
 *   - the reply's transport header starts where the original one did
 *     (same IPv4 header length; other lengths are left to the plain drop);
 *   - the RST keeps TCP's layout; for a partial skb its checksum field
 *     holds the pseudo-header sum (what the stack would put there), for a
 *     complete one the full checksum.  Which one it is is probed: a
 *     non-pseudo bpf_l4_csum_replace leaves partial checksums alone.
 *   - the ICMP reply (UDP offset 6 = ICMP's unused word, kept zero) carries
 *     its full checksum: a device summing it again finds 0xffff and writes
 *     0 into the already-zero word, so it is right either way.
 */
#ifndef MAPCE_BPF_CE_REJECT_H
#define MAPCE_BPF_CE_REJECT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/consts.h"
#include "lib/ctx.h"
#include "lib/csum.h"
#include "lib/ipv4.h"
#include "lib/parse.h"
#include "common.h"

/* Is this skb's transport checksum CHECKSUM_PARTIAL?  Probes the field at
 * csum_off, then puts the old value back.  -1 on helper failure. */
static __always_inline int skb_csum_partial(struct __sk_buff *skb, __u32 csum_off)
{
	__u16 old, probe = 0x1234, now;

	if (bpf_skb_load_bytes(skb, csum_off, &old, sizeof(old)) ||
	    bpf_skb_store_bytes(skb, csum_off, &probe, sizeof(probe), 0) ||
	    bpf_l4_csum_replace(skb, csum_off, 0, bpf_htons(1), 2) ||
	    bpf_skb_load_bytes(skb, csum_off, &now, sizeof(now)) ||
	    bpf_skb_store_bytes(skb, csum_off, &old, sizeof(old), 0))
		return -1;
	return now == probe;
}

/* Swap the frame's MACs: it comes back in as if the peer had sent it. */
static __always_inline int reject_swap_macs(struct __sk_buff *skb)
{
	__u8 m[2 * ETH_ALEN];

	if (bpf_skb_load_bytes(skb, 0, m, sizeof(m)))
		return -1;
	if (bpf_skb_store_bytes(skb, 0, m + ETH_ALEN, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_ALEN, m, ETH_ALEN, 0))
		return -1;
	return 0;
}

struct reject_rst {
	struct iphdr ip;
	struct tcphdr th;
};

/* TCP: RST (RFC 793 "reset generation") from the remote to the host. */
static __always_inline int reject_tcp(struct __sk_buff *skb, const struct v4_info *v)
{
	struct reject_rst r = {};
	struct tcphdr seg;
	__u32 seglen, pseudo;
	int partial;

	if (v->tcp_flags & TCP_FLAG_RST)
		return -1; /* never answer a RST */
	if (bpf_skb_load_bytes(skb, v->l4_off, &seg, sizeof(seg)))
		return -1;
	partial = skb_csum_partial(skb, v->csum_off);
	if (partial < 0)
		return -1;
	seglen = v->tot_len - (v->l4_off - v->l3_off) - v->l4_hlen;
	if (v->tcp_flags & TCP_FLAG_SYN)
		seglen++;
	if (v->tcp_flags & TCP_FLAG_FIN)
		seglen++;
	r.th.source = seg.dest;
	r.th.dest = seg.source;
	if (v->tcp_flags & TCP_FLAG_ACK) {
		r.th.seq = seg.ack_seq;
		((__u8 *)&r.th)[13] = TCP_FLAG_RST;
	} else {
		r.th.ack_seq = bpf_htonl(bpf_ntohl(seg.seq) + seglen);
		((__u8 *)&r.th)[13] = TCP_FLAG_RST | TCP_FLAG_ACK;
	}
	r.th.doff = 5;
	ipv4_hdr_fill(&r.ip, 0, IP_DF, IPPROTO_TCP, sizeof(r), v->daddr, v->saddr);
	pseudo = (v->daddr & 0xffff) + (v->daddr >> 16) + (v->saddr & 0xffff) + (v->saddr >> 16) +
		 bpf_htons(IPPROTO_TCP) + bpf_htons(sizeof(r.th));
	if (partial)
		r.th.check = csum_fold(pseudo);
	else
		r.th.check = ~csum_fold(pseudo + csum_words(&r.th, sizeof(r.th)));
	if (bpf_skb_change_tail(skb, ETH_HLEN + sizeof(r), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &r, sizeof(r), BPF_F_INVALIDATE_HASH))
		return -1;
	return 0;
}

struct reject_icmp {
	struct iphdr ip;
	struct icmphdr ic;
	__u8 quote[REJECT_QUOTE_MAX];
};

/* Anything else: ICMP destination unreachable, administratively
 * prohibited, quoting the packet as the host sent it. */
static __always_inline int reject_icmp(struct __sk_buff *skb, const struct v4_info *v, __be32 pub,
				       __u8 code, __u16 mtu)
{
	struct reject_icmp r = {};
	__u32 qlen = v->tot_len < REJECT_QUOTE_MAX ? v->tot_len : REJECT_QUOTE_MAX;

	if (v->proto == IPPROTO_ICMP && v->icmp_type != ICMP_ECHO)
		return -1; /* never answer an error with an error */
	qlen &= ~1u;	   /* even: the sum is over 16-bit words */
	if (qlen < IPV4_HLEN || bpf_skb_load_bytes(skb, v->l3_off, r.quote, REJECT_QUOTE_MAX))
		return -1;
	r.ic.type = ICMP_DEST_UNREACH;
	r.ic.code = code;
	r.ic.un.frag.mtu = bpf_htons(mtu); /* code 4 only; 0 otherwise */
	ipv4_hdr_fill(&r.ip, 0, IP_DF, IPPROTO_ICMP, sizeof(r.ip) + sizeof(r.ic) + qlen, pub,
		      v->saddr);
	r.ic.checksum = ~csum_fold(csum_words(&r.ic, sizeof(r.ic) + qlen));
	if (bpf_skb_change_tail(skb, ETH_HLEN + sizeof(r.ip) + sizeof(r.ic) + qlen, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &r, sizeof(r), BPF_F_INVALIDATE_HASH))
		return -1;
	return 0;
}

static __always_inline int reject_send(struct __sk_buff *skb, int err)
{
	const struct mapce_config *cfg = config_get();

	if (err || !cfg || reject_swap_macs(skb))
		return TC_ACT_SHOT;
	/* At the WAN's TC egress the host is behind the kernel: in through
	 * the WAN's ingress.  At a LAN's TC ingress (ipip6's hairpin:
	 * hairpin_lan.h) it is on this link: straight back out of it. */
	return bpf_redirect(skb->ifindex, skb->ifindex == cfg->wan_ifindex ? BPF_F_INGRESS : 0);
}

/*
 * Rewrite the egress packet described by v into its reject and send it
 * back in.  Returns TC_ACT_REDIRECT, or TC_ACT_SHOT when no reply is due
 * (RSTs, ICMP errors, IPv4 options) or possible.
 */
static __always_inline int tc_reject(struct __sk_buff *skb, const struct v4_info *v, __be32 pub)
{
	/* The reply's transport header must start where the original's did
	 * (see above); IPv4 options would move it. */
	if (v->l4_off - v->l3_off != IPV4_HLEN || v->tot_len < REJECT_QUOTE_MAX)
		return TC_ACT_SHOT;
	return reject_send(skb, v->proto == IPPROTO_TCP
					? reject_tcp(skb, v)
					: reject_icmp(skb, v, pub, ICMP_PKT_FILTERED, 0));
}

/*
 * ICMP "fragmentation needed" with next-hop MTU mtu, for a DF packet too
 * big for the tunnel's path (RFC 1191).  Not for TCP: a partial-checksum
 * TCP skb cannot carry an ICMP reply (its checksum offset lands in the
 * quote), and TCP is handled by lowering the MSS of new SYNs instead.
 */
static __always_inline int tc_frag_needed(struct __sk_buff *skb, const struct v4_info *v,
					  __be32 pub, __u16 mtu)
{
	if (v->proto == IPPROTO_TCP || v->l4_off - v->l3_off != IPV4_HLEN ||
	    v->tot_len < REJECT_QUOTE_MAX)
		return TC_ACT_SHOT;
	return reject_send(skb, reject_icmp(skb, v, pub, ICMP_FRAG_NEEDED, mtu));
}

#endif
