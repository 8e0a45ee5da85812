// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_layout.c - the layout of the pinned maps (user/sys/layout.c): the
 * hash and the words of a difference (pure), the layout the CE's object
 * declares, and the check against real pins in a scratch directory of
 * the bpf filesystem (root; skipped without): a compatible pin passes, a
 * pin of another value size or a record of another version is refused
 * naming the map, what differs and the down command.
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "mapce_abi.h"
#include "mapce_ce.skel.h"
#include "core/output.h"
#include "sys/layout.h"
#include "sys/pin.h"

static struct layout two(void)
{
	struct layout l = { .n = 2 };

	l.maps[0] = (struct layout_map){ "mapce_config", BPF_MAP_TYPE_ARRAY, 4, 84, 1, 0 };
	l.maps[1] = (struct layout_map){ "mapce_flow_out", BPF_MAP_TYPE_HASH, 16, 40, 65536, 0 };
	return l;
}

static void test_hash(void)
{
	struct layout a = two(), b = two();
	__u64 h = layout_hash(&a, 1);
	__u32 *fields[] = { &b.maps[1].type, &b.maps[1].key_size, &b.maps[1].value_size,
			    &b.maps[1].max_entries, &b.maps[1].flags };

	TCASE_BEGIN("layout_hash");
	CHECK_EQ(layout_hash(&b, 1), h);
	CHECK(layout_hash(&a, 2) != h, "the version is not in the hash");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		b = two();
		*fields[i] += 1;
		CHECK(layout_hash(&b, 1) != h, "field %zu is not in the hash", i);
	}
	b = two();
	b.maps[0] = a.maps[1];
	b.maps[1] = a.maps[0];
	CHECK(layout_hash(&b, 1) != h, "the order is not in the hash");
	b = two();
	b.maps[1].name[6] = 'X';
	CHECK(layout_hash(&b, 1) != h, "the name is not in the hash");
	/* what follows a name's end is not layout */
	b = two();
	b.maps[0].name[14] = 'Z';
	CHECK_EQ(layout_hash(&b, 1), h);
	b = two();
	b.n = 1;
	CHECK(layout_hash(&b, 1) != h, "a missing map leaves the hash");
	TCASE_END();
}

static void test_diff(void)
{
	struct layout a = two(), b = two();
	char buf[160], tiny[12];

	TCASE_BEGIN("layout_map_diff");
	CHECK(!layout_map_diff(&a.maps[1], &b.maps[1], buf, sizeof(buf)));
	CHECK_STR(buf, "");
	b.maps[1].value_size = 48; /* have: the pin */
	CHECK(layout_map_diff(&a.maps[1], &b.maps[1], buf, sizeof(buf)));
	CHECK_STR(buf, "value size 48 pinned, 40 in this build");
	b.maps[1].type = BPF_MAP_TYPE_LRU_HASH;
	b.maps[1].max_entries = 1000;
	CHECK(layout_map_diff(&a.maps[1], &b.maps[1], buf, sizeof(buf)));
	CHECK_STR(buf, "type 9 pinned, 1 in this build, value size 48 pinned, 40 in this build, "
		       "max entries 1000 pinned, 65536 in this build");
	/* a short buffer is cut, never overrun, and still says "differs" */
	CHECK(layout_map_diff(&a.maps[1], &b.maps[1], tiny, sizeof(tiny)));
	CHECK_EQ(strlen(tiny), sizeof(tiny) - 1);
	TCASE_END();
}

/* The CE's object as up opens it (pinned under dir). */
static struct mapce_ce *open_ce(const char *dir)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = dir);

	return mapce_ce__open_opts(&oo);
}

static const struct layout_map *find(const struct layout *l, const char *name)
{
	for (int i = 0; i < l->n; i++) {
		if (!strcmp(l->maps[i].name, name))
			return &l->maps[i];
	}
	return NULL;
}

static void test_object(void)
{
	struct mapce_ce *s = open_ce("/nonexistent");
	const struct layout_map *m;
	static struct layout l, l2;

	TCASE_BEGIN("layout_of_object");
	CHECK(s != NULL, "opening the CE object");
	if (!s)
		return;
	CHECK_EQ(layout_of_object(s->obj, &l), 0);
	m = find(&l, "mapce_layout");
	CHECK(m && m->value_size == sizeof(struct mapce_layout) && m->max_entries == 1,
	      "the layout record is a pinned map of one struct mapce_layout");
	m = find(&l, "mapce_flow_out");
	CHECK(m && m->type == BPF_MAP_TYPE_HASH && m->key_size == sizeof(struct mapce_tuple) &&
		      m->value_size == sizeof(struct mapce_flow),
	      "mapce_flow_out as mapce_abi.h says");
	m = find(&l, "mapce_hosts");
	CHECK(m && m->value_size == sizeof(struct mapce_host), "mapce_hosts");
	CHECK(!find(&l, "mapce_reasm_tmp"), "a map that is not pinned is not layout");
	/* sized as up sizes it (--max-flows): the size is layout */
	bpf_map__set_max_entries(s->maps.mapce_flow_out, 1000);
	CHECK_EQ(layout_of_object(s->obj, &l2), 0);
	CHECK(layout_hash(&l, 1) != layout_hash(&l2, 1), "max entries not in the hash");
	mapce_ce__destroy(s);
	TCASE_END();
}

/* ---- against pins ------------------------------------------------------- */

static char msgs[2048];

static void grab(bool error, const char *msg, void *arg)
{
	size_t n = strlen(msgs);

	snprintf(msgs + n, sizeof(msgs) - n, "%s\n", msg);
}

static int pin_map(const char *dir, const char *name, enum bpf_map_type type, __u32 ksz, __u32 vsz,
		   __u32 max)
{
	char path[512];
	int fd = bpf_map_create(type, name, ksz, vsz, max, NULL), ret;

	if (fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = bpf_obj_pin(fd, path) ? -errno : 0;
	close(fd);
	return ret;
}

/* Check the CE's object against dir; msgs gets what it said. */
static int check(const char *dir)
{
	struct mapce_ce *s = open_ce(dir);
	__u64 h = 0;
	int ret;

	if (!s)
		return -100;
	msgs[0] = '\0';
	out_redirect_msgs(grab, NULL);
	ret = layout_check(s->obj, dir, "mapce_layout", "mapce down --wan test0", &h);
	out_redirect_msgs(NULL, NULL);
	mapce_ce__destroy(s);
	return ret;
}

/* The test's own pin directory (not under mapce's pin tree): its pins
 * unlinked, then the directory. */
static void rm_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void test_check(void)
{
	char dir[] = "/sys/fs/bpf/mapce-test-layout-XXXXXX";
	int fd;

	if (pin_check_bpffs("/sys/fs/bpf") || !mkdtemp(dir)) {
		TSKIP("layout_check", "no bpf filesystem on /sys/fs/bpf to pin in (root needed)");
		return;
	}
	TCASE_BEGIN("layout_check");
	/* nothing pinned: a fresh up */
	CHECK_EQ(check(dir), 0);
	/* pins of an earlier build without a record, as this build's */
	CHECK_EQ(pin_map(dir, "mapce_hosts", BPF_MAP_TYPE_HASH, 4, sizeof(struct mapce_host),
			 MAPCE_MAX_BINDINGS),
		 0);
	CHECK_EQ(check(dir), 0);
	CHECK_STR(msgs, "");
	/* this build's record */
	CHECK_EQ(
		pin_map(dir, "mapce_layout", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct mapce_layout), 1),
		0);
	fd = pin_open(dir, "mapce_layout");
	CHECK(fd >= 0 && layout_record(fd, 42) == 0, "writing the record");
	CHECK_EQ(check(dir), 0);
	/* a record of another version */
	if (fd >= 0) {
		struct mapce_layout rec = { .version = MAPCE_LAYOUT_VERSION + 7 };
		__u32 key = 0;

		bpf_map_update_elem(fd, &key, &rec, BPF_ANY);
		close(fd);
	}
	CHECK_EQ(check(dir), -1);
	CHECK(strstr(msgs, "another layout than this build's") &&
		      strstr(msgs, "'mapce down --wan test0' first"),
	      "message: %s", msgs);
	{
		char want[96];

		snprintf(want, sizeof(want), "layout version %u pinned, %u in this build",
			 MAPCE_LAYOUT_VERSION + 7, MAPCE_LAYOUT_VERSION);
		CHECK(strstr(msgs, want) != NULL, "no '%s' in: %s", want, msgs);
	}
	/* a map of another value size (a record of this version) */
	rm_dir(dir);
	CHECK(mkdir(dir, 0700) == 0, "recreating %s", dir);
	CHECK_EQ(pin_map(dir, "mapce_hosts", BPF_MAP_TYPE_HASH, 4, sizeof(struct mapce_host) + 8,
			 MAPCE_MAX_BINDINGS),
		 0);
	CHECK_EQ(check(dir), -1);
	{
		char want[96];

		snprintf(want, sizeof(want),
			 "mapce_hosts: value size %zu pinned, %zu in this build",
			 sizeof(struct mapce_host) + 8, sizeof(struct mapce_host));
		CHECK(strstr(msgs, want) != NULL, "no '%s' in: %s", want, msgs);
	}
	CHECK(!strstr(msgs, "layout version"), "no record, yet a version: %s", msgs);
	rm_dir(dir);
	CHECK(access(dir, F_OK) != 0, "%s left behind", dir);
	TCASE_END();
}

int main(void)
{
	libbpf_set_print(NULL);
	test_hash();
	test_diff();
	test_object();
	test_check();
	return t_exit();
}
