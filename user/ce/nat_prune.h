/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nat_prune.h - cut the NAT state that a new public address or port set
 * no longer holds, keep the rest (`mapce run` on a new prefix, `up` on
 * pins another prefix left).  A userspace walk of the pinned maps,
 * bounded by their sizes; the datapath is stopped meanwhile (deploy's
 * deploy_config_disable), so nothing new arrives while it runs.
 *
 *   mapce_flow_out  by the value's outside ip:port
 *   mapce_flow_in   by the key's local (outside) ip:port
 *   mapce_bind      by the value's outside ip:port; a dropped dynamic
 *                   mapping gives its host's mapce_hosts count back
 *   mapce_ports     by the key (the claimed outside ip:port)
 *   mapce_peers     by the key's outside ip:port
 * What fits is reconcile.h's ce_outside_fits().
 */
#ifndef MAPCE_NAT_PRUNE_H
#define MAPCE_NAT_PRUNE_H

#include "mapce_abi.h"

/* The maps' fds (-1: not there, skipped). */
struct nat_fds {
	int flow_out, flow_in, bind, ports, peers, hosts;
};

struct nat_pruned {
	long flows_dropped, flows_kept;	      /* mapce_flow_out */
	long bindings_dropped, bindings_kept; /* mapce_bind, dynamic ones */
	long forwards_dropped;		      /* mapce_bind, STATIC ones (up re-installs them) */
	long other_dropped;		      /* inbound halves, port claims, peers */
};

/* 0 (counts in *out), or -errno when a map could not be walked (what was
 * walked before stays pruned). */
int nat_prune(const struct nat_fds *m, const struct mapce_config *c, struct nat_pruned *out);

#endif
