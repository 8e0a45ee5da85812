/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_frames.h - the frames the packet fuzzers feed the programs: built
 * from the fixtures' builders (tests/pkt.h), then varied in structure and
 * mutated at random.  The kinds:
 *   - IPv4 packets (TCP with options, UDP with and without checksum, ICMP
 *     echo and errors), with IPv4 options (ihl 6..15), as fragments
 *     (first, middle, last), ICMP errors quoting ICMP errors;
 *   - the same in IPv6 tunnels, behind IPv6 extension headers:
 *     destination options (the encapsulation limit; unknown options; longer
 *     headers), hop-by-hop, routing, fragment headers; outer IPv6 fragments
 *     (plain, and behind the option as Linux sends them);
 *   - ICMPv6 errors quoting tunnel packets;
 *   - GSO-sized packets (up to 3000 bytes; TC runs may add gso_segs and
 *     gso_size to the skb);
 *   - then truncations, bad lengths (IPv4 total length, IPv6 payload
 *     length), flipped and random bytes.
 * Most structural variations fix the checksums afterwards (so the frame
 * gets past the first check and into the deep paths), some do not.
 */
#ifndef MAPCE_TEST_FUZZ_FRAMES_H
#define MAPCE_TEST_FUZZ_FRAMES_H

#include "bpf/fuzz.h"

/* Frames stay below what BPF_PROG_TEST_RUN accepts for XDP and skbs. */
#define FZ_MAX 3300

/* Insert n bytes b (NULL: zeros) at offset at of frame k. */
static inline int fz_insert(struct pkt *k, size_t at, const uint8_t *b, size_t n)
{
	if (at > k->len || k->len + n > FZ_MAX)
		return -1;
	memmove(k->b + at + n, k->b + at, k->len - at);
	if (b)
		memcpy(k->b + at, b, n);
	else
		memset(k->b + at, 0, n);
	k->len += n;
	return 0;
}

/* Recompute the IPv4 header checksum and, for a whole TCP/UDP/ICMP
 * packet that fits, the transport checksum of the IPv4 packet at ip. */
static inline void fz_fix_v4(uint8_t *ip, size_t avail)
{
	size_t hl = (ip[0] & 0xf) * 4, tot = get16(ip + 2), l4len;
	uint8_t *l4 = ip + hl;

	if (hl < 20 || hl > avail)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, rfc1071_fold(rfc1071_add(0, ip, hl)));
	if (tot > avail || tot < hl + 8 || (get16(ip + 6) & 0x3fff))
		return;
	l4len = tot - hl;
	switch (ip[9]) {
	case 6:
		if (l4len < 20)
			return;
		put16(l4 + 16, 0);
		put16(l4 + 16, l4_csum_v4(get32(ip + 12), get32(ip + 16), 6, l4, l4len));
		break;
	case 17:
		if (!get16(l4 + 6))
			return;
		put16(l4 + 6, 0);
		put16(l4 + 6, l4_csum_v4(get32(ip + 12), get32(ip + 16), 17, l4, l4len) ?: 0xffff);
		break;
	case 1:
		put16(l4 + 2, 0);
		put16(l4 + 2, rfc1071_fold(rfc1071_add(0, l4, l4len)));
		break;
	}
}

/* Where the IPv4 packet of frame k starts: 14 (Ethernet | IPv4), or past
 * the IPv6 header and any extension headers (0 when there is none). */
static inline size_t fz_v4_off(const struct pkt *k)
{
	size_t off = 54;
	uint8_t nh;

	if (k->len < 34)
		return 0;
	if (get16(k->b + 12) == 0x0800)
		return 14;
	if (get16(k->b + 12) != 0x86dd || k->len < 54)
		return 0;
	nh = k->b[20];
	for (int i = 0; i < 4 && nh != 4; i++) {
		if ((nh != 0 && nh != 43 && nh != 60 && nh != 44) || off + 8 > k->len)
			return 0;
		if (nh == 44)
			return 0; /* a fragment: the IPv4 header is in the first one only */
		nh = k->b[off];
		off += 8 + k->b[off + 1] * 8u;
	}
	return nh == 4 && off + 20 <= k->len ? off : 0;
}

/* Set the IPv6 payload length of a tunnel frame to what it carries. */
static inline void fz_fix_v6_len(struct pkt *k)
{
	if (k->len >= 54 && get16(k->b + 12) == 0x86dd)
		put16(k->b + 18, (uint16_t)(k->len - 54));
}

/* IPv4 options: w words (1..10) after the 20-byte header of the IPv4
 * packet at off: NOPs, a record route, or random bytes. */
static inline void fz_v4_options(struct pkt *k, size_t off)
{
	unsigned int w = 1 + rnd() % 10;
	uint8_t opt[40];
	uint8_t *ip = k->b + off;

	if ((ip[0] & 0xf) != 5)
		return;
	switch (rnd() % 3) {
	case 0:
		memset(opt, 1, sizeof(opt));
		break;
	case 1: /* record route: type 7, length, pointer 4, room */
		memset(opt, 0, sizeof(opt));
		opt[0] = 7;
		opt[1] = (uint8_t)(w * 4 - 1 > 3 ? w * 4 - 1 : 3);
		opt[2] = 4;
		break;
	default:
		for (size_t i = 0; i < sizeof(opt); i++)
			opt[i] = (uint8_t)rnd();
	}
	if (fz_insert(k, off + 20, opt, w * 4))
		return;
	ip = k->b + off;
	ip[0] = (uint8_t)(0x40 | (5 + w));
	put16(ip + 2, (uint16_t)(get16(ip + 2) + w * 4));
}

/* Turn the IPv4 packet at off into one of its fragments: the first (MF,
 * its payload cut), a middle or a last one (an offset, its payload the
 * bytes after the header: no transport header). */
static inline void fz_v4_fragment(struct pkt *k, size_t off)
{
	uint8_t *ip = k->b + off;
	size_t hl = (ip[0] & 0xf) * 4, tot = get16(ip + 2);

	if (tot < hl + 16 || off + tot > k->len)
		return;
	switch (rnd() % 3) {
	case 0: /* first: keep a multiple of 8 of the payload */
		tot = hl + (((tot - hl) / 2) & ~7u);
		put16(ip + 6, 0x2000);
		break;
	case 1:
		put16(ip + 6, (uint16_t)(0x2000 | (1 + rnd() % 400)));
		tot = hl + (((tot - hl) / 2) & ~7u);
		break;
	default:
		put16(ip + 6, (uint16_t)(1 + rnd() % 400));
	}
	put16(ip + 2, (uint16_t)tot);
	k->len = off + tot;
}

/* Wrap the IPv4 packet of frame k (at off) into an ICMP error from src to
 * dst quoting its first qlen bytes; the frame becomes Ethernet | IPv4. */
static inline void fz_icmp_error_of(struct pkt *k, size_t off, uint32_t src, uint32_t dst)
{
	static const uint8_t types[] = { 3, 11, 12, 3 };
	uint8_t q[600];
	size_t qlen = k->len - off;
	struct icmp4_err e = { .src = src,
			       .dst = dst,
			       .type = types[rnd() % 4],
			       .code = (uint8_t)(rnd() % 5),
			       .mtu = (uint16_t)(rnd() % 2 ? 1400 : 0),
			       .quote = q };

	if (qlen > sizeof(q))
		qlen = sizeof(q);
	if (rnd() % 2 && qlen > (size_t)(k->b[off] & 0xf) * 4 + 8)
		qlen = (k->b[off] & 0xf) * 4 + 8; /* RFC 792: the header + 8 bytes */
	memcpy(q, k->b + off, qlen);
	e.qlen = qlen;
	frame_icmp4_err(k, &e);
}

/* An IPv6 extension header after the IPv6 header of a tunnel frame: the
 * encapsulation limit option (most often), another option, a longer
 * destination options header, hop-by-hop, routing or a fragment header. */
static inline void fz_ipv6_ext(struct pkt *k)
{
	uint8_t h[16] = { 0 };
	size_t n = 8;

	if (k->len < 54 || get16(k->b + 12) != 0x86dd)
		return;
	h[0] = k->b[20];
	switch (rnd() % 8) {
	case 0:
	case 1:
	case 2: /* the encapsulation limit, PadN */
		memcpy(h + 2, DESTOPT_ENCAP_LIMIT4 + 2, 6);
		h[4] = (uint8_t)rnd();
		k->b[20] = 60;
		break;
	case 3: /* Pad1s, or an option nobody knows */
		if (rnd() % 2)
			h[2] = (uint8_t)rnd();
		h[3] = (uint8_t)(rnd() % 5);
		k->b[20] = 60;
		break;
	case 4: /* 16 bytes: the limit, then PadN */
		n = 16;
		h[1] = 1;
		memcpy(h + 2, (const uint8_t[]){ 4, 1, 4, 1, 8 }, 5);
		k->b[20] = 60;
		break;
	case 5: /* hop-by-hop, PadN */
		h[2] = 1;
		h[3] = 4;
		k->b[20] = 0;
		break;
	case 6: /* routing, segments left 0 */
		k->b[20] = 43;
		break;
	default: /* an atomic or not-so-atomic fragment header */
		put16(h + 2, (uint16_t)(rnd() % 3 ? 0 : rnd()));
		put32(h + 4, rnd());
		k->b[20] = 44;
	}
	if (fz_insert(k, 54, h, n) == 0)
		put16(k->b + 18, (uint16_t)(get16(k->b + 18) + n));
}

/* Cut a tunnel frame (Ethernet | IPv6 | payload) into one of its outer
 * fragments, maybe behind the encapsulation limit option (Linux's layout). */
static inline void fz_outer_fragment(struct pkt *k)
{
	struct pkt whole = *k;
	size_t plen = k->len > 54 ? k->len - 54 : 0;
	uint16_t off = 0, len;
	int more = 1;

	if (plen < 24 || get16(k->b + 12) != 0x86dd)
		return;
	switch (rnd() % 3) {
	case 0:
		len = (uint16_t)((plen / 2) & ~7u);
		break;
	case 1:
		off = (uint16_t)((plen / 2) & ~7u);
		len = (uint16_t)(plen - off);
		more = 0;
		break;
	default:
		off = (uint16_t)(rnd() % plen & ~7u);
		len = (uint16_t)(plen - off);
		more = rnd() % 2;
	}
	if (!len)
		return;
	frame_v6_fragment(&whole, off, len, more, rnd() % 4, k);
	if (one_in(3))
		frame_insert_destopt(k, DESTOPT_ENCAP_LIMIT4);
}

/* Flip bits, set bytes, cut or extend the frame, skew a length field. */
static inline void fz_mutate(struct pkt *k)
{
	int n = 1 + (int)(rnd() % 4);

	for (int i = 0; i < n && k->len; i++) {
		switch (rnd() % 7) {
		case 0:
			k->b[rnd() % k->len] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			k->b[rnd() % k->len] = (uint8_t)rnd();
			break;
		case 2: /* a byte among the headers, where it matters most */
			k->b[rnd() % (k->len < 120 ? k->len : 120)] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 3:
			k->len = 14 + rnd() % (k->len > 14 ? k->len - 13 : 1);
			break;
		case 4:
			if (k->len + 16 < FZ_MAX) {
				for (int j = 0, m = (int)(rnd() % 16); j < m; j++)
					k->b[k->len++] = (uint8_t)rnd();
			}
			break;
		case 5: { /* the IPv4 total length */
			size_t off = fz_v4_off(k);

			if (off)
				put16(k->b + off + 2,
				      (uint16_t)(get16(k->b + off + 2) + (int)(rnd() % 17) - 8));
			break;
		}
		default: /* the IPv6 payload length */
			if (k->len >= 54 && get16(k->b + 12) == 0x86dd)
				put16(k->b + 18,
				      (uint16_t)(get16(k->b + 18) + (int)(rnd() % 17) - 8));
		}
	}
	if (k->len < 14)
		k->len = 14;
}

/* A GSO packet from the stack (TSO, GRO): a big frame sometimes comes as
 * an skb with gso_segs and gso_size set (TC programs).  ctx, or NULL. */
static inline struct __sk_buff *fz_gso_ctx(const struct pkt *k, struct __sk_buff *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	if (k->len <= 1500 || one_in(2))
		return NULL;
	ctx->gso_segs = 2 + rnd() % 8;
	ctx->gso_size = 1400;
	return ctx;
}

/* Structural variations of the IPv4 packet of frame k, checksums fixed
 * (mostly): options, a fragment, an ICMP error (or two) quoting it. */
static inline void fz_vary_v4(struct pkt *k, uint32_t err_src, uint32_t err_dst)
{
	size_t off = fz_v4_off(k);
	int tunnel = off > 14;
	uint8_t outer[54];

	if (!off)
		return;
	if (one_in(6))
		fz_v4_options(k, off);
	if (one_in(7))
		fz_v4_fragment(k, off);
	if (one_in(8)) {
		/* an ICMP error quoting the packet; sometimes an error quoting
		 * an error quoting it */
		memcpy(outer, k->b, sizeof(outer));
		fz_icmp_error_of(k, off, err_src, err_dst);
		if (one_in(3))
			fz_icmp_error_of(k, 14, err_src, err_dst);
		if (tunnel && k->len + 40 <= FZ_MAX) {
			/* back into the tunnel it came in */
			fz_insert(k, 14, outer + 14, 40);
			put16(k->b + 12, 0x86dd);
			fz_fix_v6_len(k);
		}
		off = tunnel ? 54 : 14;
	}
	if (!one_in(10))
		fz_fix_v4(k->b + off, k->len - off);
	if (tunnel)
		fz_fix_v6_len(k);
}

#endif
