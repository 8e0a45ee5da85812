// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli_dispatch.c - one command table per level, one way to pick from it
 * (cli.h): the exact name, else a unique prefix (bpftool's rule: `mapce
 * st` is ambiguous, `mapce stats` and `mapce statu` are not); help, -h
 * and --help list the table.
 */
#include <string.h>

#include "cli/cli.h"
#include "core/output.h"

/* "br: " before a sub-level's messages; nothing at the top. */
static const char *sep(const struct cli_level *l)
{
	return *l->name ? ": " : "";
}

static int pick(const struct cli_level *l, const char *word, const struct cli_cmd **out)
{
	char names[256] = "";
	size_t len = strlen(word), used = 0;
	int hits = 0;

	for (const struct cli_cmd *c = l->cmds; c->name; c++) {
		if (!strcmp(c->name, word)) {
			*out = c;
			return 0;
		}
		if (len && !strncmp(c->name, word, len)) {
			*out = c;
			hits++;
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 used ? ", " : "", c->name);
			if (used >= sizeof(names))
				used = sizeof(names) - 1;
		}
	}
	if (hits == 1)
		return 0;
	if (hits)
		pr_err("%s%sambiguous command '%s': %s (try 'mapce %s%s-h')", l->name, sep(l), word,
		       names, l->name, *l->name ? " " : "");
	else
		pr_err("%s%sunknown command '%s' (try 'mapce %s%s-h')", l->name, sep(l), word,
		       l->name, *l->name ? " " : "");
	return EXIT_USAGE;
}

int cli_dispatch(const struct cli_level *l, int argc, char **argv)
{
	const struct cli_cmd *c = NULL;
	const char *word = argc > 1 ? argv[1] : NULL;

	if (!word) {
		cli_level_usage(l, stderr);
		pr_err("%s%smissing command", l->name, sep(l));
		return EXIT_USAGE;
	}
	if (!strcmp(word, "help") || !strcmp(word, "-h") || !strcmp(word, "--help")) {
		cli_level_usage(l, stdout);
		return 0;
	}
	if (pick(l, word, &c))
		return EXIT_USAGE;
	if (c->sub)
		return cli_dispatch(c->sub, argc - 1, argv + 1);
	return c->run(argc - 1, argv + 1);
}
