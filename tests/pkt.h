/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pkt.h - build test frames byte by byte and check them, for the
 * BPF_PROG_TEST_RUN tests, the fuzzers and the bench: the one place for
 * frame builders (IPv4 packets from a spec, IPv6 tunnel wrapping, ICMPv4
 * and ICMPv6 errors, fragments, malformations).  The checksum code here is
 * a plain RFC 1071 implementation written independently of bpf/lib/csum.h,
 * so a test that passes means the datapath's incremental updates agree
 * with a full recomputation.
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

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}
static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An IPv4 address in host order, a constant (for tables). */
#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
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

/* An IPv6 address as bytes, good for the next seven calls (a ring). */
static inline const uint8_t *a6(const char *s)
{
	static uint8_t buf[8][16];
	static int i;
	uint8_t *b = buf[i++ % 8];

	ip6(s, b);
	return b;
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
/* The IPv4 pseudo header's one's-complement sum, unfolded (RFC 768/793). */
static inline uint32_t pseudo_sum_v4(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)len;
}

static inline uint16_t l4_csum_v4(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
				  size_t len)
{
	return rfc1071_fold(rfc1071_add(pseudo_sum_v4(src, dst, proto, len), l4, len));
}

struct v4_spec {
	uint32_t src, dst;     /* host order */
	uint8_t proto;	       /* 6, 17, 1 */
	uint16_t sport, dport; /* TCP/UDP ports; ICMP: sport = echo id */
	uint8_t icmp_type;     /* for ICMP: 8 request, 0 reply */
	uint8_t tcp_flags;
	uint8_t ttl, tos;
	uint16_t ip_id, frag;	 /* frag: flags+offset, host order */
	uint16_t payload;	 /* bytes of payload after the L4 header */
	int udp_zero_csum;	 /* send UDP with checksum 0 */
	int ihl_words;		 /* 0 = 5; >5 adds NOP options */
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
	case 6:
		l4len = 20 + s->tcp_opts_len;
		break;
	case 17:
		l4len = 8;
		break;
	default:
		l4len = 8;
		break;
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
	p[12] = s->src >> 24;
	p[13] = s->src >> 16;
	p[14] = s->src >> 8;
	p[15] = s->src;
	p[16] = s->dst >> 24;
	p[17] = s->dst >> 16;
	p[18] = s->dst >> 8;
	p[19] = s->dst;
	for (size_t i = 20; i < hl; i++)
		p[i] = 1; /* NOP options */
	for (size_t i = 0; i < s->payload; i++)
		l4[l4len - s->payload + i] = (uint8_t)(0x30 + i % 64);
	switch (s->proto) {
	case 6:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, 0x1234);
		put16(l4 + 6, 0x5678); /* seq */
		l4[12] = (uint8_t)((5 + s->tcp_opts_len / 4) << 4);
		l4[13] = s->tcp_flags;
		if (s->tcp_opts_len)
			memcpy(l4 + 20, s->tcp_opts, s->tcp_opts_len);
		put16(l4 + 14, 64240);
		put16(l4 + 16, l4_csum_v4(s->src, s->dst, 6, l4, l4len));
		break;
	case 17:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)l4len);
		if (!s->udp_zero_csum) {
			uint16_t c = l4_csum_v4(s->src, s->dst, 17, l4, l4len);
			put16(l4 + 6, c ? c : 0xffff);
		}
		break;
	case 1:
		l4[0] = s->icmp_type;
		put16(l4 + 4, s->sport); /* echo id */
		put16(l4 + 6, 1);	 /* sequence */
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

/* Ethernet + IPv4 frame */
static inline void pkt_v4(struct pkt *k, const struct v4_spec *s)
{
	k->len = put_eth(k->b, 0x0800);
	k->len += put_v4(k->b + k->len, s);
}

/* Offset of the TCP or UDP checksum field in the IPv4 packet at p. */
static inline size_t v4_l4_csum_off(const uint8_t *p)
{
	return (size_t)(p[0] & 15) * 4 + (p[9] == 6 ? 16 : 6);
}

/*
 * The TCP or UDP checksum of the IPv4 packet at p as a sender with tx
 * checksum offload hands it to its device (CHECKSUM_PARTIAL): the
 * pseudo-header's sum only, folded, not complemented (Linux's
 * ~csum_tcpudp_magic(saddr, daddr, len, proto, 0)).
 */
static inline uint16_t v4_csum_partial(const uint8_t *p)
{
	size_t hl = (size_t)(p[0] & 15) * 4;

	return (uint16_t)~rfc1071_fold(
		pseudo_sum_v4(get32(p + 12), get32(p + 16), p[9], get16(p + 2) - hl));
}

/* Leave the packet at p's TCP or UDP checksum so (v4_csum_partial). */
static inline void put_v4_csum_partial(uint8_t *p)
{
	put16(p + v4_l4_csum_off(p), v4_csum_partial(p));
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
	ip[12] = src >> 24;
	ip[13] = src >> 16;
	ip[14] = src >> 8;
	ip[15] = src;
	ip[16] = dst >> 24;
	ip[17] = dst >> 16;
	ip[18] = dst >> 8;
	ip[19] = dst;
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
	uint32_t s = pseudo_sum_v4(get32(p + 12), get32(p + 16), p[9], l4len);

	if (p[9] == 17 && get16(l4 + 6) == 0)
		return allow_zero;
	if (p[9] == 1)
		return rfc1071_fold(rfc1071_add(0, l4, l4len)) == 0;
	return rfc1071_fold(rfc1071_add(s, l4, l4len)) == 0;
}

/* ---- tunnel frames ------------------------------------------------------ */

/* Ethernet + the n bytes of IPv4 at v4. */
static inline void frame_v4(struct pkt *k, const uint8_t *v4, size_t n)
{
	k->len = put_eth(k->b, 0x0800);
	memcpy(k->b + 14, v4, n);
	k->len += n;
}

/* Ethernet + IPv6 src -> dst (next header 4, hop limit 64, traffic class
 * = the TOS, as a tunnel end copies it) + the n bytes of IPv4 at v4. */
static inline void frame_v6(struct pkt *k, const uint8_t src[16], const uint8_t dst[16],
			    const uint8_t *v4, size_t n)
{
	k->len = put_eth(k->b, 0x86dd);
	k->len += put_v6_outer(k->b + 14, src, dst, v4[1], 64, (uint16_t)n);
	memcpy(k->b + 54, v4, n);
	k->len += n;
}

/* The IPv4 packet a frame carries: after Ethernet, or inside IPv6 (next
 * header 4, or 60 with one 8-byte destination options header).  NULL
 * when there is none. */
static inline const uint8_t *frame_inner_v4(const struct pkt *k)
{
	if (k->len >= 34 && get16(k->b + 12) == 0x0800)
		return k->b + 14;
	if (k->len >= 74 && get16(k->b + 12) == 0x86dd && k->b[20] == 4)
		return k->b + 54;
	if (k->len >= 82 && get16(k->b + 12) == 0x86dd && k->b[20] == 60 && k->b[54] == 4)
		return k->b + 62;
	return NULL;
}

/* The IPv4 header and transport checksums of the packet the frame
 * carries verify (UDP without a checksum does not). */
static inline int frame_csums_ok(const struct pkt *k)
{
	const uint8_t *ip = frame_inner_v4(k);

	return ip && v4_hdr_csum_ok(ip) && v4_l4_csum_ok(ip, 0);
}

/* RFC 2473 §4.1.1: the destination options header a Linux ip6tnl entry
 * point adds by default: encapsulation limit 4, PadN.  Byte 0, the next
 * header, is set by frame_insert_destopt. */
static const uint8_t DESTOPT_ENCAP_LIMIT4[8] = { 0, 0, 4, 1, 4, 1, 1, 0 };

/* Insert the 8-byte destination options header opt right after the IPv6
 * header of frame k (Ethernet | IPv6 | ...): it takes over the IPv6
 * header's next header (its own byte 0 is replaced), which becomes 60; the
 * payload length grows by 8. */
static inline void frame_insert_destopt(struct pkt *k, const uint8_t opt[8])
{
	memmove(k->b + 62, k->b + 54, k->len - 54);
	memcpy(k->b + 54, opt, 8);
	k->b[54] = k->b[20];
	k->b[20] = 60;
	put16(k->b + 18, (uint16_t)(get16(k->b + 18) + 8));
	k->len += 8;
}

/* Outer fragment [off, off + len) of the tunnel packet whole (Ethernet |
 * IPv6 | payload), as a router on the IPv6 path would cut it. */
static inline void frame_v6_fragment(const struct pkt *whole, uint16_t off, uint16_t len, int more,
				     uint32_t id, struct pkt *fr)
{
	memcpy(fr->b, whole->b, 54);
	fr->b[14 + 6] = 44;
	put16(fr->b + 18, (uint16_t)(8 + len));
	fr->b[54] = 4; /* next header: IPv4 */
	fr->b[55] = 0;
	put16(fr->b + 56, (uint16_t)(off | (more ? 1 : 0)));
	put32(fr->b + 58, id);
	memcpy(fr->b + 62, whole->b + 54 + off, len);
	fr->len = 62 + len;
}

/* A fragment after the first at p: 20-byte header (id, offset off8 * 8
 * bytes, MF when mf) and n payload bytes, which are no transport header:
 * where ports would be they read 0xa0a1 0xa2a3 (PSID 0x2a / 0x2a: not
 * the lab CE's), so only fragment state can place them.  Returns 20 + n. */
static inline size_t put_v4_frag(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
				 uint16_t off8, int mf, size_t n)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + n));
	put16(p + 4, id);
	put16(p + 6, (uint16_t)((mf ? 0x2000 : 0) | off8));
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, src);
	put32(p + 16, dst);
	for (size_t i = 0; i < n; i++)
		p[20 + i] = (uint8_t)(0xa0 + i);
	put16(p + 10, rfc1071_fold(rfc1071_add(0, p, 20)));
	return 20 + n;
}

/* ---- ICMP errors --------------------------------------------------------- */

struct icmp4_err {
	uint32_t src, dst; /* host order */
	uint8_t type, code;
	uint16_t mtu;	      /* next-hop MTU of a 3/4, else 0 */
	uint8_t tos, ttl;     /* ttl 0: 64 */
	uint16_t id, frag;    /* frag: flags + offset, host order */
	const uint8_t *quote; /* the packet the error is about ... */
	size_t qlen;	      /* ... and how much of it is quoted */
};

/* The IPv4 ICMP error e at p; returns its length.  Checksums from scratch. */
static inline size_t put_icmp4_err(uint8_t *p, const struct icmp4_err *e)
{
	uint8_t *ic = p + 20;
	size_t n = 28 + e->qlen;

	memset(p, 0, 28);
	p[0] = 0x45;
	p[1] = e->tos;
	put16(p + 2, (uint16_t)n);
	put16(p + 4, e->id);
	put16(p + 6, e->frag);
	p[8] = e->ttl ? e->ttl : 64;
	p[9] = 1;
	put32(p + 12, e->src);
	put32(p + 16, e->dst);
	put16(p + 10, rfc1071_fold(rfc1071_add(0, p, 20)));
	ic[0] = e->type;
	ic[1] = e->code;
	put16(ic + 6, e->mtu);
	memcpy(ic + 8, e->quote, e->qlen);
	put16(ic + 2, rfc1071_fold(rfc1071_add(0, ic, 8 + e->qlen)));
	return n;
}

/* Ethernet + the IPv4 ICMP error e. */
static inline void frame_icmp4_err(struct pkt *k, const struct icmp4_err *e)
{
	k->len = put_eth(k->b, 0x0800);
	k->len += put_icmp4_err(k->b + 14, e);
}

/* Ethernet + IPv6 src -> dst + an ICMPv6 error (type, code, the 32-bit
 * field: MTU or pointer) quoting qlen bytes of q.  The ICMPv6 checksum
 * is the RFC 1071 oracle's, over the RFC 8200 pseudo header. */
static inline void frame_icmp6_err(struct pkt *k, const uint8_t src[16], const uint8_t dst[16],
				   uint8_t type, uint8_t code, uint32_t field, const uint8_t *q,
				   size_t qlen)
{
	uint8_t *ip6 = k->b + 14, *ic = k->b + 54;
	size_t n = 8 + qlen;
	uint32_t sum = 0;

	k->len = put_eth(k->b, 0x86dd);
	memset(ip6, 0, 48);
	ip6[0] = 0x60;
	put16(ip6 + 4, (uint16_t)n);
	ip6[6] = 58;
	ip6[7] = 64;
	memcpy(ip6 + 8, src, 16);
	memcpy(ip6 + 24, dst, 16);
	ic[0] = type;
	ic[1] = code;
	put32(ic + 4, field);
	memcpy(ic + 8, q, qlen);
	sum = rfc1071_add(sum, ip6 + 8, 32);
	sum += (uint32_t)(n >> 16) + (uint32_t)(n & 0xffff) + 58;
	put16(ic + 2, rfc1071_fold(rfc1071_add(sum, ic, n)));
	k->len += 40 + n;
}

/* ---- TCP options ------------------------------------------------------- */

/* The MSS option of the TCP segment in the IPv4 packet at ip, or 0. */
static inline uint16_t tcp_mss_of(const uint8_t *ip)
{
	const uint8_t *th = ip + (ip[0] & 0xf) * 4;

	for (size_t o = 20; o + 4 <= (size_t)(th[12] >> 4) * 4;) {
		if (th[o] == 1) {
			o++;
			continue;
		}
		if (th[o] == 2)
			return get16(th + o + 2);
		if (th[o] == 0 || th[o + 1] < 2)
			break;
		o += th[o + 1];
	}
	return 0;
}

/* ---- malformed tunnel frames (Ethernet | IPv6 | IPv4) -------------------- */

/* Cut inside the IPv6 header. */
static inline void mangle_cut_ipv6_header(struct pkt *k)
{
	k->len = 14 + 30;
}

/* Keep n bytes of the inner packet, the IPv6 payload length agreeing. */
static inline void mangle_cut_inner(struct pkt *k, size_t n)
{
	k->len = 54 + n;
	put16(k->b + 18, (uint16_t)n);
}

static inline void mangle_inner_ihl_4(struct pkt *k)
{
	k->b[54] = 0x44;
}

static inline void mangle_inner_version_6(struct pkt *k)
{
	k->b[54] = 0x65;
}

/* The IPv6 payload length one byte short of the IPv4 total length. */
static inline void mangle_payload_length_short(struct pkt *k)
{
	put16(k->b + 18, get16(k->b + 18) - 1);
}

#endif
