/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * maps.h - the map types the CE and the BR both declare, one named struct
 * a type (libbpf reads a map's type, sizes and pinning from the BTF of its
 * definition's struct, named or not).  Each side declares, names and
 * documents its own maps with them (ce/maps.h, br/maps.h): the names are
 * the pinned names userspace knows, and a side's map keeps its layout
 * whatever the other side does with its own.
 */
#ifndef MAPCE_BPF_LIB_MAPS_H
#define MAPCE_BPF_LIB_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mapce_abi.h"

/* The runtime configuration: one struct mapce_config at key 0. */
struct config_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapce_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
};

/* MAP rules by index (struct mapce_rule, prefixes in network order). */
struct rules_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAPCE_MAX_RULES);
	__type(key, __u32);
	__type(value, struct mapce_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
};

/* A rule's IPv4 prefix (longest match) -> its index in a rules_map. */
struct rule_lpm_map {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MAPCE_MAX_RULES);
	__type(key, struct mapce_lpm_v4_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
};

/* Reason counters (enum mapce_reason -> packets, bytes), per CPU: no
 * atomics on the hot path; readers sum the CPUs. */
struct stats_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAPCE_STATS_SLOTS); /* MAPCE_R__MAX used */
	__type(key, __u32);
	__type(value, struct mapce_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
};

/* A side's fragment records (lib/frag.h): struct mapce_frag_key -> the
 * side's own record (value_type), LRU: a flood of first fragments evicts
 * old entries instead of failing, and bounds the memory.  A macro: the
 * value type differs per side. */
#define FRAG_MAP(value_type, entries)                \
	struct {                                     \
		__uint(type, BPF_MAP_TYPE_LRU_HASH); \
		__uint(max_entries, entries);        \
		__type(key, struct mapce_frag_key);  \
		__type(value, value_type);           \
		__uint(pinning, LIBBPF_PIN_BY_NAME); \
	}

/* The layout record of a side's pinned maps (struct mapce_layout, key
 * 0): no program reads it; up writes it and a later up compares
 * (user/sys/layout.h). */
struct layout_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapce_layout);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
};

#endif
