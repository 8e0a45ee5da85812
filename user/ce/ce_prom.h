/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce_prom.h - a running CE's state as Prometheus metrics (core/prom.h):
 * every reason counter (packets and bytes), the port set and its use per
 * protocol, the bindings per protocol and type, the flows per protocol
 * and state, the mappings and limit refusals per LAN host, the learned
 * path MTU toward the BR.  Read first (ce_prom_collect, under the
 * caller's lock), then written (ce_prom_write: to stdout for `mapce stats
 * --prometheus`, through atomic_write() for `mapce run
 * --prometheus-file`), so a write never waits on the maps.
 */
#ifndef MAPCE_CE_PROM_H
#define MAPCE_CE_PROM_H

#include <stdio.h>
#include <net/if.h>
#include "mapce_flow.h"
#include "ce/port_use.h"

struct ce_prom {
	char wan[IF_NAMESIZE];
	struct mapce_config cfg;
	struct mapce_counter sum[MAPCE_R__MAX];
	struct port_use use;
	__u32 flows[PU__N][MAPCE_FS__MAX];
	__u32 pmtu; /* 0: none learned */
};

/* 0, or -errno with the message in err (-ENOENT: not up on wan). */
int ce_prom_collect(const char *wan, struct ce_prom *p, char *err, size_t errlen);
/* ctx: a struct ce_prom (atomic_write()'s writer signature). */
void ce_prom_write(FILE *f, const void *ctx);
void ce_prom_free(struct ce_prom *p);

/* Collect under a shared lock and replace path with the metrics
 * (atomic_write: a scraper never reads half a file).  0, or -errno with
 * the message in err. */
int ce_prom_file_update(const char *wan, const char *path, char *err, size_t errlen);

#endif
