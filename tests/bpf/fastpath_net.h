/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fastpath_net.h - the network namespace the fast path's BPF tests and
 * bench rows run in (tests/bpf/test_ce_fastpath.c, tests/bench/paths.h).
 *
 * The fast path asks the kernel's FIB (bpf_fib_lookup) where a packet
 * goes and which MACs its next hop has, so its runs need the CE's two
 * devices in the caller's own network namespace (unshare: gone with the
 * process): lan0 (192.0.2.1/24, the LAN host's neighbour entry) and wan0
 * (the IPv4 default route "via inet6" the router, its ND entry), as
 * `mapce up` leaves them; 198.51.100.0/24 routes via a router with no
 * neighbour entry.  GRO on the peers takes what live frames redirect.
 */
#ifndef MAPCE_TEST_FASTPATH_NET_H
#define MAPCE_TEST_FASTPATH_NET_H

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include "bpf/ce.h"

#define LAN_MAC "02:00:00:00:01:01"
#define WAN_MAC "02:00:00:00:02:02"
#define HOST_MAC "02:00:00:00:00:0a"	   /* LAN_HOST's neighbour entry */
#define GW6_MAC "02:00:00:00:00:fe"	   /* the IPv6 router toward the BR */
#define LAN_HOST2 IP4(192, 0, 2, 11)	   /* a LAN host with no neighbour entry */
#define NO_NEIGH_DST IP4(198, 51, 100, 77) /* routed via a next hop not resolved */

static const uint8_t lan_mac[6] = { 2, 0, 0, 0, 1, 1 };
static const uint8_t wan_mac[6] = { 2, 0, 0, 0, 2, 2 };
static const uint8_t host_mac[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t gw6_mac[6] = { 2, 0, 0, 0, 0, 0xfe };

static __u32 lan_ifindex, wan_ifindex;

/* The devices, in the caller's (own) network namespace: 0, or -1. */
static int fp_net_setup(void)
{
	static const char *const cmds[] = {
		"ip link set lo up",
		"ip link add lan0 address " LAN_MAC " type veth peer name lanp",
		"ip link add wan0 address " WAN_MAC " type veth peer name wanp",
		"sysctl -qw net.ipv4.conf.all.forwarding=1",
		"ip link set lan0 up && ip link set lanp up",
		"ip link set wan0 up && ip link set wanp up",
		"ethtool -K lanp gro on >/dev/null && ethtool -K wanp gro on >/dev/null",
		"ip addr add 192.0.2.1/24 dev lan0",
		"ip -6 addr add 2001:db8:1::1/64 dev wan0 nodad",
		"ip neigh add 192.0.2.10 lladdr " HOST_MAC " dev lan0 nud permanent",
		"ip -6 neigh add 2001:db8:1::fe lladdr " GW6_MAC " dev wan0 nud permanent",
		"ip -6 route add 2001:db8:ffff::/48 via 2001:db8:1::fe dev wan0",
		"ip -4 route add default via inet6 2001:db8:1::fe dev wan0 mtu 1460",
		"ip route add 198.51.100.0/24 via inet6 2001:db8:1::fd dev wan0 mtu 1460",
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (system(cmds[i])) {
			fprintf(stderr, "# %s: failed\n", cmds[i]);
			return -1;
		}
	}
	lan_ifindex = if_nametoindex("lan0");
	wan_ifindex = if_nametoindex("wan0");
	return lan_ifindex && wan_ifindex ? 0 : -1;
}

/* The loaded CE on wan0 with the fast path on lan (0: off).  0, or -1. */
static int fp_net_on(__u32 lan)
{
	struct mapce_fastpath fp = { .lan_ifindex = lan };
	__u32 zero = 0;

	fx.cfg.wan_ifindex = wan_ifindex;
	if (fx_config())
		return -1;
	return bpf_map__update_elem(fx.ce->maps.mapce_fastpath, &zero, sizeof(zero), &fp,
				    sizeof(fp), 0);
}

#endif
