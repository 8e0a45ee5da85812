/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ethtool.h - what the kernel says of a network device's driver
 * (ETHTOOL_GDRVINFO through SIOCETHTOOL): "veth", "tun", "virtio_net", ...
 */
#ifndef MAPCE_SYS_ETHTOOL_H
#define MAPCE_SYS_ETHTOOL_H

#include <stdbool.h>
#include <stddef.h>

/* The driver name of ifname into drv: 0, or -errno. */
int netdev_driver(const char *ifname, char *drv, size_t len);

/* Is ifname a software device whose frames may come with partial
 * checksums (a veth or a tun/tap: the peer's tx checksum offload)? */
bool netdev_may_pass_partial_csum(const char *ifname, char *drv, size_t len);

#endif
