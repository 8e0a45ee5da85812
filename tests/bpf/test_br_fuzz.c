// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_br_fuzz.c - the BR's two programs under a packet fuzzer: it never
 * lets a spoofer through and never misdelivers.
 *
 * Valid, varied and mutated frames (fuzz_frames.h) go through the real
 * BR programs with the v6plus-style rule 2001:db8::/40 -> 198.51.100.0/24,
 * EA 16, offset 4, legacy IID, FUZZ_PACKETS each (fuzz.h).  For what comes
 * out:
 *   XDP (from CEs) - an IPv4 packet passed up came from the one CE that
 *       owns its source address and port (RFC 7597 §8.1): the port of the
 *       packet, of the packet an ICMP error quotes, or, for a later
 *       fragment, the CE its first fragment came from (this test's own
 *       record of the first fragments it saw pass); the encapsulation
 *       limit option changes nothing; no tunnel packet to the BR is passed
 *       up untranslated; an ICMPv6 error becomes a valid ICMPv4 error to
 *       the host that sent the packet, and only when the BR can have sent
 *       that packet (to the CE owning its destination);
 *   TC (to CEs)    - IPv4 to a shared address never leaves unencapsulated;
 *       an encapsulated packet goes from the BR to the CE that owns its
 *       destination address and port (later fragments: where their first
 *       fragment went), the IPv4 packet untouched;
 *   both           - valid in, valid out; every frame counted exactly once.
 * The owner is computed with include/mapce_rule.h, which tests/unit checks
 * against the public vectors.
 */
#include "harness.h"
#include "bpf/fuzz_frames.h"

#define SHARED(a) (((a) >> 8) == (IP4(198, 51, 100, 0) >> 8))

static struct mapce_rule bmr;

/*
 * Datagrams whose first fragment the BR saw: (src, dst, id, proto) -> the
 * CEs that own, by port, its first fragments (the last FRAG_CES).  The
 * BR's record is made once a first fragment passes the owner check, even
 * when the packet is lost after (a failed encapsulation): so a later
 * fragment may follow any first fragment the BR was given, but only to the
 * CE that first fragment's own ports name.
 */
#define FRAGS (1u << 20)
#define FRAG_CES 8
struct frag_rec {
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto, used, n;
	uint8_t ce[FRAG_CES][16];
};
static struct frag_rec *frags;

static struct frag_rec *frag_slot(const uint8_t *ip)
{
	uint32_t src = get32(ip + 12), dst = get32(ip + 16);
	uint16_t id = get16(ip + 4);
	uint32_t h = (src * 2654435761u) ^ dst ^ ((uint32_t)id << 8) ^ ip[9];

	for (uint32_t i = 0; i < FRAGS; i++) {
		struct frag_rec *f = &frags[(h + i) & (FRAGS - 1)];

		if (!f->used ||
		    (f->src == src && f->dst == dst && f->id == id && f->proto == ip[9]))
			return f;
	}
	return NULL;
}

static int br_open(void)
{
	if (fx_open_br())
		return -1;
	fx_lab_rule(&bmr);
	if (!frags)
		frags = calloc(FRAGS, sizeof(*frags));
	else
		memset(frags, 0, FRAGS * sizeof(*frags));
	return frags ? fx_br_add_rule(0, &bmr) : -1;
}

/* The CE owning (ip, port) under the rule, legacy IID. */
static void owner(uint32_t ip, uint16_t port, uint8_t out[16])
{
	mapce_ce_address_for_port(&bmr, htonl(ip), port, 1, out);
}

/* The CE-side port of IPv4 packet ip (avail bytes) coming from a CE
 * (from) or going to one: its source or destination port, an echo id, or
 * an ICMP error's quoted packet's; -1 when it has none (a later fragment,
 * another protocol). */
static int ce_port(const uint8_t *ip, size_t avail, int from)
{
	size_t hl = (ip[0] & 0xf) * 4, qhl;
	const uint8_t *l4 = ip + hl, *q;

	if ((get16(ip + 6) & 0x1fff) || avail < hl + 8)
		return -1;
	if (ip[9] == 6 || ip[9] == 17)
		return get16(l4 + (from ? 0 : 2));
	if (ip[9] != 1)
		return -1;
	if (l4[0] == (from ? 8 : 0))
		return get16(l4 + 4);
	if (l4[0] != 3 && l4[0] != 11 && l4[0] != 12)
		return -1;
	q = l4 + 8;
	if (avail < hl + 8 + 20)
		return -1;
	qhl = (q[0] & 0xf) * 4;
	if (avail < hl + 8 + qhl + 8)
		return -1;
	if (q[9] == 6 || q[9] == 17)
		return get16(q + qhl + (from ? 2 : 0));
	if (q[9] == 1)
		return get16(q + qhl + 4);
	return -1;
}

/* The CE that must have sent (from) or must receive IPv4 packet ip, by
 * its port.  0 when it has none (a later fragment, another protocol). */
static int expected_ce(const uint8_t *ip, size_t avail, int from, uint8_t ce[16])
{
	int port = ce_port(ip, avail, from);

	if (port < 0)
		return 0;
	owner(get32(ip + (from ? 12 : 16)), (uint16_t)port, ce);
	return 1;
}

/* May IPv4 packet ip go to (come from) CE ce6: the owner by its port, or,
 * a later fragment, the owner of a first fragment of its datagram? */
static int ce_ok(const uint8_t *ip, size_t avail, int from, const uint8_t *ce6)
{
	uint8_t want[16];
	struct frag_rec *f;

	if (expected_ce(ip, avail, from, want))
		return !memcmp(ce6, want, 16);
	if (!(get16(ip + 6) & 0x1fff))
		return 0;
	f = frag_slot(ip);
	for (int i = 0; f && f->used && i < f->n; i++)
		if (!memcmp(ce6, f->ce[i], 16))
			return 1;
	return 0;
}

/* The input frame's IPv4 packet ip is a first fragment the BR may record:
 * remember the CE its ports name (from: only when it came from that CE,
 * the BR's source check). */
static void note_first_fragment(const uint8_t *ip, size_t avail, int from, const uint8_t *src6)
{
	uint8_t ce[16];
	struct frag_rec *f;

	size_t hl = (ip[0] & 0xf) * 4, l4min = ip[9] == 6 ? 20 : 8;

	/* only what the BR parses: its total length within the frame and 8
	 * bytes past the header (RFC 1858), the transport header in the frame */
	if (avail < 20 || (ip[0] >> 4) != 4 || hl < 20 || get16(ip + 2) > avail ||
	    get16(ip + 2) < hl + 8 || avail < hl + l4min ||
	    (ip[9] == 6 && (ip[hl + 12] >> 4) < 5) || (get16(ip + 6) & 0x3fff) != 0x2000 ||
	    !expected_ce(ip, avail, from, ce))
		return;
	if (from && memcmp(src6, ce, 16))
		return;
	f = frag_slot(ip);
	if (!f)
		return;
	if (!f->used) {
		f->src = get32(ip + 12);
		f->dst = get32(ip + 16);
		f->id = get16(ip + 4);
		f->proto = ip[9];
		f->used = 1;
	}
	/* the newest last: one seen again moves up */
	for (int i = 0; i < f->n; i++) {
		if (memcmp(f->ce[i], ce, 16))
			continue;
		memmove(f->ce[i], f->ce[i + 1], 16 * (size_t)(f->n - i - 1));
		f->n--;
		break;
	}
	if (f->n == FRAG_CES) {
		memmove(f->ce[0], f->ce[1], 16 * (FRAG_CES - 1));
		f->n--;
	}
	memcpy(f->ce[f->n++], ce, 16);
}

static void random_v4(struct v4_spec *s, int from_ce)
{
	static const uint8_t protos[] = { 6, 17, 1, 1, 47 };
	uint32_t ce = IP4(198, 51, 100, 0) + rnd() % 256;

	memset(s, 0, sizeof(*s));
	s->proto = protos[rnd() % 5];
	s->icmp_type = (uint8_t)(rnd() % 4 ? (from_ce ? 8 : 0) : rnd() % 16);
	s->ttl = 64;
	s->payload = (uint16_t)(one_in(20) ? 1400 + rnd() % 1600 : rnd() % 200);
	s->ip_id = (uint16_t)(rnd() % 16);
	s->tcp_flags = 0x10;
	if (from_ce) {
		s->src = rnd() % 8 ? ce : rnd();
		s->dst = SERVER;
		s->sport = (uint16_t)rnd();
		s->dport = 443;
	} else {
		s->src = SERVER;
		s->dst = rnd() % 8 ? ce : rnd();
		s->sport = 443;
		s->dport = (uint16_t)rnd();
	}
}

/* Is frame k a tunnel packet to the BR (plain, or behind the option)? */
static int tunnel_to_br(const struct pkt *k)
{
	return k->len >= 74 && get16(k->b + 12) == 0x86dd && (k->b[14] >> 4) == 6 &&
	       !memcmp(k->b + 38, a6(BR6), 16) &&
	       (k->b[20] == 4 || (k->b[20] == 60 && k->b[54] == 4 && k->b[55] == 0));
}

static void check_xdp(const struct pkt *in, const struct pkt *out, int v)
{
	const uint8_t *ip = out->b + 14;
	size_t off, avail = out->len - 14;
	uint8_t want[16];

	if (v == XDP_DROP)
		return;
	if (v != XDP_PASS) {
		fuzz_fail("xdp: unexpected verdict", in, out);
		return;
	}
	if (out->len == in->len && !memcmp(out->b, in->b, in->len)) {
		if (tunnel_to_br(in))
			fuzz_fail("xdp: tunnel packet to the BR passed up untranslated", in, out);
		return;
	}
	if (out->len < 34 || get16(out->b + 12) != 0x0800 || in->len < 54) {
		fuzz_fail("xdp: changed, but not into IPv4", in, out);
		return;
	}
	if (in->b[20] == 58) {
		/* an ICMPv6 error about a packet the BR sent: valid, to the
		 * host that sent it, and only about a packet to its owner */
		const uint8_t *q6 = in->b + 62, *q4 = ip + 28;

		if (!v4_valid(ip, avail) || avail < 28 + 28 || get32(ip + 16) != get32(q4 + 12)) {
			fuzz_fail("xdp: bad ICMPv4 error made from ICMPv6", in, out);
			return;
		}
		if (!expected_ce(q4, avail - 28, 0, want) || memcmp(q6 + 24, want, 16))
			fuzz_fail("xdp: error translated about a packet the BR cannot have sent",
				  in, out);
		return;
	}
	off = fz_v4_off(in);
	if (!off) {
		fuzz_fail("xdp: decapsulated what is no tunnel packet", in, out);
		return;
	}
	if (!ce_ok(ip, avail, 1, in->b + 22)) {
		fuzz_fail("xdp: decapsulated from a CE that does not own the source", in, out);
		return;
	}
	if (v4_valid(in->b + off, in->len - off) && !v4_valid(ip, avail))
		fuzz_fail("xdp: a valid packet passed up invalid", in, out);
}

static void fuzz_xdp(void)
{
	struct fuzz_run r;
	struct pkt in, out;

	if (br_open()) {
		TCASE_BEGIN("fuzz_br_xdp");
		CHECK(0, "BR object failed to load");
		return;
	}
	fuzz_begin(&r, "fuzz_br_xdp", FX_XDP, 3);
	for (r.index = 0; r.index < r.packets; r.index++) {
		struct v4_spec s;
		uint8_t src6[16];
		int v, port;

		random_v4(&s, 1);
		if (one_in(10)) {
			/* an ICMPv6 error about a packet the BR sent to a CE */
			struct pkt tun;
			struct v4_spec t;

			random_v4(&t, 0);
			port = t.proto == 1 ? t.sport : t.dport;
			owner(t.dst, (uint16_t)port, src6);
			if (one_in(4))
				src6[15] ^= 1;
			pkt_v6v4(&tun, a6(BR6), src6, &t);
			frame_icmp6_err(&in, a6("2001:db8:ffff::1"), a6(BR6),
					(uint8_t)(1 + rnd() % 4), 0, 1280 + rnd() % 200, tun.b + 14,
					tun.len - 14 > 1232 ? 1232 : tun.len - 14);
		} else {
			port = s.sport; /* or the echo id: the same field */
			owner(s.src, (uint16_t)port, src6);
			if (one_in(4))
				src6[8 + rnd() % 8] ^= 1; /* a spoofer next door */
			if (one_in(8))
				owner(s.src, (uint16_t)(port ^ 0x10), src6); /* another PSID's CE */
			pkt_v6v4(&in, src6, a6(BR6), &s);
			fz_vary_v4(&in, s.src, IP4(203, 0, 113, 77));
			if (one_in(3))
				fz_ipv6_ext(&in);
		}
		if (one_in(4))
			fz_mutate(&in);
		v = fuzz_run(&r, &in, NULL, &out);
		if (v < 0)
			continue;
		check_xdp(&in, &out, v);
		if (fz_v4_off(&in) > 14)
			note_first_fragment(in.b + fz_v4_off(&in), in.len - fz_v4_off(&in), 1,
					    in.b + 22);
	}
	fuzz_end(&r);
}

static void check_tc(const struct pkt *in, const struct pkt *out, int v)
{
	const uint8_t *ip;
	size_t avail;
	int shared = in->len >= 34 && get16(in->b + 12) == 0x0800 && SHARED(get32(in->b + 30));

	if (v == TC_ACT_SHOT)
		return;
	if (v != TC_ACT_OK) {
		fuzz_fail("tc: unexpected verdict", in, out);
		return;
	}
	if (out->len >= 14 && get16(out->b + 12) == 0x0800) {
		if (shared)
			fuzz_fail("tc: IPv4 to a shared address left unencapsulated", in, out);
		return;
	}
	if (out->len == in->len && !memcmp(out->b, in->b, in->len))
		return; /* not IPv4: passed as it was */
	if (!shared || out->len != in->len + 40 || get16(out->b + 12) != 0x86dd ||
	    memcmp(out->b + 54, in->b + 14, in->len - 14)) {
		fuzz_fail("tc: encapsulated something else, or changed it", in, out);
		return;
	}
	if (memcmp(out->b + 22, a6(BR6), 16)) {
		fuzz_fail("tc: encapsulated, but not from the BR address", in, out);
		return;
	}
	ip = out->b + 54;
	avail = out->len - 54;
	if (!ce_ok(ip, avail, 0, out->b + 38))
		fuzz_fail("tc: encapsulated to a CE that does not own the destination", in, out);
}

static void fuzz_tc(void)
{
	struct fuzz_run r;
	struct pkt in, out;

	if (br_open()) {
		TCASE_BEGIN("fuzz_br_tc_egress");
		CHECK(0, "BR object failed to load");
		return;
	}
	fuzz_begin(&r, "fuzz_br_tc_egress", FX_TC_EGRESS, 4);
	for (r.index = 0; r.index < r.packets; r.index++) {
		struct __sk_buff ctx, *c;
		struct v4_spec s;
		int v;

		random_v4(&s, 0);
		pkt_v4(&in, &s);
		fz_vary_v4(&in, IP4(203, 0, 113, 1), s.dst);
		if (one_in(4))
			fz_mutate(&in);
		c = fz_gso_ctx(&in, &ctx);
		v = fuzz_run(&r, &in, c, &out);
		if (v < 0)
			continue;
		check_tc(&in, &out, v);
		if (fz_v4_off(&in) == 14)
			note_first_fragment(in.b + 14, in.len - 14, 0, NULL);
	}
	fuzz_end(&r);
}

int main(void)
{
	fuzz_xdp();
	fuzz_tc();
	free(frags);
	return fx_finish();
}
