// SPDX-License-Identifier: GPL-2.0-only
/* cmd_down.c - `mapce down --wan IF`: remove everything up created. */
#include "sys/caps.h"
#include "ce/ce_loader.h"
#include "cli/cli_wan.h"
#include "cli/commands.h"
#include "core/output.h"

static const struct opt_group *const down_groups[] = { &cli_wan_group, NULL };

const struct cli_spec down_spec = {
	.name = "down",
	.synopsis = "down --wan IF",
	.description =
		"Stop the CE on IF: detach mapce's XDP program and tc filter (never "
		"another's), remove the clsact qdisc if up created it and no other filter "
		"uses it, delete the MAP address and the IPv4 default route up added, unpin "
		"the maps (the NAT state) and remove " MAPCE_PIN_ROOT "/IF/.  Leftovers of a "
		"crashed run are removed too.",
	.groups = down_groups,
	.on_opt = cli_store_arg,
};

int cmd_down(int argc, char **argv)
{
	const char *wan = NULL;
	int ret = cli_parse(&down_spec, argc, argv, &wan, NULL);

	if (ret != CLI_GO)
		return ret;
	if (!wan) {
		pr_err("down: --wan IF is required");
		return EXIT_USAGE;
	}
	if (caps_check("mapce down", CAPS_NET))
		return 1;
	return deploy_down_exit(&ce_spec, wan);
}
