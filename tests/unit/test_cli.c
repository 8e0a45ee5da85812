// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_cli.c - the command line's one dispatcher and one option loop
 * (user/cli/cli.h) on tables written here: exact names, unique prefixes,
 * ambiguous and unknown commands, help at a level; unknown options,
 * missing values, once-only and repeatable options, interface names,
 * positional arguments, the generated usage.  Then mapce's own tables:
 * every option is in its command's usage, every --option a usage text
 * names is one the command takes, every --wan and --dev is checked as an
 * interface name.
 */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "cli/commands.h"
#include "core/config_file.h"
#include "core/output.h"

/* ------------------------------------------------------------------ */
/* Capturing what a call prints                                        */
/* ------------------------------------------------------------------ */

static char out_buf[16384], err_buf[4096];

/* Run fn with stdout and stderr going to files; their text lands in
 * out_buf and err_buf.  Returns fn's result. */
static int capture(int (*fn)(void *), void *arg)
{
	FILE *o = tmpfile(), *e = tmpfile();
	int save_o, save_e, ret;
	size_t n;

	if (!o || !e) {
		perror("tmpfile");
		exit(1);
	}
	fflush(stdout);
	fflush(stderr);
	save_o = dup(1);
	save_e = dup(2);
	dup2(fileno(o), 1);
	dup2(fileno(e), 2);
	ret = fn(arg);
	fflush(stdout);
	fflush(stderr);
	dup2(save_o, 1);
	dup2(save_e, 2);
	close(save_o);
	close(save_e);
	rewind(o);
	rewind(e);
	n = fread(out_buf, 1, sizeof(out_buf) - 1, o);
	out_buf[n] = '\0';
	n = fread(err_buf, 1, sizeof(err_buf) - 1, e);
	err_buf[n] = '\0';
	fclose(o);
	fclose(e);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The dispatcher                                                      */
/* ------------------------------------------------------------------ */

static const char *ran; /* which handler ran */
static int ran_argc;
static char *ran_argv0;

#define HANDLER(fn, status)                  \
	static int fn(int argc, char **argv) \
	{                                    \
		ran = #fn;                   \
		ran_argc = argc;             \
		ran_argv0 = argv[0];         \
		return status;               \
	}
HANDLER(run_up, 10)
HANDLER(run_upgrade, 11)
HANDLER(run_status, 12)
HANDLER(run_stats, 13)
HANDLER(run_inner, 14)

static const struct cli_cmd inner_cmds[] = {
	{ "inner", run_inner, "the one command of the inner level" },
	{},
};

static const struct cli_level inner_level = { .name = "nest", .cmds = inner_cmds };

static const struct cli_cmd test_cmds[] = {
	{ "up", run_up, "summary of up" },
	{ "upgrade", run_upgrade, "summary of upgrade" },
	{ "status", run_status, "summary of status" },
	{ "stats", run_stats, "summary of stats" },
	{ "nest", NULL, "a level of its own", NULL, &inner_level },
	{},
};

static const struct cli_level test_level = {
	.name = "",
	.synopsis = "COMMAND [ARGS]",
	.description = "A test level.",
	.cmds = test_cmds,
};

struct argv_call {
	const struct cli_level *level;
	int argc;
	char *argv[8];
};

static int do_dispatch(void *arg)
{
	struct argv_call *c = arg;

	return cli_dispatch(c->level, c->argc, c->argv);
}

/* Dispatch the words of line on test_level; returns the status. */
static int dispatch(const char *line)
{
	static char buf[256];
	struct argv_call c = { .level = &test_level, .argv = { "mapce" } };
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", line);
	c.argc = 1;
	for (char *w = strtok_r(buf, " ", &save); w && c.argc < 7; w = strtok_r(NULL, " ", &save))
		c.argv[c.argc++] = w;
	c.argv[c.argc] = NULL;
	ran = NULL;
	return capture(do_dispatch, &c);
}

static void test_dispatch(void)
{
	TCASE_BEGIN("dispatch: an exact name runs its command, with argv from the name on");
	CHECK_EQ(dispatch("stats --wan x"), 13);
	CHECK_STR(ran, "run_stats");
	CHECK_EQ(ran_argc, 3);
	CHECK_STR(ran_argv0, "stats");
	/* an exact name wins over the longer names it is a prefix of */
	CHECK_EQ(dispatch("up"), 10);
	CHECK_STR(ran, "run_up");
	TCASE_END();

	TCASE_BEGIN("dispatch: a unique prefix selects its command");
	CHECK_EQ(dispatch("upg"), 11);
	CHECK_STR(ran, "run_upgrade");
	CHECK_EQ(dispatch("statu"), 12);
	CHECK_STR(ran, "run_status");
	CHECK_EQ(dispatch("stats"), 13);
	CHECK_EQ(dispatch("ne inn"), 14); /* at every level */
	CHECK_STR(ran, "run_inner");
	CHECK_STR(ran_argv0, "inn");
	TCASE_END();

	TCASE_BEGIN("dispatch: an ambiguous prefix is a usage error naming the candidates");
	CHECK_EQ(dispatch("stat"), EXIT_USAGE);
	CHECK(!ran);
	CHECK(strstr(err_buf, "ambiguous command 'stat'"), "%s", err_buf);
	CHECK(strstr(err_buf, "status, stats"), "%s", err_buf);
	CHECK_EQ(dispatch("st"), EXIT_USAGE);
	CHECK(!ran);
	TCASE_END();

	TCASE_BEGIN("dispatch: an unknown or missing command is a usage error");
	CHECK_EQ(dispatch("frobnicate"), EXIT_USAGE);
	CHECK(!ran);
	CHECK(strstr(err_buf, "unknown command 'frobnicate'"), "%s", err_buf);
	CHECK_EQ(dispatch("nest frob"), EXIT_USAGE);
	CHECK(strstr(err_buf, "nest: unknown command 'frob'"), "%s", err_buf);
	CHECK(strstr(err_buf, "mapce nest -h"), "%s", err_buf);
	CHECK_EQ(dispatch(""), EXIT_USAGE);
	CHECK(strstr(err_buf, "Usage: mapce COMMAND"), "usage on stderr: %s", err_buf);
	CHECK(strstr(err_buf, "missing command"), "%s", err_buf);
	CHECK_EQ(dispatch("upx"), EXIT_USAGE); /* longer than a name: no prefix of it */
	TCASE_END();

	TCASE_BEGIN("dispatch: help, -h and --help list the level on stdout");
	for (int i = 0; i < 3; i++) {
		static const char *const words[] = { "help", "-h", "--help" };

		CHECK_EQ(dispatch(words[i]), 0);
		CHECK(!ran);
		CHECK(!strncmp(out_buf, "Usage: mapce COMMAND [ARGS]", 27), "%s", out_buf);
		for (const struct cli_cmd *c = test_cmds; c->name; c++)
			CHECK(strstr(out_buf, c->name) && strstr(out_buf, c->summary), "%s missing",
			      c->name);
	}
	CHECK_EQ(dispatch("nest -h"), 0);
	CHECK(strstr(out_buf, "the one command of the inner level"), "%s", out_buf);
	TCASE_END();

	TCASE_BEGIN("dispatch: with -j a usage error is also {\"error\": ...} on stdout");
	out_init(true, false);
	CHECK_EQ(dispatch("frobnicate"), EXIT_USAGE);
	out_init(false, false);
	CHECK(!strncmp(out_buf, "{\"error\":", 9) && strstr(out_buf, "frobnicate"), "%s", out_buf);
	TCASE_END();
}

/* ------------------------------------------------------------------ */
/* The option loop                                                     */
/* ------------------------------------------------------------------ */

enum { T_NAME = 1, T_FLAG, T_ITEM, T_DEV, T_SECRET, T_FAIL };

static const struct opt_def t_opts[] = {
	{ "name", "S", "a once-only value", T_NAME },
	{ "flag", NULL, "a once-only flag", T_FLAG },
	{ "item", "X", "may be given again", T_ITEM, OPT_REPEAT },
	{ "dev", "IF", "an interface", T_DEV, OPT_IFNAME },
	{ "fail", NULL, "the handler refuses it", T_FAIL },
	{},
};
static const struct opt_def t_secret[] = {
	{ "secret", NULL, "taken, not listed", T_SECRET },
	{},
};
static const struct opt_group t_group = { NULL, t_opts };
static const struct opt_group t_secret_group = { "Secret", t_secret };
static const struct opt_group *const t_groups[] = { &t_group, NULL };
static const struct opt_group *const t_hidden[] = { &t_secret_group, NULL };

struct t_ctx {
	int calls[T_FAIL + 1];
	const char *last[T_FAIL + 1];
};

static int t_on_opt(void *ctx, const struct opt_def *opt, const char *arg)
{
	struct t_ctx *x = ctx;

	x->calls[opt->val]++;
	x->last[opt->val] = arg;
	if (opt->val == T_FAIL) {
		pr_err("test: refused");
		return 1;
	}
	return 0;
}

static struct cli_spec t_spec = {
	.name = "test",
	.description = "A test command.",
	.groups = t_groups,
	.hidden = t_hidden,
	.notes = "Some notes.",
	.examples = "  mapce test --name x\n",
	.on_opt = t_on_opt,
};

static struct t_ctx X;
static int first_arg;
static struct argv_call P;

static int do_parse(void *arg)
{
	struct argv_call *c = arg;

	return cli_parse(&t_spec, c->argc, c->argv, &X, &first_arg);
}

/* Parse "test" + the words of line (NULL-separated list for empty words). */
static int parse_words(int n, const char *const *words)
{
	memset(&X, 0, sizeof(X));
	P.argv[0] = "test";
	for (int i = 0; i < n && i < 6; i++)
		P.argv[i + 1] = (char *)words[i];
	P.argc = n + 1;
	P.argv[P.argc] = NULL;
	first_arg = -1;
	return capture(do_parse, &P);
}
#define PARSE(...)                                                                  \
	parse_words(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *), \
		    (const char *[]){ __VA_ARGS__ })

static void test_parse(void)
{
	TCASE_BEGIN("options: each to the handler, then CLI_GO");
	CHECK_EQ(PARSE("--name", "n1", "--flag", "--dev", "eth0", "--secret"), CLI_GO);
	CHECK_EQ(X.calls[T_NAME], 1);
	CHECK_STR(X.last[T_NAME], "n1");
	CHECK_EQ(X.calls[T_FLAG], 1);
	CHECK_STR(X.last[T_DEV], "eth0");
	CHECK_EQ(X.calls[T_SECRET], 1);			       /* hidden: taken all the same */
	CHECK_EQ(PARSE("--name=n2", "--na", "x"), EXIT_USAGE); /* = and abbreviations: getopt's */
	CHECK_STR(X.last[T_NAME], "n2");
	CHECK(strstr(err_buf, "--name given twice"), "%s", err_buf);
	TCASE_END();

	TCASE_BEGIN("options: an unknown option is a usage error naming it");
	CHECK_EQ(PARSE("--no-such-option"), EXIT_USAGE);
	CHECK(strstr(err_buf, "test: unknown option '--no-such-option'"), "%s", err_buf);
	CHECK(strstr(err_buf, "mapce test -h"), "%s", err_buf);
	CHECK_EQ(PARSE("-x"), EXIT_USAGE);
	CHECK(strstr(err_buf, "unknown option '-x'"), "%s", err_buf);
	CHECK_EQ(PARSE("--flag=yes"), EXIT_USAGE);
	CHECK(strstr(err_buf, "option '--flag' takes no value"), "%s", err_buf);
	CHECK_EQ(PARSE("--f"), EXIT_USAGE); /* --flag or --fail */
	CHECK(strstr(err_buf, "ambiguous option '--f'"), "%s", err_buf);
	CHECK_EQ(X.calls[T_FLAG] + X.calls[T_FAIL], 0);
	TCASE_END();

	TCASE_BEGIN("options: a missing value is a usage error naming the option");
	CHECK_EQ(PARSE("--flag", "--name"), EXIT_USAGE);
	CHECK(strstr(err_buf, "option '--name' needs a value"), "%s", err_buf);
	CHECK_EQ(X.calls[T_NAME], 0);
	TCASE_END();

	TCASE_BEGIN("options: a once-only option given twice is a usage error");
	CHECK_EQ(PARSE("--name", "a", "--name", "a"), EXIT_USAGE);
	CHECK(strstr(err_buf, "test: --name given twice"), "%s", err_buf);
	CHECK_EQ(X.calls[T_NAME], 1);
	CHECK_EQ(PARSE("--flag", "--flag"), EXIT_USAGE);
	CHECK(strstr(err_buf, "--flag given twice"), "%s", err_buf);
	CHECK_EQ(PARSE("--dev", "a", "--dev", "b"), EXIT_USAGE);
	CHECK(strstr(err_buf, "--dev given twice"), "%s", err_buf);
	TCASE_END();

	TCASE_BEGIN("options: a repeatable option reaches the handler each time");
	CHECK_EQ(PARSE("--item", "1", "--item", "2", "--item", "3"), CLI_GO);
	CHECK_EQ(X.calls[T_ITEM], 3);
	CHECK_STR(X.last[T_ITEM], "3");
	TCASE_END();

	TCASE_BEGIN("options: the handler's status stops the loop");
	CHECK_EQ(PARSE("--fail", "--flag"), 1);
	CHECK_EQ(X.calls[T_FLAG], 0);
	CHECK(strstr(err_buf, "refused"), "%s", err_buf);
	TCASE_END();

	TCASE_BEGIN("options: positional arguments only where the spec takes them");
	CHECK_EQ(PARSE("--flag", "stray"), EXIT_USAGE);
	CHECK(strstr(err_buf, "test: unexpected argument 'stray'"), "%s", err_buf);
	t_spec.args = "A B";
	CHECK_EQ(PARSE("a", "--name", "n", "b"), CLI_GO); /* mixed with options */
	CHECK_EQ(first_arg, 3);
	CHECK_STR(P.argv[first_arg], "a");
	CHECK_STR(P.argv[first_arg + 1], "b");
	CHECK_EQ(PARSE("--", "--flag"), CLI_GO); /* after --: an argument */
	CHECK_EQ(X.calls[T_FLAG], 0);
	CHECK_STR(P.argv[first_arg], "--flag");
	t_spec.args = NULL;
	TCASE_END();

	TCASE_BEGIN("options: interface names are checked before the handler");
	static const char *const bad[] = {
		"",	".",	 "..",	 ".hidden",	     "a/b", "/", "a b", "a\tb",
		"a\nb", "a\x01", "\x7f", "abcdefghijklmnop", /* 16: IFNAMSIZ with its NUL is 17 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		CHECK_EQ(PARSE("--dev", bad[i]), EXIT_USAGE);
		CHECK_EQ(X.calls[T_DEV], 0);
		/* as stderr shows it: control characters as \xNN */
		char shown[32] = "";

		for (const char *c = bad[i]; *c; c++)
			snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown),
				 (unsigned char)*c < 0x20 || *c == 0x7f ? "\\x%02x" : "%c",
				 (unsigned char)*c);
		snprintf(want, sizeof(want), "--dev '%s' is not an interface name", shown);
		CHECK(strstr(err_buf, want), "'%s': %s", bad[i], err_buf);
	}
	CHECK_EQ(PARSE("--dev", "abcdefghijklmno"), CLI_GO); /* 15 */
	CHECK_EQ(PARSE("--dev", "veth-br.100"), CLI_GO);
	CHECK_EQ(PARSE("--dev", "eth0:1"), CLI_GO);
	TCASE_END();

	TCASE_BEGIN("options: -h prints the usage from the table, nothing runs");
	CHECK_EQ(PARSE("--flag", "-h", "--bogus"), 0);
	CHECK_EQ(X.calls[T_FLAG], 1);
	CHECK(!strncmp(out_buf, "Usage: mapce test", 17), "%s", out_buf);
	for (const struct opt_def *d = t_opts; d->name; d++) {
		char want[64];

		snprintf(want, sizeof(want), "--%s%s%s", d->name, d->metavar ? " " : "",
			 d->metavar ? d->metavar : "");
		CHECK(strstr(out_buf, want), "%s missing: %s", want, out_buf);
		CHECK(strstr(out_buf, d->help), "help of %s missing", d->name);
	}
	CHECK(strstr(out_buf, "Usage: mapce test [--name S] [--flag] [--item X] [--dev IF]"),
	      "generated synopsis: %s", out_buf);
	CHECK(strstr(out_buf, "-h, --help"));
	CHECK(strstr(out_buf, "A test command.") && strstr(out_buf, "Some notes.") &&
		      strstr(out_buf, "Examples:\n  mapce test --name x\n"),
	      "%s", out_buf);
	CHECK(!strstr(out_buf, "secret"), "a hidden option is listed: %s", out_buf);
	CHECK_EQ(PARSE("--help"), 0);
	TCASE_END();
}

/* ------------------------------------------------------------------ */
/* mapce's own tables                                                  */
/* ------------------------------------------------------------------ */

static const struct cli_spec *usage_spec;

static int do_usage(void *arg)
{
	cli_usage(usage_spec, stdout);
	return 0;
}

/* `mapce NAME -h` through the option loop. */
static int do_help(void *arg)
{
	char *argv[] = { (char *)usage_spec->name, "-h", NULL };

	return cli_parse(usage_spec, 2, argv, NULL, NULL);
}

/* Every "--word" of text is an option spec takes. */
static void check_mentions(const struct cli_spec *s, const char *what, const char *text)
{
	for (const char *p = text ? strstr(text, "--") : NULL; p; p = strstr(p + 2, "--")) {
		char name[64];
		size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");

		if (!n)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)n, p + 2);
		CHECK(!strcmp(name, "help") || (s->groups && opt_find_name(s->groups, name)) ||
			      (s->hidden && opt_find_name(s->hidden, name)),
		      "%s: %s names --%s, not an option of the command", s->name, what, name);
	}
}

static void check_spec(const struct cli_spec *s)
{
	const struct opt_group *const *lists[] = { s->groups, s->hidden };

	usage_spec = s;
	capture(do_usage, NULL);
	CHECK(!strncmp(out_buf, "Usage: mapce ", 13), "%s", s->name);
	for (const struct opt_group *const *g = s->groups; g && *g; g++)
		for (const struct opt_def *d = (*g)->opts; d->name; d++) {
			char want[80];

			snprintf(want, sizeof(want), "--%s%s%s", d->name, d->metavar ? " " : "",
				 d->metavar ? d->metavar : "");
			CHECK(strstr(out_buf, want), "%s: usage lacks %s", s->name, want);
		}
	for (size_t l = 0; l < 2; l++)
		for (const struct opt_group *const *g = lists[l]; g && *g; g++)
			for (const struct opt_def *d = (*g)->opts; d->name; d++)
				CHECK((strcmp(d->name, "wan") && strcmp(d->name, "dev")) ||
					      (d->flags & OPT_IFNAME),
				      "%s: --%s is not checked as an interface name", s->name,
				      d->name);
	check_mentions(s, "synopsis", s->synopsis);
	check_mentions(s, "description", s->description);
	check_mentions(s, "notes", s->notes);
	check_mentions(s, "examples", s->examples);
	/* the loop takes the table whole (no more options than it has room for) */
	CHECK_EQ(capture(do_help, NULL), 0);
	CHECK(!strncmp(out_buf, "Usage: mapce ", 13), "%s -h: %s", s->name, err_buf);
}

static void check_level(const struct cli_level *l, int *n_specs)
{
	for (const struct cli_cmd *c = l->cmds; c->name; c++) {
		CHECK(c->summary && *c->summary, "%s %s: no summary", l->name, c->name);
		CHECK(!!c->sub != !!c->run, "%s %s: a handler or a level", l->name, c->name);
		CHECK(c->sub || c->spec, "%s %s: no spec", l->name, c->name);
		if (c->sub)
			check_level(c->sub, n_specs);
		if (c->spec) {
			check_spec(c->spec);
			++*n_specs;
		}
	}
}

/* Every config key is in spec's usage, but those of group left_out; the
 * file-only keys (the update call's) as file keys, without dashes. */
static void check_keys_listed(const struct cli_spec *spec, const struct opt_group *left_out)
{
	usage_spec = spec;
	capture(do_usage, NULL);
	for (const struct opt_group *const *g = up_key_groups; *g; g++)
		for (const struct opt_def *d = (*g)->opts; d->name; d++) {
			bool file = *g == &up_update_group;
			char want[64], key[64];

			snprintf(want, sizeof(want), "  --%s", d->name);
			snprintf(key, sizeof(key), "\n  %s ", d->name);
			CHECK(!strstr(out_buf, want) == (file || *g == left_out), "%s -h and --%s",
			      spec->name, d->name);
			if (file)
				CHECK(strstr(out_buf, key), "%s -h lacks the file key %s",
				      spec->name, d->name);
		}
}

static void test_mapce_tables(void)
{
	int n_specs = 0;

	TCASE_BEGIN("mapce: every command's usage lists its options and names only those");
	check_level(&mapce_level, &n_specs);
	/* calc up down run status flows stats ports log upnp-config provision,
	 * portmap x3, isp x2, br x3 */
	CHECK_EQ(n_specs, 19);
	TCASE_END();

	TCASE_BEGIN("mapce: the rule options and the up settings are in up's usage (and run's)");
	/* run's own settings: up refuses them, its usage does not list them */
	check_keys_listed(&up_spec, &up_run_group);
	check_keys_listed(&run_spec, NULL);
	TCASE_END();

	TCASE_BEGIN("mapce: a level's usage shows each command's synopsis");
	struct argv_call c = { .level = &mapce_level,
			       .argc = 3,
			       .argv = { "mapce", "portmap", "-h" } };

	CHECK_EQ(capture(do_dispatch, &c), 0);
	CHECK(strstr(out_buf, "Usage: mapce portmap add tcp|udp"), "%s", out_buf);
	CHECK(strstr(out_buf, "       mapce portmap list [--wan IF]"), "%s", out_buf);
	TCASE_END();
}

int main(void)
{
	test_dispatch();
	test_parse();
	test_mapce_tables();
	return t_exit();
}
