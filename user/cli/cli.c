// SPDX-License-Identifier: GPL-2.0-only
/* cli.c - shared command-line error messages (cli.h). */
#include <getopt.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/output.h"

int cli_bad_option(const char *cmd, int opt, char **argv)
{
	if (opt == ':')
		pr_err("%s: option '%s' needs a value (try 'mapce %s -h')", cmd, argv[optind - 1], cmd);
	else
		pr_err("%s: unknown option '%s' (try 'mapce %s -h')", cmd, argv[optind - 1], cmd);
	return EXIT_USAGE;
}

int cli_no_more_args(const char *cmd, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	pr_err("%s: unexpected argument '%s' (try 'mapce %s -h')", cmd, argv[optind], cmd);
	return EXIT_USAGE;
}
