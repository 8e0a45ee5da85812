/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * modes.h - what the service (cfg->mode, mapce_abi.h MAPCE_MODE_*) changes
 * in the one CE datapath.  MAP-E and lw4o6 translate into a port set;
 * ipip6 into a fixed address over ports 1024-65535, with what matches no
 * binding left to the box's own stack; DS-Lite translates nothing (the
 * AFTR does).  Every mode tunnels to br_ipv6 (the BR, the AFTR, the
 * lwAFTR or the RFC 2473 endpoint) from ce_ipv6.
 */
#ifndef MAPCE_BPF_CE_MODES_H
#define MAPCE_BPF_CE_MODES_H

#include "vmlinux.h"
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
