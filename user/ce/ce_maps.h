/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce_maps.h - read a running CE's pinned maps (MAPCE_PIN_ROOT/<wan>/):
 * what `mapce status`, `stats` and `flows` print.  Read-only.
 */
#ifndef MAPCE_CE_MAPS_H
#define MAPCE_CE_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include "mapce_abi.h"
#include "core/policy.h"

#define CE_MAX_WANS 64

struct ce_maps {
	char wan[IF_NAMESIZE];
	char dir[256];
	/* fds of the pinned maps, -1 when a map is not pinned */
	int config, rules, flow_out, flow_in, bind, ports, stats, hosts, pmtu;
};

/* The WANs a reader acts on: wan (when not NULL) or every pin dir.
 * Returns how many (at most max), or -ENOENT: wan is not up, or none is. */
int ce_wans(const char *wan, char (*names)[IF_NAMESIZE], int max);

/* Why ce_wan_one() found no single WAN among several. */
struct ce_wan_choice {
	int n_up;		    /* WANs with pinned maps */
	int n_here;		    /* of those, in this network namespace */
	char first[2][IF_NAMESIZE]; /* the first two, for a message */
};
/* One WAN for stats/flows/portmap: wan, or the only one that is up, or
 * the only one of several whose interface is in this network namespace.
 * 0 (its name in out), -ENOENT (wan not up, or none is), -ENOTUNIQ
 * (several, *why says how many). */
int ce_wan_one(const char *wan, char out[IF_NAMESIZE], struct ce_wan_choice *why);

/* 0, or -ENOENT when wan is not up (no pinned mapce_config). */
int ce_maps_open(const char *wan, struct ce_maps *m);
void ce_maps_close(struct ce_maps *m);
int ce_maps_config(const struct ce_maps *m, struct mapce_config *c);

/* fn(key, value, arg) for every element of a hash map; a non-zero return
 * stops.  Visits at most max_entries + 1 keys, so a map that changes
 * underneath cannot loop forever.  Returns the number visited or -errno. */
typedef int (*ce_map_fn)(const void *key, const void *val, void *arg);
long ce_map_foreach(int fd, ce_map_fn fn, void *arg);
/* Number of elements (ce_map_foreach without a callback). */
long ce_map_count(int fd);
__u32 ce_map_max_entries(int fd);

/* Reason counters summed over the possible CPUs.  per_cpu (NULL: not
 * wanted) gets MAPCE_R__MAX * ncpus entries, [reason * ncpus + cpu]. */
int ce_maps_stats(const struct ce_maps *m, struct mapce_counter sum[MAPCE_R__MAX],
		  struct mapce_counter *per_cpu, int ncpus);

/* The inbound half of the outbound flow (key t, value out) from the
 * mapce_flow_in fd: true (and *in) when it is there. */
bool ce_flow_in_half(int flow_in, const struct mapce_tuple *t, const struct mapce_flow *out,
		     struct mapce_flow *in);

/* The learned IPv6 path MTU toward the BR (mapce_pmtu), 0 when none was
 * learned or it aged out (MAPCE_PMTU_EXPIRE_S, as the datapath ages it). */
__u32 ce_maps_pmtu(const struct ce_maps *m);

/* Monotonic coarse clock, the one bpf_ktime_get_coarse_ns() reads. */
__u64 ce_now_ns(void);

#endif
