// SPDX-License-Identifier: GPL-2.0-only
/* scope.c - the per-network-namespace part of mapce's paths (scope.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "sys/scope.h"

/* Since Linux 6.18 the initial network and mount namespaces have fixed
 * inode numbers (the kernel's enum init_ns_ino); older kernels number
 * them like any other, and then only pid 1's links tell. */
#define NET_NS_INIT_INO 0xEFFFFFF9ul
#define MNT_NS_INIT_INO 0xEFFFFFF8ul
#define FIXED_INO_KERNEL 618 /* major * 100 + minor */

static bool kernel_has_fixed_ino(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major * 100 + minor >= FIXED_INO_KERNEL;
}

static int ns_ino(const char *path, unsigned long *ino)
{
	struct stat st;

	*ino = 0;
	if (stat(path, &st))
		return -errno;
	*ino = (unsigned long)st.st_ino;
	return 0;
}

/* 1: this process is in pid 1's namespace of kind ("net", "mnt") or the
 * kernel's initial one; 0: in another one; -errno: cannot be told. */
static int ns_is_init(const char *kind, unsigned long init_ino, unsigned long *self)
{
	char path[64];
	unsigned long one = 0;
	int ret;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	ret = ns_ino(path, self);
	if (ret)
		return ret;
	if (*self == init_ino)
		return 1;
	/* pid 1's links need ptrace access to it: a sandboxed service
	 * (fewer capabilities than pid 1) has none */
	snprintf(path, sizeof(path), "/proc/1/ns/%s", kind);
	ret = ns_ino(path, &one);
	if (!ret)
		return *self == one;
	return kernel_has_fixed_ino() ? 0 : ret;
}

const char *scope_netns_tag(void)
{
	static char tag[32];
	static bool done;
	unsigned long self = 0;

	if (!done) {
		/* Cannot tell (no /proc, pid 1 out of reach on a kernel
		 * without fixed inodes): the historic paths, as before. */
		if (ns_is_init("net", NET_NS_INIT_INO, &self) == 0)
			snprintf(tag, sizeof(tag), SCOPE_NETNS_PREFIX "%lu", self);
		done = true;
	}
	return tag;
}

int scope_dir(char *buf, size_t len, const char *root)
{
	const char *tag = scope_netns_tag();
	int n = snprintf(buf, len, "%s%s%s", root, *tag ? "/" : "", tag);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int scope_path(char *buf, size_t len, const char *root, const char *prefix, const char *name,
	       const char *suffix)
{
	size_t used;
	int n, ret;

	if (!name[0] || name[0] == '.' || strpbrk(name, "/:"))
		return -EINVAL;
	ret = scope_dir(buf, len, root);
	if (ret)
		return ret;
	used = strlen(buf);
	n = snprintf(buf + used, len - used, "/%s%s%s", prefix, name, suffix);
	return n < 0 || (size_t)n >= len - used ? -ENAMETOOLONG : 0;
}

bool scope_is_tag(const char *name)
{
	return !strncmp(name, SCOPE_NETNS_PREFIX, strlen(SCOPE_NETNS_PREFIX));
}

bool scope_mount_ns_shared(void)
{
	unsigned long self = 0;

	return ns_is_init("mnt", MNT_NS_INIT_INO, &self) == 1;
}
