/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * br.h - the BR's world for the BR tests (tests/bpf/test_br*.c): its
 * rules, the CEs behind them, their packets and the frames the BR must
 * emit, and the row builders of the case tables.
 *
 * Three rules:
 *   R0  2001:db8::/40     -> 198.51.100.0/24, EA 16, offset 4 (v6plus-style:
 *       k 8, 15 ranges of 16 ports; CE 198.51.100.18 PSID 0x34 owns
 *       0x1340-0x134f ... 0xf340-0xf34f)
 *   R1  2001:db8:100::/40 -> 192.0.2.0/25, EA 7: one whole address per CE
 *   R2  2001:db8:200::/40 -> 192.0.2.128/25, EA 3: one /28 per CE
 * Expected CE addresses are literals worked out by hand from RFC 7597 §6
 * (see the comments), not computed with include/mapce_rule.h, so the
 * tests check the math the programs use.  One BR serves every case of a
 * binary; a case that changes the configuration puts it back.
 */
#ifndef MAPCE_TEST_BR_H
#define MAPCE_TEST_BR_H

#include "bpf/fixture.h"

/* 2001:db8::/40 + EA 0x12 0x34 -> 2001:db8:12:3400::/56; legacy IID
 * 00 | c6.33.64.12 | 0034 | 00 (the lab CE's), RFC IID 0000 | c633:6412 | 0034 */
#define CE_LEGACY CE_MAP6
#define CE_RFC "2001:db8:12:3400:0:c633:6412:34"
/* the neighbour CE 198.51.100.18 PSID 0x35 (ports 0x1350-0x135f, ...) */
#define CE35_LEGACY "2001:db8:12:3500:c6:3364:1200:3500"
/* 198.51.100.19 PSID 0x34 */
#define CE19_V4 IP4(198, 51, 100, 19)
#define CE19_LEGACY "2001:db8:13:3400:c6:3364:1300:3400"
/* R1: 192.0.2.5 -> EA 0000101 in bits 40..46 -> 2001:db8:10a::/47;
 * legacy IID 00 | c0.00.02.05 | 0000 | 00 */
#define R1_CE_V4 IP4(192, 0, 2, 5)
#define R1_CE_LEGACY "2001:db8:10a:0:c0:2:500:0"
/* R2: 192.0.2.150 is in 192.0.2.144/28: EA = suffix 0010110 >> 4 = 001
 * in bits 40..42 -> 2001:db8:220::/43; the IID carries 192.0.2.144 */
#define R2_CE_V4 IP4(192, 0, 2, 150)
#define R2_CE_LEGACY "2001:db8:220:0:c0:2:9000:0"
#define R2_CE_RFC "2001:db8:220::c000:290:0"
/* an address of the IPv4 internet next to the server */
#define HOP_V4 IP4(203, 0, 113, 1)

#define BR_ON (MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID)

/* Load the BR with its three rules.  0 on success. */
static inline int br_open(void)
{
	struct mapce_rule r;

	if (fx_open_br())
		return -1;
	fx_lab_rule(&r);
	if (fx_br_add_rule(0, &r))
		return -1;
	fx_rule(&r, "2001:db8:100::", 40, IP4(192, 0, 2, 0), 25, 7, 0);
	if (fx_br_add_rule(1, &r))
		return -1;
	fx_rule(&r, "2001:db8:200::", 40, IP4(192, 0, 2, 128), 25, 3, 0);
	return fx_br_add_rule(2, &r);
}

/*
 * A test binary's start: the BR loaded, or the case
 * "br_object_loads_and_verifies" failed (reported as passed too when
 * report_ok).  Without root it is skipped.  0 when the tests can run.
 */
static inline int br_start(int report_ok)
{
	int err;

	if (geteuid() != 0) {
		TSKIP("br_programs", "needs root for BPF_PROG_TEST_RUN");
		return -1;
	}
	err = br_open();
	if (err || report_ok) {
		TCASE_BEGIN("br_object_loads_and_verifies");
		CHECK(err == 0, "load or map setup failed (see the libbpf log above)");
		TCASE_END();
	}
	return err;
}

/* Configuration flags and hop limit. */
static inline void br_config(__u8 flags, __u8 hop_limit)
{
	fx.cfg.flags = flags;
	fx.cfg.hop_limit = hop_limit;
	fx_config();
}

/* ---- packets -------------------------------------------------------------- */

/* Packets of the BR tests (overrides after the defaults: see fixture.h). */
#define TCP(s, sp, d, dp, ...)                                                    \
	{                                                                         \
		.src = (s), .dst = (d), .proto = 6, .sport = (sp), .dport = (dp), \
		.tcp_flags = 0x02, .ip_id = 7, .payload = 11, __VA_ARGS__         \
	}
#define UDP(s, sp, d, dp, ...)                                                                 \
	{                                                                                      \
		.src = (s), .dst = (d), .proto = 17, .sport = (sp), .dport = (dp), .ip_id = 9, \
		.payload = 5, __VA_ARGS__                                                      \
	}
#define ICMP(s, d, type, id, ...)                                                       \
	{                                                                               \
		.src = (s), .dst = (d), .proto = 1, .sport = (id), .icmp_type = (type), \
		.payload = 16, __VA_ARGS__                                              \
	}

static inline struct v4_spec tcp(uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp)
{
	return (struct v4_spec)TCP(src, sp, dst, dp);
}

static inline struct v4_spec udp(uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp)
{
	return (struct v4_spec)UDP(src, sp, dst, dp);
}

static inline struct v4_spec icmp(uint32_t src, uint32_t dst, uint8_t type, uint16_t id)
{
	return (struct v4_spec)ICMP(src, dst, type, id);
}

/* ---- frames ---------------------------------------------------------------- */

/* A CE's packet as it reaches the BR. */
static inline void from_ce(struct pkt *k, const char *ce, const struct v4_spec *s)
{
	pkt_v6v4(k, a6(ce), a6(BR6), s);
}

/* The decapsulated frame: same MACs, ethertype IPv4, the inner packet. */
static inline void decapped(struct pkt *k, const struct v4_spec *s)
{
	pkt_v4(k, s);
}

/* The encapsulated frame the BR sends to ce (hop limit hl). */
static inline void encapped(struct pkt *k, const char *ce, const struct v4_spec *s, uint8_t hl)
{
	pkt_v6v4(k, a6(BR6), a6(ce), s);
	k->b[14 + 7] = hl;
}

/* The IPv4 ICMP error (type, code) from src to dst quoting q's first 28
 * bytes, as a router sends it; returns its length. */
static inline size_t put_icmp_err_about(uint8_t *p, uint32_t src, uint32_t dst, uint8_t type,
					uint8_t code, const struct v4_spec *q)
{
	uint8_t quoted[PKT_MAX];
	size_t qlen = put_v4(quoted, q);
	struct icmp4_err e = { .src = src,
			       .dst = dst,
			       .type = type,
			       .code = code,
			       .quote = quoted,
			       .qlen = qlen > 28 ? 28 : qlen };

	return put_icmp4_err(p, &e);
}

/* ---- one packet, checked ----------------------------------------------------- */

#define expect_decap(ce, s, events) br_expect_decap(__FILE__, __LINE__, ce, s, events)
/* The CE's packet s is decapsulated (with the events). */
static inline int br_expect_decap(const char *file, int line, const char *ce,
				  const struct v4_spec *s, __u64 events)
{
	struct pkt in, want;

	from_ce(&in, ce, s);
	decapped(&want, s);
	return fx_expect_run(file, line, FX_XDP, &in, NULL, XDP_PASS, MAPCE_R_BR_DECAP, events,
			     &want, NULL);
}

#define expect_encap(ce, s, events) br_expect_encap(__FILE__, __LINE__, ce, s, events)
/* The packet s for a CE is encapsulated to ce (with the events). */
static inline int br_expect_encap(const char *file, int line, const char *ce,
				  const struct v4_spec *s, __u64 events)
{
	struct pkt in, want;

	pkt_v4(&in, s);
	encapped(&want, ce, s, 64);
	return fx_expect_run(file, line, FX_TC_EGRESS, &in, NULL, TC_ACT_OK, MAPCE_R_BR_ENCAP,
			     events, &want, NULL);
}

/* ---- row builders --------------------------------------------------------------- */

/* The row's packet from the CE peer6; from the IPv4 internet. */
static inline void in_from_ce(struct pkt *in, const struct fx_row *r)
{
	from_ce(in, r->peer6, &r->v4);
}

static inline void in_from_net(struct pkt *in, const struct fx_row *r)
{
	pkt_v4(in, &r->v4);
}

/* Decapsulated; encapsulated to the CE peer6 (hop limit 64). */
static inline void want_decapped(struct pkt *want, const struct pkt *in, const struct fx_row *r)
{
	decapped(want, &r->v4);
}

static inline void want_encapped(struct pkt *want, const struct pkt *in, const struct fx_row *r)
{
	encapped(want, r->peer6, &r->v4, 64);
}

/* Rows: { SHORTHAND(name, ...), .peer6 = the CE, .v4 = the packet }. */
#define DECAP(n)                                                          \
	.name = n, .prog = FX_XDP, .in = in_from_ce, .verdict = XDP_PASS, \
	.reason = MAPCE_R_BR_DECAP, .want = want_decapped, .csums = 1
#define DECAP_DROP(n, why) \
	.name = n, .prog = FX_XDP, .in = in_from_ce, .verdict = XDP_DROP, .reason = MAPCE_R_##why
#define ENCAP(n)                                                                  \
	.name = n, .prog = FX_TC_EGRESS, .in = in_from_net, .verdict = TC_ACT_OK, \
	.reason = MAPCE_R_BR_ENCAP, .want = want_encapped, .csums = 1
#define ENCAP_DROP(n, why)                                                          \
	.name = n, .prog = FX_TC_EGRESS, .in = in_from_net, .verdict = TC_ACT_SHOT, \
	.reason = MAPCE_R_##why

/* One BR for every case: the rows share it. */
static inline void br_run_rows(const struct fx_row *rows, size_t n)
{
	fx_run_rows(rows, n, NULL);
}

#endif
