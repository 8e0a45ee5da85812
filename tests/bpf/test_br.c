// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_br.c - the stateless BR's programs under BPF_PROG_TEST_RUN.
 *
 * Loads build/mapce_br.skel.h without pinning and configures three rules:
 *   R0  2001:db8::/40     -> 198.51.100.0/24, EA 16, offset 4 (v6plus-style:
 *       k 8, 15 ranges of 16 ports; CE 198.51.100.18 PSID 0x34 owns
 *       0x1340-0x134f ... 0xf340-0xf34f)
 *   R1  2001:db8:100::/40 -> 192.0.2.0/25, EA 7: one whole address per CE
 *   R2  2001:db8:200::/40 -> 192.0.2.128/25, EA 3: one /28 per CE
 * Expected CE addresses are literals worked out by hand from RFC 7597 §6
 * (see the comments), not computed with include/mapce_rule.h, so the test
 * checks the math the programs use.  Checksums are checked with tests/pkt.h's
 * RFC 1071 oracle.  Each case asserts the verdict, the whole output frame
 * and that exactly one reason counter moved by one packet and the frame's
 * length in bytes (plus, where one is due, exactly one event).  Covered:
 * decap/encap of TCP, UDP and ICMP echo, range edges, spoofing (port,
 * address, IPv6 source, IID format), ports of no PSID, unattributable
 * packets, ICMP errors attributed by their quote, malformed headers, native
 * passthrough, the RFC 2473 encapsulation limit option, hairpin (XDP output
 * fed to TC), rules without sharing and with an IPv4 prefix per CE, the
 * RFC 7597 IID; fragments of shared addresses both ways (first fragment
 * recorded in mapce_br_frags, later ones followed, from the same CE only,
 * before their first dropped, state keyed by direction/protocol/id/source,
 * aged out, hairpin, a 3000-byte ping); a GSO packet the kernel cannot
 * encapsulate; ICMPv6 errors about encapsulated packets turned into ICMPv4
 * (Packet Too Big -> frag needed with MTU - 40, others -> host unreachable;
 * checksum verified, quotes checked against the owner CE, RFC 1122 limits).
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "mapce_br.skel.h"
#include "mapce_abi.h"
#include "harness.h"
#include "pkt.h"

#define BR6 "2001:db8:ffff::64"
#define CE_V4 "198.51.100.18"
/* 2001:db8::/40 + EA 0x12 0x34 -> 2001:db8:12:3400::/56;
 * legacy IID 00 | c6.33.64.12 | 0034 | 00, RFC IID 0000 | c633:6412 | 0034 */
#define CE_LEGACY "2001:db8:12:3400:c6:3364:1200:3400"
#define CE_RFC "2001:db8:12:3400:0:c633:6412:34"
/* the neighbour CE 198.51.100.18 PSID 0x35 (ports 0x1350-0x135f, ...) */
#define CE35_LEGACY "2001:db8:12:3500:c6:3364:1200:3500"
/* 198.51.100.19 PSID 0x34 */
#define CE19_LEGACY "2001:db8:13:3400:c6:3364:1300:3400"
/* R1: 192.0.2.5 -> EA 0000101 in bits 40..46 -> 2001:db8:10a::/47;
 * legacy IID 00 | c0.00.02.05 | 0000 | 00 */
#define R1_CE_LEGACY "2001:db8:10a:0:c0:2:500:0"
/* R2: 192.0.2.150 is in 192.0.2.144/28: EA = suffix 0010110 >> 4 = 001
 * in bits 40..42 -> 2001:db8:220::/43; the IID carries 192.0.2.144 */
#define R2_CE_LEGACY "2001:db8:220:0:c0:2:9000:0"
#define R2_CE_RFC "2001:db8:220::c000:290:0"
#define SERVER "203.0.113.10"

static struct mapce_br *skel;
static struct mapce_config cfg;

/* ---- fixture -------------------------------------------------------- */

static void rule(struct mapce_rule *r, const char *v6, __u8 r6, const char *v4, __u8 r4,
		 __u8 ea, __u8 a)
{
	memset(r, 0, sizeof(*r));
	ip6(v6, r->ipv6_prefix);
	r->ipv6_prefix_len = r6;
	r->ipv4_prefix = htonl(ip4(v4));
	r->ipv4_prefix_len = r4;
	r->ea_len = ea;
	r->psid_offset = a;
}

static int add_rule(__u32 idx, const struct mapce_rule *r)
{
	struct mapce_lpm_v4_key k = { .prefixlen = r->ipv4_prefix_len, .addr = r->ipv4_prefix };

	if (bpf_map__update_elem(skel->maps.mapce_br_rules, &idx, sizeof(idx), r, sizeof(*r), 0))
		return -1;
	return bpf_map__update_elem(skel->maps.mapce_br_lpm, &k, sizeof(k), &idx, sizeof(idx), 0);
}

static int set_cfg(__u8 flags, __u8 hop_limit)
{
	__u32 zero = 0;

	memset(&cfg, 0, sizeof(cfg));
	ip6(BR6, cfg.br_ipv6);
	cfg.flags = flags;
	cfg.hop_limit = hop_limit;
	return bpf_map__update_elem(skel->maps.mapce_br_config, &zero, sizeof(zero), &cfg,
				    sizeof(cfg), 0);
}

static int fx_open(void)
{
	struct mapce_rule r;
	struct bpf_map *m;

	skel = mapce_br__open();
	if (!skel)
		return -1;
	bpf_object__for_each_map(m, skel->obj)
		bpf_map__set_pin_path(m, NULL);
	if (mapce_br__load(skel))
		return -1;
	rule(&r, "2001:db8::", 40, "198.51.100.0", 24, 16, 4);
	if (add_rule(0, &r))
		return -1;
	rule(&r, "2001:db8:100::", 40, "192.0.2.0", 25, 7, 0);
	if (add_rule(1, &r))
		return -1;
	rule(&r, "2001:db8:200::", 40, "192.0.2.128", 25, 3, 0);
	if (add_rule(2, &r))
		return -1;
	return set_cfg(MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID, 64);
}

/* Run prog on in; the output frame in out.  Returns the verdict or -1. */
static int run(struct bpf_program *prog, const struct pkt *in, struct pkt *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = (__u32)in->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o))
		return -1;
	out->len = o.data_size_out;
	return (int)o.retval;
}

static void counters(struct mapce_counter sum[MAPCE_R__MAX])
{
	int n = libbpf_num_possible_cpus();
	struct mapce_counter v[n > 0 ? n : 1];

	memset(sum, 0, sizeof(*sum) * MAPCE_R__MAX);
	for (__u32 r = 0; r < MAPCE_R__MAX; r++) {
		if (bpf_map__lookup_elem(skel->maps.mapce_br_stats, &r, sizeof(r), v,
					 sizeof(v), 0))
			continue;
		for (int c = 0; c < n; c++) {
			sum[r].packets += v[c].packets;
			sum[r].bytes += v[c].bytes;
		}
	}
}

/*
 * Run prog on in and check: the verdict, exactly one counter (reason)
 * moved by one packet and in->len bytes, plus the event ev when it is not
 * NO_EV (the same), nothing else moved, and the output is expect (or,
 * when expect is NULL, the input unchanged).
 */
#define NO_EV MAPCE_R__MAX
static void expect_run_ev(struct bpf_program *prog, const struct pkt *in, int verdict,
			  __u32 reason, __u32 ev, const struct pkt *expect, struct pkt *out_ret)
{
	struct mapce_counter before[MAPCE_R__MAX], after[MAPCE_R__MAX];
	struct pkt out;
	int ret;

	counters(before);
	ret = run(prog, in, &out);
	counters(after);
	CHECK(ret == verdict, "verdict %d, want %d", ret, verdict);
	for (__u32 r = 0; r < MAPCE_R__MAX; r++) {
		__u64 dp = after[r].packets - before[r].packets;
		__u64 db = after[r].bytes - before[r].bytes;

		if (r == reason || r == ev)
			CHECK(dp == 1 && db == in->len, "%s moved by %llu pkts %llu bytes, want 1/%zu",
			      mapce_reason_names[r], (unsigned long long)dp,
			      (unsigned long long)db, in->len);
		else
			CHECK(dp == 0 && db == 0, "%s moved by %llu pkts (want %s)",
			      mapce_reason_names[r], (unsigned long long)dp,
			      mapce_reason_names[reason]);
	}
	if (!expect)
		expect = in;
	if (verdict != XDP_DROP || prog != skel->progs.mapce_br_xdp) {
		CHECK(out.len == expect->len, "output length %zu, want %zu", out.len, expect->len);
		if (out.len == expect->len) {
			for (size_t i = 0; i < out.len; i++) {
				if (out.b[i] != expect->b[i]) {
					CHECK(0, "output byte %zu is 0x%02x, want 0x%02x", i,
					      out.b[i], expect->b[i]);
					break;
				}
			}
		}
	}
	if (out_ret)
		*out_ret = out;
}

static void expect_run(struct bpf_program *prog, const struct pkt *in, int verdict, __u32 reason,
		       const struct pkt *expect, struct pkt *out_ret)
{
	expect_run_ev(prog, in, verdict, reason, NO_EV, expect, out_ret);
}

static const uint8_t *a6(const char *s)
{
	static uint8_t buf[8][16];
	static int i;
	uint8_t *b = buf[i++ % 8];

	ip6(s, b);
	return b;
}

/* A CE's packet as it reaches the BR. */
static void from_ce(struct pkt *k, const char *ce, const struct v4_spec *s)
{
	pkt_v6v4(k, a6(ce), a6(BR6), s);
}

/* The decapsulated frame: same MACs, ethertype IPv4, the inner packet. */
static void decapped(struct pkt *k, const struct v4_spec *s)
{
	pkt_v4(k, s);
}

/* The encapsulated frame the BR sends to ce (hop limit hl). */
static void encapped(struct pkt *k, const char *ce, const struct v4_spec *s, uint8_t hl)
{
	pkt_v6v4(k, a6(BR6), a6(ce), s);
	k->b[14 + 7] = hl;
}

static void check_inner_csums(const struct pkt *k, size_t l3)
{
	CHECK(v4_hdr_csum_ok(k->b + l3), "inner IPv4 header checksum");
	CHECK(v4_l4_csum_ok(k->b + l3, 0), "inner transport checksum");
}

/* ICMPv4 error (type, code) from src to dst quoting q's first 28 bytes. */
static size_t put_icmp_err(uint8_t *p, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
			   const struct v4_spec *q)
{
	uint8_t quoted[128];
	size_t qlen = put_v4(quoted, q), n;

	if (qlen > 28)
		qlen = 28;
	memset(p, 0, 20 + 8);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + 8 + qlen));
	p[8] = 64;
	p[9] = 1;
	put16(p + 12, src >> 16); put16(p + 14, src & 0xffff);
	put16(p + 16, dst >> 16); put16(p + 18, dst & 0xffff);
	put16(p + 10, rfc1071_fold(rfc1071_add(0, p, 20)));
	p[20] = type;
	p[21] = code;
	memcpy(p + 28, quoted, qlen);
	n = 8 + qlen;
	put16(p + 22, rfc1071_fold(rfc1071_add(0, p + 20, n)));
	return 20 + n;
}

/* Shorthands for inner packets. */
static struct v4_spec tcp(const char *src, uint16_t sp, const char *dst, uint16_t dp)
{
	return (struct v4_spec){ .src = ip4(src), .dst = ip4(dst), .proto = 6, .sport = sp,
				 .dport = dp, .tcp_flags = 0x02, .ip_id = 7, .payload = 11 };
}

static struct v4_spec udp(const char *src, uint16_t sp, const char *dst, uint16_t dp)
{
	return (struct v4_spec){ .src = ip4(src), .dst = ip4(dst), .proto = 17, .sport = sp,
				 .dport = dp, .ip_id = 9, .payload = 5 };
}

static struct v4_spec icmp(const char *src, const char *dst, uint8_t type, uint16_t id)
{
	return (struct v4_spec){ .src = ip4(src), .dst = ip4(dst), .proto = 1, .sport = id,
				 .icmp_type = type, .payload = 16 };
}

#define P_XDP prog_xdp()
#define P_TC prog_tc()
static struct bpf_program *prog_xdp(void) { return skel->progs.mapce_br_xdp; }
static struct bpf_program *prog_tc(void) { return skel->progs.mapce_br_tc_egress; }

/* ---- XDP: decapsulation --------------------------------------------- */

static void decap_ok(const char *name, const char *ce, struct v4_spec s)
{
	struct pkt in, want, out;

	TCASE_BEGIN(name);
	from_ce(&in, ce, &s);
	decapped(&want, &s);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, &out);
	check_inner_csums(&out, 14);
	TCASE_END();
}

static void decap_drop(const char *name, const char *ce, struct v4_spec s, __u32 reason)
{
	struct pkt in;

	TCASE_BEGIN(name);
	from_ce(&in, ce, &s);
	expect_run(P_XDP, &in, XDP_DROP, reason, NULL, NULL);
	TCASE_END();
}

static void test_decap(void)
{
	decap_ok("xdp_decap_tcp_from_owner", CE_LEGACY, tcp(CE_V4, 0x1340, SERVER, 80));
	decap_ok("xdp_decap_udp_from_owner", CE_LEGACY, udp(CE_V4, 0x5345, SERVER, 53));
	decap_ok("xdp_decap_icmp_echo_request_id_is_port", CE_LEGACY,
		 icmp(CE_V4, SERVER, 8, 0x9341));
	/* first and last port of the first, a middle and the last range */
	TCASE_BEGIN("xdp_decap_range_edges");
	{
		static const uint16_t ports[] = { 0x1340, 0x134f, 0x7340, 0x734f, 0xf340, 0xf34f };
		struct pkt in, want;

		for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
			struct v4_spec s = udp(CE_V4, ports[i], SERVER, 4500);

			from_ce(&in, CE_LEGACY, &s);
			decapped(&want, &s);
			expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, NULL);
		}
	}
	TCASE_END();
	/* just outside the ranges: 0x133f and 0x1350 belong to PSIDs 0x33 and 0x35 */
	decap_drop("xdp_spoofed_port_of_other_psid", CE_LEGACY, tcp(CE_V4, 0x1350, SERVER, 80),
		   MAPCE_R_BR_DROP_SPOOFED);
	decap_drop("xdp_spoofed_port_below_range", CE_LEGACY, udp(CE_V4, 0x133f, SERVER, 80),
		   MAPCE_R_BR_DROP_SPOOFED);
	/* ... but from its owner that port is fine */
	decap_ok("xdp_decap_from_neighbour_psid", CE35_LEGACY, tcp(CE_V4, 0x1350, SERVER, 80));
	decap_drop("xdp_spoofed_wrong_ipv4", CE_LEGACY, tcp("198.51.100.19", 0x1340, SERVER, 80),
		   MAPCE_R_BR_DROP_SPOOFED);
	decap_ok("xdp_decap_other_ipv4_from_its_owner", CE19_LEGACY,
		 tcp("198.51.100.19", 0x1340, SERVER, 80));
	decap_drop("xdp_spoofed_random_ipv6", "2001:db8:77:8800::1", tcp(CE_V4, 0x1340, SERVER, 80),
		   MAPCE_R_BR_DROP_SPOOFED);
	decap_drop("xdp_spoofed_rfc_iid_while_legacy", CE_RFC, tcp(CE_V4, 0x1340, SERVER, 80),
		   MAPCE_R_BR_DROP_SPOOFED);
	decap_drop("xdp_no_rule_for_inner_source", CE_LEGACY, tcp(SERVER, 0x1340, CE_V4, 80),
		   MAPCE_R_BR_DROP_NO_RULE);
	/* 0x0340 has PSID 0x34 but A = 0: system ports belong to no CE */
	decap_drop("xdp_port_below_4096_not_in_any_set", CE_LEGACY,
		   tcp(CE_V4, 0x0340, SERVER, 80), MAPCE_R_BR_DROP_PORT_OUT_OF_SET);
	decap_drop("xdp_port_0_not_in_any_set", CE_LEGACY, udp(CE_V4, 0, SERVER, 80),
		   MAPCE_R_BR_DROP_PORT_OUT_OF_SET);
}

/* Packets to the BR that it cannot attribute: dropped, never passed. */
static void test_unsupported(void)
{
	struct v4_spec s;

	decap_drop("xdp_echo_reply_from_shared_ce_unsupported", CE_LEGACY,
		   icmp(CE_V4, SERVER, 0, 0x1340), MAPCE_R_BR_DROP_UNSUPPORTED);
	decap_drop("xdp_icmp_timestamp_unsupported", CE_LEGACY, icmp(CE_V4, SERVER, 13, 0x1340),
		   MAPCE_R_BR_DROP_UNSUPPORTED);
	s = udp(CE_V4, 0x1340, SERVER, 53);
	s.proto = 47; /* GRE */
	decap_drop("xdp_other_protocol_unsupported", CE_LEGACY, s, MAPCE_R_BR_DROP_UNSUPPORTED);
}

/* An ICMP error from a CE is attributed by the packet it quotes: one sent
 * to the CE, so the quoted destination port. */
static void test_decap_icmp_error(void)
{
	struct v4_spec q = udp(SERVER, 53, CE_V4, 0x2345);
	struct pkt in, want, out;
	size_t n;

	TCASE_BEGIN("xdp_decap_icmp_error_quoting_owned_port");
	in.len = put_eth(in.b, 0x86dd);
	n = put_icmp_err(in.b + 54, ip4(CE_V4), ip4(SERVER), 3, 3, &q);
	in.len += put_v6_outer(in.b + 14, a6(CE_LEGACY), a6(BR6), 0, 64, (uint16_t)n) + n;
	want.len = put_eth(want.b, 0x0800);
	memcpy(want.b + 14, in.b + 54, n);
	want.len += n;
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, &out);
	check_inner_csums(&out, 14);
	TCASE_END();

	TCASE_BEGIN("xdp_icmp_error_quoting_other_psid_spoofed");
	q = udp(SERVER, 53, CE_V4, 0x2355);
	in.len = put_eth(in.b, 0x86dd);
	n = put_icmp_err(in.b + 54, ip4(CE_V4), ip4(SERVER), 3, 3, &q);
	in.len += put_v6_outer(in.b + 14, a6(CE_LEGACY), a6(BR6), 0, 64, (uint16_t)n) + n;
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_icmp_error_quoting_other_address_spoofed");
	q = udp(SERVER, 53, "198.51.100.19", 0x2345);
	in.len = put_eth(in.b, 0x86dd);
	n = put_icmp_err(in.b + 54, ip4(CE_V4), ip4(SERVER), 3, 3, &q);
	in.len += put_v6_outer(in.b + 14, a6(CE_LEGACY), a6(BR6), 0, 64, (uint16_t)n) + n;
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_icmp_error_truncated_quote_malformed");
	q = udp(SERVER, 53, CE_V4, 0x2345);
	in.len = put_eth(in.b, 0x86dd);
	n = put_icmp_err(in.b + 54, ip4(CE_V4), ip4(SERVER), 3, 3, &q) - 8; /* no quoted UDP */
	put16(in.b + 54 + 2, (uint16_t)n);
	put16(in.b + 54 + 10, 0);
	put16(in.b + 54 + 10, rfc1071_fold(rfc1071_add(0, in.b + 54, 20)));
	in.len += put_v6_outer(in.b + 14, a6(CE_LEGACY), a6(BR6), 0, 64, (uint16_t)n) + n;
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();
}

static void test_malformed(void)
{
	struct v4_spec s = tcp(CE_V4, 0x1340, SERVER, 80);
	struct pkt in, good;

	from_ce(&good, CE_LEGACY, &s);

	TCASE_BEGIN("xdp_truncated_ipv6_header");
	in = good;
	in.len = 14 + 30;
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_bad_ipv6_version");
	in = good;
	in.b[14] = 0x40 | (in.b[14] & 0x0f);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_payload_length_beyond_frame");
	in = good;
	in.len -= 4; /* the frame lost its tail; payload_len still says more */
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_truncated_inner_ipv4");
	in = good;
	in.len = 14 + 40 + 12; /* consistent outer header, 12 bytes of IPv4 */
	put16(in.b + 14 + 4, 12);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_inner_total_length_beyond_payload");
	in = good;
	put16(in.b + 14 + 4, get16(in.b + 14 + 4) - 1);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_inner_ihl_below_5");
	in = good;
	in.b[54] = 0x44;
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_inner_bad_version");
	in = good;
	in.b[54] = 0x65;
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_inner_truncated_tcp_header");
	{
		struct v4_spec t = tcp(CE_V4, 0x1340, SERVER, 80);

		t.payload = 0;
		from_ce(&in, CE_LEGACY, &t);
		in.len -= 8; /* 12 bytes of TCP header */
		put16(in.b + 14 + 4, 32);
		put16(in.b + 54 + 2, 32);
		put16(in.b + 54 + 10, 0);
		put16(in.b + 54 + 10, rfc1071_fold(rfc1071_add(0, in.b + 54, 20)));
		expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	}
	TCASE_END();
}

/* Everything that is not IPv4-in-IPv6 to the BR address passes untouched. */
static void test_native(void)
{
	struct pkt in;
	uint8_t *ip6h = in.b + 14;

	TCASE_BEGIN("xdp_native_ipv6_icmpv6_to_br_passes");
	in.len = put_eth(in.b, 0x86dd);
	put_v6_outer(ip6h, a6(CE_LEGACY), a6(BR6), 0, 255, 8);
	ip6h[6] = 58;
	memcpy(in.b + 54, "\x80\x00\x12\x34\x00\x01\x00\x01", 8);
	in.len += 48;
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_native_ipv6_tcp_passes");
	{
		struct v4_spec s = tcp(CE_V4, 0x1340, SERVER, 80);

		from_ce(&in, CE_LEGACY, &s);
		ip6h[6] = 6; /* the bytes after it are just payload now */
		expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
	}
	TCASE_END();

	TCASE_BEGIN("xdp_ipip6_to_other_destination_passes");
	{
		struct v4_spec s = tcp(CE_V4, 0x1340, SERVER, 80);

		pkt_v6v4(&in, a6(CE_LEGACY), a6("2001:db8:ffff::65"), &s);
		expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
	}
	TCASE_END();

	TCASE_BEGIN("xdp_native_ipv4_and_arp_pass");
	{
		struct v4_spec s = tcp(SERVER, 80, CE_V4, 0x1340);

		pkt_v4(&in, &s);
		expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
		in.len = put_eth(in.b, 0x0806);
		memset(in.b + 14, 0, 28);
		in.len += 28;
		expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
	}
	TCASE_END();

	TCASE_BEGIN("disabled_config_passes_everything");
	{
		struct v4_spec s = tcp(CE_V4, 0x1350, SERVER, 80); /* spoofed */
		struct v4_spec t = tcp(SERVER, 80, CE_V4, 0x1340);

		set_cfg(MAPCE_CFG_F_LEGACY_IID, 64);
		from_ce(&in, CE_LEGACY, &s);
		expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
		pkt_v4(&in, &t);
		expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_PASS_NATIVE, NULL, NULL);
		set_cfg(MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID, 64);
	}
	TCASE_END();
}

/* IPv6 | destination options (8 bytes, opt) | IPv4 from ce to the BR. */
static void from_ce_destopt(struct pkt *k, const char *ce, const uint8_t opt[8],
			    const struct v4_spec *s)
{
	size_t n;

	k->len = put_eth(k->b, 0x86dd);
	n = put_v4(k->b + 14 + 40 + 8, s);
	put_v6_outer(k->b + 14, a6(ce), a6(BR6), s->tos, 64, (uint16_t)(n + 8));
	k->b[14 + 6] = 60; /* next header: destination options */
	memcpy(k->b + 54, opt, 8);
	k->len += 40 + 8 + n;
}

/* A CE that adds the RFC 2473 encapsulation limit option (Linux ip6tnl's
 * default): [next 4, len 0, type 4 len 1 limit 4, PadN len 1 (0)]. */
static void test_destopt(void)
{
	static const uint8_t limit[8] = { 4, 0, 4, 1, 4, 1, 1, 0 };
	static const uint8_t pad1s[8] = { 4, 0, 4, 1, 0, 0, 0, 0 };
	static const uint8_t unknown[8] = { 4, 0, 0x1e, 4, 0, 0, 0, 0 };
	static const uint8_t longer[8] = { 4, 1, 4, 1, 4, 1, 1, 0 };
	static const uint8_t to_icmp6[8] = { 58, 0, 4, 1, 4, 1, 1, 0 };
	struct v4_spec s = tcp(CE_V4, 0x1340, SERVER, 80);
	struct pkt in, want, out;

	TCASE_BEGIN("xdp_decap_with_encap_limit_option");
	from_ce_destopt(&in, CE_LEGACY, limit, &s);
	decapped(&want, &s);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, &out);
	check_inner_csums(&out, 14);
	from_ce_destopt(&in, CE_LEGACY, pad1s, &s);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_encap_limit_option_spoofed");
	from_ce_destopt(&in, CE35_LEGACY, limit, &s);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_destopt_unknown_option_or_longer_unsupported");
	from_ce_destopt(&in, CE_LEGACY, unknown, &s);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_UNSUPPORTED, NULL, NULL);
	from_ce_destopt(&in, CE_LEGACY, longer, &s);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_UNSUPPORTED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_destopt_not_ipip_passes");
	from_ce_destopt(&in, CE_LEGACY, to_icmp6, &s);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_destopt_truncated");
	from_ce_destopt(&in, CE_LEGACY, limit, &s);
	in.len = 14 + 40 + 4;
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	from_ce_destopt(&in, CE_LEGACY, limit, &s);
	put16(in.b + 14 + 4, get16(in.b + 14 + 4) - 1); /* payload < 8 + tot_len */
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();
}

/* ---- TC: encapsulation ---------------------------------------------- */

static void encap_ok(const char *name, const char *ce, struct v4_spec s)
{
	struct pkt in, want, out;

	TCASE_BEGIN(name);
	pkt_v4(&in, &s);
	encapped(&want, ce, &s, 64);
	expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, &out);
	check_inner_csums(&out, 54);
	TCASE_END();
}

static void encap_drop(const char *name, struct v4_spec s, __u32 reason)
{
	struct pkt in;

	TCASE_BEGIN(name);
	pkt_v4(&in, &s);
	expect_run(P_TC, &in, TC_ACT_SHOT, reason, NULL, NULL);
	TCASE_END();
}

static void test_encap(void)
{
	struct v4_spec s;

	encap_ok("tc_encap_tcp_to_owner", CE_LEGACY, tcp(SERVER, 80, CE_V4, 0x1340));
	encap_ok("tc_encap_udp_to_owner", CE_LEGACY, udp(SERVER, 53, CE_V4, 0xf34f));
	encap_ok("tc_encap_icmp_echo_reply_id_is_port", CE_LEGACY,
		 icmp(SERVER, CE_V4, 0, 0x5342));
	encap_ok("tc_encap_to_neighbour_psid", CE35_LEGACY, tcp(SERVER, 80, CE_V4, 0x1350));
	encap_ok("tc_encap_to_other_address", CE19_LEGACY,
		 udp(SERVER, 53, "198.51.100.19", 0x1340));
	s = tcp(SERVER, 80, CE_V4, 0x1340);
	s.tos = 0xb9; /* EF + ECT(1): the traffic class copies both */
	encap_ok("tc_encap_traffic_class_from_tos", CE_LEGACY, s);

	TCASE_BEGIN("tc_encap_hop_limit_from_config");
	{
		struct pkt in, want;

		set_cfg(MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID, 200);
		s = udp(SERVER, 53, CE_V4, 0x1341);
		pkt_v4(&in, &s);
		encapped(&want, CE_LEGACY, &s, 200);
		expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, NULL);
		set_cfg(MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID, 64);
	}
	TCASE_END();

	TCASE_BEGIN("tc_ipv4_outside_rules_passes_unchanged");
	{
		struct pkt in;

		s = tcp(CE_V4, 0x1340, SERVER, 80);
		pkt_v4(&in, &s);
		expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_PASS_NATIVE, NULL, NULL);
		s = udp("192.0.2.1", 53, "198.51.101.18", 0x1340); /* next to R0's /24 */
		pkt_v4(&in, &s);
		expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_PASS_NATIVE, NULL, NULL);
	}
	TCASE_END();

	TCASE_BEGIN("tc_ipv6_passes_unchanged");
	{
		struct pkt in;

		s = tcp(SERVER, 80, CE_V4, 0x1340);
		pkt_v6v4(&in, a6(BR6), a6(CE_LEGACY), &s);
		expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_PASS_NATIVE, NULL, NULL);
	}
	TCASE_END();

	encap_drop("tc_port_below_4096_dropped", tcp(SERVER, 80, CE_V4, 0x0340),
		   MAPCE_R_BR_DROP_PORT_OUT_OF_SET);
	encap_drop("tc_echo_request_to_shared_address_dropped", icmp(SERVER, CE_V4, 8, 0x1340),
		   MAPCE_R_BR_DROP_UNSUPPORTED);

	TCASE_BEGIN("tc_malformed_ipv4_in_rule_dropped");
	{
		struct pkt in;

		s = tcp(SERVER, 80, CE_V4, 0x1340);
		pkt_v4(&in, &s);
		in.b[14] = 0x44; /* ihl 4 */
		expect_run(P_TC, &in, TC_ACT_SHOT, MAPCE_R_DROP_MALFORMED, NULL, NULL);
		pkt_v4(&in, &s);
		put16(in.b + 14 + 2, (uint16_t)(in.len - 14 + 1)); /* beyond the frame */
		expect_run(P_TC, &in, TC_ACT_SHOT, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	}
	TCASE_END();
}

/* An ICMP error for a CE quotes a packet the CE sent: its source port. */
static void test_encap_icmp_error(void)
{
	struct v4_spec q = udp(CE_V4, 0x2346, SERVER, 33434);
	struct pkt in, want, out;
	size_t n;

	TCASE_BEGIN("tc_encap_icmp_time_exceeded_to_quoting_ce");
	in.len = put_eth(in.b, 0x0800);
	n = put_icmp_err(in.b + 14, ip4("203.0.113.1"), ip4(CE_V4), 11, 0, &q);
	in.len += n;
	want.len = put_eth(want.b, 0x86dd);
	want.len += put_v6_outer(want.b + 14, a6(BR6), a6(CE_LEGACY), 0, 64, (uint16_t)n);
	memcpy(want.b + 54, in.b + 14, n);
	want.len += n;
	expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, &out);
	check_inner_csums(&out, 54);
	TCASE_END();

	TCASE_BEGIN("tc_encap_icmp_error_quoting_echo_request");
	{
		struct v4_spec e = icmp(CE_V4, SERVER, 8, 0x6343);

		in.len = put_eth(in.b, 0x0800);
		n = put_icmp_err(in.b + 14, ip4("203.0.113.1"), ip4(CE_V4), 11, 0, &e);
		in.len += n;
		want.len = put_eth(want.b, 0x86dd);
		want.len += put_v6_outer(want.b + 14, a6(BR6), a6(CE_LEGACY), 0, 64, (uint16_t)n);
		memcpy(want.b + 54, in.b + 14, n);
		want.len += n;
		expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, NULL);
	}
	TCASE_END();
}

/* CE-to-CE through the BR: decapsulated at P_XDP, the kernel routes the IPv4
 * back out of the device, TC encapsulates it to the other CE. */
static void test_hairpin(void)
{
	struct v4_spec s = udp(CE_V4, 0x1342, "198.51.100.19", 0x2341);
	struct pkt in, mid, want;

	TCASE_BEGIN("hairpin_ce_to_ce");
	from_ce(&in, CE_LEGACY, &s);
	decapped(&want, &s);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, &mid);
	encapped(&want, CE19_LEGACY, &s, 64);
	expect_run(P_TC, &mid, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, NULL);
	TCASE_END();
}

/* ---- rules without sharing, and the RFC interface identifier ---------- */

static void test_other_rules(void)
{
	struct v4_spec s;
	struct pkt in, want;

	/* k = 0: the address alone names the CE; any protocol and fragments */
	encap_ok("tc_encap_whole_address_rule", R1_CE_LEGACY,
		 tcp(SERVER, 80, "192.0.2.5", 80));
	s = udp(SERVER, 53, "192.0.2.5", 7);
	s.frag = 0x0020;
	encap_ok("tc_encap_whole_address_rule_fragment", R1_CE_LEGACY, s);
	decap_ok("xdp_decap_whole_address_rule_low_port", R1_CE_LEGACY,
		 udp("192.0.2.5", 53, SERVER, 53));
	s = icmp("192.0.2.5", SERVER, 0, 77);
	decap_ok("xdp_decap_whole_address_rule_echo_reply", R1_CE_LEGACY, s);
	decap_drop("xdp_whole_address_rule_spoofed", R1_CE_LEGACY,
		   udp("192.0.2.6", 53, SERVER, 53), MAPCE_R_BR_DROP_SPOOFED);
	/* o < p: a /28 per CE, the IID carries the prefix */
	encap_ok("tc_encap_prefix_rule", R2_CE_LEGACY, tcp(SERVER, 80, "192.0.2.150", 22));
	decap_ok("xdp_decap_prefix_rule", R2_CE_LEGACY, tcp("192.0.2.159", 22, SERVER, 80));
	decap_drop("xdp_prefix_rule_other_prefix_spoofed", R2_CE_LEGACY,
		   tcp("192.0.2.160", 22, SERVER, 80), MAPCE_R_BR_DROP_SPOOFED);

	TCASE_BEGIN("rfc_iid_variant");
	set_cfg(MAPCE_CFG_F_ENABLED, 64);
	s = tcp(SERVER, 80, CE_V4, 0x1340);
	pkt_v4(&in, &s);
	encapped(&want, CE_RFC, &s, 64);
	expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, NULL);
	s = tcp(CE_V4, 0x1340, SERVER, 80);
	from_ce(&in, CE_RFC, &s);
	decapped(&want, &s);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, NULL);
	from_ce(&in, CE_LEGACY, &s);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, NULL, NULL);
	s = udp(SERVER, 53, "192.0.2.150", 22);
	pkt_v4(&in, &s);
	encapped(&want, R2_CE_RFC, &s, 64);
	expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, NULL);
	set_cfg(MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID, 64);
	TCASE_END();
}

/* ---- fragments of shared-address rules (RFC 7597 §8.3) ---------------- */

/* enum br_dir of bpf/br/owner.h, the dir of struct mapce_frag_key */
#define DIR_FROM_CE 0
#define DIR_TO_CE 1
#define SEC_NS 1000000000ull

/* Value of mapce_br_frags (struct br_frag in bpf/br/maps.h; its size
 * is checked against the map's in frag_map_is_bounded_lru). */
struct br_frag_val {
	uint8_t ce[16];
	uint64_t created_ns;
};

static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * SEC_NS + (uint64_t)ts.tv_nsec;
}

static struct mapce_frag_key fkey(const char *src, const char *dst, uint16_t id, uint8_t proto,
				  uint8_t dir)
{
	struct mapce_frag_key k;

	memset(&k, 0, sizeof(k));
	k.src = htonl(ip4(src));
	k.dst = htonl(ip4(dst));
	k.id = htons(id);
	k.proto = proto;
	k.dir = dir;
	return k;
}

static int frag_get(struct mapce_frag_key k, struct br_frag_val *v)
{
	return bpf_map__lookup_elem(skel->maps.mapce_br_frags, &k, sizeof(k), v, sizeof(*v), 0);
}

/* A record as if its first fragment passed age_ns ago. */
static int frag_put(struct mapce_frag_key k, const char *ce, uint64_t age_ns)
{
	struct br_frag_val v;

	memcpy(v.ce, a6(ce), 16);
	v.created_ns = coarse_ns() - age_ns;
	return bpf_map__update_elem(skel->maps.mapce_br_frags, &k, sizeof(k), &v, sizeof(v), 0);
}

/* A fragment after the first at p: 20-byte header (id, offset off8 * 8
 * bytes, MF when mf) and n payload bytes, which are no transport header:
 * where ports would be they read 0xa0a1 0xa2a3 (PSID 0x2a / 0x2a: not
 * the CE's), so only the fragment state can place them.  Returns 20 + n. */
static size_t put_v4_frag(uint8_t *p, const char *src, const char *dst, uint8_t proto,
			  uint16_t id, uint16_t off8, int mf, size_t n)
{
	uint32_t s = ip4(src), d = ip4(dst);

	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + n));
	put16(p + 4, id);
	put16(p + 6, (uint16_t)((mf ? 0x2000 : 0) | off8));
	p[8] = 64;
	p[9] = proto;
	put16(p + 12, (uint16_t)(s >> 16)); put16(p + 14, (uint16_t)s);
	put16(p + 16, (uint16_t)(d >> 16)); put16(p + 18, (uint16_t)d);
	for (size_t i = 0; i < n; i++)
		p[20 + i] = (uint8_t)(0xa0 + i);
	put16(p + 10, rfc1071_fold(rfc1071_add(0, p, 20)));
	return 20 + n;
}

/* Ethernet + the IPv4 packet v4 (n bytes). */
static void frame4(struct pkt *k, const uint8_t *v4, size_t n)
{
	k->len = put_eth(k->b, 0x0800);
	memcpy(k->b + 14, v4, n);
	k->len += n;
}

/* Ethernet + IPv6 (next header 4, traffic class = the TOS) + v4. */
static void frame6(struct pkt *k, const char *src, const char *dst, const uint8_t *v4, size_t n)
{
	k->len = put_eth(k->b, 0x86dd);
	k->len += put_v6_outer(k->b + 14, a6(src), a6(dst), v4[1], 64, (uint16_t)n);
	memcpy(k->b + 54, v4, n);
	k->len += n;
}

static void check_record(struct mapce_frag_key k, const char *ce, uint64_t t0)
{
	struct br_frag_val v;

	if (frag_get(k, &v)) {
		CHECK(0, "no record in mapce_br_frags");
		return;
	}
	CHECK(!memcmp(v.ce, a6(ce), 16), "recorded CE is not %s", ce);
	CHECK(v.created_ns + 50000000ull >= t0 && v.created_ns <= coarse_ns() + 50000000ull,
	      "created_ns %llu, now %llu", (unsigned long long)v.created_ns,
	      (unsigned long long)coarse_ns());
}

static void test_frag_decap(void)
{
	struct v4_spec s = udp(CE_V4, 0x1340, SERVER, 53);
	struct br_frag_val fv;
	struct pkt in, want, out;
	uint8_t v4[1600];
	uint64_t t0;
	size_t n;

	/* a datagram of 8 + 40 + 48 + 21 bytes in three fragments */
	s.ip_id = 0x4242;
	s.frag = 0x2000;
	s.payload = 40;

	TCASE_BEGIN("xdp_first_fragment_decapped_and_recorded");
	from_ce(&in, CE_LEGACY, &s);
	decapped(&want, &s);
	t0 = coarse_ns();
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, &out);
	CHECK(v4_hdr_csum_ok(out.b + 14), "IPv4 header checksum");
	check_record(fkey(CE_V4, SERVER, 0x4242, 17, DIR_FROM_CE), CE_LEGACY, t0);
	TCASE_END();

	TCASE_BEGIN("xdp_later_fragments_follow_first");
	n = put_v4_frag(v4, CE_V4, SERVER, 17, 0x4242, 6, 1, 48);
	frame6(&in, CE_LEGACY, BR6, v4, n);
	frame4(&want, v4, n);
	expect_run_ev(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      &out);
	CHECK(v4_hdr_csum_ok(out.b + 14), "IPv4 header checksum");
	n = put_v4_frag(v4, CE_V4, SERVER, 17, 0x4242, 12, 0, 21); /* the last one */
	frame6(&in, CE_LEGACY, BR6, v4, n);
	frame4(&want, v4, n);
	expect_run_ev(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_later_fragment_from_other_ce_spoofed");
	n = put_v4_frag(v4, CE_V4, SERVER, 17, 0x4242, 12, 0, 21);
	frame6(&in, CE35_LEGACY, BR6, v4, n); /* same IPv4 address, other PSID */
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, NULL, NULL);
	frame6(&in, "2001:db8:77:8800::1", BR6, v4, n);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_later_fragment_before_first_dropped");
	n = put_v4_frag(v4, CE_V4, SERVER, 17, 0x5151, 6, 0, 8);
	frame6(&in, CE_LEGACY, BR6, v4, n);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_FRAG_NO_STATE, NULL, NULL);
	CHECK(frag_get(fkey(CE_V4, SERVER, 0x5151, 17, DIR_FROM_CE), &fv) == -ENOENT,
	      "a later fragment left a record");
	{
		struct pkt first, fwant;
		struct v4_spec f = s;

		f.ip_id = 0x5151;
		from_ce(&first, CE_LEGACY, &f);
		decapped(&fwant, &f);
		expect_run(P_XDP, &first, XDP_PASS, MAPCE_R_BR_DECAP, &fwant, NULL);
	}
	/* the BR does not buffer: the early one is gone, a resent one passes */
	frame4(&want, v4, n);
	expect_run_ev(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_spoofed_first_fragment_records_nothing");
	{
		struct v4_spec f = s;

		f.ip_id = 0x6161; /* port 0x1340 is PSID 0x34's, sent by 0x35 */
		from_ce(&in, CE35_LEGACY, &f);
		expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, NULL, NULL);
		CHECK(frag_get(fkey(CE_V4, SERVER, 0x6161, 17, DIR_FROM_CE), &fv) == -ENOENT,
		      "a spoofed first fragment left a record");
		n = put_v4_frag(v4, CE_V4, SERVER, 17, 0x6161, 6, 0, 8);
		frame6(&in, CE35_LEGACY, BR6, v4, n);
		expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_FRAG_NO_STATE, NULL, NULL);
	}
	TCASE_END();

	/* RFC 1858: a first fragment must hold the ports, not only claim them.
	 * tot_len 24 (4 bytes of UDP) in a frame with 8: the BR goes by
	 * tot_len. */
	TCASE_BEGIN("xdp_tiny_first_fragment_malformed");
	{
		struct v4_spec f = s;

		f.ip_id = 0x7171;
		f.payload = 0;
		from_ce(&in, CE_LEGACY, &f);
		put16(in.b + 54 + 2, 24);
		put16(in.b + 54 + 10, 0);
		put16(in.b + 54 + 10, rfc1071_fold(rfc1071_add(0, in.b + 54, 20)));
		expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	}
	TCASE_END();
}

static void test_frag_encap(void)
{
	struct v4_spec s = udp(SERVER, 53, CE_V4, 0x1340);
	struct pkt in, want, out;
	uint8_t v4[1600];
	uint64_t t0;
	size_t n;

	s.ip_id = 0x4343;
	s.frag = 0x2000;
	s.payload = 40;

	TCASE_BEGIN("tc_first_fragment_encapped_and_recorded");
	pkt_v4(&in, &s);
	encapped(&want, CE_LEGACY, &s, 64);
	t0 = coarse_ns();
	expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, &out);
	CHECK(v4_hdr_csum_ok(out.b + 54), "inner IPv4 header checksum");
	check_record(fkey(SERVER, CE_V4, 0x4343, 17, DIR_TO_CE), CE_LEGACY, t0);
	TCASE_END();

	TCASE_BEGIN("tc_later_fragments_follow_first");
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4343, 6, 1, 48);
	frame4(&in, v4, n);
	frame6(&want, BR6, CE_LEGACY, v4, n);
	expect_run_ev(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      NULL);
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4343, 12, 0, 21);
	frame4(&in, v4, n);
	frame6(&want, BR6, CE_LEGACY, v4, n);
	expect_run_ev(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      NULL);
	TCASE_END();

	TCASE_BEGIN("tc_later_fragment_before_first_dropped");
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4444, 6, 0, 8);
	frame4(&in, v4, n);
	expect_run(P_TC, &in, TC_ACT_SHOT, MAPCE_R_DROP_FRAG_NO_STATE, NULL, NULL);
	TCASE_END();

	/* the record is per datagram: the next one, to the neighbour PSID,
	 * takes its later fragments there */
	TCASE_BEGIN("tc_fragments_of_another_datagram_follow_their_own_first");
	{
		struct v4_spec f = s;

		f.ip_id = 0x4545;
		f.dport = 0x1350;
		pkt_v4(&in, &f);
		encapped(&want, CE35_LEGACY, &f, 64);
		expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, NULL);
		n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4545, 6, 0, 8);
		frame4(&in, v4, n);
		frame6(&want, BR6, CE35_LEGACY, v4, n);
		expect_run_ev(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP,
			      MAPCE_R_EV_BR_FRAG_FOLLOWED, &want, NULL);
	}
	TCASE_END();
}

/* A 3000-byte ping (no DF) through the BR both ways: the echo request
 * from the CE in three fragments (decap), the reply in three (encap).  The
 * echo id 0x1341 is the CE's port; only the first fragments carry it. */
static void test_frag_ping(void)
{
	struct v4_spec req = icmp(CE_V4, SERVER, 8, 0x1341);
	struct v4_spec rep = icmp(SERVER, CE_V4, 0, 0x1341);
	struct pkt in, want;
	uint8_t v4[1600];
	size_t n;

	TCASE_BEGIN("ping_3000_bytes_fragmented_both_ways");
	req.ip_id = rep.ip_id = 0x3000;
	req.frag = rep.frag = 0x2000;
	req.payload = rep.payload = 1472; /* 20 + 8 + 1472 = 1500 */
	from_ce(&in, CE_LEGACY, &req);
	decapped(&want, &req);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, NULL);
	n = put_v4_frag(v4, CE_V4, SERVER, 1, 0x3000, 185, 1, 1480);
	frame6(&in, CE_LEGACY, BR6, v4, n);
	frame4(&want, v4, n);
	expect_run_ev(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      NULL);
	n = put_v4_frag(v4, CE_V4, SERVER, 1, 0x3000, 370, 0, 28);
	frame6(&in, CE_LEGACY, BR6, v4, n);
	frame4(&want, v4, n);
	expect_run_ev(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      NULL);

	pkt_v4(&in, &rep);
	encapped(&want, CE_LEGACY, &rep, 64);
	expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, NULL);
	n = put_v4_frag(v4, SERVER, CE_V4, 1, 0x3000, 185, 1, 1480);
	frame4(&in, v4, n);
	frame6(&want, BR6, CE_LEGACY, v4, n);
	expect_run_ev(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      NULL);
	n = put_v4_frag(v4, SERVER, CE_V4, 1, 0x3000, 370, 0, 28);
	frame4(&in, v4, n);
	frame6(&want, BR6, CE_LEGACY, v4, n);
	expect_run_ev(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      NULL);
	TCASE_END();
}

static void test_frag_state(void)
{
	struct br_frag_val fv;
	struct pkt in, want;
	uint8_t v4[256];
	size_t n;

	TCASE_BEGIN("frag_state_keyed_by_direction_protocol_and_id");
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4646, 6, 0, 8);
	frame4(&in, v4, n);
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4646, 17, DIR_FROM_CE), CE35_LEGACY, 0) == 0, "put");
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4646, 6, DIR_TO_CE), CE35_LEGACY, 0) == 0, "put");
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4647, 17, DIR_TO_CE), CE35_LEGACY, 0) == 0, "put");
	CHECK(frag_put(fkey("203.0.113.11", CE_V4, 0x4646, 17, DIR_TO_CE), CE35_LEGACY, 0) == 0,
	      "put");
	expect_run(P_TC, &in, TC_ACT_SHOT, MAPCE_R_DROP_FRAG_NO_STATE, NULL, NULL);
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4646, 17, DIR_TO_CE), CE35_LEGACY, 0) == 0, "put");
	frame6(&want, BR6, CE35_LEGACY, v4, n);
	expect_run_ev(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      NULL);
	TCASE_END();

	TCASE_BEGIN("frag_state_ages_out");
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4848, 6, 0, 8);
	frame4(&in, v4, n);
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4848, 17, DIR_TO_CE), CE_LEGACY,
		       (MAPCE_FRAG_TIMEOUT_S + 1) * SEC_NS) == 0, "put");
	expect_run(P_TC, &in, TC_ACT_SHOT, MAPCE_R_DROP_FRAG_NO_STATE, NULL, NULL);
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4848, 17, DIR_TO_CE), CE_LEGACY,
		       (MAPCE_FRAG_TIMEOUT_S - 1) * SEC_NS) == 0, "put");
	frame6(&want, BR6, CE_LEGACY, v4, n);
	expect_run_ev(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, MAPCE_R_EV_BR_FRAG_FOLLOWED, &want,
		      NULL);
	TCASE_END();

	TCASE_BEGIN("frag_map_is_bounded_lru");
	CHECK(bpf_map__type(skel->maps.mapce_br_frags) == BPF_MAP_TYPE_LRU_HASH, "type %d",
	      bpf_map__type(skel->maps.mapce_br_frags));
	CHECK(bpf_map__max_entries(skel->maps.mapce_br_frags) == 16384, "max_entries %u",
	      bpf_map__max_entries(skel->maps.mapce_br_frags));
	CHECK(bpf_map__key_size(skel->maps.mapce_br_frags) == sizeof(struct mapce_frag_key),
	      "key size");
	CHECK(bpf_map__value_size(skel->maps.mapce_br_frags) == sizeof(struct br_frag_val),
	      "value size %u", bpf_map__value_size(skel->maps.mapce_br_frags));
	TCASE_END();

	/* k = 0: the address names the CE; no state, none recorded */
	TCASE_BEGIN("whole_address_rule_fragments_need_no_state");
	{
		struct v4_spec f = udp(SERVER, 53, "192.0.2.5", 7);

		f.ip_id = 0x4949;
		f.frag = 0x2000;
		pkt_v4(&in, &f);
		encapped(&want, R1_CE_LEGACY, &f, 64);
		expect_run(P_TC, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, NULL);
		CHECK(frag_get(fkey(SERVER, "192.0.2.5", 0x4949, 17, DIR_TO_CE), &fv) == -ENOENT,
		      "a k = 0 first fragment left a record");
		n = put_v4_frag(v4, "192.0.2.5", SERVER, 17, 0x4a4a, 6, 0, 8);
		frame6(&in, R1_CE_LEGACY, BR6, v4, n);
		frame4(&want, v4, n);
		expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, NULL);
	}
	TCASE_END();

	/* CE to CE: the first fragment records both ways (decap at XDP,
	 * encap at TC), the later ones follow both records. */
	TCASE_BEGIN("hairpin_fragments_ce_to_ce");
	{
		struct v4_spec f = udp(CE_V4, 0x1342, "198.51.100.19", 0x2341);
		struct pkt mid;

		f.ip_id = 0x4b4b;
		f.frag = 0x2000;
		f.payload = 40;
		from_ce(&in, CE_LEGACY, &f);
		decapped(&want, &f);
		expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, &want, &mid);
		encapped(&want, CE19_LEGACY, &f, 64);
		expect_run(P_TC, &mid, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, NULL);
		n = put_v4_frag(v4, CE_V4, "198.51.100.19", 17, 0x4b4b, 6, 0, 8);
		frame6(&in, CE_LEGACY, BR6, v4, n);
		frame4(&want, v4, n);
		expect_run_ev(P_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, MAPCE_R_EV_BR_FRAG_FOLLOWED,
			      &want, &mid);
		frame6(&want, BR6, CE19_LEGACY, v4, n);
		expect_run_ev(P_TC, &mid, TC_ACT_OK, MAPCE_R_BR_ENCAP, MAPCE_R_EV_BR_FRAG_FOLLOWED,
			      &want, NULL);
	}
	TCASE_END();
}

/* ---- GSO ------------------------------------------------------------- */

/*
 * BPF_PROG_TEST_RUN builds linear skbs and cannot set gso_type, so real
 * GSO packets (TCP from GRO or TSO, nonlinear) are the lab's: see
 * tests/lab/test_br_tcp.sh, which checks that encapsulated packets larger
 * than the MTU went out as IPv4-in-IPv6 GSO and arrived intact.  What
 * can be checked here: a GSO packet of a type the kernel cannot
 * encapsulate (gso_size set, gso_type none of TCP / UDP_L4, so
 * bpf_skb_adjust_room refuses it) is dropped and counted, never let out
 * unencapsulated.
 */
static void test_gso(void)
{
	struct v4_spec s = tcp(SERVER, 80, CE_V4, 0x1340);
	struct __sk_buff ctx_in = { .gso_size = 500, .gso_segs = 3 }, ctx_out = {};
	struct mapce_counter before[MAPCE_R__MAX], after[MAPCE_R__MAX];
	struct pkt in, out;
	int err;

	TCASE_BEGIN("tc_gso_packet_the_kernel_cannot_encapsulate_dropped");
	s.tcp_flags = 0x10;
	s.payload = 1400;
	pkt_v4(&in, &s);
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in.b, .data_size_in = (__u32)in.len,
			    .data_out = out.b, .data_size_out = sizeof(out.b), .repeat = 1,
			    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out,
			    .ctx_size_out = sizeof(ctx_out));

		counters(before);
		err = bpf_prog_test_run_opts(bpf_program__fd(P_TC), &o);
		counters(after);
		CHECK(err == 0, "test run: %s", strerror(errno));
		CHECK(o.retval == TC_ACT_SHOT, "verdict %u, want TC_ACT_SHOT", o.retval);
		for (__u32 r = 0; r < MAPCE_R__MAX; r++) {
			__u64 dp = after[r].packets - before[r].packets;

			CHECK(dp == (r == MAPCE_R_DROP_ENCAP_FAILED), "%s moved by %llu",
			      mapce_reason_names[r], (unsigned long long)dp);
		}
	}
	TCASE_END();
}

/* ---- ICMPv6 errors about encapsulated packets -------------------------- */

#define ROUTER6 "2001:db8:ffff:1::1"

/* The packet the BR sends toward ce: IPv6 (next header 4) + s at q. */
static size_t put_tunnel_pkt(uint8_t *q, const char *ce, const struct v4_spec *s)
{
	size_t n = put_v4(q + 40, s);

	put_v6_outer(q, a6(BR6), a6(ce), s->tos, 64, (uint16_t)n);
	return 40 + n;
}

/* ICMPv6 error (type, code, the 32-bit field) from src to dst quoting
 * qlen bytes of q.  The ICMPv6 checksum is the RFC 1071 oracle's, over
 * the RFC 8200 pseudo header. */
static void icmp6_err_frame(struct pkt *k, const char *src, const char *dst, uint8_t type,
			    uint8_t code, uint32_t field, const uint8_t *q, size_t qlen)
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
	memcpy(ip6 + 8, a6(src), 16);
	memcpy(ip6 + 24, a6(dst), 16);
	ic[0] = type;
	ic[1] = code;
	put16(ic + 4, (uint16_t)(field >> 16));
	put16(ic + 6, (uint16_t)field);
	memcpy(ic + 8, q, qlen);
	sum = rfc1071_add(sum, ip6 + 8, 32);
	sum += (uint32_t)(n >> 16) + (uint32_t)(n & 0xffff) + 58;
	put16(ic + 2, rfc1071_fold(rfc1071_add(sum, ic, n)));
	k->len += 40 + n;
}

/* The ICMPv4 error the BR should make: from src to dst, quoting the IPv4
 * header at qv4 and 8 bytes after it; TOS 0xc0, TTL 64, id 0, no DF. */
static void icmp4_err_frame(struct pkt *k, const char *src, const char *dst, uint8_t type,
			    uint8_t code, uint16_t mtu, const uint8_t *qv4)
{
	size_t qlen = (size_t)(qv4[0] & 0xf) * 4 + 8;
	uint8_t *ip = k->b + 14, *ic = k->b + 34;
	uint32_t s = ip4(src), d = ip4(dst);

	k->len = put_eth(k->b, 0x0800);
	memset(ip, 0, 28);
	ip[0] = 0x45;
	ip[1] = 0xc0;
	put16(ip + 2, (uint16_t)(28 + qlen));
	ip[8] = 64;
	ip[9] = 1;
	put16(ip + 12, (uint16_t)(s >> 16)); put16(ip + 14, (uint16_t)s);
	put16(ip + 16, (uint16_t)(d >> 16)); put16(ip + 18, (uint16_t)d);
	put16(ip + 10, rfc1071_fold(rfc1071_add(0, ip, 20)));
	ic[0] = type;
	ic[1] = code;
	put16(ic + 6, mtu);
	memcpy(ic + 8, qv4, qlen);
	put16(ic + 2, rfc1071_fold(rfc1071_add(0, ic, 8 + qlen)));
	k->len += 28 + qlen;
}

static void check_icmp4(const struct pkt *k)
{
	size_t tot = get16(k->b + 14 + 2);

	CHECK(v4_hdr_csum_ok(k->b + 14), "ICMPv4 packet: IPv4 header checksum");
	CHECK(k->len == 14 + tot && rfc1071_fold(rfc1071_add(0, k->b + 34, tot - 20)) == 0,
	      "ICMPv4 checksum");
}

/* A full-size download segment (1460 bytes, DF) the BR sent to the CE,
 * quoted as a router that cannot forward 1500 bytes quotes it: the first
 * 1232 bytes (1280 - 40 - 8). */
static size_t big_quote(uint8_t *q, const char *ce, struct v4_spec s)
{
	size_t n;

	s.tcp_flags = 0x10;
	s.frag = 0x4000;
	s.payload = 1420;
	n = put_tunnel_pkt(q, ce, &s);
	return n > 1232 ? 1232 : n;
}

static void test_icmp6_errors(void)
{
	struct v4_spec s = tcp(SERVER, 80, CE_V4, 0x1340);
	struct pkt in, want, out;
	uint8_t q[1600];
	size_t qn;

	TCASE_BEGIN("xdp_ptb_becomes_icmp4_frag_needed_to_the_server");
	qn = big_quote(q, CE_LEGACY, s);
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	icmp4_err_frame(&want, CE_V4, SERVER, 3, 4, 1360, q + 40);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, &want, &out);
	check_icmp4(&out);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_mtu_clamped");
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1000, q, qn); /* below 1280 */
	icmp4_err_frame(&want, CE_V4, SERVER, 3, 4, 1240, q + 40);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, &want, NULL);
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 70000, q, qn); /* jumbo */
	icmp4_err_frame(&want, CE_V4, SERVER, 3, 4, 0xffff, q + 40);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_icmp6_other_errors_become_host_unreachable");
	{
		static const uint8_t types[][2] = { { 1, 3 }, { 1, 0 }, { 3, 0 }, { 4, 1 } };

		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			icmp6_err_frame(&in, ROUTER6, BR6, types[i][0], types[i][1], 0, q, qn);
			icmp4_err_frame(&want, CE_V4, SERVER, 3, 1, 0, q + 40);
			expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, &want, &out);
			check_icmp4(&out);
		}
	}
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_about_udp_and_echo_reply_whole_quotes");
	{
		struct v4_spec u = udp(SERVER, 53, CE_V4, 0xf34f);
		struct v4_spec e = icmp(SERVER, CE_V4, 0, 0x5342);

		qn = put_tunnel_pkt(q, CE_LEGACY, &u);
		icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1280, q, qn);
		icmp4_err_frame(&want, CE_V4, SERVER, 3, 4, 1240, q + 40);
		expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, &want, &out);
		check_icmp4(&out);
		qn = put_tunnel_pkt(q, CE_LEGACY, &e);
		icmp6_err_frame(&in, ROUTER6, BR6, 3, 0, 0, q, qn);
		icmp4_err_frame(&want, CE_V4, SERVER, 3, 1, 0, q + 40);
		expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, &want, NULL);
	}
	TCASE_END();

	/* an odd-length ICMPv6 message: the checksum pads the last byte */
	TCASE_BEGIN("xdp_ptb_odd_length_quote");
	qn = big_quote(q, CE_LEGACY, s) - 1;
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	icmp4_err_frame(&want, CE_V4, SERVER, 3, 4, 1360, q + 40);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_bad_checksum_dropped");
	qn = big_quote(q, CE_LEGACY, s);
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	in.b[56] ^= 0x01; /* the checksum itself */
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	in.b[in.len - 1] ^= 0x80; /* the last quoted byte: all of it is summed */
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	in.b[14 + 8] ^= 0x01; /* the source: the pseudo header counts */
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_quoting_a_packet_to_the_wrong_ce_spoofed");
	qn = big_quote(q, CE35_LEGACY, s); /* port 0x1340 is PSID 0x34's */
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, NULL, NULL);
	qn = big_quote(q, CE_LEGACY, tcp(SERVER, 80, CE_V4, 0x0340)); /* A = 0 */
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_PORT_OUT_OF_SET, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_quote_outside_rules_no_rule");
	qn = big_quote(q, CE_LEGACY, tcp(SERVER, 80, "203.0.113.99", 0x1340));
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_NO_RULE, NULL, NULL);
	TCASE_END();

	/* RFC 1122 §3.2.2: no error about a later fragment or an ICMP error */
	TCASE_BEGIN("xdp_ptb_about_later_fragment_or_icmp_error_not_translated");
	{
		uint8_t v4[1600];
		struct v4_spec e = udp(CE_V4, 0x2346, SERVER, 33434);
		size_t n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4d4d, 185, 0, 1400);

		put_v6_outer(q, a6(BR6), a6(CE_LEGACY), 0, 64, (uint16_t)n);
		memcpy(q + 40, v4, n);
		icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, 1232);
		expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_UNSUPPORTED, NULL, NULL);
		n = put_icmp_err(v4, ip4("203.0.113.1"), ip4(CE_V4), 11, 0, &e);
		put_v6_outer(q, a6(BR6), a6(CE_LEGACY), 0, 64, (uint16_t)n);
		memcpy(q + 40, v4, n);
		icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1280, q, 40 + n);
		expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_UNSUPPORTED, NULL, NULL);
	}
	TCASE_END();

	TCASE_BEGIN("xdp_icmp6_error_about_other_traffic_passes");
	qn = big_quote(q, CE_LEGACY, s);
	memcpy(q + 8, a6("2001:db8:ffff:1::2"), 16); /* the BR host's own packet */
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
	qn = big_quote(q, CE_LEGACY, s);
	q[6] = 17; /* not IPv4-in-IPv6 */
	icmp6_err_frame(&in, ROUTER6, BR6, 1, 4, 0, q, qn);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, 16); /* quotes no IPv6 header */
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
	icmp6_err_frame(&in, ROUTER6, "2001:db8:ffff::65", 2, 0, 1400, q, 16); /* not to us */
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_PASS_NATIVE, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_truncated_malformed");
	qn = big_quote(q, CE_LEGACY, s);
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	in.len -= 2; /* payload length says more than the frame has */
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, 40 + 12); /* 12 bytes of IPv4 */
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, 40 + 30); /* TCP header cut */
	expect_run(P_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_ptb_whole_address_rule");
	qn = big_quote(q, R1_CE_LEGACY, udp(SERVER, 53, "192.0.2.5", 7));
	icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, qn);
	icmp4_err_frame(&want, "192.0.2.5", SERVER, 3, 4, 1360, q + 40);
	expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, &want, NULL);
	TCASE_END();

	/* CE to CE: the error goes to a CE, which the kernel routes back out
	 * of the device and TC encapsulates to the CE the quote names. */
	TCASE_BEGIN("xdp_ptb_about_hairpin_packet_goes_back_to_the_ce");
	{
		struct v4_spec h = udp(CE_V4, 0x1342, "198.51.100.19", 0x2341);
		struct pkt mid;

		h.payload = 1432;
		h.frag = 0x4000;
		qn = put_tunnel_pkt(q, CE19_LEGACY, &h);
		icmp6_err_frame(&in, ROUTER6, BR6, 2, 0, 1400, q, 1232);
		icmp4_err_frame(&want, "198.51.100.19", CE_V4, 3, 4, 1360, q + 40);
		expect_run(P_XDP, &in, XDP_PASS, MAPCE_R_ICMP6_ERR_TRANSLATED, &want, &mid);
		want.len = put_eth(want.b, 0x86dd);
		want.len += put_v6_outer(want.b + 14, a6(BR6), a6(CE_LEGACY), 0xc0, 64,
					 (uint16_t)(mid.len - 14));
		memcpy(want.b + 54, mid.b + 14, mid.len - 14);
		want.len += mid.len - 14;
		expect_run(P_TC, &mid, TC_ACT_OK, MAPCE_R_BR_ENCAP, &want, NULL);
	}
	TCASE_END();
}

int main(void)
{
	if (geteuid() != 0) {
		TSKIP("br_programs", "needs root for BPF_PROG_TEST_RUN");
		return 0;
	}
	TCASE_BEGIN("br_object_loads_and_verifies");
	CHECK(fx_open() == 0, "load or map setup failed (see the libbpf log above)");
	TCASE_END();
	if (t_failed) {
		if (skel)
			mapce_br__destroy(skel);
		return t_exit();
	}
	test_decap();
	test_unsupported();
	test_decap_icmp_error();
	test_malformed();
	test_native();
	test_destopt();
	test_encap();
	test_encap_icmp_error();
	test_hairpin();
	test_other_rules();
	test_frag_decap();
	test_frag_encap();
	test_frag_ping();
	test_frag_state();
	test_gso();
	test_icmp6_errors();
	mapce_br__destroy(skel);
	return t_exit();
}
