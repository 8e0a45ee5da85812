// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_br.c - `mapce br up|down|status`: a stateless MAP-E BR on the
 * CE-facing device (XDP decap with the RFC 7597 §8.1 source check and
 * ICMPv6 error translation, tc egress encap, fragments followed), so a
 * lab needs no kernel tunnel.  Argument handling only; the policy is
 * br_plan.c, the work br_loader.c and br_status.c.
 */
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
	BR_OPT_DEV = 1,
	BR_OPT_HOP_LIMIT,
	BR_OPT_MTU,
	BR_OPT_XDP_MODE,
};

static const struct opt_def dev_opts[] = {
	{ "dev", "IF", "the CE-facing device", BR_OPT_DEV, OPT_IFNAME },
	{},
};

static const struct opt_def br_up_opts[] = {
	{ "hop-limit", "N", "outer hop limit, 1-255, default " OPT_STR(MAPCE_DEFAULT_HOP_LIMIT),
	  BR_OPT_HOP_LIMIT },
	{ "mtu", "N", "MTU of the IPv4 routes, default IF's MTU - " OPT_STR(MAPCE_ENCAP_OVERHEAD),
	  BR_OPT_MTU },
	{ "xdp-mode", "MODE", "auto (native, else generic), native or generic", BR_OPT_XDP_MODE },
	{},
};

static const struct opt_group dev_group = { NULL, dev_opts };
static const struct opt_group br_up_group = { NULL, br_up_opts };
static const struct opt_group *const br_up_groups[] = {
	&dev_group, &br_up_group, &mapce_rule_group, &mapce_domain_group, NULL,
};
/* Taken only to say that a BR has no use for them. */
static const struct opt_group *const br_up_refused[] = { &mapce_ce_group, &mapce_explicit_group,
							 NULL };
static const struct opt_group *const dev_groups[] = { &dev_group, NULL };

#define BR_ABOUT                                                                            \
	"A stateless MAP-E border relay (RFC 7597) on IF, the device facing the CEs: "      \
	"IPv4-in-IPv6 to ADDR from the CE that owns the inner IPv4 source and port is "     \
	"decapsulated (XDP) and forwarded; IPv4 routed out of IF to a rule IPv4 prefix is " \
	"encapsulated to the CE owning the destination address and port (tc).  Later IPv4 " \
	"fragments follow their first fragment's CE (RFC 7597 8.3); ICMPv6 errors about "   \
	"encapsulated packets (Packet Too Big) go to the IPv4 sender as ICMPv4 errors "     \
	"(fragmentation needed, MTU - 40)."

struct br_up_args {
	const char *dev;
	unsigned long hop_limit, mtu;
	enum attach_xdp_mode xdp_mode;
	struct mapce_opts o;
};

static int br_up_opt(void *ctx, const struct opt_def *opt, const char *arg)
{
	struct br_up_args *a = ctx;

	switch (opt->val) {
	case BR_OPT_DEV:
		a->dev = arg;
		return 0;
	case BR_OPT_HOP_LIMIT:
		if (parse_uint(arg, 255, &a->hop_limit) || !a->hop_limit) {
			pr_err("br up: --hop-limit '%s' is not a number 1-255", arg);
			return 1;
		}
		return 0;
	case BR_OPT_MTU:
		if (parse_uint(arg, 65535, &a->mtu) || a->mtu < MAPCE_BR_MIN_MTU) {
			pr_err("br up: --mtu '%s' is not a number %u-65535", arg, MAPCE_BR_MIN_MTU);
			return 1;
		}
		return 0;
	case BR_OPT_XDP_MODE:
		if (xdp_mode_parse(arg, &a->xdp_mode)) {
			pr_err("br up: --xdp-mode '%s' is not auto, native or generic", arg);
			return 1;
		}
		return 0;
	case MAPCE_OPT_PREFIX:
	case MAPCE_OPT_MESH:
	case MAPCE_OPT_IPV4:
	case MAPCE_OPT_PSID:
		pr_err("br up: --%s is a CE option; a BR serves every CE of its rules", opt->name);
		return EXIT_USAGE;
	}
	return cli_rule_opt("br up", &a->o, opt, arg);
}

static const struct cli_spec br_up_spec = {
	.name = "br up",
	.synopsis = "[-j|-p] br up --dev IF --br ADDR RULE... [--legacy-iid]\n"
		    "                    [--hop-limit N] [--mtu N] [--xdp-mode MODE]",
	.description =
		BR_ABOUT "\n\n"
			 "The BR's address ADDR is added to IF as /128 unless there.  Each "
			 "rule's IPv4 prefix is routed via inet6 <the next hop toward the rule "
			 "IPv6 prefix> dev IF; that IPv6 route must exist and have a gateway.",
	.groups = br_up_groups,
	.hidden = br_up_refused,
	.examples = "  mapce br up --dev veth-br --br 2001:db8:ffff::64 --legacy-iid \\\n"
		    "              --rule 2001:db8::/40,198.51.100.0/24,16,4\n",
	.on_opt = br_up_opt,
};

static const struct cli_spec br_down_spec = {
	.name = "br down",
	.synopsis = "[-j|-p] br down --dev IF",
	.description = "Stop the BR on IF: detach its programs, delete the routes and the address "
		       "br up added, unpin its maps.",
	.groups = dev_groups,
	.on_opt = cli_store_arg,
};

static const struct cli_spec br_status_spec = {
	.name = "br status",
	.description = "The BR's parameters, attach state and counters on IF (default: every "
		       "device it is up on).",
	.groups = dev_groups,
	.on_opt = cli_store_arg,
};

static int cmd_br_up(int argc, char **argv)
{
	static struct br_up_args a;
	static struct br_settings s;
	struct br_link_facts w;
	struct br_up_params p;
	char msg[512];
	int ret;

	memset(&a, 0, sizeof(a));
	memset(&p, 0, sizeof(p));
	a.hop_limit = MAPCE_DEFAULT_HOP_LIMIT;
	mapce_opts_init(&a.o);
	ret = cli_parse(&br_up_spec, argc, argv, &a, NULL);
	if (ret != CLI_GO)
		return ret;
	if (!a.dev) {
		pr_err("br up: missing --dev IF (the device facing the CEs)");
		return EXIT_USAGE;
	}
	if (!a.o.have_br) {
		pr_err("br up: missing --br ADDR (the BR's IPv6 address)");
		return EXIT_USAGE;
	}
	ret = br_plan_rules(&a.o, msg, sizeof(msg));
	if (ret) {
		pr_err("br up: %s", msg);
		return ret == MAPCE_ERR_USAGE ? EXIT_USAGE : 1;
	}
	if (caps_check("mapce br up", CAPS_LOAD))
		return 1;
	/* The facts about the device; the policy is br_plan()'s. */
	w.name = a.dev;
	w.ifindex = (int)if_nametoindex(a.dev);
	if (!w.ifindex) {
		pr_err("br up: no device '%s' in this network namespace", a.dev);
		return 1;
	}
	ret = nl_link_mtu(w.ifindex, &w.mtu);
	if (ret) {
		pr_err("br up: reading the MTU of %s: %s", a.dev, strerror(-ret));
		return 1;
	}
	s.rule = a.o;
	s.hop_limit = a.hop_limit;
	s.mtu = a.mtu;
	s.xdp_mode = a.xdp_mode;
	ret = br_plan(&s, &w, &p, msg, sizeof(msg));
	if (ret) {
		pr_err("br up: %s", msg);
		return ret == MAPCE_ERR_USAGE ? EXIT_USAGE : 1;
	}
	return br_up(&p);
}

static int cmd_br_down(int argc, char **argv)
{
	const char *dev = NULL;
	int ret = cli_parse(&br_down_spec, argc, argv, &dev, NULL);

	if (ret != CLI_GO)
		return ret;
	if (!dev) {
		pr_err("br down: missing --dev IF");
		return EXIT_USAGE;
	}
	if (caps_check("mapce br down", CAPS_NET))
		return 1;
	return deploy_down_exit(&br_spec, dev);
}

static int cmd_br_status(int argc, char **argv)
{
	const char *dev = NULL;
	int ret = cli_parse(&br_status_spec, argc, argv, &dev, NULL);

	if (ret != CLI_GO)
		return ret;
	if (caps_check("mapce br status", CAPS_MAPS))
		return 1;
	return br_status(dev);
}

static const struct cli_cmd br_cmds[] = {
	{ "up", cmd_br_up, "start the BR on a device", &br_up_spec },
	{ "down", cmd_br_down, "stop the BR and remove everything br up added", &br_down_spec },
	{ "status", cmd_br_status, "show the BR's parameters, attach state and counters",
	  &br_status_spec },
	{},
};

const struct cli_level br_level = {
	.name = "br",
	.description = BR_ABOUT,
	.cmds = br_cmds,
};
