/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * icmp4_err.h - ICMPv4 errors about NAPT-ed flows (RFC 5508 REQ-3..5).
 *
 * An error (destination unreachable, time exceeded, parameter problem)
 * quotes the packet that caused it.  Inbound, from the internet, the quote
 * is our outbound packet (source = our public ip:port); outbound, from a
 * LAN host, it is a packet we delivered (destination = the inside ip:port).
 * Both get the outer address and the quoted address, port or echo id
 * translated, with the quoted IPv4 and transport checksums and the ICMP
 * checksum fixed.  The flow is found in the same maps as its packets; an
 * error never creates, refreshes or ends a mapping.
 *
 * All quoted fields sit at even offsets from the ICMP header (8-byte
 * header, 4-byte aligned IPv4 header), so plain 16-bit incremental updates
 * of the ICMP checksum are exact.
 */
#ifndef MAPCE_BPF_CE_ICMP4_ERR_H
#define MAPCE_BPF_CE_ICMP4_ERR_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/consts.h"
#include "lib/ctx.h"
#include "lib/csum.h"
#include "lib/parse.h"
#include "maps.h"

/* The quoted packet of an ICMP error at v (offsets from data). */
struct icmp_quote {
	__u16 ip_off;	   /* quoted IPv4 header */
	__u16 l4_off;	   /* quoted transport header */
	__u16 l4_csum_off; /* quoted transport checksum, 0 = not quoted/none */
	__u16 port_off;	   /* the port (or echo id) that gets translated */
	__be32 src, dst;
	__be16 sport, dport; /* echo: the id in sport (request) */
	__u8 proto;
	__u8 echo_req; /* quoted packet is an echo request */
	__u8 udp_nocsum;
	__u8 _pad;
};

/*
 * Parse the quote of the ICMP error whose header is at v->l4_off.  The
 * quote is truncated: only its headers are checked, never its length.
 * What is quoted ends with the error's IPv4 packet (v->tot_len), not with
 * the frame: bytes after it (Ethernet padding, junk) are no part of the
 * ICMP message, and rewriting them would break its checksum.
 */
static __always_inline int icmp_quote_parse(void *data, void *data_end, const struct v4_info *v,
					    struct icmp_quote *q)
{
	__u32 end = (__u32)v->l3_off + v->tot_len; /* of the ICMP message */
	struct iphdr *qip;
	__u8 *l4;
	__u32 qihl;

	if (v->l4_off > 200)
		return -1;
	qip = data + v->l4_off + ICMP_HLEN;
	if ((void *)(qip + 1) > data_end || qip->version != 4 || qip->ihl < 5)
		return -1;
	qihl = qip->ihl * 4;
	q->ip_off = v->l4_off + ICMP_HLEN;
	q->l4_off = q->ip_off + qihl;
	q->src = qip->saddr;
	q->dst = qip->daddr;
	q->proto = qip->protocol;
	q->echo_req = 0;
	q->udp_nocsum = 0;
	q->l4_csum_off = 0;
	if (bpf_ntohs(qip->frag_off) & IP_OFFSET)
		return -1; /* a later fragment quotes no ports */
	if (q->l4_off > 300 || q->l4_off + ICMP_QUOTE_L4 > end)
		return -1;
	l4 = data + q->l4_off;
	if ((void *)(l4 + ICMP_QUOTE_L4) > data_end)
		return -1;
	switch (q->proto) {
	case IPPROTO_TCP:
		q->sport = *(__be16 *)l4;
		q->dport = *(__be16 *)(l4 + 2);
		/* TCP's checksum (offset 16) is quoted only by generous routers */
		if ((void *)(l4 + 18) <= data_end && q->l4_off + 18 <= end)
			q->l4_csum_off = q->l4_off + 16;
		return 0;
	case IPPROTO_UDP:
		q->sport = *(__be16 *)l4;
		q->dport = *(__be16 *)(l4 + 2);
		q->l4_csum_off = q->l4_off + 6;
		q->udp_nocsum = *(__be16 *)(l4 + 6) == 0;
		return 0;
	case IPPROTO_ICMP:
		if (l4[0] == ICMP_ECHO) {
			q->echo_req = 1;
		} else if (l4[0] != ICMP_ECHOREPLY) {
			return -1;
		}
		q->sport = *(__be16 *)(l4 + 4);
		q->dport = 0;
		q->l4_csum_off = q->l4_off + 2;
		return 0;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Inbound (XDP): error from the internet about one of our flows        */
/* ------------------------------------------------------------------ */

/*
 * Translate in place an ICMP error decapsulated on ingress.  Returns 0 and
 * sets *inside to the host it must go to, or a negative value (no flow).
 */
static __always_inline int icmp4_err_in(void *data, void *data_end, const struct v4_info *v,
					const struct mapce_config *cfg, __be32 *inside)
{
	struct mapce_tuple ki = {};
	struct icmp_quote q;
	struct mapce_flow *f;
	struct iphdr *ip, *qip;
	struct icmphdr *ic;
	__sum16 *ql4sum;
	__be16 *qport, old_qsum, old_l4sum;
	__be32 new_ip;
	__be16 new_port;

	if (icmp_quote_parse(data, data_end, v, &q))
		return -1;
	/* The quote is what we sent: from our public address and port. */
	if (q.src != cfg->ipv4 || (q.proto == IPPROTO_ICMP && !q.echo_req))
		return -1;
	ki.local_ip = q.src;
	ki.local_port = q.sport;
	ki.remote_ip = q.dst;
	ki.remote_port = q.dport;
	ki.proto = q.proto;
	f = bpf_map_lookup_elem(&mapce_flow_in, &ki);
	if (!f)
		return -1;
	new_ip = f->ip;
	new_port = f->port;

	ip = data + v->l3_off;
	ic = data + v->l4_off;
	qip = data + q.ip_off;
	if (q.l4_off > 300 || q.l4_csum_off > 320)
		return -1;
	qport = data + q.l4_off + (q.proto == IPPROTO_ICMP ? 4 : 0);
	if ((void *)(ip + 1) > data_end || (void *)(ic + 1) > data_end ||
	    (void *)(qip + 1) > data_end || (void *)(qport + 1) > data_end)
		return -1;

	/* outer destination */
	csum_replace4(&ip->check, ip->daddr, new_ip);
	ip->daddr = new_ip;
	/* quoted source address and its header checksum */
	old_qsum = qip->check;
	csum_replace4(&qip->check, qip->saddr, new_ip);
	csum_replace4(&ic->checksum, qip->saddr, new_ip);
	csum_replace2(&ic->checksum, old_qsum, qip->check);
	qip->saddr = new_ip;
	/* quoted transport checksum, when quoted (TCP/UDP: pseudo header) */
	if (q.l4_csum_off) {
		ql4sum = data + q.l4_csum_off;
		if ((void *)(ql4sum + 1) <= data_end && !(q.proto == IPPROTO_UDP && q.udp_nocsum)) {
			old_l4sum = *ql4sum;
			if (q.proto != IPPROTO_ICMP)
				csum_replace4(ql4sum, q.src, new_ip);
			csum_replace2(ql4sum, q.sport, new_port);
			csum_replace2(&ic->checksum, old_l4sum, *ql4sum);
		}
	}
	/* quoted port / echo id */
	csum_replace2(&ic->checksum, *qport, new_port);
	*qport = new_port;
	*inside = new_ip;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Outbound (TC): error from a LAN host about a packet we delivered     */
/* ------------------------------------------------------------------ */

/* Replace a 16-bit checksum-neutral field (no pseudo header) through the
 * TC helpers, keeping the ICMP checksum right. */
static __always_inline int tc_icmp_field2(struct __sk_buff *skb, __u32 icmp_csum_off, __u32 off,
					  __be16 from, __be16 to)
{
	if (bpf_l4_csum_replace(skb, icmp_csum_off, from, to, sizeof(to)))
		return -1;
	return bpf_skb_store_bytes(skb, off, &to, sizeof(to), 0);
}

/*
 * Translate an ICMP error leaving the WAN.  Returns 0, or negative when it
 * is not about one of our flows.  ICMP is checksummed in software, never
 * CHECKSUM_PARTIAL, so plain (non-pseudo) replacements are right.
 */
static __always_inline int icmp4_err_out(struct __sk_buff *skb, const struct v4_info *v,
					 const struct mapce_config *cfg)
{
	void *data = skb_data(skb);
	void *data_end = skb_data_end(skb);
	struct mapce_tuple ko = {};
	struct icmp_quote q;
	struct mapce_flow *f;
	struct iphdr *qip;
	__u32 icsum = v->l4_off + offsetof(struct icmphdr, checksum);
	__be16 old_qsum, new_qsum, old_l4sum = 0, new_l4sum = 0, *p16;
	__be32 pub;
	__be16 pub_port;
	int have_l4sum = 0;

	if (icmp_quote_parse(data, data_end, v, &q))
		return -1;
	/* The quote is what we delivered: to the inside host that now
	 * complains, from the remote peer. */
	if (q.dst != v->saddr || (q.proto == IPPROTO_ICMP && q.echo_req))
		return -1;
	ko.local_ip = q.dst;
	ko.remote_ip = q.src;
	ko.local_port = q.proto == IPPROTO_ICMP ? q.sport : q.dport;
	ko.remote_port = q.proto == IPPROTO_ICMP ? 0 : q.sport;
	ko.proto = q.proto;
	f = bpf_map_lookup_elem(&mapce_flow_out, &ko);
	if (!f)
		return -1;
	pub = f->ip;
	pub_port = f->port;

	qip = data + q.ip_off;
	if ((void *)(qip + 1) > data_end)
		return -1;
	/* compute the quoted checksums' new values first (pointers die on
	 * the first helper call) */
	old_qsum = qip->check;
	new_qsum = old_qsum;
	csum_replace4(&new_qsum, q.dst, pub);
	if (q.l4_csum_off && q.l4_csum_off < 320) {
		p16 = data + q.l4_csum_off;
		if ((void *)(p16 + 1) <= data_end && !(q.proto == IPPROTO_UDP && q.udp_nocsum)) {
			old_l4sum = *p16;
			new_l4sum = old_l4sum;
			if (q.proto != IPPROTO_ICMP)
				csum_replace4(&new_l4sum, q.dst, pub);
			csum_replace2(&new_l4sum, ko.local_port, pub_port);
			have_l4sum = 1;
		}
	}

	/* outer source: IPv4 header checksum only (ICMP has no pseudo header) */
	if (bpf_l3_csum_replace(skb, v->l3_off + offsetof(struct iphdr, check), v->saddr, pub,
				sizeof(pub)) ||
	    bpf_skb_store_bytes(skb, v->l3_off + offsetof(struct iphdr, saddr), &pub, sizeof(pub),
				0))
		return -1;
	/* quoted destination address (two words) and quoted header checksum */
	if (bpf_l4_csum_replace(skb, icsum, q.dst, pub, sizeof(pub)) ||
	    bpf_skb_store_bytes(skb, q.ip_off + offsetof(struct iphdr, daddr), &pub, sizeof(pub),
				0))
		return -1;
	if (tc_icmp_field2(skb, icsum, q.ip_off + offsetof(struct iphdr, check), old_qsum,
			   new_qsum))
		return -1;
	if (have_l4sum && tc_icmp_field2(skb, icsum, q.l4_csum_off, old_l4sum, new_l4sum))
		return -1;
	/* quoted port: destination port, or the echo id of a reply */
	return tc_icmp_field2(skb, icsum, q.l4_off + (q.proto == IPPROTO_ICMP ? 4 : 2),
			      ko.local_port, pub_port);
}

#endif
