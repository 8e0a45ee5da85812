// SPDX-License-Identifier: GPL-2.0-only
/* pin.c - bpffs pin directories. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "sys/safe_dir.h"
#include "sys/scope.h"

#define PIN_MAX_ENTRIES 256 /* bound on the entries of one pin dir */
#define BPFFS "/sys/fs/bpf"

int pin_dir_path(char *buf, size_t len, const char *root, const char *ifname)
{
	return scope_path(buf, len, root, "", ifname, "");
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
	/* A private mount namespace ('ip netns exec', unshare -m, a
	 * sandboxed service) takes what is mounted in it to the grave: the
	 * pins would go with this process while the programs stay attached,
	 * and no later command could find them. */
	if (!scope_mount_ns_shared())
		return -EXDEV;
	/* Not mounted (a bare system, a fresh container): mount it, as
	 * bpftool and tc do before they pin. */
	if (mount("bpf", path, "bpf", 0, "mode=0700"))
		return -errno;
	pr_warn("mounted a bpf filesystem on %s", path);
	return pin_check_bpffs(path);
}

const char *pin_hidden_hint(void)
{
	if (pin_check_bpffs(BPFFS) == 0)
		return "";
	return "; " BPFFS " is not a bpf filesystem here: in a private mount namespace (as "
	       "'ip netns exec' makes) the host's pins are out of sight; switch only the network "
	       "namespace: nsenter --net=/run/netns/NS mapce ...";
}

int pin_prepare(const char *root, const char *ifname, char *dir, size_t len)
{
	int ret = pin_ensure_bpffs(BPFFS);

	if (ret == -EXDEV) {
		pr_err("%s is not a bpf filesystem, and one mounted now would vanish with the pins "
		       "when mapce exits (this is a private mount namespace, as 'ip netns exec' "
		       "makes): mount one on the host ('mount -t bpf bpf %s') and switch only the "
		       "network namespace ('nsenter --net=/run/netns/NS mapce ...')",
		       BPFFS, BPFFS);
		return -1;
	}
	if (ret) {
		pr_err("%s is not a bpf filesystem and mounting one failed (%s)", BPFFS,
		       strerror(-ret));
		return -1;
	}
	ret = pin_dir_path(dir, len, root, ifname);
	if (ret) {
		pr_err("pin path for %s: %s", ifname, strerror(-ret));
		return -1;
	}
	/* A planted link or foreign directory refuses before anything. */
	return pin_dir_check(root, ifname) ? -1 : 0;
}

int pin_dir_check(const char *root, const char *ifname)
{
	char dir[4096];
	int fd, ret = pin_dir_path(dir, sizeof(dir), root, ifname);

	if (ret)
		return ret;
	fd = safe_dir_open(dir, safe_dir_base(root), PIN_DIR_MODE, false);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	close(fd);
	return 0;
}

int pin_dir_make(const char *root, const char *ifname, bool *created)
{
	char dir[4096];
	int fd;

	if (pin_dir_path(dir, sizeof(dir), root, ifname))
		return -1;
	*created = !pin_dir_exists(root, ifname);
	fd = safe_dir_open(dir, safe_dir_base(root), PIN_DIR_MODE, true);
	if (fd < 0) {
		if (fd != -EPERM)
			pr_err("creating %s: %s", dir, strerror(-fd));
		return -1;
	}
	close(fd);
	return 0;
}

bool pin_dir_exists(const char *root, const char *ifname)
{
	char dir[4096];
	struct stat st;

	return !pin_dir_path(dir, sizeof(dir), root, ifname) && !lstat(dir, &st) &&
	       S_ISDIR(st.st_mode);
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

void pin_dir_prune(const char *root, const char *ifname)
{
	char dir[4096];

	if (pin_dir_path(dir, sizeof(dir), root, ifname))
		return;
	/* Each only when empty (ENOTEMPTY otherwise): other devices, other
	 * namespaces keep theirs.  A unit's ExecStartPre makes root again. */
	rmdir(dir);
	if (*scope_netns_tag() && !scope_dir(dir, sizeof(dir), root))
		rmdir(dir);
	rmdir(root);
}

int pin_dir_remove(const char *root, const char *ifname)
{
	char dir[4096];
	struct dirent *de;
	int n = 0, ret = 0, fd;
	DIR *d;

	ret = pin_dir_path(dir, sizeof(dir), root, ifname);
	if (ret)
		return ret;
	fd = safe_dir_open(dir, safe_dir_base(root), PIN_DIR_MODE, false);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	for (int i = 0; i < PIN_MAX_ENTRIES && (de = readdir(d)); i++) {
		/* mapce's pins by name, never what else is there */
		if (strncmp(de->d_name, PIN_NAME_PREFIX, strlen(PIN_NAME_PREFIX)))
			continue;
		if (unlinkat(fd, de->d_name, 0))
			ret = -errno;
		else
			n++;
	}
	closedir(d);
	pin_dir_prune(root, ifname);
	return ret ? ret : n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int pin_list_dirs(const char *root, char (*names)[IF_NAMESIZE], int max)
{
	char dir[4096];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (scope_dir(dir, sizeof(dir), root))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < PIN_MAX_ENTRIES && n < max && (de = readdir(d)); i++) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR || scope_is_tag(de->d_name) ||
		    strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_names);
	return n;
}
