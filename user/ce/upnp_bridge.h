/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * upnp_bridge.h - `mapce run --upnp-leases PATH`: miniupnpd's mappings
 * mirrored into the CE's forwards.  miniupnpd answers the LAN's UPnP IGD
 * clients and writes each mapping to its lease file; this run service
 * watches that file (inotify on its directory, and a read every
 * MAPCE_UPNP_CHECK_S seconds for what an event may miss and for expiry)
 * and makes the dynamic forwards (ce/portmap_dynamic.h) exactly the
 * file's unexpired leases: a new lease opens its port, a lease gone or
 * expired closes it.  A lease outside the port set, on a port of another
 * forward or of a live mapping, is refused and said once; it is tried
 * again at every read, and opened when its port comes free.
 */
#ifndef MAPCE_CE_UPNP_BRIDGE_H
#define MAPCE_CE_UPNP_BRIDGE_H

#include "ce/run_service.h"

/* The service for wan and the lease file path (absolute, checked by the
 * settings); one per run. */
struct run_service *upnp_bridge_service(const char *wan, const char *path);

#endif
