/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * map_mem.h - how much kernel memory a BPF object's maps take, checked
 * against what the system has before they are created: a --max-flows the
 * machine cannot hold is refused with the numbers, instead of an ENOMEM
 * from inside libbpf's load.
 */
#ifndef MAPCE_MAP_MEM_H
#define MAPCE_MAP_MEM_H

#include <stddef.h>
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/libbpf.h>

/* The bytes the kernel charges for one map (its *_map_mem_usage()): a
 * preallocated hash map holds every element from the start (48 bytes of
 * element header + key + value, each rounded to 8) plus a 16-byte bucket
 * per power-of-two slot; an array its values.  ncpus: possible CPUs. */
__u64 map_mem_bytes(enum bpf_map_type type, __u32 key_size, __u32 value_size, __u32 entries,
		    int ncpus);
/* The sum of map_mem_bytes() over the maps of obj, opened, not loaded. */
__u64 map_mem_object(struct bpf_object *obj);
/* MemAvailable of a meminfo file (/proc/meminfo) in bytes, 0 unknown. */
__u64 mem_available(const char *meminfo);
/* "7.3 GB", "466 MB", "12 kB": a size for messages. */
const char *mem_str(__u64 bytes, char *buf, size_t len);

#endif
