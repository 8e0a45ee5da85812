// SPDX-License-Identifier: GPL-2.0-only
/* map_util.c - small map operations (map_util.h). */
#include <string.h>
#include <bpf/bpf.h>

#include "sys/map_util.h"

#define MAP_KEY_MAX 64 /* largest key of our maps, with room to spare */

/* The map's info (zeroed when it cannot be read). */
static struct bpf_map_info map_info(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		memset(&info, 0, sizeof(info));
	return info;
}

__u32 map_max_entries(int fd)
{
	return map_info(fd).max_entries;
}

bool map_fits(int fd, __u32 key_max, __u32 value_max)
{
	struct bpf_map_info info = map_info(fd);

	return info.key_size && info.key_size <= key_max && info.value_size <= value_max;
}

void map_clear(int fd, __u32 max)
{
	__u8 key[MAP_KEY_MAX];

	for (__u32 i = 0; i <= max; i++) {
		if (bpf_map_get_next_key(fd, NULL, key))
			break;
		if (bpf_map_delete_elem(fd, key))
			break;
	}
}
