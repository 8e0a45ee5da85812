/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * layout.h - the layout of a side's pinned maps, so that a new build
 * takes the pinned state over only when it reads it as the old one wrote
 * it (deploy.h, step 2).
 *
 * The layout of a build is what its BPF object says of every map it pins
 * (type, key size, value size, max entries, flags: what libbpf needs equal
 * to reuse a pin) and MAPCE_LAYOUT_VERSION (what sizes cannot say).  up
 * compares it, before loading anything, with the maps pinned in the
 * directory and with the layout record there (struct mapce_layout, written
 * by the build that loaded last): a map pinned with another type or size,
 * or another version, is a refusal naming the map and what differs.
 * Nothing is ever flushed to make room.  A map of the object not pinned
 * yet is created by the load (a build that adds a map); pins of a build
 * without a record are taken over when every map matches.
 */
#ifndef MAPCE_LAYOUT_H
#define MAPCE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <bpf/libbpf.h>

#define LAYOUT_MAX_MAPS 32
#define LAYOUT_NAME_LEN 16 /* BPF_OBJ_NAME_LEN */

/* One pinned map as libbpf compares it with its pin. */
struct layout_map {
	char name[LAYOUT_NAME_LEN];
	__u32 type, key_size, value_size, max_entries, flags;
};

struct layout {
	int n;
	struct layout_map maps[LAYOUT_MAX_MAPS];
};

/* The hash of l and version (FNV-1a 64 over the fields in order): equal
 * layouts, equal hashes; any field of any map, the order or the version
 * changes it. */
__u64 layout_hash(const struct layout *l, __u32 version);
/* What of have (the pin) differs from want (this build's), in words, into
 * buf ("value size 16 pinned, 24 in this build"); false when nothing. */
bool layout_map_diff(const struct layout_map *want, const struct layout_map *have, char *buf,
		     size_t len);

/* The pinned maps of an opened (not loaded) object, sized as it will be
 * loaded.  0, or -E2BIG. */
int layout_of_object(struct bpf_object *obj, struct layout *l);
/* The pinned map dir/name as a layout_map: 0, -errno (-ENOENT: not
 * pinned). */
int layout_of_pin(const char *dir, const char *name, struct layout_map *m);

/* May obj (opened, sized) load over the maps pinned in dir, whose layout
 * record is dir/record?  0 (*hash: this build's), or -1 after pr_err()
 * naming each map that differs, what differs, and down_cmd, the way on
 * that drops the state. */
int layout_check(struct bpf_object *obj, const char *dir, const char *record, const char *down_cmd,
		 __u64 *hash);
/* Write this build's record (version, hash) into the map fd. 0, -errno. */
int layout_record(int fd, __u64 hash);

#endif
