/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mode.h - the IPv4-over-IPv6 service a CE runs (`--mode`, config key
 * `mode`): its names and their parsing.  The values are mapce_abi.h's
 * MAPCE_MODE_*, which the datapath reads from the config (bpf/ce/modes.h).
 *
 *   map-e    RFC 7597 (the default)
 *   ipip6    a fixed IPv4 address over an RFC 2473 tunnel
 *   dslite   RFC 6333 B4
 *   lw4o6    RFC 7596 lwB4
 *
 * MAP-T (RFC 7599) is refused by name: no Japanese service uses it.
 */
#ifndef MAPCE_CORE_MODE_H
#define MAPCE_CORE_MODE_H

#include <stddef.h>
#include <linux/types.h>

/* mode auto: the service the line's HB46PP server orders (sys/hb46pp_ask.h,
 * ce/auto_mode.h).  A setting only: replaced by the ordered mode before
 * any plan, never in the datapath's config (not an MAPCE_MODE_* of the ABI). */
#define MAPCE_MODE_AUTO 0xff

/* The mode's name ("map-e"...), "?" for an unknown value. */
const char *mode_str(__u8 mode);
/* 0 and *mode set, or -1 with a message naming s in err. */
int mode_parse(const char *s, __u8 *mode, char *err, size_t errlen);

struct mapce_config;

/* ipip6's NAPT gives out ports 1024-65535 only (bpf/ce/napt.h, modes.h
 * mode_low_ports: the system ports stay the box's and the forwards'). */
#define MAPCE_IPIP6_NAPT_FIRST 1024u

/* The ports the NAPT of config c really gives out: its port set (MAP-E,
 * lw4o6), 1024-65535 (ipip6), none (DS-Lite: the AFTR translates). */
__u32 mode_napt_port_count(const struct mapce_config *c);

/* RFC 6333 section 5.7: the B4's and the AFTR's IPv4 addresses. */
#define MAPCE_DSLITE_B4_IPV4 0xc0000002u   /* 192.0.0.2, host order */
#define MAPCE_DSLITE_AFTR_IPV4 0xc0000001u /* 192.0.0.1 */

#endif
