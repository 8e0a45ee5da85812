/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * safe_dir.h - directories mapce keeps its files in, opened without
 * following a link another user planted: /sys/fs/bpf is a world-writable
 * (sticky) bpffs, so anyone may create /sys/fs/bpf/mapce before root
 * does, make it a symlink, or put a symlink inside it, and root's pins
 * (and down's unlinks) would go where that user chose.  Each component
 * below a trusted base is opened with O_NOFOLLOW|O_DIRECTORY relative to
 * the one above and must be owned by this user with no permission bit
 * outside the mode mapce creates it with; once it is, nobody else can
 * change what is inside, so paths below it are safe to use.
 */
#ifndef MAPCE_SAFE_DIR_H
#define MAPCE_SAFE_DIR_H

#include <stdbool.h>
#include <sys/types.h>

/* Open the directory path (creating the missing components with mode
 * when create) whose first base_len characters are the trusted base (a
 * mount point only root can make: "/sys/fs/bpf", "/run").  The directory
 * fd, or -errno: -ENOENT when a component is missing and !create, -EPERM
 * after saying which component is not mapce's and why (err). */
int safe_dir_open(const char *path, size_t base_len, mode_t mode, bool create);
/* The length of path's parent ("/sys/fs/bpf" of "/sys/fs/bpf/mapce"). */
size_t safe_dir_base(const char *path);

#endif
