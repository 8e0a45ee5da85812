// SPDX-License-Identifier: GPL-2.0-only
/* kv_file.c - key=value record files (kv_file.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/policy.h"
#include "sys/kv_file.h"
#include "sys/pin.h"

#define KV_LINE_MAX (PATH_MAX + 64) /* a value may be a path */

int kv_run_path(char *buf, size_t len, const char *prefix, const char *name, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s%s%s", MAPCE_RUN_DIR, prefix, name, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int kv_file_read(const char *path, int max_lines, int (*fn)(const char *key, char *val, void *ctx),
		 void *ctx)
{
	char line[KV_LINE_MAX];
	int ret = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	for (int i = 0; i < max_lines && fgets(line, sizeof(line), f); i++) {
		char *eq = strchr(line, '=');
		int r;

		if (!eq || line[0] == '#')
			continue;
		*eq = '\0';
		eq[1 + strcspn(eq + 1, "\n")] = '\0';
		r = fn(line, eq + 1, ctx);
		if (r && !ret)
			ret = r;
	}
	fclose(f);
	return ret;
}

int kv_file_write(const char *path, void (*fn)(FILE *f, const void *ctx), const void *ctx)
{
	int ret = mkdir_p(MAPCE_RUN_DIR, 0755);

	return ret ? ret : atomic_write(path, 0644, fn, ctx);
}

int kv_file_remove(const char *path)
{
	return unlink(path) ? -errno : 0;
}
