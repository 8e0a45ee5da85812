/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * commands.h - the CLI's command tables (cli.h) and their handlers.  Each
 * handler returns the exit status: 0 success, 1 runtime error, EXIT_USAGE
 * (2) usage error.  argv[0] is the command name as typed; the global
 * options (-j, -p, -v) have already been removed from argv.
 */
#ifndef MAPCE_COMMANDS_H
#define MAPCE_COMMANDS_H

#include "ce/aftr_name.h"
#include "cli/cli.h"
#include "core/rule_config.h"

/* The levels: `mapce CMD`, `mapce br CMD`, `mapce portmap CMD`,
 * `mapce isp CMD`. */
extern const struct cli_level mapce_level, br_level, portmap_level, isp_level;

/* The global options: listed by `mapce -h`, taken by main.c wherever
 * they stand (opt_def.val is the short name). */
extern const struct opt_group mapce_global_group;

/* The on_opt of the MAP rule options (calc, br up): mapce_opts_handle()
 * into o, its message prefixed with cmd. */
int cli_rule_opt(const char *cmd, struct mapce_opts *o, const struct opt_def *opt, const char *arg);

/* What `up` and `run` share: the settings from the command line and the
 * config file (merged and checked: CLI_GO, or the exit status after
 * pr_err()), and the parameters from the settings, the rule source and
 * the WAN as it is now (0, or the exit status after pr_err()). */
struct up_settings;
struct ce_up_params;
int up_settings_from_argv(const struct cli_spec *spec, int argc, char **argv,
			  struct up_settings *s);
int up_plan(const char *cmd, const struct up_settings *s, struct ce_up_params *p);
/* The config file read again and merged with the command line of the
 * last up_settings_from_argv (run's SIGHUP): 0, or the exit status with
 * the message (file:line) in err. */
int up_settings_reread(struct up_settings *s, char *err, size_t errlen);
/* up's option tables and their handler (ctx: what up_settings_from_argv
 * passes), for the commands that take up's options (run). */
extern const struct opt_group *const up_groups[], *const run_groups[];
extern const struct opt_group *const up_file_only[]; /* the update keys */
int up_opt(void *ctx, const struct opt_def *opt, const char *arg);
/* mode auto (ce/auto_mode.h): ask the HB46PP server once and keep its
 * answer for the plan; 0 (also when s is not mode auto), or 1 after
 * pr_err() ("cmd: mode auto: ... (nothing applied)"). */
int up_auto_ask(const char *cmd, const struct up_settings *s);
/* up_plan with the message in err instead of on stderr (run logs it), the
 * address of an AFTR's name from aftr_lookup (ce/aftr_name.h: up asks it,
 * run follows it). */
int up_plan_msg(const struct up_settings *s, aftr_lookup_fn *aftr_lookup, struct ce_up_params *p,
		char *err, size_t errlen);

/* Commands and their specs (for the levels' tables). */
int cmd_calc(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ports(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_upnp_config(int argc, char **argv);
int cmd_provision(int argc, char **argv);
extern const struct cli_spec log_spec;
extern const struct cli_spec calc_spec, up_spec, down_spec, status_spec, flows_spec, stats_spec,
	run_spec, ports_spec, upnp_config_spec, provision_spec;

#endif
