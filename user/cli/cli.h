/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli.h - the command line at every level, from tables:
 *
 *   mapce [GLOBAL] CMD ...      mapce br CMD ...      mapce portmap CMD ...
 *
 * A level is a table of commands {name, handler, one-line summary, spec}
 * (or, for br and portmap, {name, summary, the level below});
 * cli_dispatch() picks the command by its name or a unique prefix of it
 * (as bpftool does), lists the table for help, -h and --help, and gives
 * the usage errors.  A command's spec describes it whole: synopsis,
 * description, option tables (core/opt_table.h), notes and examples.
 * cli_parse() runs getopt_long from those tables, checks what the tables
 * say (once-only options, interface names), hands each option to the
 * command's handler and prints every bad-option message; cli_usage()
 * writes `mapce CMD -h` from the same spec, so usage and options cannot
 * drift.  Everything a man page needs is in the specs and level tables.
 *
 * Exit statuses: 0 success, 1 runtime error or bad value, EXIT_USAGE (2)
 * for a command line that is wrong as such.
 */
#ifndef MAPCE_CLI_H
#define MAPCE_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "core/opt_table.h"

#define EXIT_USAGE 2

struct cli_spec {
	const char *name;     /* as typed after "mapce": "up", "br up" */
	const char *synopsis; /* the forms after "mapce ", one a line (a line
			       * starting with a blank continues the one before);
			       * NULL: "NAME [ARGS] [--opt X]..." from the tables */
	const char *args;     /* the positional arguments' placeholder; NULL:
			       * the command takes none */
	const char *description;
	const struct opt_group *const *groups; /* listed in the usage; NULL-terminated */
	const struct opt_group *const *hidden; /* taken but not listed: options the
						* command refuses with a better
						* message than "unknown option" */
	/* Config file keys the command reads but never takes on its command
	 * line (secrets: argv is every user's to read in ps): listed after
	 * the options without dashes, refused on the command line naming the
	 * key and not its value. */
	const struct opt_group *const *file_only;
	const char *notes; /* after the options */
	const char *examples;
	/* One option (the loop has checked what the table says): 0, or the
	 * exit status after pr_err(). */
	int (*on_opt)(void *ctx, const struct opt_def *opt, const char *arg);
};

/* cli_parse() returns CLI_GO when the command is to run; otherwise the
 * exit status (0 after -h, EXIT_USAGE after a bad option, the handler's
 * status). */
#define CLI_GO (-1)

/*
 * Parse argv (argv[0] the command's name) against spec: each option to
 * spec->on_opt(ctx, ...).  Options and positional arguments may mix;
 * *first_arg (when given) is the index of the first positional argument
 * after the loop (getopt_long moves them to the end).
 */
int cli_parse(const struct cli_spec *spec, int argc, char **argv, void *ctx, int *first_arg);
/* `mapce NAME -h`: synopsis, description, options, notes, examples. */
void cli_usage(const struct cli_spec *spec, FILE *f);
/* The forms after "mapce " (cli_spec.synopsis): spec's own, or the one
 * line its tables give, "NAME [ARGS] [--opt X]...", written into buf. */
const char *cli_synopsis(const struct cli_spec *spec, char *buf, size_t len);
/* An on_opt for commands whose one option is a string: stores arg into
 * *(const char **)ctx. */
int cli_store_arg(void *ctx, const struct opt_def *opt, const char *arg);

struct cli_level;

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0]: the name as typed */
	const char *summary;		   /* one line, for the level's listing */
	const struct cli_spec *spec;	   /* what run parses (usage, man page) */
	const struct cli_level *sub;	   /* instead of run and spec: a level of its
					    * own ("br", "portmap") */
};

struct cli_level {
	const char *name;     /* "" (mapce itself), "br", "portmap" */
	const char *synopsis; /* as cli_spec's; NULL: the synopses of the commands */
	const char *description;
	const struct cli_cmd *cmds;	       /* ends with { NULL } */
	const struct opt_group *const *groups; /* the level's own options (listed
						* only: main.c takes the global
						* ones); may be NULL */
};

/* Run the command argv[1] of level (argv[0] the level's name): the
 * command's exit status, or EXIT_USAGE after an unknown, ambiguous or
 * missing command, or 0 after help. */
int cli_dispatch(const struct cli_level *level, int argc, char **argv);
/* The level's usage: synopsis, description, the table of commands. */
void cli_level_usage(const struct cli_level *level, FILE *f);

#endif
