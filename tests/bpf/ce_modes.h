/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce_modes.h - the lab CE (tests/bpf/ce.h) in its other services
 * (bpf/ce/modes.h), for tests/bpf/test_ce_modes*.c: each mode's
 * configuration as `mapce up --mode M` writes it, and its tunnel frames.
 *
 *   dslite  the B4 on the WAN's address, 192.0.0.2, no port set
 *   ipip6   the fixed address over the WAN /64 + its legacy IID, PSID 0,
 *           ports 1024-65535
 *   lw4o6   the fixture's port set, on the WAN's address
 * Every mode's far end (AFTR, RFC 2473 endpoint, lwAFTR) is BR6.
 */
#ifndef MAPCE_TEST_CE_MODES_H
#define MAPCE_TEST_CE_MODES_H

#include "bpf/ce.h"

#define WAN6 "2001:db8:12:3400::1"		 /* the WAN's global address */
#define FIXED_V4 IP4(198, 51, 100, 123)		 /* ipip6's fixed address */
#define FIXED6 "2001:db8:12:3400:c6:3364:7b00:0" /* WAN /64 + legacy IID, PSID 0 */
#define ALIEN6 "2001:db8:ff00::77"		 /* not the far end */
#define ROUTED_V4 IP4(198, 51, 100, 122)	 /* a LAN host's, of 198.51.100.120/29 */
#define OUTSIDE_V4 IP4(198, 51, 100, 128)	 /* just past that prefix */
#define B4_V4 IP4(192, 0, 0, 2)			 /* RFC 6333 section 5.7 */

static inline void mode_dslite(void)
{
	fx.cfg.mode = MAPCE_MODE_DSLITE;
	ip6(WAN6, fx.cfg.ce_ipv6);
	fx.cfg.ipv4 = htonl(B4_V4);
	fx.cfg.psid = 0;
	fx.cfg.psid_len = 0;
	fx.cfg.psid_offset = 0;
	fx.cfg.port_count = 0;
	fx.cfg.mss_clamp = 1420;
	CHECK(fx_config() == 0);
}

static inline void mode_ipip6(void)
{
	fx.cfg.mode = MAPCE_MODE_IPIP6;
	ip6(FIXED6, fx.cfg.ce_ipv6);
	fx.cfg.ipv4 = htonl(FIXED_V4);
	fx.cfg.psid = 0;
	fx.cfg.psid_len = 0;
	fx.cfg.psid_offset = 6;
	fx.cfg.port_count = mapce_port_count(6, 0);
	CHECK(fx_config() == 0);
}

/* ipip6 with the routed prefix 198.51.100.120/29 (--ipv4 ADDR/LEN): NAPT
 * into FIXED_V4 as before, the rest of the prefix carried untranslated. */
static inline void mode_ipip6_prefix(void)
{
	fx.cfg.ipv4_prefix_len = 29;
	fx.cfg.mss_clamp = 1420;
	mode_ipip6();
}

static inline void mode_lw4o6(void)
{
	fx.cfg.mode = MAPCE_MODE_LW4O6;
	ip6(WAN6, fx.cfg.ce_ipv6); /* the port set: the fixture's */
	CHECK(fx_config() == 0);
}

/* A forward of proto/port on ipip6's fixed address to ip:iport, as
 * `mapce portmap` writes it (mapce_ports and mapce_bind, static). */
static inline void ipip6_forward(uint8_t proto, uint16_t port, uint32_t ip, uint16_t iport)
{
	struct mapce_endpoint out = { .ip = htonl(FIXED_V4), .port = htons(port), .proto = proto };
	struct mapce_endpoint in = { .ip = htonl(ip), .port = htons(iport), .proto = proto };
	struct mapce_binding owner = { .ip = htonl(ip),
				       .port = htons(iport),
				       .flags = MAPCE_BIND_F_STATIC };
	struct mapce_binding bind = { .ip = htonl(FIXED_V4),
				      .port = htons(port),
				      .flags = MAPCE_BIND_F_STATIC };

	CHECK(ce_claim(&out, &owner, BPF_ANY) == 0);
	CHECK(bpf_map__update_elem(fx.ce->maps.mapce_bind, &in, sizeof(in), &bind, sizeof(bind),
				   0) == 0);
}

/* The tunnel frame from src6 to the mode's tunnel address (dst6). */
static inline void frame_to(struct pkt *k, const char *src6, const char *dst6,
			    const struct v4_spec *s)
{
	pkt_v6v4(k, a6(src6), a6(dst6), s);
}

#endif
