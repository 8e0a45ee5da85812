// SPDX-License-Identifier: GPL-2.0-only
/*
 * upnp_conf.c - miniupnpd's configuration for the running CE
 * (upnp_conf.h).  Every choice is explained in the file it writes, since
 * that file is what its reader will look at.
 */
#include "core/addrfmt.h"
#include "ce/upnp_conf.h"
#include "mapce_rule.h"

void upnp_conf_write(FILE *f, const struct upnp_conf *c)
{
	const struct mapce_config *k = &c->cfg;
	__u32 n = mapce_range_count(k->psid_offset, k->psid_len);
	__u32 size = mapce_range_size(k->psid_offset, k->psid_len);
	char a[IP4_STRLEN];

	ip4_str(k->ipv4, a);
	fprintf(f,
		"# miniupnpd configuration for the MAP-E CE on %s, written by 'mapce "
		"upnp-config'.\n"
		"# Shared IPv4 %s, PSID %u: %u ports in %u ranges of %u.  Run it beside\n"
		"# 'mapce run --wan %s --upnp-leases %s', which opens each mapping\n"
		"# as a port forward of the CE.  Write it again when the prefix changes.\n\n",
		c->wan, a, k->psid, (unsigned int)k->port_count, n, size, c->wan, c->leases);
	fprintf(f,
		"ext_ifname=%s\n"
		"# the CE's shared address: the WAN holds only IPv6, and the address is\n"
		"# known, so no guess from an interface and no STUN\n"
		"ext_ip=%s\n"
		"ext_perform_stun=no\n"
		"listening_ip=%s\n"
		"enable_upnp=yes\n"
		"# NAT-PMP/PCP would hand out ports as miniupnpd sees fit: off here\n"
		"enable_natpmp=no\n"
		"# a client maps ports to its own address only\n"
		"secure_mode=yes\n"
		"# IPv6 pinholes are not mapce's to open: only IPv4 mappings are mirrored\n"
		"ipv6_disable=yes\n"
		"system_uptime=yes\n"
		"# read by 'mapce run --upnp-leases'\n"
		"lease_file=%s\n\n",
		c->wan, a, c->lan, c->leases);
	fprintf(f, "# miniupnpd adds a DNAT and a filter rule per mapping.  mapce's XDP program\n"
		   "# translates inbound packets before netfilter sees them, so those rules\n"
		   "# would never match, and a hooked table of miniupnpd's could drop forwarded\n"
		   "# traffic: they go to a table of their own whose chains no hook reaches\n"
		   "# (nft -f mapce-upnp.nft, in share/mapce/miniupnpd/ where mapce is\n"
		   "# installed, makes it; miniupnpd fails every mapping while it is missing).\n"
		   "upnp_table_name=" UPNP_NFT_TABLE "\n"
		   "upnp_nat_table_name=" UPNP_NFT_TABLE "\n"
		   "upnp_forward_chain=" UPNP_NFT_FORWARD "\n"
		   "upnp_nat_chain=" UPNP_NFT_PRE "\n"
		   "upnp_nat_postrouting_chain=" UPNP_NFT_POST "\n\n");
	fprintf(f, "# only the ports of the set, any inside host and port\n");
	for (__u32 i = 0; i < n; i++) {
		__u32 first = mapce_range_first(k->psid_offset, k->psid_len, k->psid, i);

		fprintf(f, "allow %u-%u 0.0.0.0/0 0-65535\n", first, first + size - 1);
	}
	fprintf(f, "deny 0-65535 0.0.0.0/0 0-65535\n");
}
