/* SPDX-License-Identifier: GPL-2.0-only */
/* map_util.h - small operations on a BPF map fd that loaders share. */
#ifndef MAPCE_MAP_UTIL_H
#define MAPCE_MAP_UTIL_H

#include <stdbool.h>
#include <linux/types.h>

/* The map's max_entries, 0 when it cannot be read. */
__u32 map_max_entries(int fd);
/* Do the map's keys and values fit buffers of key_max and value_max
 * bytes?  false too when its info cannot be read. */
bool map_fits(int fd, __u32 key_max, __u32 value_max);
/* Delete every element of a hash or LPM map: take the first key, delete
 * it, repeat (at most max + 1 times, so a map the datapath refills cannot
 * keep us here). */
void map_clear(int fd, __u32 max);

#endif
