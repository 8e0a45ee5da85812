/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pcp_table.h - the NAT-PMP / PCP server's mappings and their leases.
 * A mapping is one dynamic forward (ce/portmap_dynamic.h: one outside
 * port of the set to the client's own inside port) with an end time;
 * this table decides which port, for how long, and when it goes.  It
 * touches the CE's maps only through its ops (the server passes the
 * dynamic forward calls; the unit test a model), so all of its logic is
 * tested without a kernel.
 *
 * A mapping is named by (client address, protocol, internal port): the
 * CE's bindings hold one outside port per inside endpoint.  A request
 * for it again is a renewal (same port, a new end; RFC 6887 §11.3, RFC
 * 6886 §3.3); a lifetime of 0 deletes it; internal port 0 with lifetime
 * 0 deletes all of the client's mappings of the protocol (RFC 6886 §3.4).
 * A PCP mapping keeps its nonce: a request with another nonce is refused
 * (RFC 6887 §11.3).  NAT-PMP has no nonce: its requests reach the
 * client's mappings whichever protocol made them.
 *
 * The port: the suggested one when it is in the set and free, else the
 * nearest port of the set that is free (RFC 6886 §3.3, RFC 6887 §11.3:
 * the server may assign another); with PCP's PREFER_FAILURE only the
 * suggested one.  No suggestion: the internal port is the hint.
 * Limits: policy.h MAPCE_PCP_* (per client, in all, lifetime, tries).
 * Times are seconds of a monotonic clock, given by the caller.
 */
#ifndef MAPCE_CE_PCP_TABLE_H
#define MAPCE_CE_PCP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/pcp_codec.h"
#include "core/policy.h"
#include "core/portmap.h"

struct pcp_mapping {
	struct portmap pm; /* first == last: the outside port; inside = client's */
	uint64_t expires;  /* monotonic seconds */
	__u8 nonce[PCP_NONCE_LEN];
	bool pcp; /* made by PCP: the nonce must match */
};

struct pcp_table_ops {
	/* Open / close one dynamic forward (portmap_dynamic_add/del). */
	int (*open)(void *arg, const struct portmap *pm, char *err, size_t errlen);
	void (*close)(void *arg, const struct portmap *pm);
	/* Is it still ours (a config forward may have taken the port)? */
	bool (*installed)(void *arg, const struct portmap *pm);
	/* A mapping opened, renewed, closed (deleted), expired or lost:
	 * for the log.  May be NULL. */
	void (*note)(void *arg, const struct pcp_mapping *m, const char *what);
	void *arg;
};

struct pcp_table {
	struct pcp_table_ops ops;
	struct mapce_config cfg; /* the port set and the CE's IPv4 */
	int n;
	struct pcp_mapping m[MAPCE_PCP_MAX];
};

/* A MAP request as the table sees it (both protocols). */
struct pcp_map_req {
	__be32 client;
	__u8 proto; /* IPPROTO_TCP / IPPROTO_UDP */
	__u16 internal_port;
	__u16 external_port; /* suggested, 0: none */
	__u32 lifetime;	     /* requested; 0: delete */
	const __u8 *nonce;   /* PCP's, NULL for NAT-PMP */
	bool prefer_failure; /* PCP: the suggested port or nothing */
};

/* The outcome, in the table's own terms (the server maps it to each
 * protocol's result code). */
enum pcp_map_result {
	PCP_MAP_OK,
	PCP_MAP_NOT_AUTHORIZED, /* another nonce; an inside address that may not map */
	PCP_MAP_QUOTA,		/* the client holds MAPCE_PCP_PER_CLIENT */
	PCP_MAP_NO_RESOURCES,	/* the table is full, or no free port found */
	PCP_MAP_CANNOT_PROVIDE, /* PREFER_FAILURE and the suggested port is not free */
};

struct pcp_map_res {
	__u16 external_port; /* assigned (a delete: the one removed, or 0) */
	__u32 lifetime;	     /* granted, 0 for a delete */
};

void pcp_table_init(struct pcp_table *t, const struct pcp_table_ops *ops,
		    const struct mapce_config *cfg);
/* Create, renew or delete.  msg (may be NULL) says why on a refusal. */
enum pcp_map_result pcp_table_map(struct pcp_table *t, const struct pcp_map_req *r, uint64_t now,
				  struct pcp_map_res *res, char *msg, size_t msglen);
/* Close what has ended at now, and what is no longer installed.  The
 * count closed. */
int pcp_table_expire(struct pcp_table *t, uint64_t now);
/* Close everything (exit, a new port set). */
void pcp_table_clear(struct pcp_table *t);
/* The client's mappings. */
int pcp_table_count(const struct pcp_table *t, __be32 client);

#endif
