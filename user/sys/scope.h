/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scope.h - whose files these are: interface names are per network
 * namespace, but the bpffs and /run are per host, so two CEs on a WAN of
 * the same name in two namespaces must not share pins, state files or pid
 * files.  The initial network namespace keeps the historic paths
 * (ROOT/IF: existing installs and the systemd unit); any other one gets a
 * subdirectory ROOT/net:INODE/ (the inode of its /proc/self/ns/net).  A
 * ':' is never in an interface name (the kernel refuses it), so that
 * subdirectory never stands for a device.
 */
#ifndef MAPCE_SCOPE_H
#define MAPCE_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#define SCOPE_NETNS_PREFIX "net:"

/* "" in the initial network namespace, else "net:INODE" (computed once). */
const char *scope_netns_tag(void);
/* root, or root/net:INODE outside the initial namespace; 0 or -ENAMETOOLONG. */
int scope_dir(char *buf, size_t len, const char *root);
/* scope_dir(root)/<prefix><name><suffix>; -EINVAL when name is not a
 * device name (empty, '.' first, '/' or ':' in it), -ENAMETOOLONG. */
int scope_path(char *buf, size_t len, const char *root, const char *prefix, const char *name,
	       const char *suffix);
/* Does name look like one of scope's subdirectories (not a device)? */
bool scope_is_tag(const char *name);
/* Is this process's mount namespace one that outlives it: the one of pid
 * 1 (the host's, or a container's)?  'ip netns exec', unshare -m and
 * systemd's sandboxing run in private ones: what is mounted there (a bpf
 * filesystem for the pins) vanishes with the last process in it.  False
 * when it cannot be told. */
bool scope_mount_ns_shared(void);

#endif
