// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli_parse.c - the one option loop of every command (cli.h): getopt_long
 * built from the command's option tables, the table's rules enforced
 * (once-only options, interface names), every bad-option message in one
 * wording.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/output.h"
#include "core/parse.h"

#define CLI_OPTS_MAX 64 /* options of one command (up has about 30) */
/* getopt_long's value for the option at index i: CLI_VAL0 + i, clear of
 * the short options' characters. */
#define CLI_VAL0 0x10000

/* A usage error about spec's command line: the message, EXIT_USAGE. */
static int __attribute__((format(printf, 2, 3)))
usage_err(const struct cli_spec *c, const char *fmt, ...)
{
	char m[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	pr_err("%s: %s (try 'mapce %s -h')", c->name, m, c->name);
	return EXIT_USAGE;
}

/* The listed, the hidden and the file-only options of c in one array;
 * more than max is a table too large for the loop (the unit test runs
 * every command's). */
static size_t flatten(const struct cli_spec *c, const struct opt_def **defs, size_t max)
{
	const struct opt_group *const *lists[] = { c->groups, c->hidden, c->file_only };
	size_t n = 0;

	for (size_t l = 0; l < 3; l++)
		for (const struct opt_group *const *g = lists[l]; g && *g; g++)
			for (const struct opt_def *d = (*g)->opts; d->name; d++)
				if (n++ < max)
					defs[n - 1] = d;
	return n;
}

/* Is d one of c's file-only keys? */
static bool file_only(const struct cli_spec *c, const struct opt_def *d)
{
	for (const struct opt_group *const *g = c->file_only; g && *g; g++)
		for (const struct opt_def *o = (*g)->opts; o->name; o++)
			if (o == d)
				return true;
	return false;
}

/* getopt_long's '?': which kind of bad option arg is. */
static int bad_option(const struct cli_spec *c, const struct option *lo, const char *arg)
{
	size_t len, hits = 0;

	if (optopt >= CLI_VAL0) /* "--flag=value" */
		return usage_err(c, "option '--%s' takes no value", lo[optopt - CLI_VAL0].name);
	if (optopt)
		return usage_err(c, "unknown option '-%c'", optopt);
	if (!strncmp(arg, "--", 2)) {
		/* getopt_long takes unique abbreviations; say when one was not */
		len = strcspn(arg + 2, "=");
		for (const struct option *o = lo; o->name && len; o++)
			hits += !strncmp(o->name, arg + 2, len);
		if (hits > 1)
			return usage_err(c, "ambiguous option '%s'", arg);
	}
	return usage_err(c, "unknown option '%s'", arg);
}

int cli_parse(const struct cli_spec *c, int argc, char **argv, void *ctx, int *first_arg)
{
	const struct opt_def *defs[CLI_OPTS_MAX];
	struct option lo[CLI_OPTS_MAX + 2];
	unsigned char seen[CLI_OPTS_MAX] = { 0 };
	char shorts[3 + 2 * CLI_OPTS_MAX] = ":h", m[256];
	size_t n = flatten(c, defs, CLI_OPTS_MAX), k = 2, i;
	int v, ret;

	if (n > CLI_OPTS_MAX) {
		pr_err("%s: %zu options, more than the option loop's %d", c->name, n, CLI_OPTS_MAX);
		return 1;
	}
	for (i = 0; i < n; i++) {
		lo[i] = (struct option){ defs[i]->name,
					 defs[i]->metavar ? required_argument : no_argument, NULL,
					 CLI_VAL0 + (int)i };
		if (defs[i]->short_name) {
			shorts[k++] = defs[i]->short_name;
			if (defs[i]->metavar)
				shorts[k++] = ':';
		}
	}
	lo[n] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	shorts[k] = '\0';

	optind = 0; /* 0, not 1: also forgets the state of an earlier parse */
	opterr = 0; /* our messages, through pr_err() (JSON-aware) */
	while ((v = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (v == 'h') {
			cli_usage(c, stdout);
			return 0;
		}
		if (v == ':')
			return usage_err(c, "option '%s' needs a value", argv[optind - 1]);
		if (v == '?')
			return bad_option(c, lo, argv[optind - 1]);
		i = (size_t)(v - CLI_VAL0);
		if (v < CLI_VAL0) /* a short option: only the table's are in shorts */
			for (i = 0; i < n && defs[i]->short_name != v; i++)
				;
		if (i >= n) /* cannot happen: getopt_long returns what lo/shorts hold */
			return bad_option(c, lo, argv[optind - 1]);
		if (file_only(c, defs[i])) /* its value (a secret) is not repeated */
			return usage_err(c,
					 "--%s is a config file key only (a command line is "
					 "every user's to read): write '%s%s' in the config file",
					 defs[i]->name, defs[i]->name,
					 defs[i]->metavar ? " VALUE" : " yes");
		if (seen[i]++ && !(defs[i]->flags & OPT_REPEAT))
			return usage_err(c, "--%s given twice", defs[i]->name);
		if ((defs[i]->flags & OPT_IFNAME) && parse_ifname(optarg, m, sizeof(m)))
			return usage_err(c, "--%s %s", defs[i]->name, m);
		ret = c->on_opt(ctx, defs[i], optarg);
		if (ret)
			return ret;
	}
	if (!c->args && optind < argc)
		return usage_err(c, "unexpected argument '%s'", argv[optind]);
	if (first_arg)
		*first_arg = optind;
	return CLI_GO;
}

int cli_store_arg(void *ctx, const struct opt_def *opt, const char *arg)
{
	*(const char **)ctx = arg;
	return 0;
}
