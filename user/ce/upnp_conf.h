/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * upnp_conf.h - the miniupnpd configuration for a running CE (`mapce
 * upnp-config`): its external address is the CE's shared IPv4, it may
 * map only the ports of the set (one `allow` line per range, then `deny`
 * everything), it writes the lease file `mapce run --upnp-leases` reads,
 * and its own netfilter rules go to chains no hook reaches (the datapath
 * is mapce's: see the text written).  Pure: text only.
 */
#ifndef MAPCE_CE_UPNP_CONF_H
#define MAPCE_CE_UPNP_CONF_H

#include <net/if.h>
#include <stdio.h>
#include "mapce_abi.h"

/* The nftables table (family inet) and chains the generated config names;
 * data/miniupnpd/mapce-upnp.nft makes them, without hooks. */
#define UPNP_NFT_TABLE "mapce_upnp"
#define UPNP_NFT_FORWARD "miniupnpd"
#define UPNP_NFT_PRE "prerouting_miniupnpd"
#define UPNP_NFT_POST "postrouting_miniupnpd"
#define UPNP_LEASES_DEFAULT "/var/lib/miniupnpd/upnp.leases"

struct upnp_conf {
	char wan[IF_NAMESIZE], lan[IF_NAMESIZE];
	const char *leases;	 /* the lease file's absolute path */
	struct mapce_config cfg; /* the running CE's */
};

/* Write the configuration to f. */
void upnp_conf_write(FILE *f, const struct upnp_conf *c);

#endif
