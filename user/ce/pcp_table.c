// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcp_table.c - the NAT-PMP / PCP mappings and their leases
 * (pcp_table.h): which port, for how long, renewals, deletes, expiry.
 */
#include <stdio.h>
#include <string.h>

#include "mapce_rule.h"
#include "core/parse.h"
#include "ce/pcp_table.h"

#define SAY(...) (msg ? mapce_errf(msg, msglen, __VA_ARGS__) : -1)

void pcp_table_init(struct pcp_table *t, const struct pcp_table_ops *ops,
		    const struct mapce_config *cfg)
{
	t->ops = *ops;
	t->cfg = *cfg;
	t->n = 0;
}

static void note(struct pcp_table *t, const struct pcp_mapping *m, const char *what)
{
	if (t->ops.note)
		t->ops.note(t->ops.arg, m, what);
}

static void drop(struct pcp_table *t, int i)
{
	t->m[i] = t->m[--t->n];
}

/* Close mapping i and forget it. */
static void close_at(struct pcp_table *t, int i, const char *what)
{
	t->ops.close(t->ops.arg, &t->m[i].pm);
	note(t, &t->m[i], what);
	drop(t, i);
}

static int find(const struct pcp_table *t, __be32 client, __u8 proto, __u16 iport)
{
	for (int i = 0; i < t->n; i++)
		if (t->m[i].pm.inside_ip == client && t->m[i].pm.proto == proto &&
		    t->m[i].pm.inside_port == iport)
			return i;
	return -1;
}

/* Is outside port p of proto one of this table's? */
static bool held(const struct pcp_table *t, __u8 proto, __u16 p)
{
	for (int i = 0; i < t->n; i++)
		if (t->m[i].pm.proto == proto && t->m[i].pm.first == p)
			return true;
	return false;
}

int pcp_table_count(const struct pcp_table *t, __be32 client)
{
	int n = 0;

	for (int i = 0; i < t->n; i++)
		n += t->m[i].pm.inside_ip == client;
	return n;
}

static bool nonce_ok(const struct pcp_mapping *m, const struct pcp_map_req *r)
{
	return !r->nonce || !m->pcp || !memcmp(m->nonce, r->nonce, PCP_NONCE_LEN);
}

static __u32 granted(__u32 asked)
{
	return asked > MAPCE_PCP_LIFETIME_MAX ? MAPCE_PCP_LIFETIME_MAX : asked;
}

/* Lifetime 0: the mapping of (client, proto, iport), or all of the
 * client's of proto for iport 0. */
static enum pcp_map_result del(struct pcp_table *t, const struct pcp_map_req *r,
			       struct pcp_map_res *res, char *msg, size_t msglen)
{
	int i = r->internal_port ? find(t, r->client, r->proto, r->internal_port) : -1;

	res->lifetime = 0;
	res->external_port = 0;
	if (r->internal_port) {
		if (i < 0)
			return PCP_MAP_OK; /* nothing to delete is done (RFC 6887 §15) */
		if (!nonce_ok(&t->m[i], r)) {
			SAY("another nonce than the mapping's");
			return PCP_MAP_NOT_AUTHORIZED;
		}
		res->external_port = t->m[i].pm.first;
		close_at(t, i, "deleted");
		return PCP_MAP_OK;
	}
	for (i = 0; i < t->n;)
		if (t->m[i].pm.inside_ip == r->client && t->m[i].pm.proto == r->proto &&
		    nonce_ok(&t->m[i], r))
			close_at(t, i, "deleted");
		else
			i++;
	return PCP_MAP_OK;
}

/* Index of the first port of the set at or above hint (the count when
 * none): the set is ascending in its index. */
static __u32 first_at_or_above(const struct mapce_config *c, __u32 count, __u16 hint)
{
	__u32 lo = 0, hi = count;

	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;

		if (mapce_port_at(c->psid_offset, c->psid_len, c->psid, mid) < hint)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Open pm on the free port of the set nearest hint.  0, or -1. */
static int open_nearest(struct pcp_table *t, struct portmap *pm, __u16 hint, char *msg,
			size_t msglen)
{
	const struct mapce_config *c = &t->cfg;
	__u32 count = mapce_port_count(c->psid_offset, c->psid_len);
	__u32 up = first_at_or_above(c, count, hint), down = up; /* down: one above the next */
	char err[512] = "";
	int tries = 0;

	while ((up < count || down > 0) && tries < MAPCE_PCP_TRY_MAX) {
		__u16 pu = up < count ? mapce_port_at(c->psid_offset, c->psid_len, c->psid, up) : 0;
		__u16 pd = down > 0 ? mapce_port_at(c->psid_offset, c->psid_len, c->psid, down - 1)
				    : 0;
		__u16 p;

		if (up < count && (down == 0 || pu - hint <= hint - pd)) {
			p = pu;
			up++;
		} else {
			p = pd;
			down--;
		}
		if (held(t, pm->proto, p))
			continue;
		pm->first = pm->last = p;
		tries++;
		if (!t->ops.open(t->ops.arg, pm, err, sizeof(err)))
			return 0;
	}
	SAY("no free port of the set (%d tried%s%s)", tries, err[0] ? "; last: " : "", err);
	return -1;
}

enum pcp_map_result pcp_table_map(struct pcp_table *t, const struct pcp_map_req *r, uint64_t now,
				  struct pcp_map_res *res, char *msg, size_t msglen)
{
	const struct mapce_config *c = &t->cfg;
	struct pcp_mapping nm = { 0 };
	char err[512];
	int i;

	memset(res, 0, sizeof(*res));
	if (!r->lifetime)
		return del(t, r, res, msg, msglen);
	if (!r->internal_port) {
		SAY("internal port 0 is only for a delete");
		return PCP_MAP_NOT_AUTHORIZED;
	}
	i = find(t, r->client, r->proto, r->internal_port);
	if (i >= 0 && !nonce_ok(&t->m[i], r)) {
		SAY("another nonce than the mapping's");
		return PCP_MAP_NOT_AUTHORIZED;
	}
	if (i >= 0 && !t->ops.installed(t->ops.arg, &t->m[i].pm)) {
		note(t, &t->m[i], "lost"); /* a config forward took it: a new one */
		drop(t, i);
		i = -1;
	}
	if (i >= 0) { /* a renewal */
		struct pcp_mapping *m = &t->m[i];

		if (r->nonce && !m->pcp) { /* NAT-PMP's, now PCP's */
			m->pcp = true;
			memcpy(m->nonce, r->nonce, PCP_NONCE_LEN);
		}
		res->lifetime = granted(r->lifetime);
		m->expires = now + res->lifetime;
		res->external_port = m->pm.first;
		return PCP_MAP_OK;
	}
	nm.pm.proto = r->proto;
	nm.pm.inside_ip = r->client;
	nm.pm.inside_port = r->internal_port;
	nm.pm.first = nm.pm.last = mapce_port_at(c->psid_offset, c->psid_len, c->psid, 0);
	nm.pm.dynamic = true;
	if (portmap_check(c, &nm.pm, err, sizeof(err))) { /* the client's address */
		SAY("%s", err);
		return PCP_MAP_NOT_AUTHORIZED;
	}
	if (pcp_table_count(t, r->client) >= MAPCE_PCP_PER_CLIENT) {
		SAY("the client holds %d mappings, the most one LAN host may",
		    MAPCE_PCP_PER_CLIENT);
		return PCP_MAP_QUOTA;
	}
	if (t->n >= MAPCE_PCP_MAX) {
		SAY("%d mappings, the most the server keeps", MAPCE_PCP_MAX);
		return PCP_MAP_NO_RESOURCES;
	}
	if (r->prefer_failure) {
		nm.pm.first = nm.pm.last = r->external_port;
		if (!r->external_port ||
		    !mapce_port_in_set(c->psid_offset, c->psid_len, c->psid, r->external_port)) {
			SAY("port %u is not in the set, and PREFER_FAILURE", r->external_port);
			return PCP_MAP_CANNOT_PROVIDE;
		}
		if (held(t, r->proto, r->external_port) ||
		    t->ops.open(t->ops.arg, &nm.pm, err, sizeof(err))) {
			SAY("port %u is taken, and PREFER_FAILURE", r->external_port);
			return PCP_MAP_CANNOT_PROVIDE;
		}
	} else if (open_nearest(t, &nm.pm, r->external_port ? r->external_port : r->internal_port,
				msg, msglen)) {
		return PCP_MAP_NO_RESOURCES;
	}
	res->lifetime = granted(r->lifetime);
	nm.expires = now + res->lifetime;
	nm.pcp = r->nonce != NULL;
	if (r->nonce)
		memcpy(nm.nonce, r->nonce, PCP_NONCE_LEN);
	res->external_port = nm.pm.first;
	t->m[t->n++] = nm;
	note(t, &nm, "opened");
	return PCP_MAP_OK;
}

int pcp_table_expire(struct pcp_table *t, uint64_t now)
{
	int n = 0;

	for (int i = 0; i < t->n;) {
		if (t->m[i].expires <= now) {
			close_at(t, i, "expired");
			n++;
		} else if (!t->ops.installed(t->ops.arg, &t->m[i].pm)) {
			note(t, &t->m[i], "lost");
			drop(t, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

void pcp_table_clear(struct pcp_table *t)
{
	while (t->n)
		close_at(t, t->n - 1, "closed");
}
