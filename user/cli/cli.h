/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli.h - the messages every command gives for bad command lines, in one
 * place: getopt_long run with opterr = 0 and a leading ':' in optstring.
 */
#ifndef MAPCE_CLI_H
#define MAPCE_CLI_H

/* For a getopt_long result that is not one of cmd's options (':' missing
 * value, '?' unknown): print why and return EXIT_USAGE. */
int cli_bad_option(const char *cmd, int opt, char **argv);

/* EXIT_USAGE, with a message, when arguments remain after the options;
 * else 0. */
int cli_no_more_args(const char *cmd, int argc, char **argv);

#endif
