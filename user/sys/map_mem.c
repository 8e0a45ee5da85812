// SPDX-License-Identifier: GPL-2.0-only
/* map_mem.c - what a BPF object's maps cost in kernel memory (map_mem.h). */
#include <stdio.h>
#include <string.h>

#include "sys/map_mem.h"

#define HTAB_ELEM_HEADER 48 /* struct htab_elem on 64-bit kernels */
#define HTAB_BUCKET 16	    /* struct bucket: list head and spinlock */

static __u64 round8(__u64 x)
{
	return (x + 7) & ~7ULL;
}

static __u64 pow2_at_least(__u64 x)
{
	__u64 p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

__u64 map_mem_bytes(enum bpf_map_type type, __u32 key_size, __u32 value_size, __u32 entries,
		    int ncpus)
{
	__u64 key = round8(key_size), value = round8(value_size), n = entries;
	__u64 cpus = ncpus > 0 ? (__u64)ncpus : 1;

	switch (type) {
	case BPF_MAP_TYPE_HASH:
		/* a spare element per CPU for updates in place */
		return (n + cpus) * (HTAB_ELEM_HEADER + key + value) +
		       pow2_at_least(n) * HTAB_BUCKET;
	case BPF_MAP_TYPE_LRU_HASH:
		return n * (HTAB_ELEM_HEADER + key + value) + pow2_at_least(n) * HTAB_BUCKET;
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return n * (HTAB_ELEM_HEADER + key + 8 + value * cpus) +
		       pow2_at_least(n) * HTAB_BUCKET;
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return n * value * cpus;
	case BPF_MAP_TYPE_LPM_TRIE: /* allocated as it fills: at most */
		return n * (HTAB_ELEM_HEADER + key + value);
	default:
		return n * value;
	}
}

__u64 map_mem_object(struct bpf_object *obj)
{
	int ncpus = libbpf_num_possible_cpus();
	struct bpf_map *map;
	__u64 sum = 0;

	bpf_object__for_each_map(map, obj) sum +=
		map_mem_bytes(bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
			      bpf_map__max_entries(map), ncpus);
	return sum;
}

__u64 mem_available(const char *meminfo)
{
	unsigned long long kb = 0;
	char line[256];
	FILE *f = fopen(meminfo, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
		kb = 0;
	}
	fclose(f);
	return (__u64)kb * 1024;
}

const char *mem_str(__u64 bytes, char *buf, size_t len)
{
	if (bytes >= 1000ULL * 1000 * 1000)
		snprintf(buf, len, "%.1f GB", (double)bytes / 1e9);
	else if (bytes >= 1000ULL * 1000)
		snprintf(buf, len, "%llu MB", (unsigned long long)(bytes / 1000000));
	else
		snprintf(buf, len, "%llu kB", (unsigned long long)((bytes + 999) / 1000));
	return buf;
}
