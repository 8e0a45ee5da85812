/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * modes.h - what the service (cfg->mode, mapce_abi.h MAPCE_MODE_*) changes
 * in the one CE datapath.  MAP-E and lw4o6 translate into a port set;
 * ipip6 into a fixed address over ports 1024-65535, with what matches no
 * binding left to the box's own stack, and the rest of a routed prefix
 * (--ipv4 ADDR/LEN) carried as it is both ways; DS-Lite translates
 * nothing (the AFTR does).  Every mode tunnels to br_ipv6 (the BR, the AFTR, the
 * lwAFTR or the RFC 2473 endpoint) from ce_ipv6.
 */
#ifndef MAPCE_BPF_CE_MODES_H
#define MAPCE_BPF_CE_MODES_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"

/* Does this mode NAPT at all?  (DS-Lite: the AFTR does.) */
static __always_inline int mode_napt(const struct mapce_config *cfg)
{
	return cfg->mode != MAPCE_MODE_DSLITE;
}

/* Is this the fixed-address mode, whose address is also the box's own? */
static __always_inline int mode_ipip6(const struct mapce_config *cfg)
{
	return cfg->mode == MAPCE_MODE_IPIP6;
}

/*
 * Is a (not ipv4 itself) an address of ipip6's routed prefix: held by a
 * LAN host, carried untranslated both ways?  cfg->ipv4_prefix_len is 32
 * without a prefix; a length the loader never writes (0, a config of an
 * older mapce, or below MAPCE_IPV4_PREFIX_MIN) means no prefix either,
 * never "everything".
 */
static __always_inline int mode_routed(const struct mapce_config *cfg, __be32 a)
{
	__u32 len = cfg->ipv4_prefix_len;
	__be32 mask;

	if (!mode_ipip6(cfg) || len < MAPCE_IPV4_PREFIX_MIN || len >= 32 || a == cfg->ipv4)
		return 0;
	/* 24 <= len < 32 here: the shift is defined */
	mask = bpf_htonl(0xffffffffu << (32 - len));
	return ((a ^ cfg->ipv4) & mask) == 0;
}

/* May a port below 1024 be given to an inside port below 1024?  Only in a
 * MAP-E set without PSID; ipip6 keeps the system ports for the box's own
 * services (and forwards), NAPT uses 1024-65535. */
static __always_inline int mode_low_ports(const struct mapce_config *cfg)
{
	return !mode_ipip6(cfg);
}

/* Is the (fixed) destination port one a forward may use?  A forward of
 * ipip6 takes any port; MAP-E's must lie in the port set. */
static __always_inline int mode_any_port(const struct mapce_config *cfg)
{
	return mode_ipip6(cfg);
}

#endif
