// SPDX-License-Identifier: GPL-2.0-only
/*
 * nat_prune.c - drop the NAT entries a new address or port set no longer
 * holds (nat_prune.h).  Each map is walked once (at most max_entries + 1
 * keys, so a map that changes underneath cannot keep us here), the keys
 * to drop collected, then deleted: deleting while walking a hash map
 * would restart the walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "ce/nat_prune.h"
#include "ce/reconcile.h"
#include "sys/map_util.h"

/* Room for the largest value of the maps walked here (walk() also checks
 * each map's own key and value sizes against its buffers). */
#define VAL_MAX 128
_Static_assert(sizeof(struct mapce_flow) <= VAL_MAX && sizeof(struct mapce_binding) <= VAL_MAX,
	       "a value of a map nat_prune walks outgrew VAL_MAX");

struct walk {
	const struct mapce_config *c;
	const struct nat_fds *m;
	long kept, dropped, statics_dropped, statics_kept;
};

/* Keep this entry?  (May note what a drop means, e.g. a host's count.) */
typedef bool (*keep_fn)(struct walk *w, const void *key, const void *val);

static bool keep_flow_out(struct walk *w, const void *key, const void *val)
{
	const struct mapce_flow *f = val;

	return ce_outside_fits(w->c, f->ip, f->port);
}

static bool keep_flow_in(struct walk *w, const void *key, const void *val)
{
	const struct mapce_tuple *t = key;

	return ce_outside_fits(w->c, t->local_ip, t->local_port);
}

/* A dropped dynamic mapping no longer counts against its host's limit
 * (what the expiry sweep's host_release does). */
static void host_release(const struct nat_fds *m, __be32 ip)
{
	struct mapce_host h;

	if (m->hosts < 0 || bpf_map_lookup_elem(m->hosts, &ip, &h) || !h.bindings)
		return;
	h.bindings--;
	bpf_map_update_elem(m->hosts, &ip, &h, BPF_EXIST);
}

static bool keep_bind(struct walk *w, const void *key, const void *val)
{
	const struct mapce_endpoint *in = key;
	const struct mapce_binding *b = val;

	if (ce_outside_fits(w->c, b->ip, b->port)) {
		w->statics_kept += (b->flags & MAPCE_BIND_F_STATIC) != 0;
		return true;
	}
	if (b->flags & MAPCE_BIND_F_STATIC)
		w->statics_dropped++;
	else
		host_release(w->m, in->ip);
	return false;
}

static bool keep_port(struct walk *w, const void *key, const void *val)
{
	const struct mapce_endpoint *out = key;

	return ce_outside_fits(w->c, out->ip, out->port);
}

static bool keep_peer(struct walk *w, const void *key, const void *val)
{
	const struct mapce_peer_key *k = key;

	return ce_outside_fits(w->c, k->out_ip, k->out_port);
}

static int walk(int fd, size_t ksz, keep_fn keep, struct walk *w)
{
	__u32 max = map_max_entries(fd);
	__u8 *drop, key[sizeof(struct mapce_tuple)], val[VAL_MAX];
	size_t n = 0;
	int ret = 0;

	w->kept = w->dropped = w->statics_dropped = w->statics_kept = 0;
	if (fd < 0)
		return 0;
	if (!max)
		return -EINVAL;
	/* a map of another layout: never read past key or val, and the
	 * ksz bytes copied and deleted by are the whole key */
	if (ksz > sizeof(key) || !map_fits(fd, ksz, sizeof(val)))
		return -E2BIG;
	drop = malloc(((size_t)max + 1) * ksz);
	if (!drop)
		return -ENOMEM;
	for (__u32 i = 0; i <= max; i++) {
		if (bpf_map_get_next_key(fd, i ? key : NULL, key)) {
			ret = errno == ENOENT ? 0 : -errno;
			break;
		}
		if (bpf_map_lookup_elem(fd, key, val))
			continue; /* gone meanwhile */
		if (keep(w, key, val))
			w->kept++;
		else
			memcpy(drop + n++ * ksz, key, ksz);
	}
	for (size_t i = 0; i < n; i++)
		w->dropped += bpf_map_delete_elem(fd, drop + i * ksz) == 0;
	free(drop);
	return ret;
}

int nat_prune(const struct nat_fds *m, const struct mapce_config *c, struct nat_pruned *out)
{
	struct walk w = { .c = c, .m = m };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = walk(m->flow_out, sizeof(struct mapce_tuple), keep_flow_out, &w);
	out->flows_dropped = w.dropped;
	out->flows_kept = w.kept;
	if (!ret)
		ret = walk(m->flow_in, sizeof(struct mapce_tuple), keep_flow_in, &w);
	out->other_dropped += w.dropped;
	if (!ret)
		ret = walk(m->bind, sizeof(struct mapce_endpoint), keep_bind, &w);
	out->forwards_dropped = w.statics_dropped;
	out->bindings_dropped = w.dropped - w.statics_dropped;
	out->bindings_kept = w.kept - w.statics_kept;
	if (!ret)
		ret = walk(m->ports, sizeof(struct mapce_endpoint), keep_port, &w);
	out->other_dropped += w.dropped;
	if (!ret)
		ret = walk(m->peers, sizeof(struct mapce_peer_key), keep_peer, &w);
	out->other_dropped += w.dropped;
	return ret;
}
