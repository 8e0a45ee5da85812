// SPDX-License-Identifier: GPL-2.0-only
/* cli_wan.c - the WAN a CE command acts on: --wan, the choice, the messages (cli_wan.h). */
#include <errno.h>

#include "ce/ce_maps.h"
#include "cli/cli_wan.h"
#include "cli/commands.h"
#include "core/output.h"
#include "core/policy.h"
#include "sys/pin.h"

static const struct opt_def wan_opts[] = {
	{ "wan", "IF", "the CE's WAN interface", 'w', OPT_IFNAME },
	{},
};

const struct opt_group cli_wan_group = { NULL, wan_opts };

static void not_up(const char *wan)
{
	if (wan)
		pr_err("not up on %s%s", wan, pin_hidden_hint());
	else
		pr_err("not up on any interface (nothing pinned under %s)%s", MAPCE_PIN_ROOT,
		       pin_hidden_hint());
}

int cli_wans(const char *wan, char (*names)[IF_NAMESIZE], int max)
{
	int n = ce_wans(wan, names, max);

	if (n < 0) {
		not_up(wan);
		return -1;
	}
	return n;
}

int cli_wan_one(const char *wan, char out[IF_NAMESIZE])
{
	struct ce_wan_choice why;
	int ret = ce_wan_one(wan, out, &why);

	if (ret == -ENOTUNIQ) {
		pr_err("mapce is up on %d interfaces (%s, %s%s)%s: pick one with --wan", why.n_up,
		       why.first[0], why.first[1], why.n_up > 2 ? ", ..." : "",
		       why.n_here ? "" : ", none of them in this network namespace");
		return EXIT_USAGE;
	}
	if (ret) {
		not_up(wan);
		return 1;
	}
	return 0;
}
