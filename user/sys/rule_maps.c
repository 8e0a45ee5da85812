// SPDX-License-Identifier: GPL-2.0-only
/* rule_maps.c - the pinned rule array and IPv4 LPM (rule_maps.h). */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "sys/map_util.h"
#include "sys/rule_maps.h"

static struct mapce_rule slot(const struct mapce_rule *rules, int n, __u32 i)
{
	struct mapce_rule r = {};

	if ((int)i < n)
		r = rules[i];
	return r;
}

int rule_array_write(int fd, const struct mapce_rule *rules, int n, __u32 *failed)
{
	for (__u32 i = 0; i < MAPCE_MAX_RULES; i++) {
		struct mapce_rule r = slot(rules, n, i);

		if (bpf_map_update_elem(fd, &i, &r, BPF_ANY)) {
			*failed = i;
			return -errno;
		}
	}
	return 0;
}

bool rule_array_equal(int fd, const struct mapce_rule *rules, int n)
{
	for (__u32 i = 0; i < MAPCE_MAX_RULES; i++) {
		struct mapce_rule cur, want = slot(rules, n, i);

		if (bpf_map_lookup_elem(fd, &i, &cur) || memcmp(&cur, &want, sizeof(cur)))
			return false;
	}
	return true;
}

static struct mapce_lpm_v4_key lpm_key(const struct mapce_rule *r)
{
	struct mapce_lpm_v4_key k = { .prefixlen = r->ipv4_prefix_len, .addr = r->ipv4_prefix };

	return k;
}

int rule_lpm_write(int fd, const struct mapce_rule *rules, int n, bool fmr_only, __u32 *failed)
{
	map_clear(fd, MAPCE_MAX_RULES);
	for (__u32 i = 0; (int)i < n; i++) {
		struct mapce_lpm_v4_key k = lpm_key(&rules[i]);

		if (fmr_only && !(rules[i].flags & MAPCE_RULE_F_FMR))
			continue;
		if (bpf_map_update_elem(fd, &k, &i, BPF_ANY)) {
			*failed = i;
			return -errno;
		}
	}
	return 0;
}

bool rule_lpm_equal(int fd, const struct mapce_rule *rules, int n)
{
	for (int i = 0; i < n; i++) {
		struct mapce_lpm_v4_key k = lpm_key(&rules[i]);
		__u32 idx;

		if (bpf_map_lookup_elem(fd, &k, &idx) || idx != (__u32)i)
			return false;
	}
	return true;
}
