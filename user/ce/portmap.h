/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portmap.h - static port forwards (static NAPT) in a running CE's pinned
 * maps.  The forward itself, its text form and its checks against the port
 * set are core/portmap.h.
 *
 * In the pinned maps one forwarded port is a pair of STATIC entries:
 *   mapce_ports {public ip, outside port, proto} -> {inside ip, inside port}
 *   mapce_bind  {inside ip, inside port, proto}  -> {public ip, outside port}
 * (MAPCE_BIND_F_STATIC: never expired, always let in by the filtering).
 * A range maps to consecutive inside ports.  The datapath never hands a
 * forwarded port to a dynamic mapping: its mapce_ports claim is taken.
 */
#ifndef MAPCE_CE_PORTMAP_H
#define MAPCE_CE_PORTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include "mapce_abi.h"
#include "core/policy.h"
#include "core/portmap.h"

/* One forward as `portmap list` shows it. */
struct portmap_entry {
	struct portmap pm;
	bool installed; /* every port's STATIC pair is in the maps */
	bool saved;	/* in the WAN's config file */
};

/* The pinned maps a forward lives in. */
struct portmap_maps {
	int ports, bind, hosts; /* fds; hosts -1 when not pinned */
	int hint;		/* mapce_port_hint, -1 when not pinned: told of claims removed */
	struct mapce_config cfg;
};

/* Open them from a pin dir (MAPCE_PIN_ROOT/<wan>).  0, or -errno
 * (-ENOENT: not up). */
int portmap_maps_open(const char *dir, struct portmap_maps *m);
void portmap_maps_close(struct portmap_maps *m);

/* Install pm (already checked): all ports or none.  A port held by a
 * live dynamic mapping is refused naming its inside endpoint, unless
 * evict (up on stale pinned state: the forward wins).  An inside endpoint
 * with a dynamic mapping gets the forward's binding instead.  0 ok
 * (also when already installed), -1 + message. */
int portmap_install(struct portmap_maps *m, const struct portmap *pm, bool evict, char *err,
		    size_t errlen);
/* Remove pm's STATIC entries (those that are still pm's). */
void portmap_uninstall(struct portmap_maps *m, const struct portmap *pm);
/* Is every port of pm installed? */
bool portmap_installed(struct portmap_maps *m, const struct portmap *pm);

/* The forwards installed in the maps, consecutive ports with
 * consecutive inside ports of one host grouped into one forward, sorted
 * by protocol and port.  Returns the count (at most max) or -errno.
 * *ports (may be NULL) gets the number of forwarded ports. */
int portmap_read_installed(struct portmap_maps *m, struct portmap *out, int max, long *ports);

/* What `portmap list` shows: the saved forwards (file order, installed or
 * not), then the installed ports no saved forward covers, grouped.
 * Returns the count or -errno. */
int portmap_collect(struct portmap_maps *m, const struct portmap *saved, int n_saved,
		    struct portmap_entry *out, int max);

/*
 * Make the STATIC entries in the maps exactly want[]: remove forwards not
 * wanted, install the missing ones (all checked before anything changes:
 * set membership, holders unless evict).  *added / *removed count
 * forwards.  0 ok, -1 + message (the message names the forward, and its
 * file line when it has one).
 */
int portmap_sync(struct portmap_maps *m, const struct portmap *want, int n, bool evict,
		 const char *file, int *added, int *removed, char *err, size_t errlen);

#endif
