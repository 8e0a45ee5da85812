// SPDX-License-Identifier: GPL-2.0-only
/* kv_file.c - key=value record files (kv_file.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sys/kv_file.h"
#include "sys/lock.h"
#include "sys/pin.h"

#define KV_LINE_MAX 256

int kv_state_path(char *buf, size_t len, const char *prefix, const char *name)
{
	int n = snprintf(buf, len, "%s/%s%s.state", MAPCE_RUN_DIR, prefix, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int kv_file_read(const char *path, int max_lines,
		 int (*fn)(const char *key, char *val, void *ctx), void *ctx)
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
	char tmp[KV_LINE_MAX + 8];
	int ret = mkdir_p(MAPCE_RUN_DIR, 0755);
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f;

	if (ret)
		return ret;
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fn(f, ctx);
	if (fclose(f) || rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
		return ret;
	}
	return 0;
}

int kv_file_remove(const char *path)
{
	return unlink(path) ? -errno : 0;
}
