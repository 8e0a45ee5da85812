/* SPDX-License-Identifier: GPL-2.0-only */
/* sysctl.h - reading the sysctls up warns about (forwarding). */
#ifndef MAPCE_SYSCTL_H
#define MAPCE_SYSCTL_H

#include <stdbool.h>

/* Routing IPv4 at all: without it a CE's LAN hosts reach nothing and a
 * BR forwards nothing it decapsulates. */
#define SYSCTL_IPV4_FORWARDING "/proc/sys/net/ipv4/conf/all/forwarding"

/* Does the sysctl file path read "0"?  false when it cannot be read. */
bool sysctl_is_off(const char *path);

#endif
