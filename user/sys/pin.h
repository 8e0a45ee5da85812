/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pin.h - the bpffs pin directories: MAPCE_PIN_ROOT/<wan>/ for a CE,
 * MAPCE_BR_PIN_ROOT/<dev>/ for a BR, one pinned map per file.
 * Functions return 0 (or a count) on success, -errno on failure.
 */
#ifndef MAPCE_PIN_H
#define MAPCE_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <net/if.h>
#include "core/policy.h"

/* "root/ifname" into buf; -ENAMETOOLONG if it does not fit. */
int pin_dir_path(char *buf, size_t len, const char *root, const char *ifname);
/* Is path on a bpf filesystem (mounted bpffs)?  -ENOTSUP when not. */
int pin_check_bpffs(const char *path);
/* pin_check_bpffs, mounting a bpf filesystem on path when there is none. */
int pin_ensure_bpffs(const char *path);
/* What `up` needs before it pins: a bpf filesystem on /sys/fs/bpf and the
 * pin directory root/ifname in dir.  0, or -1 after saying why (err). */
int pin_prepare(const char *root, const char *ifname, char *dir, size_t len);
/* mkdir -p with mode for the missing components. */
int mkdir_p(const char *path, mode_t mode);
/* Does dir/name exist? */
bool pin_exists(const char *dir, const char *name);
/* Open the pinned object dir/name (bpf_obj_get): fd or -errno. */
int pin_open(const char *dir, const char *name);
/* Unpin everything in dir (unlink every entry) and remove dir.  Returns
 * the number of pins removed (0 when dir did not exist). */
int pin_dir_remove(const char *dir);
/* Names of the subdirectories of root (one per WAN/device), sorted.
 * Fills at most max, returns how many (0 when root does not exist). */
int pin_list_dirs(const char *root, char (*names)[IF_NAMESIZE], int max);

#endif
