// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_cli.c - the command line: cli_dispatch over every level's table
 * and cli_parse with every command's spec (user/cli/cli_dispatch.c,
 * cli_parse.c, cli_usage.c, the tables of commands.c and cmd_*.c).
 *
 * Input: the words after "mapce", one a line (fuzz.h).  -j/--json and
 * -p/--pretty are taken out first, as main() does.
 *
 * Nothing that touches the system runs: the levels are copied with every
 * command's handler replaced by a recorder.  The recorder checks that
 * dispatch picked the command the word names (exact, or its unique
 * prefix), then parses the words with the command's spec and a recording
 * option handler (each option is one of the spec's, a value exactly when
 * the table says, interface names checked, no stray positional
 * argument), and then hands the words to the real parsers of the commands
 * that only parse: calc (all of it: it touches nothing), up's settings
 * (up_settings_from_argv: options, config file, merge, check; it stops
 * before the WAN), the options of the commands that take one string
 * (cli_store_arg), portmap's words (core/portmap.c), isp list|show
 * (read-only, tables from a private ISP directory).
 *
 * With -j or -p, what the commands print must be JSON: stdout JSON
 * documents one after another (RFC 8259: UTF-8, escaped control
 * characters), unless a usage text was asked for.
 */
#include <sys/stat.h>

#include "fuzz.h"
#include "json.h"
#include "cli/commands.h"
#include "core/config_file.h"
#include "core/output.h"
#include "core/portmap.h"

#define WORDS_MAX 64
#define CMDS_MAX 48

/* A copied command and where it came from. */
struct shadow {
	const struct cli_cmd *real;
	const struct cli_level *level; /* the real level holding it */
};

static struct shadow shadows[CMDS_MAX];
static int n_shadows;
static const struct cli_level *top; /* the copy of mapce_level */
static char **orig;		    /* the words as given (getopt permutes argv) */
static int orig_argc;

/* ---- the recording option handler ---------------------------------- */

struct rec {
	const struct cli_spec *spec;
	int opts;
};

/* Is d an entry of spec's tables (listed or hidden)? */
static int in_spec(const struct cli_spec *spec, const struct opt_def *d)
{
	const struct opt_group *const *lists[] = { spec->groups, spec->hidden };

	for (int l = 0; l < 2; l++)
		for (const struct opt_group *const *g = lists[l]; g && *g; g++)
			for (const struct opt_def *o = (*g)->opts; o->name; o++)
				if (o == d)
					return 1;
	return 0;
}

static int rec_opt(void *ctx, const struct opt_def *opt, const char *arg)
{
	struct rec *r = ctx;
	char m[256];

	FUZZ_CHECK(in_spec(r->spec, opt), "--%s is not an option of %s", opt->name, r->spec->name);
	FUZZ_CHECK(!opt->metavar == !arg, "--%s: value %s", opt->name, arg ? arg : "(none)");
	FUZZ_CHECK(!(opt->flags & OPT_IFNAME) || !parse_ifname(arg, m, sizeof(m)), "%s", m);
	r->opts++;
	return 0;
}

/* ---- the real parsers of the commands that only parse ------------- */

/* Restore argv from the words as given (the last parse permuted it). */
static void restore(int argc, char **argv)
{
	memcpy(argv, orig + (orig_argc - argc), sizeof(*argv) * (size_t)argc);
}

/* Could a word name a file that blocks a reader (a FIFO, a terminal)?
 * up's --config is read with fopen(): such inputs skip up's parse. */
static int names_special_file(int argc, char **argv)
{
	struct stat st;

	for (int i = 0; i < argc; i++) {
		const char *w = argv[i], *eq = strchr(w, '=');

		if ((!stat(w, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) ||
		    (eq && !stat(eq + 1, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))
			return 1;
	}
	return 0;
}

/* portmap add|del's words, as do_add/do_del read them. */
static void portmap_words(const struct cli_spec *spec, int argc, char **argv, int first)
{
	struct portmap pm, back;
	char text[PORTMAP_STRLEN], copy[PORTMAP_STRLEN], err[256], *w[4];
	int n = argc - first;

	if (!strcmp(spec->name, "portmap add") && n == 3) {
		if (portmap_parse(argv[first], argv[first + 1], argv[first + 2], &pm, err,
				  sizeof(err)))
			return;
		/* the config file's form parses back to the same forward */
		portmap_format(&pm, text, sizeof(text));
		snprintf(copy, sizeof(copy), "%s", text);
		w[0] = strtok(copy, " ");
		w[1] = strtok(NULL, " ");
		w[2] = strtok(NULL, " ");
		FUZZ_CHECK(w[0] && w[1] && w[2] &&
				   !portmap_parse(w[0], w[1], w[2], &back, err, sizeof(err)),
			   "'%s' does not parse back", text);
		FUZZ_CHECK(back.proto == pm.proto && back.first == pm.first &&
				   back.last == pm.last && back.inside_ip == pm.inside_ip &&
				   back.inside_port == pm.inside_port,
			   "'%s'", text);
	} else if (!strcmp(spec->name, "portmap del") && n == 2) {
		if (!portmap_parse_ports(argv[first], argv[first + 1], &pm, err, sizeof(err)))
			FUZZ_CHECK(pm.first >= 1 && pm.first <= pm.last);
	}
}

static void real_parsers(const struct shadow *s, int argc, char **argv)
{
	static struct up_settings settings;
	const struct cli_spec *spec = s->real->spec;
	const char *str = NULL;
	int ret, first = 0;

	if (spec == &calc_spec) {
		restore(argc, argv);
		ret = cmd_calc(argc, argv);
		FUZZ_CHECK(ret == 0 || ret == 1 || ret == EXIT_USAGE, "calc: %d", ret);
	}
	/* up's handler (and any command sharing it) fills struct up_args */
	if (spec->on_opt == up_spec.on_opt && !names_special_file(argc, argv)) {
		restore(argc, argv);
		ret = up_settings_from_argv(spec, argc, argv, &settings);
		FUZZ_CHECK(ret == CLI_GO || ret == 0 || ret == 1 || ret == EXIT_USAGE, "%d", ret);
		if (ret == CLI_GO)
			FUZZ_CHECK(settings.set[UK_WAN] && settings.wan[0]);
	}
	if (spec->on_opt == cli_store_arg) {
		restore(argc, argv);
		ret = cli_parse(spec, argc, argv, &str, &first);
		FUZZ_CHECK(ret == CLI_GO || ret == 0 || ret == EXIT_USAGE, "%d", ret);
		if (ret == CLI_GO)
			portmap_words(spec, argc, argv, first);
	}
	if (s->level == &isp_level) {
		restore(argc, argv);
		ret = s->real->run(argc, argv);
		FUZZ_CHECK(ret == 0 || ret == 1 || ret == EXIT_USAGE, "isp: %d", ret);
	}
}

/* ---- the recorder -------------------------------------------------- */

static int rec_run(int idx, int argc, char **argv)
{
	const struct shadow *s = &shadows[idx];
	const struct cli_spec *spec = s->real->spec;
	const char *typed = argv[0];
	struct cli_spec copy;
	struct rec r = { .spec = spec };
	int ret, first = -1, prefixed = 0;

	/* the exact name, else the only command the word is a prefix of */
	FUZZ_CHECK(*typed && !strncmp(s->real->name, typed, strlen(typed)), "'%s' picked %s", typed,
		   s->real->name);
	for (const struct cli_cmd *c = s->level->cmds; c->name; c++) {
		FUZZ_CHECK(c == s->real || strcmp(c->name, typed), "'%s' is %s, not %s", typed,
			   c->name, s->real->name);
		prefixed += !strncmp(c->name, typed, strlen(typed));
	}
	FUZZ_CHECK(!strcmp(s->real->name, typed) || prefixed == 1, "'%s' is ambiguous", typed);
	FUZZ_CHECK(spec && spec->on_opt, "%s has no spec", s->real->name);

	copy = *spec;
	copy.on_opt = rec_opt;
	restore(argc, argv);
	ret = cli_parse(&copy, argc, argv, &r, &first);
	FUZZ_CHECK(ret == CLI_GO || ret == 0 || ret == EXIT_USAGE, "%s: %d", spec->name, ret);
	FUZZ_CHECK(r.opts < argc);
	if (ret == CLI_GO) {
		FUZZ_CHECK(first >= 1 && first <= argc, "first %d of %d", first, argc);
		FUZZ_CHECK(spec->args || first == argc, "%s took '%s'", spec->name, argv[first]);
	}
	real_parsers(s, argc, argv);
	return ret == CLI_GO ? 0 : ret;
}

#define TRAMP(i)                                    \
	static int tramp_##i(int argc, char **argv) \
	{                                           \
		return rec_run(i, argc, argv);      \
	}
TRAMP(0)
TRAMP(1)
TRAMP(2)
TRAMP(3)
TRAMP(4)
TRAMP(5)
TRAMP(6)
TRAMP(7)
TRAMP(8)
TRAMP(9)
TRAMP(10)
TRAMP(11)
TRAMP(12)
TRAMP(13)
TRAMP(14)
TRAMP(15)
TRAMP(16)
TRAMP(17)
TRAMP(18)
TRAMP(19)
TRAMP(20)
TRAMP(21)
TRAMP(22)
TRAMP(23)
TRAMP(24)
TRAMP(25)
TRAMP(26)
TRAMP(27)
TRAMP(28)
TRAMP(29)
TRAMP(30)
TRAMP(31)
TRAMP(32)
TRAMP(33)
TRAMP(34)
TRAMP(35)
TRAMP(36)
TRAMP(37)
TRAMP(38)
TRAMP(39)
TRAMP(40)
TRAMP(41)
TRAMP(42)
TRAMP(43)
TRAMP(44)
TRAMP(45)
TRAMP(46)
TRAMP(47)

static int (*const tramps[CMDS_MAX])(int, char **) = {
	tramp_0,  tramp_1,  tramp_2,  tramp_3,	tramp_4,  tramp_5,  tramp_6,  tramp_7,
	tramp_8,  tramp_9,  tramp_10, tramp_11, tramp_12, tramp_13, tramp_14, tramp_15,
	tramp_16, tramp_17, tramp_18, tramp_19, tramp_20, tramp_21, tramp_22, tramp_23,
	tramp_24, tramp_25, tramp_26, tramp_27, tramp_28, tramp_29, tramp_30, tramp_31,
	tramp_32, tramp_33, tramp_34, tramp_35, tramp_36, tramp_37, tramp_38, tramp_39,
	tramp_40, tramp_41, tramp_42, tramp_43, tramp_44, tramp_45, tramp_46, tramp_47
};

/* A copy of level with every handler a recorder (and its sub-levels). */
static const struct cli_level *shadow_level(const struct cli_level *real)
{
	struct cli_level *l = malloc(sizeof(*l));
	struct cli_cmd *cmds;
	size_t n = 0;

	while (real->cmds[n].name)
		n++;
	cmds = calloc(n + 1, sizeof(*cmds));
	if (!l || !cmds)
		abort();
	*l = *real;
	for (size_t i = 0; i < n; i++) {
		cmds[i] = real->cmds[i];
		if (cmds[i].sub) {
			cmds[i].sub = shadow_level(cmds[i].sub);
			continue;
		}
		if (n_shadows == CMDS_MAX) {
			fprintf(stderr, "fuzz_cli: more than %d commands: raise CMDS_MAX\n",
				CMDS_MAX);
			exit(1);
		}
		shadows[n_shadows] = (struct shadow){ &real->cmds[i], real };
		cmds[i].run = tramps[n_shadows++];
	}
	l->cmds = cmds;
	return l;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[512];
	static const char conf[] = "# the default config file of wan0\n"
				   "rule 2001:db8::/40,192.0.2.0/24,16,6\n"
				   "prefix 2001:db8:12:3400::/56\n"
				   "portmap tcp 4928 192.168.1.10\n";

	/* the default config file of wan0 and the ISP directory: ours */
	setenv(MAPCE_CONF_DIR_ENV, fuzz_dir_init(), 1);
	setenv(ISP_DIR_ENV, fuzz_dir_init(), 1);
	fuzz_write(fuzz_path(path, sizeof(path), "wan0.conf"), conf, sizeof(conf) - 1);
	top = shadow_level(&mapce_level);
	return 0;
}

/* -j/-p output: JSON documents, one after the other (no usage text
 * asked for). */
static void check_json(const char *out, size_t len)
{
	size_t bad = 0, from;

	if (memmem(out, len, "Usage: mapce", 12) || json_valid(out, len, &bad))
		return;
	from = bad > 100 ? bad - 100 : 0;
	FUZZ_CHECK(0, "not JSON at byte %zu: ...%.*s", bad,
		   (int)(len - from > 200 ? 200 : len - from), out + from);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *real_stdout = stdout, *cap;
	char *buf, **words, **argv, *out = NULL;
	bool json = false, pretty = false;
	size_t n, out_len = 0;
	int argc = 1, ret;

	words = fuzz_words(data, size, WORDS_MAX, &buf, &n);
	argv = calloc(n + 2, sizeof(*argv));
	orig = calloc(n + 2, sizeof(*orig));
	if (!argv || !orig)
		abort();
	argv[0] = "mapce";
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(words[i], "-j") || !strcmp(words[i], "--json"))
			json = true;
		else if (!strcmp(words[i], "-p") || !strcmp(words[i], "--pretty"))
			pretty = true;
		else
			argv[argc++] = words[i];
	}
	memcpy(orig, argv, sizeof(*argv) * (size_t)(argc + 1));
	orig_argc = argc;
	out_init(json, pretty);
	/* what the commands print, in memory */
	cap = open_memstream(&out, &out_len);
	if (!cap)
		abort();
	stdout = cap;
	ret = cli_dispatch(top, argc, argv);
	stdout = real_stdout;
	fclose(cap);
	FUZZ_CHECK(ret == 0 || ret == 1 || ret == EXIT_USAGE, "dispatch: %d", ret);
	if (json || pretty)
		check_json(out, out_len);
	free(out);
	free(orig);
	free(argv);
	free(words);
	free(buf);
	return 0;
}
