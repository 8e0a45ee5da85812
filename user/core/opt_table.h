/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * opt_table.h - the one description of an option: its long name, value
 * placeholder, help text and how often it may be given.  The command
 * line (cli/cli.h's option loop runs getopt_long from these tables and
 * generates each command's usage from them), the config file (its keys
 * are the same names) and the usage text all read the same entries, so
 * they cannot drift apart.  Tables live where the options are understood:
 * the MAP rule options in rule_config.c, the `up` settings in
 * config_settings.c, each command's own in its cmd_*.c.
 */
#ifndef MAPCE_OPT_TABLE_H
#define MAPCE_OPT_TABLE_H

#include <stdbool.h>

/* opt_def.flags */
#define OPT_REPEAT                                                      \
	(1u << 0) /* may be given again (starts or extends a rule): the \
		   * others are once-only, "--mtu given twice" */
#define OPT_IFNAME                                                  \
	(1u << 1) /* the value is an interface name: parse_ifname() \
		   * checks it before the command sees it */

struct opt_def {
	const char *name;    /* long option without "--"; also the config file key */
	const char *metavar; /* the value's placeholder ("IF", "N"); NULL: a flag
			      * (takes no value) */
	const char *help;    /* one or more sentences, wrapped when printed */
	int val;	     /* what the command's handler switches on */
	unsigned int flags;  /* OPT_* */
	char short_name;     /* one-letter form, 0 none (only the global options) */
};

/* Options listed under one heading.  A table ends with an entry without
 * a name. */
struct opt_group {
	const char *title;	    /* heading; NULL: under the previous heading
				     * ("Options" when first) */
	const struct opt_def *opts; /* ends with { NULL } */
};

/* A number macro's digits inside a help string: "default " OPT_STR(X). */
#define OPT_STR_(x) #x
#define OPT_STR(x) OPT_STR_(x)

/* The entry named name (or whose val is val) in a NULL-terminated list of
 * groups; NULL when none. */
const struct opt_def *opt_find_name(const struct opt_group *const *groups, const char *name);
const struct opt_def *opt_find_val(const struct opt_group *const *groups, int val);

#endif
