/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pin.h - the bpffs pin directories: MAPCE_PIN_ROOT/<wan>/ for a CE,
 * MAPCE_BR_PIN_ROOT/<dev>/ for a BR, one pinned map per file; outside the
 * initial network namespace ROOT/net:INODE/<dev>/ (scope.h).  Every
 * directory is root's, mode 0700, opened without following links
 * (safe_dir.h).  Functions return 0 (or a count) on success, -errno on
 * failure.
 */
#ifndef MAPCE_PIN_H
#define MAPCE_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <net/if.h>
#include "core/policy.h"

#define PIN_DIR_MODE 0700
#define PIN_NAME_PREFIX "mapce_" /* every map mapce pins; down removes only these */

/* root[/net:INODE]/ifname into buf; -ENAMETOOLONG if it does not fit,
 * -EINVAL when ifname is not a device name. */
int pin_dir_path(char *buf, size_t len, const char *root, const char *ifname);
/* Is path on a bpf filesystem (mounted bpffs)?  -ENOTSUP when not. */
int pin_check_bpffs(const char *path);
/* pin_check_bpffs, mounting a bpf filesystem on path when there is none
 * and the mount would outlive this process; -EXDEV when it would not (a
 * private mount namespace, as 'ip netns exec' makes). */
int pin_ensure_bpffs(const char *path);
/* What `up` needs before it pins: a bpf filesystem on /sys/fs/bpf, the
 * pin directory's path in dir, and none of it planted by someone else.
 * 0, or -1 after saying why (err). */
int pin_prepare(const char *root, const char *ifname, char *dir, size_t len);
/* Are root's directory of ifname and those above it mapce's (or missing)?
 * 0, or -errno (-EPERM: a planted link or foreign directory, said why). */
int pin_dir_check(const char *root, const char *ifname);
/* Create (what is missing of) root/../ifname safely; *created: the last
 * component was made now.  0, or -1 after saying why. */
int pin_dir_make(const char *root, const char *ifname, bool *created);
/* Does root's directory of ifname exist? */
bool pin_dir_exists(const char *root, const char *ifname);
/* Does dir/name exist? */
bool pin_exists(const char *dir, const char *name);
/* Open the pinned object dir/name (bpf_obj_get): fd or -errno. */
int pin_open(const char *dir, const char *name);
/* Unpin mapce's maps (PIN_NAME_PREFIX*) in root's directory of ifname,
 * checked first (a planted link or foreign directory: -EPERM, said why),
 * and remove it and the parents mapce made when they end empty.  The
 * number of pins removed (0 when the directory did not exist). */
int pin_dir_remove(const char *root, const char *ifname);
/* Remove root's directory of ifname (and the empty parents) if empty. */
void pin_dir_prune(const char *root, const char *ifname);
/* Names of the subdirectories of root (one per WAN/device) in this
 * network namespace, sorted.  Fills at most max, returns how many (0
 * when root does not exist). */
int pin_list_dirs(const char *root, char (*names)[IF_NAMESIZE], int max);
/* "" when /sys/fs/bpf is a bpf filesystem here; else a hint on where the
 * pins are (after 'ip netns exec' hid the host's). */
const char *pin_hidden_hint(void);

#endif
