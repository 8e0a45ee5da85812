/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * br_destopt.h - accept IPv4-in-IPv6 that carries the RFC 2473 Tunnel
 * Encapsulation Limit option, as a Linux ip6tnl CE sends unless told
 * "encaplimit none": IPv6 | destination options (8 bytes: next header 4,
 * length 0, option 4 length 1 = limit, PadN) | IPv4.
 *
 * Only that shape is recognised: one 8-byte destination options header
 * holding Pad1, PadN and the encapsulation limit option.  At a tunnel exit
 * the limit itself means nothing (RFC 2473 §4.1.1 is for entry points).
 */
#ifndef MAPCE_BPF_BR_DESTOPT_H
#define MAPCE_BPF_BR_DESTOPT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/defs.h"
#include "lib/encap.h"

#define BR_NEXTHDR_DEST 60     /* IPv6 destination options header */
#define BR_DESTOPT_LEN 8       /* the only length accepted (hdrlen 0) */
#define BR_OPT_PAD1 0
#define BR_OPT_PADN 1
#define BR_OPT_TUNNEL_LIMIT 4  /* RFC 2473 §4.1.1 */

/* Results of br_destopt_check */
enum {
	BR_DESTOPT_IPIP = 0,   /* 8-byte header, next header 4, options known */
	BR_DESTOPT_OTHER = 1,  /* not IPv4 after it: not ours */
	BR_DESTOPT_TRUNC = -1, /* shorter than 8 bytes */
	BR_DESTOPT_UNSUPP = -2, /* longer, or an option we don't know */
};

/* Check the destination options header at opt (just after the IPv6
 * header).  Every read is bounds-checked against data_end. */
static __always_inline int br_destopt_check(__u8 *opt, void *data_end)
{
	__u8 b[BR_DESTOPT_LEN];
	__u32 i = 2;

	if ((void *)(opt + BR_DESTOPT_LEN) > data_end)
		return BR_DESTOPT_TRUNC;
	__builtin_memcpy(b, opt, BR_DESTOPT_LEN); /* parse a stack copy */
	if (b[0] != IPPROTO_IPIP)
		return BR_DESTOPT_OTHER;
	if (b[1] != 0)
		return BR_DESTOPT_UNSUPP;
	/* At most 6 option bytes and every step consumes at least one: a
	 * bounded loop (the verifier walks it); "& 7" keeps reads in b. */
	for (int n = 0; n < BR_DESTOPT_LEN - 2 && i < BR_DESTOPT_LEN; n++) {
		__u8 type = b[i & 7], len;

		if (type == BR_OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 1 >= BR_DESTOPT_LEN)
			return BR_DESTOPT_UNSUPP;
		len = b[(i + 1) & 7];
		if (type == BR_OPT_TUNNEL_LIMIT && len != 1)
			return BR_DESTOPT_UNSUPP;
		if (type != BR_OPT_PADN && type != BR_OPT_TUNNEL_LIMIT)
			return BR_DESTOPT_UNSUPP;
		i += 2 + len;
	}
	return i == BR_DESTOPT_LEN ? BR_DESTOPT_IPIP : BR_DESTOPT_UNSUPP;
}

/*
 * XDP: Ethernet + IPv6 + 8-byte destination options + IPv4 -> Ethernet +
 * IPv4, as xdp_decap_ipv6 does for the plain case.  Invalidates all packet
 * pointers.  Returns 0 or negative.
 */
static __always_inline int br_xdp_decap_destopt(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ethhdr *neweth = data + IPV6_HLEN + BR_DESTOPT_LEN;

	if ((void *)(neweth + 1) > data_end)
		return -1;
	/* No overlap: old MACs are bytes 0..11, the new header 48..61. */
	__builtin_memcpy(neweth->h_dest, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(neweth->h_source, eth->h_source, ETH_ALEN);
	neweth->h_proto = bpf_htons(ETH_P_IP);
	return bpf_xdp_adjust_head(ctx, IPV6_HLEN + BR_DESTOPT_LEN);
}

#endif
