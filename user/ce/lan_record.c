// SPDX-License-Identifier: GPL-2.0-only
/*
 * lan_record.c - the record of a program up attached to a LAN device
 * (lan_record.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ce/lan_record.h"
#include "sys/kv_file.h"

#define RECORD_MAX_LINES 16

struct record_out {
	const char *what;
	const struct lan_record *r;
};

static void record_write(FILE *f, const void *ctx)
{
	const struct record_out *o = ctx;

	fprintf(f,
		"# mapce up attached its %s to this LAN device\n"
		"lan=%s\nifindex=%d\nprog_id=%u\nmode=%u\n",
		o->what, o->r->lan, o->r->ifindex, o->r->prog_id, o->r->mode);
}

static int record_line(const char *key, char *val, void *ctx)
{
	struct lan_record *r = ctx;
	unsigned long v = strtoul(val, NULL, 10);

	if (!strcmp(key, "lan") && strlen(val) < sizeof(r->lan))
		snprintf(r->lan, sizeof(r->lan), "%s", val);
	else if (!strcmp(key, "ifindex") && v <= INT_MAX)
		r->ifindex = (int)v;
	else if (!strcmp(key, "prog_id") && v <= UINT_MAX)
		r->prog_id = (__u32)v;
	else if (!strcmp(key, "mode") && v <= 255)
		r->mode = (__u8)v;
	return 0;
}

int lan_record_load(const char *wan, const char *suffix, struct lan_record *r)
{
	char p[PATH_MAX];
	int ret;

	memset(r, 0, sizeof(*r));
	if (kv_run_path(p, sizeof(p), "", wan, suffix))
		return -ENAMETOOLONG;
	ret = kv_file_read(p, RECORD_MAX_LINES, record_line, r);
	if (ret)
		return ret;
	return r->ifindex > 0 && r->prog_id ? 0 : -ENOENT;
}

int lan_record_save(const char *wan, const char *suffix, const char *what,
		    const struct lan_record *r)
{
	struct record_out o = { what, r };
	char p[PATH_MAX];

	if (kv_run_path(p, sizeof(p), "", wan, suffix))
		return -ENAMETOOLONG;
	return kv_file_write(p, record_write, &o);
}

void lan_record_forget(const char *wan, const char *suffix)
{
	char p[PATH_MAX];

	if (!kv_run_path(p, sizeof(p), "", wan, suffix))
		kv_file_remove(p);
}
