// SPDX-License-Identifier: GPL-2.0-only
/* port_use.c - who uses the port set (port_use.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ce/port_use.h"
#include "core/mode.h"
#include "core/addrfmt.h"
#include "core/output.h"

const char *const port_use_proto_names[PU__N] = { "tcp", "udp", "icmp" };

int port_use_proto(__u8 proto)
{
	switch (proto) {
	case 6:
		return PU_TCP;
	case 17:
		return PU_UDP;
	case 1:
		return PU_ICMP;
	}
	return -1;
}

/* The row of ip, added when missing; NULL when out of memory. */
static struct host_use *host_row(struct port_use *t, __be32 ip)
{
	struct host_use *u;

	for (size_t i = 0; i < t->n_hosts; i++) {
		if (t->hosts[i].ip == ip)
			return &t->hosts[i];
	}
	if (t->n_hosts == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct host_use *h = realloc(t->hosts, cap * sizeof(*h));

		if (!h) {
			t->partial = true;
			return NULL;
		}
		t->hosts = h;
		t->cap = cap;
	}
	u = &t->hosts[t->n_hosts++];
	memset(u, 0, sizeof(*u));
	u->ip = ip;
	return u;
}

static int hosts_cb(const void *key, const void *val, void *arg)
{
	const struct mapce_host *h = val;
	struct host_use *u = host_row(arg, *(const __be32 *)key);

	if (!u)
		return 1; /* stop: partial table */
	u->accounted = true;
	u->held = h->bindings;
	u->limit_hits = h->limit_hits;
	return 0;
}

static int bind_cb(const void *key, const void *val, void *arg)
{
	const struct mapce_endpoint *ep = key;
	const struct mapce_binding *b = val;
	struct port_use *t = arg;
	int p = port_use_proto(ep->proto);
	struct host_use *u;

	if (p < 0)
		return 0;
	t->mappings[p]++;
	if (b->flags & MAPCE_BIND_F_STATIC)
		t->forwards[p]++;
	if (b->flags & MAPCE_BIND_F_OVERLAP)
		t->overlapped[p]++;
	u = host_row(t, ep->ip);
	if (!u)
		return 1; /* stop: partial table */
	if (b->flags & MAPCE_BIND_F_STATIC)
		u->forwards++;
	u->proto[p]++;
	u->total++;
	return 0;
}

struct ports_ctx {
	struct port_use *u;
	__be32 ipv4;
};

static int ports_cb(const void *key, const void *val, void *arg)
{
	const struct mapce_endpoint *ep = key;
	const struct mapce_binding *owner = val;
	struct ports_ctx *x = arg;
	int p = port_use_proto(ep->proto);

	/* claims of another address are a prefix change's leftovers */
	if (p < 0 || ep->ip != x->ipv4)
		return 0;
	x->u->in_use[p]++;
	if (owner->flags & MAPCE_BIND_F_STATIC)
		x->u->claimed_forwards[p]++;
	return 0;
}

static int cmp_use(const void *a, const void *b)
{
	const struct host_use *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return ntohl(x->ip) < ntohl(y->ip) ? -1 : ntohl(x->ip) > ntohl(y->ip);
}

int port_use_read(const struct ce_maps *m, const struct mapce_config *c, struct port_use *u)
{
	struct ports_ctx x = { u, c->ipv4 };
	long n;

	memset(u, 0, sizeof(*u));
	if (m->ports < 0 || m->bind < 0)
		return -ENOENT;
	n = ce_map_foreach(m->ports, ports_cb, &x);
	if (n < 0)
		return (int)n;
	n = ce_map_foreach(m->bind, bind_cb, u);
	if (n < 0)
		return (int)n;
	if (m->hosts >= 0)
		ce_map_foreach(m->hosts, hosts_cb, u);
	if (u->n_hosts)
		qsort(u->hosts, u->n_hosts, sizeof(u->hosts[0]), cmp_use);
	return 0;
}

void port_use_free(struct port_use *u)
{
	free(u->hosts);
	u->hosts = NULL;
	u->n_hosts = u->cap = 0;
}

void port_use_print_hosts(const struct port_use *u, const struct mapce_config *c, size_t text_max)
{
	char a[IP4_STRLEN];

	out_text("  port usage per LAN host%s\n", u->n_hosts ? ":" : ": none");
	if (u->n_hosts)
		out_text("    (of %u ports per protocol%s)\n", mode_napt_port_count(c),
			 c->max_per_host ? "; held = mappings counted against the limit" : "");
	out_open_array("hosts");
	for (size_t i = 0; i < u->n_hosts; i++) {
		const struct host_use *h = &u->hosts[i];

		if (!out_json && i == text_max) {
			out_text("    ... %zu more\n", u->n_hosts - i);
			break;
		}
		out_open_object(NULL);
		out_str("ip", "    %-15s", ip4_str(h->ip, a));
		for (int p = 0; p < PU__N; p++) {
			char fmt[16];

			snprintf(fmt, sizeof(fmt), "  %s %%llu", port_use_proto_names[p]);
			out_uint(port_use_proto_names[p], fmt, h->proto[p]);
		}
		out_uint("total", "  total %llu", h->total);
		/* present only when there is something to say (keeps the
		 * common row short) */
		if (h->forwards)
			out_uint("forwards", "  forwards %llu", h->forwards);
		if (h->accounted) {
			out_uint("held", "  held %llu", h->held);
			out_uint("limit_hits", "  limit hits %llu", h->limit_hits);
		}
		out_text("\n");
		out_close_object();
	}
	out_close_array();
	if (u->partial)
		out_text("    (out of memory: the table is incomplete)\n");
}
