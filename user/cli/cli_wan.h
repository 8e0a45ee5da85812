/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli_wan.h - which WAN a CE command acts on: the --wan option (one
 * table entry for every command) and the choice among what is up, with
 * the messages and exit codes every command gives: the choice itself is
 * ce/ce_maps.h's.
 */
#ifndef MAPCE_CLI_WAN_H
#define MAPCE_CLI_WAN_H

#include <net/if.h>

#include "core/opt_table.h"

/* --wan IF (opt_def.val 'w'); the default when absent is each command's
 * (its description says which). */
extern const struct opt_group cli_wan_group;

/* ce_wans(): the count, or -1 after pr_err() (exit 1). */
int cli_wans(const char *wan, char (*names)[IF_NAMESIZE], int max);
/* ce_wan_one(): 0, or the exit status after pr_err() (1 not up,
 * EXIT_USAGE when several are up and --wan must pick one). */
int cli_wan_one(const char *wan, char out[IF_NAMESIZE]);

#endif
