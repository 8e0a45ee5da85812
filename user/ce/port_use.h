/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * port_use.h - who uses the port set of a running CE, read from its pinned
 * maps: the claims per protocol (mapce_ports: in use, held by forwards),
 * the mappings per protocol (mapce_bind: dynamic, forwards, overlapped
 * onto a port another mapping owns) and per LAN host (mapce_bind by
 * inside address, with the datapath's accounting from mapce_hosts: held
 * against --max-per-host and the refusals at it).  One reader behind
 * `mapce status`, `mapce ports` and `mapce stats --prometheus`.
 */
#ifndef MAPCE_PORT_USE_H
#define MAPCE_PORT_USE_H

#include <stdbool.h>
#include <stddef.h>
#include "ce/ce_maps.h"

/* The protocols a port set serves (ICMP: query identifiers). */
enum { PU_TCP, PU_UDP, PU_ICMP, PU__N };
extern const char *const port_use_proto_names[PU__N];

/* One inside host: its mappings per protocol (mapce_bind; forwards are
 * STATIC ones) and the datapath's accounting (mapce_hosts), if any. */
struct host_use {
	__be32 ip;
	__u32 proto[PU__N], total;
	__u32 forwards;	  /* STATIC bindings (port forward targets) */
	bool accounted;	  /* has a mapce_hosts entry */
	__u32 held;	  /* mapce_host.bindings: dynamic mappings counted */
	__u64 limit_hits; /* new mappings refused by max_per_host */
};

struct port_use {
	/* mapce_ports claims of the CE's address, per protocol */
	__u32 in_use[PU__N];
	__u32 claimed_forwards[PU__N]; /* of those, STATIC (forwards) */
	/* mapce_bind mappings per protocol */
	__u32 mappings[PU__N];
	__u32 forwards[PU__N];	 /* STATIC */
	__u32 overlapped[PU__N]; /* MAPCE_BIND_F_OVERLAP: share a claimed port */
	/* per LAN host, busiest first (total, then address) */
	struct host_use *hosts;
	size_t n_hosts, cap;
	bool partial; /* out of memory: the host table is incomplete */
};

/* The index of an IP protocol number, -1 for others. */
int port_use_proto(__u8 proto);

/* Read the maps of m (c: its config, for the CE's address).  0, or
 * -errno when mapce_ports or mapce_bind is missing; free with
 * port_use_free() either way. */
int port_use_read(const struct ce_maps *m, const struct mapce_config *c, struct port_use *u);
void port_use_free(struct port_use *u);

/* The per-host rows with out_*() under the array key "hosts" (text: at
 * most text_max rows, then "... N more"). */
void port_use_print_hosts(const struct port_use *u, const struct mapce_config *c, size_t text_max);

#endif
