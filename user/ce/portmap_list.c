// SPDX-License-Identifier: GPL-2.0-only
/*
 * portmap_list.c - which forwards the pinned maps hold: their STATIC
 * ports read back and grouped into forwards (status, `portmap list`, and
 * the removal count of portmap_sync).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ce/ce_maps.h"
#include "core/grow.h"
#include "ce/portmap.h"

struct static_ports {
	struct portmap *p; /* one per port */
	size_t n, cap;
	__be32 pub;
};

static int static_cb(const void *key, const void *val, void *arg)
{
	const struct mapce_endpoint *out = key;
	const struct mapce_binding *owner = val;
	struct static_ports *t = arg;
	struct portmap *pm;

	if (!(owner->flags & MAPCE_BIND_F_STATIC) || out->ip != t->pub)
		return 0;
	pm = grow(t->p, &t->cap, t->n, sizeof(*pm), 64);
	if (!pm)
		return 1; /* stop: out of memory */
	t->p = pm;
	pm = &t->p[t->n++];
	memset(pm, 0, sizeof(*pm));
	pm->proto = out->proto;
	pm->first = pm->last = ntohs(out->port);
	pm->inside_ip = owner->ip;
	pm->inside_port = ntohs(owner->port);
	pm->dynamic = (owner->flags & MAPCE_BIND_F_DYNAMIC) != 0;
	return 0;
}

static int cmp_pm(const void *a, const void *b)
{
	const struct portmap *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Every STATIC port, sorted (malloc'd into *out).  Count or -errno. */
static long static_ports(struct portmap_maps *m, struct portmap **out)
{
	struct static_ports t = { .pub = m->cfg.ipv4 };
	long ret = ce_map_foreach(m->ports, static_cb, &t);

	if (ret < 0) {
		free(t.p);
		return ret;
	}
	if (t.n)
		qsort(t.p, t.n, sizeof(*t.p), cmp_pm);
	*out = t.p;
	return (long)t.n;
}

/* Group sorted single ports into forwards; skip ports covered by skip[]. */
static int group(const struct portmap *p, long n, const struct portmap *skip, int n_skip,
		 struct portmap *out, int max)
{
	int k = 0;

	for (long i = 0; i < n; i++) {
		bool covered = false;

		for (int j = 0; j < n_skip && !covered; j++)
			covered = !p[i].dynamic && p[i].proto == skip[j].proto &&
				  p[i].first >= skip[j].first && p[i].first <= skip[j].last &&
				  p[i].inside_ip == skip[j].inside_ip &&
				  p[i].inside_port ==
					  skip[j].inside_port + (p[i].first - skip[j].first);
		if (covered)
			continue;
		if (k > 0) {
			struct portmap *g = &out[k - 1];

			if (g->proto == p[i].proto && g->dynamic == p[i].dynamic &&
			    g->last + 1 == p[i].first && g->inside_ip == p[i].inside_ip &&
			    (__u32)g->inside_port + (g->last - g->first) + 1 == p[i].inside_port) {
				g->last = p[i].first;
				continue;
			}
		}
		if (k == max)
			break;
		out[k++] = p[i];
	}
	return k;
}

int portmap_read_installed(struct portmap_maps *m, struct portmap *out, int max, long *ports)
{
	struct portmap *p = NULL;
	long n = static_ports(m, &p);
	int k;

	if (ports)
		*ports = n < 0 ? 0 : n;
	if (n < 0)
		return (int)n;
	k = group(p, n, NULL, 0, out, max);
	free(p);
	return k;
}

int portmap_collect(struct portmap_maps *m, const struct portmap *saved, int n_saved,
		    struct portmap_entry *out, int max)
{
	struct portmap *p = NULL, *g;
	long n = static_ports(m, &p);
	int k = 0, ng;

	if (n < 0)
		return (int)n;
	for (int i = 0; i < n_saved && k < max; i++, k++) {
		out[k].pm = saved[i];
		out[k].saved = true;
		out[k].installed = portmap_installed(m, &saved[i]);
	}
	g = calloc((size_t)(n ? n : 1), sizeof(*g));
	if (!g) {
		free(p);
		return -ENOMEM;
	}
	ng = group(p, n, saved, n_saved, g, (int)n);
	for (int i = 0; i < ng && k < max; i++, k++) {
		out[k].pm = g[i];
		out[k].saved = false;
		out[k].installed = true;
	}
	free(g);
	free(p);
	return k;
}
