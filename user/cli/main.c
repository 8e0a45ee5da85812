// SPDX-License-Identifier: GPL-2.0-only
/*
 * mapce - MAP-E CE gateway on XDP and TC.
 *
 *   mapce [-j|-p] [-v] COMMAND [ARGS]    (global options may follow COMMAND)
 *
 * The commands are the tables of commands.h, dispatched by cli.h.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "core/output.h"
#include "core/version.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* The global option a is (its short name), or 0; -V only counts first. */
static int global_opt(const char *a)
{
	for (const struct opt_def *d = mapce_global_group.opts; d->name; d++) {
		if (d->short_name == 'V')
			continue;
		if ((a[0] == '-' && a[1] == d->short_name && !a[2]) ||
		    (!strncmp(a, "--", 2) && !strcmp(a + 2, d->name)))
			return d->short_name;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool json = false, pretty = false;
	int n = 0;

	/* Pull the global options out of argv wherever they stand. */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (i < argc)
				argv[++n] = argv[i++];
			break;
		}
		switch (global_opt(a)) {
		case 'j':
			json = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 'v':
			verbose++;
			break;
		default:
			if (!strcmp(a, "-vv"))
				verbose += 2;
			else
				argv[++n] = argv[i];
		}
	}
	argc = n + 1;
	argv[argc] = NULL;
	out_init(json, pretty);
	libbpf_set_print(libbpf_print);

	if (argc > 1 && (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
		printf("mapce %s (libbpf %s)\n", MAPCE_VERSION, libbpf_version_string());
		return 0;
	}
	return cli_dispatch(&mapce_level, argc, argv);
}
