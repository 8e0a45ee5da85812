// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_upnp.c - `mapce upnp-config [--wan IF] [--lan IF] [-o FILE]
 * [--leases FILE]`: miniupnpd's configuration for the CE that runs on IF
 * (ce/upnp_conf.h), from its pinned config: the shared address and the
 * port set are the running ones, never a guess.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ce/ce_maps.h"
#include "ce/upnp_conf.h"
#include "cli/cli_wan.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/output.h"
#include "sys/caps.h"
#include "sys/lock.h"

enum { O_LAN = 1, O_OUT, O_LEASES };

struct upnp_args {
	const char *wan, *lan, *out, *leases;
};

static const struct opt_def upnp_opts[] = {
	{ "lan", "IF",
	  "the LAN interface miniupnpd answers on (listening_ip); default: the one interface "
	  "with an IPv4 address besides the WAN and loopback",
	  O_LAN, OPT_IFNAME },
	{ "output", "FILE", "write FILE (replaced atomically) instead of standard output", O_OUT, 0,
	  'o' },
	{ "leases", "FILE",
	  "miniupnpd's lease file, which mapce run reads (its upnp-leases setting; absolute, "
	  "default " UPNP_LEASES_DEFAULT ")",
	  O_LEASES },
	{},
};
static const struct opt_group upnp_group = { NULL, upnp_opts };
static const struct opt_group *const upnp_groups[] = { &cli_wan_group, &upnp_group, NULL };

static int upnp_opt(void *ctx, const struct opt_def *opt, const char *arg)
{
	struct upnp_args *a = ctx;

	switch (opt->val) {
	case 'w':
		a->wan = arg;
		break;
	case O_LAN:
		a->lan = arg;
		break;
	case O_OUT:
		a->out = arg;
		break;
	default:
		if (arg[0] != '/' || arg[strlen(arg) - 1] == '/' || strlen(arg) >= PATH_MAX ||
		    strpbrk(arg, "\n\r")) {
			pr_err("upnp-config: bad --leases '%s' (an absolute file name)", arg);
			return 1;
		}
		a->leases = arg;
	}
	return 0;
}

const struct cli_spec upnp_config_spec = {
	.name = "upnp-config",
	.description =
		"Write a miniupnpd configuration for the CE that runs on IF (default: the only "
		"WAN that is up): its external address is the CE's shared IPv4, it may map only "
		"the ports of the CE's set (an 'allow' line per range, then 'deny' for the rest), "
		"it answers UPnP IGD on the LAN interface, and it keeps a lease file that 'mapce "
		"run' mirrors (its upnp-leases setting) into the CE's port forwards.  miniupnpd's "
		"own "
		"netfilter rules go to the table " UPNP_NFT_TABLE " whose chains no hook "
		"reaches: the CE's datapath does the translation (make the table with nft -f "
		"mapce-upnp.nft, shipped beside the example).",
	.groups = upnp_groups,
	.notes = "Run miniupnpd with it (miniupnpd -f FILE) beside 'mapce run' with the "
		 "upnp-leases setting, "
		 "and write it again after the prefix, and with it the address or port set, "
		 "changed.",
	.examples = "mapce upnp-config --wan eth0 --lan br0 -o /etc/miniupnpd/miniupnpd.conf",
	.on_opt = upnp_opt,
};

/* The one interface with an IPv4 address but wan and loopback.  0, or 1
 * after pr_err(). */
static int pick_lan(const char *wan, char out[IF_NAMESIZE])
{
	struct ifaddrs *ifa, *i;
	char seen[8][IF_NAMESIZE];
	int n = 0;

	if (getifaddrs(&ifa)) {
		pr_err("upnp-config: listing the interfaces: %s (give --lan IF)", strerror(errno));
		return 1;
	}
	for (i = ifa; i; i = i->ifa_next) {
		bool dup = false;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    (i->ifa_flags & IFF_LOOPBACK) || !strcmp(i->ifa_name, wan))
			continue;
		for (int k = 0; k < n && !dup; k++)
			dup = !strcmp(seen[k], i->ifa_name);
		if (!dup && n < 8)
			snprintf(seen[n++], IF_NAMESIZE, "%s", i->ifa_name);
	}
	freeifaddrs(ifa);
	if (n != 1) {
		char list[8 * (IF_NAMESIZE + 2)] = "";

		for (int k = 0; k < n; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 k ? ", " : "", seen[k]);
		pr_err("upnp-config: %s: give --lan IF",
		       n ? list : "no interface with an IPv4 address besides the WAN");
		return 1;
	}
	snprintf(out, IF_NAMESIZE, "%s", seen[0]);
	return 0;
}

static void write_conf(FILE *f, const void *ctx)
{
	upnp_conf_write(f, ctx);
}

int cmd_upnp_config(int argc, char **argv)
{
	static struct upnp_conf c;
	struct upnp_args a = { .leases = UPNP_LEASES_DEFAULT };
	struct ce_maps m;
	int lock, ret = cli_parse(&upnp_config_spec, argc, argv, &a, NULL);

	if (ret != CLI_GO)
		return ret;
	if (caps_check("mapce upnp-config", CAPS_MAPS))
		return 1;
	ret = cli_wan_one(a.wan, c.wan);
	if (ret)
		return ret;
	if (a.lan && !if_nametoindex(a.lan)) {
		pr_err("upnp-config: --lan %s: no such interface", a.lan);
		return 1;
	}
	if (a.lan && !strcmp(a.lan, c.wan)) {
		pr_err("upnp-config: --lan %s is the WAN", a.lan);
		return 1;
	}
	if (a.lan)
		snprintf(c.lan, sizeof(c.lan), "%s", a.lan);
	else if (pick_lan(c.wan, c.lan))
		return 1;
	c.leases = a.leases;
	lock = mapce_lock(false);
	if (ce_maps_open(c.wan, &m)) {
		mapce_unlock(lock);
		pr_err("not up on %s", c.wan);
		return 1;
	}
	ret = ce_maps_config(&m, &c.cfg);
	ce_maps_close(&m);
	mapce_unlock(lock);
	if (ret) {
		pr_err("upnp-config: reading the config of %s: %s", c.wan, strerror(-ret));
		return 1;
	}
	if (!a.out) {
		upnp_conf_write(stdout, &c);
		return fflush(stdout) ? 1 : 0;
	}
	ret = atomic_write(a.out, 0644, write_conf, &c);
	if (ret) {
		pr_err("upnp-config: writing %s: %s", a.out, strerror(-ret));
		return 1;
	}
	return 0;
}
