/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * parse.h - bounds-checked parsing of the headers mapce looks at.
 *
 * All parsers take [data, data_end) and return offsets from data plus the
 * values NAT needs (network order), never pointers: TC helpers that touch
 * the packet invalidate pointers, offsets survive.  Every read is checked
 * against data_end first, as the verifier demands.
 */
#ifndef MAPCE_BPF_LIB_PARSE_H
#define MAPCE_BPF_LIB_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"
#include "mapce_abi.h"

/* Parse results */
enum {
	PARSE_OK = 0,
	PARSE_MALFORMED = -1,	/* truncated or inconsistent header */
	PARSE_UNSUPPORTED = -2, /* a protocol or ICMP type NAT does not handle */
	PARSE_FRAGMENT = -3,	/* IPv4 fragment after the first: no transport header */
	PARSE_BAD_CSUM = -4,	/* IPv4 header checksum wrong (callers that verify it) */
};

/* An IPv4 packet's NAT-relevant fields.  For ICMP echo the identifier
 * plays the port of the querying side: in a request it is the source
 * "port", in a reply the destination "port" (RFC 7597 §8.2). */
struct v4_info {
	__u16 l3_off;	 /* IPv4 header, from data */
	__u16 l4_off;	 /* transport header, from data */
	__u16 tot_len;	 /* IPv4 total length, host order */
	__u16 csum_off;	 /* transport checksum field, from data */
	__u16 sport_off; /* source port (or echo id), 0 = none */
	__u16 dport_off; /* destination port (or echo id), 0 = none */
	__be32 saddr, daddr;
	__be16 sport, dport;
	__u8 proto;
	__u8 tos;
	__u8 tcp_flags;	 /* TCP only */
	__u8 icmp_type;	 /* ICMP only */
	__u16 frag_off;	 /* host order: flags + offset (a first fragment parses
			  * like any packet, with IP_MF set here) */
	__be16 id;	 /* IPv4 identification */
	__u8 udp_nocsum; /* UDP with checksum 0 */
	__u8 l4_hlen;	 /* transport header length (TCP doff, 8 otherwise) */
};

/* Parse IPv4 at data + l3_off and its transport header.  pkt_len is the
 * whole packet's length from data: on TC a GSO super-packet (TSO, GRO) is
 * longer than its linear part [data, data_end), which holds the headers.
 * Returns PARSE_OK, or a negative PARSE_* code. */
static __always_inline int parse_ipv4_len(void *data, void *data_end, __u32 pkt_len, __u16 l3_off,
					  struct v4_info *v)
{
	struct iphdr *iph = data + l3_off;
	__u32 ihl;

	if ((void *)(iph + 1) > data_end)
		return PARSE_MALFORMED;
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_MALFORMED;
	ihl = iph->ihl * 4;
	v->l3_off = l3_off;
	v->l4_off = l3_off + ihl;
	v->tot_len = bpf_ntohs(iph->tot_len);
	if (v->tot_len < ihl || (__u32)l3_off + v->tot_len > pkt_len)
		return PARSE_MALFORMED;
	v->saddr = iph->saddr;
	v->daddr = iph->daddr;
	v->proto = iph->protocol;
	v->tos = iph->tos;
	v->frag_off = bpf_ntohs(iph->frag_off);
	v->id = iph->id;
	v->sport_off = v->dport_off = 0;
	v->sport = v->dport = 0;
	v->tcp_flags = v->icmp_type = v->udp_nocsum = 0;
	v->l4_hlen = 8;
	if (v->frag_off & IP_OFFSET)
		return PARSE_FRAGMENT;

	/* ihl is 5..15 words: the verifier sees l4 bounded by 60 bytes. */
	void *l4 = (void *)iph + ihl;

	switch (v->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end || th->doff < 5)
			return PARSE_MALFORMED;
		v->sport = th->source;
		v->dport = th->dest;
		v->sport_off = v->l4_off + offsetof(struct tcphdr, source);
		v->dport_off = v->l4_off + offsetof(struct tcphdr, dest);
		v->csum_off = v->l4_off + offsetof(struct tcphdr, check);
		v->tcp_flags = ((__u8 *)th)[13];
		v->l4_hlen = th->doff * 4;
		return PARSE_OK;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return PARSE_MALFORMED;
		v->sport = uh->source;
		v->dport = uh->dest;
		v->sport_off = v->l4_off + offsetof(struct udphdr, source);
		v->dport_off = v->l4_off + offsetof(struct udphdr, dest);
		v->csum_off = v->l4_off + offsetof(struct udphdr, check);
		v->udp_nocsum = uh->check == 0;
		return PARSE_OK;
	}
	case IPPROTO_ICMP: {
		struct icmphdr *ic = l4;

		if ((void *)(ic + 1) > data_end)
			return PARSE_MALFORMED;
		v->icmp_type = ic->type;
		v->csum_off = v->l4_off + offsetof(struct icmphdr, checksum);
		if (ic->type == ICMP_ECHO) {
			v->sport = ic->un.echo.id;
			v->sport_off = v->l4_off + offsetof(struct icmphdr, un.echo.id);
			return PARSE_OK;
		}
		if (ic->type == ICMP_ECHOREPLY) {
			v->dport = ic->un.echo.id;
			v->dport_off = v->l4_off + offsetof(struct icmphdr, un.echo.id);
			return PARSE_OK;
		}
		return PARSE_UNSUPPORTED;
	}
	}
	return PARSE_UNSUPPORTED;
}

/* parse_ipv4_len for a packet that is all in [data, data_end) (XDP). */
static __always_inline int parse_ipv4(void *data, void *data_end, __u16 l3_off, struct v4_info *v)
{
	return parse_ipv4_len(data, data_end, data_end - data, l3_off, v);
}

/* An ICMPv4 error that quotes a packet of a flow (RFC 5508 REQ-3): the
 * ones NAT translates and the BR attributes by their quote. */
static __always_inline int icmp4_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/*
 * The IPv6 header of a frame [data, data_end) as XDP sees it (Ethernet |
 * IPv6): 1 with *ip6 set; 0 when the frame is not IPv6; -1 when its
 * ethertype says IPv6 but the header is cut short or not version 6 (each
 * side decides whether that is its business).
 */
static __always_inline int frame_ipv6(void *data, void *data_end, struct ipv6hdr **ip6)
{
	struct ethhdr *eth = data;
	struct ipv6hdr *h = (void *)(eth + 1);

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return 0;
	if ((void *)(h + 1) > data_end || h->version != 6)
		return -1;
	*ip6 = h;
	return 1;
}

/* Are two IPv6 addresses equal?  (two 64-bit compares) */
static __always_inline int ipv6_equal(const void *a, const void *b)
{
	const __u64 *x = a, *y = b;

	return x[0] == y[0] && x[1] == y[1];
}

/* Copy an IPv6 address: two 64-bit moves, as ipv6_equal reads them (a
 * memcpy of a byte array is sixteen byte moves: clang cannot know the
 * alignment). */
static __always_inline void ipv6_copy(void *dst, const void *src)
{
	__u64 *d = dst;
	const __u64 *s = src;

	d[0] = s[0];
	d[1] = s[1];
}

/* TCP flags -> MAPCE_TCP_SEEN_* bits. */
static __always_inline __u8 tcp_seen_bits(__u8 flags)
{
	__u8 s = 0;

	if (flags & TCP_FLAG_SYN)
		s |= MAPCE_TCP_SEEN_SYN;
	if (flags & TCP_FLAG_FIN)
		s |= MAPCE_TCP_SEEN_FIN;
	if (flags & TCP_FLAG_RST)
		s |= MAPCE_TCP_SEEN_RST;
	if (flags & TCP_FLAG_ACK)
		s |= MAPCE_TCP_SEEN_ACK;
	return s;
}

#endif
