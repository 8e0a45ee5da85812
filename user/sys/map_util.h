/* SPDX-License-Identifier: GPL-2.0-only */
/* map_util.h - small operations on a BPF map fd that loaders share. */
#ifndef MAPCE_MAP_UTIL_H
#define MAPCE_MAP_UTIL_H

#include <linux/types.h>

/* The map's max_entries, 0 when it cannot be read. */
__u32 map_max_entries(int fd);
/* The map's value size, 0 when it cannot be read. */
__u32 map_value_size(int fd);
/* Delete every element of a hash or LPM map: take the first key, delete
 * it, repeat (at most max + 1 times, so a map the datapath refills cannot
 * keep us here). */
void map_clear(int fd, __u32 max);

#endif
