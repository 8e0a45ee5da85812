// SPDX-License-Identifier: GPL-2.0-only
/* pin.c - bpffs pin directories. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "core/output.h"

#include "sys/pin.h"

#define PIN_MAX_ENTRIES 256 /* bound on the entries of one pin dir */

int pin_dir_path(char *buf, size_t len, const char *root, const char *ifname)
{
	int n = snprintf(buf, len, "%s/%s", root, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pin_check_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC ? 0 : -ENOTSUP;
}

int pin_ensure_bpffs(const char *path)
{
	int ret = pin_check_bpffs(path);

	if (ret != -ENOTSUP)
		return ret;
	/* Not mounted (a bare system, a fresh container): mount it, as
	 * bpftool and tc do before they pin. */
	if (mount("bpf", path, "bpf", 0, "mode=0700"))
		return -errno;
	pr_warn("mounted a bpf filesystem on %s", path);
	return pin_check_bpffs(path);
}

int pin_prepare(const char *root, const char *ifname, char *dir, size_t len)
{
	int ret = pin_ensure_bpffs("/sys/fs/bpf");

	if (ret) {
		pr_err("/sys/fs/bpf is not a bpf filesystem and mounting one failed (%s)",
		       strerror(-ret));
		return -1;
	}
	if (pin_dir_path(dir, len, root, ifname)) {
		pr_err("pin path for %s too long", ifname);
		return -1;
	}
	return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	char tmp[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

bool pin_exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0;
}

int pin_open(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int pin_dir_remove(const char *dir)
{
	char path[4096];
	struct dirent *de;
	int n = 0, ret = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < PIN_MAX_ENTRIES && (de = readdir(d)); i++) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (unlink(path))
			ret = -errno;
		else
			n++;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		ret = -errno;
	return ret ? ret : n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int pin_list_dirs(const char *root, char (*names)[IF_NAMESIZE], int max)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(root);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < PIN_MAX_ENTRIES && n < max && (de = readdir(d)); i++) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR ||
		    strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_names);
	return n;
}
