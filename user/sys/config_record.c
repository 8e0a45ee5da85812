// SPDX-License-Identifier: GPL-2.0-only
/* config_record.c - the record of the config file up read (config_record.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "sys/config_record.h"
#include "sys/kv_file.h"

#define RECORD_MAX_LINES 16

struct record_out {
	const char *wan, *path;
};

static void record_write(FILE *f, const void *ctx)
{
	const struct record_out *o = ctx;

	fprintf(f,
		"# mapce up on %s read this config file (mapce portmap edits it)\n"
		"path=%s\n",
		o->wan, o->path);
}

int config_path_record(const char *wan, const char *path)
{
	struct record_out o = { wan, path };
	char p[PATH_MAX];

	if (!path || !*path) {
		config_path_forget(wan);
		return 0;
	}
	if (kv_run_path(p, sizeof(p), "", wan, ".config"))
		return -ENAMETOOLONG;
	return kv_file_write(p, record_write, &o);
}

struct record_in {
	char *buf;
	size_t len;
	int ret; /* -ENOENT until a path= line is found */
};

static int record_line(const char *key, char *val, void *ctx)
{
	struct record_in *in = ctx;

	if (strcmp(key, "path") || !val[0] || in->ret != -ENOENT)
		return 0;
	if (strlen(val) >= in->len) {
		in->ret = -ENAMETOOLONG;
		return 0;
	}
	strcpy(in->buf, val);
	in->ret = 0;
	return 0;
}

int config_path_lookup(const char *wan, char *buf, size_t len)
{
	struct record_in in = { buf, len, -ENOENT };
	char p[PATH_MAX];
	int ret;

	if (kv_run_path(p, sizeof(p), "", wan, ".config"))
		return -ENAMETOOLONG;
	ret = kv_file_read(p, RECORD_MAX_LINES, record_line, &in);
	return ret ? ret : in.ret;
}

int config_path_forget(const char *wan)
{
	char p[PATH_MAX];

	if (kv_run_path(p, sizeof(p), "", wan, ".config"))
		return -ENAMETOOLONG;
	return kv_file_remove(p);
}
