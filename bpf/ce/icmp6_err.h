/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * icmp6_err.h - the CE's part of the ICMPv6 error translation
 * (lib/icmp6_err.h does the rest): an error about a tunnel packet we sent
 * goes to the inside host that sent the packet.
 *
 * The quote is our encapsulated packet: outer IPv6 (from our MAP address)
 * + the NAPT-ed IPv4.  Its flow is found in mapce_flow_in as a reply's
 * would be, the quote is reverse-translated in place (source address and
 * port or echo id back to the inside endpoint, quoted checksums fixed where
 * they are quoted), and the ICMPv4 error goes from our public address (the
 * tunnel entry point, as seen inside) to the inside host.  Only then does
 * a Packet Too Big about a packet to the BR lower the path MTU the CE uses
 * toward the BR (mapce_pmtu).
 */
#ifndef MAPCE_BPF_CE_ICMP6_ERR_H
#define MAPCE_BPF_CE_ICMP6_ERR_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/consts.h"
#include "lib/csum.h"
#include "lib/parse.h"
#include "lib/icmp6_err.h"
#include "maps.h"
#include "common.h"
#include "napt.h"
#include "modes.h"

/* Give the quoted packet q its inside source ip:port back, fixing the
 * quoted IPv4 header checksum and, where the ICMPv4 error keeps it, the
 * transport checksum.  0, or negative if the quote moved. */
static __always_inline int icmp6_err_unnat_quote(void *data, void *data_end,
						 const struct v4_info *q, __be32 ip, __be16 port)
{
	struct iphdr *qip;
	__u32 addr_change;
	__sum16 *sum;
	__be16 *qport;

	/* Offsets come from parse_ipv4_len on this very frame; restated for
	 * the verifier (the quoted IPv4 header starts at 102, or 110 behind
	 * the encapsulation limit option, and ends within 60 more). */
	if (q->l3_off > ERR6_Q4 + DESTOPT_LEN || q->sport_off > 200 || q->csum_off > 200)
		return -1;
	qip = data + q->l3_off;
	qport = data + q->sport_off;
	sum = data + q->csum_off;
	if ((void *)(qip + 1) > data_end || (void *)(qport + 1) > data_end ||
	    (void *)(sum + 1) > data_end)
		return -1;
	/* the address is in the header's checksum and the pseudo-header's */
	addr_change = csum_change4(qip->saddr, ip);
	csum_apply(&qip->check, addr_change);
	qip->saddr = ip;
	if (q->proto == IPPROTO_UDP) {
		udp_csum_apply(sum, addr_change + csum_change2(q->sport, port));
	} else if (q->proto == IPPROTO_ICMP) {
		csum_replace2(sum, q->sport, port); /* no pseudo header */
	} /* TCP's checksum is beyond the 8 transport bytes the error keeps */
	*qport = port;
	return 0;
}

/* The error goes from our address to inside host to; only then does a
 * Packet Too Big about a packet to the BR lower the path MTU.  0. */
static __always_inline __u32 icmp6_err_to(const struct mapce_config *cfg, const struct ipv6hdr *q6,
					  struct icmp6_xlat *e, __be32 to)
{
	if (e->code == ICMP_FRAG_NEEDED && ipv6_equal(&q6->daddr, cfg->br_ipv6))
		pmtu_learn(e->mtu + IPV6_HLEN);
	e->saddr = cfg->ipv4;
	e->daddr = to;
	e->tos = 0;
	return 0;
}

/* The CE's lookup (lib/icmp6_err.h, step 5). */
static __always_inline __u32 icmp6_err_lookup(const struct mapce_config *cfg, void *data,
					      void *data_end, const struct ipv6hdr *q6,
					      struct icmp6_xlat *e)
{
	const struct v4_info *q = &e->q;
	struct mapce_tuple ki = {};
	struct mapce_flow *f;

	if (!mode_napt(cfg) || mode_routed(cfg, q->saddr))
		/* DS-Lite, or a LAN host of ipip6's routed prefix: the quote
		 * is the host's own packet, as it left; the error goes to it
		 * from the B4 (192.0.0.2) or the fixed address */
		return icmp6_err_to(cfg, q6, e, q->saddr);
	/* The quote is what we sent: from our public address, with a port
	 * or an echo request's id (what our flows are keyed by). */
	if (q->saddr != cfg->ipv4)
		return MAPCE_R_DROP_MALFORMED;
	if (e->rc != PARSE_OK || !q->sport_off)
		return MAPCE_R_DROP_ICMP6_ERR_NO_FLOW;
	flow_key_of(&ki, q, 0); /* as it left */
	f = bpf_map_lookup_elem(&mapce_flow_in, &ki);
	if (!f)
		return MAPCE_R_DROP_ICMP6_ERR_NO_FLOW;
	if (icmp6_err_unnat_quote(data, data_end, q, f->ip, f->port))
		return MAPCE_R_DROP_MALFORMED;
	return icmp6_err_to(cfg, q6, e, f->ip);
}

#endif
