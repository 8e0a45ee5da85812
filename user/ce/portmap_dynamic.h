/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portmap_dynamic.h - forwards a program opens while the CE runs (UPnP
 * through miniupnpd, NAT-PMP/PCP): the same STATIC entries as a config
 * forward (ce/portmap.h), marked MAPCE_BIND_F_DYNAMIC, so that the
 * config's sync (portmap_sync) leaves them, `portmap list` shows them as
 * dynamic, and they are never written to a file.  A config forward on the
 * same port wins: it replaces the dynamic one, whose owner finds it gone
 * (portmap_dynamic_installed) and says so.
 */
#ifndef MAPCE_CE_PORTMAP_DYNAMIC_H
#define MAPCE_CE_PORTMAP_DYNAMIC_H

#include <stdbool.h>
#include <stddef.h>
#include "ce/portmap.h"

/* Open pm (its dynamic flag is set here): every port in the set and free
 * of other forwards and of live mappings of other inside endpoints, or
 * nothing changes.  0 (also when already open), -1 + a message naming the
 * forward and what holds the port. */
int portmap_dynamic_add(struct portmap_maps *m, const struct portmap *pm, char *err, size_t errlen);
/* Close pm: its entries that are still this dynamic forward's. */
void portmap_dynamic_del(struct portmap_maps *m, const struct portmap *pm);
/* Is every port of pm still this dynamic forward's? */
bool portmap_dynamic_installed(struct portmap_maps *m, const struct portmap *pm);

#endif
