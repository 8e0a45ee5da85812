/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pkt.h - build test frames byte by byte and check them, for the
 * BPF_PROG_TEST_RUN tests.  The checksum code here is a plain RFC 1071
 * implementation written independently of bpf/lib/csum.h, so a test
 * that passes means the datapath's incremental updates agree with a full
 * recomputation.
 */
#ifndef MAPCE_TEST_PKT_H
#define MAPCE_TEST_PKT_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define PKT_MAX 9216

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
};

/* RFC 1071 sum of a byte range, big-endian 16-bit words. */
static inline uint32_t rfc1071_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static inline uint16_t rfc1071_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return ntohl(a.s_addr);
}

static inline void ip6(const char *s, uint8_t out[16])
{
	inet_pton(AF_INET6, s, out);
}

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* Ethernet header at p; returns 14. */
static inline size_t put_eth(uint8_t *p, uint16_t proto)
{
	memcpy(p, MAC_B, 6);
	memcpy(p + 6, MAC_A, 6);
	put16(p + 12, proto);
	return 14;
}

/* L4 checksum over the IPv4 pseudo header + segment at l4 (len bytes). */
static inline uint16_t l4_csum_v4(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
				  size_t len)
{
	uint32_t s = 0;

	s += src >> 16; s += src & 0xffff;
	s += dst >> 16; s += dst & 0xffff;
	s += proto;
	s += (uint32_t)len;
	return rfc1071_fold(rfc1071_add(s, l4, len));
}

struct v4_spec {
	uint32_t src, dst;    /* host order */
	uint8_t proto;        /* 6, 17, 1 */
	uint16_t sport, dport; /* TCP/UDP ports; ICMP: sport = echo id */
	uint8_t icmp_type;    /* for ICMP: 8 request, 0 reply */
	uint8_t tcp_flags;
	uint8_t ttl, tos;
	uint16_t ip_id, frag;  /* frag: flags+offset, host order */
	uint16_t payload;     /* bytes of payload after the L4 header */
	int udp_zero_csum;    /* send UDP with checksum 0 */
	int ihl_words;        /* 0 = 5; >5 adds NOP options */
	const uint8_t *tcp_opts; /* TCP options, tcp_opts_len bytes (multiple of 4) */
	uint8_t tcp_opts_len;
};

/* IPv4 packet per spec at p; returns its length.  Checksums correct. */
static inline size_t put_v4(uint8_t *p, const struct v4_spec *s)
{
	int ihl = s->ihl_words ? s->ihl_words : 5;
	size_t hl = ihl * 4, l4len;
	uint8_t *l4 = p + hl;

	switch (s->proto) {
	case 6: l4len = 20 + s->tcp_opts_len; break;
	case 17: l4len = 8; break;
	default: l4len = 8; break;
	}
	l4len += s->payload;
	memset(p, 0, hl + l4len);
	p[0] = 0x40 | ihl;
	p[1] = s->tos;
	put16(p + 2, (uint16_t)(hl + l4len));
	put16(p + 4, s->ip_id);
	put16(p + 6, s->frag);
	p[8] = s->ttl ? s->ttl : 64;
	p[9] = s->proto;
	put16(p + 12, 0); /* fill below */
	p[12] = s->src >> 24; p[13] = s->src >> 16; p[14] = s->src >> 8; p[15] = s->src;
	p[16] = s->dst >> 24; p[17] = s->dst >> 16; p[18] = s->dst >> 8; p[19] = s->dst;
	for (size_t i = 20; i < hl; i++)
		p[i] = 1; /* NOP options */
	for (size_t i = 0; i < s->payload; i++)
		l4[l4len - s->payload + i] = (uint8_t)(0x30 + i % 64);
	switch (s->proto) {
	case 6:
		put16(l4, s->sport); put16(l4 + 2, s->dport);
		put16(l4 + 4, 0x1234); put16(l4 + 6, 0x5678); /* seq */
		l4[12] = (uint8_t)((5 + s->tcp_opts_len / 4) << 4);
		l4[13] = s->tcp_flags;
		if (s->tcp_opts_len)
			memcpy(l4 + 20, s->tcp_opts, s->tcp_opts_len);
		put16(l4 + 14, 64240);
		put16(l4 + 16, l4_csum_v4(s->src, s->dst, 6, l4, l4len));
		break;
	case 17:
		put16(l4, s->sport); put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)l4len);
		if (!s->udp_zero_csum) {
			uint16_t c = l4_csum_v4(s->src, s->dst, 17, l4, l4len);
			put16(l4 + 6, c ? c : 0xffff);
		}
		break;
	case 1:
		l4[0] = s->icmp_type;
		put16(l4 + 4, s->sport); /* echo id */
		put16(l4 + 6, 1);        /* sequence */
		put16(l4 + 2, rfc1071_fold(rfc1071_add(0, l4, l4len)));
		break;
	}
	put16(p + 10, rfc1071_fold(rfc1071_add(0, p, hl)));
	return hl + l4len;
}

/* Outer IPv6 header (next header 4) at p; returns 40. */
static inline size_t put_v6_outer(uint8_t *p, const uint8_t src[16], const uint8_t dst[16],
				  uint8_t tclass, uint8_t hlim, uint16_t payload_len)
{
	memset(p, 0, 40);
	p[0] = 0x60 | tclass >> 4;
	p[1] = (uint8_t)(tclass << 4);
	put16(p + 4, payload_len);
	p[6] = 4;
	p[7] = hlim;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40;
}

/* Fill in the checksum of the ICMPv6 message that follows the IPv6
 * header at ip6 (payload length from the header, no extension headers):
 * RFC 4443 §2.3, over the RFC 8200 §8.1 pseudo header. */
static inline void icmp6_csum_fill(uint8_t *ip6)
{
	size_t n = get16(ip6 + 4);
	uint8_t *ic = ip6 + 40;
	uint32_t sum = rfc1071_add(0, ip6 + 8, 32);

	sum += (uint32_t)n + 58;
	put16(ic + 2, 0);
	put16(ic + 2, rfc1071_fold(rfc1071_add(sum, ic, n)));
}

/* Ethernet + IPv4 frame */
static inline void pkt_v4(struct pkt *k, const struct v4_spec *s)
{
	k->len = put_eth(k->b, 0x0800);
	k->len += put_v4(k->b + k->len, s);
}

/* Ethernet + IPv6 (nh 4) + IPv4 frame */
static inline void pkt_v6v4(struct pkt *k, const uint8_t src[16], const uint8_t dst[16],
			    const struct v4_spec *s)
{
	size_t n;

	k->len = put_eth(k->b, 0x86dd);
	n = put_v4(k->b + 14 + 40, s);
	k->len += put_v6_outer(k->b + 14, src, dst, s->tos, 64, (uint16_t)n);
	k->len += n;
}

/* Rewrite an IPv4 header's addresses and id in place, checksum recomputed
 * from scratch (the oracle for "only the IPv4 header changed"). */
static inline void patch_v4_hdr(uint8_t *ip, uint32_t src, uint32_t dst, uint16_t id)
{
	ip[12] = src >> 24; ip[13] = src >> 16; ip[14] = src >> 8; ip[15] = src;
	ip[16] = dst >> 24; ip[17] = dst >> 16; ip[18] = dst >> 8; ip[19] = dst;
	put16(ip + 4, id);
	put16(ip + 10, 0);
	put16(ip + 10, rfc1071_fold(rfc1071_add(0, ip, (ip[0] & 0xf) * 4)));
}

/* Checks of an IPv4 packet at p (len bytes available): 1 = all good. */
static inline int v4_hdr_csum_ok(const uint8_t *p)
{
	size_t hl = (p[0] & 0xf) * 4;

	return rfc1071_fold(rfc1071_add(0, p, hl)) == 0;
}

/* Transport checksum verifies (UDP with 0 = none counts as ok only when
 * allow_zero). */
static inline int v4_l4_csum_ok(const uint8_t *p, int allow_zero)
{
	size_t hl = (p[0] & 0xf) * 4, tot = get16(p + 2), l4len = tot - hl;
	const uint8_t *l4 = p + hl;
	uint32_t s = 0, src = get32(p + 12), dst = get32(p + 16);

	if (p[9] == 17 && get16(l4 + 6) == 0)
		return allow_zero;
	if (p[9] == 1)
		return rfc1071_fold(rfc1071_add(0, l4, l4len)) == 0;
	s += src >> 16; s += src & 0xffff;
	s += dst >> 16; s += dst & 0xffff;
	s += p[9];
	s += (uint32_t)l4len;
	return rfc1071_fold(rfc1071_add(s, l4, l4len)) == 0;
}

#endif
