// SPDX-License-Identifier: GPL-2.0-only
/* kv_file.c - key=value record files (kv_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/policy.h"
#include "sys/kv_file.h"
#include "sys/safe_dir.h"
#include "sys/scope.h"

#define KV_LINE_MAX (PATH_MAX + 64) /* a value may be a path */
#define RUN_DIR_MODE 0755	    /* systemd's RuntimeDirectoryMode */

int kv_run_path(char *buf, size_t len, const char *prefix, const char *name, const char *suffix)
{
	return scope_path(buf, len, MAPCE_RUN_DIR, prefix, name, suffix);
}

int run_dir_ensure(bool scoped)
{
	char dir[PATH_MAX];
	int fd;

	if (!scoped)
		snprintf(dir, sizeof(dir), "%s", MAPCE_RUN_DIR);
	else if (scope_dir(dir, sizeof(dir), MAPCE_RUN_DIR))
		return -ENAMETOOLONG;
	fd = safe_dir_open(dir, safe_dir_base(MAPCE_RUN_DIR), RUN_DIR_MODE, true);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

void run_dir_prune(void)
{
	char dir[PATH_MAX];

	if (*scope_netns_tag() && !scope_dir(dir, sizeof(dir), MAPCE_RUN_DIR))
		rmdir(dir); /* only when empty */
}

int kv_file_open(const char *path)
{
	struct stat st;
	int fd, ret;

	/* Not through a link, never blocking on a FIFO, and only a regular
	 * file of this user: another's would be a record someone forged. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		ret = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		ret = -EPERM;
	else
		return fd;
	close(fd);
	return ret;
}

int kv_file_read(const char *path, int max_lines, int (*fn)(const char *key, char *val, void *ctx),
		 void *ctx)
{
	char line[KV_LINE_MAX];
	int ret = 0, fd = kv_file_open(path);
	FILE *f;

	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f) {
		ret = -errno;
		close(fd);
		return ret;
	}
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
	int ret = run_dir_ensure(true);

	return ret ? ret : atomic_write(path, 0644, fn, ctx);
}

int kv_file_remove(const char *path)
{
	int ret = unlink(path) ? -errno : 0;

	run_dir_prune();
	return ret;
}

void kv_put_text(FILE *f, const char *key, const char *val)
{
	fprintf(f, "%s=", key);
	for (; *val; val++)
		fputc((unsigned char)*val < 0x20 || *val == 0x7f ? '?' : *val, f);
	fputc('\n', f);
}

int kv_record_load(const char *wan, const char *suffix, int max_lines,
		   int (*fn)(const char *key, char *val, void *ctx), void *rec, size_t size)
{
	char p[PATH_MAX];

	memset(rec, 0, size);
	if (kv_run_path(p, sizeof(p), "", wan, suffix))
		return -ENAMETOOLONG;
	return kv_file_read(p, max_lines, fn, rec);
}

int kv_record_save(const char *wan, const char *suffix, void (*fn)(FILE *f, const void *ctx),
		   const void *rec)
{
	char p[PATH_MAX];

	if (kv_run_path(p, sizeof(p), "", wan, suffix))
		return -ENAMETOOLONG;
	return kv_file_write(p, fn, rec);
}

int kv_record_forget(const char *wan, const char *suffix)
{
	char p[PATH_MAX];

	if (kv_run_path(p, sizeof(p), "", wan, suffix))
		return -ENAMETOOLONG;
	return kv_file_remove(p);
}
