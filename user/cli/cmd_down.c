// SPDX-License-Identifier: GPL-2.0-only
/* cmd_down.c - `mapce down --wan IF`: remove everything up created. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include "sys/caps.h"
#include "ce/ce_loader.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/output.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mapce down --wan IF\n"
		"\n"
		"Stop the CE on IF: detach mapce's XDP program and tc filter (never\n"
		"another's), remove the clsact qdisc if up created it and no other\n"
		"filter uses it, delete the MAP address and the IPv4 default route up\n"
		"added, unpin the maps (the NAT state) and remove %s/IF/.\n"
		"Leftovers of a crashed run are removed too.\n",
		MAPCE_PIN_ROOT);
}

int cmd_down(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "wan", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *wan = NULL;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'w':
			wan = optarg;
			break;
		default:
			return cli_bad_option("down", opt, argv);
		}
	}
	if (cli_no_more_args("down", argc, argv))
		return EXIT_USAGE;
	if (!wan) {
		pr_err("down: --wan IF is required");
		return EXIT_USAGE;
	}
	if (strlen(wan) >= IF_NAMESIZE || strchr(wan, '/') || wan[0] == '.') {
		pr_err("down: bad interface name '%s'", wan);
		return EXIT_USAGE;
	}
	if (caps_check("mapce down"))
		return 1;
	return ce_down(wan);
}
