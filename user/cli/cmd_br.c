// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_br.c - `mapce br up|down|status`: a stateless MAP-E BR on the
 * CE-facing device (XDP decap with the RFC 7597 §8.1 source check and
 * ICMPv6 error translation, tc egress encap, fragments followed), so a
 * lab needs no kernel tunnel.  Argument handling only; the policy is
 * br_plan.c, the work br_loader.c and br_status.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include "br/br_plan.h"
#include "sys/caps.h"
#include "cli/commands.h"
#include "sys/netlink.h"
#include "core/output.h"
#include "core/rule_config.h"

/* Options of br up besides the rule options. */
enum {
	BR_OPT_DEV = MAPCE_OPT__END + 1,
	BR_OPT_HOP_LIMIT,
	BR_OPT_MTU,
	BR_OPT_XDP_MODE,
};

static const struct option br_own_longopts[] = {
	{ "dev", required_argument, NULL, BR_OPT_DEV },
	{ "hop-limit", required_argument, NULL, BR_OPT_HOP_LIMIT },
	{ "mtu", required_argument, NULL, BR_OPT_MTU },
	{ "xdp-mode", required_argument, NULL, BR_OPT_XDP_MODE },
	{ "help", no_argument, NULL, 'h' },
};
#define BR_OWN_N (sizeof(br_own_longopts) / sizeof(br_own_longopts[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mapce [-j|-p] br up --dev IF --br ADDR RULE... [--legacy-iid]\n"
		"                          [--hop-limit N] [--mtu N] [--xdp-mode MODE]\n"
		"       mapce [-j|-p] br down --dev IF\n"
		"       mapce [-j|-p] br status [--dev IF]\n"
		"A stateless MAP-E border relay (RFC 7597) on IF, the device facing the CEs:\n"
		"IPv4-in-IPv6 to ADDR from the CE that owns the inner IPv4 source and port is\n"
		"decapsulated (XDP) and forwarded; IPv4 routed out of IF to a rule IPv4 prefix\n"
		"is encapsulated to the CE owning the destination address and port (tc).\n"
		"Later IPv4 fragments follow their first fragment's CE (RFC 7597 8.3); ICMPv6\n"
		"errors about encapsulated packets (Packet Too Big) go to the IPv4 sender as\n"
		"ICMPv4 errors (fragmentation needed, MTU - 40).\n\n"
		"br up:\n"
		"  --dev IF             the CE-facing device\n"
		"  --br ADDR            the BR's IPv6 address (added to IF as /128 unless there)\n"
		"  --legacy-iid         CE addresses use draft-03 interface identifiers\n"
		"  --hop-limit N        outer hop limit, 1-255, default %u\n"
		"  --mtu N              MTU of the IPv4 routes, default IF's MTU - %u\n"
		"  --xdp-mode MODE      auto (native, else generic), native or generic\n"
		"  Each rule's IPv4 prefix is routed via inet6 <the next hop toward the rule\n"
		"  IPv6 prefix> dev IF; that IPv6 route must exist and have a gateway.\n\n%s"
		"  -h, --help           this text\n\n"
		"Example:\n"
		"  mapce br up --dev veth-br --br 2001:db8:ffff::64 --legacy-iid \\\n"
		"              --rule 2001:db8::/40,198.51.100.0/24,16,4\n",
		(unsigned int)MAPCE_DEFAULT_HOP_LIMIT, (unsigned int)MAPCE_ENCAP_OVERHEAD,
		mapce_rule_usage);
}

/* Option errors of getopt (opterr is 0): usage error. */
static int bad_opt(const char *sub, int c, char **argv)
{
	if (c == ':')
		pr_err("br %s: option '%s' needs a value (see 'mapce br -h')", sub, argv[optind - 1]);
	else if (optopt)
		pr_err("br %s: unknown option '-%c' (see 'mapce br -h')", sub, optopt);
	else
		pr_err("br %s: unknown option '%s' (see 'mapce br -h')", sub, argv[optind - 1]);
	return EXIT_USAGE;
}

/* Valid device name -> ifindex; 0 after pr_err() otherwise. */
static int dev_index(const char *sub, const char *dev)
{
	int ifindex;

	if (!dev || !*dev || strlen(dev) >= IF_NAMESIZE) {
		pr_err("br %s: '%s' is not a device name", sub, dev ? dev : "");
		return 0;
	}
	ifindex = (int)if_nametoindex(dev);
	if (!ifindex)
		pr_err("br %s: no device '%s' in this network namespace", sub, dev);
	return ifindex;
}

/* Long name of a rule option value, for messages. */
static const char *rule_opt_name(int val)
{
	for (size_t i = 0; i < mapce_rule_longopts_n; i++)
		if (mapce_rule_longopts[i].val == val)
			return mapce_rule_longopts[i].name;
	return "?";
}

static int cmd_br_up(int argc, char **argv)
{
	struct option longopts[MAPCE_OPT__END - MAPCE_OPT_BASE + BR_OWN_N + 1];
	static struct br_settings s;
	struct br_link_facts w;
	struct br_up_params p;
	struct mapce_opts o;
	const char *dev = NULL;
	unsigned long hop_limit = MAPCE_DEFAULT_HOP_LIMIT, mtu = 0;
	char msg[512];
	size_t n = mapce_rule_longopts_n;
	int c, ret;

	if (n > MAPCE_OPT__END - MAPCE_OPT_BASE)
		n = MAPCE_OPT__END - MAPCE_OPT_BASE;
	memcpy(longopts, mapce_rule_longopts, n * sizeof(longopts[0]));
	memcpy(longopts + n, br_own_longopts, sizeof(br_own_longopts));
	longopts[n + BR_OWN_N] = (struct option){ NULL, 0, NULL, 0 };

	memset(&p, 0, sizeof(p));
	mapce_opts_init(&o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case ':':
		case '?':
			return bad_opt("up", c, argv);
		case BR_OPT_DEV:
			if (dev) {
				pr_err("br up: --dev given twice");
				return EXIT_USAGE;
			}
			dev = optarg;
			break;
		case BR_OPT_HOP_LIMIT:
			if (parse_uint(optarg, 255, &hop_limit) || !hop_limit) {
				pr_err("br up: --hop-limit '%s' is not a number 1-255", optarg);
				return 1;
			}
			break;
		case BR_OPT_MTU:
			if (parse_uint(optarg, 65535, &mtu) || mtu < MAPCE_BR_MIN_MTU) {
				pr_err("br up: --mtu '%s' is not a number %u-65535", optarg,
				       MAPCE_BR_MIN_MTU);
				return 1;
			}
			break;
		case BR_OPT_XDP_MODE:
			if (xdp_mode_parse(optarg, &p.xdp_mode)) {
				pr_err("br up: --xdp-mode '%s' is not auto, native or generic", optarg);
				return 1;
			}
			break;
		case MAPCE_OPT_PREFIX:
		case MAPCE_OPT_MESH:
		case MAPCE_OPT_IPV4:
		case MAPCE_OPT_PSID:
			pr_err("br up: --%s is a CE option; a BR serves every CE of its rules",
			       rule_opt_name(c));
			return EXIT_USAGE;
		default:
			ret = mapce_opts_handle(&o, c, optarg, msg, sizeof(msg));
			if (ret < 0) {
				pr_err("br up: %s", msg);
				return o.usage_err ? EXIT_USAGE : 1;
			}
			if (ret > 0) {
				pr_err("br up: option %d not handled", c);
				return EXIT_USAGE;
			}
		}
	}
	if (optind < argc) {
		pr_err("br up: unexpected argument '%s' (see 'mapce br -h')", argv[optind]);
		return EXIT_USAGE;
	}
	if (!dev) {
		pr_err("br up: missing --dev IF (the device facing the CEs)");
		return EXIT_USAGE;
	}
	if (!o.have_br) {
		pr_err("br up: missing --br ADDR (the BR's IPv6 address)");
		return EXIT_USAGE;
	}
	ret = br_plan_rules(&o, msg, sizeof(msg));
	if (ret) {
		pr_err("br up: %s", msg);
		return ret == MAPCE_ERR_USAGE ? EXIT_USAGE : 1;
	}
	if (caps_check("br up"))
		return 1;
	/* The facts about the device; the policy is br_plan()'s. */
	w.name = dev;
	w.ifindex = dev_index("up", dev);
	if (!w.ifindex)
		return 1;
	ret = nl_link_mtu(w.ifindex, &w.mtu);
	if (ret) {
		pr_err("br up: reading the MTU of %s: %s", dev, strerror(-ret));
		return 1;
	}
	s.rule = o;
	s.hop_limit = hop_limit;
	s.mtu = mtu;
	s.xdp_mode = p.xdp_mode;
	ret = br_plan(&s, &w, &p, msg, sizeof(msg));
	if (ret) {
		pr_err("br up: %s", msg);
		return ret == MAPCE_ERR_USAGE ? EXIT_USAGE : 1;
	}
	return br_up(&p);
}

/* br down --dev IF  /  br status [--dev IF] */
static int cmd_br_dev(const char *sub, int argc, char **argv, bool need_dev)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, BR_OPT_DEV },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dev = NULL;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case BR_OPT_DEV:
			if (dev) {
				pr_err("br %s: --dev given twice", sub);
				return EXIT_USAGE;
			}
			dev = optarg;
			break;
		default:
			return bad_opt(sub, c, argv);
		}
	}
	if (optind < argc) {
		pr_err("br %s: unexpected argument '%s' (see 'mapce br -h')", sub, argv[optind]);
		return EXIT_USAGE;
	}
	if (need_dev && !dev) {
		pr_err("br %s: missing --dev IF", sub);
		return EXIT_USAGE;
	}
	if (dev && (!*dev || strlen(dev) >= IF_NAMESIZE || strchr(dev, '/'))) {
		pr_err("br %s: '%s' is not a device name", sub, dev);
		return 1;
	}
	if (caps_check(need_dev ? "br down" : "br status"))
		return 1;
	return need_dev ? br_down(dev) : br_status(dev);
}

int cmd_br(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(sub, "up"))
		return cmd_br_up(argc - 1, argv + 1);
	if (!strcmp(sub, "down"))
		return cmd_br_dev("down", argc - 1, argv + 1, true);
	if (!strcmp(sub, "status"))
		return cmd_br_dev("status", argc - 1, argv + 1, false);
	pr_err("br: unknown subcommand '%s' (up, down or status; see 'mapce br -h')", sub);
	return EXIT_USAGE;
}
