// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_config.c - the `mapce up` config file (user/core/config_file.c,
 * config_settings.c, config_edit.c) and what `up` and `calc` do with the
 * settings it gives (user/core/rule_source.c, the derivation).
 *
 * Input: a config file's text, written to a file of the harness's own.
 * config_file_parse either refuses it with "FILE:LINE: ..." (or "FILE:"
 * and a message naming the file) or fills the settings; accepted
 * settings are merged with two command lines (none, and one with its own
 * rule and scalars: the command line's rule source wins as a whole),
 * checked, their rule source loaded and applied and the CE derived.  The
 * edits `mapce portmap` makes must keep an accepted file accepted:
 * deleting every forward of a protocol leaves the others (and nothing of
 * that protocol), adding one that overlaps nothing adds exactly it.
 */
#include <netinet/in.h>

#include "fuzz.h"
#include "core/config_file.h"
#include "core/rule_source.h"

static char path[512];
static struct up_settings file, cli_none, cli_rule, merged, again;

/* A command line with its own rule, scalars and a flag. */
static void cli_init(void)
{
	static const struct {
		int opt;
		const char *arg;
	} words[] = {
		{ UP_OPT_BASE + UK_WAN, "wan1" },
		{ UP_OPT_BASE + UK_MTU, "1400" },
		{ UP_OPT_BASE + UK_TIMEOUT_UDP, "200" },
		{ MAPCE_OPT_RULE, "2001:db8::/40,192.0.2.0/24,16,6" },
		{ MAPCE_OPT_PREFIX, "2001:db8:12:3400::/56" },
		{ MAPCE_OPT_LEGACY_IID, NULL },
	};
	char err[1024];

	up_settings_init(&cli_none);
	up_settings_init(&cli_rule);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (up_settings_apply(&cli_rule, words[i].opt, words[i].arg, 0, err, sizeof(err))) {
			fprintf(stderr, "fuzz_config: the command line is refused: %s\n", err);
			exit(1);
		}
}

/* What up/calc do with merged settings after the check. */
static void use(const struct up_settings *s)
{
	static struct rule_source src;
	static struct mapce_derived d;
	struct mapce_opts o;
	char err[1024];

	if (up_settings_check(s, err, sizeof(err)))
		return;
	if (rule_source_load(s, &src, err, sizeof(err)))
		return;
	o = s->rule;
	if (rule_source_apply(&src, &o, err, sizeof(err)))
		return;
	if (mapce_derive(&o, &d, err, sizeof(err)))
		FUZZ_CHECK(err[0], "a failure without a message");
}

static int count(const struct up_settings *s, __u8 proto)
{
	int n = 0;

	for (int i = 0; i < s->n_portmaps; i++)
		n += s->portmaps[i].proto == proto;
	return n;
}

/* The edits of `mapce portmap del|add` on an accepted file. */
static void edits(void)
{
	struct portmap all = { .proto = IPPROTO_TCP, .first = 1, .last = 65535 }, pm;
	char err[2048];
	int udp = count(&file, IPPROTO_UDP), dropped = -1;
	bool free_port = true;

	FUZZ_CHECK(!config_file_del_portmaps(path, &all, &dropped, err, sizeof(err)), "del: %s",
		   err);
	FUZZ_CHECK(dropped == count(&file, IPPROTO_TCP), "dropped %d of %d", dropped,
		   count(&file, IPPROTO_TCP));
	FUZZ_CHECK(!config_file_parse(path, &again, err, sizeof(err)), "after del: %s", err);
	FUZZ_CHECK(count(&again, IPPROTO_TCP) == 0 && count(&again, IPPROTO_UDP) == udp);

	/* a UDP forward that overlaps none of the file's */
	if (portmap_parse("udp", "4242", "192.0.2.77:4242", &pm, err, sizeof(err)))
		abort();
	for (int i = 0; i < again.n_portmaps; i++)
		free_port &= !portmap_outside_overlap(&pm, &again.portmaps[i]) &&
			     !portmap_inside_overlap(&pm, &again.portmaps[i]);
	/* files with forwards only: an add rewrites the file (and fsyncs it) */
	if (!file.n_portmaps || !free_port || again.n_portmaps == PORTMAP_MAX)
		return;
	FUZZ_CHECK(!config_file_add_portmap(path, &pm, err, sizeof(err)), "add: %s", err);
	FUZZ_CHECK(!config_file_parse(path, &again, err, sizeof(err)), "after add: %s", err);
	FUZZ_CHECK(count(&again, IPPROTO_UDP) == udp + 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv(ISP_DIR_ENV, fuzz_dir_init(), 1);
	fuzz_path(path, sizeof(path), "fuzz.conf");
	cli_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[2048];
	int ret;

	fuzz_write(path, data, size);
	err[0] = '\0';
	ret = config_file_parse(path, &file, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -1);
	if (ret) {
		FUZZ_CHECK(strstr(err, path), "'%s' does not name the file", err);
		return 0;
	}
	FUZZ_CHECK(file.n_portmaps <= PORTMAP_MAX && file.rule.n_rules <= MAPCE_MAX_RULES);
	for (int i = 0; i < file.n_portmaps; i++)
		FUZZ_CHECK(file.portmaps[i].line >= 1 && file.portmaps[i].first >= 1 &&
			   file.portmaps[i].first <= file.portmaps[i].last);

	up_settings_merge(&merged, &file, &cli_none);
	use(&merged);
	up_settings_merge(&merged, &file, &cli_rule);
	FUZZ_CHECK(merged.rule.n_rules == 1 && !strcmp(merged.wan, "wan1") &&
		   merged.val[UK_MTU] == 1400 && merged.line[UK_MTU] == 0);
	FUZZ_CHECK(!merged.set[UK_ISP] && !merged.set[UK_DHCPV6_OPTION] &&
			   !merged.set[UK_DHCPV6_OPTION_FILE],
		   "the file's rule source survived");
	use(&merged);
	edits();
	return 0;
}
