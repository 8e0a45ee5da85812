// SPDX-License-Identifier: GPL-2.0-only
/*
 * port_hint_sync.c - rebuild and mark the port set's occupancy hint
 * (port_hint_sync.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "mapce_rule.h"
#include "ce/ce_maps.h"
#include "ce/port_hint_sync.h"

#define HINT_KEYS ((size_t)MAPCE_PORT_HINT_KEYS)

struct rebuild {
	const struct mapce_config *c;
	__u64 *w; /* HINT_KEYS words */
};

/* The map key of out's word and its bit; false when out is not a port
 * of c's set. */
static bool hint_bit(const struct mapce_config *c, const struct mapce_endpoint *out, __u32 *key,
		     __u64 *bit)
{
	__u16 port = ntohs(out->port);
	__u32 idx;

	if (out->ip != c->ipv4 || !mapce_port_in_set(c->psid_offset, c->psid_len, c->psid, port))
		return false;
	idx = mapce_port_index(c->psid_offset, c->psid_len, port);
	if (idx >= c->port_count)
		return false;
	*key = mapce_port_hint_slot(out->proto) * MAPCE_PORT_HINT_WORDS + idx / 64;
	*bit = 1ULL << (idx % 64);
	return true;
}

static int rebuild_cb(const void *key, const void *val, void *arg)
{
	struct rebuild *r = arg;
	__u32 k;
	__u64 bit;

	(void)val;
	if (hint_bit(r->c, key, &k, &bit))
		r->w[k] |= bit;
	return 0;
}

int port_hint_rebuild(int hint_fd, int ports_fd, const struct mapce_config *c)
{
	struct rebuild r = { .c = c, .w = calloc(HINT_KEYS, sizeof(__u64)) };
	__u32 *keys = calloc(HINT_KEYS, sizeof(__u32)), n = (__u32)HINT_KEYS;
	long ret = -ENOMEM;

	if (r.w && keys) {
		ret = ce_map_foreach(ports_fd, rebuild_cb, &r);
		for (__u32 i = 0; i < HINT_KEYS; i++)
			keys[i] = i;
		if (ret >= 0)
			ret = bpf_map_update_batch(hint_fd, keys, r.w, &n, NULL);
	}
	free(keys);
	free(r.w);
	return ret < 0 ? (int)ret : 0;
}

int port_hint_mark(int hint_fd, const struct mapce_config *c, const struct mapce_endpoint *out,
		   bool used)
{
	__u32 key;
	__u64 bit, w;

	if (!hint_bit(c, out, &key, &bit))
		return 0;
	if (bpf_map_lookup_elem(hint_fd, &key, &w))
		return -errno;
	w = used ? w | bit : w & ~bit;
	return bpf_map_update_elem(hint_fd, &key, &w, BPF_ANY) ? -errno : 0;
}
