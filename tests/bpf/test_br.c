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
 * length in bytes.  Covered: decap/encap of TCP, UDP and ICMP echo, range
 * edges, spoofing (port, address, IPv6 source, IID format), ports of no
 * PSID, fragments and other unattributable packets, ICMP errors attributed
 * by their quote, malformed headers, native passthrough, the RFC 2473
 * encapsulation limit option, hairpin (XDP output fed to TC), rules
 * without sharing and with an IPv4 prefix per CE, the RFC 7597 IID.
 */
#include <errno.h>
#include <stdlib.h>
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
 * moved by one packet and in->len bytes, and the output is expect (or,
 * when expect is NULL, the input unchanged).
 */
static void expect_run(struct bpf_program *prog, const struct pkt *in, int verdict, __u32 reason,
		       const struct pkt *expect, struct pkt *out_ret)
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

		if (r == reason)
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

	s = udp(CE_V4, 0x1340, SERVER, 53);
	s.frag = 0x2000; /* MF: a first fragment */
	decap_drop("xdp_first_fragment_unsupported", CE_LEGACY, s, MAPCE_R_BR_DROP_UNSUPPORTED);
	s.frag = 0x0010; /* offset 128, no transport header */
	decap_drop("xdp_later_fragment_unsupported", CE_LEGACY, s, MAPCE_R_BR_DROP_UNSUPPORTED);
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
	s = udp(SERVER, 53, CE_V4, 0x1340);
	s.frag = 0x0020;
	encap_drop("tc_fragment_to_shared_address_dropped", s, MAPCE_R_BR_DROP_UNSUPPORTED);
	s.frag = 0x2000; /* MF, offset 0: has ports, but its tail could not follow */
	encap_drop("tc_first_fragment_to_shared_address_dropped", s, MAPCE_R_BR_DROP_UNSUPPORTED);

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
	mapce_br__destroy(skel);
	return t_exit();
}
