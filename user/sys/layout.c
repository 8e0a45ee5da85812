// SPDX-License-Identifier: GPL-2.0-only
/* layout.c - the layout of the pinned maps, checked before a load (layout.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "mapce_abi.h"
#include "core/output.h"
#include "sys/layout.h"
#include "sys/pin.h"

/* ---- pure ------------------------------------------------------------ */

static __u64 fnv(__u64 h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

__u64 layout_hash(const struct layout *l, __u32 version)
{
	__u64 h = fnv(0xcbf29ce484222325ULL, &version, sizeof(version));

	for (int i = 0; i < l->n; i++) {
		const struct layout_map *m = &l->maps[i];
		__u32 f[5] = { m->type, m->key_size, m->value_size, m->max_entries, m->flags };

		/* the name up to its end only: what follows it is not layout */
		h = fnv(h, m->name, strnlen(m->name, LAYOUT_NAME_LEN));
		h = fnv(h, f, sizeof(f));
	}
	return h;
}

bool layout_map_diff(const struct layout_map *want, const struct layout_map *have, char *buf,
		     size_t len)
{
	static const struct {
		const char *what;
		size_t off;
	} fields[] = {
		{ "type", offsetof(struct layout_map, type) },
		{ "key size", offsetof(struct layout_map, key_size) },
		{ "value size", offsetof(struct layout_map, value_size) },
		{ "max entries", offsetof(struct layout_map, max_entries) },
		{ "flags", offsetof(struct layout_map, flags) },
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		__u32 w, h;

		memcpy(&w, (const char *)want + fields[i].off, sizeof(w));
		memcpy(&h, (const char *)have + fields[i].off, sizeof(h));
		if (w == h || n + 1 >= len)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s %u pinned, %u in this build",
				      n ? ", " : "", fields[i].what, h, w);
	}
	return buf[0] != '\0';
}

/* ---- from the object and the pins ------------------------------------- */

int layout_of_object(struct bpf_object *obj, struct layout *l)
{
	struct bpf_map *map;

	l->n = 0;
	bpf_object__for_each_map(map, obj)
	{
		struct layout_map *m;

		if (!bpf_map__pin_path(map))
			continue; /* not pinned: not state */
		if (l->n == LAYOUT_MAX_MAPS)
			return -E2BIG;
		m = &l->maps[l->n++];
		memset(m, 0, sizeof(*m));
		snprintf(m->name, sizeof(m->name), "%s", bpf_map__name(map));
		m->type = (__u32)bpf_map__type(map);
		m->key_size = bpf_map__key_size(map);
		m->value_size = bpf_map__value_size(map);
		m->max_entries = bpf_map__max_entries(map);
		m->flags = bpf_map__map_flags(map);
	}
	return 0;
}

int layout_of_pin(const char *dir, const char *name, struct layout_map *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = pin_open(dir, name), ret = 0;

	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		ret = -errno;
	close(fd);
	if (ret)
		return ret;
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->type = info.type;
	m->key_size = info.key_size;
	m->value_size = info.value_size;
	m->max_entries = info.max_entries;
	m->flags = info.map_flags;
	return 0;
}

/* The record pinned as dir/name: 1 read, 0 none (pins of a build that
 * wrote none, or never written), -errno. */
static int read_record(const char *dir, const char *name, struct mapce_layout *rec)
{
	struct layout_map m;
	__u32 key = 0;
	int fd, ret = layout_of_pin(dir, name, &m);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	/* another layout of the record itself is reported with the maps */
	if (m.value_size != sizeof(*rec) || m.key_size != sizeof(key))
		return 0;
	fd = pin_open(dir, name);
	if (fd < 0)
		return fd;
	memset(rec, 0, sizeof(*rec));
	ret = bpf_map_lookup_elem(fd, &key, rec) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	return rec->version != 0; /* an array element never written is zeros */
}

int layout_check(struct bpf_object *obj, const char *dir, const char *record, const char *down_cmd,
		 __u64 *hash)
{
	static struct layout want;
	struct mapce_layout rec = {};
	struct layout_map have;
	char what[768], one[160];
	size_t n = 0;
	int ret;

	ret = layout_of_object(obj, &want);
	if (ret) {
		pr_err("more than %d pinned maps in the BPF object", LAYOUT_MAX_MAPS);
		return -1;
	}
	*hash = layout_hash(&want, MAPCE_LAYOUT_VERSION);
	what[0] = '\0';
	ret = read_record(dir, record, &rec);
	if (ret < 0) {
		pr_err("reading the layout record %s/%s: %s", dir, record, strerror(-ret));
		return -1;
	}
	if (ret == 1 && rec.version != MAPCE_LAYOUT_VERSION)
		n += (size_t)snprintf(what, sizeof(what),
				      "layout version %u pinned, %u in this build", rec.version,
				      MAPCE_LAYOUT_VERSION);
	for (int i = 0; i < want.n && n + 1 < sizeof(what); i++) {
		ret = layout_of_pin(dir, want.maps[i].name, &have);
		if (ret == -ENOENT)
			continue; /* new in this build: the load creates it */
		if (ret) {
			pr_err("reading the pinned map %s/%s: %s", dir, want.maps[i].name,
			       strerror(-ret));
			return -1;
		}
		if (layout_map_diff(&want.maps[i], &have, one, sizeof(one)))
			n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s: %s", n ? "; " : "",
					      want.maps[i].name, one);
	}
	if (!n)
		return 0;
	pr_err("the maps pinned in %s have another layout than this build's (%s); this build "
	       "cannot take their state over: run the mapce that pinned them, or '%s' first "
	       "(it drops the pinned state, every NAT binding with it)",
	       dir, what, down_cmd);
	return -1;
}

int layout_record(int fd, __u64 hash)
{
	struct mapce_layout rec = { .version = MAPCE_LAYOUT_VERSION, .hash = hash };
	__u32 key = 0;

	return bpf_map_update_elem(fd, &key, &rec, BPF_ANY) ? -errno : 0;
}
