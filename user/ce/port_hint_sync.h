/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * port_hint_sync.h - the port set's occupancy hint from userspace
 * (mapce_port_hint: bpf/ce/port_hint.h, one bit per index of the set and
 * protocol, 1 = claimed).  The datapath keeps it in step as it claims
 * ports and its sweep frees them; userspace rebuilds it where it changes
 * mapce_ports in bulk (up, a new prefix, forwards synced) and marks the
 * claims `portmap` makes and removes.  A claim is marked after it is
 * made; a clear bit tells XDP ingress the port has no claim.  A race
 * with the datapath (a claim between our read and our write) can lose a
 * bit: the datapath's sweep sets it again (gc.h), a failed claim does
 * too; until then new inbound flows to that port are refused, and a
 * free port the hint hides is still found by the walk.
 */
#ifndef MAPCE_CE_PORT_HINT_SYNC_H
#define MAPCE_CE_PORT_HINT_SYNC_H

#include <stdbool.h>
#include "mapce_abi.h"

/* Rebuild every protocol's bits from the claims in mapce_ports (ports_fd)
 * of the address and set of c.  0, or -errno (the hint as it was). */
int port_hint_rebuild(int hint_fd, int ports_fd, const struct mapce_config *c);

/* Mark the one port of out claimed (used) or free; out not a port of
 * c's set: nothing to do.  0, or -errno. */
int port_hint_mark(int hint_fd, const struct mapce_config *c, const struct mapce_endpoint *out,
		   bool used);

#endif
