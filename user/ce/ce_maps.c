// SPDX-License-Identifier: GPL-2.0-only
/* ce_maps.c - readers of the pinned CE maps. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ce/ce_maps.h"
#include "sys/map_util.h"
#include "sys/pin.h"

#define KEY_MAX 64 /* largest key/value of our maps, with room to spare */
#define VAL_MAX 256

int ce_wans(const char *wan, char (*names)[IF_NAMESIZE], int max)
{
	int n;

	if (wan) {
		if (strlen(wan) >= IF_NAMESIZE || !pin_dir_exists(MAPCE_PIN_ROOT, wan))
			return -ENOENT;
		strcpy(names[0], wan);
		return 1;
	}
	n = pin_list_dirs(MAPCE_PIN_ROOT, names, max);
	return n > 0 ? n : -ENOENT;
}

/* Is wan's pinned config about the interface of that name here (pins
 * are global, interface names per network namespace)? */
static bool wan_is_here(const char *wan)
{
	int ifindex = (int)if_nametoindex(wan);
	struct mapce_config c;
	struct ce_maps m;
	bool here;

	if (!ifindex || ce_maps_open(wan, &m))
		return false;
	here = !ce_maps_config(&m, &c) && c.wan_ifindex == (__u32)ifindex;
	ce_maps_close(&m);
	return here;
}

int ce_wan_one(const char *wan, char out[IF_NAMESIZE], struct ce_wan_choice *why)
{
	char names[CE_MAX_WANS][IF_NAMESIZE];
	int n = ce_wans(wan, names, CE_MAX_WANS), here = -1;

	memset(why, 0, sizeof(*why));
	if (n < 0)
		return n;
	why->n_up = n;
	if (n > 1) {
		/* Several WANs pinned: the one in this network namespace. */
		for (int i = 0; i < n; i++) {
			if (wan_is_here(names[i])) {
				here = i;
				why->n_here++;
			}
		}
		if (why->n_here != 1) {
			strcpy(why->first[0], names[0]);
			strcpy(why->first[1], names[1]);
			return -ENOTUNIQ;
		}
		strcpy(out, names[here]);
		return 0;
	}
	strcpy(out, names[0]);
	return 0;
}

int ce_maps_open(const char *wan, struct ce_maps *m)
{
	struct {
		int *fd;
		const char *name;
	} maps[] = {
		{ &m->config, "mapce_config" },	    { &m->rules, "mapce_rules" },
		{ &m->flow_out, "mapce_flow_out" }, { &m->flow_in, "mapce_flow_in" },
		{ &m->bind, "mapce_bind" },	    { &m->ports, "mapce_ports" },
		{ &m->stats, "mapce_stats" },	    { &m->hosts, "mapce_hosts" },
		{ &m->pmtu, "mapce_pmtu" },
	};

	memset(m, 0, sizeof(*m));
	snprintf(m->wan, sizeof(m->wan), "%s", wan);
	if (pin_dir_path(m->dir, sizeof(m->dir), MAPCE_PIN_ROOT, wan))
		return -ENAMETOOLONG;
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		int fd = pin_open(m->dir, maps[i].name);

		*maps[i].fd = fd < 0 ? -1 : fd;
	}
	if (m->config < 0) {
		ce_maps_close(m);
		return -ENOENT;
	}
	return 0;
}

void ce_maps_close(struct ce_maps *m)
{
	int *fds[] = { &m->config, &m->rules, &m->flow_out, &m->flow_in, &m->bind,
		       &m->ports,  &m->stats, &m->hosts,    &m->pmtu };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int ce_maps_config(const struct ce_maps *m, struct mapce_config *c)
{
	__u32 key = 0;

	memset(c, 0, sizeof(*c));
	return bpf_map_lookup_elem(m->config, &key, c) ? -errno : 0;
}

__u32 ce_map_max_entries(int fd)
{
	return map_max_entries(fd);
}

long ce_map_foreach(int fd, ce_map_fn fn, void *arg)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	__u8 key[KEY_MAX], next[KEY_MAX], val[VAL_MAX];
	void *prev = NULL;
	long n = 0;

	if (fd < 0)
		return -EBADF;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.key_size > KEY_MAX || info.value_size > VAL_MAX)
		return -E2BIG;
	for (__u64 i = 0; i <= info.max_entries; i++) {
		if (bpf_map_get_next_key(fd, prev, next))
			break; /* ENOENT: the end */
		memcpy(key, next, info.key_size);
		prev = key;
		if (fn) {
			if (bpf_map_lookup_elem(fd, key, val))
				continue; /* deleted meanwhile */
			n++;
			if (fn(key, val, arg))
				break;
		} else {
			n++;
		}
	}
	return n;
}

long ce_map_count(int fd)
{
	return ce_map_foreach(fd, NULL, NULL);
}

int ce_maps_stats(const struct ce_maps *m, struct mapce_counter sum[MAPCE_R__MAX],
		  struct mapce_counter *per_cpu, int ncpus)
{
	struct mapce_counter *v;
	int ret = 0;

	memset(sum, 0, sizeof(*sum) * MAPCE_R__MAX);
	if (m->stats < 0)
		return -ENOENT;
	if (ncpus <= 0)
		return -EINVAL;
	v = calloc((size_t)ncpus, sizeof(*v)); /* 16 bytes: already 8-aligned */
	if (!v)
		return -ENOMEM;
	for (__u32 r = 0; r < MAPCE_R__MAX; r++) {
		if (bpf_map_lookup_elem(m->stats, &r, v)) {
			ret = -errno;
			break;
		}
		for (int c = 0; c < ncpus; c++) {
			sum[r].packets += v[c].packets;
			sum[r].bytes += v[c].bytes;
			if (per_cpu)
				per_cpu[r * (__u32)ncpus + (__u32)c] = v[c];
		}
	}
	free(v);
	return ret;
}

bool ce_flow_in_half(int flow_in, const struct mapce_tuple *t, const struct mapce_flow *out,
		     struct mapce_flow *in)
{
	struct mapce_tuple ik = { .local_ip = out->ip,
				  .remote_ip = t->remote_ip,
				  .local_port = out->port,
				  .remote_port = t->remote_port,
				  .proto = t->proto };

	memset(in, 0, sizeof(*in));
	return flow_in >= 0 && !bpf_map_lookup_elem(flow_in, &ik, in);
}

__u32 ce_maps_pmtu(const struct ce_maps *m)
{
	struct mapce_pmtu p = {};
	__u32 key = 0;
	__u64 now = ce_now_ns();

	if (m->pmtu < 0 || bpf_map_lookup_elem(m->pmtu, &key, &p) || !p.mtu)
		return 0;
	if (now > p.learned_ns && now - p.learned_ns > MAPCE_PMTU_EXPIRE_S * 1000000000ull)
		return 0;
	return p.mtu;
}

__u64 ce_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}
