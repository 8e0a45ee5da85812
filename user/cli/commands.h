/* SPDX-License-Identifier: GPL-2.0-only */
/* commands.h - the CLI's command handlers.  Each returns the exit status:
 * 0 success, 1 runtime error, 2 usage error.  argv[0] is the command name;
 * global options (-j, -p, -v) have already been removed from argv. */
#ifndef MAPCE_COMMANDS_H
#define MAPCE_COMMANDS_H

#define EXIT_USAGE 2

int cmd_calc(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_br(int argc, char **argv);
int cmd_portmap(int argc, char **argv);

#endif
